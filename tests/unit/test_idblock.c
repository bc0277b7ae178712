/* Unit tests for the ID-block allocator (idblock.c) in a temp stateDir: distinct blocks,
   exhaustion, reclaim only of provably gone containers, release by the owner only, a changed
   pool layout, joiners holding a block after its owner released it, and 50 concurrent
   allocations. */
#include <config.h>
#include "idblock.h"
#include "policy.h"
#include "utils.h"
#include "tap.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/ecirun-test-idblock.XXXXXX";

static void
make_policy (struct ecirun_policy *p, const char *state, uint32_t first, uint32_t blocks)
{
  memset (p, 0, sizeof (*p));
  p->path = xstrdup ("/etc/ecirun/ecirun.json");
  p->uid_first = first;
  p->gid_first = first + 1000000;
  p->block_size = 65536;
  p->pool_size = blocks * 65536;
  p->state_dir = xasprintf ("%s/%s", tmpdir, state);
}

static char *
container_dir (const char *root, const char *id)
{
  char *path = xasprintf ("%s/%s", root, id);
  mkdir (path, 0700);
  return path;
}

static void
remove_dir (const char *root, const char *id)
{
  cleanup_free char *path = xasprintf ("%s/%s", root, id);
  rmdir (path);
}

static bool
record_exists (const struct ecirun_policy *p, uint32_t index)
{
  cleanup_free char *path = xasprintf ("%s/idblocks/%u", p->state_dir, index);
  return access (path, F_OK) == 0;
}

static char *
record_text (const struct ecirun_policy *p, uint32_t index)
{
  cleanup_free char *path = xasprintf ("%s/idblocks/%u", p->state_dir, index);
  char *buf = NULL;
  ecirun_error_t err = NULL;
  if (read_file_at (AT_FDCWD, path, &buf, NULL, 0, &err) < 0)
    error_release (&err);
  return buf;
}

/* Entries of <stateDir>/idblocks: records (decimal names) and others (excluding .layout). */
static void
count_entries (const struct ecirun_policy *p, size_t *records, size_t *others)
{
  cleanup_free char *path = xasprintf ("%s/idblocks", p->state_dir);
  cleanup_dir DIR *d = opendir (path);
  struct dirent *de;

  *records = *others = 0;
  while (d && (de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0
          || strcmp (de->d_name, ".layout") == 0)
        continue;
      if (strspn (de->d_name, "0123456789") == strlen (de->d_name))
        (*records)++;
      else
        (*others)++;
    }
}

static int
alloc (const struct ecirun_policy *p, const char *root, const char *id, struct id_block *b,
       char **ret_msg)
{
  ecirun_error_t err = NULL;
  int r = idblock_allocate (p, root, id, b, &err);
  if (ret_msg)
    *ret_msg = err ? xstrdup (err->msg) : NULL;
  else if (err)
    printf ("# allocate %s: %s\n", id, err->msg);
  error_release (&err);
  return r;
}

static void
test_distinct_and_release (const char *root)
{
  struct ecirun_policy p;
  struct id_block a, b, c, d;
  cleanup_free char *da = container_dir (root, "a"), *db = container_dir (root, "b");
  cleanup_free char *dc = container_dir (root, "c"), *text = NULL, *dotroot = NULL;
  ecirun_error_t err = NULL;
  int ra, rb, rc;
  bool ok;

  make_policy (&p, "distinct", 100000, 8);
  ra = alloc (&p, root, "a", &a, NULL);
  rb = alloc (&p, root, "b", &b, NULL);
  rc = alloc (&p, root, "c", &c, NULL);
  TAP_OK (ra == 0 && rb == 0 && rc == 0, "three allocations succeed");
  TAP_OK (a.index != b.index && b.index != c.index && a.index != c.index,
          "distinct indexes (%u %u %u)", a.index, b.index, c.index);
  TAP_OK (a.index < 8 && b.index < 8 && c.index < 8, "indexes within the pool");
  TAP_OK (a.uid_base == 100000 + a.index * 65536 && a.gid_base == 1100000 + a.index * 65536
              && a.size == 65536,
          "block %u: uid base %u, gid base %u", a.index, a.uid_base, a.gid_base);
  TAP_OK (a.uid_base != 0 && a.gid_base != 0, "host ID 0 is not in a block");
  TAP_OK (record_exists (&p, a.index) && record_exists (&p, b.index) && record_exists (&p, c.index),
          "one record per block");
  text = record_text (&p, a.index);
  {
    cleanup_free char *want_root = xasprintf ("\"root\":\"%s\"", root);
    TAP_OK (text && strstr (text, want_root) && strstr (text, "\"id\":\"a\"")
                && strstr (text, "\"stateDirDev\":") && strstr (text, "\"stateDirIno\":")
                && strstr (text, "\"created\":\""),
            "record content: %s", text ? text : "(none)");
  }

  /* Release only by the owner. */
  ok = idblock_release (&p, a.index, root, "b", &err) == 0 && record_exists (&p, a.index);
  TAP_OK (ok, "release by another id leaves the record");
  error_release (&err);
  {
    cleanup_free char *other = xasprintf ("%s/other-root", tmpdir);
    mkdir (other, 0700);
    ok = idblock_release (&p, a.index, other, "a", &err) == 0 && record_exists (&p, a.index);
    TAP_OK (ok, "release by the same id under another root leaves the record");
    error_release (&err);
  }
  /* The same root spelt differently is the same root. */
  dotroot = xasprintf ("%s/./", root);
  ok = idblock_release (&p, a.index, dotroot, "a", &err) == 0 && !record_exists (&p, a.index);
  TAP_OK (ok, "release by the owner removes the record (%s)", err ? err->msg : "ok");
  error_release (&err);
  ok = idblock_release (&p, a.index, root, "a", &err) == 0;
  TAP_OK (ok, "release of a missing record is success");
  error_release (&err);
  ok = idblock_release (&p, 4000, root, "a", &err) == 0;
  TAP_OK (ok, "release of an unknown index is success");
  error_release (&err);

  /* A re-created container tends to get the same block back (the start is a hash of root+id). */
  ok = alloc (&p, root, "a", &d, NULL) == 0 && d.index == a.index;
  TAP_OK (ok, "re-allocation for the same root+id gets the same free block (%u, was %u)", d.index,
          a.index);

  /* Error cases: no state directory, bad id. */
  {
    char *msg = NULL;
    struct id_block x;
    ok = alloc (&p, root, "no-such-dir", &x, &msg) < 0 && msg && strstr (msg, "no-such-dir");
    TAP_OK (ok, "allocation without a state directory fails (%s)", msg ? msg : "no error");
    free (msg);
    msg = NULL;
    ok = alloc (&p, root, "../a", &x, &msg) < 0 && msg && strstr (msg, "invalid container id");
    TAP_OK (ok, "allocation with a bad id fails (%s)", msg ? msg : "no error");
    free (msg);
  }
  remove_dir (root, "a");
  remove_dir (root, "b");
  remove_dir (root, "c");
  policy_release (&p);
}

static void
test_exhaustion_and_reclaim (const char *root)
{
  struct ecirun_policy p;
  struct id_block x, y, z, w;
  char *msg = NULL;
  size_t records, others;
  cleanup_free char *dx = container_dir (root, "x"), *dy = container_dir (root, "y");
  cleanup_free char *dz = container_dir (root, "z"), *dw = container_dir (root, "w");
  ecirun_error_t err = NULL;
  size_t removed = 99;
  bool ok;
  int r;

  make_policy (&p, "exhaust", 100000, 2);
  ok = alloc (&p, root, "x", &x, NULL) == 0 && alloc (&p, root, "y", &y, NULL) == 0
       && x.index != y.index;
  TAP_OK (ok, "a pool of 2 blocks: two allocations");

  r = alloc (&p, root, "z", &z, &msg);
  TAP_STR_EQ (msg,
              "ID pool exhausted: all 2 blocks of 65536 IDs (host uids 100000-231071) are held "
              "by live containers; delete stopped containers or enlarge idPool in "
              "/etc/ecirun/ecirun.json",
              "exhaustion: one clear error line");
  TAP_OK (r < 0, "exhaustion: allocation fails");
  free (msg);
  msg = NULL;
  count_entries (&p, &records, &others);
  TAP_OK (records == 2 && others == 0, "exhaustion leaves nothing behind (%zu records, %zu others)",
          records, others);
  TAP_OK (record_exists (&p, x.index) && record_exists (&p, y.index),
          "no reclaim while the state directories exist");

  /* The container of x is gone: its block is reclaimed for z. */
  remove_dir (root, "x");
  r = alloc (&p, root, "z", &z, &msg);
  TAP_OK (r == 0 && z.index == x.index, "stale reclaim: z gets x's block %u (%s)", x.index,
          msg ? msg : "ok");
  free (msg);
  msg = NULL;
  {
    cleanup_free char *text = record_text (&p, z.index);
    TAP_OK (text && strstr (text, "\"id\":\"z\""), "the reclaimed record is z's");
  }

  /* y's directory replaced by another one (same path, new inode): y is gone too. */
  {
    cleanup_free char *tmp = xasprintf ("%s/y.new", root), *path = xasprintf ("%s/y", root);
    mkdir (tmp, 0700);
    rmdir (path);
    rename (tmp, path);
  }
  r = alloc (&p, root, "w", &w, &msg);
  TAP_OK (r == 0 && w.index == y.index, "dev/ino mismatch reclaim: w gets y's block (%s)",
          msg ? msg : "ok");
  free (msg);
  msg = NULL;

  free (container_dir (root, "x2"));
  r = alloc (&p, root, "x2", &x, &msg);
  TAP_OK (r < 0 && msg && strstr (msg, "ID pool exhausted"), "full again: refused (%s)",
          msg ? msg : "no error");
  remove_dir (root, "x2");
  free (msg);
  msg = NULL;

  /* idblock_reclaim: nothing stale, then one. */
  ok = idblock_reclaim (&p, &removed, &err) == 0 && removed == 0;
  TAP_OK (ok, "reclaim: nothing stale");
  error_release (&err);
  remove_dir (root, "w");
  ok = idblock_reclaim (&p, &removed, &err) == 0 && removed == 1 && !record_exists (&p, w.index)
       && record_exists (&p, z.index);
  TAP_OK (ok, "reclaim: the stale record only (%zu)", removed);
  error_release (&err);

  /* A pool layout changed while a block is held is refused, then accepted once it is free. */
  {
    struct ecirun_policy q;
    cleanup_free char *dq = container_dir (root, "q");
    make_policy (&q, "exhaust", 100000, 4);
    q.block_size = 131072;
    q.pool_size = 4 * 131072;
    r = alloc (&q, root, "q", &x, &msg);
    TAP_OK (r < 0 && msg && strstr (msg, "the ID pool layout changed")
                && strstr (msg, "1 containers still hold"),
            "layout change with a live block refused (%s)", msg ? msg : "no error");
    free (msg);
    msg = NULL;
    /* A larger pool with the same layout is fine. */
    {
      struct ecirun_policy big;
      make_policy (&big, "exhaust", 100000, 16);
      r = alloc (&big, root, "q", &x, &msg);
      TAP_OK (r == 0, "same layout, larger pool: accepted (%s)", msg ? msg : "ok");
      free (msg);
      msg = NULL;
      idblock_release (&big, x.index, root, "q", &err);
      error_release (&err);
      policy_release (&big);
    }
    remove_dir (root, "z");
    r = alloc (&q, root, "q", &x, &msg);
    TAP_OK (r == 0 && x.size == 131072, "layout change once every old block is free (%s)",
            msg ? msg : "ok");
    free (msg);
    msg = NULL;
    remove_dir (root, "q");
    policy_release (&q);
  }
  policy_release (&p);
}

static int
join (const struct ecirun_policy *p, uint32_t index, const char *root, const char *holder,
      const char *id, char **ret_msg)
{
  ecirun_error_t err = NULL;
  int r = idblock_join (p, index, root, holder, root, id, &err);
  *ret_msg = err ? xstrdup (err->msg) : NULL;
  error_release (&err);
  return r;
}

static void
test_joiners (const char *root)
{
  struct ecirun_policy p;
  struct id_block o, x;
  cleanup_free char *d1 = container_dir (root, "o"), *d2 = container_dir (root, "j1");
  cleanup_free char *d3 = container_dir (root, "j2"), *d4 = container_dir (root, "n");
  ecirun_error_t err = NULL;
  size_t records, others, removed = 99;
  char *msg = NULL;
  int r;

  bool ok;

  /* TAP_OK evaluates its condition twice: no calls in it. */
  make_policy (&p, "join", 100000, 1);
  r = alloc (&p, root, "o", &o, NULL);
  TAP_OK (r == 0, "a pool of 1: the owner gets the block");
  r = join (&p, o.index, root, "o", "j1", &msg);
  TAP_OK (r == 0, "j1 joins the owner's block (%s)", msg ? msg : "ok");
  free (msg);
  r = join (&p, o.index, root, "o", "j2", &msg);
  TAP_OK (r == 0, "j2 joins it too (%s)", msg ? msg : "ok");
  free (msg);
  count_entries (&p, &records, &others);
  TAP_OK (records == 1 && others == 0, "still one record (%zu, %zu others)", records, others);
  {
    cleanup_free char *text = record_text (&p, o.index);
    TAP_OK (text && strstr (text, "\"joiners\":[") && strstr (text, "\"id\":\"j1\"")
                && strstr (text, "\"id\":\"j2\""),
            "the record lists the joiners: %s", text ? text : "(none)");
  }

  /* The owner leaves: the joiners keep the block. */
  ok = idblock_release (&p, o.index, root, "o", &err) == 0 && record_exists (&p, o.index);
  TAP_OK (ok, "the owner's release keeps the record while joiners live");
  error_release (&err);
  remove_dir (root, "o");
  r = alloc (&p, root, "n", &x, &msg);
  TAP_OK (r < 0 && msg && strstr (msg, "ID pool exhausted"),
          "no block for another container while a joiner lives (%s)", msg ? msg : "allocated");
  free (msg);
  ok = idblock_reclaim (&p, &removed, &err) == 0 && removed == 0;
  TAP_OK (ok, "reclaim keeps a record whose joiners live");
  error_release (&err);
  r = join (&p, o.index, root, "o", "n", &msg);
  TAP_OK (r < 0 && msg && strstr (msg, "no longer holds"),
          "joining through a gone holder fails (%s)", msg ? msg : "joined");
  free (msg);

  /* A joiner whose state is gone (crash) does not hold it; the last live one does. */
  remove_dir (root, "j2");
  ok = idblock_release (&p, o.index, root, "j1", &err) == 0 && !record_exists (&p, o.index);
  TAP_OK (ok, "the last live holder's release removes the record");
  error_release (&err);
  r = alloc (&p, root, "n", &x, &msg);
  TAP_OK (r == 0 && x.index == o.index, "then the block is free again (%s)", msg ? msg : "ok");
  free (msg);
  r = join (&p, 7, root, "n", "j1", &msg);
  TAP_OK (r < 0 && msg && strstr (msg, "no longer holds"), "joining a block with no record fails");
  free (msg);

  /* Reclaim once every holder is gone. */
  r = join (&p, x.index, root, "n", "j1", &msg);
  free (msg);
  remove_dir (root, "n");
  ok = r == 0 && idblock_reclaim (&p, &removed, &err) == 0 && removed == 0;
  TAP_OK (ok, "reclaim keeps it while j1 lives");
  error_release (&err);
  remove_dir (root, "j1");
  ok = idblock_reclaim (&p, &removed, &err) == 0 && removed == 1 && !record_exists (&p, x.index);
  TAP_OK (ok, "reclaim removes it once every holder is gone");
  error_release (&err);
  policy_release (&p);
}

static int
run_children (const struct ecirun_policy *p, const char *root, int n, const char *prefix,
              uint32_t *indexes)
{
  int go[2], out[2], got = 0;
  pid_t pids[64];

  if (pipe (go) < 0 || pipe (out) < 0)
    return -1;
  for (int i = 0; i < n; i++)
    {
      pids[i] = fork ();
      if (pids[i] == 0)
        {
          char c, id[64];
          struct id_block b;
          cleanup_free char *dir = NULL;
          ecirun_error_t err = NULL;

          close (go[1]);
          close (out[0]);
          snprintf (id, sizeof (id), "%s%d", prefix, i);
          dir = container_dir (root, id);
          /* Everyone starts at once: the parent closes the pipe. */
          (void)!read (go[0], &c, 1);
          if (idblock_allocate (p, root, id, &b, &err) < 0)
            {
              fprintf (stderr, "# child %d: %s\n", i, err->msg);
              _exit (1);
            }
          (void)!write (out[1], &b.index, sizeof (b.index));
          _exit (0);
        }
    }
  close (go[0]);
  close (go[1]);
  close (out[1]);
  while (got < n && read (out[0], &indexes[got], sizeof (uint32_t)) == sizeof (uint32_t))
    got++;
  close (out[0]);
  for (int i = 0; i < n; i++)
    {
      int st;
      waitpid (pids[i], &st, 0);
    }
  return got;
}

static void
test_concurrency (const char *root)
{
  static const struct
  {
    const char *state;
    uint32_t blocks;
  } cases[] = {
    { "parallel-64", 64 }, /* collisions likely: 50 of 64 */
    { "parallel-50", 50 }, /* every block taken */
  };

  for (size_t k = 0; k < ARRAY_SIZE (cases); k++)
    {
      struct ecirun_policy p;
      uint32_t idx[64];
      bool seen[64] = { false }, distinct = true;
      size_t records, others;
      char prefix[32];
      int got;

      make_policy (&p, cases[k].state, 1000000, cases[k].blocks);
      snprintf (prefix, sizeof (prefix), "p%zu-", k);
      got = run_children (&p, root, 50, prefix, idx);
      for (int i = 0; i < got; i++)
        {
          if (idx[i] >= cases[k].blocks || seen[idx[i]])
            distinct = false;
          else
            seen[idx[i]] = true;
        }
      count_entries (&p, &records, &others);
      TAP_OK (got == 50, "pool of %u: 50 concurrent allocations succeed (%d)", cases[k].blocks,
              got);
      TAP_OK (distinct, "pool of %u: 50 distinct indexes", cases[k].blocks);
      TAP_OK (records == 50 && others == 0, "pool of %u: 50 record files, no temp files (%zu, %zu)",
              cases[k].blocks, records, others);
      policy_release (&p);
    }
}

int
main (void)
{
  cleanup_free char *root = NULL;
  ecirun_error_t err = NULL;

  if (mkdtemp (tmpdir) == NULL)
    {
      perror ("mkdtemp");
      return 1;
    }
  root = xasprintf ("%s/run", tmpdir);
  mkdir (root, 0700);
  test_distinct_and_release (root);
  test_exhaustion_and_reclaim (root);
  test_joiners (root);
  test_concurrency (root);
  remove_tree_at (AT_FDCWD, tmpdir, &err);
  error_release (&err);
  return tap_done ();
}
