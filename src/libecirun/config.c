/* config.json (OCI runtime-spec 1.1) -> struct oci_config: the name tables and the top level.
   Each part of the document has its file: config_process.c, config_mounts.c, config_linux.c,
   config_resources.c, all built on config_json.c's accessors. Every allocation is attached to
   the result struct as soon as it is made, so the *_free functions release a half-parsed
   struct on any error. */
#include <config.h>
#include "config.h"
#include "config_internal.h"
#include "caps.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ---- name tables ---- */

static const struct
{
  const char *name;
  const char *proc_name;
  int clone_flag;
} ns_types[NS__MAX] = {
  [NS_PID] = { "pid", "pid", CLONE_NEWPID },
  [NS_NETWORK] = { "network", "net", CLONE_NEWNET },
  [NS_MOUNT] = { "mount", "mnt", CLONE_NEWNS },
  [NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
  [NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
  [NS_USER] = { "user", "user", CLONE_NEWUSER },
  [NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
  [NS_TIME] = { "time", "time", CLONE_NEWTIME },
};

int
ns_type_from_name (const char *name)
{
  for (int i = 0; name && i < NS__MAX; i++)
    if (strcmp (ns_types[i].name, name) == 0)
      return i;
  return -1;
}

const char *
ns_type_name (enum ns_type t)
{
  return (unsigned)t < NS__MAX ? ns_types[t].name : NULL;
}

int
ns_type_clone_flag (enum ns_type t)
{
  return (unsigned)t < NS__MAX ? ns_types[t].clone_flag : 0;
}

const char *
ns_type_proc_name (enum ns_type t)
{
  return (unsigned)t < NS__MAX ? ns_types[t].proc_name : NULL;
}

static const char *const hook_names[HOOK__MAX] = {
  [HOOK_PRESTART] = "prestart",
  [HOOK_CREATE_RUNTIME] = "createRuntime",
  [HOOK_CREATE_CONTAINER] = "createContainer",
  [HOOK_START_CONTAINER] = "startContainer",
  [HOOK_POSTSTART] = "poststart",
  [HOOK_POSTSTOP] = "poststop",
};

const char *
hook_kind_name (enum hook_kind k)
{
  return (unsigned)k < HOOK__MAX ? hook_names[k] : NULL;
}

static const char *const rlimit_names[] = {
  [RLIMIT_CPU] = "RLIMIT_CPU",           [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
  [RLIMIT_DATA] = "RLIMIT_DATA",         [RLIMIT_STACK] = "RLIMIT_STACK",
  [RLIMIT_CORE] = "RLIMIT_CORE",         [RLIMIT_RSS] = "RLIMIT_RSS",
  [RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
  [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
  [RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
  [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
  [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

int
rlimit_from_name (const char *name)
{
  for (size_t i = 0; name && i < ARRAY_SIZE (rlimit_names); i++)
    if (rlimit_names[i] && strcmp (rlimit_names[i], name) == 0)
      return (int)i;
  return -1;
}

const char *
rlimit_name (int resource)
{
  if (resource < 0 || (size_t)resource >= ARRAY_SIZE (rlimit_names))
    return NULL;
  return rlimit_names[resource];
}

/* ---- top level ---- */

static int
parse_config (struct cfg_ctx *c, yajl_val root, struct oci_config *cfg)
{
  yajl_val v, proc = NULL, lnx = NULL;

  v = cfg_get (root, "ociVersion");
  if (v == NULL)
    return cfg_error (c, "ociVersion", " is required");
  if (!YAJL_IS_STRING (v))
    return cfg_error (c, "ociVersion", " must be a string");
  cfg->oci_version = xstrdup (v->u.string);

  v = cfg_get (root, "root");
  if (v == NULL || !YAJL_IS_OBJECT (v))
    return cfg_error (c, "root", " must be an object");
  if (cfg_string (c, v, "path", "root", &cfg->root.path) < 0)
    return -1;
  if (cfg->root.path == NULL || cfg->root.path[0] == '\0')
    return cfg_error (c, "root.path", " must be a non-empty string");
  if (cfg_bool (c, v, "readonly", "root", &cfg->root.readonly) < 0)
    return -1;

  if (cfg_object (c, root, "process", "", &proc) < 0)
    return -1;
  if (proc)
    {
      cfg->process = xmalloc0 (sizeof (*cfg->process));
      if (cfg_parse_process (c, proc, "process", cfg->process) < 0)
        return -1;
    }
  if (cfg_string (c, root, "hostname", "", &cfg->hostname) < 0
      || cfg_string (c, root, "domainname", "", &cfg->domainname) < 0)
    return -1;
  cfg->mounts = xmalloc0 (cfg_array_len (root, "mounts") * sizeof (*cfg->mounts));
  if (cfg_each_object (c, root, "mounts", "", cfg_parse_mount, cfg) < 0)
    return -1;
  if (cfg_parse_hooks (c, root, cfg) < 0)
    return -1;
  if (cfg_string_map (c, root, "annotations", "", &cfg->annotations) < 0)
    return -1;
  if (cfg_object (c, root, "linux", "", &lnx) < 0)
    return -1;
  if (lnx)
    {
      cfg->linux_cfg = xmalloc0 (sizeof (*cfg->linux_cfg));
      if (cfg_parse_linux (c, lnx, cfg->linux_cfg) < 0)
        return -1;
    }
  return 0;
}

static void
cleanup_configp (struct oci_config **c)
{
  config_free (*c);
  *c = NULL;
}

static void
cleanup_processp (struct process_config **p)
{
  process_config_free (*p);
  *p = NULL;
}

static void
cleanup_resourcesp (struct resources_config **r)
{
  resources_config_free (*r);
  *r = NULL;
}

int
config_parse (const char *json, size_t len, const char *origin, struct oci_config **ret,
              ecirun_error_t *err)
{
  cleanup_yajl_tree yajl_val tree = NULL;
  __attribute__ ((cleanup (cleanup_configp))) struct oci_config *cfg = NULL;
  struct cfg_ctx c = { origin ? origin : "config.json", err };

  if (cfg_parse_tree (json, len, c.origin, &tree, err) < 0)
    return -1;
  cfg = xmalloc0 (sizeof (*cfg));
  if (parse_config (&c, tree, cfg) < 0)
    return -1;
  *ret = TAKE_PTR (cfg);
  return 0;
}

int
config_load_file (const char *path, struct oci_config **ret, ecirun_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;

  if (read_file_at (AT_FDCWD, path, &buf, &len, CONFIG_MAX_SIZE, err) < 0)
    return -1;
  return config_parse (buf, len, path, ret, err);
}

int
config_parse_process (const char *json, size_t len, const char *origin, struct process_config **ret,
                      ecirun_error_t *err)
{
  cleanup_yajl_tree yajl_val tree = NULL;
  __attribute__ ((cleanup (cleanup_processp))) struct process_config *p = NULL;
  struct cfg_ctx c = { origin ? origin : "process.json", err };

  if (cfg_parse_tree (json, len, c.origin, &tree, err) < 0)
    return -1;
  p = xmalloc0 (sizeof (*p));
  if (cfg_parse_process (&c, tree, "", p) < 0)
    return -1;
  *ret = TAKE_PTR (p);
  return 0;
}

int
config_parse_resources (const char *json, size_t len, const char *origin,
                        struct resources_config **ret, ecirun_error_t *err)
{
  cleanup_yajl_tree yajl_val tree = NULL;
  __attribute__ ((cleanup (cleanup_resourcesp))) struct resources_config *r = NULL;
  struct cfg_ctx c = { origin ? origin : "resources.json", err };

  if (cfg_parse_tree (json, len, c.origin, &tree, err) < 0)
    return -1;
  if (cfg_parse_resources (&c, tree, "", &r) < 0)
    return -1;
  *ret = TAKE_PTR (r);
  return 0;
}

void
config_free (struct oci_config *c)
{
  if (c == NULL)
    return;
  free (c->oci_version);
  free (c->root.path);
  process_config_free (c->process);
  free (c->hostname);
  free (c->domainname);
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      struct mount_config *m = &c->mounts[i];
      free (m->destination);
      free (m->type);
      free (m->source);
      strv_free (m->options);
      free (m->uid_mappings);
      free (m->gid_mappings);
    }
  free (c->mounts);
  for (int k = 0; k < HOOK__MAX; k++)
    {
      for (size_t i = 0; i < c->hooks[k].len; i++)
        {
          free (c->hooks[k].items[i].path);
          strv_free (c->hooks[k].items[i].args);
          strv_free (c->hooks[k].items[i].env);
        }
      free (c->hooks[k].items);
    }
  kv_list_free (&c->annotations);
  linux_config_free (c->linux_cfg);
  free (c);
}
