/* ID-block records under <stateDir>/idblocks/ (see idblock.h for the protocol).

   Files there:
     <index>            a record: {"root", "id", "stateDirDev", "stateDirIno", "created",
                        "joiners": [{"root", "id", "stateDirDev", "stateDirIno"}...]}: the
                        container the block went to and those that joined its user namespace
                        (idblock_join), its holders. The block stays held while any holder
                        lives; when the first one releases it, the next takes its place.
     .layout            "UIDFIRST GIDFIRST BLOCKSIZE": how indexes map to IDs for the records
                        present. A policy with another layout may not allocate while any record
                        of the old one is live, or the same host IDs could be handed out twice.
     .tmp-*, .reclaim-* transient; left only by a crash, removed by reclaim after an hour. */
#include <config.h>
#include "idblock.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

#define IDBLOCK_SUBDIR      "idblocks"
#define IDBLOCK_LAYOUT      ".layout"
#define IDBLOCK_TMP_PREFIX  ".tmp-"
#define IDBLOCK_RECL_PREFIX ".reclaim-"
#define IDBLOCK_RECORD_MAX  (64u << 10)
/* No allocation or reclaim takes this long: an older temp file is a crash's leftover. */
#define IDBLOCK_TMP_MAX_AGE (60 * 60)

/* At most this many holders share a block (and the record must fit IDBLOCK_RECORD_MAX). */
#define IDBLOCK_HOLDERS_MAX 256

struct holder
{
  char *root, *id;
  uint64_t dev, ino; /* of <root>/<id> when it took the block */
};

struct record
{
  struct holder *h; /* [0] the top-level fields, then "joiners" */
  size_t n;
  char *created;
  dev_t file_dev; /* of the record file itself, to recognise it after a rename */
  ino_t file_ino;
};

static void
record_clear (struct record *r)
{
  for (size_t i = 0; i < r->n; i++)
    {
      free (r->h[i].root);
      free (r->h[i].id);
    }
  free (r->h);
  free (r->created);
  memset (r, 0, sizeof (*r));
}

static void
record_add (struct record *r, const char *root, const char *id, uint64_t dev, uint64_t ino)
{
  r->h = xrealloc (r->h, (r->n + 1) * sizeof (*r->h));
  r->h[r->n++] = (struct holder){ xstrdup (root), xstrdup (id), dev, ino };
}

static void
record_remove (struct record *r, size_t i)
{
  free (r->h[i].root);
  free (r->h[i].id);
  memmove (&r->h[i], &r->h[i + 1], (r->n - i - 1) * sizeof (*r->h));
  r->n--;
}

/* The index of root+id among the holders, or -1. */
static ssize_t
record_find (const struct record *r, const char *root, const char *id)
{
  for (size_t i = 0; i < r->n; i++)
    if (strcmp (r->h[i].root, root) == 0 && strcmp (r->h[i].id, id) == 0)
      return (ssize_t)i;
  return -1;
}

static void
cleanup_yajl_treep (yajl_val *v)
{
  if (*v)
    yajl_tree_free (*v);
  *v = NULL;
}
#define cleanup_yajl_tree __attribute__ ((cleanup (cleanup_yajl_treep)))

int
idblock_at (const struct ecirun_policy *p, uint32_t index, struct id_block *ret)
{
  if (index >= policy_block_count (p))
    return -1;
  ret->index = index;
  ret->uid_base = p->uid_first + index * p->block_size;
  ret->gid_base = p->gid_first + index * p->block_size;
  ret->size = p->block_size;
  return 0;
}

/* Record names are canonical decimal indexes ("0", "17"; never "017"). */
static bool
name_to_index (const char *name, uint32_t *ret)
{
  uint64_t v;

  if (name[0] < '0' || name[0] > '9' || (name[0] == '0' && name[1] != '\0'))
    return false;
  if (parse_u64 (name, &v) < 0 || v > UINT32_MAX)
    return false;
  *ret = (uint32_t)v;
  return true;
}

static uint32_t
start_index (const char *root, const char *id, uint32_t n)
{
  /* FNV-1a of "root/id": parallel creates start apart, and a re-created container tends to get
     its previous block back. */
  uint64_t h = 0xcbf29ce484222325ULL;

  for (const char *s = root; *s; s++)
    h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
  h = (h ^ '/') * 0x100000001b3ULL;
  for (const char *s = id; *s; s++)
    h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
  return (uint32_t)(h % n);
}

static int
lock_dir (int dfd, int op, const char *path, ecirun_error_t *err)
{
  while (flock (dfd, op) < 0)
    if (errno != EINTR)
      return make_error (err, errno, "lock `%s`", path);
  return 0;
}

static int
open_dir (const struct ecirun_policy *p, bool create, char **ret_path, int *ret_fd,
          ecirun_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/%s", p->state_dir, IDBLOCK_SUBDIR);
  int fd;

  if (create && mkdir_p (path, 0700, err) < 0)
    return -1;
  fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return make_error (err, errno, "open `%s`", path);
  *ret_fd = fd;
  *ret_path = TAKE_PTR (path);
  return 0;
}

/* Hand a local error over to the caller's (which may be NULL, or already set). */
static int
pass_error (ecirun_error_t *err, ecirun_error_t *local)
{
  if (err && *err == NULL)
    *err = TAKE_PTR (*local);
  else
    error_release (local);
  return -1;
}

static bool
error_is (ecirun_error_t e, int errnum)
{
  return e && e->errnum == errnum;
}

/* ---- records ---- */

static bool
tree_u64 (yajl_val obj, const char *key, uint64_t *ret)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (obj, path, yajl_t_number);

  return v && parse_u64 (v->u.number.r, ret) == 0;
}

/* One holder object: {"root", "id", "stateDirDev", "stateDirIno"}. */
static bool
holder_parse (yajl_val obj, struct record *r)
{
  const char *kroot[] = { "root", NULL }, *kid[] = { "id", NULL };
  yajl_val root = yajl_tree_get (obj, kroot, yajl_t_string);
  yajl_val id = yajl_tree_get (obj, kid, yajl_t_string);
  uint64_t dev, ino;

  if (root == NULL || id == NULL || !tree_u64 (obj, "stateDirDev", &dev)
      || !tree_u64 (obj, "stateDirIno", &ino))
    return false;
  record_add (r, root->u.string, id->u.string, dev, ino);
  return true;
}

/* 1 read, 0 missing, -1 unreadable or malformed (then it is treated as live: nothing proves
   its containers gone). */
static int
record_read (int dfd, const char *name, struct record *ret)
{
  cleanup_yajl_tree yajl_val tree = NULL;
  cleanup_close int fd = -1;
  char buf[IDBLOCK_RECORD_MAX + 1];
  const char *kjoin[] = { "joiners", NULL }, *kcreated[] = { "created", NULL };
  yajl_val joiners, created;
  struct stat st;
  ssize_t n;

  memset (ret, 0, sizeof (*ret));
  fd = openat (dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : -1;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    return -1;
  n = read_all (fd, buf, IDBLOCK_RECORD_MAX);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  tree = yajl_tree_parse (buf, NULL, 0);
  if (tree == NULL || !holder_parse (tree, ret))
    goto bad;
  joiners = yajl_tree_get (tree, kjoin, yajl_t_any);
  if (joiners && !YAJL_IS_ARRAY (joiners))
    goto bad;
  for (size_t i = 0; joiners && i < YAJL_GET_ARRAY (joiners)->len; i++)
    if (!holder_parse (YAJL_GET_ARRAY (joiners)->values[i], ret))
      goto bad;
  created = yajl_tree_get (tree, kcreated, yajl_t_string);
  ret->created = created ? xstrdup (created->u.string) : NULL;
  ret->file_dev = st.st_dev;
  ret->file_ino = st.st_ino;
  return 1;
bad:
  record_clear (ret);
  return -1;
}

/* Gone only when provable: <root>/<id> is gone, or is another directory than the one the
   holder had. Any other doubt (a relative root, EACCES, EIO) keeps it live. */
static bool
holder_gone (const struct holder *h)
{
  cleanup_free char *path = NULL;
  struct stat st;

  if (h->root[0] != '/' || h->id[0] == '\0' || strchr (h->id, '/'))
    return false;
  path = xasprintf ("%s/%s", h->root, h->id);
  if (lstat (path, &st) < 0)
    return errno == ENOENT || errno == ENOTDIR;
  return (uint64_t)st.st_dev != h->dev || (uint64_t)st.st_ino != h->ino;
}

/* Stale when every holder is provably gone. */
static bool
record_stale (const struct record *r)
{
  for (size_t i = 0; i < r->n; i++)
    if (!holder_gone (&r->h[i]))
      return false;
  return true;
}

static void
gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

static void
gen_u64 (yajl_gen g, const char *key, uint64_t v)
{
  char num[32];
  int n = snprintf (num, sizeof (num), "%" PRIu64, v);

  gen_str (g, key);
  /* As text: dev_t values need not fit a long long. */
  yajl_gen_number (g, num, n);
}

static void
gen_holder (yajl_gen g, const struct holder *h)
{
  gen_str (g, "root");
  gen_str (g, h->root);
  gen_str (g, "id");
  gen_str (g, h->id);
  gen_u64 (g, "stateDirDev", h->dev);
  gen_u64 (g, "stateDirIno", h->ino);
}

/* The record text. It is written before its index is known, so the IDs are not in it: the
   index and .layout say which they are. */
static char *
record_json (const struct record *r)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  char created[64];
  size_t len;
  char *out = NULL;

  if (g == NULL || r->n == 0)
    {
      if (g)
        yajl_gen_free (g);
      return NULL;
    }
  if (r->created == NULL)
    format_rfc3339_now (created, sizeof (created));
  yajl_gen_map_open (g);
  gen_holder (g, &r->h[0]);
  gen_str (g, "created");
  gen_str (g, r->created ? r->created : created);
  if (r->n > 1)
    {
      gen_str (g, "joiners");
      yajl_gen_array_open (g);
      for (size_t i = 1; i < r->n; i++)
        {
          yajl_gen_map_open (g);
          gen_holder (g, &r->h[i]);
          yajl_gen_map_close (g);
        }
      yajl_gen_array_close (g);
    }
  yajl_gen_map_close (g);
  if (yajl_gen_get_buf (g, &buf, &len) == yajl_gen_status_ok)
    {
      out = xmalloc0 (len + 2);
      memcpy (out, buf, len);
      out[len] = '\n';
    }
  yajl_gen_free (g);
  return out;
}

/* A complete, fsynced file under a fresh temp name, ready to be link()ed into place. */
static int
write_temp (int dfd, const char *dir, const char *content, char **ret_name, ecirun_error_t *err)
{
  static unsigned counter;
  struct timespec ts;

  for (int attempt = 0; attempt < 100; attempt++)
    {
      cleanup_free char *name = NULL;
      cleanup_close int fd = -1;

      clock_gettime (CLOCK_MONOTONIC, &ts);
      name = xasprintf (IDBLOCK_TMP_PREFIX "%d-%u-%ld", (int)getpid (), counter++, ts.tv_nsec);
      fd = openat (dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0 && errno == EEXIST)
        continue;
      if (fd < 0)
        return make_error (err, errno, "create `%s/%s`", dir, name);
      if (write_all (fd, content, strlen (content)) < 0 || fsync (fd) < 0)
        {
          int saved = errno;
          unlinkat (dfd, name, 0);
          return make_error (err, saved, "write `%s/%s`", dir, name);
        }
      *ret_name = TAKE_PTR (name);
      return 0;
    }
  return make_error (err, EEXIST, "create a temp file in `%s`", dir);
}

/* ---- reclaim (exclusive lock held) ---- */

/* Take the record away under a private name, check again that it is the stale file judged
   (same inode, still stale), then unlink it. A live record that somehow got there is put
   back without replacing anything. Returns 1 when removed. */
static int
remove_stale (int dfd, const char *dir, const char *name, const struct record *judged,
              ecirun_error_t *err)
{
  cleanup_free char *tmp = xasprintf (IDBLOCK_RECL_PREFIX "%d-%s", (int)getpid (), name);
  struct record again = { 0 };
  bool same;

  if (renameat (dfd, name, dfd, tmp) < 0)
    {
      if (errno == ENOENT)
        return 0; /* released meanwhile */
      return make_error (err, errno, "rename `%s/%s`", dir, name);
    }
  same = record_read (dfd, tmp, &again) == 1 && again.file_dev == judged->file_dev
         && again.file_ino == judged->file_ino && record_stale (&again);
  record_clear (&again);
  if (same)
    {
      if (unlinkat (dfd, tmp, 0) < 0)
        return make_error (err, errno, "remove `%s/%s`", dir, tmp);
      return 1;
    }
  if (renameat2 (dfd, tmp, dfd, name, RENAME_NOREPLACE) < 0)
    return make_error (err, errno, "restore the ID-block record `%s/%s` (kept as `%s`)", dir, name,
                       tmp);
  return 0;
}

static int
reclaim_locked (int dfd, const char *dir, size_t *ret_removed, size_t *ret_live,
                ecirun_error_t *err)
{
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  int fd;
  time_t now = time (NULL);

  *ret_removed = 0;
  if (ret_live)
    *ret_live = 0;
  fd = openat (dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      return make_error (err, saved, "open `%s`", dir);
    }
  while ((errno = 0, de = readdir (d)) != NULL)
    {
      struct record r;
      uint32_t idx;
      int ret;

      if (strncmp (de->d_name, IDBLOCK_TMP_PREFIX, strlen (IDBLOCK_TMP_PREFIX)) == 0
          || strncmp (de->d_name, IDBLOCK_RECL_PREFIX, strlen (IDBLOCK_RECL_PREFIX)) == 0)
        {
          struct stat st;
          if (fstatat (dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
              && now - st.st_mtime > IDBLOCK_TMP_MAX_AGE)
            unlinkat (dfd, de->d_name, 0);
          continue;
        }
      if (!name_to_index (de->d_name, &idx))
        continue;
      ret = record_read (dfd, de->d_name, &r);
      if (ret == 1 && record_stale (&r))
        {
          ret = remove_stale (dfd, dir, de->d_name, &r, err);
          record_clear (&r);
          if (ret < 0)
            return -1;
          *ret_removed += ret;
          if (ret == 0 && ret_live)
            (*ret_live)++;
          continue;
        }
      record_clear (&r);
      if (ret != 0 && ret_live)
        (*ret_live)++;
    }
  if (errno != 0)
    return make_error (err, errno, "read `%s`", dir);
  return 0;
}

int
idblock_reclaim (const struct ecirun_policy *p, size_t *ret_removed, ecirun_error_t *err)
{
  cleanup_free char *dir = NULL;
  cleanup_close int dfd = -1;
  size_t removed = 0;
  ecirun_error_t local = NULL;

  if (ret_removed)
    *ret_removed = 0;
  if (open_dir (p, false, &dir, &dfd, &local) < 0)
    {
      if (error_is (local, ENOENT))
        {
          error_release (&local);
          return 0;
        }
      return pass_error (err, &local);
    }
  if (lock_dir (dfd, LOCK_EX, dir, err) < 0 || reclaim_locked (dfd, dir, &removed, NULL, err) < 0)
    return -1;
  if (ret_removed)
    *ret_removed = removed;
  return 0;
}

/* ---- allocation ---- */

/* Make sure the records present use this policy's layout (see the top of the file). May turn
   the shared lock into an exclusive one (*ret_exclusive). */
static int
layout_check (int dfd, const char *dir, const struct ecirun_policy *p, bool *ret_exclusive,
              ecirun_error_t *err)
{
  cleanup_free char *want = xasprintf ("%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", p->uid_first,
                                       p->gid_first, p->block_size);

  for (int attempt = 0; attempt < 3; attempt++)
    {
      cleanup_free char *have = NULL, *tmp = NULL;
      ecirun_error_t local = NULL;
      size_t removed, live;

      if (read_file_at (dfd, IDBLOCK_LAYOUT, &have, NULL, 4096, &local) < 0)
        {
          if (!error_is (local, ENOENT))
            return pass_error (err, &local);
          error_release (&local);
          /* First allocation here: publish the layout atomically; a racing one may win. */
          if (write_temp (dfd, dir, want, &tmp, err) < 0)
            return -1;
          if (linkat (dfd, tmp, dfd, IDBLOCK_LAYOUT, 0) < 0 && errno != EEXIST)
            {
              int saved = errno;
              unlinkat (dfd, tmp, 0);
              return make_error (err, saved, "create `%s/%s`", dir, IDBLOCK_LAYOUT);
            }
          unlinkat (dfd, tmp, 0);
          continue;
        }
      if (strcmp (have, want) == 0)
        return 0;
      if (!*ret_exclusive)
        {
          if (lock_dir (dfd, LOCK_EX, dir, err) < 0)
            return -1;
          *ret_exclusive = true;
          continue; /* read it again under the exclusive lock */
        }
      if (reclaim_locked (dfd, dir, &removed, &live, err) < 0)
        return -1;
      if (live > 0)
        {
          unsigned long a, b, c;
          have[strcspn (have, "\n")] = '\0';
          if (sscanf (have, "%lu %lu %lu", &a, &b, &c) != 3)
            a = b = c = 0;
          return make_error (err, 0,
                             "the ID pool layout changed in %s (uidFirst %" PRIu32
                             ", gidFirst %" PRIu32 ", blockSize %" PRIu32
                             ") while %zu containers still hold ID blocks of the previous one "
                             "(uidFirst %lu, gidFirst %lu, blockSize %lu); delete them or "
                             "restore the previous values",
                             p->path, p->uid_first, p->gid_first, p->block_size, live, a, b, c);
        }
      return write_file_atomic_at (dfd, IDBLOCK_LAYOUT, want, strlen (want), 0644, err);
    }
  return make_error (err, 0, "`%s/%s` keeps changing", dir, IDBLOCK_LAYOUT);
}

/* Link tmp to the first free index from start on. 1 taken (*ret_index), 0 none free. */
static int
try_allocate (int dfd, const char *dir, const char *tmp, uint32_t n, uint32_t start,
              uint32_t *ret_index, ecirun_error_t *err)
{
  cleanup_free uint8_t *taken = xmalloc0 ((size_t)n / 8 + 1);
  cleanup_dir DIR *d = NULL;
  struct dirent *de;
  int fd;

  /* One directory read instead of a failed link() per taken index on a crowded pool. */
  fd = openat (dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      return make_error (err, saved, "open `%s`", dir);
    }
  while ((errno = 0, de = readdir (d)) != NULL)
    {
      uint32_t idx;
      if (name_to_index (de->d_name, &idx) && idx < n)
        taken[idx / 8] |= 1u << (idx % 8);
    }
  if (errno != 0)
    return make_error (err, errno, "read `%s`", dir);

  for (uint32_t i = 0; i < n; i++)
    {
      uint32_t idx = (uint32_t)(((uint64_t)start + i) % n);
      char name[16];

      if (taken[idx / 8] & (1u << (idx % 8)))
        continue;
      snprintf (name, sizeof (name), "%" PRIu32, idx);
      /* link() never replaces: of racing allocators exactly one gets the name. */
      if (linkat (dfd, tmp, dfd, name, 0) == 0)
        {
          *ret_index = idx;
          return 1;
        }
      if (errno != EEXIST)
        return make_error (err, errno, "create `%s/%s`", dir, name);
    }
  return 0;
}

static int
allocate_locked (const struct ecirun_policy *p, int dfd, const char *dir, const char *tmp,
                 uint32_t start, uint32_t *ret_index, ecirun_error_t *err)
{
  uint32_t n = policy_block_count (p);
  bool exclusive = false;
  size_t removed;
  int ret;

  if (lock_dir (dfd, LOCK_SH, dir, err) < 0 || layout_check (dfd, dir, p, &exclusive, err) < 0)
    return -1;
  ret = try_allocate (dfd, dir, tmp, n, start, ret_index, err);
  if (ret != 0)
    return ret;
  /* Full: under the exclusive lock nobody else allocates, so whatever reclaim frees is ours. */
  if (!exclusive && lock_dir (dfd, LOCK_EX, dir, err) < 0)
    return -1;
  if (reclaim_locked (dfd, dir, &removed, NULL, err) < 0)
    return -1;
  ret = try_allocate (dfd, dir, tmp, n, start, ret_index, err);
  if (ret != 0)
    return ret;
  return make_error (err, 0,
                     "ID pool exhausted: all %" PRIu32 " blocks of %" PRIu32 " IDs (host uids "
                     "%" PRIu32 "-%" PRIu32 ") are held by live containers; delete stopped "
                     "containers or enlarge idPool in %s",
                     n, p->block_size, p->uid_first, p->uid_first + n * p->block_size - 1, p->path);
}

int
idblock_allocate (const struct ecirun_policy *p, const char *root, const char *id,
                  struct id_block *ret, ecirun_error_t *err)
{
  cleanup_free char *croot = NULL, *statedir = NULL, *dir = NULL, *json = NULL, *tmp = NULL;
  cleanup_close int dfd = -1;
  uint32_t n = policy_block_count (p), index = 0;
  struct stat st;
  int r;

  if (n == 0)
    return make_error (err, 0, "%s: the ID pool holds no block", p->path);
  if (id == NULL || id[0] == '\0' || strchr (id, '/') || strcmp (id, ".") == 0
      || strcmp (id, "..") == 0)
    return make_error (err, 0, "invalid container id `%s`", id ? id : "");
  /* Canonical: staleness is later judged from this path, possibly from another directory. */
  croot = realpath (root, NULL);
  if (croot == NULL)
    return make_error (err, errno, "resolve `%s`", root);
  statedir = xasprintf ("%s/%s", croot, id);
  if (lstat (statedir, &st) < 0)
    return make_error (err, errno, "stat `%s`", statedir);
  if (!S_ISDIR (st.st_mode))
    return make_error (err, ENOTDIR, "`%s`", statedir);
  {
    struct record r = { 0 };
    record_add (&r, croot, id, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
    json = record_json (&r);
    record_clear (&r);
  }
  if (json == NULL)
    return make_error (err, ENOMEM, "ID-block record");

  if (open_dir (p, true, &dir, &dfd, err) < 0 || write_temp (dfd, dir, json, &tmp, err) < 0)
    return -1;
  r = allocate_locked (p, dfd, dir, tmp, start_index (croot, id, n), &index, err);
  unlinkat (dfd, tmp, 0);
  if (r <= 0)
    return -1;
  /* No fsync of the directory: a record only has to hold while its container can run, and no
     container outlives a crash of the host. The record's content is fsynced (write_temp): a
     torn record would count as live for ever. */
  return idblock_at (p, index, ret);
}

/* ---- holders: release, join (exclusive lock held) ---- */

/* Replace the record `name` by r, atomically. */
static int
record_rewrite (int dfd, const char *dir, const char *name, const struct record *r,
                ecirun_error_t *err)
{
  cleanup_free char *json = record_json (r);
  cleanup_free char *tmp = NULL;

  if (json == NULL)
    return make_error (err, ENOMEM, "ID-block record");
  if (strlen (json) > IDBLOCK_RECORD_MAX)
    return make_error (err, E2BIG, "`%s/%s`: too many containers share this ID block", dir, name);
  if (write_temp (dfd, dir, json, &tmp, err) < 0)
    return -1;
  if (renameat (dfd, tmp, dfd, name) < 0)
    {
      int saved = errno;
      unlinkat (dfd, tmp, 0);
      return make_error (err, saved, "replace `%s/%s`", dir, name);
    }
  return 0;
}

/* Open and lock the records' directory exclusively; 0 with *ret_fd -1 when it does not exist. */
static int
open_locked (const struct ecirun_policy *p, char **ret_dir, int *ret_fd, ecirun_error_t *err)
{
  ecirun_error_t local = NULL;

  *ret_fd = -1;
  if (open_dir (p, false, ret_dir, ret_fd, &local) < 0)
    {
      if (error_is (local, ENOENT))
        {
          error_release (&local);
          return 0;
        }
      return pass_error (err, &local);
    }
  /* Exclusive: between reading a record and replacing or unlinking it, nobody may touch it. */
  return lock_dir (*ret_fd, LOCK_EX, *ret_dir, err);
}

int
idblock_release (const struct ecirun_policy *p, uint32_t index, const char *root, const char *id,
                 ecirun_error_t *err)
{
  cleanup_free char *dir = NULL, *croot = NULL;
  cleanup_close int dfd = -1;
  struct record r;
  char name[16];
  ssize_t mine;
  int ret = 0;

  if (open_locked (p, &dir, &dfd, err) < 0)
    return -1;
  if (dfd < 0)
    return 0;
  snprintf (name, sizeof (name), "%" PRIu32, index);
  if (record_read (dfd, name, &r) != 1)
    return 0;
  croot = realpath (root, NULL);
  mine = record_find (&r, croot ? croot : root, id);
  if (mine < 0)
    goto out;
  record_remove (&r, (size_t)mine);
  if (r.n > 0 && !record_stale (&r))
    {
      /* Containers that joined its user namespace still run with these IDs. */
      ret = record_rewrite (dfd, dir, name, &r, err);
      goto out;
    }
  if (unlinkat (dfd, name, 0) < 0 && errno != ENOENT)
    {
      ret = make_error (err, errno, "remove `%s/%s`", dir, name);
      goto out;
    }
out:
  record_clear (&r);
  return ret;
}

int
idblock_join (const struct ecirun_policy *p, uint32_t index, const char *holder_root,
              const char *holder_id, const char *root, const char *id, ecirun_error_t *err)
{
  cleanup_free char *dir = NULL, *hroot = NULL, *croot = NULL, *statedir = NULL;
  cleanup_close int dfd = -1;
  struct record r = { 0 };
  struct stat st;
  char name[16];
  ssize_t h, self;
  int ret = -1;

  hroot = realpath (holder_root, NULL);
  croot = realpath (root, NULL);
  if (hroot == NULL || croot == NULL)
    return make_error (err, errno, "resolve `%s`", hroot == NULL ? holder_root : root);
  statedir = xasprintf ("%s/%s", croot, id);
  if (lstat (statedir, &st) < 0)
    return make_error (err, errno, "stat `%s`", statedir);
  if (!S_ISDIR (st.st_mode))
    return make_error (err, ENOTDIR, "`%s`", statedir);
  if (open_locked (p, &dir, &dfd, err) < 0)
    return -1;
  snprintf (name, sizeof (name), "%" PRIu32, index);
  if (dfd < 0 || record_read (dfd, name, &r) != 1)
    return make_error (err, 0,
                       "container `%s` whose namespaces are joined no longer holds ID block %s "
                       "(in %s/%s)",
                       holder_id, name, p->state_dir, IDBLOCK_SUBDIR);
  h = record_find (&r, hroot, holder_id);
  if (h < 0 || holder_gone (&r.h[h]))
    {
      make_error (err, 0,
                  "container `%s` whose namespaces are joined no longer holds ID block %s "
                  "(in %s/%s)",
                  holder_id, name, p->state_dir, IDBLOCK_SUBDIR);
      goto out;
    }
  /* A previous container of the same id left its entry: this one takes it over. */
  self = record_find (&r, croot, id);
  if (self >= 0)
    record_remove (&r, (size_t)self);
  if (r.n >= IDBLOCK_HOLDERS_MAX)
    {
      make_error (err, 0, "ID block %s is shared by %zu containers already, the most allowed", name,
                  r.n);
      goto out;
    }
  record_add (&r, croot, id, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
  if (record_rewrite (dfd, dir, name, &r, err) < 0)
    goto out;
  ret = 0;
out:
  record_clear (&r);
  return ret;
}
