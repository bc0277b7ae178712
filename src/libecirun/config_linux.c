/* config.json "linux": namespaces, ID mappings, time offsets, devices, seccomp, personality and
   the rest of the object (resources: config_resources.c). */
#include <config.h>
#include "config.h"
#include "config_internal.h"
#include "utils.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ---- linux ---- */

static int
parse_namespace (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct linux_config *l = data;
  cleanup_free char *type = NULL;
  cleanup_free char *nspath = NULL;
  char tpath[CFG_PATH_MAX];
  int t;

  cfg_path (tpath, path, "type");
  if (cfg_req_string (c, e, "type", path, &type) < 0)
    return -1;
  t = ns_type_from_name (type);
  if (t < 0)
    return cfg_error (c, tpath, ": unknown namespace type \"%s\"", type);
  if (l->namespaces[t].present)
    return cfg_error (c, tpath, ": duplicate namespace type \"%s\"", type);
  if (cfg_string (c, e, "path", path, &nspath) < 0)
    return -1;
  if (nspath && nspath[0] != '\0' && nspath[0] != '/')
    {
      cfg_path (tpath, path, "path");
      return cfg_error (c, tpath, " must be an absolute path");
    }
  l->namespaces[t].present = true;
  /* An empty path means "create a new one", as in runc. */
  if (nspath && nspath[0] != '\0')
    l->namespaces[t].path = TAKE_PTR (nspath);
  return 0;
}

static int
parse_time_offsets (struct cfg_ctx *c, yajl_val lnx, struct linux_config *l)
{
  char path[CFG_PATH_MAX];
  yajl_val obj = NULL;

  if (cfg_object (c, lnx, "timeOffsets", "linux", &obj) < 0)
    return -1;
  for (size_t i = 0; obj && i < obj->u.object.len; i++)
    {
      const char *clock = obj->u.object.keys[i];
      yajl_val v = obj->u.object.values[i];
      struct opt_i64 secs = { 0 };
      struct opt_u64 nsecs = { 0 };
      cleanup_free char *s = NULL;

      cfg_path (path, "linux.timeOffsets", clock);
      if (strcmp (clock, "monotonic") != 0 && strcmp (clock, "boottime") != 0)
        return cfg_error (c, path, ": unknown clock \"%s\"", clock);
      if (!YAJL_IS_OBJECT (v))
        return cfg_error (c, path, " must be an object");
      if (cfg_i64 (c, v, "secs", path, &secs) < 0 || cfg_u64 (c, v, "nanosecs", path, &nsecs) < 0)
        return -1;
      if (nsecs.v >= 1000000000)
        return cfg_error (c, path, ".nanosecs must be less than 1000000000");
      s = xasprintf ("%" PRId64 " %" PRIu64, secs.v, nsecs.v);
      kv_list_append (&l->time_offsets, clock, s);
    }
  return 0;
}

static int
parse_device (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct linux_config *l = data;
  struct device_config *d = &l->devices[i];
  cleanup_free char *type = NULL;

  l->n_devices++;
  if (cfg_abs_path (c, e, "path", path, &d->path) < 0
      || cfg_req_string (c, e, "type", path, &type) < 0)
    return -1;
  if (strlen (type) != 1 || strchr ("cbup", type[0]) == NULL)
    {
      char tpath[CFG_PATH_MAX];
      cfg_path (tpath, path, "type");
      return cfg_error (c, tpath, ": unknown device type \"%s\" (want c, b, u or p)", type);
    }
  d->type = type[0];
  if (d->type == 'p')
    {
      struct opt_i64 maj = { 0 }, min = { 0 };
      if (cfg_i64 (c, e, "major", path, &maj) < 0 || cfg_i64 (c, e, "minor", path, &min) < 0)
        return -1;
      d->major = maj.v;
      d->minor = min.v;
    }
  else if (cfg_req_i64 (c, e, "major", path, &d->major) < 0
           || cfg_req_i64 (c, e, "minor", path, &d->minor) < 0)
    return -1;
  if (cfg_opt_u32 (c, e, "fileMode", path, &d->file_mode) < 0
      || cfg_opt_u32 (c, e, "uid", path, &d->uid) < 0
      || cfg_opt_u32 (c, e, "gid", path, &d->gid) < 0)
    return -1;
  return 0;
}

static int
parse_seccomp_arg (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct seccomp_syscall_config *s = data;
  struct seccomp_arg_config *a = &s->args[i];
  struct opt_u64 two = { 0 };

  s->n_args++;
  if (cfg_req_u32 (c, e, "index", path, &a->index) < 0
      || cfg_req_u64 (c, e, "value", path, &a->value) < 0
      || cfg_u64 (c, e, "valueTwo", path, &two) < 0
      || cfg_req_string (c, e, "op", path, &a->op) < 0)
    return -1;
  a->value_two = two.v;
  return 0;
}

static int
parse_seccomp_syscall (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct seccomp_config *sc = data;
  struct seccomp_syscall_config *s = &sc->syscalls[i];

  sc->n_syscalls++;
  if (cfg_strv (c, e, "names", path, &s->names, &s->n_names) < 0)
    return -1;
  if (s->n_names == 0)
    {
      char npath[CFG_PATH_MAX];
      cfg_path (npath, path, "names");
      return cfg_error (c, npath, " must be a non-empty array of strings");
    }
  if (cfg_req_string (c, e, "action", path, &s->action) < 0
      || cfg_opt_u32 (c, e, "errnoRet", path, &s->errno_ret) < 0)
    return -1;
  s->args = xmalloc0 (cfg_array_len (e, "args") * sizeof (*s->args));
  return cfg_each_object (c, e, "args", path, parse_seccomp_arg, s);
}

static int
parse_seccomp (struct cfg_ctx *c, yajl_val lnx, struct linux_config *l)
{
  const char *path = "linux.seccomp";
  struct seccomp_config *sc;
  yajl_val obj = NULL;

  if (cfg_object (c, lnx, "seccomp", "linux", &obj) < 0)
    return -1;
  if (obj == NULL)
    return 0;
  sc = l->seccomp = xmalloc0 (sizeof (*sc));
  if (cfg_req_string (c, obj, "defaultAction", path, &sc->default_action) < 0
      || cfg_opt_u32 (c, obj, "defaultErrnoRet", path, &sc->default_errno_ret) < 0
      || cfg_strv (c, obj, "architectures", path, &sc->architectures, &sc->n_architectures) < 0
      || cfg_strv (c, obj, "flags", path, &sc->flags, &sc->n_flags) < 0
      || cfg_string (c, obj, "listenerPath", path, &sc->listener_path) < 0
      || cfg_string (c, obj, "listenerMetadata", path, &sc->listener_metadata) < 0)
    return -1;
  sc->syscalls = xmalloc0 (cfg_array_len (obj, "syscalls") * sizeof (*sc->syscalls));
  return cfg_each_object (c, obj, "syscalls", path, parse_seccomp_syscall, sc);
}

static int
parse_personality (struct cfg_ctx *c, yajl_val lnx, struct linux_config *l)
{
  const char *path = "linux.personality";
  yajl_val obj = NULL;

  if (cfg_object (c, lnx, "personality", "linux", &obj) < 0)
    return -1;
  if (obj == NULL)
    return 0;
  l->personality.present = true;
  if (cfg_req_string (c, obj, "domain", path, &l->personality.domain) < 0
      || cfg_strv (c, obj, "flags", path, &l->personality.flags, &l->personality.n_flags) < 0)
    return -1;
  if (strcmp (l->personality.domain, "LINUX") != 0
      && strcmp (l->personality.domain, "LINUX32") != 0)
    return cfg_error (c, "linux.personality.domain",
                      ": unknown domain \"%s\" (want LINUX or LINUX32)", l->personality.domain);
  return 0;
}

int
cfg_parse_linux (struct cfg_ctx *c, yajl_val lnx, struct linux_config *l)
{
  static const char *const propagations[] = { "private", "rprivate", "slave",      "rslave",
                                              "shared",  "rshared",  "unbindable", "runbindable" };
  yajl_val res = NULL;

  l->devices = xmalloc0 (cfg_array_len (lnx, "devices") * sizeof (*l->devices));
  if (cfg_each_object (c, lnx, "namespaces", "linux", parse_namespace, l) < 0
      || cfg_parse_id_mappings (c, lnx, "uidMappings", "linux", &l->uid_mappings,
                                &l->n_uid_mappings)
             < 0
      || cfg_parse_id_mappings (c, lnx, "gidMappings", "linux", &l->gid_mappings,
                                &l->n_gid_mappings)
             < 0
      || parse_time_offsets (c, lnx, l) < 0
      || cfg_each_object (c, lnx, "devices", "linux", parse_device, l) < 0
      || cfg_string (c, lnx, "cgroupsPath", "linux", &l->cgroups_path) < 0
      || cfg_object (c, lnx, "resources", "linux", &res) < 0)
    return -1;
  if (res && cfg_parse_resources (c, res, "linux.resources", &l->resources) < 0)
    return -1;
  if (cfg_string (c, lnx, "rootfsPropagation", "linux", &l->rootfs_propagation) < 0)
    return -1;
  if (l->rootfs_propagation && l->rootfs_propagation[0] != '\0')
    {
      size_t i;
      for (i = 0; i < ARRAY_SIZE (propagations); i++)
        if (strcmp (propagations[i], l->rootfs_propagation) == 0)
          break;
      if (i == ARRAY_SIZE (propagations))
        return cfg_error (c, "linux.rootfsPropagation", ": unknown propagation \"%s\"",
                          l->rootfs_propagation);
    }
  if (parse_seccomp (c, lnx, l) < 0 || cfg_string_map (c, lnx, "sysctl", "linux", &l->sysctl) < 0
      || cfg_strv (c, lnx, "maskedPaths", "linux", &l->masked_paths, &l->n_masked_paths) < 0
      || cfg_strv (c, lnx, "readonlyPaths", "linux", &l->readonly_paths, &l->n_readonly_paths) < 0
      || cfg_string (c, lnx, "mountLabel", "linux", &l->mount_label) < 0
      || parse_personality (c, lnx, l) < 0)
    return -1;
  return 0;
}

static void
seccomp_config_free (struct seccomp_config *sc)
{
  if (sc == NULL)
    return;
  free (sc->default_action);
  strv_free (sc->architectures);
  strv_free (sc->flags);
  free (sc->listener_path);
  free (sc->listener_metadata);
  for (size_t i = 0; i < sc->n_syscalls; i++)
    {
      struct seccomp_syscall_config *s = &sc->syscalls[i];
      strv_free (s->names);
      free (s->action);
      for (size_t j = 0; j < s->n_args; j++)
        free (s->args[j].op);
      free (s->args);
    }
  free (sc->syscalls);
  free (sc);
}

void
linux_config_free (struct linux_config *l)
{
  if (l == NULL)
    return;
  for (int i = 0; i < NS__MAX; i++)
    free (l->namespaces[i].path);
  free (l->uid_mappings);
  free (l->gid_mappings);
  kv_list_free (&l->time_offsets);
  for (size_t i = 0; i < l->n_devices; i++)
    free (l->devices[i].path);
  free (l->devices);
  free (l->cgroups_path);
  resources_config_free (l->resources);
  free (l->rootfs_propagation);
  seccomp_config_free (l->seccomp);
  kv_list_free (&l->sysctl);
  strv_free (l->masked_paths);
  strv_free (l->readonly_paths);
  free (l->mount_label);
  free (l->personality.domain);
  strv_free (l->personality.flags);
  free (l);
}
