/* The pure helpers of ps and update: runc's memory-size syntax and the ps(1) row filter. */
#include <config.h>
#include <stdint.h>
#include <stdlib.h>

#include "ops_parse.h"
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

int
main (void)
{
  test_ram ();
  test_ps_filter ();
  return tap_done ();
}
