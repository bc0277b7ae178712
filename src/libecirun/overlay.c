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
  strv_free (o->lower);
  free (o->upper);
  free (o->work);
  free (o->options);
  free (o);
}

static const char *const dir_keys[]
    = { "lowerdir", "lowerdir+", "datadir+", "upperdir", "workdir", NULL };

static bool
is_dir_key (const char *key, size_t len)
{
  for (size_t i = 0; dir_keys[i]; i++)
    if (strlen (dir_keys[i]) == len && strncmp (key, dir_keys[i], len) == 0)
      return true;
  return false;
}

static void
strv_push (char ***v, size_t *n, char *s)
{
  *v = xrealloc (*v, (*n + 2) * sizeof (**v));
  (*v)[(*n)++] = s;
  (*v)[*n] = NULL;
}

size_t
overlay_opts_from_mountinfo (const char *super_opts, struct overlay_opt **ret)
{
  cleanup_free char *copy = xstrdup (super_opts ? super_opts : "");
  struct overlay_opt *v = NULL;
  char *save = NULL;
  size_t n = 0;

  for (char *o = strtok_r (copy, ",", &save); o; o = strtok_r (NULL, ",", &save))
    {
      char *eq = strchr (o, '='), *dsave = NULL;
      struct overlay_opt *e;
      size_t nd = 0;

      v = xrealloc (v, (n + 1) * sizeof (*v));
      e = &v[n++];
      memset (e, 0, sizeof (*e));
      e->raw = xstrdup (o);
      e->key = eq ? strndup (o, eq - o) : xstrdup (o);
      if (eq == NULL || !is_dir_key (o, eq - o))
        continue;
      e->dirs = xmalloc0 (sizeof (char *));
      for (char *d = strtok_r (eq + 1, ":", &dsave); d; d = strtok_r (NULL, ":", &dsave))
        {
          char *one = xstrdup (d);
          mountinfo_unescape (one);
          strv_push (&e->dirs, &nd, one);
        }
    }
  *ret = v;
  return n;
}

char **
overlay_mountinfo_dirs (const char *super_opts)
{
  struct overlay_opt *opts = NULL;
  size_t n = overlay_opts_from_mountinfo (super_opts, &opts), nv = 0;
  char **v = xmalloc0 (sizeof (*v));

  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; opts[i].dirs && opts[i].dirs[k]; k++)
      strv_push (&v, &nv, xstrdup (opts[i].dirs[k]));
  overlay_opts_free (opts, n);
  return v;
}

/* Remove the kernel's '\\' escapes of an overlay directory in place. */
static void
unescape_dir (char *s)
{
  char *d = s;
  for (;; s++, d++)
    {
      if (*s == '\\')
        s++;
      *d = *s;
      if (*s == '\0')
        break;
    }
}

static void
split_dirs (struct overlay_opt *o, const char *value, bool many)
{
  size_t n = 0, nseps = 0;
  const char *p = value;

  o->dirs = xmalloc0 (sizeof (*o->dirs));
  o->seps = xmalloc0 (1);
  for (;;)
    {
      const char *start = p;
      char *one;
      while (*p && !(many && *p == ':'))
        p += (*p == '\\' && p[1]) ? 2 : 1;
      one = strndup (start, p - start);
      unescape_dir (one);
      strv_push (&o->dirs, &n, one);
      if (*p == '\0')
        break;
      /* ':' between layers, "::" before the data-only ones. */
      o->seps = xrealloc (o->seps, nseps + 2);
      o->seps[nseps++] = p[1] == ':' ? 'D' : ':';
      o->seps[nseps] = '\0';
      p += p[1] == ':' ? 2 : 1;
    }
}

size_t
overlay_opts_parse (const char *data, struct overlay_opt **ret)
{
  struct overlay_opt *v = NULL;
  size_t n = 0;
  const char *p = data ? data : "";

  while (*p)
    {
      const char *start = p, *eq;
      struct overlay_opt *o;
      while (*p && *p != ',')
        p += (*p == '\\' && p[1]) ? 2 : 1;
      v = xrealloc (v, (n + 1) * sizeof (*v));
      o = &v[n++];
      memset (o, 0, sizeof (*o));
      o->raw = strndup (start, p - start);
      eq = strchr (o->raw, '=');
      o->key = eq ? strndup (o->raw, eq - o->raw) : xstrdup (o->raw);
      if (eq && is_dir_key (o->raw, eq - o->raw))
        split_dirs (o, eq + 1, strcmp (o->key, "lowerdir") == 0);
      if (*p == ',')
        p++;
    }
  *ret = v;
  return n;
}

char *
overlay_opts_with_fds (const char *data, const int *fds, size_t n_fds)
{
  struct overlay_opt *o = NULL;
  size_t n = overlay_opts_parse (data, &o), used = 0, len = 0;
  char *ret = NULL;
  FILE *out = open_memstream (&ret, &len);

  for (size_t i = 0; i < n; i++)
    {
      if (i)
        fputc (',', out);
      if (o[i].dirs == NULL)
        {
          fputs (o[i].raw, out);
          continue;
        }
      fprintf (out, "%s=", o[i].key);
      for (size_t k = 0; o[i].dirs[k]; k++)
        {
          if (used == n_fds)
            goto mismatch;
          if (k)
            fputs (o[i].seps[k - 1] == 'D' ? "::" : ":", out);
          fprintf (out, "/proc/self/fd/%d", fds[used++]);
        }
    }
  if (used != n_fds)
    goto mismatch;
  fclose (out);
  overlay_opts_free (o, n);
  return ret;
mismatch:
  fclose (out);
  free (ret);
  overlay_opts_free (o, n);
  return NULL;
}

void
overlay_opts_free (struct overlay_opt *o, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (o[i].raw);
      free (o[i].key);
      strv_free (o[i].dirs);
      free (o[i].seps);
    }
  free (o);
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

/* The layers of the overlay mounted at rootfs, from its super options: absolute, or relative
   to *ret_base when dockerd mounted them relative to its overlay2 directory. */
static int
read_layers (const char *rootfs, const char *super, char ***lower, char **upper, char **work,
             char **ret_base, ecirun_error_t *err)
{
  struct overlay_opt *opts = NULL;
  size_t n = overlay_opts_from_mountinfo (super, &opts);
  bool relative = false;

  *lower = NULL;
  *upper = *work = *ret_base = NULL;
  for (size_t i = 0; i < n; i++)
    {
      char *const *d = opts[i].dirs;
      if (d == NULL)
        continue;
      if (strcmp (opts[i].key, "lowerdir") == 0 || strcmp (opts[i].key, "lowerdir+") == 0)
        {
          size_t have = strv_len (*lower), add = strv_len (d);
          *lower = xrealloc (*lower, (have + add + 1) * sizeof (char *));
          for (size_t k = 0; k < add; k++)
            (*lower)[have + k] = xstrdup (d[k]);
          (*lower)[have + add] = NULL;
        }
      else if (strcmp (opts[i].key, "upperdir") == 0 && d[0])
        *upper = xstrdup (d[0]);
      else if (strcmp (opts[i].key, "workdir") == 0 && d[0])
        *work = xstrdup (d[0]);
      for (size_t k = 0; d[k]; k++)
        relative |= d[k][0] != '/';
    }
  overlay_opts_free (opts, n);
  if (*lower == NULL || (*upper == NULL) != (*work == NULL))
    return make_error (err, 0, "overlay rootfs `%s`: cannot read its layers from its mount options",
                       rootfs);
  if (relative)
    {
      /* dockerd: <overlay2>/<id>/merged, mounted from <overlay2> with upperdir=<id>/diff. */
      cleanup_free char *parent = xstrdup (rootfs);
      char *slash = strrchr (parent, '/'), *id;
      cleanup_free char *want = NULL;
      if (slash && strcmp (slash, "/merged") == 0)
        {
          *slash = '\0';
          slash = strrchr (parent, '/');
        }
      else
        slash = NULL;
      id = slash ? slash + 1 : NULL;
      want = id ? xasprintf ("%s/diff", id) : NULL;
      if (slash == NULL || slash == parent || *upper == NULL || strcmp (*upper, want) != 0)
        return make_error (err, 0,
                           "overlay rootfs `%s`: its layers are relative paths, and not those of "
                           "dockerd's overlay2 layout (<dir>/<id>/merged over <id>/diff): cannot "
                           "tell where they are",
                           rootfs);
      *slash = '\0';
      *ret_base = TAKE_PTR (parent);
    }
  return 0;
}

/* Was the overlay of these super options mounted "volatile" (shown as "fsync=volatile" by newer
   kernels)? */
static bool
is_volatile (const char *super)
{
  struct overlay_opt *opts = NULL;
  size_t n = overlay_opts_from_mountinfo (super, &opts);
  bool found = false;

  for (size_t i = 0; i < n && !found; i++)
    found = strcmp (opts[i].raw, "volatile") == 0 || strcmp (opts[i].raw, "fsync=volatile") == 0;
  overlay_opts_free (opts, n);
  return found;
}

/* dir, escaped for a mount(2) option string of overlayfs. */
static void
put_escaped (FILE *out, const char *dir)
{
  for (const char *p = dir; *p; p++)
    {
      if (*p == ',' || *p == ':' || *p == '\\')
        fputc ('\\', out);
      fputc (*p, out);
    }
}

int
overlay_detect (const char *rootfs, struct overlay_rootfs **ret, ecirun_error_t *err)
{
  struct mountinfo_entry *mi = NULL;
  size_t n_mi = 0, n = 0, blen;
  cleanup_free char *super = NULL;
  cleanup_free char *rel_base = NULL;
  char **lower = NULL, *upper = NULL, *work = NULL;
  struct statfs sf;
  FILE *out;
  struct overlay_rootfs *o;
  bool volatile_work = false;

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
  if (read_layers (rootfs, super, &lower, &upper, &work, &rel_base, err) < 0)
    {
      strv_free (lower);
      free (upper);
      free (work);
      return -1;
    }

  o = xmalloc0 (sizeof (*o));
  if (rel_base)
    {
      /* Relative to dockerd's overlay2 directory already. */
      o->base = TAKE_PTR (rel_base);
      o->lower = lower;
      o->upper = upper;
      o->work = work;
    }
  else
    {
      /* The base: the deepest directory that holds every layer. */
      o->base = xstrdup (lower[0]);
      blen = strlen (o->base);
      for (size_t i = 0; lower[i]; i++)
        blen = common_dir (o->base, blen, lower[i]);
      if (upper)
        blen = common_dir (o->base, common_dir (o->base, blen, upper), work);
      o->base[blen] = '\0';
      if (blen == 0)
        {
          strv_free (lower);
          free (upper);
          free (work);
          overlay_free (o);
          return make_error (err, 0, "overlay rootfs `%s`: its layers share no directory", rootfs);
        }
      o->lower = xmalloc0 ((strv_len (lower) + 1) * sizeof (char *));
      for (size_t i = 0; lower[i]; i++)
        o->lower[i] = xstrdup (lower[i] + blen + (lower[i][blen] == '/'));
      o->upper = upper ? xstrdup (upper + blen + 1) : NULL;
      o->work = work ? xstrdup (work + blen + 1) : NULL;
      strv_free (lower);
      free (upper);
      free (work);
    }

  /* A "volatile" overlay (podman's --rm containers) marks its work dir (work/incompat/volatile),
     and the kernel refuses every later mount on a marked work dir while the mark stays: the
     container's overlay gets a work dir of its own next to it, made afresh, volatile too. */
  if (o->upper && is_volatile (super))
    {
      char *w = xasprintf ("%s-ecirun", o->work);
      cleanup_close int basefd = open (o->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

      free (o->work);
      o->work = w;
      if (basefd < 0 || remove_tree_at (basefd, w, err) < 0 || mkdirat (basefd, w, 0700) < 0)
        {
          int e = errno;
          if (*err == NULL)
            make_error (err, e, "overlay rootfs `%s`: make the work dir `%s/%s`", rootfs, o->base,
                        w);
          overlay_free (o);
          return -1;
        }
      volatile_work = true;
    }
  out = open_memstream (&o->options, &n);
  fputs ("lowerdir=", out);
  for (size_t i = 0; o->lower[i]; i++)
    {
      if (i)
        fputc (':', out);
      put_escaped (out, o->lower[i]);
    }
  if (o->upper)
    {
      fputs (",upperdir=", out);
      put_escaped (out, o->upper);
      fputs (",workdir=", out);
      put_escaped (out, o->work);
      if (volatile_work)
        fputs (",volatile", out);
    }
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
  cleanup_close int basefd = open (o->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (basefd < 0)
    return make_error (err, errno, "open overlay layers `%s`", o->base);
  for (size_t i = 0; o->lower[i]; i++)
    {
      const char *l = o->lower[i];
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
  upper = o->upper ? xstrdup (o->upper) : NULL;
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
