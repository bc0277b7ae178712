/* A new procfs or sysfs for a container whose own hides paths: the kernel refuses it there
   ("too revealing": no fully visible instance in the caller's mount namespace), so it is
   built where one is, masked as the container's own, and attached with the masks locked:

   P0 (the helper, host root): a private copy A of the host's mount namespace, owned by the
      host's user namespace, with a tmpfs workspace;
   P1 (becomes the caller, and a child of it in the caller's pid namespace for procfs): creates
      the file system with the caller's credentials and options (fsopen ... FSCONFIG_CMD_CREATE)
      and hands the context to P0;
   P0: fsmount in A (not too revealing there), maskedPaths and readonlyPaths applied, then
      pivots into the workspace so that nothing of the host's tree remains;
   P2 (in the caller's user namespace): a copy B of A owned by it, which locks every mount
      (MNT_LOCKED: the masks cannot be unmounted, the read-only paths not made writable), a
      recursive clone of the tree, then the caller's mount namespace, root, cwd and
      credentials, and move_mount onto its target, which the kernel checks as for the caller.

   Nothing of it is visible to the container before the masks are in place. */
#include <config.h>
#include "fsd.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "syscalls.h"
#include "utils.h"

#define TREE_DIR "k" /* in the workspace */

static int
fail (ecirun_error_t *err, int fallback)
{
  int e = *err && (*err)->errnum ? (*err)->errnum : fallback;
  if (*err)
    fprintf (stderr, "ecirun-fsd: %s\n", (*err)->msg);
  error_release (err);
  return e;
}

static int
wait_child (pid_t pid)
{
  int status;

  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return EPERM;
  return WIFEXITED (status) ? WEXITSTATUS (status) : EPERM;
}

/* The fs options of mount(2)'s data, one fsconfig each, as the kernel splits them. */
static int
configure (int fs, const struct mount_req *r)
{
  cleanup_free char *opts = r->data ? xstrdup (r->data) : NULL;
  char *save = NULL;

  if (r->source && sys_fsconfig (fs, FSCONFIG_SET_STRING, "source", r->source, 0) < 0)
    return errno;
  for (char *o = opts ? strtok_r (opts, ",", &save) : NULL; o; o = strtok_r (NULL, ",", &save))
    {
      char *eq = strchr (o, '=');
      int rc;

      if (eq)
        {
          *eq = '\0';
          rc = sys_fsconfig (fs, FSCONFIG_SET_STRING, o, eq + 1, 0);
        }
      else
        rc = sys_fsconfig (fs, FSCONFIG_SET_FLAG, o, NULL, 0);
      if (rc < 0)
        return errno;
    }
  if (sys_fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return errno;
  return 0;
}

/* P1: the file system, created as the caller; its context goes back over sock. */
__attribute__ ((noreturn)) static void
create_as_caller (const struct mount_req *r, struct caller *c, bool sysfs, int sock)
{
  ecirun_error_t err = NULL;
  cleanup_close int fs = -1;
  int rc;

  /* fsopen wants CAP_SYS_ADMIN over the owner of the mount namespace we are in: the caller's;
     sysfs shows the mounter's network namespace, procfs its active pid namespace. */
  if (fsd_harden (&err) < 0 || caller_set_groups (c, &err) < 0
      || caller_setns (c, CALLER_NS_MNT, &err) < 0 || caller_setns (c, CALLER_NS_NET, &err) < 0
      || caller_setns (c, CALLER_NS_PID, &err) < 0 || caller_setns (c, CALLER_NS_USER, &err) < 0
      || caller_become (c, &err) < 0)
    _exit (fail (&err, EPERM));
  if (!sysfs)
    {
      pid_t child = fork ();
      if (child < 0)
        _exit (errno);
      if (child > 0)
        _exit (wait_child (child));
      if (fsd_harden (&err) < 0)
        _exit (fail (&err, EPERM));
    }
  fs = sys_fsopen (sysfs ? "sysfs" : "proc", FSOPEN_CLOEXEC);
  if (fs < 0)
    _exit (errno);
  rc = configure (fs, r);
  if (rc)
    _exit (rc);
  if (send_with_fd (sock, "k", 1, fs) < 0)
    _exit (errno);
  _exit (0);
}

static int
attach_at (int tree, int target)
{
  if (sys_move_mount (tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return -1;
  return 0;
}

/* A path of the container's /proc or /sys inside the new tree, without following anything
   (a procfs's "self" would be ours, not the caller's). -1 with errno. */
static int
open_beneath (int root, const char *rel)
{
  struct open_how how
      = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
          .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
  return (int)syscall (SYS_openat2, root, rel, &how, sizeof (how));
}

/* The rest of a config path below prefix ("/proc"), or NULL when it is not below it. */
static const char *
below (const char *path, const char *prefix)
{
  size_t n = strlen (prefix);

  if (strncmp (path, prefix, n) != 0 || path[n] != '/')
    return NULL;
  while (path[n] == '/')
    n++;
  return path[n] ? path + n : NULL;
}

static int
mask_dir (int target, const struct caller *c)
{
  cleanup_close int fs = sys_fsopen ("tmpfs", FSOPEN_CLOEXEC);
  cleanup_close int m = -1;
  uint32_t uid = 0, gid = 0;
  char buf[16];

  if (fs < 0 || sys_fsconfig (fs, FSCONFIG_SET_STRING, "size", "0", 0) < 0
      || sys_fsconfig (fs, FSCONFIG_SET_STRING, "mode", "755", 0) < 0)
    return -1;
  /* Owned by the container's root, as the masks of its own /proc. */
  if (id_map_to_host (&c->uid_map, 0, &uid) && id_map_to_host (&c->gid_map, 0, &gid))
    {
      snprintf (buf, sizeof (buf), "%u", uid);
      if (sys_fsconfig (fs, FSCONFIG_SET_STRING, "uid", buf, 0) < 0)
        return -1;
      snprintf (buf, sizeof (buf), "%u", gid);
      if (sys_fsconfig (fs, FSCONFIG_SET_STRING, "gid", buf, 0) < 0)
        return -1;
    }
  if (sys_fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  m = sys_fsmount (fs, FSMOUNT_CLOEXEC,
                   MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  return m < 0 ? -1 : attach_at (m, target);
}

static int
mask_file (int target)
{
  cleanup_close int null
      = sys_open_tree (AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  return null < 0 ? -1 : attach_at (null, target);
}

static int
make_readonly (int target)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  cleanup_close int t = sys_open_tree (
      target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);

  if (t < 0 || sys_mount_setattr (t, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
    return -1;
  return attach_at (t, target);
}

/* readonlyPaths, then maskedPaths (a mask inside a read-only path goes on top of it), as the
   container's own. A path the new tree does not have is skipped. */
static int
apply_masks (int root, const struct fsd_conf *conf, const char *prefix, const struct caller *c,
             ecirun_error_t *err)
{
  for (int pass = 0; pass < 2; pass++)
    {
      char **paths = pass == 0 ? conf->readonly : conf->masked;
      size_t n = pass == 0 ? conf->n_readonly : conf->n_masked;

      for (size_t i = 0; i < n; i++)
        {
          const char *rel = below (paths[i], prefix);
          cleanup_close int t = -1;
          struct stat sb;
          int rc;

          if (rel == NULL)
            continue;
          t = open_beneath (root, rel);
          if (t < 0 && (errno == ENOENT || errno == ELOOP || errno == EXDEV))
            continue;
          if (t < 0 || fstat (t, &sb) < 0)
            return make_error (err, errno, "%s: open `%s`", pass ? "maskedPaths" : "readonlyPaths",
                               paths[i]);
          if (pass == 0)
            rc = make_readonly (t);
          else
            rc = S_ISDIR (sb.st_mode) ? mask_dir (t, c) : mask_file (t);
          if (rc < 0)
            return make_error (err, errno, "%s: `%s`", pass ? "maskedPaths" : "readonlyPaths",
                               paths[i]);
        }
    }
  return 0;
}

/* P0's namespace: a private copy of the host's, with a tmpfs workspace at workdir. */
static int
make_workspace (const char *workdir, ecirun_error_t *err)
{
  cleanup_free char *tree = xasprintf ("%s/" TREE_DIR, workdir);

  if (unshare (CLONE_NEWNS) < 0)
    return make_error (err, errno, "unshare the mount namespace");
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return make_error (err, errno, "make the namespace private");
  if (mount ("ecirun-fsd", workdir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700,size=16k")
      < 0)
    return make_error (err, errno, "mount the workspace on `%s`", workdir);
  if (mkdir (tree, 0755) < 0)
    return make_error (err, errno, "mkdir `%s`", tree);
  return 0;
}

/* Into the workspace: the copy B made from A then holds nothing of the host's tree (and is
   cheap). Best effort: a sidecar started in a chroot cannot pivot; the build works without. */
static bool
drop_host_tree (const char *workdir)
{
  if (chdir (workdir) < 0)
    return false;
  if (sys_pivot_root (".", ".") < 0)
    {
      if (chdir ("/") < 0)
        _exit (EPERM);
      return false;
    }
  /* The old root sits on top of the new one: detach it. */
  umount2 (".", MNT_DETACH);
  if (chdir ("/") < 0)
    _exit (EPERM);
  return true;
}

/* P2. */
__attribute__ ((noreturn)) static void
attach_as_caller (const struct mount_req *r, struct caller *c, const char *tree_path)
{
  ecirun_error_t err = NULL;
  cleanup_close int tree = -1;

  pid_t child;

  if (fsd_harden (&err) < 0 || caller_set_groups (c, &err) < 0
      || caller_setns (c, CALLER_NS_PID, &err) < 0 || caller_setns (c, CALLER_NS_USER, &err) < 0)
    _exit (fail (&err, EPERM));
  /* A mount namespace of the caller's user namespace, copied from A: every mount locked. */
  if (unshare (CLONE_NEWNS) < 0)
    _exit (errno);
  tree = sys_open_tree (AT_FDCWD, tree_path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (tree < 0)
    _exit (errno);
  if (caller_setns (c, CALLER_NS_MNT, &err) < 0 || caller_enter_root (c, &err) < 0
      || caller_become (c, &err) < 0)
    _exit (fail (&err, EPERM));
  /* The target is resolved from the caller's pid namespace, with its descriptors: its
     /proc/self/fd/N is ours then (as in perform_call). */
  child = fork ();
  if (child < 0)
    _exit (errno);
  if (child > 0)
    _exit (wait_child (child));
  tree = fcntl (tree, F_DUPFD_CLOEXEC, c->fd_top);
  if (tree < 0 || fsd_harden (&err) < 0 || caller_install_fds (c) < 0)
    _exit (EPERM);
  /* mount(2) follows a symlink at the target, and triggers automounts. */
  if (sys_move_mount (tree, "", AT_FDCWD, r->target,
                      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS | MOVE_MOUNT_T_AUTOMOUNTS)
      < 0)
    _exit (errno);
  _exit (0);
}

int
kernfs_mount (const struct mount_req *r, struct caller *c, const struct fsd_conf *conf,
              const char *workdir, bool sysfs)
{
  ecirun_error_t err = NULL;
  cleanup_free char *tree_path = xasprintf ("%s/" TREE_DIR, workdir);
  cleanup_close int fs = -1, mnt = -1, root = -1;
  unsigned attrs = vet_mount_attrs (r->flags);
  bool pivoted;
  int sp[2], rc;
  pid_t pid;
  char byte;

  if (make_workspace (workdir, &err) < 0)
    return fail (&err, EPERM);
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    return errno;
  pid = fork ();
  if (pid < 0)
    return errno;
  if (pid == 0)
    {
      close (sp[0]);
      create_as_caller (r, c, sysfs, sp[1]);
    }
  close (sp[1]);
  recv_with_fd (sp[0], &byte, 1, &fs);
  close (sp[0]);
  rc = wait_child (pid);
  if (rc != 0 || fs < 0)
    return rc ? rc : EPERM;

  /* As the kernel for a fully visible instance: not less read-only than the container's own. */
  if (sysfs ? conf->sys_ro : conf->proc_ro)
    attrs |= MOUNT_ATTR_RDONLY;
  mnt = sys_fsmount (fs, FSMOUNT_CLOEXEC, attrs);
  if (mnt < 0)
    return errno;
  if (sys_move_mount (mnt, "", AT_FDCWD, tree_path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return errno;
  root = open (tree_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return errno;
  if (apply_masks (root, conf, sysfs ? "/sys" : "/proc", c, &err) < 0)
    return fail (&err, EPERM);
  close (TAKE_FD (root));
  close (TAKE_FD (mnt));
  close (TAKE_FD (fs));
  pivoted = drop_host_tree (workdir);

  pid = fork ();
  if (pid < 0)
    return errno;
  if (pid == 0)
    attach_as_caller (r, c, pivoted ? "/" TREE_DIR : tree_path);
  return wait_child (pid);
}
