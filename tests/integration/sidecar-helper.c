/* Container-side helper of sidecar.bats: mount(2) and umount2(2) with exact arguments and
   the exact errno, and a tight loop of them. Built static with gcc at test time.

     sidecar-helper mount SOURCE TARGET FSTYPE FLAGS DATA   ("-": NULL; FLAGS: a,b,c or "-")
     sidecar-helper umount TARGET [detach]
     sidecar-helper loop N DIR        N times: a tmpfs on DIR, then unmount it
     sidecar-helper fault             mount with unreadable pointers (EFAULT)
     sidecar-helper viafd FSTYPE SOURCE TARGET   as runtimes mount: source and target opened
                                      O_PATH, named /proc/self/fd/N (a bind when FSTYPE is "-")

   Prints "ok" or "errno=NAME" (loop: "loop done=N failed=M first=NAME us=MICROSECONDS"; also
   used by bench/run-bench.sh). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

static const struct
{
  const char *name;
  unsigned long flag;
} flags[] = {
  { "ro", MS_RDONLY },     { "nosuid", MS_NOSUID },   { "nodev", MS_NODEV },
  { "noexec", MS_NOEXEC }, { "remount", MS_REMOUNT }, { "bind", MS_BIND },
  { "rec", MS_REC },       { "private", MS_PRIVATE }, { "shared", MS_SHARED },
  { "slave", MS_SLAVE },   { "move", MS_MOVE },       { "noatime", MS_NOATIME },
};

static const char *
arg (const char *s)
{
  return strcmp (s, "-") == 0 ? NULL : s;
}

static unsigned long
parse_flags (char *s)
{
  unsigned long f = 0;
  char *save = NULL;

  if (strcmp (s, "-") == 0)
    return 0;
  for (char *t = strtok_r (s, ",", &save); t; t = strtok_r (NULL, ",", &save))
    {
      size_t i;
      for (i = 0; i < sizeof (flags) / sizeof (flags[0]); i++)
        if (strcmp (t, flags[i].name) == 0)
          break;
      if (i == sizeof (flags) / sizeof (flags[0]))
        {
          fprintf (stderr, "unknown flag %s\n", t);
          exit (2);
        }
      f |= flags[i].flag;
    }
  return f;
}

static int
report (int rc)
{
  if (rc == 0)
    printf ("ok\n");
  else
    printf ("errno=%s\n", strerrorname_np (errno));
  return rc == 0 ? 0 : 1;
}

int
main (int argc, char **argv)
{
  if (argc == 7 && strcmp (argv[1], "mount") == 0)
    return report (
        mount (arg (argv[2]), argv[3], arg (argv[4]), parse_flags (argv[5]), arg (argv[6])));
  if ((argc == 3 || argc == 4) && strcmp (argv[1], "umount") == 0)
    return report (umount2 (argv[2], argc == 4 ? MNT_DETACH : 0));
  if (argc == 5 && strcmp (argv[1], "viafd") == 0)
    {
      char src[64], dst[64];
      int bind = strcmp (argv[2], "-") == 0;
      int t = open (argv[4], O_PATH | O_CLOEXEC);
      /* A high number: the helper must not get it right by chance. */
      int hi = fcntl (t, F_DUPFD_CLOEXEC, 77);
      int s = bind ? open (argv[3], O_PATH | O_CLOEXEC) : -1;

      if (t < 0 || hi < 0 || (bind && s < 0))
        return report (-1);
      snprintf (dst, sizeof (dst), "/proc/self/fd/%d", hi);
      snprintf (src, sizeof (src), "/proc/self/fd/%d", s);
      return report (
          mount (bind ? src : argv[3], dst, bind ? NULL : argv[2], bind ? MS_BIND : 0, NULL));
    }
  if (argc == 2 && strcmp (argv[1], "fault") == 0)
    return report (mount ("none", (const char *)8, "tmpfs", 0, NULL));
  if (argc == 4 && strcmp (argv[1], "loop") == 0)
    {
      long n = atol (argv[2]), failed = 0;
      struct timespec t0, t1;
      int first = 0;

      clock_gettime (CLOCK_MONOTONIC, &t0);
      for (long i = 0; i < n; i++)
        if (mount ("loop", argv[3], "tmpfs", 0, "size=16k") < 0 || umount2 (argv[3], 0) < 0)
          {
            if (!failed++)
              first = errno;
          }
      clock_gettime (CLOCK_MONOTONIC, &t1);
      printf ("loop done=%ld failed=%ld first=%s us=%lld\n", n, failed,
              first ? strerrorname_np (first) : "none",
              (long long)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
      return failed ? 1 : 0;
    }
  fprintf (stderr, "usage: see sidecar-helper.c\n");
  return 2;
}
