/* Device rules on cgroup v2: the BPF program generator, then, as root, the programs at work on a
   real cgroup2 (/sys/fs/cgroup/unified on a hybrid host, else /sys/fs/cgroup): a child moved into
   a fresh cgroup opens device nodes under a few rule lists, and an update replaces the program. */
#include <config.h>
#include "cgroup_internal.h"
#include "utils.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/magic.h>

#define DENY_ALL                                                                                   \
  {                                                                                                \
    false, 'a', -1, -1, NULL                                                                       \
  }
#define ALLOW_ALL                                                                                  \
  {                                                                                                \
    true, 'a', -1, -1, NULL                                                                        \
  }
#define NULL_RWM                                                                                   \
  {                                                                                                \
    true, 'c', 1, 3, (char *)"rwm"                                                                 \
  }
#define ZERO_RWM                                                                                   \
  {                                                                                                \
    true, 'c', 1, 5, (char *)"rwm"                                                                 \
  }

static long
generate (const struct device_cgroup_rule *rules, size_t n, char *msg, size_t msg_len)
{
  struct bpf_insn *prog = NULL;
  ecirun_error_t err = NULL;
  size_t len = 0;

  msg[0] = '\0';
  if (cgroup_devices_bpf_generate (rules, n, &prog, &len, &err) < 0)
    {
      snprintf (msg, msg_len, "%s", err->msg);
      error_release (&err);
      return -1;
    }
  free (prog);
  return (long)len;
}

static void
test_generate (void)
{
  char msg[256];
  struct device_cgroup_rule deny_all[] = { DENY_ALL };
  struct device_cgroup_rule null_only[] = { DENY_ALL, NULL_RWM };
  struct device_cgroup_rule deny_w[] = { DENY_ALL, NULL_RWM, { false, 'c', 1, 3, (char *)"w" } };
  struct device_cgroup_rule bad_type[] = { DENY_ALL, { true, 'p', 1, 3, NULL } };
  struct device_cgroup_rule bad_access[] = { DENY_ALL, { true, 'c', 1, 3, (char *)"rx" } };
  struct device_cgroup_rule bad_major[] = { { true, 'c', 1LL << 32, 3, NULL } };

  /* 6 to read the context + 2 to return the default. */
  TAP_OK (generate (NULL, 0, msg, sizeof (msg)) == 8, "no rules: just the default deny");
  /* deny-all: access test (3) + return (2). */
  TAP_OK (generate (deny_all, 1, msg, sizeof (msg)) == 13, "deny all: 13 instructions");
  /* allow c 1:3: type, major, minor (3) + access test (3) + settle and return (4). */
  TAP_OK (generate (null_only, 2, msg, sizeof (msg)) == 23, "deny all + allow c 1:3 rwm: 23");
  TAP_OK (generate (deny_w, 3, msg, sizeof (msg)) == 31, "+ deny c 1:3 w: 31");
  TAP_OK (generate (bad_type, 2, msg, sizeof (msg)) < 0 && strstr (msg, "type 'p'"),
          "invalid type refused: %s", msg);
  TAP_OK (generate (bad_access, 2, msg, sizeof (msg)) < 0 && strstr (msg, "\"rx\""),
          "invalid access refused: %s", msg);
  TAP_OK (generate (bad_major, 1, msg, sizeof (msg)) < 0, "oversized major refused: %s", msg);
}

static const char *
cgroup2_root (void)
{
  static const char *const roots[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
  for (size_t i = 0; i < ARRAY_SIZE (roots); i++)
    {
      struct statfs s;
      if (statfs (roots[i], &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
        return roots[i];
    }
  return NULL;
}

/* Outcome of open() in the child: 0 opened, else the errno. */
struct probe
{
  int null_r, null_w, zero_r;
};

static int
try_open (const char *path, int flags)
{
  int fd = open (path, flags | O_CLOEXEC);
  if (fd < 0)
    return errno;
  close (fd);
  return 0;
}

/* Fork a child that joins dir and reports what it can open. */
static int
probe (const char *dir, struct probe *ret)
{
  int pfd[2];
  pid_t pid;
  int status;

  if (pipe2 (pfd, O_CLOEXEC) < 0)
    return -1;
  pid = fork ();
  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      struct probe p = { -1, -1, -1 };
      /* "0" moves the writer itself. */
      if (cgroup_write (dir, "cgroup.procs", "0", NULL) == 0)
        {
          p.null_r = try_open ("/dev/null", O_RDONLY);
          p.null_w = try_open ("/dev/null", O_WRONLY);
          p.zero_r = try_open ("/dev/zero", O_RDONLY);
        }
      _exit (write (pfd[1], &p, sizeof (p)) == sizeof (p) ? 0 : 1);
    }
  close (pfd[1]);
  if (read (pfd[0], ret, sizeof (*ret)) != sizeof (*ret))
    ret->null_r = ret->null_w = ret->zero_r = -1;
  close (pfd[0]);
  waitpid (pid, &status, 0);
  return 0;
}

static int
apply (const char *dir, const struct device_cgroup_rule *rules, size_t n)
{
  ecirun_error_t err = NULL;
  if (cgroup_devices_bpf_apply (dir, rules, n, &err) < 0)
    {
      printf ("# apply: %s\n", err->msg);
      error_release (&err);
      return -1;
    }
  return 0;
}

static long
attached_count (const char *dir)
{
  uint32_t ids[16];
  union bpf_attr attr;
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  long r;

  memset (&attr, 0, sizeof (attr));
  attr.query.target_fd = fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
  attr.query.prog_cnt = ARRAY_SIZE (ids);
  r = syscall (SYS_bpf, BPF_PROG_QUERY, &attr, sizeof (attr)) < 0 ? -1 : attr.query.prog_cnt;
  close (fd);
  return r;
}

static void
test_live (void)
{
  const char *root = cgroup2_root ();
  cleanup_free char *dir = NULL;
  struct device_cgroup_rule null_only[] = { DENY_ALL, NULL_RWM };
  struct device_cgroup_rule zero_only[] = { DENY_ALL, ZERO_RWM };
  struct device_cgroup_rule null_ro[]
      = { DENY_ALL, NULL_RWM, { false, 'c', 1, 3, (char *)"w" }, ZERO_RWM };
  struct device_cgroup_rule all_but_zero[] = { ALLOW_ALL, { false, 'c', 1, 5, (char *)"r" } };
  struct probe p;

  if (geteuid () != 0 || root == NULL)
    {
      printf ("ok %d # SKIP live BPF device programs need root and a cgroup2 hierarchy\n",
              ++tap_count);
      return;
    }
  dir = xasprintf ("%s/ecirun-test-devices-%d", root, (int)getpid ());
  if (mkdir (dir, 0755) < 0)
    {
      TAP_OK (0, "mkdir %s: %s", dir, strerror (errno));
      return;
    }

  TAP_OK (apply (dir, null_only, ARRAY_SIZE (null_only)) == 0, "attach [deny all, allow c 1:3]");
  probe (dir, &p);
  TAP_OK (p.null_r == 0 && p.null_w == 0, "/dev/null opens (%d, %d)", p.null_r, p.null_w);
  TAP_OK (p.zero_r == EPERM, "/dev/zero is EPERM (%d)", p.zero_r);

  TAP_OK (apply (dir, zero_only, ARRAY_SIZE (zero_only)) == 0, "update to [deny all, allow c 1:5]");
  TAP_OK (attached_count (dir) == 1, "the update replaced the program (%ld attached)",
          attached_count (dir));
  probe (dir, &p);
  TAP_OK (p.null_r == EPERM && p.zero_r == 0, "now /dev/null EPERM (%d), /dev/zero opens (%d)",
          p.null_r, p.zero_r);

  TAP_OK (apply (dir, null_ro, ARRAY_SIZE (null_ro)) == 0, "update to [.., deny c 1:3 w, ..]");
  probe (dir, &p);
  TAP_OK (p.null_r == 0 && p.null_w == EPERM && p.zero_r == 0,
          "a later deny of one bit wins for that bit only (%d, %d, %d)", p.null_r, p.null_w,
          p.zero_r);

  TAP_OK (apply (dir, all_but_zero, ARRAY_SIZE (all_but_zero)) == 0, "update to [allow all, deny "
                                                                     "c 1:5 r]");
  probe (dir, &p);
  TAP_OK (p.null_r == 0 && p.null_w == 0 && p.zero_r == EPERM,
          "allow all but reading /dev/zero (%d, %d, %d)", p.null_r, p.null_w, p.zero_r);
  TAP_OK (attached_count (dir) == 1, "still one program attached");

  /* The child is reaped; the directory may take a moment to become empty. */
  for (int i = 0; i < 100 && rmdir (dir) < 0 && errno == EBUSY; i++)
    usleep (10000);
  TAP_OK (access (dir, F_OK) < 0, "cgroup removed");
}

int
main (void)
{
  test_generate ();
  test_live ();
  return tap_done ();
}
