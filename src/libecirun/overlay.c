#include <config.h>
#include "overlay.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "mountinfo.h"
#include "utils.h"

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif
#define SCANNED_XATTR  "user.ecirun.overlay-marked"
#define TRUSTED_OPAQUE "trusted.overlay.opaque"
#define USER_OPAQUE    "user.overlay.opaque"

void
overlay_free (struct overlay_rootfs *o)
{
  if (o == NULL)
    return;
  free (o->base);
  free (o->options);
  free (o);
}

/* The value of `key=` in a comma-separated option list (commas in paths come escaped). */
static char *
option_value (const char *opts, const char *key)
{
  size_t klen = strlen (key);
  const char *p = opts;

  while (p && *p)
    {
      const char *end = p;
      while (*end && *end != ',')
        end += (*end == '\\' && end[1]) ? 2 : 1;
      if (strncmp (p, key, klen) == 0 && p[klen] == '=')
        return strndup (p + klen + 1, end - p - klen - 1);
      p = *end ? end + 1 : NULL;
    }
  return NULL;
}

/* Length of the directory prefix that `path` shares with base[0..len) (cut at a '/'). */
static size_t
common_dir (const char *base, size_t len, const char *path)
{
  size_t i = 0, last = 0;

  while (i < len && base[i] == path[i])
    {
      if (base[i] == '/')
        last = i;
      i++;
    }
  if (i == len && (path[i] == '/' || path[i] == '\0'))
    return len;
  return last;
}

int
overlay_detect (const char *rootfs, struct overlay_rootfs **ret, ecirun_error_t *err)
{
  struct mountinfo_entry *mi = NULL;
  size_t n_mi = 0;
  cleanup_free char *super = NULL;
  cleanup_free char *lower = NULL, *upper = NULL, *work = NULL;
  struct statfs sf;
  size_t n = 0, blen;
  char *save = NULL;
  FILE *out;
  struct overlay_rootfs *o;

  *ret = NULL;
  if (statfs (rootfs, &sf) < 0)
    return make_error (err, errno, "statfs rootfs `%s`", rootfs);
  if ((unsigned long)sf.f_type != OVERLAYFS_SUPER_MAGIC)
    return 0;
  if (mountinfo_read ("/proc/self/mountinfo", &mi, &n_mi, err) < 0)
    return -1;
  /* The last overlay mounted there is the one seen. */
  for (size_t i = 0; i < n_mi; i++)
    if (strcmp (mi[i].fstype, "overlay") == 0 && strcmp (mi[i].mount_point, rootfs) == 0)
      {
        free (super);
        super = xstrdup (mi[i].super_opts);
      }
  mountinfo_free (mi, n_mi);
  if (super == NULL)
    return make_error (err, 0,
                       "rootfs `%s` is inside an overlay mount but not its root: "
                       "cannot ID-map it",
                       rootfs);
  lower = option_value (super, "lowerdir");
  upper = option_value (super, "upperdir");
  work = option_value (super, "workdir");
  if (lower == NULL || lower[0] != '/' || (upper && upper[0] != '/'))
    return make_error (err, 0,
                       "overlay rootfs `%s`: cannot read absolute layer paths from its "
                       "mount options",
                       rootfs);

  /* The base: the deepest directory that holds every layer. */
  o = xmalloc0 (sizeof (*o));
  o->base = xstrdup (lower);
  o->base[strcspn (o->base, ":")] = '\0';
  blen = strlen (o->base);
  {
    cleanup_free char *copy = xstrdup (lower);
    for (char *l = strtok_r (copy, ":", &save); l; l = strtok_r (NULL, ":", &save))
      blen = common_dir (o->base, blen, l);
  }
  if (upper)
    blen = common_dir (o->base, blen, upper);
  if (work)
    blen = common_dir (o->base, blen, work);
  o->base[blen] = '\0';
  if (blen == 0)
    {
      overlay_free (o);
      return make_error (err, 0, "overlay rootfs `%s`: its layers share no directory", rootfs);
    }

  out = open_memstream (&o->options, &n);
  fputs ("lowerdir=", out);
  {
    cleanup_free char *copy = xstrdup (lower);
    bool first = true;
    save = NULL;
    for (char *l = strtok_r (copy, ":", &save); l; l = strtok_r (NULL, ":", &save))
      {
        fprintf (out, "%s%s", first ? "" : ":", l + blen + (l[blen] == '/'));
        first = false;
      }
  }
  if (upper && work)
    fprintf (out, ",upperdir=%s,workdir=%s", upper + blen + 1, work + blen + 1);
  fclose (out);
  *ret = o;
  return 0;
}

/* Give every directory of the tree at parent/path that has the xattr `from` = "y" the xattr `to`
   = "y" too (no symlink followed, no other file system entered). */
static int
mark_tree (int parent, const char *path, int depth, const char *from, const char *to,
           ecirun_error_t *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  char value[8];
  int fd;

  if (depth > 256)
    return 0;
  fd = openat (parent, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return 0;
  d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return 0;
    }
  {
    char self[32];
    snprintf (self, sizeof (self), "/proc/self/fd/%d", fd);
    if (getxattr (self, from, value, sizeof (value)) == 1 && value[0] == 'y'
        && !(getxattr (self, to, value, sizeof (value)) == 1 && value[0] == 'y')
        && setxattr (self, to, "y", 1, 0) < 0)
      return make_error (err, errno, "mark opaque directory `%s`", path);
  }
  while ((de = readdir (d)))
    {
      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (mark_tree (dirfd (d), de->d_name, depth + 1, from, to, err) < 0)
        return -1;
    }
  return 0;
}

int
overlay_mark_user_xattrs (const struct overlay_rootfs *o, ecirun_error_t *err)
{
  cleanup_free char *lower = option_value (o->options, "lowerdir");
  cleanup_close int basefd = open (o->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char *save = NULL;

  if (basefd < 0)
    return make_error (err, errno, "open overlay layers `%s`", o->base);
  for (char *l = strtok_r (lower, ":", &save); l; l = strtok_r (NULL, ":", &save))
    {
      /* Follow the layer link (overlay2's l/XXX) to the layer itself. */
      cleanup_close int layer = openat (basefd, l, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      char self[32], value[4];

      if (layer < 0)
        return make_error (err, errno, "open overlay layer `%s/%s`", o->base, l);
      snprintf (self, sizeof (self), "/proc/self/fd/%d", layer);
      if (getxattr (self, SCANNED_XATTR, value, sizeof (value)) > 0)
        continue;
      if (mark_tree (layer, ".", 0, TRUSTED_OPAQUE, USER_OPAQUE, err) < 0)
        return error_wrap (err, "overlay layer `%s/%s`", o->base, l);
      if (setxattr (self, SCANNED_XATTR, "1", 1, 0) < 0 && errno != ENOTSUP)
        return make_error (err, errno, "remember overlay layer `%s/%s`", o->base, l);
    }
  return 0;
}

int
overlay_export_upper_xattrs (const char *rootfs, ecirun_error_t *err)
{
  struct overlay_rootfs *o = NULL;
  cleanup_free char *upper = NULL;
  cleanup_close int basefd = -1;
  int r;

  if (overlay_detect (rootfs, &o, err) < 0)
    return -1;
  if (o == NULL)
    return 0;
  upper = option_value (o->options, "upperdir");
  if (upper == NULL)
    {
      overlay_free (o);
      return 0;
    }
  basefd = open (o->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (basefd < 0)
    r = make_error (err, errno, "open overlay layers `%s`", o->base);
  else
    r = mark_tree (basefd, upper, 0, USER_OPAQUE, TRUSTED_OPAQUE, err);
  if (r < 0)
    error_wrap (err, "overlay upper dir `%s/%s`", o->base, upper);
  overlay_free (o);
  return r;
}
