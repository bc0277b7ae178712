/* The host side of the init's mounts: see mount_trees.h. */
#include <config.h>
#include "mount_trees.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include "devices.h"
#include "engine.h"
#include "fs.h"
#include "mount_guard.h"
#include "mount_opts.h"
#include "mountinfo.h"
#include "overlay.h"
#include "sync.h"
#include "syscalls.h"
#include "utils.h"

/* Clone source (a path, or "" for the O_PATH fd dirfd itself), ID-mapped into userns (userns
   -1: not ID-mapped, the container's IDs are its block's host IDs there), nodev: a device node
   in host content (a directory rootfs, a volume, an image layer) never opens in the container,
   whatever the device cgroup allows; its devices come from linux.devices. */
static int
clone_idmapped (int dirfd, const char *source, bool recursive, int userns, const char *what,
                ecirun_error_t *err)
{
  /* Private: a clone of a shared host mount would be shared, and pivot_root refuses a new
     root whose parent mount is shared. */
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_NODEV | (userns >= 0 ? MOUNT_ATTR_IDMAP : 0),
                             .userns_fd = userns >= 0 ? userns : 0,
                             .propagation = MS_PRIVATE };
  int tree = sys_open_tree (dirfd, source,
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0)
                                | (*source ? 0 : AT_EMPTY_PATH));

  if (tree < 0)
    return make_error (err, errno, "%s: clone `%s`", what, *source ? source : "(source)");
  if (sys_mount_setattr (tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr) < 0)
    {
      int saved = errno;
      close (tree);
      /* Kernel file systems never get here: the guard refused them. */
      return make_error (err, saved,
                         "%s: %s cannot be ID-mapped into the container's user namespace "
                         "(its file system does not support ID-mapped mounts)",
                         what, *source ? source : "the source");
    }
  return tree;
}

static int
send_indexed (int sync_fd, enum sync_stage stage, long index, int fd, ecirun_error_t *err)
{
  char buf[32];
  int r;

  snprintf (buf, sizeof (buf), "%ld", index);
  r = sync_send (sync_fd, stage, buf, fd, err);
  close (fd);
  return r;
}

/* Is the init's namespace of type nstype (its /proc/PID/ns name) owned by the init's user
   namespace? */
static bool
ns_owned_by_init (pid_t init, const char *name)
{
  cleanup_free char *ns_path = xasprintf ("/proc/%d/ns/%s", (int)init, name);
  cleanup_free char *user_path = xasprintf ("/proc/%d/ns/user", (int)init);
  cleanup_close int ns = open (ns_path, O_RDONLY | O_CLOEXEC);
  cleanup_close int owner = ns < 0 ? -1 : ioctl (ns, NS_GET_USERNS);
  struct stat a, b;

  return owner >= 0 && fstat (owner, &a) == 0 && stat (user_path, &b) == 0 && a.st_dev == b.st_dev
         && a.st_ino == b.st_ino;
}

/* A new instance of the kernel file system `type` (sysfs, mqueue) for the init's namespace
   `name` (net, ipc), made by a helper process of the runtime that enters that namespace: the
   init cannot mount one itself when its user namespace does not own the namespace. Returns the
   detached mount. */
static int
fresh_kernel_fs (pid_t init, const char *type, const char *name, int nstype, const char *what,
                 ecirun_error_t *err)
{
  cleanup_free char *ns_path = xasprintf ("/proc/%d/ns/%s", (int)init, name);
  cleanup_close int ns = open (ns_path, O_RDONLY | O_CLOEXEC);
  struct sync_msg m;
  int sp[2], r;
  pid_t pid;

  if (ns < 0)
    return make_error (err, errno, "%s: open the init's %s namespace", what, name);
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    return make_error (err, errno, "%s: socketpair", what);
  pid = fork ();
  if (pid < 0)
    {
      close (sp[0]);
      close (sp[1]);
      return make_error (err, errno, "%s: fork", what);
    }
  if (pid == 0)
    {
      int fs, mnt = -1;
      const char *step = "setns";
      close (sp[0]);
      if (setns (ns, nstype) == 0)
        {
          step = "fsopen";
          fs = sys_fsopen (type, FSOPEN_CLOEXEC);
          if (fs >= 0)
            {
              step = "create";
              if (sys_fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
                {
                  step = "fsmount";
                  mnt = sys_fsmount (fs, FSMOUNT_CLOEXEC, 0);
                }
            }
        }
      if (mnt >= 0)
        _exit (sync_send (sp[1], SYNC_MOUNT_FD, NULL, mnt, NULL) < 0 ? 2 : 0);
      {
        cleanup_free char *msg = xasprintf ("%s: mount a new %s for the container's %s "
                                            "namespace: %s: %s",
                                            what, type, name, step, strerror (errno));
        sync_send (sp[1], SYNC_ERROR, msg, -1, NULL);
      }
      _exit (1);
    }
  close (sp[1]);
  r = sync_expect (sp[0], SYNC_MOUNT_FD, &m, err);
  close (sp[0]);
  waitpid (pid, NULL, 0);
  if (r < 0)
    return -1;
  if (m.fd < 0)
    return make_error (err, 0, "%s: no %s mount received", what, type);
  return m.fd;
}

/* The directory of the host-side fd `checked`, opened again in the init's mount namespace (the
   kernel takes an overlay's layers only from the mounter's own namespace) and required to be
   the very same directory. */
static int
reopen_in_init (pid_t init, int checked, const char *what, const char *dir, ecirun_error_t *err)
{
  cleanup_free char *root_path = xasprintf ("/proc/%d/root", (int)init);
  cleanup_close int root = open (root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  char link[64], real[PATH_MAX];
  struct stat a, b;
  ssize_t n;
  int fd;

  snprintf (link, sizeof (link), "/proc/self/fd/%d", checked);
  n = readlink (link, real, sizeof (real) - 1);
  if (root < 0 || n <= 0)
    return make_error (err, errno, "%s: open `%s` in the container's mount namespace", what, dir);
  real[n] = '\0';
  fd = fs_open_in_root (root, real, O_PATH | O_DIRECTORY, 0, err);
  if (fd < 0)
    return error_wrap (err, "%s: overlay directory `%s`", what, dir);
  if (fstat (fd, &a) < 0 || fstat (checked, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
    {
      close (fd);
      return make_error (err, 0,
                         "%s: overlay directory `%s` (%s) is not the same directory in the "
                         "container's mount namespace",
                         what, dir, real);
    }
  return fd;
}

/* An overlay mount of config.json names host directories in its options: each is opened once
   (relative ones from the bundle), must pass the guard as a bind source would, and goes to the
   init as an fd, in the order of the options, which the init mounts by (never by the path). The
   options are split exactly as the kernel splits them. */
static int
send_overlay_dirs (const struct mount_guard *g, pid_t init, long index, const char *data,
                   const char *what, int sync_fd, ecirun_error_t *err)
{
  struct overlay_opt *opts = NULL;
  size_t n = overlay_opts_parse (data, &opts);
  int r = 0;

  for (size_t i = 0; i < n && r == 0; i++)
    for (size_t k = 0; opts[i].dirs && opts[i].dirs[k] && r == 0; k++)
      {
        cleanup_close int checked = mount_guard_open (g, opts[i].dirs[k], false, false, what, err);
        int fd = checked < 0 ? -1 : reopen_in_init (init, checked, what, opts[i].dirs[k], err);
        r = fd < 0 ? -1 : send_indexed (sync_fd, SYNC_OVERLAY_DIR, index, fd, err);
      }
  overlay_opts_free (opts, n);
  return r;
}

/* A layer of the overlay rootfs is judged as a root would be. */
static int
check_layer (const struct mount_guard *g, const char *base, const char *rel, ecirun_error_t *err)
{
  cleanup_free char *abs = xasprintf ("%s/%s", base, rel);
  int fd = mount_guard_open (g, abs, true, false, "root.path (overlay layer)", err);

  if (fd < 0)
    return -1;
  close (fd);
  return 0;
}

static int
send_rootfs (const struct mount_trees_ctx *x, const struct mount_guard *g,
             const struct overlay_rootfs *ovl, pid_t init, int userns, int sync_fd,
             ecirun_error_t *err)
{
  cleanup_close int rootfs_fd = mount_guard_open (g, x->rootfs, true, true, "root.path", err);
  cleanup_free char *in_init = xasprintf ("/proc/%d/root%s", (int)init, x->rootfs);
  int dir, tree, r;

  if (rootfs_fd < 0)
    return -1;
  dir = open (in_init, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return make_error (err, errno, "open the rootfs in the container's mount namespace");
  r = sync_send (sync_fd, SYNC_ROOTFS_FD, NULL, dir, err);
  close (dir);
  if (r < 0)
    return -1;
  if (ovl == NULL)
    {
      tree = clone_idmapped (rootfs_fd, "", true, userns, "rootfs", err);
      return tree < 0 ? -1 : send_indexed (sync_fd, SYNC_MOUNT_FD, -1, tree, err);
    }
  {
    /* Each layer is judged as a root would be, then only the layers' own mount is cloned:
       other containers' overlays below it stay out. */
    cleanup_close int base
        = mount_guard_open (g, ovl->base, true, false, "root.path (layers)", err);
    if (base < 0)
      return -1;
    for (size_t i = 0; ovl->lower[i]; i++)
      if (check_layer (g, ovl->base, ovl->lower[i], err) < 0)
        return -1;
    if (ovl->upper
        && (check_layer (g, ovl->base, ovl->upper, err) < 0
            || check_layer (g, ovl->base, ovl->work, err) < 0))
      return -1;
    if (overlay_mark_user_xattrs (ovl, err) < 0)
      return -1;
    tree = clone_idmapped (base, "", false, userns, "rootfs layers", err);
    if (tree < 0)
      return -1;
    r = sync_send (sync_fd, SYNC_OVERLAY, ovl->options, tree, err);
    close (tree);
    return r;
  }
}

/* Is the source fd inside one of the engines' directories (a volume, the engine's files of the
   container), not a host directory the user named? */
static bool
engine_managed (const struct mount_guard *g, int fd)
{
  char link[64], real[PATH_MAX];
  ssize_t n;

  snprintf (link, sizeof (link), "/proc/self/fd/%d", fd);
  n = readlink (link, real, sizeof (real) - 1);
  if (n <= 0)
    return false;
  real[n] = '\0';
  for (int k = 0; k < ENGINE_N_DIRS; k++)
    {
      if (guard_path_within (real, engine_dir_default (k)))
        return true;
      for (char *const *d = g->engine ? g->engine->dirs[k] : NULL; d && *d; d++)
        if (guard_path_within (real, *d))
          return true;
    }
  return false;
}

static int
send_mounts (const struct mount_trees_ctx *x, const struct mount_guard *g, pid_t init, int userns,
             int sync_fd, ecirun_error_t *err)
{
  const struct oci_config *c = x->config;

  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const struct mount_config *m = &c->mounts[i];
      struct mount_opts o = { 0 };
      cleanup_free char *what = NULL;
      const char *type = m->type ? m->type : "";
      bool bind, recursive;
      int tree, r = 0;

      if (mount_opts_parse (m->options, m->n_options, &o, err) < 0)
        return error_wrap (err, "mount `%s`", m->destination);
      bind = o.bind || strcmp (type, "bind") == 0;
      recursive = o.recursive;
      what = xasprintf ("mounts[%zu] (%s)", i, m->destination);
      if (!bind && strcmp (type, "overlay") == 0)
        r = send_overlay_dirs (g, init, i, o.data, what, sync_fd, err);
      mount_opts_release (&o);
      if (r < 0)
        return -1;
      if (!bind)
        {
          /* sysfs and mqueue belong to a network and an IPC namespace: for one the container's
             user namespace does not own, the runtime mounts a new instance for it (never the
             host's /sys or /dev/mqueue). */
          if (strcmp (type, "sysfs") == 0 && !ns_owned_by_init (init, "net"))
            tree = fresh_kernel_fs (init, "sysfs", "net", CLONE_NEWNET, what, err);
          else if (strcmp (type, "mqueue") == 0 && !ns_owned_by_init (init, "ipc"))
            tree = fresh_kernel_fs (init, "mqueue", "ipc", CLONE_NEWIPC, what, err);
          else
            continue;
          if (tree < 0 || send_indexed (sync_fd, SYNC_MOUNT_FD, i, tree, err) < 0)
            return -1;
          continue;
        }
      if (m->source == NULL)
        continue;
      {
        cleanup_close int src = mount_guard_open (g, m->source, false, recursive, what, err);
        if (src < 0)
          return -1;
        tree = clone_idmapped (
            src, "", recursive,
            x->policy->host_dirs_in_block && !engine_managed (g, src) ? -1 : userns, what, err);
      }
      if (tree < 0 || send_indexed (sync_fd, SYNC_MOUNT_FD, i, tree, err) < 0)
        return -1;
    }
  return 0;
}

/* What the engine's paths say of where it keeps its data (engine.h). */
static void
learn_engine (const struct mount_trees_ctx *x, const struct overlay_rootfs *ovl,
              struct engine_dirs *e)
{
  engine_dirs_learn (e, x->rootfs, x->id, false);
  engine_dirs_learn (e, x->bundle, x->id, false);
  if (ovl)
    {
      engine_dirs_learn (e, ovl->base, x->id, false);
      for (size_t i = 0; ovl->lower[i]; i++)
        {
          cleanup_free char *abs = xasprintf ("%s/%s", ovl->base, ovl->lower[i]);
          cleanup_free char *real = realpath (abs, NULL);
          engine_dirs_learn (e, real ? real : abs, x->id, false);
        }
      if (ovl->upper)
        {
          cleanup_free char *abs = xasprintf ("%s/%s", ovl->base, ovl->upper);
          engine_dirs_learn (e, abs, x->id, false);
        }
    }
  for (size_t i = 0; i < x->config->n_mounts; i++)
    engine_dirs_learn (e, x->config->mounts[i].source, x->id, true);
}

int
mount_trees_send (const struct mount_trees_ctx *x, pid_t init, int sync_fd, ecirun_error_t *err)
{
  cleanup_free char *user_path = xasprintf ("/proc/%d/ns/user", (int)init);
  cleanup_close int userns = open (user_path, O_RDONLY | O_CLOEXEC);
  cleanup_free char *unix_socks = NULL;
  struct mountinfo_entry *mounts = NULL;
  struct overlay_rootfs *ovl = NULL;
  struct engine_dirs engine = { 0 };
  cleanup_free char *buildkit = mount_guard_buildkit_dir (x->bundle, x->id);
  struct mount_guard g = { .policy = x->policy,
                           .id = x->id,
                           .state_root = x->state_root,
                           .net_ids = x->net_ids,
                           .ipc_ids = x->ipc_ids,
                           .buildkit_dir = buildkit,
                           .engine = &engine };
  int r = -1;

  if (userns < 0)
    return make_error (err, errno, "open the container's user namespace");
  /* One read of the host's mounts serves every source. */
  if (mountinfo_read ("/proc/self/mountinfo", &mounts, &g.n_mounts, err) < 0)
    return -1;
  g.mounts = mounts;
  if (overlay_detect (x->rootfs, &ovl, err) < 0)
    goto out;
  learn_engine (x, ovl, &engine);
  (void)read_file_at (AT_FDCWD, "/proc/net/unix", &unix_socks, NULL, 0, NULL);
  mount_guard_prepare (&g, unix_socks);
  if (send_rootfs (x, &g, ovl, init, userns, sync_fd, err) < 0
      || devices_send_trees (x->config->linux_cfg, userns, sync_fd, err) < 0
      || send_mounts (x, &g, init, userns, sync_fd, err) < 0)
    goto out;
  r = 0;
out:
  mount_guard_release (&g);
  engine_dirs_release (&engine);
  overlay_free (ovl);
  mountinfo_free (mounts, g.n_mounts);
  return r;
}
