/* config.json "process" (and `exec --process` files): user, capabilities, rlimits, the
   process itself. */
#include <config.h>
#include "config.h"
#include "config_internal.h"
#include "utils.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include "caps.h"

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
int
cfg_parse_process (struct cfg_ctx *c, yajl_val proc, const char *parent, struct process_config *p)
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
