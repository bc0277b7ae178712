/* pe_collect.h: host and cgroup files -> pe_render.h inputs -> rendered text. */
#include <config.h>
#include "pe_collect.h"
#include "utils.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

/* The directories files are read from. */
enum dir
{
  D_HOST,
  D_MEMORY,
  D_CPU,
  D_CPUACCT,
  D_CPUSET,
  D_BLKIO,
  D_PIDS,
  D_V2,
  D__MAX,
};

/* Every file a render may need, with its directory. */
enum file
{
  F_MEMINFO,
  F_STAT,
  F_CPUINFO,
  F_DISKSTATS,
  F_ONLINE, /* opened by its own path */
  F1_MEM_USAGE,
  F1_MEM_STAT,
  F1_CPUACCT_USAGE,
  F1_CPUACCT_USER,
  F1_CPUACCT_SYS,
  F1_CPUACCT_PERCPU_USER,
  F1_CPUACCT_PERCPU_SYS,
  F1_CPUSET,
  F1_BLKIO_BYTES,
  F1_BLKIO_IOS,
  F2_MEM_CURRENT,
  F2_MEM_STAT,
  F2_SWAP_CURRENT,
  F2_CPU_STAT,
  F2_CPUSET,
  F2_IO_STAT,
  F__MAX,
};
static const struct
{
  enum dir dir;
  const char *name;
} files[F__MAX] = {
  [F_MEMINFO] = { D_HOST, "meminfo" },
  [F_STAT] = { D_HOST, "stat" },
  [F_CPUINFO] = { D_HOST, "cpuinfo" },
  [F_DISKSTATS] = { D_HOST, "diskstats" },
  [F_ONLINE] = { D__MAX, NULL },
  [F1_MEM_USAGE] = { D_MEMORY, "memory.usage_in_bytes" },
  [F1_MEM_STAT] = { D_MEMORY, "memory.stat" },
  [F1_CPUACCT_USAGE] = { D_CPUACCT, "cpuacct.usage" },
  [F1_CPUACCT_USER] = { D_CPUACCT, "cpuacct.usage_user" },
  [F1_CPUACCT_SYS] = { D_CPUACCT, "cpuacct.usage_sys" },
  [F1_CPUACCT_PERCPU_USER] = { D_CPUACCT, "cpuacct.usage_percpu_user" },
  [F1_CPUACCT_PERCPU_SYS] = { D_CPUACCT, "cpuacct.usage_percpu_sys" },
  [F1_CPUSET] = { D_CPUSET, "cpuset.effective_cpus" },
  [F1_BLKIO_BYTES] = { D_BLKIO, "blkio.throttle.io_service_bytes_recursive" },
  [F1_BLKIO_IOS] = { D_BLKIO, "blkio.throttle.io_serviced_recursive" },
  [F2_MEM_CURRENT] = { D_V2, "memory.current" },
  [F2_MEM_STAT] = { D_V2, "memory.stat" },
  [F2_SWAP_CURRENT] = { D_V2, "memory.swap.current" },
  [F2_CPU_STAT] = { D_V2, "cpu.stat" },
  [F2_CPUSET] = { D_V2, "cpuset.cpus.effective" },
  [F2_IO_STAT] = { D_V2, "io.stat" },
};

/* Limits looked up the tree: one fd per ancestor (the container's own cgroup first). */
enum chain
{
  C2_MEM_MAX,
  C2_SWAP_MAX,
  C2_CPU_MAX,
  C1_CFS_QUOTA,
  C1_CFS_PERIOD,
  C__MAX,
};
static const struct
{
  enum dir dir;
  const char *name;
} chains[C__MAX] = {
  [C2_MEM_MAX] = { D_V2, "memory.max" },
  [C2_SWAP_MAX] = { D_V2, "memory.swap.max" },
  [C2_CPU_MAX] = { D_V2, "cpu.max" },
  [C1_CFS_QUOTA] = { D_CPU, "cpu.cfs_quota_us" },
  [C1_CFS_PERIOD] = { D_CPU, "cpu.cfs_period_us" },
};
#define MAX_DEPTH 32

struct text
{
  int fd;
  char *buf;
  size_t cap;
};

struct pe_collect
{
  int dirfd[D__MAX];
  char *id;
  char *task_proc;
  uint64_t start_ns;
  struct text f[F__MAX];
  struct text chain[C__MAX][MAX_DEPTH];
  size_t chain_len[C__MAX];
  /* The load averages are sampled by the server's ticker thread and read by renders. */
  pthread_mutex_t load_lock;
  struct pe_loadavg load;
  /* Parsed host files and scratch buffers, kept across renders (no allocation per read). */
  uint64_t *percpu_user, *percpu_sys;
  size_t percpu_user_cap, percpu_sys_cap;
};

static void
text_close (struct text *t)
{
  if (t->fd >= 0)
    close (t->fd);
  free (t->buf);
  t->fd = -1;
  t->buf = NULL;
  t->cap = 0;
}

/* The current content of t (NUL-terminated), or NULL when it cannot be read. A read at offset 0
   makes procfs, sysfs and cgroup files (seq_file) generate their text anew; a seq_file fills
   the whole buffer unless the text ends, so a short read is the end (one syscall per file). */
static const char *
text_read (struct text *t)
{
  size_t len = 0;

  if (t->fd < 0)
    return NULL;
  if (t->cap == 0)
    {
      t->cap = 4096;
      t->buf = xmalloc0 (t->cap);
    }
  for (;;)
    {
      size_t want = t->cap - 1 - len;
      ssize_t n = pread (t->fd, t->buf + len, want, (off_t)len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return NULL;
      len += (size_t)n;
      if ((size_t)n < want)
        break;
      t->cap *= 2;
      t->buf = xrealloc (t->buf, t->cap);
    }
  t->buf[len] = '\0';
  return t->buf;
}

static int
open_in (int dirfd, const char *name)
{
  if (dirfd < 0)
    return -1;
  return openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
}

static int
open_dir (const char *path, const char *what, ecirun_error_t *err)
{
  int fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return make_error (err, errno, "proc-emul: open %s `%s`", what, path);
  return fd;
}

static bool
is_cgroup_fs (int fd)
{
  struct statfs sf;
  return fstatfs (fd, &sf) == 0
         && (sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC);
}

/* Open file `name` in dir and in each ancestor up to root (or to the top of the cgroup file
   system when root is NULL). */
static void
open_chain (struct pe_collect *c, enum chain ch, const char *dir, const char *root)
{
  struct stat rst;
  bool have_root = root && stat (root, &rst) == 0;
  int cur = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

  c->chain_len[ch] = 0;
  while (cur >= 0 && c->chain_len[ch] < MAX_DEPTH)
    {
      struct stat st;
      int parent;

      c->chain[ch][c->chain_len[ch]++].fd = open_in (cur, chains[ch].name);
      if (fstat (cur, &st) < 0 || (have_root && st.st_dev == rst.st_dev && st.st_ino == rst.st_ino))
        break;
      parent = openat (cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (parent >= 0)
        {
          struct stat pst;
          /* The top of a file system is its own parent; without a root, stop at the top of
             the cgroup mount. */
          if (fstat (parent, &pst) < 0 || (pst.st_dev == st.st_dev && pst.st_ino == st.st_ino)
              || pst.st_dev != st.st_dev || (!have_root && !is_cgroup_fs (parent)))
            {
              close (parent);
              parent = -1;
            }
        }
      close (cur);
      cur = parent;
    }
  if (cur >= 0)
    close (cur);
}

void
pe_collect_free (struct pe_collect *c)
{
  if (c == NULL)
    return;
  for (int i = 0; i < D__MAX; i++)
    if (c->dirfd[i] >= 0)
      close (c->dirfd[i]);
  for (int i = 0; i < F__MAX; i++)
    text_close (&c->f[i]);
  for (int i = 0; i < C__MAX; i++)
    for (size_t j = 0; j < MAX_DEPTH; j++)
      text_close (&c->chain[i][j]);
  free (c->percpu_user);
  free (c->percpu_sys);
  free (c->id);
  free (c->task_proc);
  pthread_mutex_destroy (&c->load_lock);
  free (c);
}

int
pe_collect_new (const struct pe_collect_config *cfg, struct pe_collect **ret, ecirun_error_t *err)
{
  struct pe_collect *c = xmalloc0 (sizeof (*c));
  const char *dirs[D__MAX] = {
    [D_HOST] = cfg->host_proc ? cfg->host_proc : "/proc",
    [D_MEMORY] = cfg->memory,
    [D_CPU] = cfg->cpu,
    [D_CPUACCT] = cfg->cpuacct,
    [D_CPUSET] = cfg->cpuset,
    [D_BLKIO] = cfg->blkio,
    [D_PIDS] = cfg->pids,
    [D_V2] = cfg->v2,
  };

  for (int i = 0; i < D__MAX; i++)
    c->dirfd[i] = -1;
  for (int i = 0; i < F__MAX; i++)
    c->f[i].fd = -1;
  for (int i = 0; i < C__MAX; i++)
    for (size_t j = 0; j < MAX_DEPTH; j++)
      c->chain[i][j].fd = -1;
  c->id = xstrdup (cfg->id ? cfg->id : "");
  c->task_proc = xstrdup (cfg->task_proc ? cfg->task_proc : dirs[D_HOST]);
  c->start_ns = cfg->start_ns;
  pthread_mutex_init (&c->load_lock, NULL);

  for (int i = 0; i < D__MAX; i++)
    if (dirs[i]
        && (c->dirfd[i] = open_dir (dirs[i], i == D_HOST ? "host proc" : "cgroup", err)) < 0)
      goto fail;
  for (int i = 0; i < F__MAX; i++)
    if (files[i].name)
      c->f[i].fd = open_in (c->dirfd[files[i].dir], files[i].name);
  c->f[F_ONLINE].fd = open (cfg->cpu_online ? cfg->cpu_online : "/sys/devices/system/cpu/online",
                            O_RDONLY | O_CLOEXEC | O_NOCTTY);
  /* meminfo and stat are what every render starts from: without them nothing is served. */
  if (c->f[F_MEMINFO].fd < 0 || c->f[F_STAT].fd < 0)
    {
      make_error (err, errno, "proc-emul: open `%s/meminfo` and `%s/stat`", dirs[D_HOST],
                  dirs[D_HOST]);
      goto fail;
    }
  for (int i = 0; i < C__MAX; i++)
    {
      const char *dir = chains[i].dir == D_V2 ? cfg->v2 : cfg->cpu;
      const char *root = chains[i].dir == D_V2 ? cfg->v2_root : cfg->cpu_root;
      if (dir)
        open_chain (c, (enum chain)i, dir, root);
    }
  *ret = c;
  return 0;

fail:
  pe_collect_free (c);
  return -1;
}

/* ---- small parsers of cgroup values ---- */

static uint64_t
read_u64 (struct text *t)
{
  const char *s = text_read (t);
  char *e;
  unsigned long long v;

  if (s == NULL)
    return PE_UNKNOWN;
  if (strncmp (s, "max", 3) == 0)
    return PE_UNLIMITED;
  errno = 0;
  v = strtoull (s, &e, 10);
  if (errno || e == s)
    return PE_UNKNOWN;
  return v;
}

/* "key value" in text. */
static uint64_t
kv_get (const char *text, const char *key)
{
  size_t klen = strlen (key);

  for (const char *l = text; l && *l;)
    {
      if (strncmp (l, key, klen) == 0 && l[klen] == ' ')
        return strtoull (l + klen + 1, NULL, 10);
      l = strchr (l, '\n');
      if (l)
        l++;
    }
  return PE_UNKNOWN;
}

/* A vector of numbers ("1 2 3 \n") into *ret (grown). */
static size_t
parse_vector (const char *s, uint64_t **ret, size_t *cap)
{
  size_t n = 0;
  char *e;

  while (s && *s)
    {
      unsigned long long v = strtoull (s, &e, 10);
      if (e == s)
        break;
      if (n == *cap)
        {
          *cap = *cap ? *cap * 2 : 64;
          *ret = xrealloc (*ret, *cap * sizeof (uint64_t));
        }
      (*ret)[n++] = v;
      s = e;
    }
  return n;
}

/* ---- inputs ---- */

int
pe_collect_mem (struct pe_collect *c, struct pe_host_meminfo *ret_host, struct pe_mem *ret)
{
  const char *host = text_read (&c->f[F_MEMINFO]), *stat;

  pe_mem_init (ret);
  if (host == NULL)
    return -EIO;
  pe_host_meminfo_parse (host, ret_host);
  if (c->dirfd[D_MEMORY] >= 0)
    {
      stat = text_read (&c->f[F1_MEM_STAT]);
      if (stat == NULL)
        return 0;
      ret->known = true;
      pe_memstat_parse (stat, false, ret->stat);
      ret->usage = read_u64 (&c->f[F1_MEM_USAGE]);
      /* memory.stat names the limits the ancestors set too; swap is memsw minus memory. */
      ret->limit = ret->stat[PE_MS_HIER_LIMIT];
      if (ret->stat[PE_MS_HIER_MEMSW_LIMIT] != PE_UNKNOWN && ret->limit != PE_UNKNOWN)
        ret->swap_limit = ret->stat[PE_MS_HIER_MEMSW_LIMIT] > ret->limit
                              ? ret->stat[PE_MS_HIER_MEMSW_LIMIT] - ret->limit
                              : 0;
      ret->swap_usage = ret->stat[PE_MS_SWAP];
      return 0;
    }
  if (c->dirfd[D_V2] >= 0 && (stat = text_read (&c->f[F2_MEM_STAT])) != NULL)
    {
      ret->known = true;
      pe_memstat_parse (stat, true, ret->stat);
      ret->usage = read_u64 (&c->f[F2_MEM_CURRENT]);
      ret->swap_usage = read_u64 (&c->f[F2_SWAP_CURRENT]);
      for (size_t i = 0; i < c->chain_len[C2_MEM_MAX]; i++)
        {
          uint64_t v = read_u64 (&c->chain[C2_MEM_MAX][i]);
          if (v != PE_UNKNOWN && v < ret->limit)
            ret->limit = v;
        }
      for (size_t i = 0; i < c->chain_len[C2_SWAP_MAX]; i++)
        {
          uint64_t v = read_u64 (&c->chain[C2_SWAP_MAX][i]);
          if (v != PE_UNKNOWN && v < ret->swap_limit)
            ret->swap_limit = v;
        }
    }
  return 0;
}

enum cpu_usage
{
  USAGE_NONE,
  USAGE_TOTAL, /* usage_ns only */
  USAGE_SPLIT, /* user, system, per CPU */
};

/* The cpuset, the quota and the CPU time used (as much of it as asked). */
static void
collect_cpu (struct pe_collect *c, struct pe_cpu *ret, enum cpu_usage usage)
{
  const char *s;

  pe_cpu_init (ret);
  if ((s = text_read (&c->f[F1_CPUSET])) == NULL)
    s = text_read (&c->f[F2_CPUSET]);
  if (s && pe_cpuset_parse (s, &ret->cpuset) == 0 && pe_cpuset_count (&ret->cpuset) > 0)
    ret->have_cpuset = true;

  /* The tightest quota/period ratio up the tree. */
  for (size_t i = 0; i < c->chain_len[C2_CPU_MAX]; i++)
    {
      unsigned long long q, p;
      s = text_read (&c->chain[C2_CPU_MAX][i]);
      if (s && sscanf (s, "%llu %llu", &q, &p) == 2 && p > 0
          && (ret->quota_us == PE_UNLIMITED
              || (unsigned __int128)q * ret->period_us < (unsigned __int128)ret->quota_us * p))
        {
          ret->quota_us = q;
          ret->period_us = p;
        }
    }
  for (size_t i = 0; i < c->chain_len[C1_CFS_QUOTA] && i < c->chain_len[C1_CFS_PERIOD]; i++)
    {
      long long q;
      unsigned long long p;
      s = text_read (&c->chain[C1_CFS_QUOTA][i]);
      if (s == NULL || sscanf (s, "%lld", &q) != 1 || q <= 0)
        continue;
      s = text_read (&c->chain[C1_CFS_PERIOD][i]);
      if (s && sscanf (s, "%llu", &p) == 1 && p > 0
          && (ret->quota_us == PE_UNLIMITED
              || (unsigned __int128)q * ret->period_us < (unsigned __int128)ret->quota_us * p))
        {
          ret->quota_us = (uint64_t)q;
          ret->period_us = p;
        }
    }
  if (usage == USAGE_NONE)
    return;

  if (c->dirfd[D_CPUACCT] >= 0)
    {
      size_t nu, ns;
      ret->usage_ns = read_u64 (&c->f[F1_CPUACCT_USAGE]);
      if (usage == USAGE_TOTAL)
        return;
      ret->user_ns = read_u64 (&c->f[F1_CPUACCT_USER]);
      ret->system_ns = read_u64 (&c->f[F1_CPUACCT_SYS]);
      nu = parse_vector (text_read (&c->f[F1_CPUACCT_PERCPU_USER]), &c->percpu_user,
                         &c->percpu_user_cap);
      ns = parse_vector (text_read (&c->f[F1_CPUACCT_PERCPU_SYS]), &c->percpu_sys,
                         &c->percpu_sys_cap);
      if (nu > 0 && nu == ns)
        {
          ret->percpu_user_ns = c->percpu_user;
          ret->percpu_system_ns = c->percpu_sys;
          ret->n_percpu = nu;
        }
    }
  else if ((s = text_read (&c->f[F2_CPU_STAT])) != NULL)
    {
      uint64_t u = kv_get (s, "usage_usec"), us = kv_get (s, "user_usec"),
               sy = kv_get (s, "system_usec");
      ret->usage_ns = u == PE_UNKNOWN ? u : u * 1000;
      ret->user_ns = us == PE_UNKNOWN ? us : us * 1000;
      ret->system_ns = sy == PE_UNKNOWN ? sy : sy * 1000;
    }
}

static int
host_online (struct pe_collect *c, struct pe_cpuset *ret)
{
  const char *s = text_read (&c->f[F_ONLINE]);

  if (s && pe_cpuset_parse (s, ret) == 0 && pe_cpuset_count (ret) > 0)
    return 0;
  /* No sysfs: the CPUs /proc/stat lists. */
  struct pe_host_stat st;
  const char *t = text_read (&c->f[F_STAT]);
  memset (ret, 0, sizeof (*ret));
  if (t == NULL)
    return -EIO;
  pe_host_stat_parse (t, &st);
  for (size_t i = 0; i < st.n; i++)
    pe_cpuset_set (ret, st.cpus[i].cpu);
  pe_host_stat_release (&st);
  return 0;
}

int
pe_collect_cpuview (struct pe_collect *c, struct pe_cpuview *ret)
{
  struct pe_cpuset online;
  struct pe_cpu cpu;

  if (host_online (c, &online) < 0)
    return -EIO;
  collect_cpu (c, &cpu, USAGE_NONE);
  pe_cpu_select (&online, &cpu, ret);
  return 0;
}

/* ---- tasks ---- */

static void
count_task (struct pe_collect *c, unsigned tid, struct pe_tasks *t, unsigned *max_tid)
{
  char path[PATH_MAX], buf[512];
  int fd;
  ssize_t n;
  const char *p;

  snprintf (path, sizeof (path), "%s/%u/stat", c->task_proc, tid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return; /* gone since the cgroup listed it */
  n = read (fd, buf, sizeof (buf) - 1);
  close (fd);
  if (n <= 0)
    return;
  buf[n] = '\0';
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return;
  t->total++;
  if (p[2] == 'R')
    t->running++;
  if (p[2] == 'R' || p[2] == 'D')
    t->active++;
  if (tid > *max_tid)
    *max_tid = tid;
}

/* The tasks of the cgroup at dirfd and below (a container may make sub-cgroups). */
static void
walk_tasks (struct pe_collect *c, int dirfd, const char *list, struct pe_tasks *t,
            unsigned *max_tid, int depth)
{
  int fd = openat (dirfd, list, O_RDONLY | O_CLOEXEC);
  DIR *d;
  struct dirent *de;

  if (fd >= 0)
    {
      char buf[65536];
      ssize_t n;
      size_t have = 0;

      while ((n = read (fd, buf + have, sizeof (buf) - 1 - have)) > 0)
        {
          char *s = buf, *nl;
          have += (size_t)n;
          buf[have] = '\0';
          while ((nl = strchr (s, '\n')))
            {
              *nl = '\0';
              count_task (c, (unsigned)strtoul (s, NULL, 10), t, max_tid);
              s = nl + 1;
            }
          have = strlen (s);
          memmove (buf, s, have);
        }
      close (fd);
    }
  if (depth >= MAX_DEPTH)
    return;
  fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  while ((de = readdir (d)))
    {
      int sub;
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      sub = openat (dirfd, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0)
        {
          walk_tasks (c, sub, list, t, max_tid, depth + 1);
          close (sub);
        }
    }
  closedir (d);
}

/* The pid of host task tid in its innermost pid namespace (the last NSpid field). */
static unsigned
ns_pid (struct pe_collect *c, unsigned tid)
{
  char path[PATH_MAX];
  cleanup_free char *buf = NULL;
  const char *p;
  unsigned pid = tid;

  snprintf (path, sizeof (path), "%s/%u/status", c->task_proc, tid);
  if (read_file_at (AT_FDCWD, path, &buf, NULL, 1 << 16, NULL) < 0)
    return tid;
  p = strstr (buf, "\nNSpid:");
  if (p == NULL)
    return tid;
  for (p += 7; *p && *p != '\n';)
    {
      char *e;
      unsigned long v = strtoul (p, &e, 10);
      if (e == p)
        break;
      pid = (unsigned)v;
      p = e;
    }
  return pid;
}

int
pe_collect_tasks (struct pe_collect *c, struct pe_tasks *ret)
{
  unsigned max_tid = 0;

  memset (ret, 0, sizeof (*ret));
  /* Any v1 hierarchy the container has lists its tasks; cgroup2 only when there is none (on a
     hybrid host the container's cgroup2 directory may be the root, every task of the host). */
  static const enum dir order[] = { D_PIDS, D_CPU, D_CPUACCT, D_MEMORY, D_CPUSET, D_BLKIO, D_V2 };
  for (size_t i = 0; i < ARRAY_SIZE (order); i++)
    if (c->dirfd[order[i]] >= 0)
      {
        walk_tasks (c, c->dirfd[order[i]], order[i] == D_V2 ? "cgroup.threads" : "tasks", ret,
                    &max_tid, 0);
        break;
      }
  if (max_tid)
    ret->last_pid = ns_pid (c, max_tid);
  return 0;
}

static uint64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_BOOTTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
pe_collect_load_sample (struct pe_collect *c)
{
  struct pe_tasks t;
  uint64_t now = now_ns (), r;
  bool due;

  /* Only count when a sample is due (the first call starts the clock). */
  pthread_mutex_lock (&c->load_lock);
  due = c->load.next_ns == 0 || now >= c->load.next_ns;
  r = due ? 0 : c->load.next_ns - now;
  pthread_mutex_unlock (&c->load_lock);
  if (!due)
    return r;
  pe_collect_tasks (c, &t);
  pthread_mutex_lock (&c->load_lock);
  r = pe_loadavg_sample (&c->load, now_ns (), t.active);
  pthread_mutex_unlock (&c->load_lock);
  return r;
}

/* ---- rendering ---- */

int
pe_collect_render (struct pe_collect *c, enum pe_file f, struct pe_buf *out)
{
  struct pe_host_meminfo hm;
  struct pe_host_cpuinfo hc;
  struct pe_host_stat hs;
  struct pe_host_diskstats hd;
  struct pe_cpuview view;
  struct pe_memview mv;
  struct pe_mem mem;
  struct pe_cpu cpu;
  struct pe_cpuset online;
  struct pe_tasks tasks;
  struct pe_io io;
  const char *s, *s2;
  int r = 0;

  switch (f)
    {
    case PE_FILE_MEMINFO:
    case PE_FILE_SWAPS:
      memset (&hm, 0, sizeof (hm));
      r = pe_collect_mem (c, &hm, &mem);
      if (r == 0 && f == PE_FILE_MEMINFO)
        pe_render_meminfo (out, &hm, &mem);
      else if (r == 0)
        {
          pe_mem_view (&hm, &mem, &mv);
          pe_render_swaps (out, &mv);
        }
      pe_host_meminfo_release (&hm);
      return r;

    case PE_FILE_CPUINFO:
      if ((s = text_read (&c->f[F_CPUINFO])) == NULL || pe_collect_cpuview (c, &view) < 0)
        return -EIO;
      pe_host_cpuinfo_parse (s, &hc);
      pe_render_cpuinfo (out, &hc, &view);
      pe_host_cpuinfo_release (&hc);
      return 0;

    case PE_FILE_STAT:
      if (host_online (c, &online) < 0 || (s = text_read (&c->f[F_STAT])) == NULL)
        return -EIO;
      collect_cpu (c, &cpu, USAGE_SPLIT);
      pe_cpu_select (&online, &cpu, &view);
      pe_host_stat_parse (s, &hs);
      pe_render_stat (out, &hs, &view, &cpu, (unsigned)sysconf (_SC_CLK_TCK));
      pe_host_stat_release (&hs);
      return 0;

    case PE_FILE_UPTIME:
      if (host_online (c, &online) < 0)
        return -EIO;
      collect_cpu (c, &cpu, USAGE_TOTAL);
      pe_cpu_select (&online, &cpu, &view);
      pe_render_uptime (out, now_ns (), c->start_ns, view.n, cpu.usage_ns);
      return 0;

    case PE_FILE_LOADAVG:
      {
        struct pe_loadavg l;
        pe_collect_load_sample (c);
        pe_collect_tasks (c, &tasks);
        pthread_mutex_lock (&c->load_lock);
        l = c->load;
        pthread_mutex_unlock (&c->load_lock);
        pe_render_loadavg (out, &l, tasks.running, tasks.total, tasks.last_pid);
      }
      return 0;

    case PE_FILE_DISKSTATS:
      if ((s = text_read (&c->f[F_DISKSTATS])) == NULL)
        return -EIO;
      if ((s2 = text_read (&c->f[F2_IO_STAT])) != NULL && c->dirfd[D_BLKIO] < 0)
        pe_io_parse_v2 (s2, &io);
      else if (c->dirfd[D_BLKIO] >= 0)
        {
          pe_io_parse_v1 (text_read (&c->f[F1_BLKIO_BYTES]), text_read (&c->f[F1_BLKIO_IOS]), &io);
        }
      else
        {
          /* No I/O controller: the host's own file is the best there is. */
          pe_buf_puts (out, s);
          return 0;
        }
      pe_host_diskstats_parse (s, &hd);
      pe_render_diskstats (out, &hd, &io);
      pe_host_diskstats_release (&hd);
      pe_io_release (&io);
      return 0;

    case PE_FILE_CPU_ONLINE:
      if (pe_collect_cpuview (c, &view) < 0)
        return -EIO;
      pe_render_cpu_online (out, &view);
      return 0;

    case PE_FILE_PRODUCT_UUID:
      pe_render_product_uuid (out, c->id);
      return 0;

    case PE_FILE__MAX:
      break;
    }
  return -ENOENT;
}
