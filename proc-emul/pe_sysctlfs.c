/* proc/sys of the FUSE server: the host's /proc/sys tree, each path served by its class
   (pe_sysctl.h). The serving thread is in the container's network, IPC and UTS namespaces
   (procemul_server_run), so the kernel shows it their sysctls; user.* and kernel.ns_last_pid
   go through a short-lived helper that enters the container's user (and pid) namespace. Paths
   are opened below the host's /proc/sys with openat2, never crossing into another mount
   (binfmt_misc) nor following a link. */
#include <config.h>
#include "pe_server.h"
#include "utils.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/openat2.h>

#define VALUE_MAX 65536 /* a sysctl's text is at most a page or so; bounded for the helper */

static int
open_below (int dirfd, const char *path, int flags)
{
  struct open_how how = {
    /* openat2 refuses O_PATH with anything but O_DIRECTORY, O_NOFOLLOW and O_CLOEXEC. */
    .flags = (uint64_t)(flags | O_CLOEXEC | (flags & O_PATH ? 0 : O_NOCTTY)),
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd;

  do
    fd = (int)syscall (SYS_openat2, dirfd, *path ? path : ".", &how, sizeof (how));
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

/* ---- interned paths ---- */

static size_t
hash_str (const char *s)
{
  size_t h = 5381;
  for (; *s; s++)
    h = h * 33 + (unsigned char)*s;
  return h;
}

static void
hash_insert (struct procemul_server *s, size_t idx)
{
  size_t i = hash_str (s->snodes[idx].path) & (s->hash_cap - 1);
  while (s->hash[i])
    i = (i + 1) & (s->hash_cap - 1);
  s->hash[i] = idx + 1;
}

/* The index of path, interned if new; (size_t) -1 when the table is full. */
static size_t
intern (struct procemul_server *s, const char *path)
{
  size_t i = hash_str (path) & (s->hash_cap - 1);

  for (; s->hash[i]; i = (i + 1) & (s->hash_cap - 1))
    if (strcmp (s->snodes[s->hash[i] - 1].path, path) == 0)
      return s->hash[i] - 1;
  if (s->nsnodes >= PE_SYSCTL_NODES_MAX)
    return (size_t)-1;
  if (s->nsnodes == s->snodes_cap)
    {
      s->snodes_cap = s->snodes_cap ? s->snodes_cap * 2 : 256;
      s->snodes = xrealloc (s->snodes, s->snodes_cap * sizeof (*s->snodes));
    }
  s->snodes[s->nsnodes].path = xstrdup (path);
  s->snodes[s->nsnodes].cls = pe_sysctl_classify (path, &s->snodes[s->nsnodes].entry);
  s->nsnodes++;
  /* Keep the table at most half full. */
  if (s->nsnodes * 2 > s->hash_cap)
    {
      free (s->hash);
      s->hash_cap *= 2;
      s->hash = xmalloc0 (s->hash_cap * sizeof (size_t));
      for (size_t j = 0; j < s->nsnodes; j++)
        hash_insert (s, j);
    }
  else
    hash_insert (s, s->nsnodes - 1);
  return s->nsnodes - 1;
}

int
pe_sysctlfs_init (struct procemul_server *s, const char *host_sysctl, ecirun_error_t *err)
{
  const char *path = host_sysctl ? host_sysctl : "/proc/sys";

  s->sysfd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (s->sysfd < 0)
    return make_error (err, errno, "proc-emul: open `%s`", path);
  s->hash_cap = 1024;
  s->hash = xmalloc0 (s->hash_cap * sizeof (size_t));
  intern (s, "");
  return 0;
}

void
pe_sysctlfs_free (struct procemul_server *s)
{
  for (size_t i = 0; i < s->nsnodes; i++)
    free (s->snodes[i].path);
  free (s->snodes);
  free (s->hash);
  if (s->sysfd >= 0)
    close (s->sysfd);
  s->snodes = NULL;
  s->hash = NULL;
  s->nsnodes = s->snodes_cap = s->hash_cap = 0;
  s->sysfd = -1;
}

static struct pe_snode *
snode (struct procemul_server *s, size_t idx)
{
  return s->sysfd >= 0 && idx < s->nsnodes ? &s->snodes[idx] : NULL;
}

/* ---- the helper for the user and pid namespaces ---- */

static void
child_report (int wfd, int e, const char *data, size_t len)
{
  ssize_t n = write (wfd, &e, sizeof (e));
  while (n >= 0 && len > 0 && (n = write (wfd, data, len)) > 0)
    {
      data += n;
      len -= (size_t)n;
    }
  _exit (0);
}

/* In a forked child (async-signal-safe calls only: the server may have threads): enter the
   container's user namespace (and pid namespace, then fork once more so that it is the
   active one), open the sysctl there, read it or write wbuf, report errno and the text. The
   child inherits the serving thread's network, IPC and UTS namespaces: the container's. */
static void
helper_child (struct procemul_server *s, int wfd, const struct pe_snode *n, const char *wbuf,
              size_t wlen, off_t off)
{
  static char buf[VALUE_MAX];
  int flags = wbuf ? O_WRONLY : O_RDONLY, fd;
  ssize_t r;

  if (s->nsfd_user >= 0 && setns (s->nsfd_user, CLONE_NEWUSER) < 0)
    child_report (wfd, errno, NULL, 0);
  if (n->cls == PE_SYSCTL_NS_PID && s->nsfd_pid >= 0)
    {
      pid_t pid;
      int st;
      if (setns (s->nsfd_pid, CLONE_NEWPID) < 0)
        child_report (wfd, errno, NULL, 0);
      pid = fork ();
      if (pid < 0)
        child_report (wfd, errno, NULL, 0);
      if (pid > 0)
        {
          while (waitpid (pid, &st, 0) < 0 && errno == EINTR)
            ;
          _exit (0);
        }
    }
  fd = open_below (s->sysfd, n->path, flags);
  if (fd < 0)
    child_report (wfd, errno, NULL, 0);
  if (wbuf)
    {
      r = pwrite (fd, wbuf, wlen, off);
      child_report (wfd, r < 0 ? errno : 0, NULL, 0);
    }
  r = read (fd, buf, sizeof (buf));
  child_report (wfd, r < 0 ? errno : 0, buf, r < 0 ? 0 : (size_t)r);
}

/* Read (wbuf NULL: the text into *ret, malloc'd) or write through the helper. 0 or -errno. */
static int
helper_io (struct procemul_server *s, const struct pe_snode *n, const char *wbuf, size_t wlen,
           off_t off, char **ret, size_t *ret_len)
{
  int p[2], e = EIO, st;
  pid_t pid;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  ssize_t r;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return -errno;
  pid = fork ();
  if (pid < 0)
    {
      e = errno;
      close (p[0]);
      close (p[1]);
      return -e;
    }
  if (pid == 0)
    {
      close (p[0]);
      helper_child (s, p[1], n, wbuf, wlen, off);
    }
  close (p[1]);
  r = read (p[0], &e, sizeof (e));
  if (r != sizeof (e))
    e = EIO;
  while (e == 0 && ret)
    {
      if (len == cap)
        buf = xrealloc (buf, (cap = cap ? cap * 2 : 4096) + 1);
      r = read (p[0], buf + len, cap - len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      len += (size_t)r;
    }
  close (p[0]);
  while (waitpid (pid, &st, 0) < 0 && errno == EINTR)
    ;
  if (e)
    {
      free (buf);
      return -e;
    }
  if (ret)
    {
      *ret = buf ? buf : xmalloc0 (1);
      *ret_len = len;
    }
  return 0;
}

/* ---- attributes ---- */

/* The mode the container sees: the kernel's, but read-only unless the container may write. */
static mode_t
shown_mode (const struct pe_snode *n, mode_t real)
{
  if (S_ISDIR (real))
    return S_IFDIR | 0555;
  switch (n->cls)
    {
    case PE_SYSCTL_VIRTUAL:
      return S_IFREG | n->entry->mode;
    case PE_SYSCTL_NS:
    case PE_SYSCTL_NS_USER:
    case PE_SYSCTL_NS_PID:
      return S_IFREG | (real & 07777);
    case PE_SYSCTL_HOST_RO:
    case PE_SYSCTL_HIDDEN:
      break;
    }
  return S_IFREG | (real & 0444);
}

static int
stat_node (struct procemul_server *s, struct pe_snode *n, struct stat *ret)
{
  int fd;

  if (n->cls == PE_SYSCTL_HIDDEN)
    return -ENOENT;
  fd = open_below (s->sysfd, n->path, O_PATH);
  if (fd < 0)
    return errno == EXDEV || errno == ELOOP ? -ENOENT : -errno;
  if (fstat (fd, ret) < 0)
    {
      int e = errno;
      close (fd);
      return -e;
    }
  close (fd);
  return 0;
}

int
pe_sysctlfs_getattr (struct procemul_server *s, size_t idx, struct stat *st)
{
  struct pe_snode *n = snode (s, idx);
  struct stat real;
  int r;

  if (n == NULL)
    return -ENOENT;
  r = stat_node (s, n, &real);
  if (r < 0)
    return r;
  pe_fill_attr (s, st, PE_INO_SYSCTL + idx, shown_mode (n, real.st_mode), 0);
  return 0;
}

int
pe_sysctlfs_lookup (struct procemul_server *s, size_t parent, const char *name,
                    struct fuse_entry_param *e)
{
  struct pe_snode *p = snode (s, parent);
  cleanup_free char *path = NULL;
  size_t idx;
  int r;

  if (p == NULL)
    return -ENOENT;
  if (strchr (name, '/') || strcmp (name, ".") == 0 || strcmp (name, "..") == 0 || !*name)
    return -ENOENT;
  path = *p->path ? xasprintf ("%s/%s", p->path, name) : xstrdup (name);
  idx = intern (s, path);
  if (idx == (size_t)-1)
    return -ENOMEM;
  r = pe_sysctlfs_getattr (s, idx, &e->attr);
  if (r < 0)
    return r;
  e->ino = PE_INO_SYSCTL + idx;
  e->attr_timeout = e->entry_timeout = PE_SYSCTL_TIMEOUT;
  return 0;
}

int
pe_sysctlfs_opendir (struct procemul_server *s, size_t idx, struct pe_handle *h)
{
  struct pe_snode *n = snode (s, idx);
  struct dirent *de;
  DIR *d;
  int fd;

  if (n == NULL || n->cls == PE_SYSCTL_HIDDEN)
    return -ENOENT;
  fd = open_below (s->sysfd, n->path, O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return errno == EXDEV ? -ENOENT : -errno;
  d = fdopendir (fd);
  if (d == NULL)
    {
      int e = errno;
      close (fd);
      return -e;
    }
  while ((de = readdir (d)))
    {
      cleanup_free char *path = NULL;
      const struct pe_sysctl *entry;
      bool dot = strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0;
      size_t child;

      path = *n->path ? xasprintf ("%s/%s", n->path, de->d_name) : xstrdup (de->d_name);
      if (!dot && pe_sysctl_classify (path, &entry) == PE_SYSCTL_HIDDEN)
        continue;
      child = dot ? idx : intern (s, path);
      if (child == (size_t)-1)
        break;
      h->ents = xrealloc (h->ents, (h->nents + 1) * sizeof (*h->ents));
      h->ents[h->nents].name = xstrdup (de->d_name);
      /* ".." of proc/sys is proc (ino 2). */
      h->ents[h->nents].ino
          = strcmp (de->d_name, "..") == 0 && idx == 0 ? 2 : PE_INO_SYSCTL + child;
      h->ents[h->nents].type = de->d_type == DT_DIR ? S_IFDIR : S_IFREG;
      h->nents++;
    }
  closedir (d);
  return 0;
}

/* ---- files ---- */

static int
read_all_fd (int fd, char **ret, size_t *ret_len)
{
  size_t cap = 4096, len = 0;
  char *buf = xmalloc0 (cap + 1);

  for (;;)
    {
      ssize_t r = read (fd, buf + len, cap - len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int e = errno;
          free (buf);
          return -e;
        }
      if (r == 0)
        break;
      len += (size_t)r;
      if (len == cap && cap < VALUE_MAX)
        buf = xrealloc (buf, (cap *= 2) + 1);
      else if (len == cap)
        break;
    }
  *ret = buf;
  *ret_len = len;
  return 0;
}

/* The host's current text of a sysctl. */
static int
read_host (struct procemul_server *s, const struct pe_snode *n, char **ret, size_t *ret_len)
{
  int fd = open_below (s->sysfd, n->path, O_RDONLY), r;

  if (fd < 0)
    return -errno;
  r = read_all_fd (fd, ret, ret_len);
  close (fd);
  return r;
}

/* Sysctls whose text holds user or group IDs, shown in the reader's user namespace: read as
   the container's root. */
static bool
ids_inside (const char *path)
{
  return strcmp (path, "net/ipv4/ping_group_range") == 0;
}

int
pe_sysctlfs_open (struct procemul_server *s, size_t idx, int flags, struct pe_handle *h)
{
  struct pe_snode *n = snode (s, idx);
  int acc = flags & O_ACCMODE, fd;
  bool rd = acc != O_WRONLY, wr = acc != O_RDONLY;
  struct stat real;
  mode_t mode;
  const char *mine;
  int r;

  if (n == NULL)
    return -ENOENT;
  r = stat_node (s, n, &real);
  if (r < 0)
    return r;
  if (S_ISDIR (real.st_mode))
    return -EISDIR;
  mode = shown_mode (n, real.st_mode);
  /* As procfs does for sysctls, for root too: no write without a w bit, no read without r. */
  if ((wr && !(mode & 0222)) || (rd && !(mode & 0444)))
    return -EACCES;
  h->snode = idx;

  switch (n->cls)
    {
    case PE_SYSCTL_NS:
      /* The container's own sysctl, as the kernel serves it: read here (this thread is in its
         namespaces), written by the helper as the container's root, so that the kernel's
         capability checks and ID translations are those of its user namespace, not the
         server's. */
      if (wr || ids_inside (n->path))
        {
          h->kind = PE_H_HELPER;
          if (!rd)
            return 0;
          return ids_inside (n->path) ? helper_io (s, n, NULL, 0, 0, &h->data, &h->len)
                                      : read_host (s, n, &h->data, &h->len);
        }
      fd = open_below (s->sysfd, n->path, O_RDONLY);
      if (fd < 0)
        return -errno;
      h->kind = PE_H_FD;
      h->fd = fd;
      return 0;

    case PE_SYSCTL_NS_USER:
    case PE_SYSCTL_NS_PID:
      h->kind = PE_H_HELPER;
      return rd ? helper_io (s, n, NULL, 0, 0, &h->data, &h->len) : 0;

    case PE_SYSCTL_VIRTUAL:
      h->kind = PE_H_VIRT;
      if (!rd)
        return 0;
      mine = pe_sysctl_store_get (&s->store, n->entry);
      if (mine)
        {
          h->data = xstrdup (mine);
          h->len = strlen (mine);
          return 0;
        }
      return read_host (s, n, &h->data, &h->len);

    case PE_SYSCTL_HOST_RO:
    case PE_SYSCTL_HIDDEN:
      break;
    }
  h->kind = PE_H_BUF;
  return read_host (s, n, &h->data, &h->len);
}

ssize_t
pe_sysctlfs_write (struct procemul_server *s, struct pe_handle *h, const char *buf, size_t size,
                   off_t off)
{
  struct pe_snode *n = snode (s, h->snode);
  char value[PE_SYSCTL_VALUE_MAX];
  cleanup_free char *cur = NULL;
  size_t cur_len;
  ssize_t r;

  if (n == NULL)
    return -EIO;
  switch (h->kind)
    {
    case PE_H_HELPER:
      r = helper_io (s, n, buf, size, off, NULL, NULL);
      return r < 0 ? r : (ssize_t)size;

    case PE_H_VIRT:
      /* The kernel ignores a write to a number past offset 0 (sysctl_writes_strict). */
      if (off > 0)
        return (ssize_t)size;
      {
        const char *mine = pe_sysctl_store_get (&s->store, n->entry);
        if (mine)
          cur = xstrdup (mine);
        else if (read_host (s, n, &cur, &cur_len) < 0)
          cur = NULL;
      }
      if (pe_sysctl_parse (n->entry, buf, size, cur, value) < 0)
        return -EINVAL;
      if (!n->entry->no_store)
        pe_sysctl_store_set (&s->store, n->entry, value);
      return (ssize_t)size;

    case PE_H_FD:
    case PE_H_BUF:
    case PE_H_DIR:
      break;
    }
  return -EACCES;
}
