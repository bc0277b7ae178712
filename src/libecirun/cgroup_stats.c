/* Usage counters of a cgroup for `events`: read from the v1 controller files, or from the v2
   files mapped onto runc's (v1-shaped) stats. Missing files leave zeros: a controller that is
   not mounted or not delegated simply reports nothing. */
#include <config.h>
#include "cgroup_internal.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The directory holding a controller's files: the unified leaf on v2, the controller's
   hierarchy on v1 (NULL when it is not mounted). */
static const char *
ctl_dir (struct cgroup *cg, const char *controller)
{
  if (cg->mode == CGROUP_MODE_V2)
    return cg->n_hiers ? cg->hiers[0].dir : NULL;
  for (size_t i = 0; i < cg->n_hiers; i++)
    if (!cg->hiers[i].unified && cgroup_hier_has (&cg->hiers[i], controller))
      return cg->hiers[i].dir;
  return NULL;
}

static char *
read_opt (const char *dir, const char *file)
{
  char *buf = NULL;

  if (dir == NULL || cgroup_read (dir, file, &buf, NULL) < 0)
    return NULL;
  return buf;
}

/* A single number; "max" reads as UINT64_MAX. False when the file is missing or unparsable. */
static bool
read_u64 (const char *dir, const char *file, uint64_t *ret)
{
  cleanup_free char *buf = read_opt (dir, file);

  if (buf == NULL)
    return false;
  if (strcmp (buf, "max") == 0)
    {
      *ret = UINT64_MAX;
      return true;
    }
  return parse_u64 (buf, ret) == 0;
}

static bool
read_i64 (const char *dir, const char *file, int64_t *ret)
{
  cleanup_free char *buf = read_opt (dir, file);

  return buf && parse_i64 (buf, ret) == 0;
}

/* The value of `key` in a flat-keyed file ("key value" lines). */
static bool
keyed_get (const char *content, const char *key, uint64_t *ret)
{
  size_t kl = strlen (key);

  for (const char *p = content; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp (p, key, kl) == 0 && p[kl] == ' ')
      {
        char *end;
        errno = 0;
        *ret = strtoull (p + kl + 1, &end, 10);
        return errno == 0 && end != p + kl + 1;
      }
  return false;
}

/* Space-separated numbers (cpuacct.usage_percpu). */
static void
parse_u64_list (const char *s, uint64_t **ret, size_t *ret_n)
{
  *ret = NULL;
  *ret_n = 0;
  while (s && *s)
    {
      char *end;
      uint64_t v;

      s += strspn (s, " \t\n");
      if (*s == '\0')
        break;
      v = strtoull (s, &end, 10);
      if (end == s)
        break;
      *ret = xrealloc (*ret, (*ret_n + 1) * sizeof (**ret));
      (*ret)[(*ret_n)++] = v;
      s = end;
    }
}

/* A cpuset list ("0-3,8"). */
static void
parse_cpu_list (const char *s, uint16_t **ret, size_t *ret_n)
{
  *ret = NULL;
  *ret_n = 0;
  while (s && *s)
    {
      char *end;
      unsigned long a = strtoul (s, &end, 10), b;

      if (end == s)
        break;
      b = a;
      if (*end == '-')
        {
          s = end + 1;
          b = strtoul (s, &end, 10);
          if (end == s)
            break;
        }
      for (unsigned long i = a; i <= b && i <= UINT16_MAX && *ret_n < 65536; i++)
        {
          *ret = xrealloc (*ret, (*ret_n + 1) * sizeof (**ret));
          (*ret)[(*ret_n)++] = (uint16_t)i;
        }
      s = *end == ',' ? end + 1 : end + strlen (end);
    }
}

static void
read_raw_memory_stat (const char *content, struct cgroup_stats *st)
{
  for (const char *p = content; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    {
      const char *sp = strchr (p, ' ');
      const char *nl = strchrnul (p, '\n');
      char *end;
      uint64_t v;

      if (sp == NULL || sp > nl)
        continue;
      v = strtoull (sp + 1, &end, 10);
      if (end == sp + 1)
        continue;
      st->memory.raw_keys
          = xrealloc (st->memory.raw_keys, (st->memory.n_raw + 1) * sizeof (char *));
      st->memory.raw_values
          = xrealloc (st->memory.raw_values, (st->memory.n_raw + 1) * sizeof (uint64_t));
      st->memory.raw_keys[st->memory.n_raw] = xasprintf ("%.*s", (int)(sp - p), p);
      st->memory.raw_values[st->memory.n_raw] = v;
      st->memory.n_raw++;
    }
}

static void
blkio_push (struct cgroup_stats *st, enum cgroup_blkio_kind k, uint64_t major, uint64_t minor,
            const char *op, uint64_t value)
{
  struct cgroup_blkio_entry *e;

  st->blkio[k].e = xrealloc (st->blkio[k].e, (st->blkio[k].n + 1) * sizeof (*e));
  e = &st->blkio[k].e[st->blkio[k].n++];
  e->major = major;
  e->minor = minor;
  e->value = value;
  snprintf (e->op, sizeof (e->op), "%s", op);
}

/* v1 blkio files: "MAJ:MIN Op VALUE" or "MAJ:MIN VALUE" lines, plus a "Total N" line. */
static void
parse_blkio_v1 (const char *content, struct cgroup_stats *st, enum cgroup_blkio_kind k)
{
  for (const char *p = content; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    {
      char line[256], f[3][64];
      unsigned long long major, minor, value;
      const char *nl = strchrnul (p, '\n');
      int n;

      snprintf (line, sizeof (line), "%.*s", (int)(nl - p), p);
      n = sscanf (line, "%63s %63s %63s", f[0], f[1], f[2]);
      if (n < 2 || sscanf (f[0], "%llu:%llu", &major, &minor) != 2)
        continue;
      if (sscanf (n == 3 ? f[2] : f[1], "%llu", &value) != 1)
        continue;
      blkio_push (st, k, major, minor, n == 3 ? f[1] : "", value);
    }
}

static void
stats_blkio_v1 (const char *dir, struct cgroup_stats *st)
{
  static const char *const names[BLKIO__MAX] = { "io_service_bytes_recursive",
                                                 "io_serviced_recursive",
                                                 "io_queued_recursive",
                                                 "io_service_time_recursive",
                                                 "io_wait_time_recursive",
                                                 "io_merged_recursive",
                                                 "time_recursive",
                                                 "sectors_recursive" };
  static const char *const prefixes[] = { "blkio.", "blkio.bfq." };

  if (dir == NULL)
    return;
  /* CFQ (old kernels) or BFQ statistics when the scheduler provides them; otherwise only the
     throttle counters exist, as runc falls back to. */
  for (size_t i = 0; i < ARRAY_SIZE (prefixes); i++)
    {
      bool any = false;
      for (int k = 0; k < BLKIO__MAX; k++)
        {
          cleanup_free char *file = xasprintf ("%s%s", prefixes[i], names[k]);
          cleanup_free char *buf = read_opt (dir, file);
          if (buf && buf[0])
            {
              any = true;
              parse_blkio_v1 (buf, st, k);
            }
        }
      if (any)
        return;
    }
  for (int k = 0; k < 2; k++)
    {
      const char *rec = k == 0 ? "blkio.throttle.io_service_bytes_recursive"
                               : "blkio.throttle.io_serviced_recursive";
      const char *flat = k == 0 ? "blkio.throttle.io_service_bytes" : "blkio.throttle.io_serviced";
      cleanup_free char *buf = read_opt (dir, rec);
      if (buf == NULL)
        buf = read_opt (dir, flat);
      if (buf)
        parse_blkio_v1 (buf, st, k == 0 ? BLKIO_SERVICE_BYTES : BLKIO_SERVICED);
    }
}

/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". */
static void
stats_blkio_v2 (const char *dir, struct cgroup_stats *st)
{
  cleanup_free char *buf = read_opt (dir, "io.stat");

  if (buf == NULL)
    return;
  for (char *p = buf, *save = NULL, *line; (line = strtok_r (p, "\n", &save)); p = NULL)
    {
      unsigned long long major, minor;
      char *tok, *s2 = NULL;

      tok = strtok_r (line, " ", &s2);
      if (tok == NULL || sscanf (tok, "%llu:%llu", &major, &minor) != 2)
        continue;
      while ((tok = strtok_r (NULL, " ", &s2)))
        {
          static const struct
          {
            const char *key;
            enum cgroup_blkio_kind kind;
            const char *op;
          } map[] = {
            { "rbytes=", BLKIO_SERVICE_BYTES, "Read" },
            { "wbytes=", BLKIO_SERVICE_BYTES, "Write" },
            { "rios=", BLKIO_SERVICED, "Read" },
            { "wios=", BLKIO_SERVICED, "Write" },
          };
          for (size_t i = 0; i < ARRAY_SIZE (map); i++)
            if (strncmp (tok, map[i].key, strlen (map[i].key)) == 0)
              blkio_push (st, map[i].kind, major, minor, map[i].op,
                          strtoull (tok + strlen (map[i].key), NULL, 10));
        }
    }
}

static void
mem_entry_v1 (const char *dir, const char *prefix, struct cgroup_mem_entry *e)
{
  static const char *const files[]
      = { "limit_in_bytes", "usage_in_bytes", "max_usage_in_bytes", "failcnt" };
  uint64_t *dst[] = { &e->limit, &e->usage, &e->max, &e->failcnt };

  for (size_t i = 0; i < ARRAY_SIZE (files); i++)
    {
      cleanup_free char *file = xasprintf ("%s%s", prefix, files[i]);
      read_u64 (dir, file, dst[i]);
    }
}

static void
stats_v1 (struct cgroup *cg, struct cgroup_stats *st)
{
  const char *cpu = ctl_dir (cg, "cpu"), *acct = ctl_dir (cg, "cpuacct");
  const char *mem = ctl_dir (cg, "memory"), *cpuset = ctl_dir (cg, "cpuset");
  cleanup_free char *cpustat = read_opt (cpu, "cpu.stat");
  cleanup_free char *acctstat = read_opt (acct, "cpuacct.stat");
  cleanup_free char *percpu = read_opt (acct, "cpuacct.usage_percpu");
  cleanup_free char *usage_all = read_opt (acct, "cpuacct.usage_all");
  cleanup_free char *memstat = read_opt (mem, "memory.stat");
  long hz = sysconf (_SC_CLK_TCK);
  uint64_t v;

  if (cpustat)
    {
      keyed_get (cpustat, "nr_periods", &st->cpu.periods);
      keyed_get (cpustat, "nr_throttled", &st->cpu.throttled_periods);
      keyed_get (cpustat, "throttled_time", &st->cpu.throttled_time);
    }
  read_u64 (acct, "cpuacct.usage", &st->cpu.total);
  if (hz <= 0)
    hz = 100;
  /* cpuacct.stat counts USER_HZ ticks. */
  if (acctstat && keyed_get (acctstat, "user", &v))
    st->cpu.user = v * (1000000000ULL / (uint64_t)hz);
  if (acctstat && keyed_get (acctstat, "system", &v))
    st->cpu.kernel = v * (1000000000ULL / (uint64_t)hz);
  parse_u64_list (percpu, &st->cpu.percpu, &st->cpu.n_percpu);
  /* cpuacct.usage_all: a "cpu user system" header, then one line per cpu. */
  for (const char *p = usage_all ? strchr (usage_all, '\n') : NULL; p && *++p; p = strchr (p, '\n'))
    {
      unsigned long long c, u, s;
      if (sscanf (p, "%llu %llu %llu", &c, &u, &s) != 3)
        break;
      st->cpu.percpu_user
          = xrealloc (st->cpu.percpu_user, (st->cpu.n_percpu_user + 1) * sizeof (uint64_t));
      st->cpu.percpu_kernel
          = xrealloc (st->cpu.percpu_kernel, (st->cpu.n_percpu_kernel + 1) * sizeof (uint64_t));
      st->cpu.percpu_user[st->cpu.n_percpu_user++] = u;
      st->cpu.percpu_kernel[st->cpu.n_percpu_kernel++] = s;
    }

  if (cpuset)
    {
      cleanup_free char *cpus = read_opt (cpuset, "cpuset.cpus");
      cleanup_free char *mems = read_opt (cpuset, "cpuset.mems");
      parse_cpu_list (cpus, &st->cpuset.cpus, &st->cpuset.n_cpus);
      parse_cpu_list (mems, &st->cpuset.mems, &st->cpuset.n_mems);
      read_u64 (cpuset, "cpuset.cpu_exclusive", &st->cpuset.cpu_exclusive);
      read_u64 (cpuset, "cpuset.mem_hardwall", &st->cpuset.mem_hardwall);
      read_u64 (cpuset, "cpuset.mem_exclusive", &st->cpuset.mem_exclusive);
      read_u64 (cpuset, "cpuset.memory_migrate", &st->cpuset.memory_migrate);
      read_u64 (cpuset, "cpuset.memory_spread_page", &st->cpuset.memory_spread_page);
      read_u64 (cpuset, "cpuset.memory_spread_slab", &st->cpuset.memory_spread_slab);
      read_u64 (cpuset, "cpuset.memory_pressure", &st->cpuset.memory_pressure);
      read_u64 (cpuset, "cpuset.sched_load_balance", &st->cpuset.sched_load_balance);
      read_i64 (cpuset, "cpuset.sched_relax_domain_level", &st->cpuset.sched_relax_domain_level);
    }

  if (mem)
    {
      mem_entry_v1 (mem, "memory.", &st->memory.usage);
      mem_entry_v1 (mem, "memory.memsw.", &st->memory.swap);
      mem_entry_v1 (mem, "memory.kmem.", &st->memory.kernel);
      mem_entry_v1 (mem, "memory.kmem.tcp.", &st->memory.kernel_tcp);
      if (memstat)
        {
          read_raw_memory_stat (memstat, st);
          keyed_get (memstat, "cache", &st->memory.cache);
        }
    }
  stats_blkio_v1 (ctl_dir (cg, "blkio"), st);
}

static void
stats_v2 (const char *dir, struct cgroup_stats *st)
{
  cleanup_free char *cpustat = read_opt (dir, "cpu.stat");
  cleanup_free char *memstat = read_opt (dir, "memory.stat");
  cleanup_free char *memevents = read_opt (dir, "memory.events");
  cleanup_free char *cpus = read_opt (dir, "cpuset.cpus.effective");
  cleanup_free char *mems = read_opt (dir, "cpuset.mems.effective");
  uint64_t v;

  /* cpu.stat is in microseconds; runc reports nanoseconds. */
  if (cpustat)
    {
      if (keyed_get (cpustat, "usage_usec", &v))
        st->cpu.total = v * 1000;
      if (keyed_get (cpustat, "user_usec", &v))
        st->cpu.user = v * 1000;
      if (keyed_get (cpustat, "system_usec", &v))
        st->cpu.kernel = v * 1000;
      keyed_get (cpustat, "nr_periods", &st->cpu.periods);
      keyed_get (cpustat, "nr_throttled", &st->cpu.throttled_periods);
      if (keyed_get (cpustat, "throttled_usec", &v))
        st->cpu.throttled_time = v * 1000;
    }
  parse_cpu_list (cpus, &st->cpuset.cpus, &st->cpuset.n_cpus);
  parse_cpu_list (mems, &st->cpuset.mems, &st->cpuset.n_mems);

  if (read_u64 (dir, "memory.current", &st->memory.usage.usage))
    {
      read_u64 (dir, "memory.max", &st->memory.usage.limit);
      read_u64 (dir, "memory.peak", &st->memory.usage.max);
      if (memevents)
        keyed_get (memevents, "max", &st->memory.usage.failcnt);
      /* v1 reports swap as memory+swap: keep that meaning (as runc does on v2). */
      read_u64 (dir, "memory.swap.current", &st->memory.swap.usage);
      if (!read_u64 (dir, "memory.swap.max", &st->memory.swap.limit))
        st->memory.swap.limit = UINT64_MAX;
      st->memory.swap.usage += st->memory.usage.usage;
      if (st->memory.swap.limit != UINT64_MAX && st->memory.usage.limit != UINT64_MAX)
        st->memory.swap.limit += st->memory.usage.limit;
      else
        st->memory.swap.limit = UINT64_MAX;
    }
  if (memstat)
    {
      read_raw_memory_stat (memstat, st);
      keyed_get (memstat, "file", &st->memory.cache);
    }
  stats_blkio_v2 (dir, st);
}

int
cgroup_stats (struct cgroup *cg, struct cgroup_stats *ret, ecirun_error_t *err)
{
  const char *pids;

  memset (ret, 0, sizeof (*ret));
  if (cg->n_hiers == 0)
    return make_error (err, 0, "cgroup: %s has no hierarchy", cg->saved_path);
  if (cg->mode == CGROUP_MODE_V2)
    {
      if (access (cg->hiers[0].dir, F_OK) < 0)
        return make_error (err, errno, "cgroup: %s", cg->hiers[0].dir);
      stats_v2 (cg->hiers[0].dir, ret);
    }
  else
    stats_v1 (cg, ret);
  pids = ctl_dir (cg, "pids");
  read_u64 (pids, "pids.current", &ret->pids.current);
  if (read_u64 (pids, "pids.max", &ret->pids.limit) && ret->pids.limit == UINT64_MAX)
    ret->pids.limit = 0;
  return 0;
}

void
cgroup_stats_release (struct cgroup_stats *s)
{
  free (s->cpu.percpu);
  free (s->cpu.percpu_kernel);
  free (s->cpu.percpu_user);
  free (s->cpuset.cpus);
  free (s->cpuset.mems);
  for (size_t i = 0; i < s->memory.n_raw; i++)
    free (s->memory.raw_keys[i]);
  free (s->memory.raw_keys);
  free (s->memory.raw_values);
  for (int k = 0; k < BLKIO__MAX; k++)
    free (s->blkio[k].e);
  memset (s, 0, sizeof (*s));
}

int
cgroup_oom_count (struct cgroup *cg, uint64_t *ret, ecirun_error_t *err)
{
  const char *dir = ctl_dir (cg, "memory");
  cleanup_free char *buf = NULL;

  *ret = 0;
  if (dir == NULL)
    return 0;
  if (cgroup_read (dir, cg->mode == CGROUP_MODE_V2 ? "memory.events" : "memory.oom_control", &buf,
                   err)
      < 0)
    return -1;
  keyed_get (buf, "oom_kill", ret);
  return 0;
}

int
cgroup_oom_watch_fd (struct cgroup *cg, bool *ret_pri)
{
  const char *dir = ctl_dir (cg, "memory");
  cleanup_free char *path = NULL, *ctl = NULL, *line = NULL;
  cleanup_close int ofd = -1, cfd = -1;
  int efd;

  *ret_pri = false;
  if (dir == NULL)
    return -1;
  if (cg->mode == CGROUP_MODE_V2)
    {
      /* Modifications of memory.events raise POLLPRI. */
      path = xasprintf ("%s/memory.events", dir);
      *ret_pri = true;
      return open (path, O_RDONLY | O_CLOEXEC);
    }
  path = xasprintf ("%s/memory.oom_control", dir);
  ctl = xasprintf ("%s/cgroup.event_control", dir);
  ofd = open (path, O_RDONLY | O_CLOEXEC);
  cfd = open (ctl, O_WRONLY | O_CLOEXEC);
  if (ofd < 0 || cfd < 0)
    return -1;
  efd = eventfd (0, EFD_CLOEXEC);
  if (efd < 0)
    return -1;
  line = xasprintf ("%d %d", efd, ofd);
  if (write (cfd, line, strlen (line)) < 0)
    {
      close (efd);
      return -1;
    }
  return efd;
}
