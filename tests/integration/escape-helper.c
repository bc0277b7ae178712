/* A container-side attacker for escape-process.bats, built static at test time and copied into
   the test's rootfs. It holds a process of `ecirun exec` at a container path the runtime reads
   before it starts the workload, and tries to reach it there the way a container root with
   every capability can: ptrace, /proc/PID/mem, /proc/PID/cwd, /proc/PID/fd.

     escape-helper passwd-fifo DIR
         /etc/passwd becomes a FIFO (mode 0666); whoever opens it (`exec` looking up HOME) is
         probed, then the original content is fed to it once DIR/feed exists.
     escape-helper fuse-cwd MNT DIR
         a FUSE file system on MNT whose directory MNT/d answers its LOOKUP only once the
         process that asked (`exec --cwd MNT/d`) was probed and DIR/feed exists.

   DIR/ready appears when the trap is set, DIR/report (key=value lines) after the probe. The
   helper never exits by itself: as the container's init, its exit would kill the exec. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

__attribute__ ((noreturn)) static void
die (const char *what)
{
  fprintf (stderr, "escape-helper: %s: %s\n", what, strerror (errno));
  exit (1);
}

static const char *
result (int r)
{
  static char buf[32];

  if (r == 0)
    return "ok";
  switch (errno)
    {
    case EPERM:
      return "EPERM";
    case EACCES:
      return "EACCES";
    case ESRCH:
      return "ESRCH";
    case ENOENT:
      return "ENOENT";
    default:
      snprintf (buf, sizeof (buf), "errno%d", errno);
      return buf;
    }
}

static void
touch (const char *name)
{
  char path[512];
  int fd;

  snprintf (path, sizeof (path), "%s/%s", dir, name);
  fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    die (path);
  close (fd);
}

/* Wait (at most a minute) for the test to say go. */
static void
wait_for_feed (void)
{
  char path[512];
  struct timespec ts = { 0, 50 * 1000 * 1000 };

  snprintf (path, sizeof (path), "%s/feed", dir);
  for (int i = 0; i < 1200 && access (path, F_OK) < 0; i++)
    nanosleep (&ts, NULL);
}

/* Everything a container root may try on pid; a successful seize is undone at once. */
static void
probe (FILE *out, pid_t pid)
{
  char path[64], buf[4096], *line = NULL;
  size_t n = 0;
  FILE *f;
  int r, fd;
  DIR *d;

  fprintf (out, "pid=%d\n", (int)pid);
  snprintf (path, sizeof (path), "/proc/%d/status", (int)pid);
  f = fopen (path, "re");
  while (f && getline (&line, &n, f) > 0)
    if (strncmp (line, "Uid:", 4) == 0)
      {
        char *p = line + 4;
        p += strspn (p, " \t");
        p[strcspn (p, "\n")] = '\0';
        for (char *t = p; *t; t++)
          if (*t == '\t')
            *t = ' ';
        fprintf (out, "uid=%s\n", p);
      }
  if (f)
    fclose (f);
  free (line);

  r = ptrace (PTRACE_SEIZE, pid, 0, 0) < 0 ? -1 : 0;
  fprintf (out, "seize=%s\n", result (r));
  if (r == 0)
    {
      int st;
      ptrace (PTRACE_INTERRUPT, pid, 0, 0);
      waitpid (pid, &st, __WALL);
      ptrace (PTRACE_DETACH, pid, 0, 0);
    }
  snprintf (path, sizeof (path), "/proc/%d/mem", (int)pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  fprintf (out, "mem=%s\n", result (fd < 0 ? -1 : 0));
  if (fd >= 0)
    close (fd);
  snprintf (path, sizeof (path), "/proc/%d/cwd", (int)pid);
  r = readlink (path, buf, sizeof (buf)) < 0 ? -1 : 0;
  fprintf (out, "cwd=%s\n", result (r));
  snprintf (path, sizeof (path), "/proc/%d/fd", (int)pid);
  d = opendir (path);
  r = d ? 0 : -1;
  if (d)
    r = readdir (d) ? 0 : -1;
  fprintf (out, "fd=%s\n", result (r));
  if (d)
    closedir (d);
}

/* Probe the processes in pids and publish DIR/report atomically. */
static void
report (const pid_t *pids, size_t n)
{
  char tmp[512], final[512];
  FILE *out;

  snprintf (tmp, sizeof (tmp), "%s/report.tmp", dir);
  snprintf (final, sizeof (final), "%s/report", dir);
  out = fopen (tmp, "we");
  if (out == NULL)
    die (tmp);
  fprintf (out, "targets=%zu\n", n);
  for (size_t i = 0; i < n; i++)
    probe (out, pids[i]);
  fclose (out);
  if (rename (tmp, final) < 0)
    die ("rename report");
}

__attribute__ ((noreturn)) static void
forever (void)
{
  for (;;)
    pause ();
}

__attribute__ ((noreturn)) static void
passwd_fifo (void)
{
  pid_t pids[16];
  size_t n = 0;
  char buf[65536];
  ssize_t len;
  int orig, fifo;
  DIR *d;
  struct dirent *de;

  orig = open ("/etc/passwd", O_RDONLY | O_CLOEXEC);
  if (orig < 0 || (len = read (orig, buf, sizeof (buf))) < 0)
    die ("read /etc/passwd");
  close (orig);
  if (rename ("/etc/passwd", "/etc/passwd.orig") < 0)
    die ("rename /etc/passwd");
  if (mkfifo ("/etc/passwd", 0666) < 0 || chmod ("/etc/passwd", 0666) < 0)
    die ("mkfifo /etc/passwd");
  touch ("ready");
  /* Returns once a reader opened it. */
  fifo = open ("/etc/passwd", O_WRONLY | O_CLOEXEC);
  if (fifo < 0)
    die ("open the FIFO");

  /* The reader: every process but us and the container's init. */
  d = opendir ("/proc");
  if (d == NULL)
    die ("opendir /proc");
  while ((de = readdir (d)) && n < 16)
    {
      pid_t pid = (pid_t)atoi (de->d_name);
      if (pid > 1 && pid != getpid () && pid != getppid ())
        pids[n++] = pid;
    }
  closedir (d);
  report (pids, n);

  wait_for_feed ();
  if (write (fifo, buf, (size_t)len) != len)
    die ("feed the FIFO");
  close (fifo);
  if (rename ("/etc/passwd.orig", "/etc/passwd") < 0)
    die ("restore /etc/passwd");
  touch ("fed");
  forever ();
}

/* ---- fuse-cwd ---- */

static int fuse_fd = -1;

static void
reply (uint64_t unique, int error, const void *data, size_t len)
{
  char buf[4096];
  struct fuse_out_header h = { .len = sizeof (h) + len, .error = -error, .unique = unique };

  memcpy (buf, &h, sizeof (h));
  if (len)
    memcpy (buf + sizeof (h), data, len);
  if (write (fuse_fd, buf, h.len) < 0 && errno != ENOENT)
    die ("write /dev/fuse");
}

static void
dir_attr (struct fuse_attr *a, uint64_t ino)
{
  memset (a, 0, sizeof (*a));
  a->ino = ino;
  a->mode = S_IFDIR | 0755;
  a->nlink = 2;
  a->blksize = 4096;
}

__attribute__ ((noreturn)) static void
fuse_cwd (const char *mnt)
{
  static char req[1 << 20];
  char opts[256];
  bool probed = false;

  fuse_fd = open ("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fuse_fd < 0)
    die ("open /dev/fuse");
  snprintf (opts, sizeof (opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fuse_fd);
  if (mount ("escape-helper", mnt, "fuse", MS_NOSUID | MS_NODEV, opts) < 0)
    die ("mount fuse");
  touch ("ready");
  for (;;)
    {
      ssize_t n = read (fuse_fd, req, sizeof (req));
      struct fuse_in_header *in = (struct fuse_in_header *)req;
      void *arg = req + sizeof (*in);

      if (n < 0)
        {
          if (errno == EINTR || errno == ENOENT)
            continue;
          die ("read /dev/fuse");
        }
      switch (in->opcode)
        {
        case FUSE_INIT:
          {
            struct fuse_init_in *ii = arg;
            struct fuse_init_out o
                = { .major = FUSE_KERNEL_VERSION,
                    .minor
                    = ii->minor < FUSE_KERNEL_MINOR_VERSION ? ii->minor : FUSE_KERNEL_MINOR_VERSION,
                    .max_readahead = ii->max_readahead,
                    .max_background = 16,
                    .congestion_threshold = 12,
                    .max_write = 65536,
                    .time_gran = 1 };
            reply (in->unique, 0, &o, sizeof (o));
            break;
          }
        case FUSE_LOOKUP:
          {
            struct fuse_entry_out e = { .nodeid = 2, .generation = 1 };
            if (in->nodeid != FUSE_ROOT_ID || strcmp ((char *)arg, "d") != 0)
              {
                reply (in->unique, ENOENT, NULL, 0);
                break;
              }
            if (!probed)
              {
                pid_t pid = (pid_t)in->pid;
                report (&pid, 1);
                wait_for_feed ();
                probed = true;
              }
            e.entry_valid = e.attr_valid = 3600;
            dir_attr (&e.attr, 2);
            reply (in->unique, 0, &e, sizeof (e));
            break;
          }
        case FUSE_GETATTR:
          {
            struct fuse_attr_out a = { .attr_valid = 3600 };
            dir_attr (&a.attr, in->nodeid);
            reply (in->unique, 0, &a, sizeof (a));
            break;
          }
        case FUSE_ACCESS:
          reply (in->unique, 0, NULL, 0);
          break;
        case FUSE_FORGET:
        case FUSE_BATCH_FORGET:
        case FUSE_INTERRUPT:
          break; /* no reply */
        case FUSE_DESTROY:
          reply (in->unique, 0, NULL, 0);
          forever ();
        default:
          reply (in->unique, ENOSYS, NULL, 0);
        }
    }
}

int
main (int argc, char **argv)
{
  if (argc == 3 && strcmp (argv[1], "passwd-fifo") == 0)
    {
      dir = argv[2];
      passwd_fifo ();
    }
  if (argc == 4 && strcmp (argv[1], "fuse-cwd") == 0)
    {
      dir = argv[3];
      fuse_cwd (argv[2]);
    }
  fprintf (stderr, "usage: escape-helper passwd-fifo DIR | fuse-cwd MNT DIR\n");
  return 2;
}
