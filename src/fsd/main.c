/* ecirun-fsd <container id> <state directory>: the sidecar `ecirun create` starts for each
   container (fsd_proto.h). It vets the container's mount calls until the container's init
   exits, then exits itself, leaving nothing behind. */
#include <config.h>
#include "fsd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include "fsd_proto.h"
#include "utils.h"

#ifndef SECCOMP_GET_NOTIF_SIZES
#define SECCOMP_GET_NOTIF_SIZES 3
#endif

/* The socket `exec` hands listeners over: named through the state directory's fd, which keeps
   the path short of sun_path's 108 bytes however deep the engine's --root is. */
static int
listen_for_exec (int dirfd, ecirun_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int sock = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

  if (sock < 0)
    return make_error (err, errno, "socket");
  snprintf (addr.sun_path, sizeof (addr.sun_path), "/proc/self/fd/%d/%s", dirfd, FSD_SOCKET);
  unlinkat (dirfd, FSD_SOCKET, 0);
  /* umask 077: created 0600, host root's only. */
  if (bind (sock, (struct sockaddr *)&addr, sizeof (addr)) < 0 || listen (sock, 16) < 0)
    {
      int saved = errno;
      close (sock);
      return make_error (err, saved, "listen on %s", FSD_SOCKET);
    }
  return sock;
}

static int
setup (struct fsd *f, ecirun_error_t *err)
{
  for (int fd = FSD_FD_INIT; fd <= FSD_FD_READY; fd++)
    if (fcntl (fd, F_GETFD) < 0)
      return make_error (err, EBADF, "fd %d was not passed", fd);
  f->init_pidfd = FSD_FD_INIT;
  f->page_size = (size_t)sysconf (_SC_PAGESIZE);
  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &f->sizes) < 0)
    return make_error (err, errno, "seccomp(SECCOMP_GET_NOTIF_SIZES)");
  f->dirfd = open (f->state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (f->dirfd < 0)
    return make_error (err, errno, "open the state directory `%s`", f->state_dir);
  if (conf_load (f->dirfd, &f->conf, err) < 0 || caller_init (err) < 0)
    return -1;
  f->sock = listen_for_exec (f->dirfd, err);
  return f->sock < 0 ? -1 : 0;
}

int
main (int argc, char **argv)
{
  struct fsd f = { .sock = -1, .dirfd = -1 };
  ecirun_error_t err = NULL;

  if (argc != 3)
    {
      fprintf (stderr, "usage: %s <container id> <state directory> (started by ecirun)\n", argv[0]);
      return 2;
    }
  f.id = argv[1];
  f.state_dir = argv[2];
  /* Host root serving a container: nothing of it may be ptraced or read through /proc. */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  signal (SIGPIPE, SIG_IGN);
  umask (077);
  if (setup (&f, &err) < 0)
    {
      dprintf (FSD_FD_READY, "%s\n", err->msg);
      return 1;
    }
  if (write_all (FSD_FD_READY, FSD_READY_OK, strlen (FSD_READY_OK)) < 0)
    return 1;
  close (FSD_FD_READY);
  if (fsd_loop (&f, FSD_FD_LISTENER, &err) < 0)
    {
      fprintf (stderr, "ecirun-fsd %s: %s\n", f.id, err->msg);
      return 1;
    }
  return 0;
}
