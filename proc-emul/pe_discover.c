/* The cgroup directories of a process, from /proc/PID/cgroup and the cgroup mounts of
   /proc/self/mountinfo (pe_collect.h). */
#include <config.h>
#include "pe_collect.h"
#include "utils.h"

#include <fcntl.h>
#include <string.h>

struct cg_mount
{
  bool v2;
  char *root, *target, *opts;
};

/* Undo mountinfo's octal escapes ("\040") in place. */
static void
unescape (char *s)
{
  char *w = s;
  for (; *s; s++)
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
        && s[3] <= '7')
      {
        *w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
        s += 3;
      }
    else
      *w++ = *s;
  *w = '\0';
}

static bool
has_opt (const char *opts, const char *name)
{
  size_t n = strlen (name);
  for (const char *p = opts; p; p = strchr (p, ','))
    {
      if (*p == ',')
        p++;
      if (strncmp (p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
        return true;
    }
  return false;
}

static size_t
read_mounts (struct cg_mount **ret)
{
  cleanup_free char *buf = NULL;
  size_t n = 0;

  *ret = NULL;
  if (read_file_at (AT_FDCWD, "/proc/self/mountinfo", &buf, NULL, 0, NULL) < 0)
    return 0;
  for (char *line = buf, *next; line && *line; line = next)
    {
      char *f[10] = { 0 }, *dash, *save = NULL;
      int nf = 0;

      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      dash = strstr (line, " - ");
      if (dash == NULL)
        continue;
      *dash = '\0';
      for (char *t = strtok_r (line, " ", &save); t && nf < 5; t = strtok_r (NULL, " ", &save))
        f[nf++] = t;
      save = NULL;
      for (char *t = strtok_r (dash + 3, " ", &save); t && nf < 8; t = strtok_r (NULL, " ", &save))
        f[nf++] = t;
      if (nf < 8 || (strcmp (f[5], "cgroup") != 0 && strcmp (f[5], "cgroup2") != 0))
        continue;
      *ret = xrealloc (*ret, (n + 1) * sizeof (**ret));
      (*ret)[n].v2 = strcmp (f[5], "cgroup2") == 0;
      (*ret)[n].root = xstrdup (f[3]);
      (*ret)[n].target = xstrdup (f[4]);
      (*ret)[n].opts = xstrdup (f[7]);
      unescape ((*ret)[n].root);
      unescape ((*ret)[n].target);
      n++;
    }
  return n;
}

/* The directory of cgroup `path` on mount m, or NULL when m does not show it. */
static char *
dir_on (const struct cg_mount *m, const char *path)
{
  size_t rl = strlen (m->root);

  if (strcmp (m->root, "/") == 0)
    return xasprintf ("%s%s", m->target, strcmp (path, "/") == 0 ? "" : path);
  if (strncmp (path, m->root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
    return NULL;
  return xasprintf ("%s%s", m->target, path + rl);
}

int
pe_collect_discover (pid_t pid, struct pe_discovered *ret, ecirun_error_t *err)
{
  static const char *const names[] = { "memory", "cpu", "cpuacct", "cpuset", "blkio", "pids" };
  char **dst[] = { &ret->memory, &ret->cpu, &ret->cpuacct, &ret->cpuset, &ret->blkio, &ret->pids };
  cleanup_free char *buf = NULL;
  cleanup_free char *path = xasprintf ("/proc/%d/cgroup", (int)pid);
  struct cg_mount *m = NULL;
  size_t nm;

  memset (ret, 0, sizeof (*ret));
  if (read_file_at (AT_FDCWD, path, &buf, NULL, 0, err) < 0)
    return -1;
  nm = read_mounts (&m);
  for (char *line = buf, *next; line && *line; line = next)
    {
      char *c1, *c2;

      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      c1 = strchr (line, ':');
      c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL)
        continue;
      *c2 = '\0';
      for (size_t i = 0; i < nm; i++)
        {
          if (c1[1] == '\0' && m[i].v2 && ret->v2 == NULL)
            {
              ret->v2 = dir_on (&m[i], c2 + 1);
              if (ret->v2)
                ret->v2_root = xstrdup (m[i].target);
            }
          for (size_t k = 0; c1[1] && !m[i].v2 && k < ARRAY_SIZE (names); k++)
            if (*dst[k] == NULL && has_opt (c1 + 1, names[k]) && has_opt (m[i].opts, names[k]))
              {
                *dst[k] = dir_on (&m[i], c2 + 1);
                if (k == 1 && *dst[k])
                  ret->cpu_root = xstrdup (m[i].target);
              }
        }
    }
  for (size_t i = 0; i < nm; i++)
    {
      free (m[i].root);
      free (m[i].target);
      free (m[i].opts);
    }
  free (m);
  return 0;
}

void
pe_discovered_release (struct pe_discovered *d)
{
  free (d->v2);
  free (d->v2_root);
  free (d->memory);
  free (d->cpu);
  free (d->cpu_root);
  free (d->cpuacct);
  free (d->cpuset);
  free (d->blkio);
  free (d->pids);
  memset (d, 0, sizeof (*d));
}

void
pe_discovered_apply (const struct pe_discovered *d, struct pe_collect_config *cfg)
{
  cfg->v2 = d->v2;
  cfg->v2_root = d->v2_root;
  cfg->memory = d->memory;
  cfg->cpu = d->cpu;
  cfg->cpu_root = d->cpu_root;
  cfg->cpuacct = d->cpuacct;
  cfg->cpuset = d->cpuset;
  cfg->blkio = d->blkio;
  cfg->pids = d->pids;
}
