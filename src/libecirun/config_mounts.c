/* config.json "mounts" and "hooks", and the ID mappings of mounts and of the user namespace. */
#include <config.h>
#include "config.h"
#include "config_internal.h"
#include "utils.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

int
cfg_parse_id_mappings (struct cfg_ctx *c, yajl_val obj, const char *key, const char *parent,
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

int
cfg_parse_mount (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct oci_config *cfg = data;
  struct mount_config *m = &cfg->mounts[i];

  cfg->n_mounts++;
  if (cfg_abs_path (c, e, "destination", path, &m->destination) < 0
      || cfg_string (c, e, "type", path, &m->type) < 0
      || cfg_string (c, e, "source", path, &m->source) < 0
      || cfg_strv (c, e, "options", path, &m->options, &m->n_options) < 0
      || cfg_parse_id_mappings (c, e, "uidMappings", path, &m->uid_mappings, &m->n_uid_mappings) < 0
      || cfg_parse_id_mappings (c, e, "gidMappings", path, &m->gid_mappings, &m->n_gid_mappings)
             < 0)
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

int
cfg_parse_hooks (struct cfg_ctx *c, yajl_val root, struct oci_config *cfg)
{
  yajl_val hooks = NULL;

  if (cfg_object (c, root, "hooks", "", &hooks) < 0)
    return -1;
  if (hooks == NULL)
    return 0;
  for (int k = 0; k < HOOK__MAX; k++)
    {
      struct hook_list *l = &cfg->hooks[k];
      l->items = xmalloc0 (cfg_array_len (hooks, hook_kind_name (k)) * sizeof (*l->items));
      if (cfg_each_object (c, hooks, hook_kind_name (k), "hooks", parse_hook, l) < 0)
        return -1;
    }
  return 0;
}
