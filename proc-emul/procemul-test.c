/* procemul-test: mount proc-emul's FUSE file system on a directory and serve it for the cgroup
   of a process, as the sidecar will for a container. For tests and the bench; not installed.

   procemul-test [--pid PID] [--id ID] [--groups LIST] MOUNTPOINT

   PID (default: this process) stands for the container's init: its cgroups (from
   /proc/PID/cgroup), its start time and its namespaces are the container's. LIST is a comma
   list of memory, cpu, uptime, loadavg, diskstats, sysctl, sys-kernel, dmi (default: all).
   "ready" is printed once the mount serves; SIGTERM or SIGINT unmount and exit 0. */
#include <config.h>
#include "procemul.h"
#include "utils.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct procemul_server *server;

static void
on_signal (int sig)
{
  if (server)
    procemul_server_stop (server);
}

static int
parse_groups (const char *list, unsigned *ret)
{
  static const struct
  {
    const char *name;
    unsigned bit;
  } names[] = {
    { "memory", PROCEMUL_MEMORY },         { "cpu", PROCEMUL_CPU },
    { "uptime", PROCEMUL_UPTIME },         { "loadavg", PROCEMUL_LOADAVG },
    { "diskstats", PROCEMUL_DISKSTATS },   { "sysctl", PROCEMUL_SYSCTL },
    { "sys-kernel", PROCEMUL_SYS_KERNEL }, { "dmi", PROCEMUL_DMI },
  };
  cleanup_free char *copy = xstrdup (list);
  char *save = NULL;

  *ret = 0;
  for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    {
      size_t i;
      for (i = 0; i < ARRAY_SIZE (names) && strcmp (names[i].name, t) != 0; i++)
        ;
      if (i == ARRAY_SIZE (names))
        {
          fprintf (stderr, "procemul-test: unknown group `%s`\n", t);
          return -1;
        }
      *ret |= names[i].bit;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  struct procemul_config cfg = { .id = "procemul-test", .groups = PROCEMUL_ALL };
  struct pe_discovered d;
  ecirun_error_t err = NULL;
  const char *target = NULL;
  pid_t pid = getpid ();
  int fuse_fd, r, i;
  struct sigaction sa = { .sa_handler = on_signal };

  for (i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--pid") == 0 && i + 1 < argc)
        pid = (pid_t)atoi (argv[++i]);
      else if (strcmp (argv[i], "--id") == 0 && i + 1 < argc)
        cfg.id = argv[++i];
      else if (strcmp (argv[i], "--groups") == 0 && i + 1 < argc)
        {
          if (parse_groups (argv[++i], &cfg.groups) < 0)
            return 2;
        }
      else if (argv[i][0] != '-' && target == NULL)
        target = argv[i];
      else
        {
          fprintf (stderr,
                   "usage: procemul-test [--pid PID] [--id ID] [--groups LIST] MOUNTPOINT\n");
          return 2;
        }
    }
  if (target == NULL)
    {
      fprintf (stderr, "usage: procemul-test [--pid PID] [--id ID] [--groups LIST] MOUNTPOINT\n");
      return 2;
    }

  cfg.init_pid = pid;
  cfg.init_pidfd = (int)syscall (SYS_pidfd_open, pid, 0);
  if (cfg.init_pidfd < 0)
    {
      fprintf (stderr, "procemul-test: pidfd_open %d: %s\n", (int)pid, strerror (errno));
      return 1;
    }
  if (pe_collect_discover (pid, &d, &err) < 0)
    {
      fprintf (stderr, "procemul-test: %s\n", err->msg);
      return 1;
    }
  pe_discovered_apply (&d, &cfg.cgroup);

  fuse_fd = procemul_mount (target, 0, 0, &err);
  if (fuse_fd < 0)
    {
      fprintf (stderr, "procemul-test: %s\n", err->msg);
      return 1;
    }
  if (procemul_server_new (&cfg, fuse_fd, &server, &err) < 0)
    {
      fprintf (stderr, "procemul-test: %s\n", err->msg);
      umount2 (target, MNT_DETACH);
      return 1;
    }
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  printf ("ready\n");
  fflush (stdout);
  r = procemul_server_run (server, &err);
  /* Detach first: a reader still holding a file gets ENOTCONN once the server is gone. */
  umount2 (target, MNT_DETACH);
  procemul_server_free (server);
  pe_discovered_release (&d);
  if (r < 0)
    {
      fprintf (stderr, "procemul-test: %s\n", err->msg);
      return 1;
    }
  return 0;
}
