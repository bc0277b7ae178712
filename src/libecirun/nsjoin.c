/* Joined namespaces and the containers they belong to (see nsjoin.h). */
#include <config.h>
#include "nsjoin.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "container_open.h"
#include "state.h"
#include "syscalls.h"
#include "utils.h"

struct key
{
  bool wanted;
  dev_t dev;
  ino_t ino;
};

/* Whether the process behind pidfd is still running (not exited, not a zombie). */
static bool
pidfd_alive (int pidfd)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };

  return poll (&p, 1, 0) == 0;
}

/* Did this container's config make namespace t, rather than join it? Joining any namespace by
   path joins the user namespace that owns it too (isolation_check_namespaces). */
static bool
config_created (int dirfd, enum ns_type t)
{
  struct oci_config *c = load_saved_config (dirfd);
  bool created = false;

  if (c && c->linux_cfg)
    {
      const struct namespace_config *ns = c->linux_cfg->namespaces;
      created = ns[t].path == NULL;
      for (int o = 0; t == NS_USER && o < NS__MAX; o++)
        if (ns[o].present && ns[o].path)
          created = false;
    }
  config_free (c);
  return created;
}

static void
add_match (struct nsjoin_owners *ret, enum ns_type t, const struct container_state *s, bool created)
{
  struct nsjoin_match m = { .id = xstrdup (s->id), .id_block = s->id_block, .created = created };
  size_t at = ret->n[t];

  ret->m[t] = xrealloc (ret->m[t], (ret->n[t] + 1) * sizeof (m));
  if (created)
    {
      /* Creators first. */
      for (at = 0; at < ret->n[t] && ret->m[t][at].created; at++)
        ;
      memmove (&ret->m[t][at + 1], &ret->m[t][at], (ret->n[t] - at) * sizeof (m));
    }
  ret->m[t][at] = m;
  ret->n[t]++;
}

/* Match one container's init against the keys. */
static void
match_container (int dirfd, const char *name, const struct key keys[NS__MAX],
                 struct nsjoin_owners *ret)
{
  struct container_state *s = NULL;
  ecirun_error_t e = NULL;
  cleanup_close int pidfd = -1;
  struct stat st[NS__MAX];
  bool hit[NS__MAX] = { false };
  bool any = false;

  if (state_read (dirfd, &s, &e) < 0)
    {
      error_release (&e);
      return;
    }
  if (s->pid <= 0 || s->id == NULL || strcmp (s->id, name) != 0)
    goto out;
  pidfd = open_init_pidfd (s, &e);
  if (pidfd < 0)
    {
      error_release (&e);
      goto out;
    }
  for (int t = 0; t < NS__MAX; t++)
    {
      cleanup_free char *path = NULL;
      if (!keys[t].wanted)
        continue;
      path = xasprintf ("/proc/%d/ns/%s", (int)s->pid, ns_type_proc_name (t));
      hit[t]
          = stat (path, &st[t]) == 0 && st[t].st_dev == keys[t].dev && st[t].st_ino == keys[t].ino;
      any |= hit[t];
    }
  /* The pid was the init's before the stats (start time) and still is after them (the init
     is alive: its pid cannot have been reused in between). */
  if (!any || !pidfd_alive (pidfd))
    goto out;
  for (int t = 0; t < NS__MAX; t++)
    if (hit[t])
      add_match (ret, t, s, config_created (dirfd, t));
out:
  state_free (s);
}

static int
find (const char *root, const struct key keys[NS__MAX], struct nsjoin_owners *ret,
      ecirun_error_t *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  bool wanted = false;

  memset (ret, 0, sizeof (*ret));
  for (int t = 0; t < NS__MAX; t++)
    wanted |= keys[t].wanted;
  if (!wanted)
    return 0;
  d = opendir (root);
  if (d == NULL)
    {
      if (errno == ENOENT)
        return 0;
      return make_error (err, errno, "open state directory `%s`", root);
    }
  while ((de = readdir (d)))
    {
      cleanup_close int fd = -1;

      if (de->d_name[0] == '.')
        continue;
      fd = openat (dirfd (d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0)
        match_container (fd, de->d_name, keys, ret);
    }
  return 0;
}

int
nsjoin_find_owners (const char *root, const struct linux_config *lc, struct nsjoin_owners *ret,
                    ecirun_error_t *err)
{
  struct key keys[NS__MAX] = { { 0 } };

  memset (ret, 0, sizeof (*ret));
  for (int t = 0; lc && t < NS__MAX; t++)
    {
      const struct namespace_config *ns = &lc->namespaces[t];
      struct stat st;

      if (!ns->present || ns->path == NULL)
        continue;
      if (stat (ns->path, &st) < 0)
        return make_error (err, errno, "%s namespace `%s`", ns_type_name (t), ns->path);
      keys[t] = (struct key){ true, st.st_dev, st.st_ino };
    }
  return find (root, keys, ret, err);
}

int
nsjoin_find_fd (const char *root, enum ns_type t, int ns_fd, struct nsjoin_owners *ret,
                ecirun_error_t *err)
{
  struct key keys[NS__MAX] = { { 0 } };
  struct stat st;

  memset (ret, 0, sizeof (*ret));
  if ((unsigned)t >= NS__MAX)
    return make_error (err, EINVAL, "namespace type %d", (int)t);
  if (fstat (ns_fd, &st) < 0)
    return make_error (err, errno, "stat the %s namespace", ns_type_name (t));
  keys[t] = (struct key){ true, st.st_dev, st.st_ino };
  return find (root, keys, ret, err);
}

void
nsjoin_owners_free (struct nsjoin_owners *o)
{
  for (int t = 0; t < NS__MAX; t++)
    {
      for (size_t i = 0; i < o->n[t]; i++)
        free (o->m[t][i].id);
      free (o->m[t]);
      o->m[t] = NULL;
      o->n[t] = 0;
    }
}
