/* The container's CPUs: which are shown (cpuset and quota), /proc/cpuinfo, the cpu lines of
   /proc/stat and /sys/devices/system/cpu/online. */
#include <config.h>
#include "pe_render.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
pe_cpu_select (const struct pe_cpuset *host_online, const struct pe_cpu *cpu,
               struct pe_cpuview *ret)
{
  unsigned avail = 0, n;

  memset (ret, 0, sizeof (*ret));
  for (size_t i = 0; i < PE_MAX_CPUS / 64; i++)
    {
      ret->allowed.bits[i] = host_online->bits[i];
      if (cpu->have_cpuset)
        ret->allowed.bits[i] &= cpu->cpuset.bits[i];
    }
  avail = pe_cpuset_count (&ret->allowed);
  /* A cpuset of offline CPUs only cannot run anything: show the host's rather than none. */
  if (avail == 0)
    {
      ret->allowed = *host_online;
      avail = pe_cpuset_count (&ret->allowed);
    }
  n = avail;
  if (cpu->quota_us != PE_UNLIMITED && cpu->period_us > 0)
    {
      uint64_t q = (cpu->quota_us + cpu->period_us - 1) / cpu->period_us;
      if (q < n)
        n = (unsigned)q;
    }
  if (n == 0)
    n = 1;
  ret->n = 0;
  for (unsigned c = pe_cpuset_next (&ret->allowed, 0); c < PE_MAX_CPUS && ret->n < n;
       c = pe_cpuset_next (&ret->allowed, c + 1))
    {
      pe_cpuset_set (&ret->shown, c);
      ret->n++;
    }
}

void
pe_render_cpu_online (struct pe_buf *out, const struct pe_cpuview *view)
{
  if (view->n <= 1)
    pe_buf_puts (out, "0\n");
  else
    pe_buf_printf (out, "0-%u\n", view->n - 1);
}

/* ---- /proc/cpuinfo ---- */

/* "key\t: value" of a block: the value's start, or NULL. */
static const char *
block_field (const char *b, size_t len, const char *key, size_t *ret_len)
{
  size_t klen = strlen (key);

  for (const char *l = b; l < b + len;)
    {
      const char *eol = memchr (l, '\n', (size_t)(b + len - l));
      const char *end = eol ? eol : b + len;

      if ((size_t)(end - l) > klen && strncmp (l, key, klen) == 0
          && (l[klen] == '\t' || l[klen] == ' '))
        {
          const char *colon = memchr (l, ':', (size_t)(end - l));
          if (colon)
            {
              const char *v = colon + 1 + (colon[1] == ' ');
              *ret_len = (size_t)(end - v);
              return v;
            }
        }
      l = end + 1;
    }
  return NULL;
}

static bool
same_field (const char *a, size_t alen, const char *b, size_t blen)
{
  return a && b && alen == blen && memcmp (a, b, alen) == 0;
}

/* x86's siblings and cpu cores say how many logical CPUs and cores a package has: they are
   counted among the CPUs shown, so that a reader multiplying them gets the container's view. */
struct topo
{
  const char *pkg, *core;
  size_t plen, clen;
  bool shown, new_core; /* new_core: no earlier shown CPU of its package has its core id */
};

/* Without "physical id" (not x86) every CPU is of one package. */
static bool
same_pkg (const struct topo *a, const struct topo *b)
{
  return (a->pkg == NULL && b->pkg == NULL) || same_field (a->pkg, a->plen, b->pkg, b->plen);
}

static struct topo *
topology (const struct pe_host_cpuinfo *host, const struct pe_cpuview *view)
{
  struct topo *t = calloc (host->n ? host->n : 1, sizeof (*t));

  if (t == NULL)
    abort ();
  for (size_t i = 0; i < host->n; i++)
    {
      const struct pe_cpuinfo_block *b = &host->blocks[i];

      t[i].shown = pe_cpuset_has (&view->shown, b->cpu);
      if (!t[i].shown)
        continue;
      t[i].pkg = block_field (host->text + b->off, b->len, "physical id", &t[i].plen);
      t[i].core = block_field (host->text + b->off, b->len, "core id", &t[i].clen);
      t[i].new_core = true;
      for (size_t j = 0; j < i && t[i].new_core; j++)
        if (t[j].shown && same_pkg (&t[i], &t[j])
            && same_field (t[i].core, t[i].clen, t[j].core, t[j].clen))
          t[i].new_core = false;
    }
  return t;
}

static void
package_counts (const struct pe_host_cpuinfo *host, const struct topo *t, size_t i,
                unsigned *ret_siblings, unsigned *ret_cores)
{
  *ret_siblings = *ret_cores = 0;
  for (size_t j = 0; j < host->n; j++)
    if (t[j].shown && same_pkg (&t[i], &t[j]))
      {
        (*ret_siblings)++;
        *ret_cores += t[j].new_core;
      }
}

void
pe_render_cpuinfo (struct pe_buf *out, const struct pe_host_cpuinfo *host,
                   const struct pe_cpuview *view)
{
  unsigned next = 0;
  struct topo *t = topology (host, view);

  pe_buf_add (out, host->text, host->head_len);
  for (size_t i = 0; i < host->n; i++)
    {
      const struct pe_cpuinfo_block *blk = &host->blocks[i];
      const char *b = host->text + blk->off;
      unsigned siblings, cores;

      if (!pe_cpuset_has (&view->shown, blk->cpu))
        continue;
      package_counts (host, t, i, &siblings, &cores);
      for (const char *l = b; l < b + blk->len;)
        {
          const char *eol = memchr (l, '\n', (size_t)(b + blk->len - l));
          const char *end = eol ? eol + 1 : b + blk->len;
          const char *colon = memchr (l, ':', (size_t)(end - l));
          size_t klen = colon ? (size_t)(colon - l) : 0;

          /* The key, its padding and ": " stay as the host has them; the value changes. */
          if (colon && strncmp (l, "processor", 9) == 0 && (l[9] == '\t' || l[9] == ' '))
            {
              pe_buf_add (out, l, klen + 2);
              pe_buf_printf (out, "%u\n", next);
            }
          else if (colon && strncmp (l, "siblings", 8) == 0 && (l[8] == '\t' || l[8] == ' '))
            {
              pe_buf_add (out, l, klen + 2);
              pe_buf_printf (out, "%u\n", siblings);
            }
          else if (colon && strncmp (l, "cpu cores", 9) == 0 && (l[9] == '\t' || l[9] == ' '))
            {
              pe_buf_add (out, l, klen + 2);
              pe_buf_printf (out, "%u\n", cores);
            }
          else
            pe_buf_add (out, l, (size_t)(end - l));
          l = end;
        }
      /* Each block ends with a blank line (the kernel's seq_puts (m, "\n")). */
      pe_buf_puts (out, "\n");
      next++;
    }
  pe_buf_add (out, host->text + host->tail_off, strlen (host->text + host->tail_off));
  free (t);
}

/* ---- /proc/stat ---- */

enum
{
  S_USER,
  S_NICE,
  S_SYSTEM,
  S_IDLE,
  S_IOWAIT,
  S_IRQ,
  S_SOFTIRQ,
  S_STEAL,
  S_GUEST,
  S_GUEST_NICE,
};

static const struct pe_stat_cpu *
host_cpu (const struct pe_host_stat *host, unsigned cpu)
{
  for (size_t i = 0; i < host->n; i++)
    if (host->cpus[i].cpu == cpu)
      return &host->cpus[i];
  return NULL;
}

static uint64_t
ns_to_ticks (uint64_t ns, unsigned user_hz)
{
  return (uint64_t)((unsigned __int128)ns * user_hz / 1000000000u);
}

static void
put_cpu_line (struct pe_buf *out, const char *label, const struct pe_stat_cpu *c)
{
  pe_buf_puts (out, label);
  for (unsigned i = 0; i < c->nf; i++)
    pe_buf_printf (out, " %" PRIu64, c->f[i]);
  pe_buf_puts (out, "\n");
}

void
pe_render_stat (struct pe_buf *out, const struct pe_host_stat *host, const struct pe_cpuview *view,
                const struct pe_cpu *cpu, unsigned user_hz)
{
  struct pe_stat_cpu *lines = calloc (view->n ? view->n : 1, sizeof (*lines));
  struct pe_stat_cpu total = { .nf = host->total.nf ? host->total.nf : PE_STAT_FIELDS };
  bool percpu = cpu->percpu_user_ns && cpu->percpu_system_ns && cpu->n_percpu > 0;
  bool totals = cpu->user_ns != PE_UNKNOWN && cpu->system_ns != PE_UNKNOWN;
  unsigned k = 0, idx = 0;
  uint64_t *user = calloc (view->n ? view->n : 1, sizeof (uint64_t));
  uint64_t *sys = calloc (view->n ? view->n : 1, sizeof (uint64_t));

  if (lines == NULL || user == NULL || sys == NULL)
    abort ();
  /* The cgroup's time per shown CPU: v1 gives it per host CPU, and the time of an allowed CPU
     that is not shown (a quota below the cpuset) folds onto shown CPU (index mod n); v2 gives
     totals only, spread evenly. */
  if (percpu)
    for (unsigned c = pe_cpuset_next (&view->allowed, 0); c < PE_MAX_CPUS;
         c = pe_cpuset_next (&view->allowed, c + 1), idx++)
      if (c < cpu->n_percpu)
        {
          user[idx % view->n] += cpu->percpu_user_ns[c];
          sys[idx % view->n] += cpu->percpu_system_ns[c];
        }
  if (!percpu && totals)
    for (unsigned i = 0; i < view->n; i++)
      {
        user[i] = cpu->user_ns / view->n + (i == 0 ? cpu->user_ns % view->n : 0);
        sys[i] = cpu->system_ns / view->n + (i == 0 ? cpu->system_ns % view->n : 0);
      }

  for (unsigned c = pe_cpuset_next (&view->shown, 0); c < PE_MAX_CPUS;
       c = pe_cpuset_next (&view->shown, c + 1), k++)
    {
      const struct pe_stat_cpu *h = host_cpu (host, c);
      struct pe_stat_cpu *l = &lines[k];
      uint64_t capacity = 0, busy;

      l->nf = h ? h->nf : total.nf;
      if (h == NULL || (!percpu && !totals))
        {
          /* Without the cgroup's CPU time the host's own line is the best there is. */
          if (h)
            memcpy (l->f, h->f, sizeof (l->f));
          continue;
        }
      /* guest and guest_nice are already counted in user and nice. */
      for (unsigned i = 0; i < h->nf && i < S_GUEST; i++)
        capacity += h->f[i];
      l->f[S_USER] = ns_to_ticks (user[k], user_hz);
      l->f[S_SYSTEM] = ns_to_ticks (sys[k], user_hz);
      busy = l->f[S_USER] + l->f[S_SYSTEM];
      /* Everything of the CPU's time the container did not use is its idle time. */
      l->f[S_IDLE] = capacity > busy ? capacity - busy : 0;
    }
  for (unsigned i = 0; i < view->n; i++)
    for (unsigned f = 0; f < PE_STAT_FIELDS; f++)
      total.f[f] += lines[i].f[f];
  /* The host's own view (no cgroup times, every CPU): its total line, which the kernel rounds
     from the sum of nanoseconds rather than summing the lines. */
  if (!percpu && !totals && view->n == host->n && host->total.nf)
    total = host->total;

  put_cpu_line (out, "cpu ", &total);
  for (unsigned i = 0; i < view->n; i++)
    {
      char label[16];
      snprintf (label, sizeof (label), "cpu%u", i);
      put_cpu_line (out, label, &lines[i]);
    }
  pe_buf_add (out, host->text + host->rest_off, strlen (host->text + host->rest_off));
  free (lines);
  free (user);
  free (sys);
}
