/* The lifecycle after create: start, run, kill, delete, state, list. */
#include <config.h>
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cgroup.h"
#include "container_open.h"
#include "hooks.h"
#include "idblock.h"
#include "policy.h"
#include "log.h"
#include "sidecar.h"
#include "overlay.h"
#include "syscalls.h"
#include "terminal.h"
#include "utils.h"

int
container_start (const char *root, const char *id, ecirun_error_t *err)
{
  struct opened op;
  cleanup_close int fifo = -1;
  cleanup_close int pidfd = -1;
  struct oci_config *c;
  char byte;
  int r = -1;

  if (open_container (root, id, &op, false, err) < 0)
    goto out;
  if (op.status != STATUS_CREATED)
    {
      make_error (err, 0, "cannot start a container that is %s", status_name (op.status));
      goto out;
    }
  pidfd = open_init_pidfd (op.state, err);
  if (pidfd < 0)
    goto out;
  fifo = openat (op.dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    {
      make_error (err, errno, "open exec.fifo");
      goto out;
    }
  for (;;)
    {
      struct pollfd p[2] = { { .fd = fifo, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          make_error (err, errno, "wait for the container init");
          goto out;
        }
      if (p[0].revents & POLLIN)
        break;
      if (p[1].revents & POLLIN)
        {
          make_error (err, 0, "the container init exited before it could be started");
          goto out;
        }
    }
  if (read (fifo, &byte, 1) != 1)
    {
      make_error (err, errno, "read exec.fifo");
      goto out;
    }
  unlinkat (op.dirfd, "exec.fifo", 0);
  c = op.state ? load_saved_config (op.dirfd) : NULL;
  if (c && c->hooks[HOOK_POSTSTART].len)
    {
      cleanup_free char *json = state_to_json (op.state, STATUS_RUNNING, false);
      ecirun_error_t e = NULL;
      if (hooks_run (&c->hooks[HOOK_POSTSTART], HOOK_POSTSTART, json, &e) < 0)
        {
          log_warning ("%s", e->msg);
          error_release (&e);
        }
    }
  config_free (c);
  r = 0;
out:
  opened_release (&op);
  return r;
}

static int
signal_all (const struct container_state *s, int sig, ecirun_error_t *err)
{
  struct cgroup *cg = NULL;
  pid_t *pids = NULL;
  size_t n = 0;
  bool was_frozen = false;
  int r = -1;

  if (cgroup_open (s->cgroup_path, &cg, err) < 0 || cgroup_is_frozen (cg, &was_frozen, err) < 0)
    goto out;
  /* Frozen, no process can fork a child the loop would miss. */
  if (!was_frozen && cgroup_freeze (cg, true, err) < 0)
    goto out;
  if (cgroup_pids (cg, &pids, &n, err) < 0)
    goto thaw;
  for (size_t i = 0; i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      {
        make_error (err, errno, "kill %d", (int)pids[i]);
        goto thaw;
      }
  r = 0;
thaw:
  /* A paused container stays paused, unless it was killed: frozen, it could not die. */
  if ((!was_frozen || sig == SIGKILL) && cgroup_freeze (cg, false, r < 0 ? NULL : err) < 0)
    r = -1;
out:
  free (pids);
  cgroup_free (cg);
  return r;
}

int
container_kill (const char *root, const char *id, int sig, bool all, ecirun_error_t *err)
{
  struct opened op;
  int r = -1;

  if (open_container (root, id, &op, false, err) < 0)
    goto out;
  if (op.status == STATUS_STOPPED && !all)
    {
      make_error (err, 0, "container not running");
      goto out;
    }
  if (all)
    r = signal_all (op.state, sig, err);
  else
    {
      cleanup_close int pidfd = open_init_pidfd (op.state, err);
      if (pidfd < 0)
        goto out;
      if (sys_pidfd_send_signal (pidfd, sig) < 0)
        {
          make_error (err, errno, "send signal %d to the container init", sig);
          goto out;
        }
      r = 0;
    }
out:
  opened_release (&op);
  return r;
}

/* SIGKILL the init and wait until it is gone (it is usually not our child). */
static void
kill_init_and_wait (const struct container_state *s)
{
  ecirun_error_t e = NULL;
  int pidfd = open_init_pidfd (s, &e);
  struct pollfd p;

  error_release (&e);
  if (pidfd < 0)
    return;
  sys_pidfd_send_signal (pidfd, SIGKILL);
  p.fd = pidfd;
  p.events = POLLIN;
  while (poll (&p, 1, 10000) < 0 && errno == EINTR)
    ;
  close (pidfd);
}

/* The container's overlay upper dir, as the engine reads it (overlay.h). Best effort: the engine
   may already have unmounted the rootfs. */
void
export_upper_xattrs (const struct container_state *s)
{
  ecirun_error_t e = NULL;

  if (s->rootfs == NULL || *s->rootfs == '\0')
    return;
  if (overlay_export_upper_xattrs (s->rootfs, &e) < 0)
    {
      if (e->errnum != ENOENT)
        log_warning ("%s", e->msg);
      error_release (&e);
    }
}

int
container_delete (const char *root, const char *id, bool force, ecirun_error_t *err)
{
  struct opened op;
  struct oci_config *c = NULL;
  int r = -1;

  if (open_container (root, id, &op, true, err) < 0)
    {
      /* As runc: forcing the deletion of what is already gone succeeds (containerd relies on
         it). */
      if (force && op.dirfd < 0 && *err && strstr ((*err)->msg, "does not exist"))
        {
          error_release (err);
          r = 0;
        }
      goto out;
    }
  if (op.state == NULL)
    {
      /* An incomplete create: nothing ran; drop what it left. */
      r = state_remove_dir (op.rootfd, id, err);
      goto out;
    }
  if ((op.status == STATUS_RUNNING || op.status == STATUS_PAUSED) && !force)
    {
      make_error (err, 0, "cannot delete container %s that is not stopped: %s", id,
                  status_name (op.status));
      goto out;
    }
  if (op.state->cgroup_path && *op.state->cgroup_path)
    {
      struct cgroup *cg = NULL;
      ecirun_error_t e = NULL;

      if (cgroup_open (op.state->cgroup_path, &cg, &e) == 0)
        {
          /* Thawed first: a frozen process cannot die of SIGKILL on cgroup v1. */
          if (op.status == STATUS_PAUSED && cgroup_freeze (cg, false, &e) < 0)
            {
              log_warning ("%s", e->msg);
              error_release (&e);
            }
          if (op.status != STATUS_STOPPED)
            kill_init_and_wait (op.state);
          if (cgroup_destroy (cg, &e) < 0)
            {
              log_warning ("%s", e->msg);
              error_release (&e);
            }
        }
      else if (op.status != STATUS_STOPPED)
        kill_init_and_wait (op.state);
      error_release (&e);
      cgroup_free (cg);
    }
  else if (op.status != STATUS_STOPPED)
    kill_init_and_wait (op.state);
  /* Gone by itself once the init is, unless it hangs or was never told: make sure. */
  sidecar_stop (op.state);
  if (op.state->id_block >= 0)
    {
      struct ecirun_policy pol;
      ecirun_error_t e = NULL;
      bool loaded = policy_load (&pol, &e) == 0;

      if (!loaded || idblock_release (&pol, (uint32_t)op.state->id_block, root, id, &e) < 0)
        {
          log_warning ("release the ID block of `%s`: %s", id, e->msg);
          error_release (&e);
        }
      if (loaded)
        policy_release (&pol);
    }
  export_upper_xattrs (op.state);
  c = load_saved_config (op.dirfd);
  if (c && c->hooks[HOOK_POSTSTOP].len)
    {
      cleanup_free char *json = state_to_json (op.state, STATUS_STOPPED, false);
      ecirun_error_t e = NULL;
      if (hooks_run (&c->hooks[HOOK_POSTSTOP], HOOK_POSTSTOP, json, &e) < 0)
        {
          log_warning ("%s", e->msg);
          error_release (&e);
        }
    }
  r = state_remove_dir (op.rootfd, id, err);
out:
  config_free (c);
  opened_release (&op);
  return r;
}

int
container_state_json (const char *root, const char *id, char **ret, ecirun_error_t *err)
{
  struct opened op;
  int r = -1;

  if (open_container (root, id, &op, false, err) < 0)
    goto out;
  op.state->sidecar.alive = sidecar_alive (op.state);
  if (op.state->sidecar.pid > 0 && !op.state->sidecar.alive && op.status != STATUS_STOPPED)
    log_warning ("container `%s`: its sidecar (pid %d) is gone: mount calls in it fail with "
                 "ENOSYS until it is deleted",
                 id, (int)op.state->sidecar.pid);
  *ret = state_to_json (op.state, op.status, true);
  r = 0;
out:
  opened_release (&op);
  return r;
}

int
container_list (const char *root, struct container_list_entry **ret, size_t *ret_n,
                ecirun_error_t *err)
{
  cleanup_dir DIR *d = NULL;
  struct container_list_entry *l = NULL;
  size_t n = 0;
  struct dirent *de;

  *ret = NULL;
  *ret_n = 0;
  d = opendir (root);
  if (d == NULL)
    {
      if (errno == ENOENT)
        return 0;
      return make_error (err, errno, "open state directory `%s`", root);
    }
  while ((de = readdir (d)))
    {
      cleanup_close int fd = -1;
      struct container_state *s = NULL;
      ecirun_error_t e = NULL;

      if (de->d_name[0] == '.')
        continue;
      fd = openat (dirfd (d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        continue;
      if (state_read (fd, &s, &e) < 0)
        {
          error_release (&e);
          continue;
        }
      l = xrealloc (l, (n + 1) * sizeof (*l));
      l[n].state = s;
      l[n].status = state_status (fd, s);
      n++;
    }
  *ret = l;
  *ret_n = n;
  return 0;
}

void
container_list_free (struct container_list_entry *l, size_t n)
{
  for (size_t i = 0; i < n; i++)
    state_free (l[i].state);
  free (l);
}

int
container_run (const struct create_opts *o, bool detach, bool keep, int *ret_status,
               ecirun_error_t *err)
{
  static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD };
  struct create_opts co = *o;
  struct created_container cc = { .pid = -1, .pidfd = -1, .console_master = -1 };
  sigset_t fwd, old;
  int status = -1, r = -1;

  co.foreground = !detach;
  sigemptyset (&fwd);
  for (size_t i = 0; i < ARRAY_SIZE (forwarded); i++)
    sigaddset (&fwd, forwarded[i]);
  if (!detach)
    sigprocmask (SIG_BLOCK, &fwd, &old);
  if (container_create (&co, &cc, err) < 0)
    goto out;
  if (container_start (o->root, o->id, err) < 0)
    {
      ecirun_error_t e = NULL;
      container_delete (o->root, o->id, true, &e);
      error_release (&e);
      goto out;
    }
  if (detach)
    {
      *ret_status = 0;
      r = 0;
      goto out;
    }
  if (cc.console_master >= 0)
    terminal_proxy (cc.console_master, cc.pidfd, err);
  status = wait_forwarding_signals (cc.pid, cc.pidfd, &fwd, err);
  if (status < 0)
    goto out;
  *ret_status = status;
  r = 0;
  if (!keep)
    {
      ecirun_error_t e = NULL;
      if (container_delete (o->root, o->id, true, &e) < 0)
        {
          log_warning ("%s", e->msg);
          error_release (&e);
        }
    }
out:
  if (cc.pidfd >= 0)
    close (cc.pidfd);
  if (cc.console_master >= 0)
    close (cc.console_master);
  if (!detach)
    sigprocmask (SIG_SETMASK, &old, NULL);
  return r;
}
