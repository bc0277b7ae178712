/* The emulated /proc and /sys files as pure functions: each renderer turns parsed host files
   (pe_host_*) and the container's cgroup values (pe_mem, pe_cpu, pe_io) into the text of one
   file, in the kernel's format to the byte. No renderer does I/O: pe_collect.c reads the files
   and fills these structs, the unit tests fill them from recorded files. */
#ifndef PE_RENDER_H
#define PE_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pe_buf.h"

/* A limit that is not set, a counter that the cgroup does not give. */
#define PE_UNLIMITED UINT64_MAX
#define PE_UNKNOWN   UINT64_MAX

/* The kernel's NR_CPUS maximum. */
#define PE_MAX_CPUS 8192

/* ---- CPU sets ("0-3,8\n", the kernel's list format) ---- */

struct pe_cpuset
{
  uint64_t bits[PE_MAX_CPUS / 64];
};
/* 0, or -1 for text that is not a CPU list (an empty list is valid: no CPU). */
int pe_cpuset_parse (const char *text, struct pe_cpuset *ret);
bool pe_cpuset_has (const struct pe_cpuset *s, unsigned cpu);
void pe_cpuset_set (struct pe_cpuset *s, unsigned cpu);
unsigned pe_cpuset_count (const struct pe_cpuset *s);
/* The next CPU of s at or after cpu, or PE_MAX_CPUS. */
unsigned pe_cpuset_next (const struct pe_cpuset *s, unsigned cpu);
/* The kernel's "%*pbl" list with a newline ("0-3,8\n"; "\n" when empty). */
void pe_cpuset_format (struct pe_buf *out, const struct pe_cpuset *s);

/* ---- host files ---- */

/* /proc/meminfo: every line kept (raw) with its key and value, so lines that are not
   emulated are copied to the byte. */
struct pe_meminfo_line
{
  char key[32];   /* without the colon */
  uint64_t value; /* kB when kb, else a count */
  bool kb;
  size_t off, len; /* the line in text, newline included */
};
struct pe_host_meminfo
{
  char *text;
  struct pe_meminfo_line *lines;
  size_t n;
};
int pe_host_meminfo_parse (const char *text, struct pe_host_meminfo *ret);
void pe_host_meminfo_release (struct pe_host_meminfo *m);
/* The value of key (kB for kB lines), or PE_UNKNOWN when the host does not have the line. */
uint64_t pe_host_meminfo_get (const struct pe_host_meminfo *m, const char *key);

/* /proc/cpuinfo: the paragraphs that start with "processor" are the CPUs; text before the
   first (s390's header) and after the last (ppc64's platform lines) is kept as it is. */
struct pe_cpuinfo_block
{
  unsigned cpu;
  size_t off, len; /* without the blank line that ends it */
};
struct pe_host_cpuinfo
{
  char *text;
  struct pe_cpuinfo_block *blocks;
  size_t n;
  size_t head_len; /* text[0, head_len) precedes the first block */
  size_t tail_off; /* text[tail_off, end) follows the last block */
};
int pe_host_cpuinfo_parse (const char *text, struct pe_host_cpuinfo *ret);
void pe_host_cpuinfo_release (struct pe_host_cpuinfo *c);

/* /proc/stat: the "cpu" and "cpuN" lines parsed, everything after them kept. */
#define PE_STAT_FIELDS 10 /* user nice system idle iowait irq softirq steal guest guest_nice */
struct pe_stat_cpu
{
  unsigned cpu;
  uint64_t f[PE_STAT_FIELDS];
  unsigned nf;
};
struct pe_host_stat
{
  char *text;
  struct pe_stat_cpu total;
  struct pe_stat_cpu *cpus;
  size_t n;
  size_t rest_off; /* "intr ..." and the lines after it */
};
int pe_host_stat_parse (const char *text, struct pe_host_stat *ret);
void pe_host_stat_release (struct pe_host_stat *s);

/* /proc/diskstats */
struct pe_disk_line
{
  unsigned major, minor;
  char name[64];
  unsigned nfields; /* counters on the host's line: 11, 15 or 17 */
};
struct pe_host_diskstats
{
  struct pe_disk_line *lines;
  size_t n;
};
int pe_host_diskstats_parse (const char *text, struct pe_host_diskstats *ret);
void pe_host_diskstats_release (struct pe_host_diskstats *d);

/* ---- the container's cgroup ---- */

/* memory.stat, in bytes, by meaning (v1 names its hierarchical counters total_*, v2 has its
   own names): PE_UNKNOWN where the file has no such line. */
enum pe_memstat
{
  PE_MS_ANON,
  PE_MS_FILE, /* page cache, shmem included */
  PE_MS_SHMEM,
  PE_MS_FILE_MAPPED,
  PE_MS_FILE_DIRTY,
  PE_MS_FILE_WRITEBACK,
  PE_MS_SWAPCACHED,
  PE_MS_ANON_THP,
  PE_MS_FILE_THP,
  PE_MS_SHMEM_THP,
  PE_MS_ACTIVE_ANON,
  PE_MS_INACTIVE_ANON,
  PE_MS_ACTIVE_FILE,
  PE_MS_INACTIVE_FILE,
  PE_MS_UNEVICTABLE,
  PE_MS_SLAB_RECLAIMABLE,
  PE_MS_SLAB_UNRECLAIMABLE,
  PE_MS_KERNEL_STACK,
  PE_MS_PAGETABLES,
  PE_MS_SEC_PAGETABLES,
  PE_MS_PERCPU,
  PE_MS_ZSWAP,
  PE_MS_ZSWAPPED,
  PE_MS_SWAP,             /* v1 total_swap */
  PE_MS_HIER_LIMIT,       /* v1 hierarchical_memory_limit: the smallest limit up the tree */
  PE_MS_HIER_MEMSW_LIMIT, /* v1 hierarchical_memsw_limit */
  PE_MS__MAX,
};
void pe_memstat_parse (const char *text, bool v2, uint64_t ret[PE_MS__MAX]);
/* The renderers' lookup tables are sorted (for the unit tests). */
bool pe_memstat_selfcheck (void);
bool pe_meminfo_selfcheck (void);

struct pe_mem
{
  bool known;          /* false: no memory cgroup, the host's view */
  uint64_t limit;      /* bytes, PE_UNLIMITED */
  uint64_t usage;      /* bytes, page cache included (v1 usage_in_bytes, v2 memory.current) */
  uint64_t swap_limit; /* bytes of swap (v1: memsw limit - limit), PE_UNLIMITED */
  uint64_t swap_usage; /* bytes, PE_UNKNOWN */
  uint64_t stat[PE_MS__MAX];
};
/* A pe_mem with nothing known (every counter PE_UNKNOWN, no limit). */
void pe_mem_init (struct pe_mem *m);

/* The memory figures the container sees, in kB: /proc/meminfo's, and what sysinfo(2) and
   /proc/swaps show. */
struct pe_memview
{
  uint64_t total, free, available, buffers, cached, shmem;
  uint64_t swap_total, swap_free;
};
void pe_mem_view (const struct pe_host_meminfo *host, const struct pe_mem *mem,
                  struct pe_memview *ret);

struct pe_cpu
{
  bool have_cpuset;
  struct pe_cpuset cpuset;      /* effective CPUs of the container */
  uint64_t quota_us, period_us; /* the tightest quota up the tree; quota PE_UNLIMITED */
  /* CPU time used by the cgroup, ns; PE_UNKNOWN without cpuacct (v1) / cpu.stat (v2). */
  uint64_t usage_ns, user_ns, system_ns;
  /* v1 cpuacct.usage_percpu_user / _sys, indexed by host CPU (NULL: not known). */
  const uint64_t *percpu_user_ns, *percpu_system_ns;
  size_t n_percpu;
};
void pe_cpu_init (struct pe_cpu *c);

/* The CPUs the container is shown: the first `n` of its cpuset that are online on the host,
   n = min(those, ceil(quota / period)), at least 1. They are renumbered 0..n-1. */
struct pe_cpuview
{
  unsigned n;
  struct pe_cpuset shown;   /* host numbers of the n CPUs */
  struct pe_cpuset allowed; /* every host CPU whose usage folds onto them */
};
void pe_cpu_select (const struct pe_cpuset *host_online, const struct pe_cpu *cpu,
                    struct pe_cpuview *ret);

/* io.stat (v2) or blkio.throttle.* (v1), per device. */
struct pe_io_dev
{
  unsigned major, minor;
  uint64_t rbytes, wbytes, rios, wios, dbytes, dios;
};
struct pe_io
{
  bool known;
  struct pe_io_dev *devs;
  size_t n;
};
int pe_io_parse_v2 (const char *io_stat, struct pe_io *ret);
int pe_io_parse_v1 (const char *service_bytes, const char *serviced, struct pe_io *ret);
void pe_io_release (struct pe_io *io);

/* ---- /proc/loadavg state: the kernel's fixed-point averages, sampled every 5 s ---- */

#define PE_LOAD_FREQ_NS (5000000000ull + 10000000ull) /* the kernel's 5 s + 1 tick (HZ=100) */
struct pe_loadavg
{
  uint64_t avenrun[3]; /* fixed point, 11 bits of fraction */
  uint64_t next_ns;    /* when the next sample is due (0: never sampled) */
};
/* Record `active` runnable + uninterruptible tasks at now_ns: every due 5-s period is applied
   (periods missed in between count `active` too, as the kernel's NO_HZ catch-up does). The
   first call starts the clock. Returns the ns until the next sample is due. */
uint64_t pe_loadavg_sample (struct pe_loadavg *l, uint64_t now_ns, unsigned active);

/* ---- renderers ---- */

void pe_render_meminfo (struct pe_buf *out, const struct pe_host_meminfo *host,
                        const struct pe_mem *mem);
void pe_render_swaps (struct pe_buf *out, const struct pe_memview *view);
void pe_render_cpuinfo (struct pe_buf *out, const struct pe_host_cpuinfo *host,
                        const struct pe_cpuview *view);
/* user_hz: the USER_HZ of /proc/stat (sysconf (_SC_CLK_TCK)). */
void pe_render_stat (struct pe_buf *out, const struct pe_host_stat *host,
                     const struct pe_cpuview *view, const struct pe_cpu *cpu, unsigned user_hz);
void pe_render_cpu_online (struct pe_buf *out, const struct pe_cpuview *view);
/* now_ns, start_ns: CLOCK_BOOTTIME now and at the container's start; idle = the shown CPUs'
   time since the start minus the CPU time the cgroup used (usage_ns, PE_UNKNOWN: none). */
void pe_render_uptime (struct pe_buf *out, uint64_t now_ns, uint64_t start_ns, unsigned ncpus,
                       uint64_t usage_ns);
void pe_render_loadavg (struct pe_buf *out, const struct pe_loadavg *l, unsigned nr_running,
                        unsigned nr_threads, unsigned last_pid);
void pe_render_diskstats (struct pe_buf *out, const struct pe_host_diskstats *host,
                          const struct pe_io *io);
/* /sys/devices/virtual/dmi/id/product_uuid: stable per container id, distinct between ids. */
void pe_render_product_uuid (struct pe_buf *out, const char *container_id);

#endif
