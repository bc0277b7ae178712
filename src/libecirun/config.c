/* config.json (OCI runtime-spec 1.1) -> struct oci_config. The only place, with
   config_resources.c, that reads config JSON. Every allocation is attached to the result struct
   as soon as it is made, so the *_free functions release a half-parsed struct on any error. */
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

/* Larger than any sane config.json; a bound so a wrong path cannot make us read forever. */
#define CONFIG_MAX_SIZE (64u << 20)
/* yajl builds and frees its tree recursively: deeper input would overflow the stack. The spec
   itself needs 6 levels. */
#define CONFIG_MAX_DEPTH 256

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

const char *
kv_list_get (const struct kv_list *l, const char *key)
{
  for (size_t i = 0; l && key && i < l->len; i++)
    if (strcmp (l->items[i].key, key) == 0)
      return l->items[i].value;
  return NULL;
}

void
kv_list_append (struct kv_list *l, const char *key, const char *value)
{
  l->items = xrealloc (l->items, (l->len + 1) * sizeof (*l->items));
  l->items[l->len].key = xstrdup (key);
  l->items[l->len].value = xstrdup (value);
  l->len++;
}

void
kv_list_free (struct kv_list *l)
{
  for (size_t i = 0; i < l->len; i++)
    {
      free (l->items[i].key);
      free (l->items[i].value);
    }
  free (l->items);
  l->items = NULL;
  l->len = 0;
}

/* ---- errors, paths and typed accessors ---- */

int
cfg_error (struct cfg_ctx *c, const char *path, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  return make_error (c->err, 0, "%s: %s%s", c->origin, path, msg ? msg : "");
}

/* A path too long for the buffer ends in "..." rather than being cut silently. */
static void
path_mark_truncated (char *buf, int n)
{
  if (n >= CFG_PATH_MAX)
    memcpy (buf + CFG_PATH_MAX - 4, "...", 4);
}

void
cfg_path (char *buf, const char *parent, const char *key)
{
  int n;

  if (parent == NULL || parent[0] == '\0')
    n = snprintf (buf, CFG_PATH_MAX, "%s", key);
  else
    n = snprintf (buf, CFG_PATH_MAX, "%s.%s", parent, key);
  path_mark_truncated (buf, n);
}

void
cfg_path_idx (char *buf, const char *parent, size_t i)
{
  path_mark_truncated (buf, snprintf (buf, CFG_PATH_MAX, "%s[%zu]", parent, i));
}

yajl_val
cfg_get (yajl_val obj, const char *key)
{
  if (obj == NULL || !YAJL_IS_OBJECT (obj))
    return NULL;
  for (size_t i = 0; i < obj->u.object.len; i++)
    if (strcmp (obj->u.object.keys[i], key) == 0)
      {
        yajl_val v = obj->u.object.values[i];
        return YAJL_IS_NULL (v) ? NULL : v;
      }
  return NULL;
}

/* yajl keeps the number's text: parse it ourselves so values above INT64_MAX (an unlimited
   rlimit is 18446744073709551615) and fractions are told apart exactly. */
static bool
number_is_integer (yajl_val v)
{
  return YAJL_IS_NUMBER (v) && strpbrk (v->u.number.r, ".eE") == NULL;
}

int
cfg_val_u64 (struct cfg_ctx *c, yajl_val v, const char *path, uint64_t *ret)
{
  const char *r;
  char *end = NULL;
  unsigned long long n;

  if (!number_is_integer (v))
    return cfg_error (c, path, " must be a non-negative integer");
  r = v->u.number.r;
  if (r[0] == '-')
    {
      if (strspn (r + 1, "0") == strlen (r + 1))
        {
          *ret = 0; /* "-0" */
          return 0;
        }
      return cfg_error (c, path, " must be a non-negative integer, got %s", r);
    }
  errno = 0;
  n = strtoull (r, &end, 10);
  if (errno != 0 || end == r || *end != '\0')
    return cfg_error (c, path, " is out of range: %s", r);
  *ret = n;
  return 0;
}

int
cfg_val_i64 (struct cfg_ctx *c, yajl_val v, const char *path, int64_t *ret)
{
  const char *r;
  char *end = NULL;
  long long n;

  if (!number_is_integer (v))
    return cfg_error (c, path, " must be an integer");
  r = v->u.number.r;
  errno = 0;
  n = strtoll (r, &end, 10);
  if (errno != 0 || end == r || *end != '\0')
    return cfg_error (c, path, " is out of range: %s", r);
  *ret = n;
  return 0;
}

int
cfg_val_u32 (struct cfg_ctx *c, yajl_val v, const char *path, uint32_t *ret)
{
  uint64_t n;
  int r = cfg_val_u64 (c, v, path, &n);
  if (r < 0)
    return r;
  if (n > UINT32_MAX)
    return cfg_error (c, path, " is out of range: %" PRIu64 " (maximum %" PRIu32 ")", n,
                      UINT32_MAX);
  *ret = (uint32_t)n;
  return 0;
}

int
cfg_object (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, yajl_val *ret)
{
  char path[CFG_PATH_MAX];
  yajl_val v = cfg_get (obj, key);

  if (v == NULL)
    return 0;
  if (!YAJL_IS_OBJECT (v))
    {
      cfg_path (path, parent, key);
      return cfg_error (c, path, " must be an object");
    }
  *ret = v;
  return 0;
}

int
cfg_array (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, yajl_val *ret)
{
  char path[CFG_PATH_MAX];
  yajl_val v = cfg_get (obj, key);

  if (v == NULL)
    return 0;
  if (!YAJL_IS_ARRAY (v))
    {
      cfg_path (path, parent, key);
      return cfg_error (c, path, " must be an array");
    }
  *ret = v;
  return 0;
}

int
cfg_string (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, char **ret)
{
  char path[CFG_PATH_MAX];
  yajl_val v = cfg_get (obj, key);

  if (v == NULL)
    return 0;
  if (!YAJL_IS_STRING (v))
    {
      cfg_path (path, parent, key);
      return cfg_error (c, path, " must be a string");
    }
  free (*ret);
  *ret = xstrdup (v->u.string);
  return 0;
}

int
cfg_bool (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, bool *ret)
{
  char path[CFG_PATH_MAX];
  yajl_val v = cfg_get (obj, key);

  if (v == NULL)
    return 0;
  if (!YAJL_IS_TRUE (v) && !YAJL_IS_FALSE (v))
    {
      cfg_path (path, parent, key);
      return cfg_error (c, path, " must be a boolean");
    }
  *ret = YAJL_IS_TRUE (v);
  return 0;
}

int
cfg_u64 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, struct opt_u64 *ret)
{
  char path[CFG_PATH_MAX];
  yajl_val v = cfg_get (obj, key);

  if (v == NULL)
    return 0;
  cfg_path (path, parent, key);
  if (cfg_val_u64 (c, v, path, &ret->v) < 0)
    return -1;
  ret->set = true;
  return 0;
}

int
cfg_i64 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, struct opt_i64 *ret)
{
  char path[CFG_PATH_MAX];
  yajl_val v = cfg_get (obj, key);

  if (v == NULL)
    return 0;
  cfg_path (path, parent, key);
  if (cfg_val_i64 (c, v, path, &ret->v) < 0)
    return -1;
  ret->set = true;
  return 0;
}

int
cfg_req_i64 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, int64_t *ret)
{
  char path[CFG_PATH_MAX];
  yajl_val v = cfg_get (obj, key);

  cfg_path (path, parent, key);
  if (v == NULL)
    return cfg_error (c, path, " is required");
  return cfg_val_i64 (c, v, path, ret);
}

int
cfg_req_u64 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, uint64_t *ret)
{
  char path[CFG_PATH_MAX];
  yajl_val v = cfg_get (obj, key);

  cfg_path (path, parent, key);
  if (v == NULL)
    return cfg_error (c, path, " is required");
  return cfg_val_u64 (c, v, path, ret);
}

int
cfg_req_u32 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, uint32_t *ret)
{
  char path[CFG_PATH_MAX];
  yajl_val v = cfg_get (obj, key);

  cfg_path (path, parent, key);
  if (v == NULL)
    return cfg_error (c, path, " is required");
  return cfg_val_u32 (c, v, path, ret);
}

/* An optional unsigned member that must fit 32 bits, stored in an opt_u64. */
int
cfg_opt_u32 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
             struct opt_u64 *ret)
{
  char path[CFG_PATH_MAX];
  yajl_val v = cfg_get (obj, key);
  uint32_t n = 0;

  if (v == NULL)
    return 0;
  cfg_path (path, parent, key);
  if (cfg_val_u32 (c, v, path, &n) < 0)
    return -1;
  ret->set = true;
  ret->v = n;
  return 0;
}

/* A required string member, non-empty. */
int
cfg_req_string (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, char **ret)
{
  char path[CFG_PATH_MAX];

  if (cfg_string (c, obj, key, parent, ret) < 0)
    return -1;
  if (*ret == NULL || (*ret)[0] == '\0')
    {
      cfg_path (path, parent, key);
      return cfg_error (c, path, " is required");
    }
  return 0;
}

/* A required absolute path member. */
int
cfg_abs_path (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, char **ret)
{
  char path[CFG_PATH_MAX];

  if (cfg_req_string (c, obj, key, parent, ret) < 0)
    return -1;
  if ((*ret)[0] != '/')
    {
      cfg_path (path, parent, key);
      return cfg_error (c, path, " must be an absolute path");
    }
  return 0;
}

int
cfg_strv (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, char ***ret,
          size_t *ret_len)
{
  char path[CFG_PATH_MAX], epath[CFG_PATH_MAX];
  yajl_val arr = NULL;
  size_t n;

  if (cfg_array (c, obj, key, parent, &arr) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  cfg_path (path, parent, key);
  n = arr->u.array.len;
  for (size_t i = 0; i < n; i++)
    if (!YAJL_IS_STRING (arr->u.array.values[i]))
      {
        cfg_path_idx (epath, path, i);
        return cfg_error (c, epath, " must be a string");
      }
  strv_free (*ret);
  *ret = xmalloc0 ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    (*ret)[i] = xstrdup (arr->u.array.values[i]->u.string);
  if (ret_len)
    *ret_len = n;
  return 0;
}

int
cfg_string_map (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
                struct kv_list *ret)
{
  char path[CFG_PATH_MAX], epath[CFG_PATH_MAX];
  yajl_val map = NULL;

  if (cfg_object (c, obj, key, parent, &map) < 0)
    return -1;
  if (map == NULL)
    return 0;
  cfg_path (path, parent, key);
  for (size_t i = 0; i < map->u.object.len; i++)
    {
      yajl_val v = map->u.object.values[i];
      if (!YAJL_IS_STRING (v))
        {
          cfg_path (epath, path, map->u.object.keys[i]);
          return cfg_error (c, epath, " must be a string");
        }
      kv_list_append (ret, map->u.object.keys[i], v->u.string);
    }
  return 0;
}

int
cfg_each_object (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
                 cfg_elem_fn fn, void *data)
{
  char path[CFG_PATH_MAX], epath[CFG_PATH_MAX];
  yajl_val arr = NULL;

  if (cfg_array (c, obj, key, parent, &arr) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  cfg_path (path, parent, key);
  for (size_t i = 0; i < arr->u.array.len; i++)
    {
      yajl_val e = arr->u.array.values[i];
      cfg_path_idx (epath, path, i);
      if (!YAJL_IS_OBJECT (e))
        return cfg_error (c, epath, " must be an object");
      if (fn (c, e, epath, i, data) < 0)
        return -1;
    }
  return 0;
}

size_t
cfg_array_len (yajl_val obj, const char *key)
{
  yajl_val v = cfg_get (obj, key);
  return v && YAJL_IS_ARRAY (v) ? v->u.array.len : 0;
}

/* ---- JSON text ---- */

static void
cleanup_yajl_treep (yajl_val *v)
{
  if (*v)
    yajl_tree_free (*v);
  *v = NULL;
}
#define cleanup_yajl_tree __attribute__ ((cleanup (cleanup_yajl_treep)))

/* Line and column (1-based, in characters) of a byte offset. */
static void
offset_to_line_col (const char *buf, size_t off, size_t *line, size_t *col)
{
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off; i++)
    {
      if (buf[i] == '\n')
        {
          (*line)++;
          *col = 1;
        }
      else if (((unsigned char)buf[i] & 0xc0) != 0x80) /* not a UTF-8 continuation byte */
        (*col)++;
    }
}

/* yajl_tree_parse only says why; a streaming pass over the same text says where. */
static int
json_syntax_error (const char *buf, size_t len, const char *origin, const char *tree_msg,
                   ecirun_error_t *err)
{
  yajl_handle h;
  yajl_status st;
  unsigned char *msg;
  size_t off, line, col, n;
  int ret;

  h = yajl_alloc (NULL, NULL, NULL);
  if (h == NULL)
    return make_error (err, ENOMEM, "%s: invalid JSON", origin);
  /* Same settings as yajl_tree_parse, so both passes fail at the same place. */
  yajl_config (h, yajl_allow_comments, 1);
  st = yajl_parse (h, (const unsigned char *)buf, len);
  if (st == yajl_status_ok)
    {
      st = yajl_complete_parse (h);
      off = len; /* premature end of input */
    }
  else
    {
      /* The count includes the offending character: point at it. */
      off = yajl_get_bytes_consumed (h);
      if (off > 0)
        off--;
    }
  if (st == yajl_status_ok)
    {
      /* Unexpected: only the tree builder failed (e.g. out of memory). */
      n = strcspn (tree_msg, "\n");
      ret = make_error (err, 0, "%s: invalid JSON: %.*s", origin, (int)n, tree_msg);
      yajl_free (h);
      return ret;
    }
  msg = yajl_get_error (h, 0, (const unsigned char *)buf, len);
  offset_to_line_col (buf, off, &line, &col);
  /* The non-verbose message is "parse error: REASON\n": keep it on one line. */
  n = msg ? strcspn ((const char *)msg, "\n") : 0;
  ret = make_error (err, 0, "%s: invalid JSON at line %zu, column %zu: %.*s", origin, line, col,
                    (int)n, msg ? (const char *)msg : "");
  if (msg)
    yajl_free_error (h, msg);
  yajl_free (h);
  return ret;
}

/* Offset of the bracket that opens level CONFIG_MAX_DEPTH + 1, or -1. Strings and the
   comments yajl accepts are skipped, so brackets inside them do not count. */
static ssize_t
find_excess_nesting (const char *buf, size_t len)
{
  size_t depth = 0;

  for (size_t i = 0; i < len; i++)
    {
      if (buf[i] == '"')
        {
          for (i++; i < len && buf[i] != '"'; i++)
            if (buf[i] == '\\')
              i++;
        }
      else if (buf[i] == '/' && i + 1 < len && buf[i + 1] == '*')
        {
          const char *end = memmem (buf + i + 2, len - i - 2, "*/", 2);
          i = end ? (size_t)(end - buf) + 1 : len;
        }
      else if (buf[i] == '/' && i + 1 < len && buf[i + 1] == '/')
        {
          const char *end = memchr (buf + i, '\n', len - i);
          i = end ? (size_t)(end - buf) : len;
        }
      else if (buf[i] == '{' || buf[i] == '[')
        {
          if (++depth > CONFIG_MAX_DEPTH)
            return (ssize_t)i;
        }
      else if ((buf[i] == '}' || buf[i] == ']') && depth > 0)
        depth--;
    }
  return -1;
}

int
cfg_parse_tree (const char *json, size_t len, const char *origin, yajl_val *ret,
                ecirun_error_t *err)
{
  cleanup_free char *buf = NULL;
  const char *nul;
  ssize_t deep;
  char errbuf[1024];
  yajl_val tree;

  /* yajl_tree_parse stops at a NUL byte and would parse a truncated document. */
  nul = memchr (json, '\0', len);
  if (nul)
    {
      size_t line, col;
      offset_to_line_col (json, nul - json, &line, &col);
      return make_error (err, 0, "%s: invalid JSON at line %zu, column %zu: unexpected NUL byte",
                         origin, line, col);
    }
  deep = find_excess_nesting (json, len);
  if (deep >= 0)
    {
      size_t line, col;
      offset_to_line_col (json, deep, &line, &col);
      return make_error (err, 0, "%s: JSON nested deeper than %d levels at line %zu, column %zu",
                         origin, CONFIG_MAX_DEPTH, line, col);
    }
  buf = xmalloc0 (len + 1);
  memcpy (buf, json, len);
  errbuf[0] = '\0';
  tree = yajl_tree_parse (buf, errbuf, sizeof (errbuf));
  if (tree == NULL)
    return json_syntax_error (buf, len, origin, errbuf, err);
  if (!YAJL_IS_OBJECT (tree))
    {
      yajl_tree_free (tree);
      return make_error (err, 0, "%s: the top-level JSON value must be an object", origin);
    }
  *ret = tree;
  return 0;
}

/* ---- process ---- */

static int
parse_user (struct cfg_ctx *c, yajl_val proc, const char *parent, struct user_config *u)
{
  char path[CFG_PATH_MAX], p2[CFG_PATH_MAX];
  yajl_val user = NULL, arr = NULL, v;

  if (cfg_object (c, proc, "user", parent, &user) < 0)
    return -1;
  if (user == NULL)
    return 0;
  cfg_path (path, parent, "user");
  if ((v = cfg_get (user, "uid")))
    {
      cfg_path (p2, path, "uid");
      if (cfg_val_u32 (c, v, p2, &u->uid) < 0)
        return -1;
    }
  if ((v = cfg_get (user, "gid")))
    {
      cfg_path (p2, path, "gid");
      if (cfg_val_u32 (c, v, p2, &u->gid) < 0)
        return -1;
    }
  if (cfg_u64 (c, user, "umask", path, &u->umask) < 0)
    return -1;
  if (u->umask.set && u->umask.v > 0777)
    {
      cfg_path (p2, path, "umask");
      return cfg_error (c, p2, " must be between 0 and 0777");
    }
  if (cfg_array (c, user, "additionalGids", path, &arr) < 0)
    return -1;
  if (arr)
    {
      char apath[CFG_PATH_MAX];
      cfg_path (apath, path, "additionalGids");
      u->additional_gids = xmalloc0 (arr->u.array.len * sizeof (uint32_t));
      for (size_t i = 0; i < arr->u.array.len; i++)
        {
          cfg_path_idx (p2, apath, i);
          if (cfg_val_u32 (c, arr->u.array.values[i], p2, &u->additional_gids[i]) < 0)
            return -1;
          u->n_additional_gids++;
        }
    }
  return cfg_string (c, user, "username", path, &u->username);
}

static int
parse_capabilities (struct cfg_ctx *c, yajl_val proc, const char *parent,
                    struct capabilities_config *caps)
{
  static const char *const set_names[]
      = { "bounding", "effective", "inheritable", "permitted", "ambient" };
  uint64_t *sets[]
      = { &caps->bounding, &caps->effective, &caps->inheritable, &caps->permitted, &caps->ambient };
  char path[CFG_PATH_MAX], spath[CFG_PATH_MAX], epath[CFG_PATH_MAX];
  yajl_val obj = NULL;

  if (cfg_object (c, proc, "capabilities", parent, &obj) < 0)
    return -1;
  if (obj == NULL)
    return 0;
  caps->present = true;
  cfg_path (path, parent, "capabilities");
  for (size_t s = 0; s < ARRAY_SIZE (set_names); s++)
    {
      yajl_val arr = NULL;
      if (cfg_array (c, obj, set_names[s], path, &arr) < 0)
        return -1;
      if (arr == NULL)
        continue;
      cfg_path (spath, path, set_names[s]);
      for (size_t i = 0; i < arr->u.array.len; i++)
        {
          yajl_val v = arr->u.array.values[i];
          int cap;
          cfg_path_idx (epath, spath, i);
          if (!YAJL_IS_STRING (v))
            return cfg_error (c, epath, " must be a string");
          cap = caps_from_name (v->u.string);
          if (cap < 0 || cap > 63)
            return cfg_error (c, epath, ": unknown capability \"%s\"", v->u.string);
          *sets[s] |= UINT64_C (1) << cap;
        }
    }
  return 0;
}

static int
parse_rlimit (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct process_config *p = data;
  struct rlimit_config *rl = &p->rlimits[i];
  cleanup_free char *type = NULL;
  char tpath[CFG_PATH_MAX];

  cfg_path (tpath, path, "type");
  if (cfg_req_string (c, e, "type", path, &type) < 0)
    return -1;
  rl->resource = rlimit_from_name (type);
  if (rl->resource < 0)
    return cfg_error (c, tpath, ": unknown rlimit \"%s\"", type);
  for (size_t j = 0; j < i; j++)
    if (p->rlimits[j].resource == rl->resource)
      return cfg_error (c, tpath, ": duplicate rlimit \"%s\"", type);
  if (cfg_req_u64 (c, e, "soft", path, &rl->soft) < 0
      || cfg_req_u64 (c, e, "hard", path, &rl->hard) < 0)
    return -1;
  if (rl->soft > rl->hard)
    return cfg_error (c, path, ": soft limit %" PRIu64 " is greater than hard limit %" PRIu64,
                      rl->soft, rl->hard);
  p->n_rlimits++;
  return 0;
}

/* Same rules for config.json's "process" (parent "process") and a bare process.json
   (parent ""). */
static int
parse_process_node (struct cfg_ctx *c, yajl_val proc, const char *parent, struct process_config *p)
{
  char path[CFG_PATH_MAX];
  yajl_val v, cs = NULL;

  cfg_path (path, parent, "args");
  v = cfg_get (proc, "args");
  if (v == NULL || !YAJL_IS_ARRAY (v) || v->u.array.len == 0)
    return cfg_error (c, path, " must be a non-empty array of strings");
  for (size_t i = 0; i < v->u.array.len; i++)
    if (!YAJL_IS_STRING (v->u.array.values[i]))
      return cfg_error (c, path, " must be a non-empty array of strings");
  if (cfg_strv (c, proc, "args", parent, &p->args, &p->n_args) < 0)
    return -1;

  if (cfg_strv (c, proc, "env", parent, &p->env, &p->n_env) < 0)
    return -1;
  if (p->env == NULL)
    p->env = xmalloc0 (sizeof (char *));
  cfg_path (path, parent, "env");
  for (size_t i = 0; i < p->n_env; i++)
    {
      char epath[CFG_PATH_MAX];
      const char *eq = strchr (p->env[i], '=');
      cfg_path_idx (epath, path, i);
      if (eq == NULL)
        return cfg_error (c, epath, ": invalid environment variable \"%s\": missing '='",
                          p->env[i]);
      if (eq == p->env[i])
        return cfg_error (c, epath, ": invalid environment variable \"%s\": empty name", p->env[i]);
    }

  if (cfg_abs_path (c, proc, "cwd", parent, &p->cwd) < 0)
    return -1;
  if (cfg_bool (c, proc, "terminal", parent, &p->terminal) < 0)
    return -1;
  if (cfg_object (c, proc, "consoleSize", parent, &cs) < 0)
    return -1;
  if (cs)
    {
      cfg_path (path, parent, "consoleSize");
      if (cfg_u64 (c, cs, "height", path, &p->console_height) < 0
          || cfg_u64 (c, cs, "width", path, &p->console_width) < 0)
        return -1;
    }
  if (parse_user (c, proc, parent, &p->user) < 0)
    return -1;
  if (parse_capabilities (c, proc, parent, &p->capabilities) < 0)
    return -1;
  p->rlimits = xmalloc0 (cfg_array_len (proc, "rlimits") * sizeof (*p->rlimits));
  if (cfg_each_object (c, proc, "rlimits", parent, parse_rlimit, p) < 0)
    return -1;
  if (cfg_bool (c, proc, "noNewPrivileges", parent, &p->no_new_privileges) < 0
      || cfg_string (c, proc, "apparmorProfile", parent, &p->apparmor_profile) < 0
      || cfg_string (c, proc, "selinuxLabel", parent, &p->selinux_label) < 0
      || cfg_i64 (c, proc, "oomScoreAdj", parent, &p->oom_score_adj) < 0)
    return -1;
  if (p->oom_score_adj.set && (p->oom_score_adj.v < -1000 || p->oom_score_adj.v > 1000))
    {
      cfg_path (path, parent, "oomScoreAdj");
      return cfg_error (c, path, " must be between -1000 and 1000");
    }
  return 0;
}

/* ---- mounts, hooks ---- */

static int
parse_id_mapping (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct id_mapping *m = &((struct id_mapping *)data)[i];

  if (cfg_req_u32 (c, e, "containerID", path, &m->container_id) < 0
      || cfg_req_u32 (c, e, "hostID", path, &m->host_id) < 0
      || cfg_req_u32 (c, e, "size", path, &m->size) < 0)
    return -1;
  if (m->size == 0)
    {
      char spath[CFG_PATH_MAX];
      cfg_path (spath, path, "size");
      return cfg_error (c, spath, " must be greater than zero");
    }
  return 0;
}

static int
parse_id_mappings (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
                   struct id_mapping **ret, size_t *ret_len)
{
  size_t n = cfg_array_len (obj, key);

  if (cfg_get (obj, key) == NULL)
    return 0;
  *ret = xmalloc0 (n * sizeof (**ret));
  if (cfg_each_object (c, obj, key, parent, parse_id_mapping, *ret) < 0)
    return -1;
  *ret_len = n;
  return 0;
}

static int
parse_mount (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct oci_config *cfg = data;
  struct mount_config *m = &cfg->mounts[i];

  cfg->n_mounts++;
  if (cfg_abs_path (c, e, "destination", path, &m->destination) < 0
      || cfg_string (c, e, "type", path, &m->type) < 0
      || cfg_string (c, e, "source", path, &m->source) < 0
      || cfg_strv (c, e, "options", path, &m->options, &m->n_options) < 0
      || parse_id_mappings (c, e, "uidMappings", path, &m->uid_mappings, &m->n_uid_mappings) < 0
      || parse_id_mappings (c, e, "gidMappings", path, &m->gid_mappings, &m->n_gid_mappings) < 0)
    return -1;
  return 0;
}

static int
parse_hook (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct hook_list *l = data;
  struct hook_config *h = &l->items[i];

  l->len++;
  if (cfg_abs_path (c, e, "path", path, &h->path) < 0
      || cfg_strv (c, e, "args", path, &h->args, NULL) < 0
      || cfg_strv (c, e, "env", path, &h->env, NULL) < 0
      || cfg_i64 (c, e, "timeout", path, &h->timeout) < 0)
    return -1;
  if (h->timeout.set && h->timeout.v <= 0)
    {
      char tpath[CFG_PATH_MAX];
      cfg_path (tpath, path, "timeout");
      return cfg_error (c, tpath, " must be greater than zero");
    }
  return 0;
}

static int
parse_hooks (struct cfg_ctx *c, yajl_val root, struct oci_config *cfg)
{
  yajl_val hooks = NULL;

  if (cfg_object (c, root, "hooks", "", &hooks) < 0)
    return -1;
  if (hooks == NULL)
    return 0;
  for (int k = 0; k < HOOK__MAX; k++)
    {
      struct hook_list *l = &cfg->hooks[k];
      l->items = xmalloc0 (cfg_array_len (hooks, hook_names[k]) * sizeof (*l->items));
      if (cfg_each_object (c, hooks, hook_names[k], "hooks", parse_hook, l) < 0)
        return -1;
    }
  return 0;
}

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

static int
parse_linux (struct cfg_ctx *c, yajl_val lnx, struct linux_config *l)
{
  static const char *const propagations[] = { "private", "rprivate", "slave",      "rslave",
                                              "shared",  "rshared",  "unbindable", "runbindable" };
  yajl_val res = NULL;

  l->devices = xmalloc0 (cfg_array_len (lnx, "devices") * sizeof (*l->devices));
  if (cfg_each_object (c, lnx, "namespaces", "linux", parse_namespace, l) < 0
      || parse_id_mappings (c, lnx, "uidMappings", "linux", &l->uid_mappings, &l->n_uid_mappings)
             < 0
      || parse_id_mappings (c, lnx, "gidMappings", "linux", &l->gid_mappings, &l->n_gid_mappings)
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
      if (parse_process_node (c, proc, "process", cfg->process) < 0)
        return -1;
    }
  if (cfg_string (c, root, "hostname", "", &cfg->hostname) < 0
      || cfg_string (c, root, "domainname", "", &cfg->domainname) < 0)
    return -1;
  cfg->mounts = xmalloc0 (cfg_array_len (root, "mounts") * sizeof (*cfg->mounts));
  if (cfg_each_object (c, root, "mounts", "", parse_mount, cfg) < 0)
    return -1;
  if (parse_hooks (c, root, cfg) < 0)
    return -1;
  if (cfg_string_map (c, root, "annotations", "", &cfg->annotations) < 0)
    return -1;
  if (cfg_object (c, root, "linux", "", &lnx) < 0)
    return -1;
  if (lnx)
    {
      cfg->linux_cfg = xmalloc0 (sizeof (*cfg->linux_cfg));
      if (parse_linux (c, lnx, cfg->linux_cfg) < 0)
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
  if (parse_process_node (&c, tree, "", p) < 0)
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

/* ---- freeing ---- */

void
process_config_free (struct process_config *p)
{
  if (p == NULL)
    return;
  strv_free (p->args);
  strv_free (p->env);
  free (p->cwd);
  free (p->user.additional_gids);
  free (p->user.username);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->selinux_label);
  free (p);
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

static void
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
