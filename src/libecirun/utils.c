#include <config.h>
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/socket.h>
#include <time.h>

void
cleanup_freep (void *p)
{
  void **pp = p;
  free (*pp);
  *pp = NULL;
}

void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
  *fd = -1;
}

void
cleanup_filep (FILE **f)
{
  if (*f)
    fclose (*f);
  *f = NULL;
}

void
cleanup_dirp (DIR **d)
{
  if (*d)
    closedir (*d);
  *d = NULL;
}

void
strv_free (char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free (*p);
  free (v);
}

void
cleanup_strvp (char ***v)
{
  strv_free (*v);
  *v = NULL;
}

size_t
strv_len (char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

char **
strv_dup (const char *const *v)
{
  size_t n = strv_len ((char *const *)v);
  char **r = xmalloc0 ((n + 1) * sizeof (char *));

  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup (v[i]);
  return r;
}

static void
oom (void)
{
  static const char msg[] = "ecirun: out of memory\n";
  (void)!write (STDERR_FILENO, msg, sizeof (msg) - 1);
  abort ();
}

void *
xmalloc0 (size_t size)
{
  void *p = calloc (1, size ? size : 1);
  if (p == NULL)
    oom ();
  return p;
}

void *
xrealloc (void *p, size_t size)
{
  void *r = realloc (p, size ? size : 1);
  if (r == NULL)
    oom ();
  return r;
}

char *
xstrdup (const char *s)
{
  char *r;
  if (s == NULL)
    return NULL;
  r = strdup (s);
  if (r == NULL)
    oom ();
  return r;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *r = NULL;
  int n;

  va_start (ap, fmt);
  n = vasprintf (&r, fmt, ap);
  va_end (ap);
  if (n < 0)
    oom ();
  return r;
}

int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      p += n;
      len -= n;
    }
  return 0;
}

ssize_t
read_all (int fd, void *buf, size_t len)
{
  size_t done = 0;
  while (done < len)
    {
      ssize_t n = read (fd, (char *)buf + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      done += n;
    }
  return done;
}

int
read_file_at (int dirfd, const char *path, char **ret_buf, size_t *ret_len, size_t max_size,
              ecirun_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_free char *buf = NULL;
  size_t len = 0, alloc = 0;

  fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error (err, errno, "open `%s`", path);
  for (;;)
    {
      ssize_t n;
      if (alloc - len < 4096)
        {
          alloc = alloc ? alloc * 2 : 8192;
          buf = xrealloc (buf, alloc + 1);
        }
      n = read (fd, buf + len, alloc - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return make_error (err, errno, "read `%s`", path);
      if (n == 0)
        break;
      len += n;
      if (max_size && len > max_size)
        return make_error (err, EFBIG, "read `%s`", path);
    }
  if (buf == NULL)
    buf = xmalloc0 (1);
  buf[len] = '\0';
  if (ret_len)
    *ret_len = len;
  *ret_buf = TAKE_PTR (buf);
  return 0;
}

int
write_file_at (int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
               ecirun_error_t *err)
{
  cleanup_close int fd = -1;

  fd = openat (dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return make_error (err, errno, "open `%s`", path);
  if (write_all (fd, buf, len) < 0)
    return make_error (err, errno, "write `%s`", path);
  return 0;
}

int
write_file_atomic_at (int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                      ecirun_error_t *err)
{
  cleanup_free char *tmp = xasprintf (".%s.tmp.%d", path, (int)getpid ());
  cleanup_close int fd = -1;

  fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return make_error (err, errno, "create `%s`", tmp);
  if (write_all (fd, buf, len) < 0 || fsync (fd) < 0)
    {
      int saved = errno;
      unlinkat (dirfd, tmp, 0);
      return make_error (err, saved, "write `%s`", tmp);
    }
  if (renameat (dirfd, tmp, dirfd, path) < 0)
    {
      int saved = errno;
      unlinkat (dirfd, tmp, 0);
      return make_error (err, saved, "rename `%s` to `%s`", tmp, path);
    }
  return 0;
}

int
mkdir_p (const char *path, mode_t mode, ecirun_error_t *err)
{
  cleanup_free char *copy = xstrdup (path);

  for (char *p = copy + 1; *p; p++)
    {
      if (*p != '/')
        continue;
      *p = '\0';
      if (mkdir (copy, mode) < 0 && errno != EEXIST)
        return make_error (err, errno, "mkdir `%s`", copy);
      *p = '/';
    }
  if (mkdir (copy, mode) < 0 && errno != EEXIST)
    return make_error (err, errno, "mkdir `%s`", copy);
  return 0;
}

int
remove_tree_at (int parentfd, const char *name, ecirun_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  int dfd;

  if (unlinkat (parentfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return make_error (err, errno, "remove `%s`", name);
  fd = openat (parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return make_error (err, errno, "open `%s`", name);
  d = fdopendir (fd);
  if (d == NULL)
    return make_error (err, errno, "fdopendir `%s`", name);
  fd = -1;
  dfd = dirfd (d);
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (remove_tree_at (dfd, de->d_name, err) < 0)
        return -1;
    }
  if (unlinkat (parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return make_error (err, errno, "rmdir `%s`", name);
  return 0;
}

int
parse_u64 (const char *s, uint64_t *ret)
{
  char *end = NULL;
  unsigned long long v;

  if (s == NULL || *s == '\0' || *s == '-')
    return -1;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0')
    return -1;
  *ret = v;
  return 0;
}

int
parse_i64 (const char *s, int64_t *ret)
{
  char *end = NULL;
  long long v;

  if (s == NULL || *s == '\0')
    return -1;
  errno = 0;
  v = strtoll (s, &end, 10);
  if (errno != 0 || end == s || *end != '\0')
    return -1;
  *ret = v;
  return 0;
}

unsigned long long
proc_start_time (pid_t pid, bool *ret_zombie)
{
  char path[64], buf[1024];
  cleanup_close int fd = -1;
  ssize_t n;
  char *p;
  unsigned long long start = 0;

  if (ret_zombie)
    *ret_zombie = false;
  if (pid <= 0)
    return 0;
  snprintf (path, sizeof (path), "/proc/%d/stat", (int)pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  n = read_all (fd, buf, sizeof (buf) - 1);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* The command name may hold spaces and parentheses: fields start after the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return 0;
  p += 2;
  if (ret_zombie)
    *ret_zombie = (*p == 'Z' || *p == 'X');
  /* p is at field 3 (state); the start time is field 22. */
  for (int field = 3; field < 22 && p; field++)
    {
      p = strchr (p, ' ');
      if (p)
        p++;
    }
  if (p == NULL || sscanf (p, "%llu", &start) != 1)
    return 0;
  return start;
}

int
write_pid_file (const char *path, pid_t pid, ecirun_error_t *err)
{
  char buf[32];
  cleanup_free char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  cleanup_close int dfd = -1;
  int n = snprintf (buf, sizeof (buf), "%d", (int)pid);

  if (slash == NULL)
    return write_file_atomic_at (AT_FDCWD, path, buf, n, 0644, err);
  *slash = '\0';
  dfd = open (*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return make_error (err, errno, "open directory of pid file `%s`", path);
  return write_file_atomic_at (dfd, slash + 1, buf, n, 0644, err);
}

void
format_rfc3339_now (char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  char base[32];

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (base, sizeof (base), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}

ssize_t
send_with_fd (int sock, const void *data, size_t len, int fd)
{
  struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } ctl;
  ssize_t n;

  if (fd >= 0)
    {
      struct cmsghdr *c;

      memset (&ctl, 0, sizeof (ctl));
      mh.msg_control = ctl.buf;
      mh.msg_controllen = sizeof (ctl.buf);
      c = CMSG_FIRSTHDR (&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &fd, sizeof (int));
    }
  do
    n = sendmsg (sock, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n;
}

ssize_t
recv_with_fd (int sock, void *data, size_t len, int *ret_fd)
{
  struct iovec iov = { .iov_base = data, .iov_len = len };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } ctl;
  struct msghdr mh = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof (ctl.buf)
  };
  ssize_t n;

  *ret_fd = -1;
  do
    n = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return n;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&mh); c; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
        && c->cmsg_len >= CMSG_LEN (sizeof (int)))
      {
        int extra, nfds = (int)((c->cmsg_len - CMSG_LEN (0)) / sizeof (int));
        memcpy (ret_fd, CMSG_DATA (c), sizeof (int));
        /* More than one fd: keep the first only. */
        for (int i = 1; i < nfds; i++)
          {
            memcpy (&extra, CMSG_DATA (c) + i * sizeof (int), sizeof (int));
            close (extra);
          }
      }
  return n;
}
