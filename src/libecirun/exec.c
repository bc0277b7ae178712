/* `exec`: a new process in the namespaces, cgroup and security settings of a container. */
#include <config.h>
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "caps.h"
#include "cgroup.h"
#include "container_open.h"
#include "fds.h"
#include "init.h"
#include "log.h"
#include "state.h"
#include "sync.h"
#include "syscalls.h"
#include "terminal.h"
#include "sidecar.h"
#include "utils.h"

/* Set or replace KEY=VALUE in a NULL-terminated environment. */
static void
env_set (char ***env, size_t *n, const char *kv)
{
  size_t klen = strcspn (kv, "=");

  for (size_t i = 0; i < *n; i++)
    if (strncmp ((*env)[i], kv, klen) == 0 && (*env)[i][klen] == '=')
      {
        free ((*env)[i]);
        (*env)[i] = xstrdup (kv);
        return;
      }
  *env = xrealloc (*env, (*n + 2) * sizeof (char *));
  (*env)[(*n)++] = xstrdup (kv);
  (*env)[*n] = NULL;
}

static int
parse_id (const char *s, uint32_t *ret)
{
  uint64_t v;
  if (parse_u64 (s, &v) < 0 || v > UINT32_MAX)
    return -1;
  *ret = v;
  return 0;
}

static bool
lsm_enabled (const char *path)
{
  char buf[8] = "";
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  return fd >= 0 && read (fd, buf, sizeof (buf) - 1) > 0 && (buf[0] == 'Y' || buf[0] == '1');
}

/* The process to run: process.json, or the container's own process with the flags applied. */
static int
build_process (const struct exec_opts *o, struct oci_config *cfg, struct process_config **ret,
               ecirun_error_t *err)
{
  struct process_config *p = NULL;

  if (o->process_file)
    {
      cleanup_free char *buf = NULL;
      size_t len;
      if (read_file_at (AT_FDCWD, o->process_file, &buf, &len, 16 << 20, err) < 0
          || config_parse_process (buf, len, o->process_file, &p, err) < 0)
        return -1;
    }
  else
    {
      if (o->args == NULL || o->args[0] == NULL)
        return make_error (err, 0, "exec: missing the command to run (ecirun exec ID COMMAND)");
      if (cfg == NULL || cfg->process == NULL)
        return make_error (err, 0, "exec: the container's saved config has no process");
      p = TAKE_PTR (cfg->process);
      strv_free (p->args);
      p->n_args = strv_len (o->args);
      p->args = xmalloc0 ((p->n_args + 1) * sizeof (char *));
      for (size_t i = 0; i < p->n_args; i++)
        p->args[i] = xstrdup (o->args[i]);
      p->terminal = false;
    }
  *ret = p;
  if (o->tty >= 0)
    p->terminal = o->tty;
  for (char **e = o->env; e && *e; e++)
    {
      if (strchr (*e, '=') == NULL)
        return make_error (err, 0, "exec: --env `%s` must be KEY=VALUE", *e);
      env_set (&p->env, &p->n_env, *e);
    }
  if (o->cwd)
    {
      if (o->cwd[0] != '/')
        return make_error (err, 0, "exec: --cwd `%s` must be an absolute path", o->cwd);
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  if (o->user)
    {
      cleanup_free char *u = xstrdup (o->user);
      char *colon = strchr (u, ':');
      if (colon)
        *colon++ = '\0';
      if (parse_id (u, &p->user.uid) < 0 || (colon && parse_id (colon, &p->user.gid) < 0))
        return make_error (err, 0, "exec: --user `%s` must be uid[:gid]", o->user);
    }
  if (o->additional_gids)
    {
      size_t n = strv_len (o->additional_gids);
      free (p->user.additional_gids);
      p->user.additional_gids = xmalloc0 ((n + 1) * sizeof (uint32_t));
      p->user.n_additional_gids = n;
      for (size_t i = 0; i < n; i++)
        if (parse_id (o->additional_gids[i], &p->user.additional_gids[i]) < 0)
          return make_error (err, 0, "exec: --additional-gids `%s` is not a gid",
                             o->additional_gids[i]);
    }
  for (char **c = o->caps; c && *c; c++)
    {
      int cap = caps_from_name (*c);
      if (cap < 0)
        return make_error (err, 0, "exec: --cap: unknown capability `%s`", *c);
      p->capabilities.present = true;
      p->capabilities.bounding |= 1ULL << cap;
      p->capabilities.effective |= 1ULL << cap;
      p->capabilities.permitted |= 1ULL << cap;
    }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->apparmor && *o->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = xstrdup (o->apparmor);
    }
  if (o->process_label && *o->process_label)
    {
      free (p->selinux_label);
      p->selinux_label = xstrdup (o->process_label);
    }
  /* Hosts without AppArmor/SELinux have nothing to apply (runc ignores them there too); where
     they are enabled, ecirun cannot apply them yet and says so rather than run unconfined. */
  if (p->apparmor_profile && *p->apparmor_profile
      && lsm_enabled ("/sys/module/apparmor/parameters/enabled"))
    return make_error (err, 0, "exec: AppArmor profile `%s`: AppArmor is not supported by ecirun",
                       p->apparmor_profile);
  if (p->selinux_label && *p->selinux_label && lsm_enabled ("/sys/fs/selinux/enforce"))
    return make_error (err, 0, "exec: SELinux label `%s`: SELinux is not supported by ecirun",
                       p->selinux_label);
  if (p->terminal && o->console_socket == NULL && o->detach)
    return make_error (err, 0,
                       "cannot allocate tty if ecirun will detach without setting "
                       "console socket");
  if (!p->terminal && o->console_socket)
    return make_error (err, 0,
                       "cannot use console socket if ecirun will not detach or "
                       "allocate tty");
  return 0;
}

/* The namespaces of the init that differ from ours: those to join. */
static int
namespaces_to_join (pid_t init, bool *ret_userns)
{
  int flags = 0;

  *ret_userns = false;
  for (int t = 0; t < NS__MAX; t++)
    {
      char a[64], b[64];
      struct stat sa, sb;

      snprintf (a, sizeof (a), "/proc/%d/ns/%s", (int)init, ns_type_proc_name (t));
      snprintf (b, sizeof (b), "/proc/self/ns/%s", ns_type_proc_name (t));
      if (stat (a, &sa) < 0 || stat (b, &sb) < 0)
        continue;
      if (sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev)
        {
          flags |= ns_type_clone_flag (t);
          if (t == NS_USER)
            *ret_userns = true;
        }
    }
  return flags;
}

struct exec_ctx
{
  const struct exec_opts *o;
  struct opened op;
  struct oci_config *cfg;
  struct process_config *proc;
  struct cgroup *cg;
  int init_pidfd;
  int sync[2];
  int console_sock;
  pid_t pid;
  int pidfd;
  int console_master;
  int state_dirfd; /* O_PATH, unlocked: the sidecar's socket is there */
};

/* Fork a helper that joins the container's namespaces (all at once, through the init's pidfd)
   and clones the process as our child (CLONE_PARENT), so it is in the container's pid
   namespace and we can wait for it. */
static int
spawn (struct exec_ctx *x, ecirun_error_t *err)
{
  bool userns;
  int ns = namespaces_to_join (x->op.state->pid, &userns);
  /* Into a paused container's (frozen) cgroup only once the setup is done. */
  int cgfd = x->op.status == STATUS_PAUSED ? -1 : cgroup_clone_fd (x->cg);
  struct sync_msg m;
  pid_t mid;
  int status;

  mid = fork ();
  if (mid < 0)
    return make_error (err, errno, "fork");
  if (mid == 0)
    {
      struct clone_args args = { .flags = CLONE_PARENT };
      struct exec_child_args ca = {
        .process = x->proc,
        .linux_cfg = x->cfg ? x->cfg->linux_cfg : NULL,
        .sync_fd = x->sync[1],
        .preserve_fds = x->o->preserve_fds,
        .want_console = x->proc->terminal,
        .in_userns = userns,
        .vet_mounts = x->state_dirfd >= 0,
      };
      ecirun_error_t e = NULL;
      char buf[32];
      pid_t pid;

      /* Non-dumpable before entering the container's namespaces, until the workload's execve:
         we are still host root, and the container's root must not ptrace us or open our
         /proc files. The exec process inherits it. */
      if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        {
          make_error (&e, errno, "prctl(PR_SET_DUMPABLE)");
          sync_send (x->sync[1], SYNC_ERROR, e->msg, -1, NULL);
          _exit (1);
        }
      close (x->sync[0]);
      close (x->op.dirfd);
      close (x->op.rootfd);
      if (x->state_dirfd >= 0)
        close (x->state_dirfd);
      if (x->console_sock >= 0)
        close (x->console_sock);
      if (ns && setns (x->init_pidfd, ns) < 0)
        {
          make_error (&e, errno, "join the namespaces of container `%s`", x->o->id);
          sync_send (x->sync[1], SYNC_ERROR, e->msg, -1, NULL);
          _exit (1);
        }
      close (x->init_pidfd);
      if (cgfd >= 0)
        {
          args.flags |= CLONE_INTO_CGROUP;
          args.cgroup = cgfd;
        }
      pid = sys_clone3 (&args);
      if (pid == 0)
        init_exec_process (&ca);
      if (pid < 0)
        {
          make_error (&e, errno, "clone the exec process");
          sync_send (x->sync[1], SYNC_ERROR, e->msg, -1, NULL);
          _exit (1);
        }
      snprintf (buf, sizeof (buf), "%d", (int)pid);
      sync_send (x->sync[1], SYNC_INIT_PID, buf, -1, NULL);
      _exit (0);
    }
  close (x->sync[1]);
  x->sync[1] = -1;
  if (sync_expect (x->sync[0], SYNC_INIT_PID, &m, err) < 0)
    {
      waitpid (mid, &status, 0);
      return -1;
    }
  waitpid (mid, &status, 0);
  x->pid = atoi (m.payload);
  x->pidfd = sys_pidfd_open (x->pid, 0);
  if (x->pidfd < 0)
    return make_error (err, errno, "pidfd_open(%d)", (int)x->pid);
  return 0;
}

static int
drive_setup (struct exec_ctx *x, ecirun_error_t *err)
{
  struct sync_msg m;
  bool paused = x->op.status == STATUS_PAUSED;

  /* A paused container's frozen cgroup would stop the process's setup: it goes there last. */
  if (!paused && cgroup_clone_fd (x->cg) < 0 && cgroup_enter (x->cg, x->pid, err) < 0)
    return -1;
  if (sync_send (x->sync[0], SYNC_MAPPED, NULL, -1, err) < 0)
    return -1;
  for (;;)
    {
      if (sync_recv (x->sync[0], &m, err) < 0)
        return -1;
      switch (m.stage)
        {
        case SYNC_CONSOLE_FD:
          if (setup_console_fd (x->sync[0], x->console_sock, m.fd, &x->console_master, err) < 0)
            return -1;
          break;
        case SYNC_SECCOMP_FD:
          {
            /* The exec'd process has its own filter, hence its own notify fd: the container's
               agent gets it too, with the container's state (as runc does). */
            cleanup_free char *st = state_to_json (x->op.state, x->op.status, false);
            if (setup_seccomp_fd (x->sync[0], x->cfg->linux_cfg->seccomp, x->pid, st, m.fd, err)
                < 0)
              return -1;
            break;
          }
        case SYNC_VETTING_FD:
          {
            /* Fail closed: without the sidecar, the process's mount calls get ENOSYS. */
            ecirun_error_t e = NULL;
            if (m.fd < 0 || x->state_dirfd < 0
                || sidecar_hand_listener (x->state_dirfd, x->pid, m.fd, &e) < 0)
              {
                log_warning ("container `%s`: the sidecar did not take the exec'd process's "
                             "listener (%s): its mount calls fail with ENOSYS",
                             x->o->id, e ? e->msg : "unexpected");
                error_release (&e);
              }
            if (m.fd >= 0)
              close (m.fd);
            if (sync_send (x->sync[0], SYNC_FD_RECEIVED, NULL, -1, err) < 0)
              return -1;
            break;
          }
        default:
          {
            int r = setup_common_stage (&m, err);
            if (r > 0 && paused && cgroup_enter (x->cg, x->pid, err) < 0)
              return -1;
            if (r != 0)
              return r > 0 ? 0 : -1;
          }
        }
    }
}

static void
exec_ctx_release (struct exec_ctx *x, bool failed)
{
  if (failed && x->pidfd >= 0)
    {
      sys_pidfd_send_signal (x->pidfd, SIGKILL);
      waitpid (x->pid, NULL, 0);
    }
  if (x->pidfd >= 0)
    close (x->pidfd);
  if (x->console_master >= 0)
    close (x->console_master);
  for (int i = 0; i < 2; i++)
    if (x->sync[i] >= 0)
      close (x->sync[i]);
  if (x->console_sock >= 0)
    close (x->console_sock);
  if (x->init_pidfd >= 0)
    close (x->init_pidfd);
  if (x->state_dirfd >= 0)
    close (x->state_dirfd);
  cgroup_free (x->cg);
  process_config_free (x->proc);
  config_free (x->cfg);
  opened_release (&x->op);
}

int
container_exec (const struct exec_opts *o, int *ret_status, ecirun_error_t *err)
{
  static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD };
  struct exec_ctx x = { .o = o,
                        .init_pidfd = -1,
                        .sync = { -1, -1 },
                        .console_sock = -1,
                        .pidfd = -1,
                        .console_master = -1,
                        .state_dirfd = -1 };
  sigset_t fwd, old;
  bool ready = false;
  int r = -1;

  sigemptyset (&fwd);
  for (size_t i = 0; i < ARRAY_SIZE (forwarded); i++)
    sigaddset (&fwd, forwarded[i]);
  sigprocmask (SIG_BLOCK, &fwd, &old);
  if (fds_check_preserved (o->preserve_fds, err) < 0
      || open_container (o->root, o->id, &x.op, false, err) < 0)
    goto out;
  if (x.op.status == STATUS_STOPPED || (x.op.status == STATUS_PAUSED && !o->ignore_paused))
    {
      make_error (err, 0, "cannot exec in a %s container", status_name (x.op.status));
      goto out;
    }
  x.cfg = load_saved_config (x.op.dirfd);
  if (build_process (o, x.cfg, &x.proc, err) < 0)
    goto out;
  if (o->console_socket)
    {
      x.console_sock = terminal_connect_socket (o->console_socket, err);
      if (x.console_sock < 0)
        goto out;
    }
  x.init_pidfd = open_init_pidfd (x.op.state, err);
  if (x.init_pidfd < 0)
    goto out;
  if (cgroup_open (x.op.state->cgroup_path, &x.cg, err) < 0
      || (o->cgroups && cgroup_descend (x.cg, o->cgroups, err) < 0))
    goto out;
  /* The container's sidecar vets the new process's mount calls too. */
  if (x.op.state->sidecar.pid > 0)
    {
      x.state_dirfd = openat (x.op.rootfd, o->id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (x.state_dirfd < 0)
        {
          make_error (err, errno, "open the state directory of `%s`", o->id);
          goto out;
        }
      if (!sidecar_alive (x.op.state))
        log_warning ("container `%s`: its sidecar (pid %d) is gone: mount calls in it fail with "
                     "ENOSYS",
                     o->id, (int)x.op.state->sidecar.pid);
    }
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x.sync) < 0)
    {
      make_error (err, errno, "socketpair");
      goto out;
    }
  /* The phases, in the words runc's --debug log uses (its test suite looks for them). */
  log_msg (LOG_LEVEL_DEBUG, "nsexec container setup: joining the namespaces of %s", o->id);
  if (spawn (&x, err) < 0)
    goto out;
  log_msg (LOG_LEVEL_DEBUG, "child process in init(): pid %d, entering the container", (int)x.pid);
  /* The process exists (its pidfd holds it): its setup may wait on the container's own files
     (a FIFO at /etc/passwd) for as long as the container likes, so let other commands (state,
     kill, delete) at the container from now on. */
  close (TAKE_FD (x.op.dirfd));
  close (TAKE_FD (x.op.rootfd));
  if (drive_setup (&x, err) < 0)
    goto out;
  log_msg (LOG_LEVEL_DEBUG, "setns_init: about to exec the process in %s", o->id);
  ready = true;
  if (o->pid_file && write_pid_file (o->pid_file, x.pid, err) < 0)
    goto out;
  opened_release (&x.op);
  x.op.state = NULL;
  if (o->detach)
    {
      *ret_status = 0;
      r = 0;
      goto out;
    }
  if (x.console_master >= 0)
    terminal_proxy (x.console_master, x.pidfd, err);
  *ret_status = wait_forwarding_signals (x.pid, x.pidfd, &fwd, err);
  r = *ret_status < 0 ? -1 : 0;
out:
  exec_ctx_release (&x, r < 0 && !ready);
  sigprocmask (SIG_SETMASK, &old, NULL);
  return r;
}
