#include <config.h>
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#else
struct open_how
{
  unsigned long long flags, mode, resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10
#endif
#include "utils.h"

static int
openat2_in_root (int rootfd, const char *path, int flags, mode_t mode)
{
  struct open_how how = { 0 };

  how.flags = flags | O_CLOEXEC;
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  for (;;)
    {
      int fd = syscall (SYS_openat2, rootfd, path, &how, sizeof (how));
      if (fd >= 0 || errno != EAGAIN)
        return fd;
    }
}

int
fs_open_in_root (int rootfd, const char *path, int flags, mode_t mode, ecirun_error_t *err)
{
  int fd = openat2_in_root (rootfd, path, flags, mode);
  if (fd < 0)
    return make_error (err, errno, "open `%s` inside the rootfs", path);
  return fd;
}

int
fs_create_in_root (int rootfd, const char *path, bool file, mode_t mode, ecirun_error_t *err)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_close int parent = -1;
  char *p, *slash, *last;
  int fd;

  /* Fast path: it exists already. */
  fd = openat2_in_root (rootfd, path, O_PATH, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return make_error (err, errno, "open `%s` inside the rootfs", path);

  /* Walk the prefixes, each resolved from the rootfs root, creating what is missing. */
  p = copy;
  while (*p == '/')
    p++;
  last = strrchr (p, '/');
  for (;;)
    {
      slash = strchr (p, '/');
      if (slash)
        *slash = '\0';
      fd = openat2_in_root (rootfd, copy, O_PATH | (slash || !file ? O_DIRECTORY : 0), 0);
      if (fd < 0 && errno == ENOENT)
        {
          const char *name = strrchr (copy, '/') ? strrchr (copy, '/') + 1 : copy;
          int pfd = parent >= 0 ? parent : rootfd;

          if (slash == NULL && file)
            {
              fd = openat (pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
              if (fd < 0 && errno != EEXIST)
                return make_error (err, errno, "create file `%s` inside the rootfs", copy);
              if (fd >= 0)
                close (fd);
            }
          else if (mkdirat (pfd, name, slash ? 0755 : mode) < 0 && errno != EEXIST)
            return make_error (err, errno, "mkdir `%s` inside the rootfs", copy);
          fd = openat2_in_root (rootfd, copy, O_PATH | (slash || !file ? O_DIRECTORY : 0), 0);
        }
      if (fd < 0)
        return make_error (err, errno, "open `%s` inside the rootfs", copy);
      if (slash == NULL)
        return fd;
      if (parent >= 0)
        close (parent);
      parent = fd;
      *slash = '/';
      p = slash + 1;
      while (*p == '/')
        p++;
      if (*p == '\0')
        return TAKE_FD (parent);
    }
  (void) last;
}

const char *
fs_fd_path (int fd, char *buf)
{
  snprintf (buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}
