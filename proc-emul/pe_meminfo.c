/* /proc/meminfo and /proc/swaps of a container: its memory cgroup's limit, usage and
   memory.stat, laid over the host's file line by line. */
#include <config.h>
#include "pe_render.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static uint64_t
kb (uint64_t bytes)
{
  return bytes == PE_UNKNOWN ? PE_UNKNOWN : bytes / 1024;
}

static uint64_t
min_u64 (uint64_t a, uint64_t b)
{
  return a < b ? a : b;
}

/* A memory.stat counter in kB, 0 when the cgroup does not say. */
static uint64_t
stat_kb (const struct pe_mem *mem, enum pe_memstat s)
{
  return mem->stat[s] == PE_UNKNOWN ? 0 : mem->stat[s] / 1024;
}

static uint64_t
host_kb (const struct pe_host_meminfo *host, const char *key)
{
  uint64_t v = pe_host_meminfo_get (host, key);
  return v == PE_UNKNOWN ? 0 : v;
}

void
pe_mem_view (const struct pe_host_meminfo *host, const struct pe_mem *mem, struct pe_memview *ret)
{
  uint64_t limit, usage, reclaimable, host_swap = host_kb (host, "SwapTotal"), swap_used;

  memset (ret, 0, sizeof (*ret));
  if (!mem->known)
    {
      ret->total = host_kb (host, "MemTotal");
      ret->free = host_kb (host, "MemFree");
      ret->available = host_kb (host, "MemAvailable");
      ret->buffers = host_kb (host, "Buffers");
      ret->cached = host_kb (host, "Cached");
      ret->shmem = host_kb (host, "Shmem");
      ret->swap_total = host_swap;
      ret->swap_free = host_kb (host, "SwapFree");
      return;
    }

  /* v1 says in memory.stat what its ancestors allow, v2's collector already took them. */
  limit = min_u64 (mem->limit, mem->stat[PE_MS_HIER_LIMIT]);
  ret->total = min_u64 (kb (limit), host_kb (host, "MemTotal"));
  usage = mem->usage != PE_UNKNOWN ? kb (mem->usage)
                                   : stat_kb (mem, PE_MS_ANON) + stat_kb (mem, PE_MS_FILE);
  ret->free = ret->total > usage ? ret->total - usage : 0;
  ret->cached = stat_kb (mem, PE_MS_FILE);
  ret->shmem = stat_kb (mem, PE_MS_SHMEM);
  ret->buffers = 0; /* the kernel charges block-device buffers to no cgroup's own line */
  /* What the kernel's MemAvailable counts: free memory, the file LRUs (shmem is not on them)
     and reclaimable slab. */
  if (mem->stat[PE_MS_ACTIVE_FILE] != PE_UNKNOWN || mem->stat[PE_MS_INACTIVE_FILE] != PE_UNKNOWN)
    reclaimable = stat_kb (mem, PE_MS_ACTIVE_FILE) + stat_kb (mem, PE_MS_INACTIVE_FILE);
  else
    reclaimable = ret->cached > ret->shmem ? ret->cached - ret->shmem : 0;
  reclaimable += stat_kb (mem, PE_MS_SLAB_RECLAIMABLE);
  ret->available = min_u64 (ret->free + reclaimable, ret->total);

  /* Swap: what the swap limit lets the container use of the host's swap. */
  ret->swap_total = min_u64 (kb (mem->swap_limit), host_swap);
  swap_used = mem->swap_usage != PE_UNKNOWN ? kb (mem->swap_usage) : stat_kb (mem, PE_MS_SWAP);
  ret->swap_free = ret->swap_total > swap_used ? ret->swap_total - swap_used : 0;
}

/* The lines that describe the container's own memory, and where their values come from.
   Every other line (CommitLimit, Vmalloc*, HugePages_*, DirectMap*, ...) is the host's. */
enum src
{
  V_TOTAL,
  V_FREE,
  V_AVAILABLE,
  V_BUFFERS,
  V_CACHED,
  V_SWAP_TOTAL,
  V_SWAP_FREE,
  V_ACTIVE,
  V_INACTIVE,
  V_SLAB,
  V_ZERO, /* per-container counters that no cgroup file gives */
  V_STAT, /* one memory.stat counter */
};
/* Sorted by key (strcmp) for a binary search. */
static const struct line
{
  const char *key;
  enum src src;
  enum pe_memstat stat;
} lines[] = {
  { "Active", V_ACTIVE, 0 },
  { "Active(anon)", V_STAT, PE_MS_ACTIVE_ANON },
  { "Active(file)", V_STAT, PE_MS_ACTIVE_FILE },
  { "AnonHugePages", V_STAT, PE_MS_ANON_THP },
  { "AnonPages", V_STAT, PE_MS_ANON },
  { "Buffers", V_BUFFERS, 0 },
  { "Cached", V_CACHED, 0 },
  { "Dirty", V_STAT, PE_MS_FILE_DIRTY },
  { "FileHugePages", V_STAT, PE_MS_FILE_THP },
  { "FilePmdMapped", V_ZERO, 0 },
  { "Inactive", V_INACTIVE, 0 },
  { "Inactive(anon)", V_STAT, PE_MS_INACTIVE_ANON },
  { "Inactive(file)", V_STAT, PE_MS_INACTIVE_FILE },
  { "KReclaimable", V_STAT, PE_MS_SLAB_RECLAIMABLE },
  { "KernelStack", V_STAT, PE_MS_KERNEL_STACK },
  { "Mapped", V_STAT, PE_MS_FILE_MAPPED },
  { "MemAvailable", V_AVAILABLE, 0 },
  { "MemFree", V_FREE, 0 },
  { "MemTotal", V_TOTAL, 0 },
  { "Mlocked", V_ZERO, 0 },
  { "PageTables", V_STAT, PE_MS_PAGETABLES },
  { "Percpu", V_STAT, PE_MS_PERCPU },
  { "SReclaimable", V_STAT, PE_MS_SLAB_RECLAIMABLE },
  { "SUnreclaim", V_STAT, PE_MS_SLAB_UNRECLAIMABLE },
  { "SecPageTables", V_STAT, PE_MS_SEC_PAGETABLES },
  { "Shmem", V_STAT, PE_MS_SHMEM },
  { "ShmemHugePages", V_STAT, PE_MS_SHMEM_THP },
  { "ShmemPmdMapped", V_ZERO, 0 },
  { "Slab", V_SLAB, 0 },
  { "SwapCached", V_STAT, PE_MS_SWAPCACHED },
  { "SwapFree", V_SWAP_FREE, 0 },
  { "SwapTotal", V_SWAP_TOTAL, 0 },
  { "Unevictable", V_STAT, PE_MS_UNEVICTABLE },
  { "Writeback", V_STAT, PE_MS_FILE_WRITEBACK },
  { "Zswap", V_STAT, PE_MS_ZSWAP },
  { "Zswapped", V_STAT, PE_MS_ZSWAPPED },
};
#define NLINES (sizeof (lines) / sizeof (lines[0]))

static const struct line *
find_line (const char *key)
{
  size_t lo = 0, hi = NLINES;

  while (lo < hi)
    {
      size_t mid = (lo + hi) / 2;
      int c = strcmp (key, lines[mid].key);
      if (c == 0)
        return &lines[mid];
      if (c < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  return NULL;
}

bool
pe_meminfo_selfcheck (void)
{
  for (size_t i = 1; i < NLINES; i++)
    if (strcmp (lines[i - 1].key, lines[i].key) >= 0)
      return false;
  return true;
}

/* The kernel's show_val_kb: "Key:" padded to 16 columns, the value right-aligned in 8, then
   " kB" (a longer value pushes on, as "%8lu" does). */
static void
put_kb_line (struct pe_buf *out, const char *key, uint64_t value)
{
  char line[64], digits[24];
  size_t klen = strlen (key), n = 0, nd = 0;

  if (klen > 30)
    klen = 30;
  memcpy (line, key, klen);
  n = klen;
  line[n++] = ':';
  do
    digits[nd++] = (char)('0' + value % 10);
  while ((value /= 10) && nd < sizeof (digits));
  while (n < 16)
    line[n++] = ' ';
  for (size_t pad = nd; pad < 8; pad++)
    line[n++] = ' ';
  while (nd)
    line[n++] = digits[--nd];
  memcpy (line + n, " kB\n", 4);
  pe_buf_add (out, line, n + 4);
}

static uint64_t
line_value (enum src src, enum pe_memstat stat, const struct pe_mem *mem,
            const struct pe_memview *v)
{
  switch (src)
    {
    case V_TOTAL:
      return v->total;
    case V_FREE:
      return v->free;
    case V_AVAILABLE:
      return v->available;
    case V_BUFFERS:
      return v->buffers;
    case V_CACHED:
      return v->cached;
    case V_SWAP_TOTAL:
      return v->swap_total;
    case V_SWAP_FREE:
      return v->swap_free;
    case V_ACTIVE:
      return stat_kb (mem, PE_MS_ACTIVE_ANON) + stat_kb (mem, PE_MS_ACTIVE_FILE);
    case V_INACTIVE:
      return stat_kb (mem, PE_MS_INACTIVE_ANON) + stat_kb (mem, PE_MS_INACTIVE_FILE);
    case V_SLAB:
      return stat_kb (mem, PE_MS_SLAB_RECLAIMABLE) + stat_kb (mem, PE_MS_SLAB_UNRECLAIMABLE);
    case V_ZERO:
      return 0;
    case V_STAT:
      return stat_kb (mem, stat);
    }
  return 0;
}

void
pe_render_meminfo (struct pe_buf *out, const struct pe_host_meminfo *host, const struct pe_mem *mem)
{
  struct pe_memview v;

  pe_mem_view (host, mem, &v);
  for (size_t i = 0; i < host->n; i++)
    {
      const struct pe_meminfo_line *l = &host->lines[i];
      const struct line *e = mem->known && l->kb ? find_line (l->key) : NULL;

      if (e)
        put_kb_line (out, l->key, line_value (e->src, e->stat, mem, &v));
      else
        pe_buf_add (out, host->text + l->off, l->len);
    }
}

void
pe_render_swaps (struct pe_buf *out, const struct pe_memview *view)
{
  static const char name[] = "none";
  uint64_t used = view->swap_total - view->swap_free;

  pe_buf_puts (out, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
  if (view->swap_total == 0)
    return;
  /* The kernel's swap_show: the name padded to 40 columns, sizes in kB, a second tab after
     numbers of fewer than 8 digits. One line stands for the share of the host's swap that
     the container may use. */
  pe_buf_printf (out, "%s%*s%s\t%" PRIu64 "\t%s%" PRIu64 "\t%s%d\n", name,
                 (int)(40 - strlen (name)), " ", "partition", view->swap_total,
                 view->swap_total < 10000000 ? "\t" : "", used, used < 10000000 ? "\t" : "", -2);
}
