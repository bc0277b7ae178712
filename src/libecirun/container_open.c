/* Opening an existing container for a command (see container_open.h). */
#include <config.h>
#include "container_open.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "syscalls.h"
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
    return make_error (err, errno, "container init %d", (int) s->pid);
  if (proc_start_time (s->pid, NULL) != s->start_time)
    {
      close (fd);
      return make_error (err, ESRCH, "container init %d", (int) s->pid);
    }
  return fd;
}
