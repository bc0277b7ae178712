#include <config.h>
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "cgroup.h"
#include "devices.h"
#include "fs.h"
#include "mount_opts.h"
#include "mountinfo.h"
#include "overlay.h"
#include "sync.h"
#include "syscalls.h"
#include "utils.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* mount(2) flags that mount_setattr expresses as MOUNT_ATTR_* bits. */
static void
flags_to_attr (unsigned long flags, unsigned long clear, struct mount_attr *a)
{
  static const struct
  {
    unsigned long ms;
    uint64_t attr;
  } map[] = {
    { MS_RDONLY, MOUNT_ATTR_RDONLY },
    { MS_NOSUID, MOUNT_ATTR_NOSUID },
    { MS_NODEV, MOUNT_ATTR_NODEV },
    { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
  };

  for (size_t i = 0; i < ARRAY_SIZE (map); i++)
    {
      if (flags & map[i].ms)
        a->attr_set |= map[i].attr;
      else if (clear & map[i].ms)
        a->attr_clr |= map[i].attr;
    }
  if (flags & MS_NOATIME)
    a->attr_set |= MOUNT_ATTR_NOATIME, a->attr_clr |= MOUNT_ATTR__ATIME;
  else if (flags & MS_STRICTATIME)
    a->attr_set |= MOUNT_ATTR_STRICTATIME, a->attr_clr |= MOUNT_ATTR__ATIME;
  else if (flags & MS_RELATIME)
    a->attr_set |= MOUNT_ATTR_RELATIME, a->attr_clr |= MOUNT_ATTR__ATIME;
  if (flags & MS_NODIRATIME)
    a->attr_set |= MOUNT_ATTR_NODIRATIME;
}

static int
set_propagation (int target_fd, unsigned long propagation, const char *dest, ecirun_error_t *err)
{
  char buf[32];

  if (propagation == 0)
    return 0;
  if (mount (NULL, fs_fd_path (target_fd, buf), NULL, propagation, NULL) < 0)
    return make_error (err, errno, "set propagation of `%s`", dest);
  return 0;
}

/* Bind `source` (a host path, or relative to the bundle: the cwd) onto dest in rootfd. `tree`,
   when >= 0, is the source already cloned (and ID-mapped) by the runtime; it is consumed. */
static int
mount_bind (int rootfd, const struct mount_config *m, const struct mount_opts *o, int prepared,
            ecirun_error_t *err)
{
  cleanup_close int tree = prepared;
  cleanup_close int target = -1;
  cleanup_close int mounted = -1;
  struct mount_attr attr = { 0 };
  struct stat sb;

  if (m->source == NULL)
    return make_error (err, 0, "mount `%s`: a bind mount needs a source", m->destination);
  if ((tree >= 0 ? fstat (tree, &sb) : stat (m->source, &sb)) < 0)
    return make_error (err, errno, "mount `%s`: bind source `%s`", m->destination, m->source);
  target = fs_create_in_root (rootfd, m->destination, !S_ISDIR (sb.st_mode), 0644, err);
  if (target < 0)
    return -1;
  if (tree < 0)
    tree = sys_open_tree (AT_FDCWD, m->source,
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (o->recursive ? AT_RECURSIVE : 0));
  if (tree < 0)
    return make_error (err, errno, "mount `%s`: clone `%s`", m->destination, m->source);
  /* A tree the runtime prepared is host content and stays nodev (isolation.c), whatever "dev"
     or "rdev" asks. */
  flags_to_attr (o->flags, prepared >= 0 ? o->clear_flags & ~MS_NODEV : o->clear_flags, &attr);
  if ((attr.attr_set || attr.attr_clr) && sys_mount_setattr (tree, "", AT_EMPTY_PATH, &attr) < 0)
    return make_error (err, errno, "mount `%s`: set attributes", m->destination);
  if (o->rec_attr_set || o->rec_attr_clr)
    {
      struct mount_attr rattr
          = { .attr_set = o->rec_attr_set,
              .attr_clr = prepared >= 0 ? o->rec_attr_clr & ~MOUNT_ATTR_NODEV : o->rec_attr_clr };
      if (sys_mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &rattr) < 0)
        return make_error (err, errno, "mount `%s`: set recursive attributes", m->destination);
    }
  if (sys_move_mount (tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return make_error (err, errno, "mount `%s` on `%s`", m->source, m->destination);
  if (o->propagation == 0)
    return 0;
  mounted = fs_open_in_root (rootfd, m->destination, O_PATH, 0, err);
  if (mounted < 0)
    return -1;
  return set_propagation (mounted, o->propagation, m->destination, err);
}

/* The path of the calling process's cgroup in the hierarchy whose super options are `super`
   ("rw,memory" or "" for cgroup2), from /proc/self/cgroup. */
static char *
own_cgroup_path (const char *super)
{
  cleanup_file FILE *f = fopen ("/proc/self/cgroup", "re");
  cleanup_free char *line = NULL;
  size_t n = 0;

  if (f == NULL)
    return NULL;
  while (getline (&line, &n, f) > 0)
    {
      char *ctrls = strchr (line, ':'), *path, *save = NULL;
      bool match = true;

      if (ctrls == NULL || (path = strchr (++ctrls, ':')) == NULL)
        continue;
      *path++ = '\0';
      path[strcspn (path, "\n")] = '\0';
      if (*ctrls == '\0')
        match = *super == '\0';
      else if (*super == '\0')
        match = false;
      for (char *t = strtok_r (ctrls, ",", &save); t && match; t = strtok_r (NULL, ",", &save))
        {
          size_t len = strlen (t);
          const char *hit = strstr (super, t);
          match = hit && (hit == super || hit[-1] == ',') && (hit[len] == ',' || hit[len] == '\0');
        }
      if (match)
        return xstrdup (path);
    }
  return NULL;
}

/* Mount one hierarchy at dest: a fresh cgroup mount when the container has its own cgroup
   namespace (its cgroup is the root there), else a bind of its own cgroup directory. */
static int
mount_cgroup_hierarchy (int rootfd, const char *dest, const char *host_mnt, const char *fstype,
                        const char *super, const struct mount_opts *o, bool cgroupns,
                        ecirun_error_t *err)
{
  cleanup_close int sub = fs_create_in_root (rootfd, dest, false, 0755, err);
  char buf[32];

  if (sub < 0)
    return -1;
  if (!cgroupns)
    {
      cleanup_free char *own = own_cgroup_path (strcmp (fstype, "cgroup2") == 0 ? "" : super);
      struct mount_config bm = { .destination = (char *)dest };
      struct mount_opts bo = *o;

      if (own == NULL)
        return 0;
      bm.source = xasprintf ("%s%s", host_mnt, own);
      bo.bind = true;
      bo.recursive = true;
      {
        int r = mount_bind (rootfd, &bm, &bo, -1, err);
        free (bm.source);
        return r;
      }
    }
  if (strcmp (fstype, "cgroup2") == 0)
    {
      if (mount ("cgroup2", fs_fd_path (sub, buf), "cgroup2", o->flags, NULL) < 0)
        return make_error (err, errno, "mount cgroup2 on `%s`", dest);
      return 0;
    }
  if (mount ("cgroup", fs_fd_path (sub, buf), "cgroup", o->flags, super) < 0)
    return make_error (err, errno, "mount cgroup (%s) on `%s`", super, dest);
  return 0;
}

/* cgroup v1: a tmpfs with one mount per hierarchy; cgroup v2: one cgroup2 mount. */
static int
mount_cgroup (int rootfd, const struct mount_config *m, const struct mount_opts *o, bool cgroupns,
              ecirun_error_t *err)
{
  cleanup_close int target = -1;
  struct mountinfo_entry *mi = NULL;
  unsigned long flags = o->flags & ~(MS_RDONLY);
  size_t n_mi = 0;
  char buf[32];
  int ret = 0;

  if (cgroup_detect_mode () == CGROUP_MODE_V2)
    return mount_cgroup_hierarchy (rootfd, m->destination, "/sys/fs/cgroup", "cgroup2", "", o,
                                   cgroupns, err);
  target = fs_create_in_root (rootfd, m->destination, false, 0755, err);
  if (target < 0)
    return -1;
  if (mount ("tmpfs", fs_fd_path (target, buf), "tmpfs", flags, "mode=755") < 0)
    return make_error (err, errno, "mount tmpfs on `%s`", m->destination);
  if (mountinfo_read ("/proc/self/mountinfo", &mi, &n_mi, err) < 0)
    return -1;
  for (size_t i = 0; i < n_mi && ret == 0; i++)
    {
      const char *mnt = mi[i].mount_point, *fstype = mi[i].fstype;
      cleanup_free char *super = xstrdup (mi[i].super_opts);
      cleanup_free char *dest = NULL;
      cleanup_free char *ctrls = NULL;
      char *save = NULL;

      if (strncmp (mnt, "/sys/fs/cgroup/", 15) != 0 || strchr (mnt + 15, '/'))
        continue;
      if (strcmp (fstype, "cgroup") != 0 && strcmp (fstype, "cgroup2") != 0)
        continue;
      /* Keep only the controller names (and name=) from the super options. */
      ctrls = xmalloc0 (strlen (super) + 1);
      for (char *tok = strtok_r (super, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
        {
          if (strcmp (tok, "rw") == 0 || strcmp (tok, "ro") == 0)
            continue;
          if (*ctrls)
            strcat (ctrls, ",");
          strcat (ctrls, tok);
        }
      dest = xasprintf ("%s/%s", m->destination, mnt + 15);
      ret = mount_cgroup_hierarchy (rootfd, dest, mnt, fstype, ctrls, o, cgroupns, err);
    }
  mountinfo_free (mi, n_mi);
  if (ret < 0)
    return -1;
  if (o->flags & MS_RDONLY)
    {
      cleanup_close int again = fs_open_in_root (rootfd, m->destination, O_PATH, 0, err);
      struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
      if (again < 0)
        return -1;
      if (sys_mount_setattr (again, "", AT_EMPTY_PATH, &attr) < 0)
        return make_error (err, errno, "make `%s` read-only", m->destination);
    }
  return 0;
}

/* A read-only /dev of its own (not a bind): mounted read-write, so that what goes in it
   (/dev/pts, /dev/shm, the device nodes) can be made, and made read-only once they are, as runc
   does. */
static bool
readonly_dev (const struct mount_config *m, const struct mount_opts *o)
{
  const char *d = m->destination;

  while (d && d[0] == '/' && d[1] == '/')
    d++;
  return d && (strcmp (d, "/dev") == 0 || strcmp (d, "/dev/") == 0) && !o->bind
         && (o->flags & MS_RDONLY) && !(m->type && strcmp (m->type, "bind") == 0);
}

static int
finish_readonly_dev (int rootfd, const struct oci_config *c, ecirun_error_t *err)
{
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      struct mount_opts o = { 0 };
      bool ro;
      if (mount_opts_parse (c->mounts[i].options, c->mounts[i].n_options, &o, NULL) < 0)
        continue;
      ro = readonly_dev (&c->mounts[i], &o);
      mount_opts_release (&o);
      if (ro && c->process && c->process->terminal)
        {
          /* The console is bound over /dev/console later: the file must be there already. */
          int f = fs_create_in_root (rootfd, "/dev/console", true, 0600, err);
          if (f < 0)
            return -1;
          close (f);
        }
      if (ro)
        {
          struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
          cleanup_close int dev = fs_open_in_root (rootfd, "/dev", O_PATH | O_DIRECTORY, 0, err);
          if (dev < 0 || sys_mount_setattr (dev, "", AT_EMPTY_PATH, &attr) < 0)
            return dev < 0 ? -1 : make_error (err, errno, "make /dev read-only");
        }
    }
  return 0;
}

/* Is dest (inside rootfd) missing or a directory, not a symlink (the last component not
   followed) or anything else? */
static bool
ordinary_directory (int rootfd, const char *dest)
{
  cleanup_close int fd = fs_open_in_root (rootfd, dest, O_PATH | O_NOFOLLOW, 0, NULL);
  struct stat st;

  if (fd < 0)
    return errno == ENOENT;
  return fstat (fd, &st) == 0 && S_ISDIR (st.st_mode);
}

void
rootfs_add_overlay_dir (struct init_trees *t, size_t idx, int fd)
{
  struct overlay_fds *f = &t->overlay_dirs[idx];

  f->fds = xrealloc (f->fds, (f->n + 1) * sizeof (*f->fds));
  f->fds[f->n++] = fd;
}

static int
mount_one (int rootfd, const struct mount_config *m, int ns, int tree,
           const struct overlay_fds *dirs, ecirun_error_t *err)
{
  struct mount_opts o = { 0 };
  cleanup_close int target = -1, orig = -1;
  cleanup_free char *data = NULL;
  const char *type = m->type ? m->type : "none";
  struct stat st_before;
  bool is_tmpfs, had_mode = false;
  char buf[32];
  int ret = -1;

  if (mount_opts_parse (m->options, m->n_options, &o, err) < 0)
    return error_wrap (err, "mount `%s`", m->destination);
  /* A bind, or a file system the runtime mounted for us (sysfs, mqueue of a namespace our
     user namespace does not own). */
  if (o.bind || strcmp (type, "bind") == 0 || tree >= 0)
    {
      ret = mount_bind (rootfd, m, &o, tree, err);
      goto out;
    }
  if (strcmp (type, "cgroup") == 0)
    {
      ret = mount_cgroup (rootfd, m, &o, ns & CLONE_NEWCGROUP, err);
      goto out;
    }
  if ((strcmp (type, "proc") == 0 || strcmp (type, "sysfs") == 0)
      && !ordinary_directory (rootfd, m->destination))
    {
      make_error (err, 0,
                  "mount `%s`: filesystem \"%s\" must be mounted on ordinary directory (it is "
                  "a symlink or not a directory)",
                  m->destination, type);
      goto out;
    }
  is_tmpfs = strcmp (type, "tmpfs") == 0;
  {
    /* What was there before: a tmpfs takes its mode (as runc does), tmpcopyup its content. */
    cleanup_close int before = fs_open_in_root (rootfd, m->destination, O_PATH, 0, NULL);
    had_mode = before >= 0 && fstat (before, &st_before) == 0 && S_ISDIR (st_before.st_mode);
  }
  target = fs_create_in_root (rootfd, m->destination, false, 0755, err);
  if (target < 0)
    goto out;
  if (is_tmpfs && o.tmpcopyup)
    {
      orig = openat (target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (orig < 0)
        {
          make_error (err, errno, "mount `%s`: tmpcopyup: open the directory", m->destination);
          goto out;
        }
    }
  if (strcmp (type, "overlay") == 0)
    {
      /* The directories the runtime opened and checked, never the paths again. */
      data = overlay_opts_with_fds (o.data, dirs->fds, dirs->n);
      if (data == NULL)
        {
          make_error (err, 0,
                      "mount overlay on `%s`: the runtime sent %zu directories for "
                      "options `%s`",
                      m->destination, dirs->n, o.data ? o.data : "");
          goto out;
        }
    }
  if (mount (m->source ? m->source : type, fs_fd_path (target, buf), type,
             o.flags & ~(MS_BIND | MS_REC | MS_REMOUNT | (readonly_dev (m, &o) ? MS_RDONLY : 0)),
             data ? data : o.data)
      < 0)
    {
      make_error (err, errno, "mount %s on `%s` (options `%s`)", type, m->destination,
                  o.data ? o.data : "");
      goto out;
    }
  if (is_tmpfs && (orig >= 0 || (had_mode && !(o.data && strstr (o.data, "mode=")))))
    {
      cleanup_close int root
          = fs_open_in_root (rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0, err);
      if (root < 0)
        goto out;
      if (orig >= 0 && fs_copy_tree (orig, root, err) < 0)
        {
          error_wrap (err, "mount `%s`: tmpcopyup", m->destination);
          goto out;
        }
      if (had_mode && !(o.data && strstr (o.data, "mode="))
          && fchmod (root, st_before.st_mode & 07777) < 0)
        {
          make_error (err, errno, "mount `%s`: give the tmpfs the mode of its mount point",
                      m->destination);
          goto out;
        }
    }
  if (o.propagation)
    {
      cleanup_close int mounted = fs_open_in_root (rootfd, m->destination, O_PATH, 0, err);
      if (mounted < 0 || set_propagation (mounted, o.propagation, m->destination, err) < 0)
        goto out;
    }
  ret = 0;
out:
  mount_opts_release (&o);
  return ret;
}

/* Give the overlay context fs the options opts (as the runtime sent them: a mount(2) option
   string). Lower layers go one by one (lowerdir+, kernel 6.8+): the kernel takes at most 256
   bytes of one fsconfig string, which a docker image of 9 layers exceeds; older kernels get the
   whole list at once. */
static int
configure_overlay (int fs, const char *opts, ecirun_error_t *err)
{
  struct overlay_opt *o = NULL;
  size_t n = overlay_opts_parse (opts, &o);
  int r = -1;

  for (size_t i = 0; i < n; i++)
    {
      const char *eq = strchr (o[i].raw, '=');
      bool one_by_one = strcmp (o[i].key, "lowerdir") == 0;
      for (size_t k = 0; one_by_one && o[i].dirs[k]; k++)
        if (sys_fsconfig (fs, FSCONFIG_SET_STRING,
                          k && o[i].seps[k - 1] == 'D' ? "datadir+" : "lowerdir+", o[i].dirs[k], 0)
            < 0)
          {
            if (k == 0 && errno == EINVAL)
              {
                one_by_one = false;
                break;
              }
            make_error (err, errno, "overlay rootfs: layer %zu `%s`", k, o[i].dirs[k]);
            goto out;
          }
      if (one_by_one)
        continue;
      if ((eq ? sys_fsconfig (fs, FSCONFIG_SET_STRING, o[i].key, eq + 1, 0)
              : sys_fsconfig (fs, FSCONFIG_SET_FLAG, o[i].key, NULL, 0))
          < 0)
        {
          make_error (err, errno, "overlay rootfs: %s%s%s%s", o[i].key, eq ? "=" : "",
                      eq ? eq + 1 : "",
                      eq && strlen (eq + 1) > 255 ? " (longer than the 255 bytes this kernel "
                                                    "takes; kernel 6.8+ takes layers one by one)"
                                                  : "");
          goto out;
        }
    }
  r = 0;
out:
  overlay_opts_free (o, n);
  return r;
}

/* Cover the rootfs directory with its ID-mapped layers, then mount a new overlay of them on
   top, from inside the user namespace (userxattr: trusted.* xattrs are out of reach there).
   Returns the overlay mount. */
static int
mount_overlay_rootfs (int rootfs_dir, int layers, const char *opts, ecirun_error_t *err)
{
  cleanup_close int cwd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int fs = -1;
  int mnt;

  if (sys_move_mount (layers, "", rootfs_dir, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
      < 0)
    return make_error (err, errno, "attach the ID-mapped layers on the rootfs");
  fs = sys_fsopen ("overlay", FSOPEN_CLOEXEC);
  if (fs < 0)
    return make_error (err, errno, "fsopen overlay");
  /* The layer paths are relative to the layers' directory, which keeps them short. */
  if (fchdir (layers) < 0)
    return make_error (err, errno, "fchdir to the rootfs layers");
  if (configure_overlay (fs, opts, err) < 0)
    goto fail;
  if (sys_fsconfig (fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0
      || sys_fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    {
      make_error (err, errno, "mount the rootfs overlay over ID-mapped layers (%s)", opts);
      goto fail;
    }
  /* nodev as every host-origin tree: the layers' device nodes never open. */
  mnt = sys_fsmount (fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
  if (mnt < 0)
    {
      make_error (err, errno, "fsmount the rootfs overlay");
      goto fail;
    }
  if (cwd >= 0 && fchdir (cwd) < 0)
    {
      close (mnt);
      return make_error (err, errno, "fchdir");
    }
  if (sys_move_mount (mnt, "", rootfs_dir, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
      < 0)
    {
      close (mnt);
      return make_error (err, errno, "attach the rootfs overlay");
    }
  return mnt;
fail:
  if (cwd >= 0)
    (void)!fchdir (cwd);
  return -1;
}

int
rootfs_prepare (const struct oci_config *c, const char *rootfs, int ns, struct init_trees *t,
                int *ret_rootfd, ecirun_error_t *err)
{
  cleanup_close int rootfd = -1;
  const struct linux_config *lc = c->linux_cfg;
  long prop = MS_SLAVE | MS_REC;
  int *trees = t->mounts;

  if (lc && lc->rootfs_propagation && *lc->rootfs_propagation)
    {
      prop = mount_propagation_from_name (lc->rootfs_propagation);
      if (prop < 0)
        return make_error (err, 0, "linux.rootfsPropagation: unknown value `%s`",
                           lc->rootfs_propagation);
    }
  /* pivot_root refuses a shared new root or parent: shared propagation is set after it. */
  if (mount (NULL, "/", NULL, (prop & MS_SHARED) ? MS_SLAVE | MS_REC : prop, NULL) < 0)
    return make_error (err, errno, "set propagation of /");
  if (trees[0] >= 0 && t->rootfs_dir < 0)
    return make_error (err, 0, "sync: no rootfs directory for the prepared rootfs");
  if (trees[0] >= 0 && t->overlay)
    {
      rootfd = mount_overlay_rootfs (t->rootfs_dir, trees[0], t->overlay, err);
      close (trees[0]);
      trees[0] = -1;
      if (rootfd < 0)
        return -1;
    }
  else if (trees[0] >= 0)
    {
      /* The runtime cloned (and ID-mapped) the rootfs: attach it over the original. */
      if (sys_move_mount (trees[0], "", t->rootfs_dir, "",
                          MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
          < 0)
        return make_error (err, errno, "attach the ID-mapped rootfs on `%s`", rootfs);
      rootfd = TAKE_FD (trees[0]);
    }
  else
    {
      if (mount (rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return make_error (err, errno, "bind mount rootfs `%s`", rootfs);
      rootfd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (rootfd < 0)
        return make_error (err, errno, "open rootfs `%s`", rootfs);
    }

  for (size_t i = 0; i < c->n_mounts; i++)
    {
      int tree = trees[i + 1];
      trees[i + 1] = -1;
      int r = mount_one (rootfd, &c->mounts[i], ns, tree, &t->overlay_dirs[i], err);
      for (size_t k = 0; k < t->overlay_dirs[i].n; k++)
        close (t->overlay_dirs[i].fds[k]);
      t->overlay_dirs[i].n = 0;
      if (r < 0)
        return -1;
    }

  if (devices_create (rootfd, lc, ns & CLONE_NEWUSER, t->devices, t->n_devices, err) < 0
      || devices_create_links (rootfd, err) < 0 || finish_readonly_dev (rootfd, c, err) < 0)
    return -1;
  *ret_rootfd = TAKE_FD (rootfd);
  return 0;
}

/* linux.rootfsPropagation on the new root, once it is "/". */
static int
root_propagation (const struct linux_config *lc, ecirun_error_t *err)
{
  if (lc && lc->rootfs_propagation && *lc->rootfs_propagation)
    {
      long prop = mount_propagation_from_name (lc->rootfs_propagation);
      if (prop > 0 && mount (NULL, "/", NULL, prop, NULL) < 0)
        return make_error (err, errno, "set propagation of the new root");
    }
  return 0;
}

/* An empty, read-only tmpfs over the mount root `target`. */
static int
cover_mount (int target, const char *where, ecirun_error_t *err)
{
  cleanup_close int fs = sys_fsopen ("tmpfs", FSOPEN_CLOEXEC);
  cleanup_close int mnt = -1;

  if (fs < 0 || sys_fsconfig (fs, FSCONFIG_SET_STRING, "mode", "0", 0) < 0
      || sys_fsconfig (fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0
      || sys_fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return make_error (err, errno, "--no-pivot: make a tmpfs to cover the host's `%s`", where);
  mnt = sys_fsmount (fs, FSMOUNT_CLOEXEC,
                     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  if (mnt < 0
      || sys_move_mount (mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
             < 0)
    return make_error (err, errno, "--no-pivot: cover the host's `%s`", where);
  return 0;
}

/* --no-pivot keeps the host's mount tree in the container's mount namespace, under the moved
   rootfs. Once the mounts are locked nothing of it is reachable by path, but the kernel allows
   a new proc or sysfs mount when the namespace holds a fully visible instance of that file
   system anywhere: cover every one of the host's with an empty tmpfs, which the lock then
   makes permanent. The runtime finds and opens them (isolation_send_host_mounts: container
   root may not walk the host's paths); the tree is made private first, so that no mount of the
   host reaches it afterwards. */
static int
hide_host_pseudo_fs (int rootfd, int sync_fd, ecirun_error_t *err)
{
  struct statx sx;
  char id[32];

  if (mount (NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0)
    return make_error (err, errno, "--no-pivot: make the host's mount tree private");
  if (statx (rootfd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
    return make_error (err, errno ? errno : ENOSYS, "--no-pivot: the mount ID of the rootfs");
  snprintf (id, sizeof (id), "%llu", (unsigned long long)sx.stx_mnt_id);
  if (sync_send (sync_fd, SYNC_HOST_FS, id, -1, err) < 0)
    return -1;
  for (;;)
    {
      struct sync_msg m;
      int r;

      if (sync_recv (sync_fd, &m, err) < 0)
        return -1;
      if (m.stage == SYNC_HOST_FS_END)
        return 0;
      if (m.stage == SYNC_ERROR)
        return make_error (err, 0, "%s", m.payload);
      if (m.stage != SYNC_HOST_FS_FD || m.fd < 0)
        {
          if (m.fd >= 0)
            close (m.fd);
          return make_error (err, 0, "sync: expected stage %s, got %s",
                             sync_stage_name (SYNC_HOST_FS_FD), sync_stage_name (m.stage));
        }
      r = cover_mount (m.fd, m.payload, err);
      close (m.fd);
      if (r < 0)
        return -1;
    }
}

int
rootfs_pivot (const struct oci_config *c, int rootfd, bool no_pivot, int sync_fd,
              ecirun_error_t *err)
{
  const struct linux_config *lc = c->linux_cfg;

  if (fchdir (rootfd) < 0)
    return make_error (err, errno, "chdir to the rootfs");
  if (no_pivot)
    {
      /* The root of the namespace stays the host's, with the rootfs moved over it: the init
         then enters the locked copy (rootfs_enter_locked), where the rootfs cannot be
         unmounted to uncover the host's tree. */
      if (hide_host_pseudo_fs (rootfd, sync_fd, err) < 0)
        return -1;
      if (sys_move_mount (rootfd, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return make_error (err, errno, "move the rootfs to /");
      if (chroot (".") < 0)
        return make_error (err, errno, "chroot");
    }
  else
    {
      if (sys_pivot_root (".", ".") < 0)
        return make_error (err, errno, "pivot_root into the rootfs");
      /* The old root now sits on top of "/": keep its unmount from reaching the host. */
      if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return make_error (err, errno, "make the old root a slave");
      if (umount2 (".", MNT_DETACH) < 0)
        return make_error (err, errno, "detach the old root");
    }
  if (chdir ("/") < 0)
    return make_error (err, errno, "chdir /");
  return root_propagation (lc, err);
}

int
rootfs_enter_locked (const struct oci_config *c, int mntns_fd, ecirun_error_t *err)
{
  cleanup_close int rootfd = -1;
  struct stat before, after;

  if (stat ("/", &before) < 0)
    return make_error (err, errno, "stat /");
  if (setns (mntns_fd, CLONE_NEWNS) < 0)
    return make_error (err, errno, "enter the locked mount namespace");
  rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0 || fchdir (rootfd) < 0)
    return make_error (err, errno, "chdir / in the locked mount namespace");
  /* setns sets the root to the namespace's topmost mount on "/": it must be the rootfs (with
     --no-pivot, what lies below it is the host's). */
  if (fstat (rootfd, &after) < 0 || after.st_dev != before.st_dev || after.st_ino != before.st_ino)
    return make_error (err, 0,
                       "the root of the locked mount namespace is not the container's "
                       "rootfs");
  /* The copy made every mount a slave: give back the propagation the config asked for. */
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const struct mount_config *m = &c->mounts[i];
      struct mount_opts o = { 0 };
      int r = 0;

      if (mount_opts_parse (m->options, m->n_options, &o, err) < 0)
        return -1;
      if (o.propagation)
        {
          cleanup_close int mounted = fs_open_in_root (rootfd, m->destination, O_PATH, 0, err);
          r = mounted < 0 ? -1 : set_propagation (mounted, o.propagation, m->destination, err);
        }
      mount_opts_release (&o);
      if (r < 0)
        return -1;
    }
  return root_propagation (c->linux_cfg, err);
}

static int
mask_path (int rootfd, const char *path, ecirun_error_t *err)
{
  cleanup_close int fd = -1;
  struct stat sb;
  char buf[32];

  fd = fs_open_in_root (rootfd, path, O_PATH | O_NOFOLLOW, 0, NULL);
  if (fd < 0)
    return 0; /* nothing to mask */
  if (fstat (fd, &sb) < 0)
    return make_error (err, errno, "stat masked path `%s`", path);
  if (S_ISDIR (sb.st_mode))
    {
      if (mount ("tmpfs", fs_fd_path (fd, buf), "tmpfs", MS_RDONLY, "size=0k,mode=0755") < 0)
        return make_error (err, errno, "mask directory `%s`", path);
    }
  else if (mount ("/dev/null", fs_fd_path (fd, buf), NULL, MS_BIND, NULL) < 0)
    return make_error (err, errno, "mask `%s`", path);
  return 0;
}

static int
readonly_path (int rootfd, const char *path, ecirun_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_close int tree = -1;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

  fd = fs_open_in_root (rootfd, path, O_PATH, 0, NULL);
  if (fd < 0)
    return 0;
  tree = sys_open_tree (fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
  if (tree < 0)
    return make_error (err, errno, "clone readonly path `%s`", path);
  if (sys_mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
    return make_error (err, errno, "make `%s` read-only", path);
  if (sys_move_mount (tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return make_error (err, errno, "mount read-only `%s`", path);
  return 0;
}

int
rootfs_finalize (const struct oci_config *c, ecirun_error_t *err)
{
  const struct linux_config *lc = c->linux_cfg;
  cleanup_close int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (rootfd < 0)
    return make_error (err, errno, "open /");
  for (size_t i = 0; lc && i < lc->n_readonly_paths; i++)
    if (readonly_path (rootfd, lc->readonly_paths[i], err) < 0)
      return -1;
  for (size_t i = 0; lc && i < lc->n_masked_paths; i++)
    if (mask_path (rootfd, lc->masked_paths[i], err) < 0)
      return -1;
  if (c->root.readonly)
    {
      struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
      if (sys_mount_setattr (rootfd, "", AT_EMPTY_PATH, &attr) < 0)
        return make_error (err, errno, "make the rootfs read-only");
    }
  return 0;
}

int
rootfs_bind_console (const char *slave_path, ecirun_error_t *err)
{
  cleanup_close int rootfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int target = -1;
  char buf[32];

  if (rootfd < 0)
    return make_error (err, errno, "open /");
  target = fs_create_in_root (rootfd, "/dev/console", true, 0600, err);
  if (target < 0)
    return -1;
  if (mount (slave_path, fs_fd_path (target, buf), NULL, MS_BIND, NULL) < 0)
    return make_error (err, errno, "bind `%s` to /dev/console", slave_path);
  return 0;
}
