/* The pure helpers of ps and update: runc's memory-size syntax and the ps(1) row filter. */
#include <config.h>
#include <stdint.h>
#include <stdlib.h>

#include "cgroup_internal.h"
#include "ops_parse.h"
#include "utils.h"
#include <fcntl.h>
#include <unistd.h>
#include "tap.h"

static void
test_ram (void)
{
  static const struct
  {
    const char *in;
    int64_t want;
  } good[] = {
    { "0", 0 },
    { "1", 1 },
    { "1024", 1024 },
    { "512m", 512LL << 20 },
    { "512M", 512LL << 20 },
    { "64m", 67108864 },
    { "1g", 1LL << 30 },
    { "1G", 1LL << 30 },
    { "1gb", 1LL << 30 },
    { "1GiB", 1LL << 30 },
    { "1 GiB", 1LL << 30 },
    { "4k", 4096 },
    { "4kb", 4096 },
    { "10b", 10 },
    { "10B", 10 },
    { "1.5k", 1536 },
    { "0.5m", 512 << 10 },
    { "2t", 2LL << 40 },
    { "3p", 3LL << 50 },
    { "1 ", 1 },
  };
  static const char *const bad[] = {
    "",   "-1",   "-5m",    "abc",          "m",   "1x", "1kk",  "1mbb", "1bi",
    " 1", "1  m", "12.m.b", "99999999999p", "1e3", "+1", "0x10",
  };

  for (size_t i = 0; i < sizeof (good) / sizeof (good[0]); i++)
    {
      ecirun_error_t e = NULL;
      int64_t v = -42;
      int r = parse_ram_in_bytes (good[i].in, &v, &e);
      TAP_OK (r == 0 && v == good[i].want, "size '%s' = %lld (got %lld)", good[i].in,
              (long long)good[i].want, (long long)v);
      error_release (&e);
    }
  for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++)
    {
      ecirun_error_t e = NULL;
      int64_t v;
      int r = parse_ram_in_bytes (bad[i], &v, &e);
      TAP_OK (r < 0 && e && strstr (e->msg, "invalid size"), "size '%s' is refused (%s)", bad[i],
              e ? e->msg : "no error");
      error_release (&e);
    }
}

static void
test_ps_filter (void)
{
  static const char ef[] = "UID          PID    PPID  C STIME TTY          TIME CMD\n"
                           "root           1       0  0 04:00 ?        00:00:01 /sbin/init\n"
                           "root         123       1  0 04:00 ?        00:00:00 sleep 1000\n"
                           "root        1234     123  0 04:00 ?        00:00:00 sh -c 123\n"
                           "root       12345       1  0 04:00 ?        00:00:00 other\n";
  static const char custom[] = "  PID COMMAND\n  123 sleep\n  456 sh\n 1234 cat\n";
  static const pid_t pids[] = { 123, 12345 };
  ecirun_error_t e = NULL;
  char *out = NULL;

  TAP_OK (ps_filter_output (ef, pids, 2, &out, &e) == 0, "ps -ef output is filtered");
  TAP_STR_EQ (out,
              "UID          PID    PPID  C STIME TTY          TIME CMD\n"
              "root         123       1  0 04:00 ?        00:00:00 sleep 1000\n"
              "root       12345       1  0 04:00 ?        00:00:00 other\n",
              "PID column of ps -ef: only the container's rows, PPID and args ignored");
  free (out);
  out = NULL;
  TAP_OK (ps_filter_output (custom, pids, 1, &out, &e) == 0, "ps -o pid,comm output is filtered");
  TAP_STR_EQ (out, "  PID COMMAND\n  123 sleep\n", "PID as the first column");
  free (out);
  out = NULL;
  TAP_OK (ps_filter_output (custom, NULL, 0, &out, &e) == 0, "no pids");
  TAP_STR_EQ (out, "  PID COMMAND\n", "no pids: the header alone");
  free (out);
  out = NULL;
  TAP_OK (ps_filter_output ("  PID COMMAND", pids, 2, &out, &e) == 0, "header without newline");
  TAP_STR_EQ (out, "  PID COMMAND\n", "header without newline is kept");
  free (out);
  out = NULL;
  TAP_OK (ps_filter_output ("USER PPID CMD\nroot 123 x\n", pids, 2, &out, &e) < 0 && e
              && strstr (e->msg, "PID"),
          "no PID column is an error naming PID");
  error_release (&e);
  free (out);
}

static void
put (const char *dir, const char *file, const char *content)
{
  char *path = xasprintf ("%s/%s", dir, file);
  FILE *f = fopen (path, "w");
  if (f)
    {
      fputs (content, f);
      fclose (f);
    }
  free (path);
}

/* The v2 mapping onto runc's stats, on a fake cgroup directory. */
static void
test_stats_v2 (void)
{
  char tmpl[] = "/tmp/test_ops.XXXXXX";
  char *dir = mkdtemp (tmpl);
  struct cgroup_hier h = { .dir = dir };
  struct cgroup cg = { .mode = CGROUP_MODE_V2, .hiers = &h, .n_hiers = 1, .dirfd = -1 };
  struct cgroup_stats st;
  ecirun_error_t e = NULL;
  uint64_t ooms = 0;

  TAP_OK (dir != NULL, "temp dir");
  if (dir == NULL)
    return;
  put (dir, "cpu.stat",
       "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\n"
       "nr_throttled 2\nthrottled_usec 30\n");
  put (dir, "memory.current", "4096\n");
  put (dir, "memory.max", "max\n");
  put (dir, "memory.swap.current", "100\n");
  put (dir, "memory.swap.max", "max\n");
  put (dir, "memory.stat", "anon 10\nfile 20\nkernel 30\n");
  put (dir, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  put (dir, "pids.current", "5\n");
  put (dir, "pids.max", "max\n");
  put (dir, "io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n");
  put (dir, "cpuset.cpus.effective", "0-2,5\n");

  TAP_OK (cgroup_stats (&cg, &st, &e) == 0, "cgroup_stats on a v2 directory");
  TAP_OK (st.cpu.total == 1500000 && st.cpu.user == 1000000 && st.cpu.kernel == 500000,
          "cpu.stat usec -> ns");
  TAP_OK (st.cpu.periods == 7 && st.cpu.throttled_periods == 2 && st.cpu.throttled_time == 30000,
          "throttling");
  TAP_OK (st.memory.usage.usage == 4096 && st.memory.usage.limit == UINT64_MAX
              && st.memory.usage.failcnt == 3,
          "memory usage, max -> UINT64_MAX, failcnt from memory.events max");
  TAP_OK (st.memory.swap.usage == 4196 && st.memory.swap.limit == UINT64_MAX,
          "swap reported as memory+swap");
  TAP_OK (st.memory.cache == 20 && st.memory.n_raw == 3, "cache = file, raw = memory.stat");
  TAP_OK (st.pids.current == 5 && st.pids.limit == 0, "pids (max -> 0)");
  TAP_OK (st.blkio[BLKIO_SERVICE_BYTES].n == 2 && st.blkio[BLKIO_SERVICED].n == 2
              && st.blkio[BLKIO_SERVICE_BYTES].e[1].value == 200
              && strcmp (st.blkio[BLKIO_SERVICE_BYTES].e[1].op, "Write") == 0,
          "io.stat -> ioServiceBytesRecursive / ioServicedRecursive");
  TAP_OK (st.cpuset.n_cpus == 4 && st.cpuset.cpus[3] == 5, "cpuset list");
  TAP_OK (cgroup_oom_count (&cg, &ooms, &e) == 0 && ooms == 1, "oom_kill counter");
  cgroup_stats_release (&st);
  error_release (&e);

  /* No controller files at all: zeros, no error. */
  for (const char *const *f
       = (const char *const[]){ "cpu.stat", "memory.current", "memory.max", "memory.swap.current",
                                "memory.swap.max", "memory.stat", "memory.events", "pids.current",
                                "pids.max", "io.stat", "cpuset.cpus.effective", NULL };
       *f; f++)
    {
      char *path = xasprintf ("%s/%s", dir, *f);
      unlink (path);
      free (path);
    }
  TAP_OK (cgroup_stats (&cg, &st, &e) == 0 && st.cpu.total == 0 && st.pids.current == 0
              && st.memory.n_raw == 0,
          "an empty v2 directory gives zeros");
  cgroup_stats_release (&st);
  error_release (&e);
  rmdir (dir);
}

int
main (void)
{
  test_ram ();
  test_ps_filter ();
  test_stats_v2 ();
  return tap_done ();
}
