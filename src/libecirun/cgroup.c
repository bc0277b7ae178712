/* The cgroup front: mode detection, where the cgroup of a container lives in each hierarchy,
   the operations that do not depend on the version (pids, destroy), dispatch to the backend. */
#include <config.h>
#include "cgroup.h"
#include "log.h"
#include "cgroup_internal.h"
#include "mountinfo.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

enum cgroup_mode
cgroup_detect_mode (void)
{
  struct statfs sfs;

  if (statfs (CGROUP_ROOT, &sfs) == 0 && (unsigned long)sfs.f_type == CGROUP2_SUPER_MAGIC)
    return CGROUP_MODE_V2;
  return CGROUP_MODE_V1;
}

/* Pure helpers. */

uint64_t
cgroup_shares_to_weight (uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
cgroup_blkio_weight_to_io_weight (uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + ((weight - 10) * 9999) / 990;
}

int
cgroup_swap_to_v2 (struct opt_i64 swap, struct opt_i64 limit, bool *ret_set, int64_t *ret,
                   ecirun_error_t *err)
{
  int64_t s = swap.set ? swap.v : 0;
  int64_t m = limit.set ? limit.v : 0;

  *ret_set = false;
  *ret = 0;
  /* Like the v1 controller: an unlimited memory with swap unset makes swap unlimited too. */
  if (m == -1 && s == 0)
    {
      *ret_set = true;
      *ret = -1;
      return 0;
    }
  if (s == 0)
    return 0;
  if (s == -1)
    {
      *ret_set = true;
      *ret = -1;
      return 0;
    }
  if (s < 0)
    return make_error (err, 0, "cgroup: invalid memory swap value %lld", (long long)s);
  if (m == 0 || m == -1)
    return make_error (err, 0, "cgroup: unable to set swap limit without memory limit");
  if (m < 0)
    return make_error (err, 0, "cgroup: invalid memory value %lld", (long long)m);
  if (s < m)
    return make_error (err, 0, "cgroup: memory+swap limit (%lld) should be >= memory limit (%lld)",
                       (long long)s, (long long)m);
  *ret_set = true;
  *ret = s - m;
  return 0;
}

/* Append `comp` (a path component, without '/') to the growing path. */
static void
path_append (char **path, size_t *len, const char *comp, size_t comp_len)
{
  *path = xrealloc (*path, *len + comp_len + 2);
  (*path)[(*len)++] = '/';
  memcpy (*path + *len, comp, comp_len);
  *len += comp_len;
  (*path)[*len] = '\0';
}

/* Append the components of src, refusing "..". */
static int
path_append_all (char **path, size_t *len, const char *src, const char *orig, ecirun_error_t *err)
{
  const char *p = src;

  while (*p)
    {
      const char *end;
      size_t n;

      while (*p == '/')
        p++;
      if (*p == '\0')
        break;
      end = strchrnul (p, '/');
      n = end - p;
      if (n == 2 && p[0] == '.' && p[1] == '.')
        return make_error (err, 0, "cgroup: invalid cgroups path \"%s\": \"..\" is not allowed",
                           orig);
      if (!(n == 1 && p[0] == '.'))
        path_append (path, len, p, n);
      p = end;
    }
  return 0;
}

int
cgroup_resolve_path (const char *cgroups_path, const char *id, const char *own_cgroup, char **ret,
                     ecirun_error_t *err)
{
  cleanup_free char *path = NULL;
  size_t len = 0;

  path = xmalloc0 (1);
  if (cgroups_path == NULL || cgroups_path[0] == '\0')
    {
      if (id == NULL || id[0] == '\0' || strchr (id, '/') || strcmp (id, ".") == 0
          || strcmp (id, "..") == 0)
        return make_error (err, 0, "cgroup: invalid container id \"%s\"", id ? id : "");
      path_append (&path, &len, "ecirun", 6);
      path_append (&path, &len, id, strlen (id));
    }
  else if (strchr (cgroups_path, ':'))
    return make_error (err, 0,
                       "systemd cgroup driver is not supported yet (linux.cgroupsPath \"%s\")",
                       cgroups_path);
  else
    {
      if (cgroups_path[0] != '/'
          && path_append_all (&path, &len, own_cgroup ? own_cgroup : "/", cgroups_path, err) < 0)
        return -1;
      if (path_append_all (&path, &len, cgroups_path, cgroups_path, err) < 0)
        return -1;
    }
  if (len == 0)
    {
      free (path);
      path = xstrdup ("/");
    }
  *ret = TAKE_PTR (path);
  return 0;
}

/* Whether the comma-separated list has `name` as one of its elements. */
static bool
controller_in (const char *list, const char *name)
{
  size_t nl = strlen (name);
  for (const char *p = list;;)
    {
      const char *end = strchrnul (p, ',');
      if ((size_t)(end - p) == nl && memcmp (p, name, nl) == 0)
        return true;
      if (*end == '\0')
        return false;
      p = end + 1;
    }
}

/* Whether two comma-separated controller lists name the same set. */
static bool
controllers_equal (const char *a, size_t a_len, const char *b)
{
  size_t b_len = strlen (b), na = 0, nb = 0;
  const char *p, *end;

  for (p = a; p < a + a_len; p = end + 1)
    {
      end = memchr (p, ',', a + a_len - p);
      if (end == NULL)
        end = a + a_len;
      na++;
      /* look for [p, end) in b */
      {
        const char *q = b, *qe;
        bool found = false;
        for (; q <= b + b_len; q = qe + 1)
          {
            qe = strchrnul (q, ',');
            if ((size_t)(qe - q) == (size_t)(end - p) && memcmp (q, p, end - p) == 0)
              found = true;
            if (*qe == '\0')
              break;
          }
        if (!found)
          return false;
      }
    }
  if (b_len > 0)
    for (p = b;; p++)
      {
        p = strchrnul (p, ',');
        nb++;
        if (*p == '\0')
          break;
      }
  return na == nb;
}

char *
cgroup_parse_proc_self (const char *content, const char *controllers)
{
  const char *line = content;

  while (line && *line)
    {
      const char *eol = strchrnul (line, '\n');
      const char *c1 = memchr (line, ':', eol - line);
      const char *c2 = c1 ? memchr (c1 + 1, ':', eol - c1 - 1) : NULL;

      if (c2)
        {
          bool match;
          if (controllers[0] == '\0')
            match = (c2 == c1 + 1 && c1 - line == 1 && line[0] == '0');
          else
            match = c2 > c1 + 1 && controllers_equal (c1 + 1, c2 - c1 - 1, controllers);
          if (match)
            return strndup (c2 + 1, eol - c2 - 1);
        }
      line = *eol ? eol + 1 : NULL;
    }
  return NULL;
}

/* File helpers. */

static int
cgroup_write_internal (const char *dir, const char *file, const char *value, bool *ret_missing,
                       ecirun_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = -1;
  size_t len = strlen (value);
  ssize_t n;

  if (ret_missing)
    *ret_missing = false;
  fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT && ret_missing)
    {
      *ret_missing = true;
      return 0;
    }
  if (fd < 0)
    return make_error (err, errno, "cgroup: open %s", path);
  /* cgroup files take one value per write(2): no retry loop splitting the value. */
  do
    n = write (fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return make_error (err, errno, "cgroup: write %s to %s", value, path);
  if ((size_t)n != len)
    return make_error (err, EIO, "cgroup: short write of %s to %s", value, path);
  return 0;
}

int
cgroup_write (const char *dir, const char *file, const char *value, ecirun_error_t *err)
{
  return cgroup_write_internal (dir, file, value, NULL, err);
}

int
cgroup_write_if_exists (const char *dir, const char *file, const char *value, bool *ret_missing,
                        ecirun_error_t *err)
{
  return cgroup_write_internal (dir, file, value, ret_missing, err);
}

int
cgroup_read (const char *dir, const char *file, char **ret, ecirun_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  ecirun_error_t tmp = NULL;

  if (read_file_at (AT_FDCWD, path, &buf, &len, 0, &tmp) < 0)
    {
      int e = tmp ? tmp->errnum : EIO;
      error_release (&tmp);
      errno = e;
      return make_error (err, e, "cgroup: read %s", path);
    }
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
    buf[--len] = '\0';
  *ret = TAKE_PTR (buf);
  return 0;
}

int
cgroup_read_if_exists (const char *dir, const char *file, char **ret, ecirun_error_t *err)
{
  ecirun_error_t tmp = NULL;

  *ret = NULL;
  if (cgroup_read (dir, file, ret, &tmp) == 0)
    return 0;
  if (tmp->errnum == ENOENT)
    {
      error_release (&tmp);
      return 0;
    }
  return cgroup_error_move (err, &tmp);
}

bool
cgroup_file_exists (const char *dir, const char *file)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  return access (path, F_OK) == 0;
}

bool
cgroup_hier_has (const struct cgroup_hier *h, const char *controller)
{
  return !h->unified && controller[0] && controller_in (h->controllers, controller);
}

int
cgroup_error_move (ecirun_error_t *err, ecirun_error_t *tmp)
{
  if (err && *err == NULL)
    *err = *tmp;
  else
    error_release (tmp);
  *tmp = NULL;
  return -1;
}

/* Hierarchies: /proc/self/mountinfo. */

static const char *const v1_controllers[]
    = { "cpu",     "cpuacct",  "cpuset",     "memory",  "devices", "freezer", "blkio", "pids",
        "net_cls", "net_prio", "perf_event", "hugetlb", "rdma",    "misc",    "debug" };

/* The controllers of a v1 mount, out of its super options ("rw,cpu,cpuacct"): "cpu,cpuacct". */
static char *
v1_controllers_of (const char *superopts)
{
  cleanup_free char *copy = xstrdup (superopts);
  char *res = xmalloc0 (strlen (superopts) + 1), *save = NULL;
  size_t len = 0;

  for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      bool keep = strncmp (tok, "name=", 5) == 0;
      for (size_t i = 0; !keep && i < ARRAY_SIZE (v1_controllers); i++)
        keep = strcmp (tok, v1_controllers[i]) == 0;
      if (!keep)
        continue;
      if (len)
        res[len++] = ',';
      strcpy (res + len, tok);
      len += strlen (tok);
    }
  if (len == 0)
    {
      free (res);
      return NULL;
    }
  return res;
}

static void
hier_release (struct cgroup_hier *h)
{
  free (h->mountpoint);
  free (h->mount_root);
  free (h->controllers);
  free (h->path);
  free (h->dir);
}

static void
hiers_free (struct cgroup_hier *h, size_t n)
{
  for (size_t i = 0; i < n; i++)
    hier_release (&h[i]);
  free (h);
}

/* List the hierarchies to use in `mode`: on v2 the cgroup2 mount at /sys/fs/cgroup; on v1 every
   controller hierarchy (first mount of each superblock) and the cgroup2 one (hybrid). */
static int
list_hierarchies (enum cgroup_mode mode, struct cgroup_hier **ret, size_t *ret_n,
                  ecirun_error_t *err)
{
  struct mountinfo_entry *mi = NULL;
  struct cgroup_hier *hiers = NULL;
  size_t n = 0, n_mi = 0;
  unsigned int (*devs)[2] = NULL; /* superblocks already seen */

  if (mountinfo_read ("/proc/self/mountinfo", &mi, &n_mi, err) < 0)
    return -1;
  for (size_t k = 0; k < n_mi; k++)
    {
      const struct mountinfo_entry *e = &mi[k];
      char *controllers = NULL;
      bool v2, dup = false;

      if (strcmp (e->fstype, "cgroup2") == 0)
        v2 = true;
      else if (strcmp (e->fstype, "cgroup") == 0 && mode == CGROUP_MODE_V1)
        v2 = false;
      else
        continue;
      if (mode == CGROUP_MODE_V2 && strcmp (e->mount_point, CGROUP_ROOT) != 0)
        continue;
      if (!v2)
        {
          controllers = v1_controllers_of (e->super_opts);
          if (controllers == NULL)
            continue;
        }
      for (size_t j = 0; j < n; j++)
        dup |= devs[j][0] == e->major && devs[j][1] == e->minor;
      /* On hybrid hosts only the cgroup2 mount at /sys/fs/cgroup/unified is the one to use. */
      if (dup
          || (v2 && mode == CGROUP_MODE_V1 && strcmp (e->mount_point, CGROUP_ROOT "/unified") != 0))
        {
          free (controllers);
          continue;
        }
      devs = xrealloc (devs, (n + 1) * sizeof (*devs));
      devs[n][0] = e->major;
      devs[n][1] = e->minor;
      hiers = xrealloc (hiers, (n + 1) * sizeof (*hiers));
      memset (&hiers[n], 0, sizeof (hiers[n]));
      hiers[n].mountpoint = xstrdup (e->mount_point);
      hiers[n].mount_root = xstrdup (e->root);
      hiers[n].controllers = controllers ? controllers : xstrdup ("");
      hiers[n].unified = v2;
      n++;
    }
  free (devs);
  mountinfo_free (mi, n_mi);
  if (n == 0)
    {
      free (hiers);
      return make_error (err, 0, "cgroup: no %s hierarchy mounted under %s",
                         mode == CGROUP_MODE_V2 ? "cgroup2" : "cgroup", CGROUP_ROOT);
    }
  *ret = hiers;
  *ret_n = n;
  return 0;
}

/* dir = mountpoint + path, minus the mount's root when the mount shows a sub-tree. */
static char *
hier_dir (const struct cgroup_hier *h, const char *path)
{
  const char *rel = path;
  size_t rl = strlen (h->mount_root);

  if (strcmp (h->mount_root, "/") != 0 && strncmp (path, h->mount_root, rl) == 0
      && (path[rl] == '/' || path[rl] == '\0'))
    rel = path + rl;
  if (strcmp (rel, "/") == 0 || rel[0] == '\0')
    return xstrdup (h->mountpoint);
  return xasprintf ("%s%s", h->mountpoint, rel);
}

/* A saved path is either one path valid in every hierarchy ("/ecirun/x"), or, when a relative
   cgroupsPath resolved differently per v1 hierarchy, "controllers:path" entries joined by ';'
   (the unified hierarchy has empty controllers, as in /proc/self/cgroup). */
static const char *
saved_lookup (const char *saved, const char *controllers, size_t *ret_len)
{
  const char *p = saved;
  while (*p)
    {
      const char *end = strchrnul (p, ';');
      const char *colon = memchr (p, ':', end - p);
      if (colon && controllers_equal (p, colon - p, controllers)
          && (colon > p || controllers[0] == '\0'))
        {
          *ret_len = end - colon - 1;
          return colon + 1;
        }
      p = *end ? end + 1 : end;
    }
  return NULL;
}

static void
compute_saved_path (struct cgroup *cg)
{
  bool uniform = true;
  size_t len = 0;

  for (size_t i = 1; i < cg->n_hiers; i++)
    uniform &= strcmp (cg->hiers[i].path, cg->hiers[0].path) == 0;
  if (uniform)
    {
      cg->saved_path = xstrdup (cg->hiers[0].path);
      return;
    }
  for (size_t i = 0; i < cg->n_hiers; i++)
    len += strlen (cg->hiers[i].controllers) + strlen (cg->hiers[i].path) + 2;
  cg->saved_path = xmalloc0 (len + 1);
  for (size_t i = 0; i < cg->n_hiers; i++)
    {
      if (i)
        strcat (cg->saved_path, ";");
      strcat (cg->saved_path, cg->hiers[i].controllers);
      strcat (cg->saved_path, ":");
      strcat (cg->saved_path, cg->hiers[i].path);
    }
}

/* Build the in-memory cgroup: either from linux.cgroupsPath (create) or from a saved path. */
static int
cgroup_build (const char *cgroups_path, const char *id, const char *saved, struct cgroup **ret,
              ecirun_error_t *err)
{
  struct cgroup *cg;
  cleanup_free char *self = NULL;
  bool need_self;

  /* Refuse the systemd form before looking at the host. */
  if (saved == NULL && cgroups_path && strchr (cgroups_path, ':'))
    return cgroup_resolve_path (cgroups_path, id, NULL, &self, err);

  cg = xmalloc0 (sizeof (*cg));
  cg->dirfd = -1;
  cg->mode = cgroup_detect_mode ();
  cg->ops = cg->mode == CGROUP_MODE_V2 ? &cgroup_v2_ops : &cgroup_v1_ops;
  if (list_hierarchies (cg->mode, &cg->hiers, &cg->n_hiers, err) < 0)
    goto fail;

  need_self = saved == NULL && cgroups_path && cgroups_path[0] && cgroups_path[0] != '/';
  if (need_self && read_file_at (AT_FDCWD, "/proc/self/cgroup", &self, NULL, 0, err) < 0)
    goto fail;

  for (size_t i = 0; i < cg->n_hiers; i++)
    {
      struct cgroup_hier *h = &cg->hiers[i];
      cleanup_free char *own = NULL;

      if (saved && saved[0] == '/')
        {
          if (cgroup_resolve_path (saved, NULL, NULL, &h->path, err) < 0)
            goto fail;
        }
      else if (saved)
        {
          size_t len = 0;
          const char *p = saved_lookup (saved, h->controllers, &len);
          cleanup_free char *one = NULL;
          if (p == NULL)
            {
              make_error (err, 0, "cgroup: saved path \"%s\" has no entry for hierarchy %s", saved,
                          h->mountpoint);
              goto fail;
            }
          one = strndup (p, len);
          if (one[0] != '/' || cgroup_resolve_path (one, NULL, NULL, &h->path, err) < 0)
            {
              make_error (err, 0, "cgroup: invalid saved path \"%s\"", saved);
              goto fail;
            }
        }
      else
        {
          if (need_self)
            {
              own = cgroup_parse_proc_self (self, h->controllers);
              if (own == NULL)
                {
                  make_error (err, 0, "cgroup: cannot find the cgroup of the runtime for %s",
                              h->unified ? "cgroup2" : h->controllers);
                  goto fail;
                }
            }
          if (cgroup_resolve_path (cgroups_path, id, own, &h->path, err) < 0)
            goto fail;
        }
      h->dir = hier_dir (h, h->path);
    }
  compute_saved_path (cg);
  *ret = cg;
  return 0;

fail:
  cgroup_free (cg);
  return -1;
}

void
cgroup_free (struct cgroup *cg)
{
  if (cg == NULL)
    return;
  if (cg->dirfd >= 0)
    close (cg->dirfd);
  hiers_free (cg->hiers, cg->n_hiers);
  free (cg->saved_path);
  free (cg);
}

/* Remove the leaves this process created (error paths of create). */
static void
remove_created (struct cgroup *cg)
{
  for (size_t i = 0; i < cg->n_hiers; i++)
    if (cg->hiers[i].created)
      {
        rmdir (cg->hiers[i].dir);
        cg->hiers[i].created = false;
      }
}

int
cgroup_create (const char *cgroups_path, const char *id, const struct resources_config *res,
               struct cgroup **ret, ecirun_error_t *err)
{
  struct cgroup *cg = NULL;

  if (cgroup_build (cgroups_path, id, NULL, &cg, err) < 0)
    return -1;
  if (cg->ops->create (cg, err) < 0)
    goto fail;
  {
    /* A cgroup that already exists (an engine's, a leftover) must not be frozen: the init
       would hang in it. Processes there are allowed, as runc does, with a warning. */
    bool frozen = false, existed = false;
    pid_t *pids = NULL;
    size_t n = 0;
    for (size_t i = 0; i < cg->n_hiers; i++)
      existed |= !cg->hiers[i].created;
    /* A cgroup this create made is neither. */
    if (existed && cg->ops->is_frozen (cg, &frozen, NULL) == 0 && frozen)
      {
        make_error (err, 0,
                    "container's cgroup unexpectedly frozen (%s): thaw it or use another "
                    "cgroupsPath",
                    cg->saved_path);
        goto fail;
      }
    if (existed && cgroup_pids (cg, &pids, &n, NULL) == 0 && n > 0)
      log_msg (LOG_LEVEL_WARNING, "container's cgroup is not empty: %zu process(es) found in %s", n,
               cg->saved_path);
    free (pids);
  }
  if (res && cg->ops->apply (cg, res, err) < 0)
    goto fail;
  *ret = cg;
  return 0;

fail:
  remove_created (cg);
  cgroup_free (cg);
  return -1;
}

int
cgroup_open (const char *saved_path, struct cgroup **ret, ecirun_error_t *err)
{
  if (saved_path == NULL || saved_path[0] == '\0')
    return make_error (err, 0, "cgroup: empty saved cgroup path");
  return cgroup_build (NULL, NULL, saved_path, ret, err);
}

const char *
cgroup_get_path (const struct cgroup *cg)
{
  return cg->saved_path;
}

/* Does the controller list c[0..len) ("memory", "cpu,cpuacct"; "" for cgroup2) name hierarchy
   h? Each name must be one of h's controllers. */
static bool
hier_named (const struct cgroup_hier *h, const char *c, size_t len)
{
  if (len == 0)
    return h->unified;
  for (size_t i = 0; i < len;)
    {
      size_t n = strcspn (c + i, ",");
      bool found = false;
      if (n > len - i)
        n = len - i;
      for (const char *p = h->controllers; p && *p && !found;)
        {
          size_t m = strcspn (p, ",");
          found = m == n && strncmp (p, c + i, n) == 0;
          p += m + (p[m] == ',');
        }
      if (!found)
        return false;
      i += n + 1;
    }
  return true;
}

int
cgroup_descend (struct cgroup *cg, char *const *specs, ecirun_error_t *err)
{
  /* A controller no hierarchy has is a mistake, not a no-op. */
  for (char *const *s = specs; s && *s; s++)
    {
      const char *colon = strchr (*s, ':');
      bool known = colon == NULL || (colon == *s && cg->mode == CGROUP_MODE_V2);
      for (size_t i = 0; i < cg->n_hiers && !known; i++)
        known = hier_named (&cg->hiers[i], *s, colon - *s);
      if (!known)
        return make_error (err, 0, "exec --cgroup: unknown controller \"%.*s\"", (int)(colon - *s),
                           *s);
    }
  for (size_t i = 0; i < cg->n_hiers; i++)
    {
      struct cgroup_hier *h = &cg->hiers[i];
      const char *sub = NULL;
      struct stat st;
      cleanup_free char *dir = NULL;

      for (char *const *s = specs; s && *s; s++)
        {
          const char *colon = strchr (*s, ':');
          if (colon == NULL)
            sub = sub ? sub : *s;
          else if (hier_named (h, *s, colon - *s) || (cg->mode == CGROUP_MODE_V2 && colon == *s))
            sub = colon + 1;
        }
      if (sub == NULL)
        continue;
      while (*sub == '/')
        sub++;
      if (strcmp (sub, "..") == 0 || strncmp (sub, "../", 3) == 0 || strstr (sub, "/../")
          || (strlen (sub) >= 3 && strcmp (sub + strlen (sub) - 3, "/..") == 0))
        return make_error (err, 0,
                           "exec --cgroup: %s is not a sub cgroup path (it leaves the "
                           "container's cgroup)",
                           sub);
      if (*sub == '\0')
        continue;
      dir = xasprintf ("%s/%s", h->dir, sub);
      if (stat (dir, &st) < 0 || !S_ISDIR (st.st_mode))
        return make_error (err, errno ? errno : ENOTDIR,
                           "exec --cgroup: no sub-cgroup `%s` of the container in %s (adding "
                           "pid to %s/cgroup.procs)",
                           sub, h->unified ? "cgroup2" : h->controllers, dir);
      free (h->dir);
      h->dir = TAKE_PTR (dir);
      {
        char *path = xasprintf ("%s/%s", strcmp (h->path, "/") ? h->path : "", sub);
        free (h->path);
        h->path = path;
      }
    }
  if (cg->dirfd >= 0)
    {
      close (cg->dirfd);
      cg->dirfd = -1;
    }
  return 0;
}

int
cgroup_clone_fd (struct cgroup *cg)
{
  if (cg->mode != CGROUP_MODE_V2)
    return -1;
  if (cg->dirfd < 0)
    cg->dirfd = open (cg->hiers[0].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return cg->dirfd;
}

int
cgroup_enter (struct cgroup *cg, pid_t pid, ecirun_error_t *err)
{
  return cg->ops->enter (cg, pid, err);
}

int
cgroup_apply (struct cgroup *cg, const struct resources_config *res, ecirun_error_t *err)
{
  if (res == NULL)
    return 0;
  return cg->ops->apply (cg, res, err);
}

int
cgroup_freeze (struct cgroup *cg, bool frozen, ecirun_error_t *err)
{
  return cg->ops->freeze (cg, frozen, err);
}

int
cgroup_is_frozen (struct cgroup *cg, bool *ret, ecirun_error_t *err)
{
  return cg->ops->is_frozen (cg, ret, err);
}

/* Pids and destruction: the same on both versions. */

static void
pids_push (pid_t **pids, size_t *n, pid_t pid)
{
  /* grow at powers of two */
  if (*n == 0 || (*n >= 16 && (*n & (*n - 1)) == 0))
    *pids = xrealloc (*pids, (*n ? *n * 2 : 16) * sizeof (pid_t));
  (*pids)[(*n)++] = pid;
}

/* Append the pids of the cgroup.procs of the cgroup dfd; a cgroup that vanished has none. */
static int
read_procs_at (int dfd, pid_t **pids, size_t *n, ecirun_error_t *err)
{
  cleanup_free char *buf = NULL;
  ecirun_error_t tmp = NULL;
  char *save = NULL;

  if (read_file_at (dfd, "cgroup.procs", &buf, NULL, 0, &tmp) < 0)
    {
      if (tmp->errnum == ENOENT || tmp->errnum == ENODEV)
        {
          error_release (&tmp);
          return 0;
        }
      return cgroup_error_move (err, &tmp);
    }
  for (char *tok = strtok_r (buf, "\n", &save); tok; tok = strtok_r (NULL, "\n", &save))
    {
      int64_t v;
      if (parse_i64 (tok, &v) == 0 && v > 0)
        pids_push (pids, n, (pid_t)v);
    }
  return 0;
}

/* The smallest name of a sub-cgroup (directory) of dfd greater than `after` (any, when NULL);
   NULL when there is none. The order makes a walk resumable from a name alone. */
static char *
next_subdir (int dfd, const char *after)
{
  int fd = dup (dfd);
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  char *best = NULL;

  if (fd < 0)
    return NULL;
  d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return NULL;
    }
  rewinddir (d);
  while ((de = readdir (d)))
    {
      struct stat st;

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (de->d_type != DT_DIR
          && (de->d_type != DT_UNKNOWN || fstatat (dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
              || !S_ISDIR (st.st_mode)))
        continue;
      if (after && strcmp (de->d_name, after) <= 0)
        continue;
      if (best == NULL || strcmp (de->d_name, best) < 0)
        {
          free (best);
          best = xstrdup (de->d_name);
        }
    }
  return best;
}

struct walk_ops
{
  /* On every cgroup of the tree, the top included, parents before children. */
  int (*pre) (int dfd, void *data);
  /* On every sub-cgroup once all of its own are done, with its parent and its name. */
  int (*post) (int parent, const char *name, size_t depth, void *data);
  void *data;
};

/* Walk the cgroup tree at `top`, however deep (a container with a delegated cgroup makes what
   it likes below it), holding two fds at a time and no path longer than one name: the way back
   up is "..", which a cgroup's rename (only ever within its parent) does not change. */
static int
walk_tree (const char *top, const struct walk_ops *ops, ecirun_error_t *err)
{
  cleanup_close int cur = open (top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char **names = NULL; /* the name taken at each level on the way down */
  size_t depth = 0;
  char *after = NULL;
  int ret = 0;

  if (cur < 0)
    return errno == ENOENT ? 0 : make_error (err, errno, "cgroup: open %s", top);
  if (ops->pre && ops->pre (cur, ops->data) < 0)
    ret = -1;
  for (;;)
    {
      char *child = next_subdir (cur, after);
      int next;

      free (after);
      after = NULL;
      if (child)
        {
          next = openat (cur, child, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (next < 0)
            {
              after = child; /* gone meanwhile: on to the next one */
              continue;
            }
          if ((depth & (depth - 1)) == 0)
            names = xrealloc (names, (depth ? depth * 2 : 1) * sizeof (char *));
          names[depth++] = child;
          close (cur);
          cur = next;
          if (ops->pre && ops->pre (cur, ops->data) < 0)
            ret = -1;
          continue;
        }
      if (depth == 0)
        break;
      next = openat (cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (next < 0)
        {
          ret = make_error (err, errno, "cgroup: walk back up below %s", top);
          break;
        }
      close (cur);
      cur = next;
      after = names[--depth];
      if (ops->post && ops->post (cur, after, depth + 1, ops->data) < 0)
        ret = -1;
    }
  free (after);
  while (depth > 0)
    free (names[--depth]);
  free (names);
  return ret;
}

struct pids_walk
{
  pid_t *pids;
  size_t n;
  ecirun_error_t *err;
};

static int
pids_walk_fn (int dfd, void *data)
{
  struct pids_walk *w = data;
  return read_procs_at (dfd, &w->pids, &w->n, w->err);
}

int
cgroup_pids (struct cgroup *cg, pid_t **ret, size_t *ret_n, ecirun_error_t *err)
{
  struct cgroup_hier *h = cg->ops->procs_hier (cg);
  struct pids_walk w = { NULL, 0, err };
  struct walk_ops ops = { .pre = pids_walk_fn, .data = &w };

  *ret = NULL;
  *ret_n = 0;
  if (h == NULL)
    return make_error (err, 0, "cgroup: no hierarchy to list the processes of %s", cg->saved_path);
  if (walk_tree (h->dir, &ops, err) < 0)
    {
      free (w.pids);
      return -1;
    }
  *ret = w.pids;
  *ret_n = w.n;
  return 0;
}

static int
kill_fn (int dfd, void *data)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;

  (void)data;
  if (read_procs_at (dfd, &pids, &n, NULL) < 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    kill (pids[i], SIGKILL);
  return 0;
}

/* rmdir name in parent, killing what is left in it. The kernel drops exited tasks from a
   cgroup asynchronously: retry for about a second. */
static int
rmdir_at (int parent, const char *name, const char *what, ecirun_error_t *err)
{
  struct timespec ts = { 0, 10 * 1000 * 1000 };

  for (int attempt = 0; attempt < 100; attempt++)
    {
      cleanup_close int fd = -1;

      if (unlinkat (parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY)
        return make_error (err, errno, "cgroup: rmdir %s", what);
      fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0)
        kill_fn (fd, NULL);
      nanosleep (&ts, NULL);
    }
  return make_error (err, EBUSY, "cgroup: rmdir %s", what);
}

struct rmdir_walk
{
  const char *top;
  ecirun_error_t *err;
};

static int
rmdir_walk_fn (int parent, const char *name, size_t depth, void *data)
{
  struct rmdir_walk *w = data;
  cleanup_free char *what = xasprintf ("`%s` (%zu levels below %s)", name, depth, w->top);
  ecirun_error_t local = NULL;

  if (rmdir_at (parent, name, what, &local) == 0)
    return 0;
  /* Keep the first error: the others follow from it (a parent left busy by a child). */
  if (w->err && *w->err == NULL)
    *w->err = TAKE_PTR (local);
  else
    error_release (&local);
  return -1;
}

/* Remove the tree at dir, children first. */
static int
remove_tree (const char *dir, ecirun_error_t *err)
{
  struct rmdir_walk w = { dir, err };
  struct walk_ops ops = { .post = rmdir_walk_fn, .data = &w };
  cleanup_free char *parent = xstrdup (dir);
  cleanup_close int pfd = -1;
  size_t len = strlen (parent);
  char *slash;

  if (walk_tree (dir, &ops, err) < 0)
    return -1;
  while (len > 1 && parent[len - 1] == '/')
    parent[--len] = '\0';
  slash = strrchr (parent, '/');
  if (slash == NULL || slash == parent)
    return make_error (err, EINVAL, "cgroup: will not remove %s", dir);
  *slash = '\0';
  pfd = open (parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pfd < 0)
    return errno == ENOENT ? 0 : make_error (err, errno, "cgroup: open %s", parent);
  return rmdir_at (pfd, slash + 1, dir, err);
}

int
cgroup_destroy (struct cgroup *cg, ecirun_error_t *err)
{
  int ret = 0;

  for (size_t i = 0; i < cg->n_hiers; i++)
    {
      struct cgroup_hier *h = &cg->hiers[i];
      /* cgroup.kill (5.14+) kills the whole sub-tree at once, frozen or not. */
      if (h->unified && cgroup_file_exists (h->dir, "cgroup.kill"))
        cgroup_write (h->dir, "cgroup.kill", "1", NULL);
      else
        {
          struct walk_ops ops = { .pre = kill_fn };
          walk_tree (h->dir, &ops, NULL);
        }
    }
  /* A task killed in a frozen v1 cgroup only dies once thawed; thaw v2 too, to be safe. */
  for (size_t i = 0; i < cg->n_hiers; i++)
    {
      struct cgroup_hier *h = &cg->hiers[i];
      if (cgroup_hier_has (h, "freezer") && cgroup_file_exists (h->dir, "freezer.state"))
        cgroup_write (h->dir, "freezer.state", "THAWED", NULL);
      else if (h->unified && cgroup_file_exists (h->dir, "cgroup.freeze"))
        cgroup_write (h->dir, "cgroup.freeze", "0", NULL);
    }
  for (size_t i = 0; i < cg->n_hiers; i++)
    {
      struct cgroup_hier *h = &cg->hiers[i];
      if (access (h->dir, F_OK) < 0)
        continue;
      /* Never remove the root of a hierarchy (cgroupsPath "/"). */
      if (strcmp (h->dir, h->mountpoint) == 0)
        continue;
      if (remove_tree (h->dir, err) < 0)
        ret = -1;
    }
  return ret;
}

/* The files that manage membership, one per line. v2: what /sys/kernel/cgroup/delegate lists, or
   this when the kernel does not say. */
static const char v1_delegated_files[] = "cgroup.procs\ntasks\ncgroup.clone_children\n";
static const char v2_delegated_default[] = "cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n";

static int
delegate_dir (const char *dir, const char *files, uid_t uid, gid_t gid, ecirun_error_t *err)
{
  cleanup_close int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (dfd < 0 || fchown (dfd, uid, gid) < 0)
    return make_error (err, errno, "cgroup: delegate %s to %u:%u", dir, (unsigned)uid,
                       (unsigned)gid);
  for (const char *f = files; *f;)
    {
      size_t len = strcspn (f, "\n");
      cleanup_free char *name = strndup (f, len);
      if (len && fchownat (dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
        return make_error (err, errno, "cgroup: delegate %s/%s", dir, name);
      f += len + (f[len] == '\n');
    }
  return 0;
}

int
cgroup_delegate (struct cgroup *cg, uid_t uid, gid_t gid, ecirun_error_t *err)
{
  cleanup_free char *v2_files = NULL;

  for (size_t i = 0; i < cg->n_hiers; i++)
    {
      struct cgroup_hier *h = &cg->hiers[i];
      if (!h->created)
        continue;
      if (h->unified && v2_files == NULL
          && read_file_at (AT_FDCWD, "/sys/kernel/cgroup/delegate", &v2_files, NULL, 0, NULL) < 0)
        v2_files = xstrdup (v2_delegated_default);
      if (delegate_dir (h->dir, h->unified ? v2_files : v1_delegated_files, uid, gid, err) < 0)
        return -1;
    }
  return 0;
}

int
cgroup_make_dir_levels (struct cgroup_hier *h, cgroup_level_fn step, ecirun_error_t *err)
{
  const char *rel = h->dir + strlen (h->mountpoint);
  cleanup_free char *cur = xstrdup (h->mountpoint);

  while (*rel)
    {
      const char *end;
      char *next;
      bool last;

      while (*rel == '/')
        rel++;
      if (*rel == '\0')
        break;
      end = strchrnul (rel, '/');
      last = end[strspn (end, "/")] == '\0';
      next = xasprintf ("%s/%.*s", cur, (int)(end - rel), rel);
      if (mkdir (next, 0755) == 0)
        h->created |= last;
      else if (errno != EEXIST)
        {
          make_error (err, errno, "cgroup: mkdir %s", next);
          free (next);
          return -1;
        }
      if (step && step (cur, next, err) < 0)
        {
          free (next);
          return -1;
        }
      free (cur);
      cur = next;
      rel = end;
    }
  return 0;
}
