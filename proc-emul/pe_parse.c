/* Parsers of the host's /proc files and of cgroup files into the structs of pe_render.h. Pure:
   text in, struct out. Unknown or malformed lines are skipped, never fatal, since a newer
   kernel adds lines and the renderers copy what they do not know. */
#include <config.h>
#include "pe_render.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void *
xcalloc (size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size);
  if (p == NULL)
    abort ();
  return p;
}

static char *
xstrdup_len (const char *s, size_t len)
{
  char *p = malloc (len + 1);
  if (p == NULL)
    abort ();
  memcpy (p, s, len);
  p[len] = '\0';
  return p;
}

static size_t
count_lines (const char *s)
{
  size_t n = 1;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

/* A decimal number at *p (leading blanks skipped); *p moves past it. */
static bool
take_u64 (const char **p, uint64_t *ret)
{
  const char *s = *p;
  uint64_t v = 0;

  while (*s == ' ' || *s == '\t')
    s++;
  if (!isdigit ((unsigned char)*s))
    return false;
  for (; isdigit ((unsigned char)*s); s++)
    {
      unsigned d = (unsigned)(*s - '0');
      if (v > (UINT64_MAX - d) / 10)
        return false;
      v = v * 10 + d;
    }
  *p = s;
  *ret = v;
  return true;
}

/* ---- CPU sets ---- */

bool
pe_cpuset_has (const struct pe_cpuset *s, unsigned cpu)
{
  return cpu < PE_MAX_CPUS && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

void
pe_cpuset_set (struct pe_cpuset *s, unsigned cpu)
{
  if (cpu < PE_MAX_CPUS)
    s->bits[cpu / 64] |= 1ull << (cpu % 64);
}

unsigned
pe_cpuset_count (const struct pe_cpuset *s)
{
  unsigned n = 0;
  for (size_t i = 0; i < PE_MAX_CPUS / 64; i++)
    n += (unsigned)__builtin_popcountll (s->bits[i]);
  return n;
}

unsigned
pe_cpuset_next (const struct pe_cpuset *s, unsigned cpu)
{
  while (cpu < PE_MAX_CPUS)
    {
      uint64_t w = s->bits[cpu / 64] >> (cpu % 64);
      if (w)
        return cpu + (unsigned)__builtin_ctzll (w);
      cpu = (cpu / 64 + 1) * 64;
    }
  return PE_MAX_CPUS;
}

int
pe_cpuset_parse (const char *text, struct pe_cpuset *ret)
{
  const char *p = text;

  memset (ret, 0, sizeof (*ret));
  while (*p == ' ' || *p == '\t')
    p++;
  while (*p && *p != '\n')
    {
      uint64_t a, b;

      if (!take_u64 (&p, &a))
        return -1;
      b = a;
      if (*p == '-')
        {
          p++;
          if (!take_u64 (&p, &b) || b < a)
            return -1;
        }
      if (b >= PE_MAX_CPUS)
        return -1;
      for (uint64_t c = a; c <= b; c++)
        pe_cpuset_set (ret, (unsigned)c);
      if (*p == ',')
        p++;
      else if (*p && *p != '\n')
        return -1;
    }
  return 0;
}

void
pe_cpuset_format (struct pe_buf *out, const struct pe_cpuset *s)
{
  bool first = true;

  for (unsigned c = pe_cpuset_next (s, 0); c < PE_MAX_CPUS;)
    {
      unsigned end = c;
      while (end + 1 < PE_MAX_CPUS && pe_cpuset_has (s, end + 1))
        end++;
      if (end == c)
        pe_buf_printf (out, "%s%u", first ? "" : ",", c);
      else
        pe_buf_printf (out, "%s%u-%u", first ? "" : ",", c, end);
      first = false;
      c = pe_cpuset_next (s, end + 1);
    }
  pe_buf_puts (out, "\n");
}

/* ---- /proc/meminfo ---- */

int
pe_host_meminfo_parse (const char *text, struct pe_host_meminfo *ret)
{
  const char *line, *next;

  memset (ret, 0, sizeof (*ret));
  ret->text = xstrdup_len (text, strlen (text));
  ret->lines = xcalloc (count_lines (text), sizeof (*ret->lines));
  for (line = ret->text; *line; line = next)
    {
      struct pe_meminfo_line *l = &ret->lines[ret->n];
      const char *colon, *p, *eol = strchr (line, '\n');

      next = eol ? eol + 1 : line + strlen (line);
      l->off = (size_t)(line - ret->text);
      l->len = (size_t)(next - line);
      colon = memchr (line, ':', (size_t)(next - line));
      if (colon && (size_t)(colon - line) < sizeof (l->key))
        {
          memcpy (l->key, line, (size_t)(colon - line));
          p = colon + 1;
          if (take_u64 (&p, &l->value))
            l->kb = strncmp (p, " kB", 3) == 0;
          else
            l->key[0] = '\0';
        }
      ret->n++;
    }
  return 0;
}

void
pe_host_meminfo_release (struct pe_host_meminfo *m)
{
  free (m->text);
  free (m->lines);
  memset (m, 0, sizeof (*m));
}

uint64_t
pe_host_meminfo_get (const struct pe_host_meminfo *m, const char *key)
{
  for (size_t i = 0; i < m->n; i++)
    if (strcmp (m->lines[i].key, key) == 0)
      return m->lines[i].value;
  return PE_UNKNOWN;
}

/* ---- /proc/cpuinfo ---- */

int
pe_host_cpuinfo_parse (const char *text, struct pe_host_cpuinfo *ret)
{
  size_t len = strlen (text), pos = 0, cap = 8;
  bool in_cpus = false;

  memset (ret, 0, sizeof (*ret));
  ret->text = xstrdup_len (text, len);
  ret->blocks = xcalloc (cap, sizeof (*ret->blocks));
  ret->tail_off = len;
  while (pos < len)
    {
      /* A paragraph ends at a blank line ("\n\n") or at the end. */
      const char *p = ret->text + pos, *end = strstr (p, "\n\n");
      size_t plen = end ? (size_t)(end - p) + 1 : len - pos;
      size_t skip = end ? plen + 1 : plen;
      unsigned long cpu;
      char *num;

      if (strncmp (p, "processor", 9) == 0 && (p[9] == '\t' || p[9] == ' ')
          && (num = strchr (p, ':')) && num < p + plen)
        {
          cpu = strtoul (num + 1, NULL, 10);
          if (!in_cpus)
            ret->head_len = pos;
          in_cpus = true;
          if (ret->n == cap)
            {
              cap *= 2;
              ret->blocks = realloc (ret->blocks, cap * sizeof (*ret->blocks));
              if (ret->blocks == NULL)
                abort ();
            }
          ret->blocks[ret->n].cpu = (unsigned)cpu;
          ret->blocks[ret->n].off = pos;
          ret->blocks[ret->n].len = plen;
          ret->n++;
          ret->tail_off = pos + skip;
        }
      else if (!in_cpus)
        ret->head_len = pos + skip;
      pos += skip;
    }
  if (ret->tail_off > len)
    ret->tail_off = len;
  return 0;
}

void
pe_host_cpuinfo_release (struct pe_host_cpuinfo *c)
{
  free (c->text);
  free (c->blocks);
  memset (c, 0, sizeof (*c));
}

/* ---- /proc/stat ---- */

static bool
parse_stat_cpu (const char *p, struct pe_stat_cpu *ret)
{
  memset (ret, 0, sizeof (*ret));
  while (ret->nf < PE_STAT_FIELDS && take_u64 (&p, &ret->f[ret->nf]))
    ret->nf++;
  return ret->nf >= 4;
}

int
pe_host_stat_parse (const char *text, struct pe_host_stat *ret)
{
  const char *line, *next;

  memset (ret, 0, sizeof (*ret));
  ret->text = xstrdup_len (text, strlen (text));
  ret->cpus = xcalloc (count_lines (text), sizeof (*ret->cpus));
  ret->rest_off = strlen (text);
  for (line = ret->text; *line; line = next)
    {
      const char *eol = strchr (line, '\n');
      next = eol ? eol + 1 : line + strlen (line);
      if (strncmp (line, "cpu", 3) != 0)
        {
          ret->rest_off = (size_t)(line - ret->text);
          break;
        }
      if (line[3] == ' ')
        parse_stat_cpu (line + 3, &ret->total);
      else if (isdigit ((unsigned char)line[3]))
        {
          const char *p = line + 3;
          uint64_t cpu;
          struct pe_stat_cpu c;

          if (take_u64 (&p, &cpu) && cpu < PE_MAX_CPUS && parse_stat_cpu (p, &c))
            {
              c.cpu = (unsigned)cpu;
              ret->cpus[ret->n++] = c;
            }
        }
    }
  return 0;
}

void
pe_host_stat_release (struct pe_host_stat *s)
{
  free (s->text);
  free (s->cpus);
  memset (s, 0, sizeof (*s));
}

/* ---- /proc/diskstats ---- */

int
pe_host_diskstats_parse (const char *text, struct pe_host_diskstats *ret)
{
  const char *line, *next;

  memset (ret, 0, sizeof (*ret));
  ret->lines = xcalloc (count_lines (text), sizeof (*ret->lines));
  for (line = text; *line; line = next)
    {
      const char *eol = strchr (line, '\n'), *p = line;
      struct pe_disk_line *d = &ret->lines[ret->n];
      uint64_t major, minor, v;
      size_t nlen = 0;

      next = eol ? eol + 1 : line + strlen (line);
      if (!take_u64 (&p, &major) || !take_u64 (&p, &minor))
        continue;
      while (*p == ' ')
        p++;
      while (p[nlen] && p[nlen] != ' ' && p[nlen] != '\n')
        nlen++;
      if (nlen == 0 || nlen >= sizeof (d->name))
        continue;
      memcpy (d->name, p, nlen);
      d->name[nlen] = '\0';
      p += nlen;
      d->major = (unsigned)major;
      d->minor = (unsigned)minor;
      d->nfields = 0;
      while (take_u64 (&p, &v))
        d->nfields++;
      ret->n++;
    }
  return 0;
}

void
pe_host_diskstats_release (struct pe_host_diskstats *d)
{
  free (d->lines);
  memset (d, 0, sizeof (*d));
}

/* ---- memory.stat ---- */

/* memory.stat's lines by meaning, sorted by name for a binary search (v1 names its
   hierarchical counters total_*). */
struct memstat_name
{
  const char *name;
  enum pe_memstat id;
};
static const struct memstat_name memstat_v1[] = {
  { "hierarchical_memory_limit", PE_MS_HIER_LIMIT },
  { "hierarchical_memsw_limit", PE_MS_HIER_MEMSW_LIMIT },
  { "total_active_anon", PE_MS_ACTIVE_ANON },
  { "total_active_file", PE_MS_ACTIVE_FILE },
  { "total_cache", PE_MS_FILE },
  { "total_dirty", PE_MS_FILE_DIRTY },
  { "total_inactive_anon", PE_MS_INACTIVE_ANON },
  { "total_inactive_file", PE_MS_INACTIVE_FILE },
  { "total_mapped_file", PE_MS_FILE_MAPPED },
  { "total_rss", PE_MS_ANON },
  { "total_rss_huge", PE_MS_ANON_THP },
  { "total_shmem", PE_MS_SHMEM },
  { "total_swap", PE_MS_SWAP },
  { "total_swapcached", PE_MS_SWAPCACHED },
  { "total_unevictable", PE_MS_UNEVICTABLE },
  { "total_writeback", PE_MS_FILE_WRITEBACK },
};
static const struct memstat_name memstat_v2[] = {
  { "active_anon", PE_MS_ACTIVE_ANON },
  { "active_file", PE_MS_ACTIVE_FILE },
  { "anon", PE_MS_ANON },
  { "anon_thp", PE_MS_ANON_THP },
  { "file", PE_MS_FILE },
  { "file_dirty", PE_MS_FILE_DIRTY },
  { "file_mapped", PE_MS_FILE_MAPPED },
  { "file_thp", PE_MS_FILE_THP },
  { "file_writeback", PE_MS_FILE_WRITEBACK },
  { "inactive_anon", PE_MS_INACTIVE_ANON },
  { "inactive_file", PE_MS_INACTIVE_FILE },
  { "kernel_stack", PE_MS_KERNEL_STACK },
  { "pagetables", PE_MS_PAGETABLES },
  { "percpu", PE_MS_PERCPU },
  { "sec_pagetables", PE_MS_SEC_PAGETABLES },
  { "shmem", PE_MS_SHMEM },
  { "shmem_thp", PE_MS_SHMEM_THP },
  { "slab_reclaimable", PE_MS_SLAB_RECLAIMABLE },
  { "slab_unreclaimable", PE_MS_SLAB_UNRECLAIMABLE },
  { "swapcached", PE_MS_SWAPCACHED },
  { "unevictable", PE_MS_UNEVICTABLE },
  { "zswap", PE_MS_ZSWAP },
  { "zswapped", PE_MS_ZSWAPPED },
};

/* The entry named by s[0, len) in the sorted table t of n, or NULL. */
static const struct memstat_name *
memstat_find (const struct memstat_name *t, size_t n, const char *s, size_t len)
{
  size_t lo = 0, hi = n;

  while (lo < hi)
    {
      size_t mid = (lo + hi) / 2;
      int c = strncmp (s, t[mid].name, len);
      if (c == 0 && t[mid].name[len] != '\0')
        c = -1;
      if (c == 0)
        return &t[mid];
      if (c < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  return NULL;
}

bool
pe_memstat_selfcheck (void)
{
  for (size_t i = 1; i < sizeof (memstat_v1) / sizeof (memstat_v1[0]); i++)
    if (strcmp (memstat_v1[i - 1].name, memstat_v1[i].name) >= 0)
      return false;
  for (size_t i = 1; i < sizeof (memstat_v2) / sizeof (memstat_v2[0]); i++)
    if (strcmp (memstat_v2[i - 1].name, memstat_v2[i].name) >= 0)
      return false;
  return true;
}

void
pe_memstat_parse (const char *text, bool v2, uint64_t ret[PE_MS__MAX])
{
  const struct memstat_name *t = v2 ? memstat_v2 : memstat_v1;
  size_t n = v2 ? sizeof (memstat_v2) / sizeof (memstat_v2[0])
                : sizeof (memstat_v1) / sizeof (memstat_v1[0]);
  const char *line, *next;

  for (size_t i = 0; i < PE_MS__MAX; i++)
    ret[i] = PE_UNKNOWN;
  for (line = text; *line; line = next)
    {
      const char *eol = strchr (line, '\n'), *sp;
      const struct memstat_name *m;
      uint64_t v;

      next = eol ? eol + 1 : line + strlen (line);
      sp = memchr (line, ' ', (size_t)(next - line));
      if (sp == NULL)
        continue;
      /* v1 has every counter twice, the cgroup's own and total_*: only the latter count. */
      if (!v2 && line[0] != 't' && line[0] != 'h')
        continue;
      m = memstat_find (t, n, line, (size_t)(sp - line));
      if (m && take_u64 (&sp, &v))
        ret[m->id] = v;
    }
}

void
pe_mem_init (struct pe_mem *m)
{
  memset (m, 0, sizeof (*m));
  m->limit = m->swap_limit = PE_UNLIMITED;
  m->usage = m->swap_usage = PE_UNKNOWN;
  for (size_t i = 0; i < PE_MS__MAX; i++)
    m->stat[i] = PE_UNKNOWN;
}

void
pe_cpu_init (struct pe_cpu *c)
{
  memset (c, 0, sizeof (*c));
  c->quota_us = PE_UNLIMITED;
  c->period_us = 100000;
  c->usage_ns = c->user_ns = c->system_ns = PE_UNKNOWN;
}

/* ---- io.stat, blkio ---- */

static struct pe_io_dev *
io_dev (struct pe_io *io, unsigned major, unsigned minor, size_t *cap)
{
  for (size_t i = 0; i < io->n; i++)
    if (io->devs[i].major == major && io->devs[i].minor == minor)
      return &io->devs[i];
  if (io->n == *cap)
    {
      *cap = *cap ? *cap * 2 : 8;
      io->devs = realloc (io->devs, *cap * sizeof (*io->devs));
      if (io->devs == NULL)
        abort ();
    }
  memset (&io->devs[io->n], 0, sizeof (io->devs[0]));
  io->devs[io->n].major = major;
  io->devs[io->n].minor = minor;
  return &io->devs[io->n++];
}

/* "MAJ:MIN" at *p. */
static bool
take_devno (const char **p, unsigned *major, unsigned *minor)
{
  uint64_t a, b;

  if (!take_u64 (p, &a) || **p != ':')
    return false;
  (*p)++;
  if (!take_u64 (p, &b) || a > UINT32_MAX || b > UINT32_MAX)
    return false;
  *major = (unsigned)a;
  *minor = (unsigned)b;
  return true;
}

int
pe_io_parse_v2 (const char *io_stat, struct pe_io *ret)
{
  static const char *const keys[] = { "rbytes=", "wbytes=", "rios=", "wios=", "dbytes=", "dios=" };
  const char *line, *next;
  size_t cap = 0;

  memset (ret, 0, sizeof (*ret));
  ret->known = true;
  for (line = io_stat; *line; line = next)
    {
      const char *eol = strchr (line, '\n'), *p = line;
      unsigned major, minor;
      struct pe_io_dev *d;

      next = eol ? eol + 1 : line + strlen (line);
      if (!take_devno (&p, &major, &minor))
        continue;
      d = io_dev (ret, major, minor, &cap);
      while (p < next)
        {
          uint64_t *dst[] = { &d->rbytes, &d->wbytes, &d->rios, &d->wios, &d->dbytes, &d->dios };
          while (*p == ' ')
            p++;
          for (size_t k = 0; k < 6; k++)
            if (strncmp (p, keys[k], strlen (keys[k])) == 0)
              {
                const char *q = p + strlen (keys[k]);
                uint64_t v;
                if (take_u64 (&q, &v))
                  *dst[k] = v;
              }
          while (p < next && *p != ' ')
            p++;
        }
    }
  return 0;
}

/* One of the v1 files: "MAJ:MIN Read|Write|Sync|Async|Discard|Total N". */
static void
parse_v1_file (const char *text, struct pe_io *io, size_t *cap, bool bytes)
{
  const char *line, *next;

  for (line = text; *line; line = next)
    {
      const char *eol = strchr (line, '\n'), *p = line;
      unsigned major, minor;
      uint64_t v;
      uint64_t *dst = NULL;
      struct pe_io_dev *d;

      next = eol ? eol + 1 : line + strlen (line);
      if (!take_devno (&p, &major, &minor) || *p != ' ')
        continue;
      p++;
      d = io_dev (io, major, minor, cap);
      if (strncmp (p, "Read ", 5) == 0)
        dst = bytes ? &d->rbytes : &d->rios;
      else if (strncmp (p, "Write ", 6) == 0)
        dst = bytes ? &d->wbytes : &d->wios;
      else if (strncmp (p, "Discard ", 8) == 0)
        dst = bytes ? &d->dbytes : &d->dios;
      p = strchr (p, ' ');
      if (dst && p && take_u64 (&p, &v))
        *dst = v;
    }
}

int
pe_io_parse_v1 (const char *service_bytes, const char *serviced, struct pe_io *ret)
{
  size_t cap = 0;

  memset (ret, 0, sizeof (*ret));
  ret->known = true;
  if (service_bytes)
    parse_v1_file (service_bytes, ret, &cap, true);
  if (serviced)
    parse_v1_file (serviced, ret, &cap, false);
  return 0;
}

void
pe_io_release (struct pe_io *io)
{
  free (io->devs);
  memset (io, 0, sizeof (*io));
}
