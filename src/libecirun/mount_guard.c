/* Restricted host mounts: see mount_guard.h and docs/policy.md. */
#include <config.h>
#include "mount_guard.h"
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "mountinfo.h"
#include "utils.h"

/* path is dir or below it (both absolute, normalised). */
static bool
path_within (const char *path, const char *dir)
{
  size_t n = strlen (dir);

  if (n == 1 && dir[0] == '/')
    return true;
  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static char *
expand_id (const char *pattern, const char *id)
{
  const char *at = strstr (pattern, "{id}");
  char *rest, *r;

  if (at == NULL)
    return xstrdup (pattern);
  rest = expand_id (at + 4, id);
  r = xasprintf ("%.*s%s%s", (int)(at - pattern), pattern, id ? id : "", rest);
  free (rest);
  return r;
}

bool
mount_guard_pattern_covers (const char *pattern, const char *id, const char *path)
{
  cleanup_free char *pat = expand_id (pattern, id);
  cleanup_free char *prefix = xstrdup (path);
  size_t len = strlen (prefix);

  /* With no container id, "{id}" must match nothing rather than the empty string. */
  if (strstr (pattern, "{id}") && (id == NULL || *id == '\0'))
    return false;
  /* path itself, then each ancestor down to "/". */
  for (;;)
    {
      if (fnmatch (pat, prefix, FNM_PATHNAME | FNM_PERIOD) == 0)
        return true;
      while (len > 1 && prefix[len - 1] != '/')
        len--;
      if (len <= 1)
        return false;
      prefix[--len] = '\0';
    }
}

static bool
allowed (const struct mount_guard *g, const char *path)
{
  for (char *const *a = g->policy->allowed_mounts; a && *a; a++)
    if (mount_guard_pattern_covers (*a, g->id, path))
      return true;
  return false;
}

static enum mount_guard_verdict
check_one (const struct mount_guard *g, const char *rule, const char *path, bool as_rootfs)
{
  if (strcmp (path, rule) == 0)
    return MOUNT_GUARD_IS;
  if (path_within (rule, path))
    return MOUNT_GUARD_CONTAINS;
  if (!as_rootfs && path_within (path, rule) && !allowed (g, path))
    return MOUNT_GUARD_INSIDE;
  return MOUNT_GUARD_ALLOWED;
}

enum mount_guard_verdict
mount_guard_check (const struct mount_guard *g, const char *host_path, bool as_rootfs,
                   const char **ret_rule)
{
  const char *own[] = { g->state_root, g->policy->state_dir, NULL };
  enum mount_guard_verdict v;

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
        return v;
      }
  *ret_rule = NULL;
  return MOUNT_GUARD_ALLOWED;
}

static bool
kernel_fs (const char *fstype)
{
  static const char *const types[]
      = { "proc",   "sysfs",   "devtmpfs",  "debugfs",  "tracefs", "securityfs", "bpf",
          "cgroup", "cgroup2", "configfs",  "efivarfs", "pstore",  "fusectl",    "binfmt_misc",
          "devpts", "mqueue",  "hugetlbfs", "nsfs",     NULL };
  for (size_t i = 0; types[i]; i++)
    if (strcmp (fstype, types[i]) == 0)
      return true;
  return false;
}

/* Where e's content lives on the host: through another mount of the same file system whose
   root holds e's root, mounted outside `below` (NULL when there is none). */
static char *
host_path_of (const struct mountinfo_entry *mi, size_t n, const struct mountinfo_entry *e,
              const char *below)
{
  const struct mountinfo_entry *best = NULL;

  for (size_t i = 0; i < n; i++)
    {
      const struct mountinfo_entry *p = &mi[i];
      if (p == e || p->major != e->major || p->minor != e->minor
          || path_within (p->mount_point, below) || !path_within (e->root, p->root))
        continue;
      /* The shortest root shows the most: prefer the file system's own mount. */
      if (best == NULL || strlen (p->root) < strlen (best->root))
        best = p;
    }
  if (best == NULL)
    return NULL;
  {
    const char *rest = e->root + (strcmp (best->root, "/") == 0 ? 0 : strlen (best->root));
    if (strcmp (best->mount_point, "/") == 0)
      return xstrdup (*rest ? rest : "/");
    return xasprintf ("%s%s", best->mount_point, strcmp (rest, "/") == 0 ? "" : rest);
  }
}

const struct mountinfo_entry *
mount_guard_refused_submount (const struct mount_guard *g, const struct mountinfo_entry *mi,
                              size_t n, const char *real, char **ret_host, const char **ret_rule)
{
  *ret_host = NULL;
  *ret_rule = NULL;
  for (size_t i = 0; i < n; i++)
    {
      const struct mountinfo_entry *e = &mi[i];
      char *host;

      if (!path_within (e->mount_point, real) || strcmp (e->mount_point, real) == 0)
        continue;
      if (kernel_fs (e->fstype))
        {
          *ret_rule = e->fstype;
          return e;
        }
      host = host_path_of (mi, n, e, real);
      if (host == NULL)
        continue;
      if (mount_guard_check (g, host, false, ret_rule) != MOUNT_GUARD_ALLOWED)
        {
          *ret_host = host;
          return e;
        }
      free (host);
    }
  return NULL;
}

static int
check_submounts (const struct mount_guard *g, const char *real, const char *what,
                 const char *source, ecirun_error_t *err)
{
  cleanup_free char *host = NULL;
  const char *rule;
  const struct mountinfo_entry *bad
      = mount_guard_refused_submount (g, g->mounts, g->n_mounts, real, &host, &rule);

  if (bad && host)
    return make_error (err, 0,
                       "%s: `%s` has %s mounted below it, which shows the restricted host path "
                       "%s (%s); containers may not mount it (restrictedMounts and "
                       "allowedMounts in %s)",
                       what, source, bad->mount_point, host, rule,
                       g->policy->path ? g->policy->path : POLICY_PATH);
  if (bad)
    return make_error (err, 0,
                       "%s: `%s` has the host's %s mounted below it at %s; containers may not "
                       "mount it",
                       what, source, rule, bad->mount_point);
  return 0;
}

int
mount_guard_open (const struct mount_guard *g, const char *source, bool as_rootfs, bool recursive,
                  const char *what, ecirun_error_t *err)
{
  static const char *const how[] = {
    [MOUNT_GUARD_IS] = "is",
    [MOUNT_GUARD_CONTAINS] = "contains",
    [MOUNT_GUARD_INSIDE] = "is inside",
  };
  cleanup_free char *link = NULL;
  char real[PATH_MAX];
  const char *rule;
  enum mount_guard_verdict v;
  ssize_t n;
  int fd = open (source, O_PATH | O_CLOEXEC);

  if (fd < 0)
    return make_error (err, errno, "%s: open `%s`", what, source);
  link = xasprintf ("/proc/self/fd/%d", fd);
  n = readlink (link, real, sizeof (real) - 1);
  if (n <= 0 || real[0] != '/')
    {
      int saved = n < 0 ? errno : ENOENT;
      close (fd);
      return make_error (err, saved, "%s: resolve `%s` on the host", what, source);
    }
  real[n] = '\0';
  v = mount_guard_check (g, real, as_rootfs, &rule);
  if (v == MOUNT_GUARD_ALLOWED)
    {
      if (recursive && check_submounts (g, real, what, source, err) < 0)
        {
          close (fd);
          return -1;
        }
      return fd;
    }
  close (fd);
  return make_error (err, 0,
                     "%s: `%s`%s%s%s %s the restricted host path %s; containers may not mount "
                     "it (restrictedMounts and allowedMounts in %s)",
                     what, source, strcmp (real, source) ? " (" : "",
                     strcmp (real, source) ? real : "", strcmp (real, source) ? ")" : "", how[v],
                     rule, g->policy->path ? g->policy->path : POLICY_PATH);
}
