#include <config.h>
#include <signal.h>

#include "signals.h"
#include "tap.h"

int
main (void)
{
  static const struct
  {
    const char *in;
    int want;
  } good[] = {
    { "9", 9 },
    { "1", 1 },
    { "15", 15 },
    { "KILL", SIGKILL },
    { "SIGKILL", SIGKILL },
    { "sigkill", SIGKILL },
    { "kill", SIGKILL },
    { "SigTerm", SIGTERM },
    { "HUP", SIGHUP },
    { "SIGUSR1", SIGUSR1 },
    { "usr2", SIGUSR2 },
    { "SIGWINCH", SIGWINCH },
    { "CHLD", SIGCHLD },
    { "CLD", SIGCHLD },
    { "IOT", SIGABRT },
    { "POLL", SIGIO },
    { "SIGSYS", SIGSYS },
    { "PWR", SIGPWR },
    { "STKFLT", SIGSTKFLT },
    { "SIGCONT", SIGCONT },
    { "STOP", SIGSTOP },
    { "TSTP", SIGTSTP },
    { "VTALRM", SIGVTALRM },
    { "xfsz", SIGXFSZ },
  };
  static const char *const bad[] = {
    "",           "0",       "-1",       "-9",        "+9",
    " 9",         "9 ",      "65",       "99999",     "999999999999999999999",
    "SIG",        "SIGFOO",  "FOO",      "KILLX",     "SIGKILL ",
    "RTMIN-1",    "RTMAX+1", "RTMIN+31", "RTMAX-31",  "RTMIN+",
    "RTMAX-",     "RTMIN+x", "RTMIN+-1", "SIGRTMIN3", "0x9",
    "SIGSIGKILL", "SIG9",
  };
  size_t i;

  for (i = 0; i < sizeof (good) / sizeof (good[0]); i++)
    TAP_OK (signal_parse (good[i].in) == good[i].want, "parse \"%s\" -> %d", good[i].in,
            good[i].want);
  for (i = 0; i < sizeof (bad) / sizeof (bad[0]); i++)
    TAP_OK (signal_parse (bad[i]) == -1, "reject \"%s\"", bad[i]);
  TAP_OK (signal_parse (NULL) == -1, "reject NULL");

  /* Real-time signals. */
  TAP_OK (signal_parse ("RTMIN") == SIGRTMIN, "RTMIN");
  TAP_OK (signal_parse ("SIGRTMIN") == SIGRTMIN, "SIGRTMIN");
  TAP_OK (signal_parse ("sigrtmin+3") == SIGRTMIN + 3, "sigrtmin+3");
  TAP_OK (signal_parse ("SIGRTMIN+3") == SIGRTMIN + 3, "SIGRTMIN+3");
  TAP_OK (signal_parse ("RTMAX") == SIGRTMAX, "RTMAX");
  TAP_OK (signal_parse ("SIGRTMAX-1") == SIGRTMAX - 1, "SIGRTMAX-1");
  TAP_OK (signal_parse ("RTMIN+0") == SIGRTMIN, "RTMIN+0");
  TAP_OK (signal_parse ("RTMAX-0") == SIGRTMAX, "RTMAX-0");
  {
    char buf[32];
    snprintf (buf, sizeof buf, "RTMIN+%d", SIGRTMAX - SIGRTMIN);
    TAP_OK (signal_parse (buf) == SIGRTMAX, "%s is SIGRTMAX", buf);
    snprintf (buf, sizeof buf, "RTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
    TAP_OK (signal_parse (buf) == -1, "%s is out of range", buf);
    snprintf (buf, sizeof buf, "RTMAX-%d", SIGRTMAX - SIGRTMIN);
    TAP_OK (signal_parse (buf) == SIGRTMIN, "%s is SIGRTMIN", buf);
    snprintf (buf, sizeof buf, "RTMAX-%d", SIGRTMAX - SIGRTMIN + 1);
    TAP_OK (signal_parse (buf) == -1, "%s is out of range", buf);
    snprintf (buf, sizeof buf, "%d", SIGRTMAX);
    TAP_OK (signal_parse (buf) == SIGRTMAX, "number %s (SIGRTMAX) accepted", buf);
    snprintf (buf, sizeof buf, "%d", SIGRTMAX + 1);
    TAP_OK (signal_parse (buf) == -1, "number %s (> SIGRTMAX) rejected", buf);
  }

  /* Names. */
  TAP_STR_EQ (signal_name (SIGKILL), "SIGKILL", "name of 9");
  TAP_STR_EQ (signal_name (SIGTERM), "SIGTERM", "name of 15");
  TAP_STR_EQ (signal_name (SIGCHLD), "SIGCHLD", "canonical name of SIGCHLD");
  TAP_STR_EQ (signal_name (SIGABRT), "SIGABRT", "canonical name of SIGABRT");
  TAP_STR_EQ (signal_name (SIGIO), "SIGIO", "canonical name of SIGIO");
  TAP_STR_EQ (signal_name (SIGRTMIN), "SIGRTMIN", "name of SIGRTMIN");
  TAP_STR_EQ (signal_name (SIGRTMIN + 3), "SIGRTMIN+3", "name of SIGRTMIN+3");
  TAP_STR_EQ (signal_name (SIGRTMAX), "SIGRTMAX", "name of SIGRTMAX");
  TAP_STR_EQ (signal_name (SIGRTMAX - 2), "SIGRTMAX-2", "name of SIGRTMAX-2");
  TAP_OK (signal_name (0) == NULL, "no name for 0");
  TAP_OK (signal_name (-1) == NULL, "no name for -1");
  TAP_OK (signal_name (SIGRTMAX + 1) == NULL, "no name above SIGRTMAX");

  /* Every name round-trips. */
  {
    int sig, ok = 1;
    for (sig = 1; sig <= SIGRTMAX; sig++)
      {
        const char *n = signal_name (sig);
        if (n && signal_parse (n) != sig)
          {
            printf ("# %d -> %s -> %d\n", sig, n, signal_parse (n));
            ok = 0;
          }
        if (n == NULL && (sig < 32 || sig >= SIGRTMIN))
          {
            printf ("# no name for %d\n", sig);
            ok = 0;
          }
      }
    TAP_OK (ok, "all signal names round-trip");
  }

  return tap_done ();
}
