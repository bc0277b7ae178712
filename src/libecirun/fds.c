#include <config.h>
#include "fds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "syscalls.h"
#include "utils.h"

struct inherited_fd
{
  int fd;
  dev_t dev;
  ino_t ino;
};

static struct inherited_fd *inherited;
static size_t n_inherited;
static int record_errno = -1; /* -1: never recorded; 0: recorded */

void
fds_record_inherited (void)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *de;

  if (d == NULL)
    {
      record_errno = errno;
      return;
    }
  while ((de = readdir (d)))
    {
      struct stat sb;
      char *end;
      long fd = strtol (de->d_name, &end, 10);

      if (*end || end == de->d_name || fd < 3 || fd == dirfd (d) || fstat ((int)fd, &sb) < 0)
        continue;
      inherited = xrealloc (inherited, (n_inherited + 1) * sizeof (*inherited));
      inherited[n_inherited++] = (struct inherited_fd){ (int)fd, sb.st_dev, sb.st_ino };
    }
  closedir (d);
  record_errno = 0;
}

static bool
is_inherited (int fd)
{
  struct stat sb;

  if (fstat (fd, &sb) < 0)
    return false;
  for (size_t i = 0; i < n_inherited; i++)
    if (inherited[i].fd == fd)
      return inherited[i].dev == sb.st_dev && inherited[i].ino == sb.st_ino;
  return false;
}

int
fds_check_preserved (int n, ecirun_error_t *err)
{
  if (n > 0 && record_errno != 0)
    return make_error (err, record_errno > 0 ? record_errno : 0,
                       "--preserve-fds %d: cannot tell which descriptors were passed to ecirun", n);
  for (int fd = 3; fd < 3 + n; fd++)
    if (!is_inherited (fd))
      return make_error (err, 0,
                         "--preserve-fds %d: fd %d was not passed to ecirun (fds 3 to %d must "
                         "all be open)",
                         n, fd, 2 + n);
  return 0;
}

static int
cmp_int (const void *a, const void *b)
{
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int
fds_close_range (unsigned from, unsigned last, bool cloexec)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  struct rlimit rl;

  if (sys_close_range (from, last, cloexec ? CLOSE_RANGE_CLOEXEC : 0) == 0)
    return 0;
  /* A seccomp profile without close_range (runtime-tools', older Kubernetes ones), or an old
     kernel: one by one. */
  d = opendir ("/proc/self/fd");
  if (d)
    {
      int self = dirfd (d);
      while ((de = readdir (d)))
        {
          char *end;
          long fd = strtol (de->d_name, &end, 10);
          if (*end || end == de->d_name || fd == self || fd < (long)from || fd > (long)last)
            continue;
          if (cloexec ? fcntl ((int)fd, F_SETFD, FD_CLOEXEC) < 0
                      : close ((int)fd) < 0 && errno != EBADF)
            return -1;
        }
      return 0;
    }
  /* No /proc: every possible descriptor. */
  if (getrlimit (RLIMIT_NOFILE, &rl) < 0)
    return -1;
  for (unsigned long fd = from; fd <= last && fd < rl.rlim_cur; fd++)
    {
      if (cloexec)
        (void)fcntl ((int)fd, F_SETFD, FD_CLOEXEC);
      else
        close ((int)fd);
    }
  return 0;
}

int
fds_close_from (int first, const int *keep, size_t n_keep, ecirun_error_t *err)
{
  int sorted[8];
  size_t n = 0;
  unsigned from = (unsigned)first;

  if (n_keep > ARRAY_SIZE (sorted))
    return make_error (err, EINVAL, "close descriptors: too many to keep");
  for (size_t i = 0; i < n_keep; i++)
    if (keep[i] >= first)
      sorted[n++] = keep[i];
  qsort (sorted, n, sizeof (int), cmp_int);
  /* The gaps between the kept descriptors, then everything after the last one. */
  for (size_t i = 0; i <= n; i++)
    {
      if (i == n || (unsigned)sorted[i] > from)
        {
          unsigned last = i < n ? (unsigned)sorted[i] - 1 : ~0U;
          if (fds_close_range (from, last, false) < 0)
            return make_error (err, errno, "close the runtime's descriptors");
        }
      if (i < n && (unsigned)sorted[i] >= from)
        from = (unsigned)sorted[i] + 1;
    }
  return 0;
}
