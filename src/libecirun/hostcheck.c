/* `ecirun check`: the host's support for each isolation feature (hostcheck.h). */
#define _GNU_SOURCE
#include <config.h>
#include "hostcheck.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>
#include "cgroup.h"
#include "policy.h"
#include "syscalls.h"
#include "utils.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif

/* The probes' user namespaces map container root to an unprivileged host uid (nothing runs as
   it for longer than a probe): the start of ecirun's default pool. */
#define PROBE_ID_FIRST POLICY_DEFAULT_POOL_FIRST
#define PROBE_ID_COUNT 65536
#define MSG_MAX        512

struct results
{
  struct check_result *v;
  size_t n;
};

static void add (struct results *r, enum check_verdict verdict, const char *fix, const char *what,
                 const char *detail_fmt, ...) __attribute__ ((format (printf, 5, 6)));

static bool
strv_contains_str (char *const *v, const char *s)
{
  for (; v && *v; v++)
    if (strcmp (*v, s) == 0)
      return true;
  return false;
}

static void
add (struct results *r, enum check_verdict verdict, const char *fix, const char *what,
     const char *detail_fmt, ...)
{
  va_list ap;
  struct check_result *x;

  r->v = xrealloc (r->v, (r->n + 1) * sizeof (*r->v));
  x = &r->v[r->n++];
  memset (x, 0, sizeof (*x));
  x->what = xstrdup (what);
  x->verdict = verdict;
  va_start (ap, detail_fmt);
  if (vasprintf (&x->detail, detail_fmt, ap) < 0)
    x->detail = NULL;
  va_end (ap);
  x->fix = fix ? xstrdup (fix) : NULL;
}

/* ---- running a probe in a child ---- */

typedef int (*probe_fn) (void *arg, char *msg, size_t len);

static int
write_map (pid_t pid, const char *file)
{
  char path[64], map[64];
  cleanup_close int fd = -1;
  int n;

  snprintf (path, sizeof (path), "/proc/%d/%s", (int)pid, file);
  n = snprintf (map, sizeof (map), "0 %u %u\n", PROBE_ID_FIRST, PROBE_ID_COUNT);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  return fd < 0 || write (fd, map, n) != n ? -1 : 0;
}

/* Run fn in a child: in a new user namespace (mapped by us, the parent) when userns, after
   unshare(flags). Returns fn's status (0: holds), with its message in msg. */
static int
in_child (bool userns, int flags, probe_fn fn, void *arg, char *msg, size_t len)
{
  int sync[2] = { -1, -1 }, go[2] = { -1, -1 }, out[2] = { -1, -1 };
  char c = 0;
  pid_t pid;
  int status = 0;
  ssize_t n, got = 0;

  msg[0] = '\0';
  if (pipe2 (sync, O_CLOEXEC) < 0 || pipe2 (go, O_CLOEXEC) < 0 || pipe2 (out, O_CLOEXEC) < 0)
    {
      snprintf (msg, len, "pipe: %s", strerror (errno));
      return -1;
    }
  pid = fork ();
  if (pid < 0)
    {
      snprintf (msg, len, "fork: %s", strerror (errno));
      return -1;
    }
  if (pid == 0)
    {
      char buf[MSG_MAX] = "";
      int r;
      close (sync[0]);
      close (go[1]);
      close (out[0]);
      if (userns && unshare (CLONE_NEWUSER) < 0)
        {
          r = snprintf (buf, sizeof (buf), "unshare(CLONE_NEWUSER): %s", strerror (errno));
          (void)!write (out[1], buf, r);
          _exit (1);
        }
      (void)!write (sync[1], "x", 1);
      if (read (go[0], &c, 1) != 1)
        _exit (1);
      /* Root of the new namespace: its uid 0, the map's first host ID. */
      if (userns
          && ((setgroups (0, NULL) < 0 && errno != EPERM) || setresgid (0, 0, 0) < 0
              || setresuid (0, 0, 0) < 0))
        {
          r = snprintf (buf, sizeof (buf), "become root of the user namespace: %s",
                        strerror (errno));
          (void)!write (out[1], buf, r);
          _exit (1);
        }
      if (flags && unshare (flags) < 0)
        {
          r = snprintf (buf, sizeof (buf), "unshare: %s", strerror (errno));
          (void)!write (out[1], buf, r);
          _exit (1);
        }
      r = fn (arg, buf, sizeof (buf));
      (void)!write (out[1], buf, strlen (buf));
      _exit (r ? 1 : 0);
    }
  close (sync[1]);
  close (go[0]);
  close (out[1]);
  if (read (sync[0], &c, 1) == 1 && userns
      && (write_map (pid, "uid_map") < 0 || write_map (pid, "gid_map") < 0))
    snprintf (msg, len, "write the probe's uid_map/gid_map: %s", strerror (errno));
  if (msg[0] == '\0')
    (void)!write (go[1], "x", 1);
  close (go[1]);
  while (got < (ssize_t)len - 1 && (n = read (out[0], msg + got, len - 1 - got)) > 0)
    got += n;
  if (got > 0)
    msg[got] = '\0';
  close (out[0]);
  close (sync[0]);
  if (waitpid (pid, &status, 0) < 0)
    return -1;
  return WIFEXITED (status) && WEXITSTATUS (status) == 0 && got <= 0 ? 0 : -1;
}

#define FAILF(...)                                                                                 \
  do                                                                                               \
    {                                                                                              \
      snprintf (msg, len, __VA_ARGS__);                                                            \
      return -1;                                                                                   \
    }                                                                                              \
  while (0)

/* ---- user namespaces ---- */

static int
probe_userns (void *arg, char *msg, size_t len)
{
  char buf[128] = "";
  cleanup_close int fd = open ("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
  unsigned a, b, c;

  if (fd < 0 || read (fd, buf, sizeof (buf) - 1) <= 0)
    FAILF ("read /proc/self/uid_map: %s", strerror (errno));
  if (sscanf (buf, "%u %u %u", &a, &b, &c) != 3 || a != 0 || b != PROBE_ID_FIRST
      || c != PROBE_ID_COUNT)
    FAILF ("the probe's uid_map is `%s`", buf);
  if (getuid () != 0)
    FAILF ("uid %u inside, not 0", (unsigned)getuid ());
  return 0;
}

static long
read_long (const char *path)
{
  cleanup_free char *s = NULL;
  if (read_file_at (AT_FDCWD, path, &s, NULL, 64, NULL) < 0)
    return -1;
  return strtol (s, NULL, 10);
}

static void
check_userns (struct results *r)
{
  char msg[MSG_MAX];
  long max = read_long ("/proc/sys/user/max_user_namespaces");

  if (max == 0)
    {
      add (r, CHECK_FAIL, "sysctl -w user.max_user_namespaces=65536 (and in /etc/sysctl.d/)",
           "user namespaces", "user.max_user_namespaces is 0");
      return;
    }
  if (in_child (true, 0, probe_userns, NULL, msg, sizeof (msg)) < 0)
    add (r, CHECK_FAIL, "a kernel with CONFIG_USER_NS=y and user namespaces allowed",
         "user namespaces", "%s", msg);
  else
    add (r, CHECK_OK, NULL, "user namespaces", "a new user namespace with a %u-ID map%s%ld",
         PROBE_ID_COUNT, max > 0 ? ", max_user_namespaces " : "", max > 0 ? max : 0);
}

/* ---- ID-mapped mounts ---- */

/* A user namespace of the probe's map, held open by fd (-1 on failure). */
static int
probe_userns_fd (char *msg, size_t len)
{
  int sync[2];
  char c;
  pid_t pid;
  int fd = -1, status;
  char path[64];

  if (pipe2 (sync, O_CLOEXEC) < 0)
    return -1;
  pid = fork ();
  if (pid == 0)
    {
      close (sync[0]);
      if (unshare (CLONE_NEWUSER) < 0)
        _exit (1);
      (void)!write (sync[1], "x", 1);
      pause ();
      _exit (0);
    }
  close (sync[1]);
  if (pid > 0 && read (sync[0], &c, 1) == 1 && write_map (pid, "uid_map") == 0
      && write_map (pid, "gid_map") == 0)
    {
      snprintf (path, sizeof (path), "/proc/%d/ns/user", (int)pid);
      fd = open (path, O_RDONLY | O_CLOEXEC);
    }
  if (fd < 0)
    snprintf (msg, len, "a user namespace for the probe: %s", strerror (errno));
  close (sync[0]);
  if (pid > 0)
    {
      kill (pid, SIGKILL);
      waitpid (pid, &status, 0);
    }
  return fd;
}

static const char *
fs_name (unsigned long t)
{
  switch (t)
    {
    case EXT4_SUPER_MAGIC:
      return "ext4";
    case XFS_SUPER_MAGIC:
      return "xfs";
    case BTRFS_SUPER_MAGIC:
      return "btrfs";
    case TMPFS_MAGIC:
      return "tmpfs";
    case OVERLAYFS_SUPER_MAGIC:
      return "overlay";
    case NFS_SUPER_MAGIC:
      return "nfs";
    case 0x2fc12fc1:
      return "zfs";
    case F2FS_SUPER_MAGIC:
      return "f2fs";
    case FUSE_SUPER_MAGIC:
      return "fuse";
    default:
      return NULL;
    }
}

static void
check_idmap (struct results *r, const char *path, int userns)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (unsigned)userns };
  cleanup_free char *what = NULL;
  char type[32];
  struct statfs sf;
  int fd;

  if (statfs (path, &sf) < 0)
    return;
  snprintf (type, sizeof (type), "%s", fs_name ((unsigned long)sf.f_type) ?: "");
  if (type[0] == '\0')
    snprintf (type, sizeof (type), "type 0x%lx", (unsigned long)sf.f_type);
  what = xasprintf ("ID-mapped mounts on %s (%s)", path, type);
  fd = sys_open_tree (AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd < 0)
    {
      add (r, CHECK_FAIL, "a kernel of 5.12 or later (open_tree, mount_setattr)", what,
           "open_tree: %s", strerror (errno));
      return;
    }
  if (sys_mount_setattr (fd, "", AT_EMPTY_PATH, &attr) < 0)
    {
      int e = errno;
      add (r, CHECK_FAIL,
           (unsigned long)sf.f_type == OVERLAYFS_SUPER_MAGIC
               ? "overlayfs cannot be ID-mapped: give the engine a data root on ext4, xfs, btrfs "
                 "or tmpfs (a volume, not the container's overlay, for an engine in a container)"
               : "keep the engine's data on a file system with ID-mapped mount support (ext4, "
                 "xfs, btrfs, tmpfs, f2fs on 5.12+; overlayfs never), or a newer kernel",
           what, "mount_setattr(MOUNT_ATTR_IDMAP) of a clone of it: %s", strerror (e));
    }
  else
    add (r, CHECK_OK, NULL, what, "an ID-mapped clone of it");
  close (fd);
}

static void
add_dir (char ***v, size_t *n, const char *p)
{
  struct stat st;

  if (p && stat (p, &st) == 0 && S_ISDIR (st.st_mode) && !strv_contains_str (*v, p))
    {
      *v = xrealloc (*v, (*n + 2) * sizeof (**v));
      (*v)[(*n)++] = xstrdup (p);
      (*v)[*n] = NULL;
    }
}
#define ADD(p) add_dir (&v, &n, (p))

/* The engines' data roots that exist here (and those the engines' configuration names). */
static char **
default_paths (void)
{
  static const char *const known[]
      = { "/var/lib/docker", "/var/lib/containerd", "/var/lib/containers/storage", NULL };
  char **v = NULL;
  size_t n = 0;
  cleanup_free char *json = NULL;
  struct ecirun_policy pol;

  for (size_t i = 0; known[i]; i++)
    ADD (known[i]);
  /* dockerd's data-root of /etc/docker/daemon.json. */
  if (read_file_at (AT_FDCWD, "/etc/docker/daemon.json", &json, NULL, 1 << 20, NULL) == 0)
    {
      yajl_val t = yajl_tree_parse (json, NULL, 0);
      const char *key[] = { "data-root", NULL };
      yajl_val d = t ? yajl_tree_get (t, key, yajl_t_string) : NULL;
      if (d && YAJL_GET_STRING (d)[0] == '/')
        ADD (YAJL_GET_STRING (d));
      yajl_tree_free (t);
    }
  {
    ecirun_error_t e = NULL;
    if (policy_load (&pol, &e) == 0)
      {
        ADD (pol.state_dir);
        policy_release (&pol);
      }
    error_release (&e);
  }
  if (n == 0)
    ADD ("/var/lib");
#undef ADD
  return v;
}

/* ---- overlayfs in a user namespace ---- */

static int
probe_overlay (void *arg, char *msg, size_t len)
{
  const char *d = "/tmp";
  int fd;

  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    FAILF ("make the probe's mounts private: %s", strerror (errno));
  if (mount ("ecirun-check", d, "tmpfs", 0, "mode=0755") < 0)
    FAILF ("mount a tmpfs in the user namespace: %s", strerror (errno));
  if (mkdir ("/tmp/l", 0755) < 0 || mkdir ("/tmp/u", 0755) < 0 || mkdir ("/tmp/w", 0755) < 0
      || mkdir ("/tmp/m", 0755) < 0)
    FAILF ("mkdir: %s", strerror (errno));
  fd = open ("/tmp/l/file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    FAILF ("create a lower file: %s", strerror (errno));
  close (fd);
  if (mount ("overlay", "/tmp/m", "overlay", 0,
             "lowerdir=/tmp/l,upperdir=/tmp/u,workdir=/tmp/w,userxattr")
      < 0)
    FAILF ("mount overlay (userxattr) in a user namespace: %s", strerror (errno));
  if (access ("/tmp/m/file", F_OK) < 0)
    FAILF ("the overlay does not show its lower layer");
  if (unlink ("/tmp/m/file") < 0 || access ("/tmp/l/file", F_OK) < 0)
    FAILF ("a whiteout in the overlay: %s", strerror (errno));
  return 0;
}

static void
check_overlay (struct results *r)
{
  char msg[MSG_MAX];

  if (in_child (true, CLONE_NEWNS, probe_overlay, NULL, msg, sizeof (msg)) < 0)
    add (r, CHECK_FAIL, "a kernel of 5.11 or later (overlayfs mounts in user namespaces)",
         "overlayfs in a user namespace", "%s", msg);
  else
    add (r, CHECK_OK, NULL, "overlayfs in a user namespace",
         "mounted with userxattr, lower layer and whiteouts work");
}

/* ---- seccomp user notification with ADDFD ---- */

static int
probe_seccomp (void *arg, char *msg, size_t len)
{
#ifdef SECCOMP_IOCTL_NOTIF_ADDFD
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  struct seccomp_notif *req = NULL;
  struct seccomp_notif_resp *resp = NULL;
  struct seccomp_notif_addfd addfd = { 0 };
  int nfd, src, status, remote;
  pid_t pid;

  if (ctx == NULL || seccomp_rule_add (ctx, SCMP_ACT_NOTIFY, SCMP_SYS (getppid), 0) < 0)
    FAILF ("libseccomp cannot make a notify rule (libseccomp >= 2.5 needed)");
  if (seccomp_load (ctx) < 0)
    FAILF ("load a filter with SECCOMP_FILTER_FLAG_NEW_LISTENER: %s", strerror (errno));
  nfd = seccomp_notify_fd (ctx);
  if (nfd < 0)
    FAILF ("no notification fd");
  pid = fork ();
  if (pid == 0)
    {
      long fd = syscall (SYS_getppid);
      _exit (fd >= 0 && fcntl ((int)fd, F_GETFD) >= 0 ? 0 : 1);
    }
  if (pid < 0 || seccomp_notify_alloc (&req, &resp) < 0)
    FAILF ("fork: %s", strerror (errno));
  if (seccomp_notify_receive (nfd, req) < 0)
    FAILF ("SECCOMP_IOCTL_NOTIF_RECV: %s", strerror (errno));
  src = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  addfd.id = req->id;
  addfd.srcfd = (unsigned)src;
  remote = ioctl (nfd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
  resp->id = req->id;
  resp->val = remote;
  resp->error = remote < 0 ? -ENOSYS : 0;
  resp->flags = 0;
  if (seccomp_notify_respond (nfd, resp) < 0)
    FAILF ("SECCOMP_IOCTL_NOTIF_SEND: %s", strerror (errno));
  if (waitpid (pid, &status, 0) < 0 || remote < 0)
    FAILF ("SECCOMP_IOCTL_NOTIF_ADDFD: %s", strerror (remote < 0 ? errno : ECHILD));
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    FAILF ("the trapped process did not get the added fd");
  return 0;
#else
  FAILF ("built without SECCOMP_IOCTL_NOTIF_ADDFD (kernel headers older than 5.9)");
#endif
}

static void
check_seccomp (struct results *r)
{
  char msg[MSG_MAX];

  if (in_child (false, 0, probe_seccomp, NULL, msg, sizeof (msg)) < 0)
    add (r, CHECK_FAIL, "a kernel of 5.9 or later with CONFIG_SECCOMP_FILTER, libseccomp 2.5+",
         "seccomp user notification with ADDFD", "%s", msg);
  else
    add (r, CHECK_OK, NULL, "seccomp user notification with ADDFD",
         "a trapped syscall answered with an fd added to the caller");
}

/* ---- FUSE ---- */

static void
check_fuse (struct results *r)
{
  cleanup_free char *fs = NULL;
  struct stat st;
  int fd;

  (void)read_file_at (AT_FDCWD, "/proc/filesystems", &fs, NULL, 0, NULL);
  if (fs == NULL || strstr (fs, "\tfuse\n") == NULL)
    {
      add (r, CHECK_FAIL, "modprobe fuse (CONFIG_FUSE_FS)", "FUSE",
           "the kernel has no fuse file system");
      return;
    }
  if (stat ("/dev/fuse", &st) < 0 || !S_ISCHR (st.st_mode) || major (st.st_rdev) != 10
      || minor (st.st_rdev) != 229)
    {
      add (r, CHECK_FAIL, "mknod -m 0666 /dev/fuse c 10 229", "FUSE",
           "/dev/fuse is missing or not the FUSE device (c 10:229)");
      return;
    }
  fd = open ("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      add (r, CHECK_FAIL, "give the runtime access to /dev/fuse (device cgroup, LSM)", "FUSE",
           "open /dev/fuse: %s", strerror (errno));
      return;
    }
  close (fd);
  add (r, CHECK_OK, NULL, "FUSE", "/dev/fuse (c 10:229) opens");
}

/* ---- cgroups ---- */

const char *
hostcheck_cgroup_layout (unsigned long root_type, bool unified_is_cgroup2)
{
  if (root_type == CGROUP2_SUPER_MAGIC)
    return "v2";
  return unified_is_cgroup2 ? "hybrid" : "v1";
}

static bool
is_cgroup2 (const char *path)
{
  struct statfs sf;
  return statfs (path, &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* Can a cgroup be made in dir and handed to an unprivileged owner? */
static int
try_delegate (const char *dir, char *msg, size_t len)
{
  cleanup_free char *p = xasprintf ("%s/ecirun-check.%d", dir, (int)getpid ());
  int r = 0;

  if (mkdir (p, 0755) < 0)
    FAILF ("mkdir %s: %s", p, strerror (errno));
  if (chown (p, PROBE_ID_FIRST, PROBE_ID_FIRST) < 0)
    {
      snprintf (msg, len, "chown %s: %s", p, strerror (errno));
      r = -1;
    }
  rmdir (p);
  return r;
}

static void
check_cgroups (struct results *r)
{
  struct statfs sf;
  const char *layout;
  char msg[MSG_MAX];

  if (statfs ("/sys/fs/cgroup", &sf) < 0)
    {
      add (r, CHECK_FAIL, "mount cgroup2 on /sys/fs/cgroup", "cgroups", "/sys/fs/cgroup: %s",
           strerror (errno));
      return;
    }
  layout
      = hostcheck_cgroup_layout ((unsigned long)sf.f_type, is_cgroup2 ("/sys/fs/cgroup/unified"));
  if (strcmp (layout, "v2") == 0)
    {
      static const char *const need[] = { "cpu", "memory", "pids", NULL };
      cleanup_free char *ctl = NULL, *sub = NULL;
      char missing[128] = "";

      (void)read_file_at (AT_FDCWD, "/sys/fs/cgroup/cgroup.controllers", &ctl, NULL, 0, NULL);
      for (size_t i = 0; need[i]; i++)
        {
          cleanup_free char *w = xasprintf (" %s ", need[i]);
          cleanup_free char *have = xasprintf (" %s ", ctl ? ctl : "");
          for (char *q = have; *q; q++)
            if (*q == '\n')
              *q = ' ';
          if (strstr (have, w) == NULL)
            snprintf (missing + strlen (missing), sizeof (missing) - strlen (missing), "%s%s",
                      missing[0] ? " " : "", need[i]);
        }
      if (ctl)
        ctl[strcspn (ctl, "\n")] = '\0';
      if (missing[0])
        add (r, CHECK_FAIL,
             "free these controllers from cgroup v1 hierarchies (boot with "
             "systemd.unified_cgroup_hierarchy=1 / cgroup_no_v1=all)",
             "cgroups", "cgroup v2 (unified), controllers `%s`: missing %s", ctl ? ctl : "",
             missing);
      else
        add (r, CHECK_OK, NULL, "cgroups", "cgroup v2 (unified), controllers `%s`", ctl);
      (void)read_file_at (AT_FDCWD, "/sys/kernel/cgroup/delegate", &sub, NULL, 0, NULL);
      if (try_delegate ("/sys/fs/cgroup", msg, sizeof (msg)) < 0)
        add (r, CHECK_FAIL, "mount /sys/fs/cgroup read-write for the runtime", "cgroup delegation",
             "%s", msg);
      else
        add (r, CHECK_OK, NULL, "cgroup delegation",
             "a cgroup made and given to an unprivileged owner%s",
             sub ? " (kernel delegation "
                   "files listed in /sys/kernel/cgroup/delegate)"
                 : "");
      return;
    }
  {
    static const char *const need[]
        = { "cpu", "cpuacct", "memory", "pids", "devices", "freezer", "blkio", NULL };
    char missing[128] = "";
    for (size_t i = 0; need[i]; i++)
      {
        cleanup_free char *p = xasprintf ("/sys/fs/cgroup/%s", need[i]);
        struct statfs cs;
        if (statfs (p, &cs) < 0 || (unsigned long)cs.f_type != CGROUP_SUPER_MAGIC)
          snprintf (missing + strlen (missing), sizeof (missing) - strlen (missing), "%s%s",
                    missing[0] ? " " : "", need[i]);
      }
    if (missing[0])
      add (r, CHECK_FAIL, "mount the missing cgroup v1 hierarchies, or boot with cgroup v2",
           "cgroups", "cgroup %s: no hierarchy for %s", layout, missing);
    else
      add (r, CHECK_OK, NULL, "cgroups", "cgroup v1 controllers%s",
           strcmp (layout, "hybrid") == 0 ? " (hybrid: cgroup2 at /sys/fs/cgroup/unified too)"
                                          : "");
    if (try_delegate ("/sys/fs/cgroup/memory", msg, sizeof (msg)) < 0)
      add (r, CHECK_FAIL, "mount the cgroup hierarchies read-write for the runtime",
           "cgroup delegation", "%s", msg);
    else
      add (r, CHECK_WARN, NULL, "cgroup delegation",
           "v1: the container's cgroups are given to its root, but v1 has no safe delegation "
           "(nsdelegate) and no cgroup.kill; cgroup v2 is the better host");
  }
}

/* ---- mount locking ---- */

static int
probe_locked (void *arg, char *msg, size_t len)
{
  /* In a user namespace of its own (this child), after CLONE_NEWNS: the mount made in the
     parent's private namespace must be locked to it. */
  struct stat a, b;

  /* The probe's mount is there (not a plain directory, which would make umount fail too). */
  if (stat ("/tmp", &a) < 0 || stat ("/tmp/ecirun-check-locked", &b) < 0 || a.st_dev == b.st_dev)
    FAILF ("the probe's mount is not visible in the new namespace");
  if (umount2 ("/tmp/ecirun-check-locked", MNT_DETACH) == 0)
    FAILF ("a mount inherited by a less privileged mount namespace could be unmounted");
  if (errno != EINVAL && errno != EPERM)
    FAILF ("umount: %s", strerror (errno));
  return 0;
}

static int
probe_locking (void *arg, char *msg, size_t len)
{
  char inner[MSG_MAX];

  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    FAILF ("make the probe's mounts private: %s", strerror (errno));
  if (mount ("ecirun-check", "/tmp", "tmpfs", 0, "mode=0755") < 0)
    FAILF ("mount a tmpfs: %s", strerror (errno));
  if (mkdir ("/tmp/ecirun-check-locked", 0755) < 0
      || mount ("ecirun-check", "/tmp/ecirun-check-locked", "tmpfs", 0, NULL) < 0)
    FAILF ("mount the probe: %s", strerror (errno));
  if (in_child (true, CLONE_NEWNS, probe_locked, NULL, inner, sizeof (inner)) < 0)
    FAILF ("%s", inner);
  return 0;
}

static void
check_locking (struct results *r)
{
  char msg[MSG_MAX];

  if (in_child (false, CLONE_NEWNS, probe_locking, NULL, msg, sizeof (msg)) < 0)
    add (r, CHECK_FAIL, "a kernel that locks the mounts of less privileged namespaces (3.12+)",
         "mount locking", "%s", msg);
  else
    add (r, CHECK_OK, NULL, "mount locking",
         "mounts a container gets cannot be unmounted from its user namespace");
}

/* ---- all ---- */

void
hostcheck_run (char *const *paths, struct check_result **ret, size_t *n)
{
  struct results r = { 0 };
  char msg[MSG_MAX];
  cleanup_strv char **dflt = NULL;
  int userns;

  check_userns (&r);
  if (paths == NULL || paths[0] == NULL)
    paths = dflt = default_paths ();
  userns = probe_userns_fd (msg, sizeof (msg));
  if (userns < 0)
    add (&r, CHECK_FAIL, "see user namespaces above", "ID-mapped mounts", "%s", msg);
  else
    {
      for (size_t i = 0; paths[i]; i++)
        check_idmap (&r, paths[i], userns);
      close (userns);
    }
  check_overlay (&r);
  check_seccomp (&r);
  check_fuse (&r);
  check_cgroups (&r);
  check_locking (&r);
  *ret = r.v;
  *n = r.n;
}

void
hostcheck_free (struct check_result *r, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (r[i].what);
      free (r[i].detail);
      free (r[i].fix);
    }
  free (r);
}
