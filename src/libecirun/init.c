#include <config.h>
#include "init.h"
#include "policy.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "caps.h"
#include "fds.h"
#include "fs.h"
#include "hooks.h"
#include "netlink.h"
#include "rootfs.h"
#include "seccomp.h"
#include "sync.h"
#include "syscalls.h"
#include "terminal.h"
#include "utils.h"
#include "vetting.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Report to the runtime while it listens; after that (the workload's exec failing) the
   container's stderr is the only place left. */
__attribute__ ((noreturn)) static void
fail_on (int sync_fd, ecirun_error_t *err)
{
  const char *msg = (err && *err) ? (*err)->msg : "container process setup failed";
  if (sync_fd >= 0)
    sync_send (sync_fd, SYNC_ERROR, msg, -1, NULL);
  else
    {
      write_all (STDERR_FILENO, "ecirun: ", 8);
      write_all (STDERR_FILENO, msg, strlen (msg));
      write_all (STDERR_FILENO, "\n", 1);
    }
  _exit (sync_fd >= 0 ? 1 : 127);
}
#define init_fail(a, err) fail_on ((a)->sync_fd, err)

/* "LO HI" with HI lowered to the highest gid mapped in our user namespace; NULL if not
   applicable. */
static char *
clamp_gid_range (const char *value)
{
  cleanup_file FILE *f = fopen ("/proc/self/gid_map", "re");
  unsigned long long lo, hi, inside, outside, count, max = 0;

  if (f == NULL || sscanf (value, "%llu %llu", &lo, &hi) != 2)
    return NULL;
  while (fscanf (f, "%llu %llu %llu", &inside, &outside, &count) == 3)
    if (count && inside + count - 1 > max)
      max = inside + count - 1;
  if (max == 0 || hi <= max)
    return NULL;
  if (lo > max)
    lo = max;
  return xasprintf ("%llu %llu", lo, max);
}

static int
apply_sysctl (const struct linux_config *lc, ecirun_error_t *err)
{
  for (size_t i = 0; lc && i < lc->sysctl.len; i++)
    {
      const struct kv *kv = &lc->sysctl.items[i];
      cleanup_free char *path = NULL;

      if (strstr (kv->key, "..") || strchr (kv->key, '/') == kv->key)
        return make_error (err, 0, "linux.sysctl: invalid key `%s`", kv->key);
      path = xasprintf ("/proc/sys/%s", kv->key);
      if (strcmp (kv->key, "net.ipv4.ping_group_range") == 0)
        {
          /* Engines allow every gid ("0 2147483647"); the kernel wants mapped gids only. */
          cleanup_free char *clamped = clamp_gid_range (kv->value);
          if (clamped)
            {
              for (char *p = path + 10; *p; p++)
                if (*p == '.')
                  *p = '/';
              if (write_file_at (AT_FDCWD, path, clamped, strlen (clamped), 0, err) < 0)
                return error_wrap (err, "linux.sysctl `%s`", kv->key);
              continue;
            }
        }
      for (char *p = path + 10; *p; p++)
        if (*p == '.')
          *p = '/';
      if (write_file_at (AT_FDCWD, path, kv->value, strlen (kv->value), 0, err) < 0)
        return error_wrap (err, "linux.sysctl `%s`", kv->key);
    }
  return 0;
}

static int
apply_rlimits (const struct process_config *p, ecirun_error_t *err)
{
  for (size_t i = 0; i < p->n_rlimits; i++)
    {
      struct rlimit rl = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };
      if (setrlimit (p->rlimits[i].resource, &rl) < 0)
        return make_error (err, errno, "process.rlimits[%zu]: setrlimit(%s, %llu, %llu)", i,
                           rlimit_name (p->rlimits[i].resource), (unsigned long long)rl.rlim_cur,
                           (unsigned long long)rl.rlim_max);
    }
  return 0;
}

static int
apply_personality (const struct linux_config *lc, ecirun_error_t *err)
{
  unsigned long persona;

  if (lc == NULL || !lc->personality.present)
    return 0;
  if (lc->personality.domain == NULL || strcmp (lc->personality.domain, "LINUX") == 0)
    persona = PER_LINUX;
  else if (strcmp (lc->personality.domain, "LINUX32") == 0)
    persona = PER_LINUX32;
  else
    return make_error (err, 0, "linux.personality.domain: unknown domain `%s`",
                       lc->personality.domain);
  if (personality (persona) < 0)
    return make_error (err, errno, "personality");
  return 0;
}

static const char *
env_get (char *const *env, const char *name)
{
  size_t n = strlen (name);
  for (size_t i = 0; env && env[i]; i++)
    if (strncmp (env[i], name, n) == 0 && env[i][n] == '=')
      return env[i] + n + 1;
  return NULL;
}

/* HOME from the container's /etc/passwd (or "/") when process.env has none, as runc does. */
static char **
env_with_home (const struct process_config *p)
{
  cleanup_file FILE *f = NULL;
  cleanup_free char *line = NULL;
  char **env;
  const char *home = "/";
  size_t n = 0, len = strv_len (p->env);

  if (env_get (p->env, "HOME"))
    return NULL;
  f = fopen ("/etc/passwd", "re");
  while (f && getline (&line, &n, f) > 0)
    {
      char *fields[7] = { 0 }, *save = NULL, *tok = line;
      int i = 0;

      line[strcspn (line, "\n")] = '\0';
      while (i < 7 && (fields[i] = strsep (&tok, ":")))
        i++;
      (void)save;
      if (i >= 6 && fields[2] && (uint32_t)strtoul (fields[2], NULL, 10) == p->user.uid
          && *fields[2])
        {
          home = fields[5];
          break;
        }
    }
  env = xmalloc0 ((len + 2) * sizeof (char *));
  for (size_t i = 0; i < len; i++)
    env[i] = p->env[i];
  env[len] = xasprintf ("HOME=%s", home);
  return env;
}

static bool
is_executable (const char *path)
{
  struct stat sb;
  return stat (path, &sb) == 0 && S_ISREG (sb.st_mode) && (sb.st_mode & 0111);
}

/* Resolve args[0] with the container's PATH, as runc does before start so that a missing
   binary fails `create` rather than the started container. */
static int
lookup_executable (const struct process_config *p, char **ret, ecirun_error_t *err)
{
  const char *arg0 = p->args[0];
  const char *path = env_get (p->env, "PATH");
  cleanup_free char *copy = NULL;
  char *save = NULL;

  if (strchr (arg0, '/'))
    {
      /* Worded as runc does: engines map "no such file or directory" to exit status 127 and
         "permission denied" to 126. */
      if (access (arg0, F_OK) < 0)
        return make_error (err, 0, "exec: \"%s\": stat %s: no such file or directory", arg0, arg0);
      if (!is_executable (arg0))
        return make_error (err, 0, "exec: \"%s\": permission denied", arg0);
      *ret = xstrdup (arg0);
      return 0;
    }
  copy = xstrdup (path ? path : DEFAULT_PATH);
  for (char *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      cleanup_free char *full = xasprintf ("%s/%s", *dir ? dir : ".", arg0);
      if (is_executable (full))
        {
          *ret = TAKE_PTR (full);
          return 0;
        }
    }
  return make_error (err, 0, "exec: \"%s\": executable file not found in $PATH", arg0);
}

/* Every change of credentials resets dumpable to fs.suid_dumpable, which an admin may have set
   to 1: clear it again at once. Until the workload's execve nothing of the runtime's (the sync
   socket, the config in memory) may be reachable through ptrace or /proc/PID. */
static int
stay_nondumpable (ecirun_error_t *err)
{
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return make_error (err, errno, "prctl(PR_SET_DUMPABLE)");
  return 0;
}

/* Right after entering the container's user namespace, before any container path is touched:
   from here on the process is the container's root (its uid and gid 0, no supplementary group
   of the caller's), never host root. */
static int
become_container_root (ecirun_error_t *err)
{
  /* setgroups may be denied in a user namespace; then there must be nothing left to drop. */
  if (setgroups (0, NULL) < 0)
    {
      int saved = errno;
      if (getgroups (0, NULL) != 0)
        return make_error (err, saved, "drop the supplementary groups in the user namespace");
    }
  if (setresgid (0, 0, 0) < 0)
    return make_error (err, errno,
                       "become root in the user namespace (is container gid 0 mapped?)");
  if (stay_nondumpable (err) < 0)
    return -1;
  if (setresuid (0, 0, 0) < 0)
    return make_error (err, errno,
                       "become root in the user namespace (is container uid 0 mapped?)");
  if (stay_nondumpable (err) < 0)
    return -1;
  /* The credential change cleared the parent-death signal too. */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return make_error (err, errno, "prctl(PR_SET_PDEATHSIG)");
  return 0;
}

/* An ID of the process's user must be mapped in the container's user namespace (its block):
   otherwise the kernel's EINVAL would say nothing. map is "uid_map" or "gid_map". */
static int
check_mapped (const char *map, const char *what, uint32_t id, ecirun_error_t *err)
{
  cleanup_free char *text = NULL, *path = xasprintf ("/proc/self/%s", map);
  unsigned long long inside, outside, count, total = 0;
  const char *line;

  if (read_file_at (AT_FDCWD, path, &text, NULL, 1 << 16, NULL) < 0)
    return 0; /* the kernel will say */
  for (line = text; line && *line; line = strchr (line, '\n'), line = line ? line + 1 : NULL)
    if (sscanf (line, "%llu %llu %llu", &inside, &outside, &count) == 3)
      {
        if (id >= inside && id - inside < count)
          return 0;
        total += count;
      }
  return make_error (err, 0,
                     "process.user: %s %" PRIu32 " is outside the container's %llu IDs (0-%llu; "
                     "blockSize in %s); files owned by such IDs show as 65534 (nobody) inside",
                     what, id, total, total ? total - 1 : 0, POLICY_PATH);
}

static int
switch_user (const struct process_config *p, bool in_userns, ecirun_error_t *err)
{
  const struct user_config *u = &p->user;

  if (in_userns
      && (check_mapped ("uid_map", "uid", u->uid, err) < 0
          || check_mapped ("gid_map", "gid", u->gid, err) < 0))
    return -1;
  for (size_t i = 0; in_userns && i < u->n_additional_gids; i++)
    if (check_mapped ("gid_map", "additional gid", u->additional_gids[i], err) < 0)
      return -1;
  if (setgroups (u->n_additional_gids, (const gid_t *)u->additional_gids) < 0
      && !(errno == EPERM && u->n_additional_gids == 0 && in_userns))
    return make_error (err, errno, "setgroups");
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return make_error (err, errno, "setresgid(%u)", u->gid);
  if (stay_nondumpable (err) < 0)
    return -1;
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return make_error (err, errno, "prctl(PR_SET_KEEPCAPS)");
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return make_error (err, errno, "setresuid(%u)", u->uid);
  if (stay_nondumpable (err) < 0)
    return -1;
  if (u->umask.set)
    umask (u->umask.v & 0777);
  return 0;
}

static int
install_seccomp (const struct linux_config *lc, int sync_fd, ecirun_error_t *err)
{
  int notify_fd = -1;
  struct sync_msg m;

  if (lc == NULL || lc->seccomp == NULL)
    return 0;
  if (seccomp_install (lc->seccomp, &notify_fd, err) < 0)
    return -1;
  if (notify_fd < 0)
    return 0;
  /* Hand the listener to the runtime, which passes it on to linux.seccomp.listenerPath. */
  if (sync_send (sync_fd, SYNC_SECCOMP_FD, NULL, notify_fd, err) < 0)
    return -1;
  close (notify_fd);
  return sync_expect (sync_fd, SYNC_FD_RECEIVED, &m, err);
}

/* ecirun's own filter, before config.json's and while the process still has CAP_SYS_ADMIN:
   its listener goes to the runtime (for the sidecar), and no copy stays here, so that the
   container's mount calls fail (ENOSYS) rather than hang if the sidecar ever goes. */
static int
install_vetting (int sync_fd, ecirun_error_t *err)
{
  struct sync_msg m;
  int fd = vetting_install (err);

  if (fd < 0)
    return -1;
  if (sync_send (sync_fd, SYNC_VETTING_FD, NULL, fd, err) < 0)
    {
      close (fd);
      return -1;
    }
  close (fd);
  return sync_expect (sync_fd, SYNC_FD_RECEIVED, &m, err);
}

static int
setup_console (const struct process_config *p, int sync_fd, bool bind_console, char **ret_slave,
               ecirun_error_t *err)
{
  cleanup_free char *slave = NULL;
  cleanup_close int master = -1;
  struct sync_msg m;

  if (terminal_open_pty (&master, &slave, err) < 0)
    return -1;
  if (p->console_height.set && p->console_width.set
      && terminal_set_size (master, p->console_height.v, p->console_width.v, err) < 0)
    return -1;
  if (sync_send (sync_fd, SYNC_CONSOLE_FD, NULL, master, err) < 0
      || sync_expect (sync_fd, SYNC_FD_RECEIVED, &m, err) < 0)
    return -1;
  if (terminal_make_controlling (slave, err) < 0)
    return -1;
  /* The process's user owns its terminal (the pty was made by the container's root), as runc
     does: it can reopen it (/dev/stdin, /proc/self/fd/0, tty). */
  if (fchown (STDIN_FILENO, p->user.uid, (gid_t)-1) < 0)
    return make_error (err, errno, "chown the terminal to uid %u", p->user.uid);
  if (bind_console && rootfs_bind_console (slave, err) < 0)
    return -1;
  if (ret_slave)
    *ret_slave = TAKE_PTR (slave);
  return 0;
}

static int
enter_time_namespace (const struct init_args *a, ecirun_error_t *err)
{
  const struct linux_config *lc = a->config->linux_cfg;
  cleanup_close int fd = -1;
  struct sync_msg m;

  if (unshare (CLONE_NEWTIME) < 0)
    return make_error (err, errno, "unshare time namespace");
  if (lc->time_offsets.len > 0
      && (sync_send (a->sync_fd, SYNC_TIMENS, NULL, -1, err) < 0
          || sync_expect (a->sync_fd, SYNC_TIMENS_DONE, &m, err) < 0))
    return -1;
  /* unshare(CLONE_NEWTIME) only affects children: join it ourselves. */
  fd = open ("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns (fd, CLONE_NEWTIME) < 0)
    return make_error (err, errno, "enter the time namespace");
  return 0;
}

/* Block until `ecirun start` opens exec.fifo for reading. */
static int
wait_for_start (const struct init_args *a, ecirun_error_t *err)
{
  char path[64];
  cleanup_close int fd = -1;

  snprintf (path, sizeof (path), "/proc/self/fd/%d", a->fifo_fd);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error (err, errno, "open exec.fifo");
  if (write_all (fd, "0", 1) < 0)
    return make_error (err, errno, "write exec.fifo");
  close (a->fifo_fd);
  return 0;
}

/* Only stdio, the preserved fds (3 .. 2+preserve_fds: the caller's, checked by the runtime)
   and `keep` (the sync socket, exec.fifo) stay open. */
static int
close_runtime_fds (int preserve_fds, int sync_fd, int fifo_fd, ecirun_error_t *err)
{
  const int keep[] = { sync_fd, fifo_fd };
  return fds_close_from (3 + preserve_fds, keep, ARRAY_SIZE (keep), err);
}

/* The preserved fds are inherited by the workload; everything else closes at execve. */
static int
keep_fds_for_exec (int preserve_fds, ecirun_error_t *err)
{
  for (int fd = 3; fd < 3 + preserve_fds; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags < 0 || fcntl (fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
        return make_error (err, errno, "preserve fd %d", fd);
    }
  if (fds_close_range (3 + preserve_fds, ~0U, true) < 0)
    return make_error (err, errno, "mark the runtime's descriptors close-on-exec");
  return 0;
}

/* Enter the process's cwd: resolved inside the container's root without magic links (a
   /proc/self/fd/N leads to whatever that descriptor is, the CVE-2024-21626 class), created
   there for the init (as runc does), and checked to be under the root once entered. */
static int
enter_cwd (const char *cwd, bool create, ecirun_error_t *err)
{
  cleanup_close int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int dir = -1;
  char buf[PATH_MAX];
  long n;

  if (root < 0)
    return make_error (err, errno, "open /");
  dir = create ? fs_create_in_root (root, cwd, false, 0755, err)
               : fs_open_in_root (root, cwd, O_PATH | O_DIRECTORY, 0, err);
  if (dir < 0)
    return error_wrap (err, "cwd `%s`", cwd);
  if (fchdir (dir) < 0)
    return make_error (err, errno, "chdir to cwd `%s`", cwd);
  /* The kernel's getcwd starts with "(unreachable)" for a directory outside our root. */
  n = syscall (SYS_getcwd, buf, sizeof (buf));
  if (n < 0)
    return make_error (err, errno, "cwd `%s`: getcwd", cwd);
  if (buf[0] != '/')
    return make_error (err, 0, "cwd `%s` is outside the container's root (%s)", cwd, buf);
  return 0;
}

/* The trees the runtime prepared, until it says SYNC_MAPPED. */
static int
receive_trees (int sync_fd, size_t n_mounts, struct init_trees *t, ecirun_error_t *err)
{
  for (;;)
    {
      struct sync_msg m;
      long idx;

      if (sync_recv (sync_fd, &m, err) < 0)
        return -1;
      switch (m.stage)
        {
        case SYNC_MAPPED:
          return 0;
        case SYNC_ERROR:
          return make_error (err, 0, "%s", m.payload);
        case SYNC_ROOTFS_FD:
          t->rootfs_dir = m.fd;
          continue;
        case SYNC_OVERLAY:
          t->mounts[0] = m.fd;
          t->overlay = xstrdup (m.payload);
          continue;
        case SYNC_OVERLAY_DIR:
          idx = strtol (m.payload, NULL, 10);
          if (idx >= 0 && idx < (long)n_mounts && m.fd >= 0)
            {
              rootfs_add_overlay_dir (t, idx, m.fd);
              continue;
            }
          goto unexpected;
        case SYNC_DEVICE_FD:
          t->devices = xrealloc (t->devices, (t->n_devices + 1) * sizeof (*t->devices));
          t->devices[t->n_devices].path = xstrdup (m.payload);
          t->devices[t->n_devices++].fd = m.fd;
          continue;
        case SYNC_MOUNT_FD:
          idx = strtol (m.payload, NULL, 10);
          if (idx >= -1 && idx < (long)n_mounts && m.fd >= 0)
            {
              t->mounts[idx + 1] = m.fd;
              continue;
            }
          /* fallthrough */
        default:
        unexpected:
          if (m.fd >= 0)
            close (m.fd);
          return make_error (err, 0, "sync: unexpected stage %s (%s)", sync_stage_name (m.stage),
                             m.payload);
        }
    }
}

/* What is left to do after the runtime let the process go: the late seccomp filter and exec. */
struct exec_plan
{
  char *exe;
  char **env;
  bool late_seccomp;
};

/* How prepare_process runs: the init creates a missing cwd, `exec` does not (as runc). */
struct process_setup
{
  const struct process_config *p;
  const struct linux_config *lc;
  int sync_fd;
  int fifo_fd; /* -1 for `exec` */
  int preserve_fds;
  bool in_userns;
  bool create_cwd;
};

/* The part shared by the container init and `exec`'d processes, run in the container as its
   root: the runtime's fds closed, cwd, the executable, the environment, seccomp (early when it
   needs privileges or a listener), the user, capabilities, no_new_privs and the fds to keep. */
static int
prepare_process (const struct process_setup *s, struct exec_plan *plan, ecirun_error_t *err)
{
  const struct process_config *p = s->p;
  const struct linux_config *lc = s->lc;
  cleanup_free char *warning = NULL;

  /* Nothing of the runtime's may be reachable (through /proc/self/fd) once container paths
     are resolved for the process, nor inherited by it. */
  if (close_runtime_fds (s->preserve_fds, s->sync_fd, s->fifo_fd, err) < 0)
    return -1;
  if (enter_cwd (p->cwd, s->create_cwd, err) < 0)
    return -1;
  if (lookup_executable (p, &plan->exe, err) < 0)
    return -1;
  plan->env = env_with_home (p);

  /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: do it before dropping
     capabilities (as runc does). A listener must reach the runtime while it still listens. */
  plan->late_seccomp
      = p->no_new_privileges && !(lc && lc->seccomp && seccomp_uses_notify (lc->seccomp));
  if (!plan->late_seccomp && install_seccomp (lc, s->sync_fd, err) < 0)
    return -1;
  if (switch_user (p, s->in_userns, err) < 0)
    return -1;
  if (caps_apply (&p->capabilities, &warning, err) < 0 || stay_nondumpable (err) < 0)
    return -1;
  if (warning && sync_send (s->sync_fd, SYNC_WARNING, warning, -1, err) < 0)
    return -1;
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return make_error (err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
  return keep_fds_for_exec (s->preserve_fds, err);
}

/* Returns only on failure. */
static int
late_seccomp (struct exec_plan *plan, const struct linux_config *lc, ecirun_error_t *err)
{
  int unused_fd = -1;

  if (!plan->late_seccomp || lc == NULL || lc->seccomp == NULL)
    return 0;
  plan->late_seccomp = false;
  return seccomp_install (lc->seccomp, &unused_fd, err);
}

static int
exec_process (struct exec_plan *plan, const struct process_config *p, const struct linux_config *lc,
              ecirun_error_t *err)
{
  if (late_seccomp (plan, lc, err) < 0)
    return -1;
  execve (plan->exe, p->args, plan->env ? plan->env : p->env ? p->env : (char *[]){ NULL });
  return make_error (err, errno, "exec `%s`", plan->exe);
}

/* The order matters: non-dumpable (inherited from the helper that joined the namespaces)
   and the container's root before anything else, the runtime's fds closed before the first
   container path (/dev/ptmx, the cwd, PATH, /etc/passwd) is opened. */
void
init_exec_process (const struct exec_child_args *a)
{
  const struct process_config *p = a->process;
  ecirun_error_t err = NULL;
  struct exec_plan plan = { 0 };
  struct process_setup setup = { .p = p,
                                 .lc = a->linux_cfg,
                                 .sync_fd = a->sync_fd,
                                 .fifo_fd = -1,
                                 .preserve_fds = a->preserve_fds,
                                 .in_userns = a->in_userns,
                                 .create_cwd = false };
  struct sync_msg m;

  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (stay_nondumpable (&err) < 0)
    fail_on (a->sync_fd, &err);
  if (a->in_userns && become_container_root (&err) < 0)
    fail_on (a->sync_fd, &err);
  if (close_runtime_fds (a->preserve_fds, a->sync_fd, -1, &err) < 0)
    fail_on (a->sync_fd, &err);
  if (sync_expect (a->sync_fd, SYNC_MAPPED, &m, &err) < 0)
    fail_on (a->sync_fd, &err);
  if (a->want_console)
    {
      if (setsid () < 0)
        {
          make_error (&err, errno, "setsid");
          fail_on (a->sync_fd, &err);
        }
      if (setup_console (p, a->sync_fd, false, NULL, &err) < 0)
        fail_on (a->sync_fd, &err);
    }
  if (apply_rlimits (p, &err) < 0)
    fail_on (a->sync_fd, &err);
  if (a->vet_mounts && install_vetting (a->sync_fd, &err) < 0)
    fail_on (a->sync_fd, &err);
  if (prepare_process (&setup, &plan, &err) < 0)
    fail_on (a->sync_fd, &err);
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (sync_send (a->sync_fd, SYNC_READY, NULL, -1, &err) < 0)
    fail_on (a->sync_fd, &err);
  close (a->sync_fd);
  exec_process (&plan, p, a->linux_cfg, &err);
  fail_on (-1, &err);
}

/* Every mount is in place: move into the runtime's locked copy of our mount namespace, so
   that from now on the kernel keeps the container from undoing any of them. With --no-pivot
   too: the root there is the rootfs moved over the host's, locked so that it cannot be
   unmounted to uncover the host's tree. */
static int
lock_mounts (const struct init_args *a, ecirun_error_t *err)
{
  struct sync_msg m;
  int r;

  if (sync_send (a->sync_fd, SYNC_LOCK_MOUNTS, NULL, -1, err) < 0
      || sync_expect (a->sync_fd, SYNC_MNTNS_FD, &m, err) < 0)
    return -1;
  if (m.fd < 0)
    return make_error (err, 0, "lock the mounts: no namespace received");
  r = rootfs_enter_locked (a->config, m.fd, err);
  close (m.fd);
  return r;
}

void
init_run (const struct init_args *a)
{
  const struct oci_config *c = a->config;
  const struct process_config *p = c->process;
  const struct linux_config *lc = c->linux_cfg;
  int all_ns = a->ns_new | a->ns_joined;
  bool in_userns = all_ns & CLONE_NEWUSER;
  ecirun_error_t err = NULL;
  cleanup_free char *state_json = NULL, *slave = NULL;
  struct init_trees trees = { .rootfs_dir = -1 };
  int rootfd = -1;
  struct exec_plan plan = { 0 };
  struct sync_msg m;

  /* Non-dumpable until the workload's execve (a helper that joined namespaces already made
     us so); none of the fds of `ecirun create` (its cgroup, state and policy directories)
     kept; the container's root as soon as the runtime mapped it, before any mount. */
  if (stay_nondumpable (&err) < 0
      || close_runtime_fds (a->preserve_fds, a->sync_fd, a->fifo_fd, &err) < 0)
    init_fail (a, &err);
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  trees.mounts = xmalloc0 ((c->n_mounts + 1) * sizeof (int));
  trees.overlay_dirs = xmalloc0 ((c->n_mounts + 1) * sizeof (*trees.overlay_dirs));
  for (size_t i = 0; i <= c->n_mounts; i++)
    trees.mounts[i] = -1;
  if (receive_trees (a->sync_fd, c->n_mounts, &trees, &err) < 0)
    init_fail (a, &err);
  if (in_userns && become_container_root (&err) < 0)
    init_fail (a, &err);
  if ((a->ns_new & CLONE_NEWTIME) && enter_time_namespace (a, &err) < 0)
    init_fail (a, &err);
  /* After the parent placed us in the cgroup, so that it becomes the namespace's root. */
  if ((a->ns_new & CLONE_NEWCGROUP) && unshare (CLONE_NEWCGROUP) < 0)
    {
      make_error (&err, errno, "unshare cgroup namespace");
      init_fail (a, &err);
    }
  if (setsid () < 0)
    {
      make_error (&err, errno, "setsid");
      init_fail (a, &err);
    }
  if (rootfs_prepare (c, a->rootfs, all_ns, &trees, &rootfd, &err) < 0)
    init_fail (a, &err);

  /* The runtime runs prestart and createRuntime hooks now, then sends the state JSON. */
  if (sync_send (a->sync_fd, SYNC_MOUNTS_DONE, NULL, -1, &err) < 0
      || sync_expect (a->sync_fd, SYNC_HOOKS_DONE, &m, &err) < 0)
    init_fail (a, &err);
  state_json = xstrdup (m.payload);
  /* createContainer hooks run in the rootfs (as runc runs them), before pivot_root. */
  if (c->hooks[HOOK_CREATE_CONTAINER].len && fchdir (rootfd) < 0)
    {
      make_error (&err, errno, "enter the rootfs for the createContainer hooks");
      init_fail (a, &err);
    }
  if (hooks_run (&c->hooks[HOOK_CREATE_CONTAINER], HOOK_CREATE_CONTAINER, state_json, &err) < 0)
    init_fail (a, &err);

  if (rootfs_pivot (c, rootfd, a->no_pivot, a->sync_fd, &err) < 0)
    init_fail (a, &err);
  if (c->hostname && *c->hostname && sethostname (c->hostname, strlen (c->hostname)) < 0)
    {
      make_error (&err, errno, "sethostname `%s`", c->hostname);
      init_fail (a, &err);
    }
  if (c->domainname && *c->domainname && setdomainname (c->domainname, strlen (c->domainname)) < 0)
    {
      make_error (&err, errno, "setdomainname `%s`", c->domainname);
      init_fail (a, &err);
    }
  if ((a->ns_new & CLONE_NEWNET) && netlink_loopback_up (&err) < 0)
    init_fail (a, &err);
  if (apply_sysctl (lc, &err) < 0 || rootfs_finalize (c, &err) < 0)
    init_fail (a, &err);
  if (a->want_console && setup_console (p, a->sync_fd, true, &slave, &err) < 0)
    init_fail (a, &err);
  if ((a->ns_new & CLONE_NEWNS) && in_userns && lock_mounts (a, &err) < 0)
    init_fail (a, &err);
  /* The pty was opened in the namespace before the locked copy. */
  if (slave && terminal_reopen_stdio (slave, &err) < 0)
    init_fail (a, &err);
  if (a->vet_mounts && install_vetting (a->sync_fd, &err) < 0)
    init_fail (a, &err);
  if (apply_rlimits (p, &err) < 0 || apply_personality (lc, &err) < 0)
    init_fail (a, &err);
  if (prepare_process (&(struct process_setup){ .p = p,
                                                .lc = lc,
                                                .sync_fd = a->sync_fd,
                                                .fifo_fd = a->fifo_fd,
                                                .preserve_fds = a->preserve_fds,
                                                .in_userns = in_userns,
                                                .create_cwd = true },
                       &plan, &err)
      < 0)
    init_fail (a, &err);
  /* From here the init outlives `ecirun create`, which exits once it reads READY. */
  prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  if (sync_send (a->sync_fd, SYNC_READY, NULL, -1, &err) < 0)
    init_fail (a, &err);
  close (a->sync_fd);
  ((struct init_args *)a)->sync_fd = -1;

  if (wait_for_start (a, &err) < 0)
    init_fail (a, &err);
  /* The container's filter is in place for the startContainer hooks too (as runc loads it),
     so that they run under the rules of the container they belong to. */
  if (late_seccomp (&plan, lc, &err) < 0)
    init_fail (a, &err);
  if (c->hooks[HOOK_START_CONTAINER].len)
    {
      /* The runtime sent the compact state of the "creating" phase; by now it is "created". */
      cleanup_free char *created = NULL;
      char *at = strstr (state_json, "\"status\":\"creating\"");
      if (at)
        created = xasprintf ("%.*s\"status\":\"created\"%s", (int)(at - state_json), state_json,
                             at + strlen ("\"status\":\"creating\""));
      if (hooks_run (&c->hooks[HOOK_START_CONTAINER], HOOK_START_CONTAINER,
                     created ? created : state_json, &err)
          < 0)
        init_fail (a, &err);
    }
  exec_process (&plan, p, lc, &err);
  init_fail (a, &err);
}
