/* The sidecar from the runtime's side (sidecar.h). */
#include <config.h>
#include "sidecar.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fsd_proto.h"
#include "log.h"
#include "syscalls.h"
#include "utils.h"
#include "vetting.h"

#define SIDECAR_CGROUP_SUFFIX "@fsd"
/* Its share of the machine, whatever the container's: a container cannot slow the host or
   other containers through its sidecar, only its own mounts. Helpers are short-lived (one
   per call in flight, at most 64, a new proc or sysfs takes four processes). */
#define SIDECAR_MEMORY   (64LL << 20)
#define SIDECAR_PIDS     256
#define SIDECAR_SHARES   256 /* cpu.weight 10 on cgroup v2, a tenth of a default cgroup's */
#define READY_TIMEOUT_MS 10000

bool
sidecar_wanted (const struct oci_config *c, const struct ecirun_policy *p)
{
  const struct linux_config *lc = c->linux_cfg;

  return p->mount_vetting && lc && lc->namespaces[NS_MOUNT].present && vetting_wanted (lc->seccomp);
}

/* Next to the container's cgroup, resolved as it is (relative paths below ours). */
static char *
cgroup_path_for (const char *cgroups_path, const char *id)
{
  cleanup_free char *base
      = cgroups_path && *cgroups_path ? xstrdup (cgroups_path) : xasprintf ("/ecirun/%s", id);
  size_t len = strlen (base);

  while (len > 0 && base[len - 1] == '/')
    base[--len] = '\0';
  if (len == 0)
    return xasprintf ("/%s" SIDECAR_CGROUP_SUFFIX, id);
  return xasprintf ("%s" SIDECAR_CGROUP_SUFFIX, base);
}

static void
conf_paths (FILE *f, const char *directive, char *const *paths, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (paths[i] && paths[i][0] == '/' && strchr (paths[i], '\n') == NULL)
      fprintf (f, "%s %s\n", directive, paths[i]);
}

static int
write_conf (const struct oci_config *c, int dirfd, ecirun_error_t *err)
{
  const struct linux_config *lc = c->linux_cfg;
  cleanup_free char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);

  conf_paths (f, "masked", lc->masked_paths, lc->n_masked_paths);
  conf_paths (f, "readonly", lc->readonly_paths, lc->n_readonly_paths);
  for (size_t i = 0; i < c->n_mounts; i++)
    {
      const struct mount_config *m = &c->mounts[i];
      bool ro = false;

      if (m->destination == NULL || m->type == NULL)
        continue;
      for (size_t k = 0; k < m->n_options; k++)
        if (strcmp (m->options[k], "ro") == 0)
          ro = true;
        else if (strcmp (m->options[k], "rw") == 0)
          ro = false;
      if (ro && strcmp (m->destination, "/proc") == 0 && strcmp (m->type, "proc") == 0)
        fprintf (f, "readonly-fs proc\n");
      if (ro && strcmp (m->destination, "/sys") == 0 && strcmp (m->type, "sysfs") == 0)
        fprintf (f, "readonly-fs sysfs\n");
    }
  fclose (f);
  return write_file_at (dirfd, FSD_CONF, buf, len, 0600, err);
}

int
sidecar_prepare (const struct oci_config *c, const char *id, int dirfd, struct cgroup **ret_cg,
                 ecirun_error_t *err)
{
  struct resources_config res = { 0 };
  cleanup_free char *path = cgroup_path_for (c->linux_cfg->cgroups_path, id);

  res.memory.limit = (struct opt_i64){ true, SIDECAR_MEMORY };
  res.pids.limit = (struct opt_i64){ true, SIDECAR_PIDS };
  res.cpu.shares = (struct opt_u64){ true, SIDECAR_SHARES };
  if (write_conf (c, dirfd, err) < 0)
    return -1;
  if (cgroup_create (path, id, &res, ret_cg, err) < 0)
    return error_wrap (err, "the cgroup of the sidecar");
  return 0;
}

/* Next to ecirun (the build tree), else where it is installed; root's, and writable by no one
   else, since it runs as host root. */
static int
open_binary (ecirun_error_t *err)
{
  char self[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof (self) - 1);
  cleanup_free char *near = NULL;
  const char *candidates[2];
  int fd = -1;

  if (n > 0)
    {
      self[n] = '\0';
      near = xasprintf ("%s/" FSD_BINARY, dirname (self));
    }
  candidates[0] = near;
  candidates[1] = LIBEXECDIR "/" FSD_BINARY;
  for (size_t i = 0; i < ARRAY_SIZE (candidates) && fd < 0; i++)
    {
      struct stat sb;

      if (candidates[i] == NULL)
        continue;
      fd = open (candidates[i], O_PATH | O_CLOEXEC);
      if (fd < 0)
        continue;
      if (fstat (fd, &sb) < 0 || !S_ISREG (sb.st_mode)
          || (sb.st_uid != 0 && sb.st_uid != geteuid ()) || (sb.st_mode & (S_IWGRP | S_IWOTH)))
        {
          close (fd);
          return make_error (err, 0,
                             "the sidecar `%s` must be a regular file owned by root and writable "
                             "by no one else",
                             candidates[i]);
        }
    }
  if (fd < 0)
    return make_error (err, ENOENT, "the sidecar %s (next to ecirun, or in %s)", FSD_BINARY,
                       LIBEXECDIR);
  return fd;
}

__attribute__ ((noreturn)) static void
exec_child (const char *id, const char *state_dir, struct cgroup *cg, int exe, int init_pidfd,
            int listener, int ready)
{
  char *argv[] = { (char *)FSD_BINARY, (char *)id, (char *)state_dir, NULL };
  char *envp[] = { NULL };
  ecirun_error_t e = NULL;
  sigset_t none;
  int null, log, fds[3];

  /* Out of the caller's session and process group: a terminal's or the engine's signals are
     not for it, and nothing of the caller's stdio stays open in it. */
  setsid ();
  if (cg && cgroup_enter (cg, getpid (), &e) < 0)
    {
      dprintf (ready, "%s\n", e->msg);
      _exit (1);
    }
  null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  log = -1;
  if (log_debug_on ())
    {
      cleanup_free char *path = xasprintf ("%s/fsd.log", state_dir);
      log = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    }
  /* Above the numbers they go to, so that no dup2 clobbers another. */
  fds[0] = fcntl (init_pidfd, F_DUPFD_CLOEXEC, 16);
  fds[1] = fcntl (listener, F_DUPFD_CLOEXEC, 16);
  fds[2] = fcntl (ready, F_DUPFD_CLOEXEC, 16);
  exe = fcntl (exe, F_DUPFD_CLOEXEC, 16);
  if (null < 0 || fds[0] < 0 || fds[1] < 0 || fds[2] < 0 || exe < 0 || dup2 (null, 0) < 0
      || dup2 (null, 1) < 0 || dup2 (log >= 0 ? log : null, 2) < 0 || dup2 (fds[0], FSD_FD_INIT) < 0
      || dup2 (fds[1], FSD_FD_LISTENER) < 0 || dup2 (fds[2], FSD_FD_READY) < 0)
    {
      dprintf (ready, "set up the descriptors: %s\n", strerror (errno));
      _exit (1);
    }
  sys_close_range (FSD_FD_READY + 1, ~0U, CLOSE_RANGE_CLOEXEC);
  /* `run` blocks the signals it forwards; the sidecar takes the defaults. */
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++)
    signal (sig, SIG_DFL);
  syscall (SYS_execveat, exe, "", argv, envp, AT_EMPTY_PATH);
  dprintf (FSD_FD_READY, "exec %s: %s\n", FSD_BINARY, strerror (errno));
  _exit (127);
}

/* What the sidecar wrote on its ready pipe before closing it. */
int
sidecar_wait_ready (int fd, pid_t pid, ecirun_error_t *err)
{
  char buf[512];
  size_t len = 0;
  int r;

  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      ssize_t n;

      r = poll (&p, 1, READY_TIMEOUT_MS);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        {
          r = make_error (err, r < 0 ? errno : ETIMEDOUT, "the sidecar %s (pid %d) did not start",
                          FSD_BINARY, (int)pid);
          goto out;
        }
      n = read (fd, buf + len, sizeof (buf) - 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || (len += (size_t)n) == sizeof (buf) - 1)
        break;
    }
  buf[len] = '\0';
  if (strcmp (buf, FSD_READY_OK) == 0)
    {
      r = 0;
      goto out;
    }
  buf[strcspn (buf, "\n")] = '\0';
  r = make_error (err, 0, "the sidecar %s failed to start: %s", FSD_BINARY,
                  len ? buf : "it exited");
out:
  close (fd);
  if (r < 0)
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
    }
  return r;
}

int
sidecar_start (const char *id, const char *state_dir, struct cgroup *cg, int init_pidfd,
               int listener, pid_t *ret_pid, int *ret_ready, ecirun_error_t *err)
{
  cleanup_close int exe = open_binary (err);
  int ready[2];
  pid_t pid;

  if (exe < 0)
    return -1;
  if (pipe2 (ready, O_CLOEXEC) < 0)
    return make_error (err, errno, "pipe");
  pid = fork ();
  if (pid < 0)
    {
      close (ready[0]);
      close (ready[1]);
      return make_error (err, errno, "fork the sidecar");
    }
  if (pid == 0)
    {
      close (ready[0]);
      exec_child (id, state_dir, cg, exe, init_pidfd, listener, ready[1]);
    }
  close (ready[1]);
  *ret_pid = pid;
  *ret_ready = ready[0];
  return 0;
}

bool
sidecar_alive (const struct container_state *s)
{
  bool zombie = false;

  return s->sidecar.pid > 0 && s->sidecar.start_time
         && proc_start_time (s->sidecar.pid, &zombie) == s->sidecar.start_time && !zombie;
}

void
sidecar_stop (const struct container_state *s)
{
  ecirun_error_t e = NULL;
  struct cgroup *cg = NULL;

  if (sidecar_alive (s))
    {
      int pidfd = sys_pidfd_open (s->sidecar.pid, 0);
      /* Checked again through the pidfd: the pid is that process's as long as it is open. */
      if (pidfd >= 0 && sidecar_alive (s))
        {
          struct pollfd p = { .fd = pidfd, .events = POLLIN };
          sys_pidfd_send_signal (pidfd, SIGKILL);
          while (poll (&p, 1, 5000) < 0 && errno == EINTR)
            ;
        }
      if (pidfd >= 0)
        close (pidfd);
    }
  if (s->sidecar.cgroup_path == NULL)
    return;
  /* Its helpers, and a sidecar whose pid a killed create never recorded. */
  if (cgroup_open (s->sidecar.cgroup_path, &cg, &e) < 0 || cgroup_destroy (cg, &e) < 0)
    {
      log_warning ("the sidecar's cgroup: %s", e->msg);
      error_release (&e);
    }
  cgroup_free (cg);
}

int
sidecar_hand_listener (int dirfd, pid_t pid, int fd, ecirun_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  struct fsd_exec_msg m = { .version = FSD_EXEC_VERSION, .pid = pid };
  cleanup_close int sock = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  struct pollfd p;
  char reply;

  if (sock < 0)
    return make_error (err, errno, "socket");
  snprintf (addr.sun_path, sizeof (addr.sun_path), "/proc/self/fd/%d/%s", dirfd, FSD_SOCKET);
  if (connect (sock, (struct sockaddr *)&addr, sizeof (addr)) < 0)
    return make_error (err, errno, "connect to the sidecar");
  if (send_with_fd (sock, &m, sizeof (m), fd) != (ssize_t)sizeof (m))
    return make_error (err, errno, "hand the listener to the sidecar");
  p = (struct pollfd){ .fd = sock, .events = POLLIN };
  if (poll (&p, 1, READY_TIMEOUT_MS) != 1 || recv (sock, &reply, 1, 0) != 1)
    return make_error (err, errno ? errno : EPIPE, "the sidecar did not take the listener");
  return 0;
}
