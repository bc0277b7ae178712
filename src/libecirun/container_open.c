/* Opening an existing container for a command (see container_open.h). */
#include <config.h>
#include "container_open.h"

#include <errno.h>
#include <sys/wait.h>
#include <sys/signalfd.h>
#include <signal.h>
#include <poll.h>
#include <fcntl.h>
#include <unistd.h>
#include "syscalls.h"
#include "listener.h"
#include "log.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

void
opened_release (struct opened *op)
{
  if (op->dirfd >= 0)
    close (op->dirfd);
  if (op->rootfd >= 0)
    close (op->rootfd);
  state_free (op->state);
}

/* Open and lock a container; state may be NULL when its create was cut short. */
int
open_container (const char *root, const char *id, struct opened *op, bool allow_incomplete,
                ecirun_error_t *err)
{
  ecirun_error_t e = NULL;

  op->rootfd = op->dirfd = -1;
  op->state = NULL;
  if (state_validate_id (id, err) < 0)
    return -1;
  op->rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (op->rootfd < 0)
    {
      if (errno == ENOENT)
        return make_error (err, 0, "container `%s` does not exist", id);
      return make_error (err, errno, "open state directory `%s`", root);
    }
  if (state_open_dir (op->rootfd, id, &op->dirfd, err) < 0)
    return -1;
  if (state_read (op->dirfd, &op->state, &e) < 0)
    {
      if (allow_incomplete)
        {
          error_release (&e);
          op->status = STATUS_STOPPED;
          return 0;
        }
      make_error (err, 0, "container `%s`: %s", id, e->msg);
      error_release (&e);
      return -1;
    }
  op->status = state_status (op->dirfd, op->state);
  return 0;
}

/* A pidfd for the container init, checked against the recorded start time (pid reuse). */
int
open_init_pidfd (const struct container_state *s, ecirun_error_t *err)
{
  int fd = sys_pidfd_open (s->pid, 0);

  if (fd < 0)
    return make_error (err, errno, "container init %d", (int)s->pid);
  if (proc_start_time (s->pid, NULL) != s->start_time)
    {
      close (fd);
      return make_error (err, ESRCH, "container init %d", (int)s->pid);
    }
  return fd;
}

struct oci_config *
load_saved_config (int dirfd)
{
  cleanup_free char *buf = NULL;
  struct oci_config *c = NULL;
  ecirun_error_t e = NULL;
  size_t len;

  if (read_file_at (dirfd, "config.json", &buf, &len, 16 << 20, &e) < 0
      || config_parse (buf, len, "config.json", &c, &e) < 0)
    {
      log_warning ("cannot read the saved config.json: %s", e->msg);
      error_release (&e);
      return NULL;
    }
  return c;
}

static int
exit_status_of (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

/* Forward the signals a user sends to `ecirun run` to the container init until it exits. */
int
wait_forwarding_signals (pid_t pid, int pidfd, const sigset_t *fwd, ecirun_error_t *err)
{
  cleanup_close int sfd = signalfd (-1, fwd, SFD_CLOEXEC);
  int status;

  if (sfd < 0)
    return make_error (err, errno, "signalfd");
  for (;;)
    {
      struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return make_error (err, errno, "poll");
        }
      if (p[1].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof (si)) == sizeof (si) && si.ssi_signo != SIGCHLD)
            sys_pidfd_send_signal (pidfd, si.ssi_signo);
        }
      if (p[0].revents & POLLIN)
        break;
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return make_error (err, errno, "waitpid");
  return exit_status_of (status);
}

int
setup_console_fd (int sync_fd, int console_sock, int master, int *ret_master, ecirun_error_t *err)
{
  int r = 0;

  if (console_sock >= 0)
    {
      r = terminal_send_master (console_sock, master, err);
      close (master);
    }
  else
    *ret_master = master;
  if (r < 0 || sync_send (sync_fd, SYNC_FD_RECEIVED, NULL, -1, err) < 0)
    return -1;
  return 0;
}

int
setup_seccomp_fd (int sync_fd, const struct seccomp_config *s, pid_t pid, const char *state_json,
                  int fd, ecirun_error_t *err)
{
  int r = seccomp_send_to_listener (s, pid, state_json, fd, err);

  close (fd);
  if (r < 0)
    return -1;
  return sync_send (sync_fd, SYNC_FD_RECEIVED, NULL, -1, err);
}

int
setup_common_stage (const struct sync_msg *m, ecirun_error_t *err)
{
  switch (m->stage)
    {
    case SYNC_WARNING:
      log_warning ("%s", m->payload);
      return 0;
    case SYNC_READY:
      return 1;
    case SYNC_ERROR:
      return make_error (err, 0, "%s", m->payload);
    default:
      if (m->fd >= 0)
        close (m->fd);
      return make_error (err, 0, "sync: unexpected stage %s", sync_stage_name (m->stage));
    }
}
