#include <config.h>
#include "fs.h"

#include <errno.h>
#include <limits.h>
#include <dirent.h>
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
#define RESOLVE_IN_ROOT       0x10
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

/* Create what is missing of path below rootfd. A dangling symlink on the way is followed the
   way RESOLVE_IN_ROOT would follow it (its target taken inside the rootfs), and the target is
   created there: never outside. */
static int
create_in_root (int rootfd, const char *path, bool file, mode_t mode, int depth,
                ecirun_error_t *err)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_close int parent = -1;
  char *p, *slash;
  int fd;

  if (depth > 40)
    return make_error (err, ELOOP, "create `%s` inside the rootfs", path);
  fd = openat2_in_root (rootfd, path, O_PATH, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return make_error (err, errno, "open `%s` inside the rootfs", path);

  /* Walk the prefixes, each resolved from the rootfs root, creating what is missing. */
  p = copy;
  while (*p == '/')
    p++;
  for (;;)
    {
      int want_dir;

      slash = strchr (p, '/');
      if (slash)
        *slash = '\0';
      want_dir = (slash || !file) ? O_DIRECTORY : 0;
      fd = openat2_in_root (rootfd, copy, O_PATH | want_dir, 0);
      if (fd < 0 && errno == ENOENT)
        {
          int pfd = parent >= 0 ? parent : rootfd;
          char target[4096];
          ssize_t n = readlinkat (pfd, p, target, sizeof (target) - 1);

          if (n > 0)
            {
              cleanup_free char *next = NULL;
              const char *rest = slash ? slash + 1 : "";

              target[n] = '\0';
              if (target[0] == '/')
                next = xasprintf ("%s/%s", target, rest);
              else
                {
                  *p = '\0';
                  next = xasprintf ("%s%s/%s", copy, target, rest);
                }
              return create_in_root (rootfd, next, file, mode, depth + 1, err);
            }
          if (slash == NULL && file)
            {
              fd = openat (pfd, p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
              if (fd < 0 && errno != EEXIST)
                return make_error (err, errno, "create file `%s` inside the rootfs", copy);
              if (fd >= 0)
                close (fd);
            }
          else if (mkdirat (pfd, p, slash ? 0755 : mode) < 0 && errno != EEXIST)
            return make_error (err, errno, "mkdir `%s` inside the rootfs", copy);
          fd = openat2_in_root (rootfd, copy, O_PATH | want_dir, 0);
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
}

int
fs_create_in_root (int rootfd, const char *path, bool file, mode_t mode, ecirun_error_t *err)
{
  return create_in_root (rootfd, path, file, mode, 0, err);
}

const char *
fs_fd_path (int fd, char *buf)
{
  snprintf (buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}

/* One entry of fs_copy_tree: name in src -> dst, with its owner, mode and times. */
static int copy_entry (int src, int dst, const char *name, int depth, ecirun_error_t *err);

static int
copy_dir_contents (int src, int dst, int depth, ecirun_error_t *err)
{
  int dup = fcntl (src, F_DUPFD_CLOEXEC, 3);
  cleanup_dir DIR *d = dup < 0 ? NULL : fdopendir (dup);
  struct dirent *de;

  if (d == NULL)
    {
      if (dup >= 0)
        close (dup);
      return make_error (err, errno, "read a directory");
    }
  if (depth > 128)
    return make_error (err, ELOOP, "directories nested too deeply");
  while ((de = readdir (d)))
    if (strcmp (de->d_name, ".") && strcmp (de->d_name, "..")
        && copy_entry (src, dst, de->d_name, depth, err) < 0)
      return -1;
  return 0;
}

static int
copy_entry (int src, int dst, const char *name, int depth, ecirun_error_t *err)
{
  struct stat st;
  struct timespec times[2];

  if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return make_error (err, errno, "stat `%s`", name);
  if (S_ISDIR (st.st_mode))
    {
      cleanup_close int s = -1, d = -1;
      if (mkdirat (dst, name, 0700) < 0 && errno != EEXIST)
        return make_error (err, errno, "mkdir `%s`", name);
      s = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      d = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || d < 0)
        return make_error (err, errno, "open directory `%s`", name);
      if (copy_dir_contents (s, d, depth + 1, err) < 0)
        return error_wrap (err, "`%s`", name);
    }
  else if (S_ISREG (st.st_mode))
    {
      cleanup_close int s = openat (src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      cleanup_close int d
          = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      char buf[65536];
      ssize_t n;
      if (s < 0 || d < 0)
        return make_error (err, errno, "copy `%s`", name);
      while ((n = read (s, buf, sizeof (buf))) > 0)
        if (write_all (d, buf, (size_t)n) < 0)
          return make_error (err, errno, "write `%s`", name);
      if (n < 0)
        return make_error (err, errno, "read `%s`", name);
    }
  else if (S_ISLNK (st.st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlinkat (src, name, target, sizeof (target) - 1);
      if (n < 0)
        return make_error (err, errno, "readlink `%s`", name);
      target[n] = '\0';
      if (symlinkat (target, dst, name) < 0)
        return make_error (err, errno, "symlink `%s`", name);
    }
  else if (S_ISFIFO (st.st_mode))
    {
      if (mkfifoat (dst, name, 0600) < 0)
        return make_error (err, errno, "mkfifo `%s`", name);
    }
  else
    return 0; /* device nodes and sockets stay behind: a tmpfs of the container gets neither */
  if (fchownat (dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return make_error (err, errno, "chown `%s`", name);
  if (!S_ISLNK (st.st_mode) && fchmodat (dst, name, st.st_mode & 07777, 0) < 0)
    return make_error (err, errno, "chmod `%s`", name);
  times[0] = st.st_atim;
  times[1] = st.st_mtim;
  (void)utimensat (dst, name, times, AT_SYMLINK_NOFOLLOW);
  return 0;
}

int
fs_copy_tree (int src, int dst, ecirun_error_t *err)
{
  return copy_dir_contents (src, dst, 0, err);
}
