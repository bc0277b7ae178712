/* The sidecar's loop: one poll over the init's pidfd, the listeners (the init's and those of
   exec'd processes) and the helpers' pidfds. It never waits on a helper nor reads a caller's
   memory itself, so a call blocked in the container (a FUSE path) holds up only its helper.
   Every notification is answered: by its helper's exit status, EAGAIN when too many are in
   flight, EPERM when a helper dies of a signal. */
#include <config.h>
#include "fsd.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fsd_proto.h"
#include "syscalls.h"
#include "utils.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define MAX_HELPERS   64
#define MAX_LISTENERS 256

struct helper
{
  pid_t pid;
  int pidfd;
  __u64 id;
  int listener; /* -1 once that listener is gone */
};

static struct helper helpers[MAX_HELPERS];
static size_t n_helpers;
static int listeners[MAX_LISTENERS];
static size_t n_listeners;

static void
answer (int listener, __u64 id, int e)
{
  struct seccomp_notif_resp resp = { .id = id, .val = 0, .error = e ? -e : 0, .flags = 0 };

  /* ENOENT: the caller is gone (killed while waiting), nothing to answer. */
  while (ioctl (listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno == EINTR)
    ;
}

static void
add_listener (int fd)
{
  if (n_listeners == MAX_LISTENERS)
    {
      /* Its calls fail with ENOSYS: closed, never unvetted. */
      fprintf (stderr, "ecirun-fsd: too many listeners, one refused\n");
      close (fd);
      return;
    }
  listeners[n_listeners++] = fd;
}

static void
drop_listener (size_t i)
{
  for (size_t h = 0; h < n_helpers; h++)
    if (helpers[h].listener == listeners[i])
      helpers[h].listener = -1;
  close (listeners[i]);
  listeners[i] = listeners[--n_listeners];
}

static void
receive_one (struct fsd *f, int listener, struct seccomp_notif *n)
{
  struct helper *h;
  pid_t pid;

  memset (n, 0, f->sizes.seccomp_notif);
  if (ioctl (listener, SECCOMP_IOCTL_NOTIF_RECV, n) < 0)
    return; /* ENOENT: the caller died before we got to it */
  if (n_helpers == MAX_HELPERS)
    {
      answer (listener, n->id, EAGAIN);
      return;
    }
  pid = fork ();
  if (pid < 0)
    {
      answer (listener, n->id, errno == ENOMEM ? ENOMEM : EAGAIN);
      return;
    }
  if (pid == 0)
    helper_run (f, listener, n);
  h = &helpers[n_helpers];
  h->pid = pid;
  h->id = n->id;
  h->listener = listener;
  h->pidfd = sys_pidfd_open (pid, 0);
  if (h->pidfd < 0)
    {
      /* Cannot watch it: wait for it here (only under fd exhaustion). */
      int status;
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      answer (listener, n->id, WIFEXITED (status) ? WEXITSTATUS (status) : EPERM);
      return;
    }
  n_helpers++;
}

static void
reap (size_t i)
{
  struct helper *h = &helpers[i];
  siginfo_t si = { 0 };

  while (waitid (P_PIDFD, (id_t)h->pidfd, &si, WEXITED) < 0 && errno == EINTR)
    ;
  if (h->listener >= 0)
    answer (h->listener, h->id, si.si_code == CLD_EXITED ? si.si_status : EPERM);
  close (h->pidfd);
  helpers[i] = helpers[--n_helpers];
}

/* A listener from `exec`, from host root only. */
static void
accept_listener (int sock)
{
  cleanup_close int conn = accept4 (sock, NULL, NULL, SOCK_CLOEXEC);
  struct fsd_exec_msg m;
  struct ucred cred;
  socklen_t len = sizeof (cred);
  int fd = -1;

  if (conn < 0)
    return;
  if (getsockopt (conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0)
    return;
  if (recv_with_fd (conn, &m, sizeof (m), &fd) != (ssize_t)sizeof (m) || fd < 0
      || m.version != FSD_EXEC_VERSION)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  add_listener (fd);
  /* The reply tells `exec` that the listener is in the loop. */
  send (conn, "k", 1, MSG_NOSIGNAL);
}

/* The container is gone: end the helpers still working and exit. */
static void
shut_down (void)
{
  for (size_t i = 0; i < n_helpers; i++)
    sys_pidfd_send_signal (helpers[i].pidfd, SIGKILL);
  for (size_t i = 0; i < n_helpers; i++)
    {
      struct pollfd p = { .fd = helpers[i].pidfd, .events = POLLIN };
      poll (&p, 1, 2000);
      waitid (P_PIDFD, (id_t)helpers[i].pidfd, &(siginfo_t){ 0 }, WEXITED | WNOHANG);
    }
}

int
fsd_loop (struct fsd *f, int first_listener, ecirun_error_t *err)
{
  size_t notif_size = f->sizes.seccomp_notif > sizeof (struct seccomp_notif)
                          ? f->sizes.seccomp_notif
                          : sizeof (struct seccomp_notif);
  cleanup_free struct seccomp_notif *n = xmalloc0 (notif_size);
  struct pollfd p[2 + MAX_LISTENERS + MAX_HELPERS];

  f->sizes.seccomp_notif = (__u16)notif_size;
  add_listener (first_listener);
  for (;;)
    {
      size_t nl = n_listeners, nh = n_helpers, np = 0;

      p[np++] = (struct pollfd){ .fd = f->init_pidfd, .events = POLLIN };
      p[np++] = (struct pollfd){ .fd = f->sock, .events = POLLIN };
      for (size_t i = 0; i < nl; i++)
        p[np++] = (struct pollfd){ .fd = listeners[i], .events = POLLIN };
      for (size_t i = 0; i < nh; i++)
        p[np++] = (struct pollfd){ .fd = helpers[i].pidfd, .events = POLLIN };
      if (poll (p, np, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return make_error (err, errno, "poll");
        }
      if (p[0].revents)
        {
          shut_down ();
          return 0;
        }
      /* Helpers first (their slots free up), from the end so that removal keeps indexes. */
      for (size_t i = nh; i-- > 0;)
        if (p[2 + nl + i].revents)
          reap (i);
      for (size_t i = nl; i-- > 0;)
        {
          short ev = p[2 + i].revents;
          if (ev & POLLIN)
            receive_one (f, listeners[i], n);
          else if (ev & (POLLHUP | POLLERR | POLLNVAL))
            drop_listener (i); /* no process uses its filter any more */
        }
      if (p[1].revents & POLLIN)
        accept_listener (f->sock);
    }
}
