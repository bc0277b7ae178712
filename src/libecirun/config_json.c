/* The typed accessors of config JSON (config_internal.h): JSON paths in messages, values of the
   right type, and the text itself parsed into a tree with the line and column of a syntax
   error. Shared by every config_*.c file and the admin policy. */
#include <config.h>
#include "config.h"
#include "config_internal.h"
#include "utils.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

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

void
cleanup_yajl_treep (yajl_val *v)
{
  if (*v)
    yajl_tree_free (*v);
  *v = NULL;
}

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
