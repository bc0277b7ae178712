/* readloop: the latency of open + read + close of small files, side by side.

   readloop [-n ITER] [-r ROUNDS] [-1] LABEL=PATH...

   Each round runs ITER open/read/close of every PATH (in an order that rotates per round, so
   that drift in the machine's load hits all alike); a read loop reads until end of file, as
   cat, free and most readers do (-1: one read(2) of 64 KiB only). Prints per label the median
   and the minimum over rounds of the mean time per open/read/close, in microseconds. Built
   static by bench/procemul-bench.sh so that it also runs inside a container. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  static char buf[65536];
  int iter = 2000, rounds = 15, once = 0, opt;

  while ((opt = getopt (argc, argv, "n:r:1")) != -1)
    switch (opt)
      {
      case 'n':
        iter = atoi (optarg);
        break;
      case 'r':
        rounds = atoi (optarg);
        break;
      case '1':
        once = 1;
        break;
      default:
        fprintf (stderr, "usage: readloop [-n ITER] [-r ROUNDS] [-1] LABEL=PATH...\n");
        return 2;
      }
  int nf = argc - optind;
  if (nf <= 0 || iter <= 0 || rounds <= 0)
    {
      fprintf (stderr, "usage: readloop [-n ITER] [-r ROUNDS] [-1] LABEL=PATH...\n");
      return 2;
    }
  char **label = calloc (nf, sizeof (char *)), **path = calloc (nf, sizeof (char *));
  double *t = calloc ((size_t)nf * rounds, sizeof (double));
  for (int i = 0; i < nf; i++)
    {
      char *eq = strchr (argv[optind + i], '=');
      if (eq == NULL)
        {
          fprintf (stderr, "readloop: `%s` is not LABEL=PATH\n", argv[optind + i]);
          return 2;
        }
      *eq = '\0';
      label[i] = argv[optind + i];
      path[i] = eq + 1;
    }
  for (int r = -1; r < rounds; r++) /* round -1 warms up */
    for (int k = 0; k < nf; k++)
      {
        int i = (k + (r < 0 ? 0 : r)) % nf;
        double t0 = now_us ();
        for (int n = 0; n < iter; n++)
          {
            int fd = open (path[i], O_RDONLY | O_CLOEXEC);
            ssize_t got;
            if (fd < 0)
              {
                perror (path[i]);
                return 1;
              }
            do
              got = read (fd, buf, sizeof (buf));
            while (got > 0 && !once);
            if (got < 0)
              {
                perror (path[i]);
                return 1;
              }
            close (fd);
          }
        if (r >= 0)
          t[i * rounds + r] = (now_us () - t0) / iter;
      }
  printf ("%-24s %10s %10s\n", "file", "median_us", "min_us");
  for (int i = 0; i < nf; i++)
    {
      qsort (t + i * rounds, rounds, sizeof (double), cmp);
      printf ("%-24s %10.2f %10.2f\n", label[i], t[i * rounds + rounds / 2], t[i * rounds]);
    }
  return 0;
}
