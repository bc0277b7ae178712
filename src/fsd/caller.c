/* The process that made a vetted call, seen from the host: its memory, credentials, ID maps,
   namespaces, root and cwd; and becoming it, in a helper. Everything is reached through
   /proc/<tid> opened once (a directory fd pins the task: a reused pid cannot stand in for it),
   and closed before the helper enters any of the caller's namespaces. */
#include <config.h>
#include "fsd.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <dirent.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include "syscalls.h"
#include "utils.h"

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static const struct
{
  const char *name;
  int flag;
} ns_types[CALLER_NS__MAX] = {
  [CALLER_NS_MNT] = { "mnt", CLONE_NEWNS },     [CALLER_NS_PID] = { "pid", CLONE_NEWPID },
  [CALLER_NS_NET] = { "net", CLONE_NEWNET },    [CALLER_NS_IPC] = { "ipc", CLONE_NEWIPC },
  [CALLER_NS_UTS] = { "uts", CLONE_NEWUTS },    [CALLER_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
  [CALLER_NS_USER] = { "user", CLONE_NEWUSER },
};

static int mem_fd = -1;

int
fsd_harden (ecirun_error_t *err)
{
  pid_t parent = getppid ();

  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return make_error (err, errno, "prctl");
  /* The parent may have died before the death signal was armed. */
  if (getppid () != parent)
    _exit (EPERM);
  return 0;
}

int
caller_open (struct caller *c, pid_t tid, ecirun_error_t *err)
{
  char path[32];

  memset (c, 0, sizeof (*c));
  c->tid = tid;
  c->root = c->cwd = -1;
  for (int i = 0; i < CALLER_NS__MAX; i++)
    c->ns[i] = -1;
  snprintf (path, sizeof (path), "/proc/%d", (int)tid);
  c->procdir = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c->procdir < 0)
    return make_error (err, errno, "open %s", path);
  return 0;
}

static int
open_mem (struct caller *c, ecirun_error_t *err)
{
  if (mem_fd < 0)
    mem_fd = openat (c->procdir, "mem", O_RDONLY | O_CLOEXEC);
  if (mem_fd < 0)
    return make_error (err, errno, "open the memory of %d", (int)c->tid);
  return mem_fd;
}

/* Read [addr, addr + len) without crossing into the next page in one read: a fault there
   must not lose what came before it. Returns the bytes read (short at a fault). */
static size_t
read_mem (int fd, uint64_t addr, char *buf, size_t len)
{
  size_t page = (size_t)sysconf (_SC_PAGESIZE), done = 0;

  while (done < len)
    {
      uint64_t at = addr + done;
      size_t chunk = page - (size_t)(at % page);
      ssize_t n;

      if (at > INT64_MAX)
        break;
      if (chunk > len - done)
        chunk = len - done;
      n = pread (fd, buf + done, chunk, (off_t)at);
      if (n <= 0)
        break;
      done += (size_t)n;
      if ((size_t)n < chunk)
        break;
    }
  return done;
}

int
caller_read_string (struct caller *c, uint64_t addr, char *buf, size_t size, bool *ret_null,
                    ecirun_error_t *err)
{
  size_t page = (size_t)sysconf (_SC_PAGESIZE), done = 0;
  int fd;

  *ret_null = addr == 0;
  if (addr == 0)
    return 0;
  fd = open_mem (c, err);
  if (fd < 0)
    return -1;
  /* Page by page, so that a string just before an unmapped page reads. */
  while (done < size)
    {
      size_t chunk = page - (size_t)((addr + done) % page), n;

      if (chunk > size - done)
        chunk = size - done;
      n = read_mem (fd, addr + done, buf + done, chunk);
      if (memchr (buf + done, '\0', n))
        return 0;
      done += n;
      if (n < chunk)
        return make_error (err, EFAULT, "read a string of %d", (int)c->tid);
    }
  return make_error (err, ENAMETOOLONG, "a string of %d is too long", (int)c->tid);
}

int
caller_read_data (struct caller *c, uint64_t addr, char *buf, size_t size, size_t *ret_len,
                  ecirun_error_t *err)
{
  int fd = open_mem (c, err);

  if (fd < 0)
    return -1;
  /* As copy_mount_options: whatever is readable of the page's worth, at least one byte. */
  *ret_len = read_mem (fd, addr, buf, size);
  if (*ret_len == 0)
    return make_error (err, EFAULT, "read the mount data of %d", (int)c->tid);
  memset (buf + *ret_len, 0, size - *ret_len);
  return 0;
}

static int
parse_ids (const char *status, const char *key, uint32_t ids[4])
{
  const char *p = strstr (status, key);
  unsigned long long v[4];

  if (p == NULL
      || sscanf (p + strlen (key), " %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]) != 4)
    return -1;
  for (int i = 0; i < 4; i++)
    ids[i] = (uint32_t)v[i];
  return 0;
}

static int
parse_hex (const char *status, const char *key, uint64_t *ret)
{
  const char *p = strstr (status, key);
  return p && sscanf (p + strlen (key), " %" SCNx64, ret) == 1 ? 0 : -1;
}

static int
parse_status (struct caller *c, const char *status, ecirun_error_t *err)
{
  const char *g = strstr (status, "\nGroups:");
  const char *tgid = strstr (status, "\nTgid:");

  if (tgid == NULL || sscanf (tgid + 6, " %d", &c->tgid) != 1
      || parse_ids (status, "\nUid:", (uint32_t *)c->uid) < 0
      || parse_ids (status, "\nGid:", (uint32_t *)c->gid) < 0
      || parse_hex (status, "\nCapInh:", &c->cap_inh) < 0
      || parse_hex (status, "\nCapPrm:", &c->cap_prm) < 0
      || parse_hex (status, "\nCapEff:", &c->cap_eff) < 0 || g == NULL)
    return make_error (err, EIO, "parse /proc/%d/status", (int)c->tid);
  for (const char *p = g + 8; *p && *p != '\n';)
    {
      char *end;
      unsigned long v = strtoul (p, &end, 10);
      if (end == p)
        {
          p++;
          continue;
        }
      c->groups = xrealloc (c->groups, (c->n_groups + 1) * sizeof (gid_t));
      c->groups[c->n_groups++] = (gid_t)v;
      p = end;
    }
  return 0;
}

static int
load_map (struct caller *c, const char *file, struct id_map *m, ecirun_error_t *err)
{
  cleanup_free char *text = NULL;

  if (read_file_at (c->procdir, file, &text, NULL, 64 << 10, err) < 0)
    return -1;
  if (id_map_parse (text, m) < 0)
    return make_error (err, EIO, "parse /proc/%d/%s", (int)c->tid, file);
  return 0;
}

/* The sidecar's own namespaces, by identity, taken once at start (the helpers inherit them). */
static struct stat own_ns[CALLER_NS__MAX];

int
caller_init (ecirun_error_t *err)
{
  for (int i = 0; i < CALLER_NS__MAX; i++)
    {
      char path[32];

      snprintf (path, sizeof (path), "/proc/self/ns/%s", ns_types[i].name);
      if (stat (path, &own_ns[i]) < 0)
        return make_error (err, errno, "stat %s", path);
    }
  return 0;
}

static int
load_namespaces (struct caller *c, ecirun_error_t *err)
{
  for (int i = 0; i < CALLER_NS__MAX; i++)
    {
      char path[32];
      struct stat sb;

      snprintf (path, sizeof (path), "ns/%s", ns_types[i].name);
      c->ns[i] = openat (c->procdir, path, O_RDONLY | O_CLOEXEC);
      if (c->ns[i] < 0 || fstat (c->ns[i], &sb) < 0)
        return make_error (err, errno, "open /proc/%d/%s", (int)c->tid, path);
      if (sb.st_dev == own_ns[i].st_dev && sb.st_ino == own_ns[i].st_ino)
        {
          /* A caller in the host's user namespace is no container's. */
          if (i == CALLER_NS_USER)
            return make_error (err, EPERM, "%d is in the host's user namespace", (int)c->tid);
          close (c->ns[i]);
          c->ns[i] = -1;
        }
    }
  return 0;
}

int
caller_setns (struct caller *c, enum caller_ns ns, ecirun_error_t *err)
{
  if (c->ns[ns] >= 0 && setns (c->ns[ns], ns_types[ns].flag) < 0)
    return make_error (err, errno, "enter the %s namespace of %d", ns_types[ns].name, (int)c->tid);
  /* A new user namespace is a credential change: dumpable may have been reset. */
  return ns == CALLER_NS_USER ? fsd_harden (err) : 0;
}

int
caller_enter_root (struct caller *c, ecirun_error_t *err)
{
  if (fchdir (c->root) < 0 || chroot (".") < 0 || fchdir (c->cwd) < 0)
    return make_error (err, errno, "enter the root and cwd of %d", (int)c->tid);
  return 0;
}

int
caller_set_groups (struct caller *c, ecirun_error_t *err)
{
  if (setgroups (c->n_groups, c->groups) < 0)
    return make_error (err, errno, "set the groups of %d", (int)c->tid);
  return 0;
}

static int
capset_all (uint64_t eff, uint64_t prm, uint64_t inh)
{
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct d[2] = {
    { (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
    { (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
  };
  return (int)syscall (SYS_capset, &h, d);
}

/* The caller's IDs in its own user namespace, which the helper is in now. */
static int
inside_ids (const struct id_map *m, const uint32_t host[4], uint32_t ret[4])
{
  for (int i = 0; i < 4; i++)
    if (!id_map_to_inside (m, host[i], &ret[i]))
      return -1;
  return 0;
}

int
caller_become (struct caller *c, ecirun_error_t *err)
{
  uint32_t u[4], g[4];

  if (inside_ids (&c->uid_map, (uint32_t *)c->uid, u) < 0
      || inside_ids (&c->gid_map, (uint32_t *)c->gid, g) < 0)
    return make_error (err, EPERM, "the IDs of %d are not mapped in its user namespace",
                       (int)c->tid);
  /* From host root, no ID change counts as leaving root: the capabilities of the user
     namespace stay until capset sets the caller's. */
  if (setresgid (g[0], g[1], g[2]) < 0 || fsd_harden (err) < 0)
    return make_error (err, errno, "setresgid");
  if (g[3] != g[1])
    setfsgid (g[3]);
  if (setresuid (u[0], u[1], u[2]) < 0 || fsd_harden (err) < 0)
    return make_error (err, errno, "setresuid");
  if (u[3] != u[1])
    setfsuid (u[3]);
  if (capset_all (c->cap_eff, c->cap_prm, c->cap_inh) < 0)
    return make_error (err, errno, "set the capabilities of %d", (int)c->tid);
  return fsd_harden (err);
}

/* A pidfd for the calling thread itself (6.9+), else for its thread group. */
static int
open_pidfd (const struct caller *c)
{
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
  int fd = sys_pidfd_open (c->tid, PIDFD_THREAD);
  return fd >= 0 ? fd : sys_pidfd_open (c->tgid, 0);
}

/* Room for the copies above every number the caller uses. */
static int
make_room (int need, ecirun_error_t *err)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) < 0)
    return make_error (err, errno, "getrlimit");
  if (rl.rlim_cur >= (rlim_t)need)
    return 0;
  rl.rlim_cur = (rlim_t)need;
  if (rl.rlim_max < rl.rlim_cur)
    rl.rlim_max = rl.rlim_cur;
  if (setrlimit (RLIMIT_NOFILE, &rl) < 0)
    return make_error (err, errno, "raise RLIMIT_NOFILE to %d", need);
  return 0;
}

static int
load_fds (struct caller *c, ecirun_error_t *err)
{
  cleanup_close int pidfd = open_pidfd (c);
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  int *nums = NULL, max = -1, dfd, base;
  size_t n = 0;

  if (pidfd < 0)
    return make_error (err, errno, "pidfd_open(%d)", (int)c->tid);
  dfd = openat (c->procdir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  d = dfd >= 0 ? fdopendir (dfd) : NULL;
  if (d == NULL)
    {
      if (dfd >= 0)
        close (dfd);
      return make_error (err, errno, "list the descriptors of %d", (int)c->tid);
    }
  while ((de = readdir (d)))
    {
      char *end;
      long v = strtol (de->d_name, &end, 10);
      if (de->d_name[0] == '.' || *end || v < 0 || v > INT32_MAX)
        continue;
      nums = xrealloc (nums, (n + 1) * sizeof (int));
      nums[n++] = (int)v;
      if (v > max)
        max = (int)v;
    }
  /* Above the caller's numbers and the helper's own few. */
  base = max + 1 > 64 ? max + 1 : 64;
  if (make_room (base + (int)n + 64, err) < 0)
    {
      free (nums);
      return -1;
    }
  c->fds = xmalloc0 ((n ? n : 1) * sizeof (*c->fds));
  c->fd_base = c->fd_top = base;
  for (size_t i = 0; i < n; i++)
    {
      int tmp = (int)syscall (SYS_pidfd_getfd, pidfd, nums[i], 0), copy;
      /* Closed meanwhile by another thread: as gone for the caller. */
      if (tmp < 0)
        continue;
      copy = fcntl (tmp, F_DUPFD_CLOEXEC, c->fd_top);
      close (tmp);
      if (copy < 0)
        {
          free (nums);
          return make_error (err, errno, "copy fd %d of %d", nums[i], (int)c->tid);
        }
      c->fds[c->n_fds++] = (struct caller_fd){ nums[i], copy };
      c->fd_top = copy + 1;
    }
  free (nums);
  return 0;
}

int
caller_load (struct caller *c, ecirun_error_t *err)
{
  cleanup_free char *status = NULL;

  if (read_file_at (c->procdir, "status", &status, NULL, 64 << 10, err) < 0
      || parse_status (c, status, err) < 0 || load_map (c, "uid_map", &c->uid_map, err) < 0
      || load_map (c, "gid_map", &c->gid_map, err) < 0 || load_namespaces (c, err) < 0
      || load_fds (c, err) < 0)
    return -1;
  /* The magic links lead to the caller's own root and cwd, whatever their names. */
  c->root = openat (c->procdir, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
  c->cwd = openat (c->procdir, "cwd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->root < 0 || c->cwd < 0)
    return make_error (err, errno, "open the root and cwd of %d", (int)c->tid);
  /* A host /proc directory must not go where the caller's credentials could reach it. */
  close (TAKE_FD (c->procdir));
  if (mem_fd >= 0)
    close (TAKE_FD (mem_fd));
  return 0;
}

int
caller_install_fds (const struct caller *c)
{
  /* Below the copies there is nothing the call needs any more (namespaces, root and cwd are
     entered): close it, and give the copies their numbers. */
  if (c->fd_base > 3)
    sys_close_range (3, (unsigned)c->fd_base - 1, 0);
  for (size_t i = 0; i < c->n_fds; i++)
    if (dup2 (c->fds[i].copy, c->fds[i].num) < 0)
      return -1;
  return 0;
}
