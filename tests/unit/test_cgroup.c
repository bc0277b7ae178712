/* cgroups: the pure parts (path resolution, v1 -> v2 conversions, /proc/self/cgroup parsing),
   then, as root, a live round trip on whatever this host has (v1/hybrid, or v2; run it inside
   `unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup && ./test_cgroup'` to cover v2 on a
   hybrid host): create with limits, enter, pids, freeze, re-open, destroy. */
#include <config.h>
#include "cgroup.h"
#include "cgroup_internal.h"
#include "syscalls.h"
#include "utils.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *
resolve (const char *path, const char *id, const char *own, char *msg, size_t msg_len)
{
  ecirun_error_t err = NULL;
  char *ret = NULL;

  msg[0] = '\0';
  if (cgroup_resolve_path (path, id, own, &ret, &err) < 0)
    {
      snprintf (msg, msg_len, "%s", err->msg);
      error_release (&err);
      return NULL;
    }
  return ret;
}

static void
test_resolve (void)
{
  char msg[512];
  char *r;

#define CHECK_PATH(path, id, own, want)                                                            \
  do                                                                                               \
    {                                                                                              \
      r = resolve (path, id, own, msg, sizeof (msg));                                              \
      TAP_STR_EQ (r, want, "resolve %s (own %s) -> %s", path ? path : "NULL", own ? own : "-",     \
                  want);                                                                           \
      free (r);                                                                                    \
    }                                                                                              \
  while (0)

  CHECK_PATH (NULL, "ctr1", NULL, "/ecirun/ctr1");
  CHECK_PATH ("", "ctr1", NULL, "/ecirun/ctr1");
  CHECK_PATH ("/docker/abc", "ctr1", NULL, "/docker/abc");
  CHECK_PATH ("/docker/abc", "ctr1", "/user.slice", "/docker/abc");
  CHECK_PATH ("//docker///abc/", "ctr1", NULL, "/docker/abc");
  CHECK_PATH ("/./a/./b", "ctr1", NULL, "/a/b");
  CHECK_PATH ("/", "ctr1", NULL, "/");
  CHECK_PATH ("foo/bar", "ctr1", "/user.slice/session-1.scope",
              "/user.slice/session-1.scope/foo/bar");
  CHECK_PATH ("foo", "ctr1", "/", "/foo");
  CHECK_PATH ("foo", "ctr1", NULL, "/foo");

  r = resolve ("a.slice:ecirun:ctr1", "ctr1", NULL, msg, sizeof (msg));
  TAP_OK (r == NULL, "the systemd form is refused");
  TAP_STR_EQ (msg,
              "systemd cgroup driver is not supported yet (linux.cgroupsPath "
              "\"a.slice:ecirun:ctr1\")",
              "with a clear message");
  r = resolve ("/docker/../etc", "ctr1", NULL, msg, sizeof (msg));
  TAP_OK (r == NULL && strstr (msg, "\"..\" is not allowed"), "\"..\" is refused (absolute)");
  r = resolve ("..", "ctr1", "/a/b", msg, sizeof (msg));
  TAP_OK (r == NULL && strstr (msg, "\"..\""), "\"..\" is refused (relative)");
  r = resolve ("foo/..", "ctr1", "/a", msg, sizeof (msg));
  TAP_OK (r == NULL, "a trailing \"..\" is refused");
  CHECK_PATH ("/a/..b/c..", "ctr1", NULL, "/a/..b/c..");
  r = resolve (NULL, "a/b", NULL, msg, sizeof (msg));
  TAP_OK (r == NULL && strstr (msg, "invalid container id"), "an id with '/' is refused");
  r = resolve (NULL, "..", NULL, msg, sizeof (msg));
  TAP_OK (r == NULL, "the id \"..\" is refused");
#undef CHECK_PATH
}

static void
test_conversions (void)
{
  TAP_OK (cgroup_shares_to_weight (0) == 0, "shares 0 -> weight 0 (unset)");
  TAP_OK (cgroup_shares_to_weight (2) == 1, "shares 2 -> weight 1");
  TAP_OK (cgroup_shares_to_weight (1024) == 39, "shares 1024 -> weight 39 (runc)");
  TAP_OK (cgroup_shares_to_weight (512) == 20, "shares 512 -> weight 20");
  TAP_OK (cgroup_shares_to_weight (262144) == 10000, "shares 262144 -> weight 10000");
  TAP_OK (cgroup_shares_to_weight (1) == 1, "shares below the range are clamped");
  TAP_OK (cgroup_shares_to_weight (1000000) == 10000, "shares above the range are clamped");

  TAP_OK (cgroup_blkio_weight_to_io_weight (0) == 0, "blkio weight 0 -> 0 (unset)");
  TAP_OK (cgroup_blkio_weight_to_io_weight (10) == 1, "blkio weight 10 -> io.weight 1");
  TAP_OK (cgroup_blkio_weight_to_io_weight (100) == 910, "blkio weight 100 -> io.weight 910");
  TAP_OK (cgroup_blkio_weight_to_io_weight (500) == 4950, "blkio weight 500 -> io.weight 4950");
  TAP_OK (cgroup_blkio_weight_to_io_weight (1000) == 10000, "blkio weight 1000 -> 10000");

#define SWAP(s_set, s, l_set, l, want_ret, want_set, want_v, what)                                 \
  do                                                                                               \
    {                                                                                              \
      struct opt_i64 sw = { s_set, s }, li = { l_set, l };                                         \
      bool set = false;                                                                            \
      int64_t v = 0;                                                                               \
      ecirun_error_t err = NULL;                                                                   \
      int rr = cgroup_swap_to_v2 (sw, li, &set, &v, &err);                                         \
      TAP_OK (rr == (want_ret) && (rr < 0 || (set == (want_set) && (!set || v == (want_v)))),      \
              "swap %s", what);                                                                    \
      if (err)                                                                                     \
        printf ("#   %s\n", err->msg);                                                             \
      error_release (&err);                                                                        \
    }                                                                                              \
  while (0)

  SWAP (true, 200, true, 100, 0, true, 100, "200 with memory 100 -> swap.max 100");
  SWAP (true, 100, true, 100, 0, true, 0, "equal to memory -> swap.max 0 (no swap)");
  SWAP (true, -1, true, 100, 0, true, -1, "-1 -> max");
  SWAP (false, 0, true, -1, 0, true, -1, "unset with memory -1 -> max");
  SWAP (false, 0, true, 100, 0, false, 0, "unset -> nothing written");
  SWAP (false, 0, false, 0, 0, false, 0, "nothing set -> nothing written");
  SWAP (true, 50, true, 100, -1, false, 0, "below memory -> error");
  SWAP (true, 200, false, 0, -1, false, 0, "without a memory limit -> error");
  SWAP (true, 200, true, -1, -1, false, 0, "with unlimited memory -> error");
#undef SWAP
}

static void
test_proc_self (void)
{
  const char *hybrid = "12:name=systemd:/init.scope\n"
                       "4:memory:/process_api/abc\n"
                       "2:cpu,cpuacct:/user.slice\n"
                       "1:net_cls,net_prio:/\n"
                       "0::/unified/path\n";
  char *r;

  r = cgroup_parse_proc_self (hybrid, "memory");
  TAP_STR_EQ (r, "/process_api/abc", "/proc/self/cgroup: memory");
  free (r);
  r = cgroup_parse_proc_self (hybrid, "cpuacct,cpu");
  TAP_STR_EQ (r, "/user.slice", "/proc/self/cgroup: comounted controllers in any order");
  free (r);
  r = cgroup_parse_proc_self (hybrid, "cpu");
  TAP_OK (r == NULL, "/proc/self/cgroup: a subset of a comount does not match");
  free (r);
  r = cgroup_parse_proc_self (hybrid, "name=systemd");
  TAP_STR_EQ (r, "/init.scope", "/proc/self/cgroup: named hierarchy");
  free (r);
  r = cgroup_parse_proc_self (hybrid, "");
  TAP_STR_EQ (r, "/unified/path", "/proc/self/cgroup: the cgroup2 line");
  free (r);
  r = cgroup_parse_proc_self ("0::/\n", "memory");
  TAP_OK (r == NULL, "/proc/self/cgroup: v2 only has no memory line");
  free (r);
  r = cgroup_parse_proc_self ("0::/a/b", "");
  TAP_STR_EQ (r, "/a/b", "/proc/self/cgroup: no trailing newline");
  free (r);
}

/* Live tests (root). */

static char *
read_at (const char *path)
{
  char *buf = NULL;
  ecirun_error_t err = NULL;
  size_t len = 0;

  if (read_file_at (AT_FDCWD, path, &buf, &len, 0, &err) < 0)
    {
      error_release (&err);
      return NULL;
    }
  while (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  return buf;
}

static bool
file_is (const char *dir, const char *file, const char *want)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  cleanup_free char *got = read_at (path);
  if (got == NULL || strcmp (got, want) != 0)
    {
      printf ("#   %s: got \"%s\", want \"%s\"\n", path, got ? got : "(missing)", want);
      return false;
    }
  return true;
}

static bool
exists (const char *path)
{
  return access (path, F_OK) == 0;
}

static pid_t
spawn_sleeper (void)
{
  pid_t pid = fork ();
  if (pid == 0)
    {
      for (;;)
        pause ();
    }
  return pid;
}

static void
skip (const char *why, int n)
{
  for (int i = 0; i < n; i++)
    {
      tap_count++;
      printf ("ok %d # SKIP %s\n", tap_count, why);
    }
}

static void
live_v1 (const char *id)
{
  struct resources_config res;
  struct device_cgroup_rule rules[2]
      = { { .allow = false, .type = 'a', .major = -1, .minor = -1 },
          { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" } };
  struct hugepage_limit huge[1] = { { "2MB", 2 << 21 } };
  struct kv unified_kv[1] = { { "cgroup.max.descendants", "3" } };
  cleanup_free char *uctl = read_at ("/sys/fs/cgroup/unified/cgroup.controllers");
  struct cgroup *cg = NULL, *cg2 = NULL;
  ecirun_error_t err = NULL;
  cleanup_free char *mem = xasprintf ("/sys/fs/cgroup/memory/ecirun/%s", id);
  cleanup_free char *cpu = xasprintf ("/sys/fs/cgroup/cpu/ecirun/%s", id);
  cleanup_free char *cpuset = xasprintf ("/sys/fs/cgroup/cpuset/ecirun/%s", id);
  cleanup_free char *pids = xasprintf ("/sys/fs/cgroup/pids/ecirun/%s", id);
  cleanup_free char *devices = xasprintf ("/sys/fs/cgroup/devices/ecirun/%s", id);
  cleanup_free char *freezer = xasprintf ("/sys/fs/cgroup/freezer/ecirun/%s", id);
  cleanup_free char *unified = xasprintf ("/sys/fs/cgroup/unified/ecirun/%s", id);
  cleanup_free char *want_path = xasprintf ("/ecirun/%s", id);
  cleanup_free pid_t *list = NULL;
  size_t n = 0;
  bool frozen = true;
  pid_t child;
  int status = 0, rc;

  memset (&res, 0, sizeof (res));
  res.memory.limit = (struct opt_i64){ true, 64 << 20 };
  res.memory.reservation = (struct opt_i64){ true, 32 << 20 };
  res.memory.swap = (struct opt_i64){ true, 128 << 20 };
  res.memory.kernel = (struct opt_i64){ true, 64 << 20 };
  res.memory.swappiness = (struct opt_u64){ true, 10 };
  res.cpu.shares = (struct opt_u64){ true, 512 };
  res.cpu.quota = (struct opt_i64){ true, 50000 };
  res.cpu.period = (struct opt_u64){ true, 200000 };
  res.cpu.cpus = "0";
  res.pids.limit = (struct opt_i64){ true, 50 };
  res.devices = rules;
  res.n_devices = 2;
  /* On this hybrid layout hugetlb and unified keys land on the cgroup2 side. */
  if (uctl && strstr (uctl, "hugetlb") && !exists ("/sys/fs/cgroup/hugetlb")
      && exists ("/sys/kernel/mm/hugepages/hugepages-2048kB"))
    {
      res.hugepage_limits = huge;
      res.n_hugepage_limits = 1;
    }
  res.unified.items = unified_kv;
  res.unified.len = 1;

  rc = cgroup_create (NULL, id, &res, &cg, &err);
  TAP_OK (rc == 0, "v1: cgroup_create with limits");
  if (rc < 0)
    {
      printf ("#   %s\n", err->msg);
      error_release (&err);
      return;
    }
  TAP_STR_EQ (cgroup_get_path (cg), want_path, "v1: saved path");
  TAP_OK (cgroup_clone_fd (cg) == -1, "v1: no clone3 cgroup fd");
  TAP_OK (file_is (mem, "memory.limit_in_bytes", "67108864")
              && file_is (mem, "memory.soft_limit_in_bytes", "33554432")
              && file_is (mem, "memory.memsw.limit_in_bytes", "134217728")
              && file_is (mem, "memory.swappiness", "10"),
          "v1: memory limits written");
  TAP_OK (file_is (cpu, "cpu.shares", "512") && file_is (cpu, "cpu.cfs_period_us", "200000")
              && file_is (cpu, "cpu.cfs_quota_us", "50000"),
          "v1: cpu limits written");
  {
    cleanup_free char *mp = xasprintf ("%s/cpuset.mems", cpuset);
    cleanup_free char *mems = read_at (mp);
    TAP_OK (file_is (cpuset, "cpuset.cpus", "0") && mems && mems[0] != '\0',
            "v1: cpuset.cpus set, cpuset.mems inherited (%s)", mems ? mems : "");
  }
  TAP_OK (file_is (pids, "pids.max", "50"), "v1: pids.max written");
  TAP_OK (file_is (devices, "devices.list", "c 1:3 rwm"), "v1: device rules replayed");
  TAP_OK (exists (unified), "v1: the hybrid cgroup2 directory exists too");
  TAP_OK (file_is (unified, "cgroup.max.descendants", "3"),
          "v1: unified keys go to the cgroup2 side");
  if (res.n_hugepage_limits)
    TAP_OK (file_is (unified, "hugetlb.2MB.max", "4194304"),
            "v1: hugetlb falls back to the cgroup2 side");

  child = spawn_sleeper ();
  rc = cgroup_enter (cg, child, &err);
  TAP_OK (rc == 0, "v1: cgroup_enter");
  {
    cleanup_free char *p = xasprintf ("/proc/%d/cgroup", child);
    cleanup_free char *c = read_at (p);
    cleanup_free char *want = xasprintf ("memory:/ecirun/%s", id);
    cleanup_free char *want2 = xasprintf ("0::/ecirun/%s", id);
    TAP_OK (c && strstr (c, want) && strstr (c, want2), "v1: the child is in the cgroup (%s)",
            want);
  }
  rc = cgroup_pids (cg, &list, &n, &err);
  TAP_OK (rc == 0 && n == 1 && list[0] == child, "v1: cgroup_pids lists the child");

  rc = cgroup_freeze (cg, true, &err);
  TAP_OK (rc == 0 && file_is (freezer, "freezer.state", "FROZEN"), "v1: freeze");
  rc = cgroup_is_frozen (cg, &frozen, &err);
  TAP_OK (rc == 0 && frozen, "v1: is_frozen after freeze");
  rc = cgroup_freeze (cg, false, &err);
  rc |= cgroup_is_frozen (cg, &frozen, &err);
  TAP_OK (rc == 0 && !frozen && file_is (freezer, "freezer.state", "THAWED"), "v1: thaw");

  /* An error names the value, the file and the reason. */
  {
    struct resources_config bad;
    memset (&bad, 0, sizeof (bad));
    bad.cpu.cpus = "9999";
    rc = cgroup_apply (cg, &bad, &err);
    cleanup_free char *want = xasprintf ("cgroup: write 9999 to %s/cpuset.cpus: ", cpuset);
    TAP_OK (rc < 0 && err && strncmp (err->msg, want, strlen (want)) == 0,
            "v1: a refused value is reported with the file (%s)", err ? err->msg : "");
    error_release (&err);
  }
  {
    struct resources_config bad;
    memset (&bad, 0, sizeof (bad));
    bad.network.class_id = (struct opt_u64){ true, 0x100001 };
    rc = cgroup_apply (cg, &bad, &err);
    TAP_OK (rc < 0 && err && strstr (err->msg, "net_cls controller is not mounted"),
            "v1: an unmounted controller is named (%s)", err ? err->msg : "");
    error_release (&err);
  }

  /* Re-open from the saved path, as kill/delete do. */
  rc = cgroup_open (cgroup_get_path (cg), &cg2, &err);
  TAP_OK (rc == 0, "v1: cgroup_open");
  if (rc == 0)
    {
      free (list);
      list = NULL;
      rc = cgroup_pids (cg2, &list, &n, &err);
      TAP_OK (rc == 0 && n == 1 && list[0] == child, "v1: the re-opened cgroup lists the child");
      /* Destroy a frozen cgroup: the kill must still get through. */
      cgroup_freeze (cg2, true, NULL);
      rc = cgroup_destroy (cg2, &err);
      TAP_OK (rc == 0, "v1: cgroup_destroy");
      if (err)
        printf ("#   %s\n", err->msg);
      error_release (&err);
    }
  waitpid (child, &status, 0);
  TAP_OK (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL, "v1: the child was killed");
  TAP_OK (!exists (mem) && !exists (cpu) && !exists (pids) && !exists (freezer)
              && !exists (unified),
          "v1: every directory is gone");
  rc = cgroup_destroy (cg, &err);
  TAP_OK (rc == 0, "v1: destroying a missing cgroup is not an error");
  cgroup_free (cg);
  cgroup_free (cg2);
}

/* A relative cgroupsPath goes below the runtime's own cgroup, per v1 hierarchy. */
static void
live_relative (const char *id)
{
  struct cgroup *cg = NULL, *cg2 = NULL;
  ecirun_error_t err = NULL;
  cleanup_free char *self = read_at ("/proc/self/cgroup");
  cleanup_free char *own = NULL;
  cleanup_free char *rel = xasprintf ("ecirun-rel-%s", id);
  cleanup_free char *dir = NULL;
  int rc;

  own = cgroup_parse_proc_self (self, cgroup_detect_mode () == CGROUP_MODE_V2 ? "" : "pids");
  if (own == NULL)
    {
      skip ("no pids line in /proc/self/cgroup", 4);
      return;
    }
  rc = cgroup_create (rel, id, NULL, &cg, &err);
  TAP_OK (rc == 0, "relative: cgroup_create (%s)", rc == 0 ? cgroup_get_path (cg) : err->msg);
  error_release (&err);
  if (rc < 0)
    return;
  dir = xasprintf ("/sys/fs/cgroup%s%s/%s", cgroup_detect_mode () == CGROUP_MODE_V2 ? "" : "/pids",
                   strcmp (own, "/") == 0 ? "" : own, rel);
  TAP_OK (exists (dir), "relative: %s exists", dir);
  rc = cgroup_open (cgroup_get_path (cg), &cg2, &err);
  TAP_OK (rc == 0, "relative: re-open from the saved path");
  rc = cgroup_destroy (rc == 0 ? cg2 : cg, &err);
  TAP_OK (rc == 0 && !exists (dir), "relative: destroyed");
  error_release (&err);
  cgroup_destroy (cg, NULL);
  cgroup_free (cg);
  cgroup_free (cg2);
}

static void
live_v2 (const char *id)
{
  struct resources_config res;
  struct cgroup *cg = NULL;
  ecirun_error_t err = NULL;
  cleanup_free char *dir = xasprintf ("/sys/fs/cgroup/ecirun/%s", id);
  cleanup_free char *avail = read_at ("/sys/fs/cgroup/cgroup.controllers");
  cleanup_free pid_t *list = NULL;
  struct kv unified_kv[1] = { { "cgroup.max.descendants", "7" } };
  struct hugepage_limit huge[1] = { { "2MB", 4 << 21 } };
  bool frozen = false, has_pids = avail && strstr (avail, "pids");
  size_t n = 0;
  pid_t child;
  int status = 0, rc, fd;
  pid_t clone3_child = -1;

  /* Without the pids controller, a pids limit is an error that names it. */
  if (!has_pids)
    {
      memset (&res, 0, sizeof (res));
      res.pids.limit = (struct opt_i64){ true, 10 };
      rc = cgroup_create (NULL, id, &res, &cg, &err);
      TAP_OK (rc < 0 && err && strstr (err->msg, "the pids controller is not available"),
              "v2: a limit for a missing controller fails clearly (%s)", err ? err->msg : "");
      TAP_OK (!exists (dir), "v2: and leaves no directory behind");
      error_release (&err);
    }
  memset (&res, 0, sizeof (res));
  res.unified.items = unified_kv;
  res.unified.len = 1;
  if (exists ("/sys/fs/cgroup/hugetlb.2MB.max") || (avail && strstr (avail, "hugetlb")))
    {
      res.hugepage_limits = huge;
      res.n_hugepage_limits = 1;
    }
  if (has_pids)
    res.pids.limit = (struct opt_i64){ true, 0 };
  rc = cgroup_create (NULL, id, &res, &cg, &err);
  TAP_OK (rc == 0, "v2: cgroup_create");
  if (rc < 0)
    {
      printf ("#   %s\n", err->msg);
      error_release (&err);
      return;
    }
  TAP_OK (file_is (dir, "cgroup.max.descendants", "7"), "v2: unified key written");
  if (res.n_hugepage_limits)
    TAP_OK (file_is (dir, "hugetlb.2MB.max", "8388608"), "v2: hugetlb.2MB.max written");
  if (has_pids)
    TAP_OK (file_is (dir, "pids.max", "max"), "v2: pids.max max");
  fd = cgroup_clone_fd (cg);
  {
    struct stat a, b;
    TAP_OK (fd >= 0 && fstat (fd, &a) == 0 && stat (dir, &b) == 0 && a.st_ino == b.st_ino,
            "v2: clone fd is the cgroup directory");
  }
  {
    struct resources_config bad;
    struct kv kv[1] = { { "memory.nonexistent", "1" } };
    memset (&bad, 0, sizeof (bad));
    bad.unified.items = kv;
    bad.unified.len = 1;
    rc = cgroup_apply (cg, &bad, &err);
    TAP_OK (rc < 0 && err && strstr (err->msg, "no file \"memory.nonexistent\""),
            "v2: an unknown unified key is refused (%s)", err ? err->msg : "");
    error_release (&err);
    kv[0].key = "../cgroup.procs";
    rc = cgroup_apply (cg, &bad, &err);
    TAP_OK (rc < 0 && err && strstr (err->msg, "invalid key"),
            "v2: a unified key with '/' is refused");
    error_release (&err);
  }
  child = spawn_sleeper ();
  rc = cgroup_enter (cg, child, &err);
  TAP_OK (rc == 0, "v2: cgroup_enter");
  {
    /* clone3(CLONE_INTO_CGROUP) with the clone fd starts a child right in the cgroup. */
    struct clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = fd };
    cleanup_free char *p = NULL, *c = NULL;
    cleanup_free char *want = xasprintf ("0::/ecirun/%s", id);
    pid_t c2 = sys_clone3 (&args);
    if (c2 == 0)
      {
        for (;;)
          pause ();
      }
    p = xasprintf ("/proc/%d/cgroup", c2);
    c = read_at (p);
    TAP_OK (c2 > 0 && c && strlen (c) >= strlen (want)
                && strcmp (c + strlen (c) - strlen (want), want) == 0,
            "v2: clone3 into the cgroup");
    clone3_child = c2;
  }
  rc = cgroup_pids (cg, &list, &n, &err);
  TAP_OK (rc == 0 && n == 2 && (list[0] == child || list[1] == child),
          "v2: cgroup_pids lists both children");
  rc = cgroup_freeze (cg, true, &err);
  TAP_OK (rc == 0 && file_is (dir, "cgroup.freeze", "1"), "v2: freeze");
  rc = cgroup_is_frozen (cg, &frozen, &err);
  TAP_OK (rc == 0 && frozen, "v2: is_frozen");
  {
    /* A sub-cgroup made by the container is removed too. */
    cleanup_free char *sub = xasprintf ("%s/nested", dir);
    mkdir (sub, 0755);
  }
  rc = cgroup_destroy (cg, &err);
  TAP_OK (rc == 0, "v2: cgroup_destroy (frozen, with a nested cgroup)");
  if (err)
    printf ("#   %s\n", err->msg);
  error_release (&err);
  waitpid (child, &status, 0);
  TAP_OK (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL, "v2: the child was killed");
  if (clone3_child > 0)
    {
      waitpid (clone3_child, &status, 0);
      TAP_OK (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL,
              "v2: the clone3 child was killed");
    }
  TAP_OK (!exists (dir), "v2: the directory is gone");
  cgroup_free (cg);
}

static void
test_live (void)
{
  cleanup_free char *id = xasprintf ("ecirun-unit-%d", (int)getpid ());
  struct cgroup *cg = NULL;
  ecirun_error_t err = NULL;
  int rc;

  if (geteuid () != 0)
    {
      skip ("live cgroup tests need root", 1);
      return;
    }
  rc = cgroup_create ("a.slice:ecirun:x", id, NULL, &cg, &err);
  TAP_OK (rc < 0 && err && strstr (err->msg, "systemd cgroup driver is not supported yet"),
          "cgroup_create refuses the systemd form");
  error_release (&err);
  if (cgroup_detect_mode () == CGROUP_MODE_V2)
    {
      printf ("# cgroup mode: v2\n");
      live_v2 (id);
    }
  else
    {
      printf ("# cgroup mode: v1 (hybrid: %s)\n",
              exists ("/sys/fs/cgroup/unified/cgroup.procs") ? "yes" : "no");
      if (!exists ("/sys/fs/cgroup/memory/memory.limit_in_bytes")
          || !exists ("/sys/fs/cgroup/unified/cgroup.procs"))
        skip ("this v1 layout is not the one the live test expects", 1);
      else
        live_v1 (id);
    }
  live_relative (id);
}

int
main (void)
{
  test_resolve ();
  test_conversions ();
  test_proc_self ();
  test_live ();
  return tap_done ();
}
