/* OCI hooks: each one runs as a child with the container state JSON on its stdin; its stdout and
   stderr are captured (bounded) to explain a failure; a timeout kills it. */
#include <config.h>
#include "hooks.h"
#include "fds.h"
#include "syscalls.h"
#include "utils.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How much of a hook's stdout and stderr is kept for the error message. */
#define HOOK_OUTPUT_MAX 4096

struct capture
{
  int fd;
  char buf[HOOK_OUTPUT_MAX + 1];
  size_t len;
};

/* Read what is available; keep the first HOOK_OUTPUT_MAX bytes, drop the rest. Closes the fd
   at EOF. */
static void
capture_read (struct capture *c)
{
  char tmp[4096];

  while (c->fd >= 0)
    {
      ssize_t n = read (c->fd, tmp, sizeof (tmp));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return; /* EAGAIN: nothing more for now */
      if (n == 0)
        {
          close (c->fd);
          c->fd = -1;
          return;
        }
      if (c->len < HOOK_OUTPUT_MAX)
        {
          size_t keep = (size_t)n < HOOK_OUTPUT_MAX - c->len ? (size_t)n : HOOK_OUTPUT_MAX - c->len;
          memcpy (c->buf + c->len, tmp, keep);
          c->len += keep;
        }
    }
}

/* The captured text without surrounding blank space. */
static const char *
capture_text (struct capture *c)
{
  char *s = c->buf;
  c->buf[c->len] = '\0';
  while (c->len > 0 && strchr (" \t\r\n", c->buf[c->len - 1]))
    c->buf[--c->len] = '\0';
  while (*s && strchr (" \t\r\n", *s))
    s++;
  return s;
}

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child, between fork and execve: only async-signal-safe calls. */
static void __attribute__ ((noreturn))
hook_child (const struct hook_config *h, int in_fd, int out_fd, int err_fd, int exec_fd)
{
  static char *const empty_env[] = { NULL };
  char *default_args[] = { h->path, NULL };
  sigset_t none;
  int e;

  /* Inherit neither the runtime's blocked signals nor its ignored SIGPIPE. */
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);

  /* Move the pipes above the standard fds first: when the runtime runs with some of 0-2
     closed, a pipe may sit there and be overwritten by the dup2 of another. */
  in_fd = fcntl (in_fd, F_DUPFD_CLOEXEC, 10);
  out_fd = fcntl (out_fd, F_DUPFD_CLOEXEC, 10);
  err_fd = fcntl (err_fd, F_DUPFD_CLOEXEC, 10);
  exec_fd = fcntl (exec_fd, F_DUPFD_CLOEXEC, 10);
  /* fd 3 carries the exec error back (close-on-exec: EOF means execve succeeded). */
  if (in_fd < 0 || out_fd < 0 || err_fd < 0 || exec_fd < 0 || dup2 (in_fd, 0) < 0
      || dup2 (out_fd, 1) < 0 || dup2 (err_fd, 2) < 0 || dup3 (exec_fd, 3, O_CLOEXEC) < 0)
    _exit (127);
  /* Nothing else of the runtime leaks into the hook. */
  if (fds_close_range (4, ~0U, false) < 0)
    _exit (127);
  execve (h->path, h->args ? h->args : default_args, h->env ? h->env : empty_env);
  e = errno;
  (void)!write (3, &e, sizeof (e));
  _exit (127);
}

static int
make_pipe (int fds[2], ecirun_error_t *err)
{
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return make_error (err, errno, "hooks: pipe");
  return 0;
}

static void
close_fds (int *fds, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (fds[i] >= 0)
      {
        close (fds[i]);
        fds[i] = -1;
      }
}

/* Wrap up the outcome of one hook as an error message, or return 0 when it succeeded. */
static int
hook_verdict (const char *kind, size_t i, const char *path, int status, struct capture *out,
              struct capture *errc, ecirun_error_t *err)
{
  cleanup_free char *reason = NULL;
  const char *so = capture_text (out), *se = capture_text (errc);

  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFEXITED (status))
    reason = xasprintf ("exit status %d", WEXITSTATUS (status));
  else if (WIFSIGNALED (status))
    {
      /* "bad system call", as runc (Go) names signals. */
      cleanup_free char *name = xstrdup (strsignal (WTERMSIG (status)));
      for (char *c = name; *c; c++)
        *c = (char)tolower ((unsigned char)*c);
      reason = xasprintf ("killed by signal %d (%s)", WTERMSIG (status), name);
    }
  else
    reason = xasprintf ("wait status %d", status);
  return make_error (err, 0, "error running %s hook #%zu (`%s`): %s%s%s%s%s", kind, i, path, reason,
                     se[0] ? ": " : "", se, so[0] ? (se[0] ? ", stdout: " : ": stdout: ") : "", so);
}

static int
run_one (const struct hook_config *h, const char *kind, size_t index, const char *state_json,
         ecirun_error_t *err)
{
  int in_p[2] = { -1, -1 }, out_p[2] = { -1, -1 }, err_p[2] = { -1, -1 }, exec_p[2] = { -1, -1 };
  struct capture out = { .fd = -1 }, errc = { .fd = -1 };
  cleanup_close int pidfd = -1;
  cleanup_close int in_fd = -1;
  cleanup_close int exec_fd = -1;
  size_t in_len = state_json ? strlen (state_json) : 0, in_done = 0;
  int64_t deadline = 0;
  int exec_errno = 0, status = 0;
  bool exited = false, timed_out = false;
  pid_t pid;
  int ret = -1;

  if (h->path == NULL || h->path[0] != '/')
    return make_error (err, 0, "%s hook #%zu: path `%s` is not absolute", kind, index,
                       h->path ? h->path : "");
  if (make_pipe (in_p, err) < 0 || make_pipe (out_p, err) < 0 || make_pipe (err_p, err) < 0
      || make_pipe (exec_p, err) < 0)
    goto out_close;

  pid = fork ();
  if (pid < 0)
    {
      make_error (err, errno, "%s hook #%zu (`%s`): fork", kind, index, h->path);
      goto out_close;
    }
  if (pid == 0)
    hook_child (h, in_p[0], out_p[1], err_p[1], exec_p[1]);

  in_fd = TAKE_FD (in_p[1]);
  out.fd = TAKE_FD (out_p[0]);
  errc.fd = TAKE_FD (err_p[0]);
  exec_fd = TAKE_FD (exec_p[0]);
  close_fds (in_p, 2);
  close_fds (out_p, 2);
  close_fds (err_p, 2);
  close_fds (exec_p, 2);
  fcntl (in_fd, F_SETFL, O_NONBLOCK);
  fcntl (out.fd, F_SETFL, O_NONBLOCK);
  fcntl (errc.fd, F_SETFL, O_NONBLOCK);
  if (in_len == 0)
    {
      close (in_fd);
      in_fd = -1;
    }

  /* Without pidfd_open (before 5.3) poll in short ticks and check with WNOHANG. */
  pidfd = sys_pidfd_open (pid, 0);
  if (h->timeout.set && h->timeout.v > 0)
    deadline = now_ms () + h->timeout.v * 1000;

  while (!exited)
    {
      struct pollfd pfd[4];
      int n = 0, timeout = -1, r;
      pid_t w;

      if (pidfd >= 0)
        pfd[n++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
      if (in_fd >= 0)
        pfd[n++] = (struct pollfd){ .fd = in_fd, .events = POLLOUT };
      if (out.fd >= 0)
        pfd[n++] = (struct pollfd){ .fd = out.fd, .events = POLLIN };
      if (errc.fd >= 0)
        pfd[n++] = (struct pollfd){ .fd = errc.fd, .events = POLLIN };
      if (deadline)
        {
          int64_t left = deadline - now_ms ();
          if (left <= 0)
            {
              timed_out = true;
              break;
            }
          timeout = left > 1000 ? 1000 : (int)left;
        }
      if (pidfd < 0 && (timeout < 0 || timeout > 50))
        timeout = 50;
      r = poll (pfd, n, timeout);
      if (r < 0 && errno != EINTR)
        {
          make_error (err, errno, "%s hook #%zu (`%s`): poll", kind, index, h->path);
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
          goto out_close;
        }
      if (in_fd >= 0)
        {
          ssize_t wr = write (in_fd, state_json + in_done, in_len - in_done);
          if (wr > 0)
            in_done += wr;
          /* EPIPE: the hook does not read its stdin, which is fine. */
          if (in_done == in_len || (wr < 0 && errno != EAGAIN && errno != EINTR))
            {
              close (in_fd);
              in_fd = -1;
            }
        }
      capture_read (&out);
      capture_read (&errc);
      do
        w = waitpid (pid, &status, WNOHANG);
      while (w < 0 && errno == EINTR);
      if (w == pid)
        exited = true;
      else if (w < 0)
        {
          make_error (err, errno, "%s hook #%zu (`%s`): waitpid", kind, index, h->path);
          goto out_close;
        }
    }

  if (timed_out)
    {
      if (pidfd < 0 || sys_pidfd_send_signal (pidfd, SIGKILL) < 0)
        kill (pid, SIGKILL);
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      make_error (err, 0, "hook %s[%zu] `%s` timed out after %llds", kind, index, h->path,
                  (long long)h->timeout.v);
      goto out_close;
    }

  /* Whatever is buffered now; a daemonised grandchild may keep the pipes open, so no waiting
     for EOF. */
  capture_read (&out);
  capture_read (&errc);
  if (read (exec_fd, &exec_errno, sizeof (exec_errno)) == (ssize_t)sizeof (exec_errno))
    {
      make_error (err, exec_errno, "%s hook #%zu (`%s`): exec", kind, index, h->path);
      goto out_close;
    }
  ret = hook_verdict (kind, index, h->path, status, &out, &errc, err);

out_close:
  close_fds (in_p, 2);
  close_fds (out_p, 2);
  close_fds (err_p, 2);
  close_fds (exec_p, 2);
  if (out.fd >= 0)
    close (out.fd);
  if (errc.fd >= 0)
    close (errc.fd);
  return ret;
}

int
hooks_run (const struct hook_list *hooks, enum hook_kind kind, const char *state_json,
           ecirun_error_t *err)
{
  struct sigaction ign = { .sa_handler = SIG_IGN }, old;
  const char *name = hook_kind_name (kind);
  int ret = 0;

  if (hooks == NULL || hooks->len == 0)
    return 0;
  if (name == NULL)
    name = "unknown";
  /* A hook that exits without reading its stdin must not kill the runtime with SIGPIPE. */
  sigemptyset (&ign.sa_mask);
  sigaction (SIGPIPE, &ign, &old);
  for (size_t i = 0; i < hooks->len && ret == 0; i++)
    ret = run_one (&hooks->items[i], name, i, state_json, err);
  sigaction (SIGPIPE, &old, NULL);
  return ret;
}
