/* Restricted host mounts, what a source is: its mount (by mount id), that mount's file system
   and the source's path inside it, and every place the host shows it (mount_guard.h). */
#include <config.h>
#include "mount_guard.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "mountinfo.h"
#include "overlay.h"
#include "utils.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

#define LISTENER_WHY "a unix socket that host root listens on"

struct source_id
{
  const struct mountinfo_entry *mnt; /* the mount it is on, NULL: not one of the host's */
  int mnt_id;
  char real[PATH_MAX]; /* its path as the host sees it */
  char *fspath;        /* its path inside the mount's file system */
  struct stat st;
};

static int
mount_id_of (int fd, int *ret)
{
  struct statx stx;
  char path[64], *text = NULL;

  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) == 0
      && (stx.stx_mask & STATX_MNT_ID))
    {
      *ret = (int)stx.stx_mnt_id;
      return 0;
    }
  /* Kernels before 5.8: the fd's fdinfo. */
  snprintf (path, sizeof (path), "/proc/self/fdinfo/%d", fd);
  if (read_file_at (AT_FDCWD, path, &text, NULL, 4096, NULL) == 0)
    {
      char *m = strstr (text, "mnt_id:");
      int ok = m && sscanf (m, "mnt_id: %d", ret) == 1;
      free (text);
      if (ok)
        return 0;
    }
  return -1;
}

static void
source_id_release (struct source_id *s)
{
  free (s->fspath);
  s->fspath = NULL;
}

/* Fill s for the O_PATH fd. Returns -1 with errno when the fd cannot be judged at all. */
static int
identify (const struct mount_guard *g, int fd, struct source_id *s)
{
  char link[64];
  ssize_t n;
  const char *rest;

  memset (s, 0, sizeof (*s));
  if (fstat (fd, &s->st) < 0 || mount_id_of (fd, &s->mnt_id) < 0)
    return -1;
  snprintf (link, sizeof (link), "/proc/self/fd/%d", fd);
  n = readlink (link, s->real, sizeof (s->real) - 1);
  if (n <= 0)
    return -1;
  s->real[n] = '\0';
  for (size_t i = 0; i < g->n_mounts; i++)
    if (g->mounts[i].id == s->mnt_id)
      s->mnt = &g->mounts[i];
  if (s->mnt == NULL || s->real[0] != '/' || s->st.st_nlink == 0
      || !guard_path_within (s->real, s->mnt->mount_point))
    {
      /* Another mount namespace's mount (/proc/PID/root/...), or a path unlinked since. */
      s->mnt = NULL;
      return 0;
    }
  rest = strcmp (s->mnt->mount_point, "/") == 0 ? s->real : s->real + strlen (s->mnt->mount_point);
  if (strcmp (s->mnt->root, "/") == 0)
    s->fspath = xstrdup (*rest ? rest : "/");
  else
    s->fspath = xasprintf ("%s%s", s->mnt->root, rest);
  return 0;
}

/* Restrict `path` (extra: not in the policy's, ecirun's or the engine's lists) and learn what
   it is. */
static void
restrict_path (struct mount_guard *g, const char *path, const char *why, bool extra)
{
  cleanup_close int fd = open (path, O_PATH | O_CLOEXEC);
  struct guard_restricted *r;
  struct source_id s;

  for (size_t i = 0; i < g->n_restricted; i++)
    if (strcmp (g->restricted[i].path, path) == 0)
      return;
  g->restricted = xrealloc (g->restricted, (g->n_restricted + 1) * sizeof (*g->restricted));
  r = &g->restricted[g->n_restricted++];
  *r = (struct guard_restricted){ .path = xstrdup (path), .why = why, .extra = extra };
  if (fd < 0 || identify (g, fd, &s) < 0)
    return;
  if (s.mnt)
    {
      r->resolved = true;
      r->major = s.mnt->major;
      r->minor = s.mnt->minor;
      r->fspath = TAKE_PTR (s.fspath);
    }
  if (!S_ISDIR (s.st.st_mode))
    {
      g->inodes = xrealloc (g->inodes, (g->n_inodes + 1) * sizeof (*g->inodes));
      g->inodes[g->n_inodes++] = (struct guard_inode){ .dev = s.st.st_dev,
                                                       .ino = s.st.st_ino,
                                                       .nlink = s.st.st_nlink,
                                                       .rule = xstrdup (path),
                                                       .why = why };
    }
  source_id_release (&s);
}

void
mount_guard_prepare (struct mount_guard *g, const char *proc_net_unix)
{
  const char *own[] = { g->state_root, g->policy->state_dir, NULL };

  for (char *const *r = g->policy->restricted_mounts; r && *r; r++)
    restrict_path (g, *r, NULL, false);
  for (size_t i = 0; own[i]; i++)
    restrict_path (g, own[i], "ecirun's own state", false);
  for (int k = 0; g->engine && k < ENGINE_N_DIRS; k++)
    for (char *const *d = g->engine->dirs[k]; d && *d; d++)
      restrict_path (g, *d, engine_dir_what (k), false);
  /* The engines' sockets, wherever they were told to listen (and any other root daemon's):
     an admin's allowedMounts pattern is the way to share one. */
  if (proc_net_unix)
    {
      cleanup_strv char **socks = engine_parse_listeners (proc_net_unix);
      for (size_t i = 0; socks[i]; i++)
        {
          struct stat st;
          if (stat (socks[i], &st) < 0 || !S_ISSOCK (st.st_mode) || st.st_uid != 0
              || guard_allowed (g, socks[i]))
            continue;
          restrict_path (g, socks[i], LISTENER_WHY, true);
        }
    }
}

void
mount_guard_release (struct mount_guard *g)
{
  for (size_t i = 0; i < g->n_restricted; i++)
    {
      free (g->restricted[i].path);
      free (g->restricted[i].fspath);
    }
  free (g->restricted);
  g->restricted = NULL;
  g->n_restricted = 0;
  for (size_t i = 0; i < g->n_inodes; i++)
    free (g->inodes[i].rule);
  free (g->inodes);
  g->inodes = NULL;
  g->n_inodes = 0;
}

static bool
kernel_fs (const char *fstype)
{
  static const char *const types[]
      = { "proc",      "sysfs",   "devtmpfs",   "debugfs",  "tracefs", "securityfs", "bpf",
          "cgroup",    "cgroup2", "configfs",   "efivarfs", "pstore",  "fusectl",    "binfmt_misc",
          "devpts",    "mqueue",  "hugetlbfs",  "nsfs",     "autofs",  "rpc_pipefs", "nfsd",
          "selinuxfs", "smackfs", "apparmorfs", "resctrl",  NULL };
  for (size_t i = 0; types[i]; i++)
    if (strcmp (fstype, types[i]) == 0)
      return true;
  return false;
}

static const char *
policy_file (const struct mount_guard *g)
{
  return g->policy->path ? g->policy->path : POLICY_PATH;
}

static const char *const how[] = {
  [MOUNT_GUARD_IS] = "is",
  [MOUNT_GUARD_CONTAINS] = "contains",
  [MOUNT_GUARD_INSIDE] = "is inside",
};

/* "RULE" or "RULE (what it is)", malloc'd. */
static char *
rule_text (const char *rule, const char *why)
{
  return why ? xasprintf ("%s (%s)", rule, why) : xstrdup (rule);
}

/* The content of mount e at fspath, reached as `real`: every place the host shows it must pass.
   subject names it in the message. Returns -1 with the refusal in *err. */
static int
check_content (const struct mount_guard *g, const struct mountinfo_entry *e, const char *fspath,
               const char *real, bool as_rootfs, const char *what, const char *subject,
               ecirun_error_t *err)
{
  cleanup_strv char **places
      = mount_guard_places (g->mounts, g->n_mounts, e->major, e->minor, fspath);
  cleanup_free char *rt = NULL;
  const char *rule, *why;
  enum mount_guard_verdict v;

  /* The path it was reached by first: the plainest message. */
  v = mount_guard_check (g, real, as_rootfs, &rule, &why);
  if (v != MOUNT_GUARD_ALLOWED)
    {
      rt = rule_text (rule, why);
      return make_error (err, 0,
                         "%s: %s %s the restricted host path %s; containers may not mount it "
                         "(restrictedMounts and allowedMounts in %s)",
                         what, subject, how[v], rt, policy_file (g));
    }
  for (size_t i = 0; places[i]; i++)
    {
      v = mount_guard_check (g, places[i], as_rootfs, &rule, &why);
      if (v == MOUNT_GUARD_ALLOWED)
        continue;
      rt = rule_text (rule, why);
      return make_error (err, 0,
                         "%s: %s is %s of the %s file system %s (%u:%u), which the host also "
                         "shows at %s: that %s the restricted host path %s; containers may not "
                         "mount it (restrictedMounts and allowedMounts in %s)",
                         what, subject, fspath, e->fstype, e->source, e->major, e->minor, places[i],
                         how[v], rt, policy_file (g));
    }
  /* What it is against what each restricted path is, on the same file system. */
  for (size_t i = 0; i < g->n_restricted; i++)
    {
      const struct guard_restricted *r = &g->restricted[i];
      cleanup_free char *via = NULL;
      if (!r->resolved || r->major != e->major || r->minor != e->minor)
        continue;
      if (strcmp (fspath, r->fspath) == 0)
        v = MOUNT_GUARD_IS;
      else if (guard_path_within (r->fspath, fspath))
        v = MOUNT_GUARD_CONTAINS;
      else if (!as_rootfs && guard_path_within (fspath, r->fspath))
        {
          /* Inside: allowedMounts judge where it lies below the restricted path. */
          via = strcmp (r->fspath, "/") == 0
                    ? xasprintf ("%s%s", r->path, fspath)
                    : xasprintf ("%s%s", r->path, fspath + strlen (r->fspath));
          if (guard_allowed (g, via))
            continue;
          v = MOUNT_GUARD_INSIDE;
        }
      else
        continue;
      rt = rule_text (r->path, r->why);
      return make_error (err, 0,
                         "%s: %s is %s of the %s file system %s (%u:%u), which %s the restricted "
                         "host path %s (%s of that file system); containers may not mount it "
                         "(restrictedMounts and allowedMounts in %s)",
                         what, subject, fspath, e->fstype, e->source, e->major, e->minor, how[v],
                         rt, r->fspath, policy_file (g));
    }
  return 0;
}

static int check_layers (const struct mount_guard *g, const struct mountinfo_entry *e,
                         const char *what, const char *source, int depth, ecirun_error_t *err);

/* Mount e (at or below the source): a kernel file system is the host's own; an overlay shows its
   layers. */

int
mount_guard_check_mount (const struct mount_guard *g, const struct mountinfo_entry *e,
                         const char *fspath, const char *real, bool as_rootfs, const char *what,
                         const char *source, bool below, int depth, ecirun_error_t *err)
{
  cleanup_free char *subject
      = below                   ? xasprintf ("`%s` has %s mounted below it, and that", source, real)
        : strcmp (real, source) ? xasprintf ("`%s` (%s)", source, real)
                                : xasprintf ("`%s`", source);

  if (kernel_fs (e->fstype))
    return make_error (err, 0,
                       "%s: %s is on the host's %s file system mounted at %s; containers may "
                       "not mount the host's kernel file systems",
                       what, subject, e->fstype, e->mount_point);
  if (check_content (g, e, fspath, real, as_rootfs, what, subject, err) < 0)
    return -1;
  /* The rootfs's own layers are checked by the caller, which knows where they are. */
  if (!as_rootfs && strcmp (e->fstype, "overlay") == 0)
    return check_layers (g, e, what, source, depth, err);
  return 0;
}

static int guard_fd (const struct mount_guard *g, int fd, const char *source, bool as_rootfs,
                     bool recursive, const char *what, int depth, ecirun_error_t *err);

static int
check_layers (const struct mount_guard *g, const struct mountinfo_entry *e, const char *what,
              const char *source, int depth, ecirun_error_t *err)
{
  cleanup_strv char **dirs = overlay_mountinfo_dirs (e->super_opts);

  if (depth > 8)
    return make_error (err, 0, "%s: `%s`: overlays nested too deeply to check", what, source);
  for (size_t i = 0; dirs[i]; i++)
    {
      cleanup_close int fd = -1;
      cleanup_free char *sub = NULL;
      if (dirs[i][0] != '/')
        return make_error (err, 0,
                           "%s: `%s` is on an overlay mounted at %s whose layer `%s` is a relative "
                           "path: ecirun cannot tell which host directory it shows",
                           what, source, e->mount_point, dirs[i]);
      fd = open (dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0)
        return make_error (err, errno,
                           "%s: `%s` is on an overlay mounted at %s: open its layer `%s`", what,
                           source, e->mount_point, dirs[i]);
      sub = xasprintf ("%s: the layer `%s` of the overlay at %s", what, dirs[i], e->mount_point);
      if (guard_fd (g, fd, dirs[i], false, false, sub, depth + 1, err) < 0)
        return -1;
    }
  return 0;
}

static int
guard_fd (const struct mount_guard *g, int fd, const char *source, bool as_rootfs, bool recursive,
          const char *what, int depth, ecirun_error_t *err)
{
  struct source_id s;
  int r = -1;

  if (identify (g, fd, &s) < 0)
    return make_error (err, errno, "%s: resolve `%s` on the host", what, source);
  if (s.mnt == NULL)
    {
      make_error (err, 0,
                  "%s: `%s` is on a mount that is not in the host's mount namespace (mount id "
                  "%d, reached as %s): another container's, a detached or a deleted one; "
                  "containers may not mount it",
                  what, source, s.mnt_id, s.real);
      goto out;
    }
  if (mount_guard_check_mount (g, s.mnt, s.fspath, s.real, as_rootfs, what, source, false, depth,
                               err)
      < 0)
    goto out;
  /* Other names of a restricted file. */
  for (size_t i = 0; i < g->n_inodes; i++)
    {
      const struct guard_inode *in = &g->inodes[i];
      if (!S_ISDIR (s.st.st_mode) && in->dev == s.st.st_dev && in->ino == s.st.st_ino)
        {
          make_error (err, 0,
                      "%s: `%s` (%s) is the restricted host file %s%s%s%s itself (inode %lu of "
                      "device %u:%u, a hard link or another name of it); containers may not mount "
                      "it (restrictedMounts and allowedMounts in %s)",
                      what, source, s.real, in->rule, in->why ? " (" : "", in->why ? in->why : "",
                      in->why ? ")" : "", (unsigned long)s.st.st_ino, major (s.st.st_dev),
                      minor (s.st.st_dev), policy_file (g));
          goto out;
        }
      /* Another name of it somewhere on this file system: nobody can say where. */
      if (S_ISDIR (s.st.st_mode) && in->nlink > 1 && in->dev == s.st.st_dev)
        {
          make_error (err, 0,
                      "%s: `%s` (%s) is a directory of the file system that holds the restricted "
                      "host file %s%s%s%s, which has %lu hard links: one may be below it; "
                      "containers may not mount directories of that file system until the extra "
                      "links are removed",
                      what, source, s.real, in->rule, in->why ? " (" : "", in->why ? in->why : "",
                      in->why ? ")" : "", (unsigned long)in->nlink);
          goto out;
        }
    }
  if (recursive)
    for (size_t i = 0; i < g->n_mounts; i++)
      {
        const struct mountinfo_entry *e = &g->mounts[i];
        if (e == s.mnt || !guard_path_within (e->mount_point, s.real)
            || strcmp (e->mount_point, s.real) == 0)
          continue;
        if (mount_guard_check_mount (g, e, e->root, e->mount_point, as_rootfs, what, source, true,
                                     depth, err)
            < 0)
          goto out;
      }
  r = 0;
out:
  source_id_release (&s);
  return r;
}

int
mount_guard_check_fd (const struct mount_guard *g, int fd, const char *source, bool as_rootfs,
                      bool recursive, const char *what, ecirun_error_t *err)
{
  return guard_fd (g, fd, source, as_rootfs, recursive, what, 0, err);
}

int
mount_guard_open (const struct mount_guard *g, const char *source, bool as_rootfs, bool recursive,
                  const char *what, ecirun_error_t *err)
{
  int fd = open (source, O_PATH | O_CLOEXEC);

  if (fd < 0)
    return make_error (err, errno, "%s: open `%s`", what, source);
  if (guard_fd (g, fd, source, as_rootfs, recursive, what, 0, err) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}
