#include <config.h>
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include "utils.h"

int
terminal_open_pty (int *ret_master, char **ret_slave_path, ecirun_error_t *err)
{
  cleanup_close int master = -1;
  char name[64];
  int unlock = 0;

  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return make_error (err, errno, "open /dev/ptmx");
  if (ioctl (master, TIOCSPTLCK, &unlock) < 0)
    return make_error (err, errno, "unlock pty");
  if (ptsname_r (master, name, sizeof (name)) != 0)
    return make_error (err, errno, "ptsname");
  *ret_slave_path = xstrdup (name);
  *ret_master = TAKE_FD (master);
  return 0;
}

int
terminal_make_controlling (const char *slave_path, ecirun_error_t *err)
{
  cleanup_close int slave = open (slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);

  struct termios t;

  if (slave < 0)
    return make_error (err, errno, "open pty slave `%s`", slave_path);
  /* No "\n" -> "\r\n" on output, as runc: a program's output through the terminal keeps its
     bytes. */
  if (tcgetattr (slave, &t) == 0)
    {
      t.c_oflag &= ~ONLCR;
      if (tcsetattr (slave, TCSANOW, &t) < 0)
        return make_error (err, errno, "clear ONLCR on `%s`", slave_path);
    }
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return make_error (err, errno, "make `%s` the controlling terminal", slave_path);
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (slave, fd) < 0)
      return make_error (err, errno, "dup2 pty slave");
  return 0;
}

int
terminal_reopen_stdio (const char *slave_path, ecirun_error_t *err)
{
  cleanup_close int slave = open (slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);

  if (slave < 0)
    return make_error (err, errno, "reopen pty slave `%s`", slave_path);
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (slave, fd) < 0)
      return make_error (err, errno, "dup2 pty slave");
  return 0;
}

int
terminal_set_size (int fd, unsigned rows, unsigned cols, ecirun_error_t *err)
{
  struct winsize ws = { .ws_row = rows, .ws_col = cols };

  if (ioctl (fd, TIOCSWINSZ, &ws) < 0)
    return make_error (err, errno, "set terminal size");
  return 0;
}

int
terminal_connect_socket (const char *path, ecirun_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int fd = -1;

  if (strlen (path) >= sizeof (addr.sun_path))
    return make_error (err, 0, "console socket path too long: `%s`", path);
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return make_error (err, errno, "console socket");
  if (connect (fd, (struct sockaddr *)&addr, sizeof (addr)) < 0)
    return make_error (err, errno, "connect to console socket `%s`", path);
  return TAKE_FD (fd);
}

int
terminal_send_master (int sock, int master, ecirun_error_t *err)
{
  static const char data[] = "/dev/ptmx";

  if (send_with_fd (sock, data, sizeof (data) - 1, master) < 0)
    return make_error (err, errno, "send the pty master over the console socket");
  return 0;
}

static void
copy_winsize (int from, int to)
{
  struct winsize ws;
  if (ioctl (from, TIOCGWINSZ, &ws) == 0)
    ioctl (to, TIOCSWINSZ, &ws);
}

int
terminal_proxy (int master, int pidfd, ecirun_error_t *err)
{
  struct termios saved, raw;
  bool restore = false, stdin_open = true;
  cleanup_close int sfd = -1;
  sigset_t mask;
  char buf[8192];

  if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0)
    {
      raw = saved;
      cfmakeraw (&raw);
      if (tcsetattr (STDIN_FILENO, TCSANOW, &raw) == 0)
        restore = true;
      copy_winsize (STDIN_FILENO, master);
    }
  sigemptyset (&mask);
  sigaddset (&mask, SIGWINCH);
  sigprocmask (SIG_BLOCK, &mask, NULL);
  sfd = signalfd (-1, &mask, SFD_CLOEXEC);

  for (;;)
    {
      struct pollfd p[4] = {
        { .fd = master, .events = POLLIN },
        { .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
        { .fd = sfd, .events = POLLIN },
        { .fd = pidfd, .events = POLLIN },
      };
      ssize_t n;

      if (poll (p, 4, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          n = read (master, buf, sizeof (buf));
          if (n <= 0)
            break; /* EIO: every slave fd is closed */
          write_all (STDOUT_FILENO, buf, n);
        }
      if (p[1].revents & (POLLIN | POLLHUP))
        {
          n = read (STDIN_FILENO, buf, sizeof (buf));
          if (n <= 0)
            stdin_open = false;
          else
            write_all (master, buf, n);
        }
      if (p[2].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof (si)) > 0)
            copy_winsize (STDIN_FILENO, master);
        }
      if ((p[3].revents & POLLIN) && !(p[0].revents & POLLIN))
        break; /* the init exited and nothing is left to read */
    }
  if (restore)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved);
  (void)err;
  return 0;
}
