/* Shared by the config_*.c files, the only ones that read config JSON (and the admin policy):
   the parse context, JSON-path building and the typed accessors that turn a yajl tree node into
   C values, naming the JSON path of anything wrong; and the parsers of each part. */
#ifndef ECIRUN_CONFIG_INTERNAL_H
#define ECIRUN_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>
#include "config.h"
#include "error.h"

/* Enough for the deepest path the spec has ("linux.resources.blockIO.throttleReadBpsDevice[N]
   .major"); longer paths (absurd map keys) are truncated in messages, never overflow. */
#define CFG_PATH_MAX 256

/* Larger than any sane config.json; a bound so a wrong path cannot make us read forever. */
#define CONFIG_MAX_SIZE (64u << 20)
/* yajl builds and frees its tree recursively: deeper input would overflow the stack. The spec
   itself needs 6 levels. */
#define CONFIG_MAX_DEPTH 256

struct cfg_ctx
{
  const char *origin; /* the file name, first in every message */
  ecirun_error_t *err;
};

/* make_error with "ORIGIN: PATH" followed by the formatted text (which starts with " must ..."
   or ": ..."). Returns -1. */
int cfg_error (struct cfg_ctx *c, const char *path, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* buf = "parent.key" ("key" when parent is empty); buf = "parent[i]". */
void cfg_path (char *buf, const char *parent, const char *key);
void cfg_path_idx (char *buf, const char *parent, size_t i);

/* The member `key` of an object, NULL when missing or JSON null (null means absent, as in Go). */
yajl_val cfg_get (yajl_val obj, const char *key);

/* Conversions of one value, `path` naming it. */
int cfg_val_u64 (struct cfg_ctx *c, yajl_val v, const char *path, uint64_t *ret);
int cfg_val_i64 (struct cfg_ctx *c, yajl_val v, const char *path, int64_t *ret);
int cfg_val_u32 (struct cfg_ctx *c, yajl_val v, const char *path, uint32_t *ret);

/* Optional members of `obj` (whose path is `parent`): absent leaves *ret untouched (and
   .set false), a wrong type is an error. */
int cfg_object (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
                yajl_val *ret);
int cfg_array (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, yajl_val *ret);
int cfg_string (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, char **ret);
int cfg_bool (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, bool *ret);
int cfg_u64 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
             struct opt_u64 *ret);
int cfg_i64 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
             struct opt_i64 *ret);
/* Required integer members: missing is an error "PATH is required". */
int cfg_req_i64 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
                 int64_t *ret);
int cfg_req_u64 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
                 uint64_t *ret);
int cfg_req_u32 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
                 uint32_t *ret);
/* Optional unsigned member that must fit 32 bits, kept in an opt_u64. */
int cfg_opt_u32 (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
                 struct opt_u64 *ret);
/* Required non-empty string; required absolute path ("PATH must be an absolute path"). */
int cfg_req_string (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
                    char **ret);
int cfg_abs_path (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, char **ret);

/* Optional array member whose elements must be objects: fn gets each with its path
   ("parent.key[i]") and index. */
typedef int (*cfg_elem_fn) (struct cfg_ctx *c, yajl_val elem, const char *path, size_t i,
                            void *data);
int cfg_each_object (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
                     cfg_elem_fn fn, void *data);
/* Length of an array member, 0 when absent or not an array (size allocations before
   cfg_each_object). */
size_t cfg_array_len (yajl_val obj, const char *key);
/* An array of strings: NULL-terminated vector and its length (NULL/0 when absent). */
int cfg_strv (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent, char ***ret,
              size_t *ret_len);
/* An object whose values are all strings. */
int cfg_string_map (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
                    struct kv_list *ret);
void kv_list_append (struct kv_list *l, const char *key, const char *value);
void kv_list_free (struct kv_list *l);

/* Parse JSON text into a tree; malformed input gives "ORIGIN: invalid JSON at line L, column
   C: REASON". The top-level value must be an object. */
int cfg_parse_tree (const char *json, size_t len, const char *origin, yajl_val *ret,
                    ecirun_error_t *err);

void cleanup_yajl_treep (yajl_val *v);
#define cleanup_yajl_tree __attribute__ ((cleanup (cleanup_yajl_treep)))

/* The parts of the document, each from its object (path: its JSON path). */
int cfg_parse_process (struct cfg_ctx *c, yajl_val proc, const char *parent,
                       struct process_config *p); /* config_process.c */
int cfg_parse_id_mappings (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
                           struct id_mapping **ret, size_t *ret_n); /* config_mounts.c */
int cfg_parse_mount (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data);
int cfg_parse_hooks (struct cfg_ctx *c, yajl_val root, struct oci_config *cfg);
int cfg_parse_linux (struct cfg_ctx *c, yajl_val lnx, struct linux_config *l); /* config_linux.c */
void linux_config_free (struct linux_config *l);

/* A LinuxResources object at `path` (config_resources.c). */
int cfg_parse_resources (struct cfg_ctx *c, yajl_val node, const char *path,
                         struct resources_config **ret);

#endif
