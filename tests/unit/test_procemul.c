/* Unit tests of proc-emul's renderers and collector (proc-emul/pe_render.h, pe_collect.h) on
   recorded inputs: this machine's /proc files and the cgroup files of a container limited as
   `docker run --memory 256m --cpus 1 --cpuset-cpus 0` makes one, v1 (recorded) and v2
   (written from the kernel's documentation), tests/unit/data/procemul/README.md. */
#include <config.h>
#include "pe_collect.h"
#include "pe_render.h"
#include "utils.h"
#include "tap.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATA PE_TEST_DATA

/* The recorded samples' figures, read from the files the collector reads (set in main). */
static unsigned long long S_LIMIT, S_MEMSW_LIMIT, S_USAGE, S_CACHE, S_RSS, S_SHMEM, S_MAPPED,
    S_INACTIVE_ANON, S_ACTIVE_ANON, S_INACTIVE_FILE, S_ACTIVE_FILE;
static unsigned long long V2_USAGE, V2_ACTIVE_FILE, V2_INACTIVE_FILE, S_SLAB_RECL, S_SLAB_UNRECL,
    S_KSTACK;

static char tmpdir[] = "/tmp/ecirun-test-procemul.XXXXXX";

static char *
slurp (const char *rel)
{
  cleanup_free char *path = xasprintf ("%s/%s", DATA, rel);
  char *buf = NULL;
  ecirun_error_t err = NULL;

  if (read_file_at (AT_FDCWD, path, &buf, NULL, 0, &err) < 0)
    {
      printf ("# %s\n", err->msg);
      error_release (&err);
      return xstrdup ("");
    }
  return buf;
}

/* "key value" of a recorded file (key NULL: the first number). */
static unsigned long long
recorded (const char *rel, const char *key)
{
  cleanup_free char *t = slurp (rel);
  size_t klen = key ? strlen (key) : 0;

  if (key == NULL)
    return strtoull (t, NULL, 10);
  for (const char *l = t; l && *l; l = strchr (l, '\n') ? strchr (l, '\n') + 1 : NULL)
    if (strncmp (l, key, klen) == 0 && l[klen] == ' ')
      return strtoull (l + klen + 1, NULL, 10);
  printf ("# %s: no %s\n", rel, key);
  return 0;
}

static void
load_recorded (void)
{
  S_LIMIT = recorded ("v1/memory/memory.limit_in_bytes", NULL);
  S_MEMSW_LIMIT = recorded ("v1/memory/memory.memsw.limit_in_bytes", NULL);
  S_USAGE = recorded ("v1/memory/memory.usage_in_bytes", NULL);
  S_CACHE = recorded ("v1/memory/memory.stat", "total_cache");
  S_RSS = recorded ("v1/memory/memory.stat", "total_rss");
  S_SHMEM = recorded ("v1/memory/memory.stat", "total_shmem");
  S_MAPPED = recorded ("v1/memory/memory.stat", "total_mapped_file");
  S_INACTIVE_ANON = recorded ("v1/memory/memory.stat", "total_inactive_anon");
  S_ACTIVE_ANON = recorded ("v1/memory/memory.stat", "total_active_anon");
  S_INACTIVE_FILE = recorded ("v1/memory/memory.stat", "total_inactive_file");
  S_ACTIVE_FILE = recorded ("v1/memory/memory.stat", "total_active_file");
  V2_USAGE = recorded ("v2/memory.current", NULL);
  V2_ACTIVE_FILE = recorded ("v2/memory.stat", "active_file");
  V2_INACTIVE_FILE = recorded ("v2/memory.stat", "inactive_file");
  S_SLAB_RECL = recorded ("v2/memory.stat", "slab_reclaimable");
  S_SLAB_UNRECL = recorded ("v2/memory.stat", "slab_unreclaimable");
  S_KSTACK = recorded ("v2/memory.stat", "kernel_stack");
}

static void
put (const char *dir, const char *name, const char *content)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, name);
  ecirun_error_t err = NULL;

  if (write_file_at (AT_FDCWD, path, content, strlen (content), 0644, &err) < 0)
    {
      printf ("# %s\n", err->msg);
      error_release (&err);
    }
}

/* The line of text that starts with key (up to its newline), copied, or NULL. */
static char *
line_of (const char *text, const char *key)
{
  size_t klen = strlen (key);

  for (const char *l = text; l && *l;)
    {
      const char *eol = strchr (l, '\n');
      size_t len = eol ? (size_t)(eol - l) : strlen (l);
      if (len >= klen && strncmp (l, key, klen) == 0)
        {
          char *r = xmalloc0 (len + 1);
          memcpy (r, l, len);
          return r;
        }
      l = eol ? eol + 1 : NULL;
    }
  return NULL;
}

/* The kB value of meminfo line key ("MemTotal"), or -1. */
static long long
meminfo_kb (const char *text, const char *key)
{
  cleanup_free char *k = xasprintf ("%s:", key);
  cleanup_free char *l = line_of (text, k);
  return l ? strtoll (l + strlen (k), NULL, 10) : -1;
}

static size_t
count_char (const char *s, char c)
{
  size_t n = 0;
  for (; *s; s++)
    n += *s == c;
  return n;
}

/* Every line of got has the key (text before ':') of the same line of want, and the same
   length whenever both values fit their columns: the host's layout to the byte. */
static bool
same_layout (const char *got, const char *want)
{
  const char *g = got, *w = want;

  if (count_char (got, '\n') != count_char (want, '\n'))
    return false;
  while (*g && *w)
    {
      const char *ge = strchr (g, '\n'), *we = strchr (w, '\n');
      const char *gc = strchr (g, ':'), *wc = strchr (w, ':');
      if (!ge || !we || !gc || !wc || gc - g != wc - w || strncmp (g, w, (size_t)(gc - g)) != 0)
        return false;
      /* Values of up to 8 digits keep the line at the host's length. */
      if (ge - g != we - w && ge - g <= 27 && we - w <= 27)
        return false;
      g = ge + 1;
      w = we + 1;
    }
  return true;
}

static struct pe_collect *
collect_new (const struct pe_collect_config *extra)
{
  struct pe_collect_config cfg = *extra;
  struct pe_collect *c = NULL;
  ecirun_error_t err = NULL;
  static char proc[PATH_MAX];

  snprintf (proc, sizeof (proc), "%s/proc", tmpdir);
  cfg.host_proc = DATA "/host";
  cfg.cpu_online = DATA "/host/cpu-online";
  cfg.task_proc = proc;
  if (pe_collect_new (&cfg, &c, &err) < 0)
    {
      printf ("# pe_collect_new: %s\n", err->msg);
      error_release (&err);
    }
  return c;
}

static char *
render (struct pe_collect *c, enum pe_file f)
{
  struct pe_buf b = { 0 };
  int r = c ? pe_collect_render (c, f, &b) : -1;
  if (r < 0)
    printf ("# render %d: %d\n", (int)f, r);
  return pe_buf_steal (&b, NULL);
}

static const struct pe_collect_config v1_cfg = {
  .memory = DATA "/v1/memory",
  .cpu = DATA "/v1/cpu",
  .cpu_root = DATA "/v1/cpu",
  .cpuacct = DATA "/v1/cpuacct",
  .cpuset = DATA "/v1/cpuset",
  .blkio = DATA "/v1/blkio",
  .pids = DATA "/v1/pids",
  .id = "ctr-v1",
};
static const struct pe_collect_config v2_cfg = {
  .v2 = DATA "/v2",
  .v2_root = DATA "/v2",
  .id = "ctr-v2",
};

/* ---- meminfo ---- */

static void
test_meminfo_v1 (void)
{
  cleanup_free char *host = slurp ("host/meminfo");
  struct pe_collect *c = collect_new (&v1_cfg);
  cleanup_free char *m = render (c, PE_FILE_MEMINFO);
  long long total = (long long)(S_LIMIT / 1024), free_kb = total - (long long)(S_USAGE / 1024);

  TAP_OK (same_layout (m, host), "meminfo v1: the host's lines, keys and columns");
  TAP_OK (meminfo_kb (m, "MemTotal") == total, "meminfo v1: MemTotal is the 256 MiB limit (%lld)",
          meminfo_kb (m, "MemTotal"));
  TAP_OK (meminfo_kb (m, "MemFree") == free_kb, "meminfo v1: MemFree = limit - usage (%lld)",
          meminfo_kb (m, "MemFree"));
  TAP_OK (meminfo_kb (m, "MemAvailable")
              == free_kb + (long long)(S_ACTIVE_FILE / 1024 + S_INACTIVE_FILE / 1024),
          "meminfo v1: MemAvailable = free + the file LRUs (%lld)", meminfo_kb (m, "MemAvailable"));
  TAP_OK (meminfo_kb (m, "Cached") == (long long)(S_CACHE / 1024), "meminfo v1: Cached");
  TAP_OK (meminfo_kb (m, "Buffers") == 0, "meminfo v1: Buffers 0");
  TAP_OK (meminfo_kb (m, "AnonPages") == (long long)(S_RSS / 1024), "meminfo v1: AnonPages");
  TAP_OK (meminfo_kb (m, "Shmem") == (long long)(S_SHMEM / 1024), "meminfo v1: Shmem");
  TAP_OK (meminfo_kb (m, "Mapped") == (long long)(S_MAPPED / 1024), "meminfo v1: Mapped");
  TAP_OK (meminfo_kb (m, "Active") == (long long)(S_ACTIVE_ANON / 1024 + S_ACTIVE_FILE / 1024)
              && meminfo_kb (m, "Inactive")
                     == (long long)(S_INACTIVE_ANON / 1024 + S_INACTIVE_FILE / 1024),
          "meminfo v1: Active, Inactive = anon + file");
  TAP_OK (meminfo_kb (m, "Active(anon)") == (long long)(S_ACTIVE_ANON / 1024)
              && meminfo_kb (m, "Inactive(file)") == (long long)(S_INACTIVE_FILE / 1024),
          "meminfo v1: Active(anon), Inactive(file)");
  TAP_OK (meminfo_kb (m, "Slab") == 0 && meminfo_kb (m, "KernelStack") == 0,
          "meminfo v1: Slab, KernelStack: v1 does not say, 0 (not the host's)");
  TAP_OK (meminfo_kb (m, "SwapTotal") == 0 && meminfo_kb (m, "SwapFree") == 0,
          "meminfo v1: no swap on the host, none in the container");
  {
    static const char *const host_lines[]
        = { "CommitLimit:", "VmallocTotal:", "HugePages_Total:", "Hugepagesize:", "DirectMap1G:" };
    bool ok = true;
    for (size_t i = 0; i < ARRAY_SIZE (host_lines); i++)
      {
        cleanup_free char *a = line_of (m, host_lines[i]);
        cleanup_free char *b = line_of (host, host_lines[i]);
        ok = ok && a && b && strcmp (a, b) == 0;
      }
    TAP_OK (ok, "meminfo v1: CommitLimit, Vmalloc*, HugePages_*, DirectMap* are the host's lines");
  }
  {
    cleanup_free char *l = line_of (m, "MemTotal:");
    char want[64];
    snprintf (want, sizeof (want), "MemTotal:       %8lld kB", total);
    TAP_STR_EQ (l, want, "meminfo v1: the kernel's format (label in 16 columns, value in 8)");
  }
  pe_collect_free (c);
}

static void
test_meminfo_v2 (void)
{
  cleanup_free char *host = slurp ("host/meminfo");
  struct pe_collect *c = collect_new (&v2_cfg);
  cleanup_free char *m = render (c, PE_FILE_MEMINFO);

  TAP_OK (same_layout (m, host), "meminfo v2: the host's lines, keys and columns");
  TAP_OK (meminfo_kb (m, "MemTotal") == (long long)(S_LIMIT / 1024), "meminfo v2: MemTotal");
  TAP_OK (meminfo_kb (m, "MemFree") == (long long)(S_LIMIT / 1024 - V2_USAGE / 1024),
          "meminfo v2: MemFree");
  TAP_OK (meminfo_kb (m, "Slab") == (long long)(S_SLAB_RECL / 1024 + S_SLAB_UNRECL / 1024)
              && meminfo_kb (m, "SReclaimable") == (long long)(S_SLAB_RECL / 1024)
              && meminfo_kb (m, "SUnreclaim") == (long long)(S_SLAB_UNRECL / 1024),
          "meminfo v2: Slab = SReclaimable + SUnreclaim, from memory.stat");
  TAP_OK (meminfo_kb (m, "KernelStack") == (long long)(S_KSTACK / 1024), "meminfo v2: KernelStack");
  TAP_OK (meminfo_kb (m, "MemAvailable")
              == (long long)(S_LIMIT / 1024 - V2_USAGE / 1024 + V2_ACTIVE_FILE / 1024
                             + V2_INACTIVE_FILE / 1024 + S_SLAB_RECL / 1024),
          "meminfo v2: MemAvailable = free + file LRUs + reclaimable slab");
  pe_collect_free (c);
}

/* Limits up the tree: a v2 container without its own limit under a parent that has one. */
static void
test_v2_ancestors (void)
{
  cleanup_free char *root = xasprintf ("%s/v2root", tmpdir);
  cleanup_free char *ctr = xasprintf ("%s/v2root/ctr", tmpdir);
  static const char *const copied[] = { "memory.stat", "memory.current", "memory.swap.current",
                                        "cpu.stat", "cpuset.cpus.effective" };
  struct pe_collect_config cfg = { .v2 = ctr, .v2_root = root, .id = "nested" };
  struct pe_collect *c;

  mkdir (root, 0755);
  mkdir (ctr, 0755);
  for (size_t i = 0; i < ARRAY_SIZE (copied); i++)
    {
      cleanup_free char *rel = xasprintf ("v2/%s", copied[i]);
      cleanup_free char *t = slurp (rel);
      put (ctr, copied[i], t);
    }
  put (ctr, "memory.max", "max\n");
  put (ctr, "memory.swap.max", "max\n");
  put (ctr, "cpu.max", "max 100000\n");
  put (ctr, "cpuset.cpus.effective", "0-1\n");
  put (root, "memory.max", "134217728\n");
  put (root, "cpu.max", "50000 100000\n");
  c = collect_new (&cfg);
  {
    cleanup_free char *m = render (c, PE_FILE_MEMINFO);
    cleanup_free char *online = render (c, PE_FILE_CPU_ONLINE);
    TAP_OK (meminfo_kb (m, "MemTotal") == 131072, "v2: the parent's memory.max applies (%lld)",
            meminfo_kb (m, "MemTotal"));
    TAP_STR_EQ (online, "0\n", "v2: the parent's cpu.max (0.5 CPU) applies: one CPU online");
  }
  pe_collect_free (c);

  /* No limit anywhere: the host's totals. */
  put (root, "memory.max", "max\n");
  put (root, "cpu.max", "max 100000\n");
  c = collect_new (&cfg);
  {
    cleanup_free char *host = slurp ("host/meminfo");
    cleanup_free char *m = render (c, PE_FILE_MEMINFO);
    cleanup_free char *online = render (c, PE_FILE_CPU_ONLINE);
    TAP_OK (meminfo_kb (m, "MemTotal") == meminfo_kb (host, "MemTotal"),
            "v2 unlimited: MemTotal is the host's");
    TAP_OK (meminfo_kb (m, "MemFree")
                == meminfo_kb (host, "MemTotal") - (long long)(V2_USAGE / 1024),
            "v2 unlimited: MemFree = host total - the container's usage");
    TAP_STR_EQ (online, "0-1\n", "v2 unlimited: both host CPUs online");
  }
  pe_collect_free (c);
}

static void
test_meminfo_pure (void)
{
  cleanup_free char *host_text = slurp ("host/meminfo");
  cleanup_free char *stat = slurp ("v1/memory/memory.stat");
  struct pe_host_meminfo host;
  struct pe_mem mem;
  struct pe_memview v;
  struct pe_buf b = { 0 };

  pe_host_meminfo_parse (host_text, &host);
  pe_mem_init (&mem);
  pe_render_meminfo (&b, &host, &mem);
  TAP_STR_EQ (b.data, host_text, "meminfo without a memory cgroup: the host's file to the byte");
  pe_buf_free (&b);

  /* A limit above the host's memory shows the host's. */
  mem.known = true;
  pe_memstat_parse (stat, false, mem.stat);
  mem.stat[PE_MS_HIER_LIMIT] = 9223372036854771712ull; /* v1's "unlimited" */
  mem.usage = S_USAGE;
  pe_mem_view (&host, &mem, &v);
  TAP_OK (v.total == pe_host_meminfo_get (&host, "MemTotal"), "unlimited v1: MemTotal = host");
  mem.limit = 1ull << 50;
  mem.stat[PE_MS_HIER_LIMIT] = PE_UNKNOWN;
  pe_mem_view (&host, &mem, &v);
  TAP_OK (v.total == pe_host_meminfo_get (&host, "MemTotal"), "limit above the host: host's total");
  /* Usage above the limit (cache being reclaimed) never makes MemFree negative. */
  mem.limit = S_USAGE / 2;
  pe_mem_view (&host, &mem, &v);
  TAP_OK (v.free == 0 && v.available <= v.total, "usage above the limit: MemFree 0");
  pe_host_meminfo_release (&host);
}

/* Every per-container line is computed, none copied from the host: with a known, empty cgroup
   of a 1 MiB limit each of them says 0 (or the limit). */
static void
test_meminfo_every_line (void)
{
  static const char *const zero[] = {
    "Buffers",        "Cached",         "SwapCached",    "Active",         "Inactive",
    "Active(anon)",   "Inactive(anon)", "Active(file)",  "Inactive(file)", "Unevictable",
    "Mlocked",        "SwapTotal",      "SwapFree",      "Zswap",          "Zswapped",
    "Dirty",          "Writeback",      "AnonPages",     "Mapped",         "Shmem",
    "KReclaimable",   "Slab",           "SReclaimable",  "SUnreclaim",     "KernelStack",
    "PageTables",     "SecPageTables",  "Percpu",        "AnonHugePages",  "ShmemHugePages",
    "ShmemPmdMapped", "FileHugePages",  "FilePmdMapped",
  };
  cleanup_free char *host_text = slurp ("host/meminfo");
  struct pe_host_meminfo host;
  struct pe_mem mem;
  struct pe_buf b = { 0 };
  bool ok = true;

  TAP_OK (pe_meminfo_selfcheck () && pe_memstat_selfcheck (), "meminfo tables sorted");
  pe_host_meminfo_parse (host_text, &host);
  pe_mem_init (&mem);
  mem.known = true;
  mem.limit = 1 << 20;
  mem.usage = 0;
  for (size_t i = 0; i < PE_MS__MAX; i++)
    mem.stat[i] = 0;
  mem.stat[PE_MS_HIER_LIMIT] = mem.stat[PE_MS_HIER_MEMSW_LIMIT] = PE_UNKNOWN;
  pe_render_meminfo (&b, &host, &mem);
  for (size_t i = 0; i < ARRAY_SIZE (zero); i++)
    if (meminfo_kb (b.data, zero[i]) != 0)
      {
        printf ("#   %s: %lld\n", zero[i], meminfo_kb (b.data, zero[i]));
        ok = false;
      }
  TAP_OK (ok, "meminfo: every per-container line comes from the cgroup (all 0 when it is empty)");
  TAP_OK (meminfo_kb (b.data, "MemTotal") == 1024 && meminfo_kb (b.data, "MemFree") == 1024
              && meminfo_kb (b.data, "MemAvailable") == 1024,
          "meminfo: an empty 1 MiB cgroup is 1024 kB total, free, available");
  pe_buf_free (&b);
  pe_host_meminfo_release (&host);
}

static void
test_swap (void)
{
  cleanup_free char *orig = slurp ("host/meminfo");
  cleanup_free char *host_text = NULL;
  struct pe_host_meminfo host;
  struct pe_mem mem;
  struct pe_memview v;
  struct pe_buf b = { 0 };
  char *p;

  /* The host with 1 GiB of swap, 100 MiB of it used. */
  host_text = xstrdup (orig);
  p = strstr (host_text, "SwapTotal:");
  memcpy (p, "SwapTotal:       1048576 kB\nSwapFree:         946176 kB", 55);
  pe_host_meminfo_parse (host_text, &host);
  TAP_OK (pe_host_meminfo_get (&host, "SwapTotal") == 1048576
              && pe_host_meminfo_get (&host, "SwapFree") == 946176,
          "swap: test host has 1 GiB of swap");

  pe_mem_init (&mem);
  mem.known = true;
  mem.limit = S_LIMIT;
  mem.usage = S_USAGE;
  mem.swap_limit = S_MEMSW_LIMIT - S_LIMIT; /* docker's --memory-swap 2x */
  mem.swap_usage = 10 << 20;
  pe_mem_view (&host, &mem, &v);
  TAP_OK (v.swap_total == (S_MEMSW_LIMIT - S_LIMIT) / 1024
              && v.swap_free == v.swap_total - (10 << 10),
          "swap: SwapTotal = the swap limit, SwapFree = limit - used");
  pe_render_swaps (&b, &v);
  {
    char name[64], type[64];
    unsigned long long size, used;
    int prio, n;
    const char *line = strchr (b.data, '\n') + 1;
    n = sscanf (line, "%63s %63s %llu %llu %d", name, type, &size, &used, &prio);
    static const char header[] = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
    TAP_OK (strncmp (b.data, header, strlen (header)) == 0 && n == 5
                && strcmp (type, "partition") == 0 && size == v.swap_total && used == 10 << 10
                && strchr (line, '\t') - line == 49,
            "swaps: the kernel's header, one line of the container's share (name in 40 columns)");
  }
  pe_buf_free (&b);

  mem.swap_limit = PE_UNLIMITED;
  pe_mem_view (&host, &mem, &v);
  TAP_OK (v.swap_total == 1048576 && v.swap_free == 1048576 - (10 << 10),
          "swap unlimited: the host's swap, less what the container uses");
  pe_host_meminfo_release (&host);

  pe_host_meminfo_parse (orig, &host);
  pe_mem_view (&host, &mem, &v);
  pe_render_swaps (&b, &v);
  TAP_STR_EQ (b.data, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n",
              "swaps: no swap on the host, the header only");
  pe_buf_free (&b);
  pe_host_meminfo_release (&host);
}

/* ---- CPUs ---- */

static void
test_cpuset (void)
{
  struct pe_cpuset s;
  struct pe_buf b = { 0 };

  TAP_OK (pe_cpuset_parse ("0-3,8,10-11\n", &s) == 0 && pe_cpuset_count (&s) == 7
              && pe_cpuset_has (&s, 8) && !pe_cpuset_has (&s, 9),
          "cpuset: parse a list");
  pe_cpuset_format (&b, &s);
  TAP_STR_EQ (b.data, "0-3,8,10-11\n", "cpuset: format it back");
  pe_buf_free (&b);
  TAP_OK (pe_cpuset_parse ("\n", &s) == 0 && pe_cpuset_count (&s) == 0, "cpuset: empty list");
  TAP_OK (pe_cpuset_parse ("3-1", &s) < 0 && pe_cpuset_parse ("a", &s) < 0
              && pe_cpuset_parse ("99999", &s) < 0,
          "cpuset: malformed lists refused");
}

static void
test_cpu_select (void)
{
  struct pe_cpuset online;
  struct pe_cpu cpu;
  struct pe_cpuview v;
  struct pe_buf b = { 0 };

  pe_cpuset_parse ("0-7", &online);
  pe_cpu_init (&cpu);
  pe_cpu_select (&online, &cpu, &v);
  TAP_OK (v.n == 8, "cpus: no limit: every host CPU (%u)", v.n);
  cpu.quota_us = 150000;
  cpu.period_us = 100000;
  pe_cpu_select (&online, &cpu, &v);
  TAP_OK (v.n == 2, "cpus: --cpus 1.5 is ceil = 2 (%u)", v.n);
  pe_render_cpu_online (&b, &v);
  TAP_STR_EQ (b.data, "0-1\n", "cpus: online 0-1");
  pe_buf_free (&b);
  cpu.have_cpuset = true;
  pe_cpuset_parse ("5", &cpu.cpuset);
  pe_cpu_select (&online, &cpu, &v);
  TAP_OK (v.n == 1 && pe_cpuset_has (&v.shown, 5), "cpus: --cpuset-cpus 5 below the quota: 1");
  pe_render_cpu_online (&b, &v);
  TAP_STR_EQ (b.data, "0\n", "cpus: online 0 (renumbered)");
  pe_buf_free (&b);
  pe_cpuset_parse ("2-6", &cpu.cpuset);
  cpu.quota_us = 300000;
  pe_cpu_select (&online, &cpu, &v);
  TAP_OK (v.n == 3 && pe_cpuset_has (&v.shown, 2) && pe_cpuset_has (&v.shown, 4)
              && !pe_cpuset_has (&v.shown, 5) && pe_cpuset_count (&v.allowed) == 5,
          "cpus: min(cpuset 5, quota 3) = the first 3 of the cpuset");
  pe_cpuset_parse ("9", &cpu.cpuset);
  pe_cpu_select (&online, &cpu, &v);
  TAP_OK (v.n == 3, "cpus: a cpuset of offline CPUs falls back to the host's");
  cpu.quota_us = 1000;
  pe_cpuset_parse ("0-7", &cpu.cpuset);
  pe_cpu_select (&online, &cpu, &v);
  TAP_OK (v.n == 1, "cpus: a tiny quota still shows one CPU");
}

static void
test_cpuinfo (void)
{
  cleanup_free char *host_text = slurp ("host/cpuinfo");
  struct pe_collect *c = collect_new (&v1_cfg);
  cleanup_free char *ci = render (c, PE_FILE_CPUINFO);
  struct pe_host_cpuinfo host;
  struct pe_cpuview v;
  struct pe_buf b = { 0 };
  size_t host_block0;

  pe_host_cpuinfo_parse (host_text, &host);
  TAP_OK (host.n == 2 && host.blocks[0].cpu == 0 && host.blocks[1].cpu == 1,
          "cpuinfo: the host's 2 CPU blocks parsed");
  host_block0 = host.blocks[0].len;
  TAP_OK (strstr (ci, "processor\t: 0\n") && !strstr (ci, "processor\t: 1\n")
              && count_char (ci, '\n') == count_char (host_text, '\n') / 2,
          "cpuinfo --cpuset-cpus 0: one block");
  TAP_OK (strstr (ci, "siblings\t: 1\n") && strstr (ci, "cpu cores\t: 1\n"),
          "cpuinfo: siblings and cpu cores count the container's CPUs");
  TAP_OK (strlen (ci) == host_block0 + 1, "cpuinfo: the block otherwise the host's, to the byte");

  /* Only the host's CPU 1: renumbered 0, its own core id kept. */
  memset (&v, 0, sizeof (v));
  v.n = 1;
  pe_cpuset_set (&v.shown, 1);
  v.allowed = v.shown;
  pe_render_cpuinfo (&b, &host, &v);
  TAP_OK (strncmp (b.data, "processor\t: 0\n", 14) == 0 && strstr (b.data, "core id\t\t: 1\n")
              && strstr (b.data, "apicid\t\t: 1\n"),
          "cpuinfo: host CPU 1 shown as processor 0");
  pe_buf_free (&b);

  /* Every CPU: the host's file. */
  pe_cpuset_set (&v.shown, 0);
  v.n = 2;
  pe_render_cpuinfo (&b, &host, &v);
  TAP_STR_EQ (b.data, host_text, "cpuinfo with every CPU: the host's file to the byte");
  pe_buf_free (&b);
  pe_host_cpuinfo_release (&host);
  pe_collect_free (c);
}

/* The fields of line "cpuN" of a /proc/stat text. */
static int
stat_fields (const char *text, const char *label, unsigned long long f[10])
{
  cleanup_free char *key = xasprintf ("%s ", label);
  cleanup_free char *l = line_of (text, key);
  if (l == NULL)
    return -1;
  return sscanf (l + strlen (key), "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &f[0],
                 &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9]);
}

static void
test_stat (void)
{
  cleanup_free char *host_text = slurp ("host/stat");
  cleanup_free char *user_text = slurp ("v1/cpuacct/cpuacct.usage_percpu_user");
  cleanup_free char *sys_text = slurp ("v1/cpuacct/cpuacct.usage_percpu_sys");
  struct pe_collect *c = collect_new (&v1_cfg);
  cleanup_free char *st = render (c, PE_FILE_STAT);
  unsigned long long h0[10], f[10], tot[10], user0, sys0,
      hz = (unsigned long long)sysconf (_SC_CLK_TCK);
  unsigned long long cap = 0;

  user0 = strtoull (user_text, NULL, 10);
  sys0 = strtoull (sys_text, NULL, 10);
  stat_fields (host_text, "cpu0", h0);
  for (int i = 0; i < 8; i++)
    cap += h0[i];
  TAP_OK (stat_fields (st, "cpu0", f) == 10 && stat_fields (st, "cpu1", f) < 0,
          "stat v1 --cpuset-cpus 0: one cpu line");
  stat_fields (st, "cpu0", f);
  TAP_OK (f[0] == user0 * hz / 1000000000ull && f[2] == sys0 * hz / 1000000000ull,
          "stat v1: cpu0 user/system from cpuacct.usage_percpu_user/_sys (%llu %llu)", f[0], f[2]);
  TAP_OK (f[3] == cap - f[0] - f[2] && f[1] == 0 && f[4] == 0,
          "stat v1: idle = the CPU's time the container did not use");
  stat_fields (st, "cpu", tot);
  TAP_OK (memcmp (tot, f, sizeof (f)) == 0, "stat v1: the cpu line sums the cpuN lines");
  TAP_OK (strstr (st, strstr (host_text, "\nintr ")) != NULL,
          "stat v1: intr, ctxt, btime... the host's");
  TAP_OK (strncmp (st, "cpu  ", 5) == 0, "stat: \"cpu  \" as the kernel prints it");
  pe_collect_free (c);

  c = collect_new (&v2_cfg);
  {
    cleanup_free char *st2 = render (c, PE_FILE_STAT);
    stat_fields (st2, "cpu0", f);
    /* v2/cpu.stat: user_usec 235972, system_usec 179984 */
    TAP_OK (f[0] == 235972ull * 1000 * hz / 1000000000ull
                && f[2] == 179984ull * 1000 * hz / 1000000000ull
                && stat_fields (st2, "cpu1", f) < 0,
            "stat v2: user/system from cpu.stat");
  }
  pe_collect_free (c);

  /* No cgroup CPU times and every CPU: the host's file to the byte. */
  {
    struct pe_host_stat hs;
    struct pe_cpuview v;
    struct pe_cpu cpu;
    struct pe_cpuset online;
    struct pe_buf b = { 0 };

    pe_host_stat_parse (host_text, &hs);
    pe_cpuset_parse ("0-1", &online);
    pe_cpu_init (&cpu);
    pe_cpu_select (&online, &cpu, &v);
    pe_render_stat (&b, &hs, &v, &cpu, 100);
    TAP_STR_EQ (b.data, host_text, "stat without cgroup times, every CPU: the host's file");
    pe_buf_free (&b);
    pe_host_stat_release (&hs);
  }

  /* v2 totals over 2 CPUs: spread, and nothing lost. */
  {
    struct pe_host_stat hs;
    struct pe_cpuview v;
    struct pe_cpu cpu;
    struct pe_cpuset online;
    struct pe_buf b = { 0 };
    unsigned long long a[10], b1[10];

    pe_host_stat_parse (host_text, &hs);
    pe_cpuset_parse ("0-1", &online);
    pe_cpu_init (&cpu);
    cpu.user_ns = 3000000000ull;
    cpu.system_ns = 1000000000ull;
    pe_cpu_select (&online, &cpu, &v);
    pe_render_stat (&b, &hs, &v, &cpu, 100);
    stat_fields (b.data, "cpu0", a);
    stat_fields (b.data, "cpu1", b1);
    TAP_OK (a[0] == 150 && b1[0] == 150 && a[2] == 50 && b1[2] == 50,
            "stat v2 totals: spread evenly over the shown CPUs");
    pe_buf_free (&b);
    pe_host_stat_release (&hs);
  }
}

/* ---- uptime, loadavg ---- */

static void
test_uptime (void)
{
  struct pe_buf b = { 0 };

  pe_render_uptime (&b, 1000500000000ull, 400250000000ull, 2, 100000000000ull);
  TAP_STR_EQ (b.data, "600.25 1100.50\n", "uptime: since the start; idle = 2 CPUs x up - used");
  pe_buf_free (&b);
  pe_render_uptime (&b, 5000000000ull, 5000000000ull, 1, PE_UNKNOWN);
  TAP_STR_EQ (b.data, "0.00 0.00\n", "uptime: just started");
  pe_buf_free (&b);
  pe_render_uptime (&b, 10000000000ull, 0, 1, 20000000000ull);
  TAP_STR_EQ (b.data, "10.00 0.00\n", "uptime: idle never negative");
  pe_buf_free (&b);
}

static double
load_of (const struct pe_loadavg *l, int i)
{
  return (double)l->avenrun[i] / 2048.0;
}

static void
test_loadavg (void)
{
  struct pe_loadavg a = { 0 }, b = { 0 };
  struct pe_buf out = { 0 };
  uint64_t t = 1000000000000ull;
  bool ok = true;

  pe_loadavg_sample (&a, t, 1);
  TAP_OK (a.avenrun[0] == 0 && a.next_ns == t + PE_LOAD_FREQ_NS,
          "loadavg: the first call starts the clock");
  pe_loadavg_sample (&a, t + PE_LOAD_FREQ_NS / 2, 1);
  TAP_OK (a.avenrun[0] == 0, "loadavg: nothing before 5 s");
  pe_loadavg_sample (&a, t + PE_LOAD_FREQ_NS, 1);
  pe_render_loadavg (&out, &a, 1, 3, 42);
  /* The kernel's arithmetic: (2048 * (2048 - exp) + 2047) / 2048 = 164, 34, 11 for the
     factors 1884, 2014, 2037; shown with + 2048/200, times 100, >> 11: 8, 2, 1 hundredths. */
  TAP_STR_EQ (out.data, "0.08 0.02 0.01 1/3 42\n",
              "loadavg: one busy task for 5 s, in the kernel's fixed point");
  pe_buf_free (&out);
  /* 60 s of one busy task: 1 - e^-1, 1 - e^-(1/5), 1 - e^-(1/15). */
  for (int i = 2; i <= 12; i++)
    pe_loadavg_sample (&a, t + i * PE_LOAD_FREQ_NS, 1);
  ok = load_of (&a, 0) > 0.61 && load_of (&a, 0) < 0.65 && load_of (&a, 1) > 0.17
       && load_of (&a, 1) < 0.19 && load_of (&a, 2) > 0.06 && load_of (&a, 2) < 0.07;
  TAP_OK (ok, "loadavg: 60 s of 1 task: %.3f %.3f %.3f", load_of (&a, 0), load_of (&a, 1),
          load_of (&a, 2));
  /* Sampled once after 60 s: the missed periods count the same task (the kernel's catch-up). */
  pe_loadavg_sample (&b, t, 1);
  pe_loadavg_sample (&b, t + 12 * PE_LOAD_FREQ_NS + 1000, 1);
  TAP_OK (b.avenrun[0] >= a.avenrun[0] - 4 && b.avenrun[0] <= a.avenrun[0] + 4
              && b.avenrun[2] >= a.avenrun[2] - 4 && b.avenrun[2] <= a.avenrun[2] + 4,
          "loadavg: 12 periods at once = 12 samples (%.3f vs %.3f)", load_of (&b, 0),
          load_of (&a, 0));
  /* Idle afterwards: it decays. */
  for (int i = 13; i <= 72; i++)
    pe_loadavg_sample (&a, t + i * PE_LOAD_FREQ_NS, 0);
  TAP_OK (load_of (&a, 0) < 0.01 && load_of (&a, 2) > 0.02,
          "loadavg: 5 idle minutes: 1-min gone, 15-min not");
}

static void
test_tasks (void)
{
  cleanup_free char *proc = xasprintf ("%s/proc", tmpdir);
  static const struct
  {
    const char *tid, *stat;
  } tasks[] = {
    { "9282", "9282 (work.sh) S 1 9276 4308 0 -1\n" },
    { "9288", "9288 (py (x) R) R 9282 9276 4308 0 -1\n" },
    { "9289", "9289 (sleep) D 9282 9276 4308 0 -1\n" },
  };

  mkdir (proc, 0755);
  for (size_t i = 0; i < ARRAY_SIZE (tasks); i++)
    {
      cleanup_free char *d = xasprintf ("%s/%s", proc, tasks[i].tid);
      mkdir (d, 0755);
      put (d, "stat", tasks[i].stat);
    }
  {
    cleanup_free char *d = xasprintf ("%s/9289", proc);
    put (d, "status", "Name:\tsleep\nNSpid:\t9289\t17\n");
  }
  struct pe_collect *c = collect_new (&v1_cfg);
  struct pe_tasks t;
  pe_collect_tasks (c, &t);
  TAP_OK (t.total == 3 && t.running == 1 && t.active == 2 && t.last_pid == 17,
          "tasks v1: 3 tasks, 1 running, 2 for the load, last pid in the container's pid "
          "namespace (%u %u %u %u)",
          t.total, t.running, t.active, t.last_pid);
  {
    cleanup_free char *l = render (c, PE_FILE_LOADAVG);
    TAP_OK (strstr (l, " 1/3 17\n") != NULL, "loadavg: running/total and last pid: %s", l);
  }
  pe_collect_free (c);
  c = collect_new (&v2_cfg);
  pe_collect_tasks (c, &t);
  TAP_OK (t.total == 3 && t.running == 1, "tasks v2: from cgroup.threads");
  pe_collect_free (c);
}

/* ---- diskstats ---- */

static void
test_diskstats (void)
{
  cleanup_free char *host_text = slurp ("host/diskstats");
  struct pe_collect *c = collect_new (&v1_cfg);
  cleanup_free char *d = render (c, PE_FILE_DISKSTATS);
  cleanup_free char *vda = line_of (d, " 254       0 vda ");
  cleanup_free char *loop0 = line_of (d, "   7       0 loop0 ");
  unsigned long long f[17] = { 0 };
  int n = vda ? sscanf (vda + 17,
                        "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
                        "%llu %llu %llu %llu",
                        &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9],
                        &f[10], &f[11], &f[12], &f[13], &f[14], &f[15], &f[16])
              : 0;

  TAP_OK (count_char (d, '\n') == count_char (host_text, '\n'), "diskstats: the host's devices");
  /* v1/blkio: 254:0 Read 22351872 bytes in 324 requests, Write 11538432 bytes in 5. */
  TAP_OK (n == 17 && f[0] == 324 && f[2] == 22351872 / 512 && f[4] == 5 && f[6] == 11538432 / 512
              && f[3] == 0 && f[9] == 0,
          "diskstats v1: vda has the container's requests and sectors, the host's field count");
  TAP_STR_EQ (loop0, "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
              "diskstats: a device the container did not use is all zeros");
  pe_collect_free (c);

  c = collect_new (&v2_cfg);
  {
    cleanup_free char *d2 = render (c, PE_FILE_DISKSTATS);
    cleanup_free char *z = line_of (d2, " 253       0 zram0 ");
    TAP_STR_EQ (z, " 253       0 zram0 1 0 8 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
                "diskstats v2: from io.stat (rios=1 rbytes=4096)");
  }
  pe_collect_free (c);

  /* No I/O controller: the host's file. */
  struct pe_collect_config none = { .id = "x" };
  c = collect_new (&none);
  {
    cleanup_free char *d3 = render (c, PE_FILE_DISKSTATS);
    cleanup_free char *m = render (c, PE_FILE_MEMINFO);
    cleanup_free char *host_mem = slurp ("host/meminfo");
    TAP_STR_EQ (d3, host_text, "diskstats without a cgroup: the host's");
    TAP_STR_EQ (m, host_mem, "meminfo without a cgroup: the host's");
  }
  pe_collect_free (c);
}

/* ---- product_uuid ---- */

static bool
uuid_shape (const char *s)
{
  static const char pat[] = "xxxxxxxx-xxxx-8xxx-Vxxx-xxxxxxxxxxxx\n";
  if (strlen (s) != sizeof (pat) - 1)
    return false;
  for (size_t i = 0; pat[i]; i++)
    {
      bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
      if ((pat[i] == 'x' && !hex) || (pat[i] == 'V' && !strchr ("89ab", s[i]))
          || (pat[i] != 'x' && pat[i] != 'V' && s[i] != pat[i]))
        return false;
    }
  return true;
}

static void
test_product_uuid (void)
{
  struct pe_buf a = { 0 }, b = { 0 }, c = { 0 };

  pe_render_product_uuid (&a, "ctr1");
  pe_render_product_uuid (&b, "ctr1");
  pe_render_product_uuid (&c, "ctr2");
  TAP_OK (uuid_shape (a.data), "product_uuid: an RFC 9562 v8 UUID: %s", a.data);
  TAP_OK (strcmp (a.data, b.data) == 0, "product_uuid: stable for one id");
  TAP_OK (strcmp (a.data, c.data) != 0, "product_uuid: distinct ids, distinct UUIDs");
  pe_buf_free (&a);
  pe_buf_free (&b);
  pe_buf_free (&c);
}

int
main (void)
{
  ecirun_error_t err = NULL;

  if (mkdtemp (tmpdir) == NULL)
    return 1;
  load_recorded ();
  test_meminfo_v1 ();
  test_meminfo_v2 ();
  test_v2_ancestors ();
  test_meminfo_pure ();
  test_meminfo_every_line ();
  test_swap ();
  test_cpuset ();
  test_cpu_select ();
  test_cpuinfo ();
  test_stat ();
  test_uptime ();
  test_loadavg ();
  test_tasks ();
  test_diskstats ();
  test_product_uuid ();
  remove_tree_at (AT_FDCWD, tmpdir, &err);
  error_release (&err);
  return tap_done ();
}
