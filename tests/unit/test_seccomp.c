#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "seccomp.h"
#include "tap.h"

#define N(a) (sizeof (a) / sizeof ((a)[0]))

static char *allow_names[] = { "getpid" };
static char *getppid_names[] = { "getppid" };
static char *write_names[] = { "read", "write" };
static char *dup_names[] = { "dup" };
static char *dup2_names[] = { "dup2" };
static char *umask_names[] = { "umask" };
static char *unknown_names[] = { "no_such_syscall_xyz", "another_fake_call" };
static char *empty_name[] = { "" };
static char *archs_ok[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" };
static char *flags_ok[]
    = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW" };

static struct seccomp_syscall_config
rule (char **names, size_t n, const char *action)
{
  struct seccomp_syscall_config s;
  memset (&s, 0, sizeof (s));
  s.names = names;
  s.n_names = n;
  s.action = (char *)action;
  return s;
}

/* Validate and return the message (static buffer), or NULL when valid. */
static const char *
validate_msg (const struct seccomp_config *cfg)
{
  static char buf[512];
  ecirun_error_t err = NULL;

  if (seccomp_validate (cfg, &err) == 0)
    return NULL;
  snprintf (buf, sizeof buf, "%s", err && err->msg ? err->msg : "(no message)");
  error_release (&err);
  return buf;
}

static void
base_config (struct seccomp_config *cfg, struct seccomp_syscall_config *rules, size_t n_rules)
{
  memset (cfg, 0, sizeof (*cfg));
  cfg->default_action = "SCMP_ACT_ALLOW";
  cfg->architectures = archs_ok;
  cfg->n_architectures = N (archs_ok);
  cfg->syscalls = rules;
  cfg->n_syscalls = n_rules;
}

static bool
list_has (const char *const *l, const char *s)
{
  for (; *l; l++)
    if (strcmp (*l, s) == 0)
      return true;
  return false;
}

static size_t
list_len (const char *const *l)
{
  size_t n = 0;
  while (l[n])
    n++;
  return n;
}

static void
test_validate (void)
{
  struct seccomp_config cfg;
  struct seccomp_syscall_config rules[5];
  struct seccomp_arg_config args[2];
  const char *m;
  char *one[1];

  rules[0] = rule (allow_names, 1, "SCMP_ACT_ALLOW");
  rules[1] = rule (getppid_names, 1, "SCMP_ACT_ERRNO");
  rules[2] = rule (unknown_names, 2, "SCMP_ACT_KILL");
  rules[3] = rule (dup_names, 1, "SCMP_ACT_LOG");
  rules[4] = rule (umask_names, 1, "SCMP_ACT_TRACE");
  base_config (&cfg, rules, 5);
  cfg.flags = flags_ok;
  cfg.n_flags = N (flags_ok);
  TAP_OK (validate_msg (&cfg) == NULL, "a valid filter validates (unknown syscall names too)");
  TAP_OK (validate_msg (NULL) == NULL, "no filter is valid");

  rules[3].action = "SCMP_ACT_FOO";
  TAP_STR_EQ (validate_msg (&cfg),
              "linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"",
              "unknown rule action names its path");
  rules[3].action = NULL;
  TAP_STR_EQ (validate_msg (&cfg), "linux.seccomp.syscalls[3].action: missing",
              "missing rule action");
  rules[3].action = "scmp_act_allow";
  TAP_OK ((m = validate_msg (&cfg)) && strstr (m, "unknown action"),
          "action names are case-sensitive");
  rules[3].action = "SCMP_ACT_LOG";

  cfg.default_action = "SCMP_ACT_BOGUS";
  TAP_STR_EQ (validate_msg (&cfg), "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_BOGUS\"",
              "unknown default action");
  cfg.default_action = NULL;
  TAP_STR_EQ (validate_msg (&cfg), "linux.seccomp.defaultAction: missing",
              "missing default action");
  cfg.default_action = "SCMP_ACT_NOTIFY";
  TAP_OK ((m = validate_msg (&cfg)) && strstr (m, "defaultAction")
              && strstr (m, "cannot be the default action"),
          "SCMP_ACT_NOTIFY is refused as the default action");
  cfg.default_action = "SCMP_ACT_ERRNO";
  cfg.default_errno_ret.set = true;
  cfg.default_errno_ret.v = 70000;
  TAP_OK ((m = validate_msg (&cfg)) && strstr (m, "linux.seccomp.defaultErrnoRet"),
          "defaultErrnoRet out of range");
  cfg.default_errno_ret.v = 38;
  TAP_OK (validate_msg (&cfg) == NULL, "defaultErrnoRet 38 is fine");
  cfg.default_errno_ret.set = false;
  cfg.default_action = "SCMP_ACT_ALLOW";

  one[0] = "SCMP_ARCH_FOO";
  cfg.architectures = one;
  cfg.n_architectures = 1;
  TAP_STR_EQ (validate_msg (&cfg),
              "linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_FOO\"",
              "unknown architecture");
  one[0] = "SCMP_ARCH_x86_64";
  TAP_OK (validate_msg (&cfg) != NULL, "architecture names are upper-case");
  one[0] = "x86_64";
  TAP_OK (validate_msg (&cfg) != NULL, "architecture without the SCMP_ARCH_ prefix");
  one[0] = "SCMP_ARCH_";
  TAP_OK (validate_msg (&cfg) != NULL, "bare SCMP_ARCH_");
  {
    const char *const *a = seccomp_known_archs ();
    int ok = 1;
    for (; *a; a++)
      {
        one[0] = (char *)*a;
        if ((m = validate_msg (&cfg)))
          {
            printf ("# %s\n", m);
            ok = 0;
          }
      }
    TAP_OK (ok, "every known architecture validates");
  }
  cfg.architectures = archs_ok;
  cfg.n_architectures = N (archs_ok);

  one[0] = "SECCOMP_FILTER_FLAG_BOGUS";
  cfg.flags = one;
  cfg.n_flags = 1;
  TAP_STR_EQ (validate_msg (&cfg),
              "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"", "unknown flag");
  {
    const char *const *f = seccomp_known_flags ();
    int ok = 1;
    for (; *f; f++)
      {
        one[0] = (char *)*f;
        if (validate_msg (&cfg))
          ok = 0;
      }
    TAP_OK (ok, "every known flag validates");
  }
  cfg.flags = NULL;
  cfg.n_flags = 0;

  {
    const char *const *a = seccomp_known_actions ();
    int ok = 1;
    for (; *a; a++)
      {
        rules[3].action = (char *)*a;
        if (validate_msg (&cfg))
          ok = 0;
      }
    TAP_OK (ok, "every known action validates in a rule");
    rules[3].action = "SCMP_ACT_LOG";
  }

  memset (args, 0, sizeof (args));
  args[0].index = 0;
  args[0].op = "SCMP_CMP_EQ";
  args[1].index = 2;
  args[1].op = "SCMP_CMP_FOO";
  rules[1].args = args;
  rules[1].n_args = 2;
  TAP_STR_EQ (validate_msg (&cfg),
              "linux.seccomp.syscalls[1].args[1].op: unknown operator \"SCMP_CMP_FOO\"",
              "unknown operator");
  {
    const char *const *o = seccomp_known_operators ();
    int ok = 1;
    for (; *o; o++)
      {
        args[1].op = (char *)*o;
        if (validate_msg (&cfg))
          ok = 0;
      }
    TAP_OK (ok, "every known operator validates");
  }
  args[1].op = NULL;
  TAP_STR_EQ (validate_msg (&cfg), "linux.seccomp.syscalls[1].args[1].op: missing",
              "missing operator");
  args[1].op = "SCMP_CMP_NE";
  args[1].index = 6;
  TAP_STR_EQ (validate_msg (&cfg),
              "linux.seccomp.syscalls[1].args[1].index: 6 is out of range (0-5)",
              "argument index 6");
  args[1].index = 5;
  TAP_OK (validate_msg (&cfg) == NULL, "argument index 5 is fine");
  rules[1].n_args = 0;

  rules[1].errno_ret.set = true;
  rules[1].errno_ret.v = 65536;
  TAP_OK ((m = validate_msg (&cfg)) && strstr (m, "linux.seccomp.syscalls[1].errnoRet"),
          "errnoRet out of range: %s", m ? m : "");
  rules[1].errno_ret.set = false;

  rules[2].names = empty_name;
  rules[2].n_names = 1;
  TAP_STR_EQ (validate_msg (&cfg), "linux.seccomp.syscalls[2].names[0]: empty syscall name",
              "empty syscall name");
  rules[2].n_names = 0;
  TAP_OK ((m = validate_msg (&cfg)) && strstr (m, "linux.seccomp.syscalls[2].names"),
          "no syscall names");
  rules[2] = rule (unknown_names, 2, "SCMP_ACT_KILL");

  rules[0] = rule (write_names, 2, "SCMP_ACT_NOTIFY");
  TAP_OK ((m = validate_msg (&cfg)) && strstr (m, "syscalls[0]") && strstr (m, "write"),
          "SCMP_ACT_NOTIFY on write is refused");
  rules[0] = rule (getppid_names, 1, "SCMP_ACT_NOTIFY");
  TAP_OK (validate_msg (&cfg) == NULL, "SCMP_ACT_NOTIFY on getppid is fine");

  /* seccomp_uses_notify */
  TAP_OK (seccomp_uses_notify (&cfg), "uses notify");
  rules[0].action = "SCMP_ACT_ALLOW";
  TAP_OK (!seccomp_uses_notify (&cfg), "does not use notify");
  TAP_OK (!seccomp_uses_notify (NULL), "no filter: no notify");

  /* The static lists. */
  TAP_OK (list_len (seccomp_known_actions ()) == 9, "9 actions");
  TAP_OK (list_has (seccomp_known_actions (), "SCMP_ACT_KILL_PROCESS")
              && list_has (seccomp_known_actions (), "SCMP_ACT_NOTIFY")
              && list_has (seccomp_known_actions (), "SCMP_ACT_KILL"),
          "actions list");
  TAP_OK (list_len (seccomp_known_operators ()) == 7
              && list_has (seccomp_known_operators (), "SCMP_CMP_MASKED_EQ"),
          "operators list");
  TAP_OK (list_has (seccomp_known_archs (), "SCMP_ARCH_X86_64")
              && list_has (seccomp_known_archs (), "SCMP_ARCH_AARCH64")
              && list_has (seccomp_known_archs (), "SCMP_ARCH_S390X")
              && list_has (seccomp_known_archs (), "SCMP_ARCH_RISCV64"),
          "architectures list");
  TAP_OK (list_len (seccomp_known_flags ()) == 4
              && list_has (seccomp_known_flags (), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
          "flags list");
}

/* Run fn in a child; returns its wait status. */
static int
in_child (int (*fn) (void *), void *arg)
{
  pid_t pid;
  int status = 0;

  fflush (stdout);
  pid = fork ();
  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      int r = fn (arg);
      fflush (stdout);
      _exit (r);
    }
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  return status;
}

static int
install (struct seccomp_config *cfg, int *fd)
{
  ecirun_error_t err = NULL;
  if (geteuid () != 0)
    prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  if (seccomp_install (cfg, fd, &err) < 0)
    {
      printf ("# install: %s\n", err && err->msg ? err->msg : "?");
      return -1;
    }
  return 0;
}

#define CHECK(n, cond)                                                                             \
  do                                                                                               \
    {                                                                                              \
      if (!(cond))                                                                                 \
        {                                                                                          \
          printf ("#   check %d failed: %s (errno %d)\n", n, #cond, errno);                        \
          return n;                                                                                \
        }                                                                                          \
    }                                                                                              \
  while (0)

static int
child_rules (void *arg)
{
  struct seccomp_config cfg;
  struct seccomp_syscall_config rules[7];
  struct seccomp_arg_config dup_args[1], dup2_args[2], umask_args[1];
  int fd = -2;
  long r;

  memset (dup_args, 0, sizeof (dup_args));
  memset (dup2_args, 0, sizeof (dup2_args));
  memset (umask_args, 0, sizeof (umask_args));
  rules[0] = rule (getppid_names, 1, "SCMP_ACT_ERRNO");
  rules[0].errno_ret.set = true;
  rules[0].errno_ret.v = 99;
  rules[1] = rule (dup_names, 1, "SCMP_ACT_ERRNO");
  rules[1].errno_ret.set = true;
  rules[1].errno_ret.v = 77;
  dup_args[0] = (struct seccomp_arg_config){ .index = 0, .value = 1000, .op = "SCMP_CMP_EQ" };
  rules[1].args = dup_args;
  rules[1].n_args = 1;
  /* Two conditions on the same argument: one rule each, so either matches. */
  rules[2] = rule (dup2_names, 1, "SCMP_ACT_ERRNO");
  rules[2].errno_ret.set = true;
  rules[2].errno_ret.v = 55;
  dup2_args[0] = (struct seccomp_arg_config){ .index = 0, .value = 500, .op = "SCMP_CMP_EQ" };
  dup2_args[1] = (struct seccomp_arg_config){ .index = 0, .value = 501, .op = "SCMP_CMP_EQ" };
  rules[2].args = dup2_args;
  rules[2].n_args = 2;
  /* MASKED_EQ: value is the mask, valueTwo the expected result. */
  rules[3] = rule (umask_names, 1, "SCMP_ACT_ERRNO");
  rules[3].errno_ret.set = true;
  rules[3].errno_ret.v = 66;
  umask_args[0] = (struct seccomp_arg_config){
    .index = 0, .value = 07, .value_two = 02, .op = "SCMP_CMP_MASKED_EQ"
  };
  rules[3].args = umask_args;
  rules[3].n_args = 1;
  rules[4] = rule (unknown_names, 2, "SCMP_ACT_ERRNO");
  rules[5] = rule (allow_names, 1, "SCMP_ACT_ALLOW"); /* same as the default: skipped */
  rules[6] = rule (getppid_names, 1, "SCMP_ACT_LOG");
  rules[6].names = allow_names; /* getpid: logged, allowed */
  base_config (&cfg, rules, 7);
  cfg.flags = flags_ok;
  cfg.n_flags = N (flags_ok);

  CHECK (1, install (&cfg, &fd) == 0);
  CHECK (2, fd == -1);
  errno = 0;
  r = syscall (SYS_getppid);
  CHECK (3, r == -1 && errno == 99);
  r = syscall (SYS_dup, 1000);
  CHECK (4, r == -1 && errno == 77);
  r = syscall (SYS_dup, 0);
  CHECK (5, r >= 0);
  close ((int)r);
  r = syscall (SYS_dup2, 500, 600);
  CHECK (6, r == -1 && errno == 55);
  r = syscall (SYS_dup2, 501, 600);
  CHECK (7, r == -1 && errno == 55);
  r = syscall (SYS_dup2, 0, 600);
  CHECK (8, r == 600);
  r = syscall (SYS_umask, 022);
  CHECK (9, r == -1 && errno == 66);
  r = syscall (SYS_umask, 077);
  CHECK (10, r >= 0);
  CHECK (11, syscall (SYS_getpid) == getpid ());
  return 0;
}

static char *default_allow[] = { "write", "exit_group", "exit", "rt_sigreturn", "getpid" };

static int
child_default_errno (void *arg)
{
  struct seccomp_config cfg;
  struct seccomp_syscall_config rules[1];
  int fd = -2;
  long r;

  rules[0] = rule (default_allow, N (default_allow), "SCMP_ACT_ALLOW");
  base_config (&cfg, rules, 1);
  cfg.default_action = "SCMP_ACT_ERRNO";
  if (arg)
    {
      cfg.default_errno_ret.set = true;
      cfg.default_errno_ret.v = 42;
    }
  CHECK (1, install (&cfg, &fd) == 0);
  errno = 0;
  r = syscall (SYS_getppid);
  CHECK (2, r == -1 && errno == (arg ? 42 : EPERM));
  CHECK (3, syscall (SYS_getpid) > 0);
  return 0;
}

static int
child_kill_process (void *arg)
{
  struct seccomp_config cfg;
  struct seccomp_syscall_config rules[1];
  int fd;

  rules[0] = rule (getppid_names, 1, (const char *)arg);
  base_config (&cfg, rules, 1);
  CHECK (1, install (&cfg, &fd) == 0);
  syscall (SYS_getppid);
  return 2;
}

/* A listener: a grandchild calls getppid, this process answers 4242. */
static int
child_notify (void *arg)
{
  struct seccomp_config cfg;
  struct seccomp_syscall_config rules[1];
  char *flags[] = { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" };
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  int fd = -1, status, fl;
  pid_t pid;

  rules[0] = rule (getppid_names, 1, "SCMP_ACT_NOTIFY");
  base_config (&cfg, rules, 1);
  if (arg)
    {
      cfg.flags = flags;
      cfg.n_flags = 1;
    }
  CHECK (1, install (&cfg, &fd) == 0);
  CHECK (2, fd >= 0);
  fl = fcntl (fd, F_GETFD);
  CHECK (3, fl >= 0 && (fl & FD_CLOEXEC));
  pid = fork ();
  CHECK (4, pid >= 0);
  if (pid == 0)
    {
      long r = syscall (SYS_getppid);
      _exit (r == 4242 ? 0 : 1);
    }
  memset (&req, 0, sizeof (req));
  CHECK (5, ioctl (fd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0);
  CHECK (6, req.pid == (__u32)pid && req.data.nr == SYS_getppid);
  memset (&resp, 0, sizeof (resp));
  resp.id = req.id;
  resp.val = 4242;
  CHECK (7, ioctl (fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0);
  CHECK (8, waitpid (pid, &status, 0) == pid);
  CHECK (9, WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return 0;
}

/* More than 32 entries: libseccomp's binary-tree optimisation is switched on. */
static int
child_many_rules (void *arg)
{
  static char *names[] = { "acct",
                           "add_key",
                           "bpf",
                           "clock_adjtime",
                           "clock_settime",
                           "create_module",
                           "delete_module",
                           "finit_module",
                           "get_kernel_syms",
                           "get_mempolicy",
                           "init_module",
                           "ioperm",
                           "iopl",
                           "kcmp",
                           "kexec_file_load",
                           "kexec_load",
                           "keyctl",
                           "lookup_dcookie",
                           "mbind",
                           "mount",
                           "move_pages",
                           "nfsservctl",
                           "open_by_handle_at",
                           "perf_event_open",
                           "personality",
                           "pivot_root",
                           "process_vm_readv",
                           "process_vm_writev",
                           "ptrace",
                           "query_module",
                           "quotactl",
                           "reboot",
                           "request_key",
                           "set_mempolicy",
                           "setns",
                           "settimeofday",
                           "stime",
                           "swapon",
                           "swapoff",
                           "sysfs",
                           "_sysctl",
                           "umount",
                           "umount2",
                           "unshare",
                           "uselib",
                           "userfaultfd",
                           "ustat",
                           "vm86",
                           "vm86old",
                           "getppid" };
  struct seccomp_syscall_config rules[N (names)];
  struct seccomp_config cfg;
  size_t i;
  int fd;

  for (i = 0; i < N (names); i++)
    {
      rules[i] = rule (&names[i], 1, "SCMP_ACT_ERRNO");
      rules[i].errno_ret.set = true;
      rules[i].errno_ret.v = 100 + i;
    }
  base_config (&cfg, rules, N (names));
  CHECK (1, install (&cfg, &fd) == 0);
  errno = 0;
  CHECK (2, syscall (SYS_getppid) == -1 && errno == (int)(100 + N (names) - 1));
  CHECK (3, syscall (SYS_unshare, 0) == -1 && errno == 143);
  CHECK (4, syscall (SYS_getpid) == getpid ());
  return 0;
}

static int
child_bad_flag (void *arg)
{
  struct seccomp_config cfg;
  char *flags[] = { "SECCOMP_FILTER_FLAG_NOPE" };
  ecirun_error_t err = NULL;
  int fd = -2;

  base_config (&cfg, NULL, 0);
  cfg.flags = flags;
  cfg.n_flags = 1;
  CHECK (1, seccomp_install (&cfg, &fd, &err) < 0);
  CHECK (2, err && strstr (err->msg, "linux.seccomp.flags[0]"));
  CHECK (3, fd == -1);
  /* Nothing was loaded. */
  CHECK (4, prctl (PR_GET_SECCOMP, 0, 0, 0, 0) == 0);
  error_release (&err);
  return 0;
}

static void
test_install (void)
{
  int st;

  st = in_child (child_rules, NULL);
  TAP_OK (WIFEXITED (st) && WEXITSTATUS (st) == 0,
          "install: errnoRet, conditions, same-index split, MASKED_EQ, skipped rules (%d)",
          WIFEXITED (st) ? WEXITSTATUS (st) : -WTERMSIG (st));
  st = in_child (child_default_errno, NULL);
  TAP_OK (WIFEXITED (st) && WEXITSTATUS (st) == 0, "install: default SCMP_ACT_ERRNO is EPERM");
  st = in_child (child_default_errno, (void *)1);
  TAP_OK (WIFEXITED (st) && WEXITSTATUS (st) == 0, "install: defaultErrnoRet");
  st = in_child (child_kill_process, "SCMP_ACT_KILL_PROCESS");
  TAP_OK (WIFSIGNALED (st) && WTERMSIG (st) == SIGSYS, "install: SCMP_ACT_KILL_PROCESS");
  st = in_child (child_kill_process, "SCMP_ACT_KILL");
  TAP_OK (WIFSIGNALED (st) && WTERMSIG (st) == SIGSYS, "install: SCMP_ACT_KILL");
  st = in_child (child_kill_process, "SCMP_ACT_TRAP");
  TAP_OK (WIFSIGNALED (st) && WTERMSIG (st) == SIGSYS, "install: SCMP_ACT_TRAP");
  st = in_child (child_notify, NULL);
  TAP_OK (WIFEXITED (st) && WEXITSTATUS (st) == 0, "install: SCMP_ACT_NOTIFY listener works");
  st = in_child (child_notify, (void *)1);
  TAP_OK (WIFEXITED (st) && WEXITSTATUS (st) == 0,
          "install: SCMP_ACT_NOTIFY with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
  st = in_child (child_many_rules, NULL);
  TAP_OK (WIFEXITED (st) && WEXITSTATUS (st) == 0, "install: a long rule set");
  st = in_child (child_bad_flag, NULL);
  TAP_OK (WIFEXITED (st) && WEXITSTATUS (st) == 0, "install: unknown flag fails before loading");
}

int
main (void)
{
  test_validate ();
  test_install ();
  return tap_done ();
}
