/* Restricted host mounts, the verdicts: see mount_guard.h and docs/policy.md. What a source is
   (its mount and file system) is found in mount_source.c. */
#include <config.h>
#include "mount_guard.h"
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include "mountinfo.h"
#include "utils.h"

/* path is dir or below it (both absolute, normalised). */
bool
guard_path_within (const char *path, const char *dir)
{
  size_t n = strlen (dir);

  if (n == 1 && dir[0] == '/')
    return true;
  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The values of the token tok[0..len) ("{id}", "{net}", "{ipc}", "{buildkit}"), NULL-terminated
   (empty: the pattern matches nothing); NULL when tok is an engine directory token instead. id_buf
   holds the id's own one-entry list. */
static const char *const *
token_values (const struct mount_guard *g, const char *tok, size_t len, const char *id_buf[2])
{
  static const char *const none[] = { NULL };
#define TOKEN_IS(s) (len == sizeof (s) - 1 && strncmp (tok, s, len) == 0)
  if (TOKEN_IS ("{id}"))
    {
      id_buf[0] = g->id && *g->id ? g->id : NULL;
      id_buf[1] = NULL;
      return id_buf;
    }
  if (TOKEN_IS ("{net}"))
    return g->net_ids ? (const char *const *)g->net_ids : none;
  if (TOKEN_IS ("{ipc}"))
    return g->ipc_ids ? (const char *const *)g->ipc_ids : none;
  if (TOKEN_IS ("{buildkit}"))
    {
      id_buf[0] = g->buildkit_dir;
      id_buf[1] = NULL;
      return id_buf;
    }
#undef TOKEN_IS
  return NULL;
}

/* Every concrete pattern of `pattern` (its tokens replaced by each of their values), appended to
 *v (of *n). */
static void
expand (const struct mount_guard *g, const char *pattern, char ***v, size_t *n)
{
  const char *open = strchr (pattern, '{'), *close = open ? strchr (open, '}') : NULL;
  const char *const *vals;
  const char *id_buf[2];
  size_t len;

  if (open == NULL || close == NULL)
    {
      *v = xrealloc (*v, (*n + 2) * sizeof (**v));
      (*v)[(*n)++] = xstrdup (pattern);
      (*v)[*n] = NULL;
      return;
    }
  len = close - open + 1;
  vals = token_values (g, open, len, id_buf);
  if (vals == NULL)
    {
      /* An engine directory token: its default, and every directory found for this create. */
      for (int k = 0; k < ENGINE_N_DIRS; k++)
        {
          const char *t = engine_dir_token (k);
          char *const *found = g->engine ? g->engine->dirs[k] : NULL;
          if (strlen (t) != len || strncmp (open, t, len) != 0)
            continue;
          {
            cleanup_free char *d = xasprintf ("%.*s%s%s", (int)(open - pattern), pattern,
                                              engine_dir_default (k), close + 1);
            expand (g, d, v, n);
          }
          for (size_t i = 0; found && found[i]; i++)
            {
              cleanup_free char *d
                  = xasprintf ("%.*s%s%s", (int)(open - pattern), pattern, found[i], close + 1);
              expand (g, d, v, n);
            }
        }
      return;
    }
  for (size_t i = 0; vals[i]; i++)
    {
      cleanup_free char *d
          = xasprintf ("%.*s%s%s", (int)(open - pattern), pattern, vals[i], close + 1);
      /* A value never brings tokens of its own. */
      if (strchr (vals[i], '{') == NULL)
        expand (g, d, v, n);
    }
}

char *
mount_guard_buildkit_dir (const char *bundle, const char *id)
{
  static const char tail[] = "/buildkit/executor/";
  size_t n = bundle ? strlen (bundle) : 0, idlen = id ? strlen (id) : 0, tl = sizeof (tail) - 1;

  /* The id is the engine's choice: nobody names this bundle before BuildKit made it. */
  if (idlen == 0 || n <= tl + idlen || bundle[0] != '/' || strcmp (bundle + n - idlen, id) != 0
      || strncmp (bundle + n - idlen - tl, tail, tl) != 0)
    return NULL;
  return strndup (bundle, n - idlen - 1);
}

bool
mount_guard_pattern_covers (const struct mount_guard *g, const char *pattern, const char *path)
{
  cleanup_strv char **pats = xmalloc0 (sizeof (char *));
  size_t np = 0;

  expand (g, pattern, &pats, &np);
  for (size_t i = 0; i < np; i++)
    {
      cleanup_free char *prefix = xstrdup (path);
      size_t len = strlen (prefix);
      /* path itself, then each ancestor down to "/". */
      for (;;)
        {
          if (fnmatch (pats[i], prefix, FNM_PATHNAME | FNM_PERIOD) == 0)
            return true;
          while (len > 1 && prefix[len - 1] != '/')
            len--;
          if (len <= 1)
            break;
          prefix[--len] = '\0';
        }
    }
  return false;
}

bool
guard_allowed (const struct mount_guard *g, const char *path)
{
  for (char *const *a = g->policy->allowed_mounts; a && *a; a++)
    if (mount_guard_pattern_covers (g, *a, path))
      return true;
  return false;
}

static enum mount_guard_verdict
check_one (const struct mount_guard *g, const char *rule, const char *path, bool as_rootfs)
{
  if (strcmp (path, rule) == 0)
    return MOUNT_GUARD_IS;
  if (guard_path_within (rule, path))
    return MOUNT_GUARD_CONTAINS;
  if (!as_rootfs && guard_path_within (path, rule) && !guard_allowed (g, path))
    return MOUNT_GUARD_INSIDE;
  return MOUNT_GUARD_ALLOWED;
}

enum mount_guard_verdict
mount_guard_check (const struct mount_guard *g, const char *host_path, bool as_rootfs,
                   const char **ret_rule, const char **ret_why)
{
  const char *own[] = { g->state_root, g->policy->state_dir, NULL };
  enum mount_guard_verdict v;

  *ret_why = NULL;
  for (char *const *r = g->policy->restricted_mounts; r && *r; r++)
    if ((v = check_one (g, *r, host_path, as_rootfs)) != MOUNT_GUARD_ALLOWED)
      {
        *ret_rule = *r;
        return v;
      }
  for (size_t i = 0; own[i]; i++)
    if ((v = check_one (g, own[i], host_path, as_rootfs)) != MOUNT_GUARD_ALLOWED)
      {
        *ret_rule = own[i];
        *ret_why = "ecirun's own state";
        return v;
      }
  for (int k = 0; g->engine && k < ENGINE_N_DIRS; k++)
    for (char *const *d = g->engine->dirs[k]; d && *d; d++)
      if ((v = check_one (g, *d, host_path, as_rootfs)) != MOUNT_GUARD_ALLOWED)
        {
          *ret_rule = *d;
          *ret_why = engine_dir_what (k);
          return v;
        }
  for (size_t i = 0; i < g->n_restricted; i++)
    if (g->restricted[i].extra
        && (v = check_one (g, g->restricted[i].path, host_path, as_rootfs)) != MOUNT_GUARD_ALLOWED)
      {
        *ret_rule = g->restricted[i].path;
        *ret_why = g->restricted[i].why;
        return v;
      }
  *ret_rule = NULL;
  return MOUNT_GUARD_ALLOWED;
}

static void
strv_add_unique (char ***v, size_t *n, char *s)
{
  for (size_t i = 0; i < *n; i++)
    if (strcmp ((*v)[i], s) == 0)
      {
        free (s);
        return;
      }
  *v = xrealloc (*v, (*n + 2) * sizeof (**v));
  (*v)[(*n)++] = s;
  (*v)[*n] = NULL;
}

char **
mount_guard_places (const struct mountinfo_entry *mi, size_t n, unsigned major, unsigned minor,
                    const char *fspath)
{
  char **v = xmalloc0 (sizeof (*v));
  size_t nv = 0;

  for (size_t i = 0; i < n; i++)
    {
      const struct mountinfo_entry *e = &mi[i];
      const char *rest;

      if (e->major != major || e->minor != minor || !guard_path_within (fspath, e->root))
        continue;
      rest = strcmp (e->root, "/") == 0 ? fspath : fspath + strlen (e->root);
      if (strcmp (e->mount_point, "/") == 0)
        strv_add_unique (&v, &nv, xstrdup (*rest ? rest : "/"));
      else
        strv_add_unique (&v, &nv,
                         xasprintf ("%s%s", e->mount_point, strcmp (rest, "/") == 0 ? "" : rest));
    }
  return v;
}
