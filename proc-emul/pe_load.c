/* /proc/uptime and /proc/loadavg of a container: time since its init started, and load
   averages of its own tasks computed as the kernel computes the host's. */
#include <config.h>
#include "pe_render.h"

#include <inttypes.h>

void
pe_render_uptime (struct pe_buf *out, uint64_t now_ns, uint64_t start_ns, unsigned ncpus,
                  uint64_t usage_ns)
{
  uint64_t up = now_ns > start_ns ? now_ns - start_ns : 0;
  unsigned __int128 capacity = (unsigned __int128)up * (ncpus ? ncpus : 1);
  uint64_t used = usage_ns == PE_UNKNOWN ? 0 : usage_ns;
  uint64_t idle = capacity > used ? (uint64_t)(capacity - used) : 0;

  /* The kernel's uptime_proc_show: seconds and hundredths, truncated. */
  pe_buf_printf (out, "%" PRIu64 ".%02u %" PRIu64 ".%02u\n", up / 1000000000u,
                 (unsigned)(up % 1000000000u / 10000000u), idle / 1000000000u,
                 (unsigned)(idle % 1000000000u / 10000000u));
}

/* The kernel's fixed-point load averages (kernel/sched/loadavg.c): 11 bits of fraction,
   decay factors 1/exp(5s/1min), 1/exp(5s/5min), 1/exp(5s/15min). */
#define FSHIFT  11
#define FIXED_1 (1ull << FSHIFT)
static const uint64_t exp_factor[3] = { 1884, 2014, 2037 };

static uint64_t
calc_load (uint64_t load, uint64_t exp, uint64_t active)
{
  uint64_t newload = load * exp + active * (FIXED_1 - exp);

  if (active >= load)
    newload += FIXED_1 - 1;
  return newload / FIXED_1;
}

/* exp^n in fixed point, rounding at each step as the kernel's fixed_power_int. */
static uint64_t
fixed_power (uint64_t x, uint64_t n)
{
  uint64_t result = FIXED_1;

  while (n)
    {
      if (n & 1)
        result = (result * x + FIXED_1 / 2) >> FSHIFT;
      n >>= 1;
      if (n)
        x = (x * x + FIXED_1 / 2) >> FSHIFT;
    }
  return result;
}

uint64_t
pe_loadavg_sample (struct pe_loadavg *l, uint64_t now_ns, unsigned active)
{
  uint64_t periods;

  if (l->next_ns == 0)
    {
      l->next_ns = now_ns + PE_LOAD_FREQ_NS;
      return PE_LOAD_FREQ_NS;
    }
  if (now_ns < l->next_ns)
    return l->next_ns - now_ns;
  periods = 1 + (now_ns - l->next_ns) / PE_LOAD_FREQ_NS;
  for (int i = 0; i < 3; i++)
    l->avenrun[i] = calc_load (l->avenrun[i], fixed_power (exp_factor[i], periods),
                               (uint64_t)active * FIXED_1);
  l->next_ns += periods * PE_LOAD_FREQ_NS;
  return l->next_ns - now_ns;
}

void
pe_render_loadavg (struct pe_buf *out, const struct pe_loadavg *l, unsigned nr_running,
                   unsigned nr_threads, unsigned last_pid)
{
  uint64_t a[3];

  /* The kernel's loadavg_proc_show: rounded to hundredths (+ FIXED_1/200), then truncated. */
  for (int i = 0; i < 3; i++)
    a[i] = l->avenrun[i] + FIXED_1 / 200;
#define LOAD_INT(x)  ((uint64_t)((x) >> FSHIFT))
#define LOAD_FRAC(x) LOAD_INT (((x) & (FIXED_1 - 1)) * 100)
  pe_buf_printf (out,
                 "%" PRIu64 ".%02" PRIu64 " %" PRIu64 ".%02" PRIu64 " %" PRIu64 ".%02" PRIu64
                 " %u/%u %u\n",
                 LOAD_INT (a[0]), LOAD_FRAC (a[0]), LOAD_INT (a[1]), LOAD_FRAC (a[1]),
                 LOAD_INT (a[2]), LOAD_FRAC (a[2]), nr_running, nr_threads, last_pid);
#undef LOAD_INT
#undef LOAD_FRAC
}
