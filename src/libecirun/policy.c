/* /etc/ecirun/ecirun.json -> struct ecirun_policy. The JSON text goes through the same tree
   parser as config.json (config_internal.h), so syntax errors name the line and column. */
#include <config.h>
#include "policy.h"
#include "config_internal.h"
#include "devices.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

/* Far larger than any policy; a bound so a wrong path cannot make us read forever. */
#define POLICY_MAX_SIZE (1u << 20)

static const char *const top_keys[] = { "idPool",
                                        "blockSize",
                                        "onExhaustion",
                                        "stateDir",
                                        "idmapFallback",
                                        "hostDirMapping",
                                        "restrictedMounts",
                                        "allowedMounts",
                                        "allowedDevices",
                                        "eciExceptions",
                                        "emulation",
                                        "mountVetting",
                                        NULL };
static const char *const eci_exception_keys[] = { "root", "annotations", NULL };

/* The members of "emulation", "mountVetting", in POLICY_EMULATE_* bit order. */
static const char *const emulation_keys[] = {
  "memory", "cpu", "uptime", "loadavg", "diskstats", "sysctl", "sysKernel", "dmi", NULL,
};

/* The host devices a container may get through linux.devices (--device, and every host
   device that --privileged lists), by the numbers of these host nodes: what the defaults
   already give, FUSE and TUN. Raw block devices and /dev/mem, /dev/kmem, /dev/port are never
   given, whatever this list says. */
static const char *const default_allowed_devices[] = {
  "/dev/null", "/dev/zero", "/dev/full",    "/dev/random", "/dev/urandom",
  "/dev/tty",  "/dev/fuse", "/dev/net/tun", NULL,
};

/* What a container must never mount from the host: kernel interfaces, the host's configuration
   and boot files, root's home, and the sockets and data of the container engines and of
   ecirun itself (its --root and stateDir are added whatever this list says). */
static const char *const default_restricted_mounts[] = {
  "/boot",
  "/dev",
  "/etc",
  "/proc",
  "/root",
  "/sys",
  "/run/containerd",
  "/run/crio",
  "/run/docker",
  "/run/docker.sock",
  "/run/ecirun",
  "/run/podman",
  "/var/lib/containerd",
  "/var/lib/containers",
  "/var/lib/docker",
  "/var/lib/ecirun",
  NULL,
};

/* What the engines themselves bind into their containers from their data directories:
   dockerd's per-container files (a container joining another's network or IPC gets that
   one's) and named volumes, the CRI plugin's per-pod files and image volumes, and CRI-O's and
   podman's per-container files and volumes. */
static const char *const default_allowed_mounts[] = {
  "{dockerRoot}/containers/{id}",
  "{dockerRoot}/containers/{net}/hostname",
  "{dockerRoot}/containers/{net}/hosts",
  "{dockerRoot}/containers/{net}/resolv.conf",
  "{dockerRoot}/containers/{ipc}/mounts/shm",
  "{dockerRoot}/volumes/*/_data",
  "{containerdRoot}/io.containerd.grpc.v1.cri/sandboxes/{id}",
  "{containerdRoot}/io.containerd.grpc.v1.cri/sandboxes/{net}",
  "{containerdRoot}/io.containerd.grpc.v1.cri/containers/{id}",
  "{containerdState}/io.containerd.grpc.v1.cri/sandboxes/{id}/shm",
  "{containerdState}/io.containerd.grpc.v1.cri/sandboxes/{ipc}/shm",
  "{storageRoot}/overlay-containers/{id}/userdata",
  "{storageRoot}/overlay-containers/{net}/userdata",
  "{storageRunRoot}/overlay-containers/{id}/userdata",
  "{storageRunRoot}/overlay-containers/{net}/userdata",
  "{storageRoot}/volumes/*/_data",
  "{buildkit}/resolv.conf",
  "{buildkit}/hosts.*",
  NULL,
};
/* The tokens of allowedMounts patterns (mount_guard.h): the container's id, the ids of the
   containers whose network and IPC namespaces it joins, and the engines' directories. */
static const char *const pattern_tokens[] = {
  "{id}",
  "{net}",
  "{ipc}",
  "{dockerRoot}",
  "{containerdRoot}",
  "{containerdState}",
  "{storageRoot}",
  "{storageRunRoot}",
  "{buildkit}", /* a directory too: it may start a pattern */
  NULL,
};

/* Is every '{' of s one of pattern_tokens? *ret_engine: s starts with an engine directory. */
static bool
tokens_known (const char *s, bool *ret_engine)
{
  *ret_engine = false;
  for (const char *p = strchr (s, '{'); p; p = strchr (p + 1, '{'))
    {
      bool ok = false;
      for (size_t i = 0; pattern_tokens[i] && !ok; i++)
        if (strncmp (p, pattern_tokens[i], strlen (pattern_tokens[i])) == 0)
          {
            ok = true;
            if (p == s && i >= 3)
              *ret_engine = true;
          }
      if (!ok)
        return false;
    }
  return true;
}
static const char *const pool_keys[] = { "uidFirst", "gidFirst", "size", NULL };

void
policy_release (struct ecirun_policy *p)
{
  if (p == NULL)
    return;
  free (p->path);
  free (p->state_dir);
  strv_free (p->restricted_mounts);
  strv_free (p->allowed_mounts);
  strv_free (p->allowed_devices);
  for (size_t i = 0; i < p->n_eci_exceptions; i++)
    {
      free (p->eci_exceptions[i].root);
      kv_list_free (&p->eci_exceptions[i].annotations);
    }
  free (p->eci_exceptions);
  memset (p, 0, sizeof (*p));
}

uint32_t
policy_block_count (const struct ecirun_policy *p)
{
  return p->block_size ? p->pool_size / p->block_size : 0;
}

/* ---- typed members ---- */

static bool
strv_contains (const char *const *v, const char *s)
{
  for (; *v; v++)
    if (strcmp (*v, s) == 0)
      return true;
  return false;
}

/* Unknown keys and duplicates are errors: a misspelt key would otherwise be ignored and its
   (weaker) default used. */
static int
check_keys (struct cfg_ctx *c, yajl_val obj, const char *parent, const char *const *known)
{
  char path[CFG_PATH_MAX];

  for (size_t i = 0; i < obj->u.object.len; i++)
    {
      const char *k = obj->u.object.keys[i];

      cfg_path (path, parent, k);
      if (!strv_contains (known, k))
        {
          char list[256] = "";
          for (const char *const *v = known; *v; v++)
            {
              strncat (list, *v, sizeof (list) - strlen (list) - 1);
              if (v[1])
                strncat (list, ", ", sizeof (list) - strlen (list) - 1);
            }
          return make_error (c->err, 0, "%s: unknown key %s (known keys%s%s: %s)", c->origin, path,
                             parent ? " of " : "", parent ? parent : "", list);
        }
      for (size_t j = 0; j < i; j++)
        if (strcmp (obj->u.object.keys[j], k) == 0)
          return make_error (c->err, 0, "%s: duplicate key %s", c->origin, path);
    }
  return 0;
}

/* An optional unsigned 32-bit member; *ret untouched when absent (or null). */
static int
get_u32 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, bool positive,
         uint32_t *ret, bool *ret_set)
{
  char path[CFG_PATH_MAX];
  const char *kind = positive ? "a positive" : "a non-negative";
  yajl_val v = cfg_get (obj, key);
  uint64_t n;

  if (ret_set)
    *ret_set = false;
  if (v == NULL)
    return 0;
  cfg_path (path, parent, key);
  if (!YAJL_IS_NUMBER (v) || strpbrk (v->u.number.r, ".eE") || v->u.number.r[0] == '-')
    return cfg_error (c, path, " must be %s integer", kind);
  if (parse_u64 (v->u.number.r, &n) < 0 || n > UINT32_MAX)
    return cfg_error (c, path, " is out of range: %s (maximum %" PRIu32 ")", v->u.number.r,
                      UINT32_MAX);
  if (positive && n == 0)
    return cfg_error (c, path, " must be %s integer", kind);
  *ret = (uint32_t)n;
  if (ret_set)
    *ret_set = true;
  return 0;
}

/* An optional string member that must be one of `allowed`; *ret = its index. */
static int
get_enum (struct cfg_ctx *c, yajl_val obj, const char *key, const char *const *allowed, int *ret)
{
  cleanup_free char *s = NULL;

  if (cfg_string (c, obj, key, NULL, &s) < 0)
    return -1;
  if (s == NULL)
    return 0;
  for (int i = 0; allowed[i]; i++)
    if (strcmp (allowed[i], s) == 0)
      {
        *ret = i;
        return 0;
      }
  if (allowed[1] == NULL)
    return cfg_error (c, key, " must be \"%s\" (the only supported value), got \"%s\"", allowed[0],
                      s);
  return cfg_error (c, key, " must be \"%s\" or \"%s\", got \"%s\"", allowed[0], allowed[1], s);
}

/* ---- /etc/subuid, /etc/subgid ---- */

/* The first "ecirun:FIRST:COUNT" line of a subordinate-ID file. A missing file or entry is
 *ret_found = false; a malformed ecirun entry is an error (the admin meant something). */
static int
subid_lookup (const char *path, bool *ret_found, uint32_t *ret_first, uint32_t *ret_count,
              ecirun_error_t *err)
{
  ecirun_error_t local = NULL;
  cleanup_free char *buf = NULL;
  char *save = NULL, *line;
  size_t lineno = 0, namelen = strlen (POLICY_SUBID_NAME);

  *ret_found = false;
  if (read_file_at (AT_FDCWD, path, &buf, NULL, POLICY_MAX_SIZE * 16, &local) < 0)
    {
      int e = local ? local->errnum : ENOMEM;
      if (e == ENOENT)
        {
          error_release (&local);
          return 0;
        }
      error_release (&local);
      return make_error (err, e, "read `%s`", path);
    }
  /* strtok_r would skip empty lines and miscount: split by hand. */
  for (line = buf; line; line = save)
    {
      uint64_t first, count;
      char *colon, *end;

      lineno++;
      save = strchr (line, '\n');
      if (save)
        *save++ = '\0';
      if (strncmp (line, POLICY_SUBID_NAME ":", namelen + 1) != 0)
        continue;
      colon = strchr (line + namelen + 1, ':');
      end = line + strlen (line);
      while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
      if (colon)
        *colon = '\0';
      if (colon == NULL || parse_u64 (line + namelen + 1, &first) < 0
          || parse_u64 (colon + 1, &count) < 0 || first > UINT32_MAX || count > UINT32_MAX)
        return make_error (err, 0, "%s: line %zu: invalid %s entry (expected %s:FIRST:COUNT)", path,
                           lineno, POLICY_SUBID_NAME, POLICY_SUBID_NAME);
      *ret_first = (uint32_t)first;
      *ret_count = (uint32_t)count;
      *ret_found = true;
      return 0;
    }
  return 0;
}

static int
pool_from_subid (struct ecirun_policy *p, const char *subuid_path, const char *subgid_path,
                 ecirun_error_t *err)
{
  bool has_u, has_g;
  uint32_t ufirst = 0, ucount = 0, gfirst = 0, gcount = 0;

  if (subid_lookup (subuid_path, &has_u, &ufirst, &ucount, err) < 0
      || subid_lookup (subgid_path, &has_g, &gfirst, &gcount, err) < 0)
    return -1;
  if (!has_u && !has_g)
    return 0;
  /* Half a delegation is a mistake: falling back to the built-in range could overlap IDs the
     admin handed to someone else. */
  if (has_u != has_g)
    return make_error (err, 0, "%s has an %s entry but %s has none: add both, or set idPool in %s",
                       has_u ? subuid_path : subgid_path, POLICY_SUBID_NAME,
                       has_u ? subgid_path : subuid_path, p->path);
  p->uid_first = ufirst;
  p->gid_first = gfirst;
  p->pool_size = ucount < gcount ? ucount : gcount;
  p->pool_source = POLICY_POOL_SUBID;
  return 0;
}

/* ---- validation ---- */

static int
validate_pool (const struct ecirun_policy *p, const char *subuid_path, const char *subgid_path,
               ecirun_error_t *err)
{
  const struct
  {
    const char *name, *file;
    uint32_t first;
  } ranges[] = {
    { "uidFirst", subuid_path, p->uid_first },
    { "gidFirst", subgid_path, p->gid_first },
  };

  for (size_t i = 0; i < ARRAY_SIZE (ranges); i++)
    {
      /* The kernel refuses a map whose last ID would be (uid_t) -1 or wrap around. */
      uint64_t end = (uint64_t)ranges[i].first + p->pool_size;

      if (p->pool_source == POLICY_POOL_SUBID)
        {
          if (ranges[i].first == 0)
            return make_error (err, 0, "%s: the %s range must not include host ID 0",
                               ranges[i].file, POLICY_SUBID_NAME);
          if (end > UINT32_MAX)
            return make_error (err, 0,
                               "%s: the %s range overflows the 32-bit ID space (it ends at "
                               "%" PRIu64 ", maximum %" PRIu32 ")",
                               ranges[i].file, POLICY_SUBID_NAME, end - 1, UINT32_MAX - 1);
          continue;
        }
      if (ranges[i].first == 0)
        return make_error (err, 0,
                           "%s: idPool.%s must not be 0: the pool must not include host "
                           "ID 0",
                           p->path, ranges[i].name);
      if (end > UINT32_MAX)
        return make_error (err, 0,
                           "%s: idPool overflows the 32-bit ID space: %s + size = %" PRIu64
                           " (maximum %" PRIu32 ")",
                           p->path, ranges[i].name, end, UINT32_MAX);
    }
  if (p->pool_size < p->block_size)
    {
      if (p->pool_source == POLICY_POOL_SUBID)
        return make_error (err, 0,
                           "%s, %s: the %s ranges hold %" PRIu32 " IDs, fewer than one block "
                           "of %" PRIu32 " (blockSize)",
                           subuid_path, subgid_path, POLICY_SUBID_NAME, p->pool_size,
                           p->block_size);
      return make_error (err, 0,
                         "%s: idPool.size (%" PRIu32 ") must hold at least one block of "
                         "blockSize (%" PRIu32 ") IDs",
                         p->path, p->pool_size, p->block_size);
    }
  return 0;
}

/* ---- loading ---- */

static void
policy_defaults (struct ecirun_policy *p, const char *origin)
{
  memset (p, 0, sizeof (*p));
  p->path = xstrdup (origin);
  p->uid_first = POLICY_DEFAULT_POOL_FIRST;
  p->gid_first = POLICY_DEFAULT_POOL_FIRST;
  p->pool_size = POLICY_DEFAULT_POOL_SIZE;
  p->block_size = POLICY_MIN_BLOCK_SIZE;
  p->pool_source = POLICY_POOL_BUILTIN;
  p->on_exhaustion = POLICY_EXHAUSTION_REFUSE;
  p->state_dir = xstrdup (POLICY_DEFAULT_STATE_DIR);
  p->restricted_mounts = strv_dup (default_restricted_mounts);
  p->allowed_mounts = strv_dup (default_allowed_mounts);
  p->allowed_devices = strv_dup (default_allowed_devices);
  p->emulation = POLICY_EMULATE_ALL;
  p->mount_vetting = true;
}

/* What is wrong with an absolute, normalised host path (a trailing '/' is dropped from s), or
   NULL. '*' and the tokens only where patterns are allowed (which may start with an engine
   directory token). */
static const char *
host_path_problem (char *s, bool patterns)
{
  size_t len = strlen (s);
  bool engine = false;

  while (len > 1 && s[len - 1] == '/')
    s[--len] = '\0';
  if (patterns && !tokens_known (s, &engine))
    return "has an unknown {token} (known: {id}, {net}, {ipc}, {dockerRoot}, "
           "{containerdRoot}, {containerdState}, {storageRoot}, {storageRunRoot}, {buildkit})";
  if (s[0] != '/' && !engine)
    return "must be an absolute path";
  if (strstr (s, "//") || strstr (s, "/./") || strstr (s, "/../")
      || (len >= 2 && strcmp (s + len - 2, "/.") == 0)
      || (len >= 3 && strcmp (s + len - 3, "/..") == 0))
    return "must be a normalised path (no \"//\", \".\" or \"..\")";
  if (!patterns && strpbrk (s, "*?[{"))
    return "must be a plain path (patterns belong in allowedMounts)";
  return NULL;
}

/* One error for entry i of the list v (freed) of `key`. */
static int
refuse_entry (struct cfg_ctx *c, const char *key, size_t i, const char *why, char **v)
{
  char path[CFG_PATH_MAX];

  cfg_path_idx (path, key, i);
  cfg_error (c, path, " %s, got \"%s\"", why, v[i]);
  strv_free (v);
  return -1;
}

/* restrictedMounts / allowedMounts: absolute, normalised host paths ('*' and the tokens only in
   allowedMounts patterns); a trailing '/' is dropped. */
static int
get_mount_paths (struct cfg_ctx *c, yajl_val root, const char *key, bool patterns, char ***ret)
{
  char **v = NULL;

  if (cfg_strv (c, root, key, NULL, &v, NULL) < 0)
    return -1;
  if (v == NULL)
    return 0;
  for (size_t i = 0; v[i]; i++)
    {
      const char *why = host_path_problem (v[i], patterns);

      if (why)
        return refuse_entry (c, key, i, why, v);
    }
  strv_free (*ret);
  *ret = v;
  return 0;
}

/* allowedDevices: host path patterns under /dev/ (the devices they name on the host at create
   time), or device numbers "c MAJOR:MINOR" (either may be '*'). A block device entry is an
   error: none is ever given, whatever the list says. */
static int
get_allowed_devices (struct cfg_ctx *c, yajl_val root, char ***ret)
{
  static const char key[] = "allowedDevices";
  char **v = NULL;

  if (cfg_strv (c, root, key, NULL, &v, NULL) < 0)
    return -1;
  if (v == NULL)
    return 0;
  for (size_t i = 0; v[i]; i++)
    {
      struct device_id id;
      const char *why = NULL;

      if (v[i][0] == '/')
        {
          why = host_path_problem (v[i], true);
          if (why == NULL && strncmp (v[i], "/dev/", 5) != 0)
            why = "must be a path under /dev/";
        }
      else if (!devices_parse_id (v[i], &id))
        why = "must be a path under /dev/ or device numbers \"c MAJOR:MINOR\"";
      else if (id.type == 'b')
        why = "names block devices, which are never given to containers";
      if (why)
        return refuse_entry (c, key, i, why, v);
    }
  strv_free (*ret);
  *ret = v;
  return 0;
}

/* eciExceptions[i]: {"root": ABSOLUTE PATH, "annotations": {KEY: VALUE...}}. */
static int
get_eci_exception (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct policy_eci_exception *x = &((struct ecirun_policy *)data)->eci_exceptions[i];
  char rpath[CFG_PATH_MAX];
  const char *why;

  if (check_keys (c, e, path, eci_exception_keys) < 0
      || cfg_req_string (c, e, "root", path, &x->root) < 0)
    return -1;
  ((struct ecirun_policy *)data)->n_eci_exceptions = i + 1;
  why = host_path_problem (x->root, false);
  if (why)
    {
      cfg_path (rpath, path, "root");
      return cfg_error (c, rpath, " %s, got \"%s\"", why, x->root);
    }
  return cfg_string_map (c, e, "annotations", path, &x->annotations);
}

/* emulation: true (every group, the default), false (none), or an object of booleans, one per
   group, an absent one on. */
static int
get_emulation (struct cfg_ctx *c, yajl_val root, unsigned *ret)
{
  yajl_val v = cfg_get (root, "emulation");

  if (v == NULL)
    return 0;
  if (YAJL_IS_TRUE (v) || YAJL_IS_FALSE (v))
    {
      *ret = YAJL_IS_TRUE (v) ? POLICY_EMULATE_ALL : 0;
      return 0;
    }
  if (!YAJL_IS_OBJECT (v))
    return cfg_error (c, "emulation", " must be a boolean or an object of booleans");
  if (check_keys (c, v, "emulation", emulation_keys) < 0)
    return -1;
  for (size_t i = 0; emulation_keys[i]; i++)
    {
      bool on = true;
      if (cfg_bool (c, v, emulation_keys[i], "emulation", &on) < 0)
        return -1;
      if (on)
        *ret |= 1u << i;
      else
        *ret &= ~(1u << i);
    }
  return 0;
}

static int
parse_tree (struct cfg_ctx *c, yajl_val root, struct ecirun_policy *p, const char *subuid_path,
            const char *subgid_path)
{
  static const char *const exhaustion[] = { "refuse", NULL };
  static const char *const fallback[] = { "none", "chown", NULL };
  static const char *const host_dirs[] = { "idmap", "block", NULL };
  static const char *const vetting[] = { "sidecar", "off", NULL };
  yajl_val pool = NULL;
  int on_exh = 0, fb = 0, hd = 0, vet = 0;

  if (check_keys (c, root, NULL, top_keys) < 0)
    return -1;
  if (get_u32 (c, root, "blockSize", NULL, true, &p->block_size, NULL) < 0)
    return -1;
  if (p->block_size < POLICY_MIN_BLOCK_SIZE)
    return cfg_error (c, "blockSize", " must be at least %u, got %" PRIu32, POLICY_MIN_BLOCK_SIZE,
                      p->block_size);
  if (get_enum (c, root, "onExhaustion", exhaustion, &on_exh) < 0)
    return -1;
  p->on_exhaustion = (enum policy_exhaustion)on_exh;
  if (get_enum (c, root, "idmapFallback", fallback, &fb) < 0)
    return -1;
  /* Reserved: a chown-based fallback is not implemented, and silently running without it
     would not be what the admin asked for. */
  if (fb == 1)
    return cfg_error (c, "idmapFallback", ": \"chown\" is not supported yet (only \"none\")");
  p->idmap_chown_fallback = false;
  if (get_enum (c, root, "hostDirMapping", host_dirs, &hd) < 0)
    return -1;
  p->host_dirs_in_block = hd == 1;
  if (get_enum (c, root, "mountVetting", vetting, &vet) < 0)
    return -1;
  p->mount_vetting = vet == 0;
  if (cfg_string (c, root, "stateDir", NULL, &p->state_dir) < 0)
    return -1;
  if (p->state_dir[0] != '/')
    return cfg_error (c, "stateDir", " must be an absolute path, got \"%s\"", p->state_dir);
  if (get_mount_paths (c, root, "restrictedMounts", false, &p->restricted_mounts) < 0
      || get_mount_paths (c, root, "allowedMounts", true, &p->allowed_mounts) < 0
      || get_allowed_devices (c, root, &p->allowed_devices) < 0
      || get_emulation (c, root, &p->emulation) < 0)
    return -1;
  p->eci_exceptions
      = xmalloc0 ((cfg_array_len (root, "eciExceptions") + 1) * sizeof (*p->eci_exceptions));
  if (cfg_each_object (c, root, "eciExceptions", NULL, get_eci_exception, p) < 0)
    return -1;

  if (cfg_object (c, root, "idPool", NULL, &pool) < 0)
    return -1;
  if (pool == NULL)
    {
      if (pool_from_subid (p, subuid_path, subgid_path, c->err) < 0)
        return -1;
    }
  else
    {
      bool set;
      if (check_keys (c, pool, "idPool", pool_keys) < 0)
        return -1;
      for (size_t i = 0; pool_keys[i]; i++)
        {
          uint32_t *dst = i == 0 ? &p->uid_first : i == 1 ? &p->gid_first : &p->pool_size;
          char path[CFG_PATH_MAX];

          /* 0 is allowed through here so that the host-ID-0 check below says why. */
          if (get_u32 (c, pool, pool_keys[i], "idPool", i == 2, dst, &set) < 0)
            return -1;
          cfg_path (path, "idPool", pool_keys[i]);
          if (!set)
            return cfg_error (c, path, " is required");
        }
      p->pool_source = POLICY_POOL_FILE;
    }
  return validate_pool (p, subuid_path, subgid_path, c->err);
}

int
policy_parse (const char *json, size_t len, const char *origin, const char *subuid_path,
              const char *subgid_path, struct ecirun_policy *ret, ecirun_error_t *err)
{
  cleanup_yajl_tree yajl_val root = NULL;
  struct cfg_ctx c = { .origin = origin, .err = err };

  policy_defaults (ret, origin);
  ret->from_file = true;
  if (cfg_parse_tree (json, len, origin, &root, err) < 0
      || parse_tree (&c, root, ret, subuid_path ? subuid_path : POLICY_SUBUID_PATH,
                     subgid_path ? subgid_path : POLICY_SUBGID_PATH)
             < 0)
    {
      policy_release (ret);
      return -1;
    }
  return 0;
}

/* The policy decides how containers are isolated: as root, refuse one that someone else could
   have written (as sudo does for sudoers). */
static int
check_file_owner (int fd, const char *path, ecirun_error_t *err)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return make_error (err, errno, "stat `%s`", path);
  if (!S_ISREG (st.st_mode))
    return make_error (err, 0, "%s: not a regular file", path);
  if (geteuid () == 0 && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))))
    return make_error (err, 0,
                       "%s: must be owned by root and not writable by group or others "
                       "(owner %u, mode %04o)",
                       path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
  if (st.st_size > POLICY_MAX_SIZE)
    return make_error (err, 0, "%s: larger than %u bytes", path, POLICY_MAX_SIZE);
  return 0;
}

int
policy_load_from (const char *path, const char *subuid_path, const char *subgid_path,
                  struct ecirun_policy *ret, ecirun_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_free char *buf = NULL;
  struct stat st;
  ssize_t n;

  if (path == NULL)
    path = POLICY_PATH;
  if (subuid_path == NULL)
    subuid_path = POLICY_SUBUID_PATH;
  if (subgid_path == NULL)
    subgid_path = POLICY_SUBGID_PATH;

  memset (ret, 0, sizeof (*ret));
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT)
    {
      policy_defaults (ret, path);
      if (pool_from_subid (ret, subuid_path, subgid_path, err) < 0
          || validate_pool (ret, subuid_path, subgid_path, err) < 0)
        {
          policy_release (ret);
          return -1;
        }
      return 0;
    }
  if (fd < 0)
    return make_error (err, errno, "open `%s`", path);
  if (check_file_owner (fd, path, err) < 0)
    return -1;
  if (fstat (fd, &st) < 0)
    return make_error (err, errno, "stat `%s`", path);
  /* One byte more than the size, to notice a file that grew in between. */
  buf = xmalloc0 ((size_t)st.st_size + 2);
  n = read_all (fd, buf, (size_t)st.st_size + 1);
  if (n < 0)
    return make_error (err, errno, "read `%s`", path);
  if (n > st.st_size)
    return make_error (err, 0, "%s: changed while being read", path);
  return policy_parse (buf, (size_t)n, path, subuid_path, subgid_path, ret, err);
}

int
policy_load (struct ecirun_policy *ret, ecirun_error_t *err)
{
  const char *path = getenv ("ECIRUN_POLICY");
  const char *subuid = getenv ("ECIRUN_SUBUID");
  const char *subgid = getenv ("ECIRUN_SUBGID");
  struct stat st;

  /* A missing default file means the defaults; a file asked for by name must be there. */
  if (path && *path && stat (path, &st) < 0 && errno == ENOENT)
    {
      memset (ret, 0, sizeof (*ret));
      return make_error (err, 0,
                         "ECIRUN_POLICY names `%s`, which does not exist (unset it to use %s, or "
                         "the defaults when that is missing too)",
                         path, POLICY_PATH);
    }
  return policy_load_from (path && *path ? path : NULL, subuid && *subuid ? subuid : NULL,
                           subgid && *subgid ? subgid : NULL, ret, err);
}

/* ---- output ---- */

static void
gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

static void
gen_kv_u32 (yajl_gen g, const char *k, uint32_t v)
{
  gen_str (g, k);
  yajl_gen_integer (g, (long long)v);
}

static void
gen_strv (yajl_gen g, const char *k, char *const *v)
{
  gen_str (g, k);
  yajl_gen_array_open (g);
  for (; v && *v; v++)
    gen_str (g, *v);
  yajl_gen_array_close (g);
}

void
policy_gen (yajl_gen g, const struct ecirun_policy *p)
{
  static const char *const sources[] = {
    [POLICY_POOL_BUILTIN] = "builtin",
    [POLICY_POOL_SUBID] = "subid",
    [POLICY_POOL_FILE] = "file",
  };

  yajl_gen_map_open (g);
  gen_str (g, "path");
  gen_str (g, p->path ? p->path : POLICY_PATH);
  gen_str (g, "fromFile");
  yajl_gen_bool (g, p->from_file);
  gen_str (g, "idPool");
  yajl_gen_map_open (g);
  gen_kv_u32 (g, "uidFirst", p->uid_first);
  gen_kv_u32 (g, "gidFirst", p->gid_first);
  gen_kv_u32 (g, "size", p->pool_size);
  gen_str (g, "source");
  gen_str (g, sources[p->pool_source]);
  yajl_gen_map_close (g);
  gen_kv_u32 (g, "blockSize", p->block_size);
  gen_kv_u32 (g, "blocks", policy_block_count (p));
  gen_str (g, "onExhaustion");
  gen_str (g, "refuse");
  gen_str (g, "stateDir");
  gen_str (g, p->state_dir ? p->state_dir : POLICY_DEFAULT_STATE_DIR);
  gen_str (g, "idmapFallback");
  gen_str (g, p->idmap_chown_fallback ? "chown" : "none");
  gen_str (g, "hostDirMapping");
  gen_str (g, p->host_dirs_in_block ? "block" : "idmap");
  gen_str (g, "mountVetting");
  gen_str (g, p->mount_vetting ? "sidecar" : "off");
  gen_strv (g, "restrictedMounts", p->restricted_mounts);
  gen_strv (g, "allowedMounts", p->allowed_mounts);
  gen_strv (g, "allowedDevices", p->allowed_devices);
  gen_str (g, "eciExceptions");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < p->n_eci_exceptions; i++)
    {
      const struct kv_list *a = &p->eci_exceptions[i].annotations;
      yajl_gen_map_open (g);
      gen_str (g, "root");
      gen_str (g, p->eci_exceptions[i].root);
      gen_str (g, "annotations");
      yajl_gen_map_open (g);
      for (size_t k = 0; k < a->len; k++)
        {
          gen_str (g, a->items[k].key);
          gen_str (g, a->items[k].value);
        }
      yajl_gen_map_close (g);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  gen_str (g, "emulation");
  yajl_gen_map_open (g);
  for (size_t i = 0; emulation_keys[i]; i++)
    {
      gen_str (g, emulation_keys[i]);
      yajl_gen_bool (g, (p->emulation >> i) & 1);
    }
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

char *
policy_to_json (const struct ecirun_policy *p)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;
  char *r = NULL;

  if (g == NULL)
    return NULL;
  policy_gen (g, p);
  if (yajl_gen_get_buf (g, &buf, &len) == yajl_gen_status_ok)
    {
      r = xmalloc0 (len + 1);
      memcpy (r, buf, len);
    }
  yajl_gen_free (g);
  return r;
}
