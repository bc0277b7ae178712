#include <config.h>
#include "signals.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "utils.h"

struct signal_entry
{
  const char *name;
  int sig;
};

/* Canonical names first: signal_name returns the first entry of a number. */
static const struct signal_entry signal_table[] = {
  { "SIGHUP", SIGHUP },
  { "SIGINT", SIGINT },
  { "SIGQUIT", SIGQUIT },
  { "SIGILL", SIGILL },
  { "SIGTRAP", SIGTRAP },
  { "SIGABRT", SIGABRT },
  { "SIGBUS", SIGBUS },
  { "SIGFPE", SIGFPE },
  { "SIGKILL", SIGKILL },
  { "SIGUSR1", SIGUSR1 },
  { "SIGSEGV", SIGSEGV },
  { "SIGUSR2", SIGUSR2 },
  { "SIGPIPE", SIGPIPE },
  { "SIGALRM", SIGALRM },
  { "SIGTERM", SIGTERM },
  { "SIGSTKFLT", SIGSTKFLT },
  { "SIGCHLD", SIGCHLD },
  { "SIGCONT", SIGCONT },
  { "SIGSTOP", SIGSTOP },
  { "SIGTSTP", SIGTSTP },
  { "SIGTTIN", SIGTTIN },
  { "SIGTTOU", SIGTTOU },
  { "SIGURG", SIGURG },
  { "SIGXCPU", SIGXCPU },
  { "SIGXFSZ", SIGXFSZ },
  { "SIGVTALRM", SIGVTALRM },
  { "SIGPROF", SIGPROF },
  { "SIGWINCH", SIGWINCH },
  { "SIGIO", SIGIO },
  { "SIGPWR", SIGPWR },
  { "SIGSYS", SIGSYS },
  /* Aliases. */
  { "SIGIOT", SIGIOT },
  { "SIGCLD", SIGCHLD },
  { "SIGPOLL", SIGPOLL },
};

/* Names of the real-time signals the way `kill -l` prints them: RTMIN+0..+15 then RTMAX-14..0.
   Indexed by sig - SIGRTMIN (SIGRTMIN is a run-time value in glibc). */
static const char *const rt_low_names[] = {
  "SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",
  "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10", "SIGRTMIN+11",
  "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15",
};
static const char *const rt_high_names[] = {
  "SIGRTMAX",    "SIGRTMAX-1",  "SIGRTMAX-2",  "SIGRTMAX-3",  "SIGRTMAX-4",
  "SIGRTMAX-5",  "SIGRTMAX-6",  "SIGRTMAX-7",  "SIGRTMAX-8",  "SIGRTMAX-9",
  "SIGRTMAX-10", "SIGRTMAX-11", "SIGRTMAX-12", "SIGRTMAX-13", "SIGRTMAX-14",
};

/* A whole, small, unsigned decimal number: no sign, no blanks, no leading junk. -1 if not. */
static int
parse_small_number (const char *s)
{
  int v = 0;

  if (*s == '\0')
    return -1;
  for (; *s; s++)
    {
      if (*s < '0' || *s > '9')
        return -1;
      v = v * 10 + (*s - '0');
      if (v > 1000)
        return -1;
    }
  return v;
}

/* "RTMIN", "RTMIN+3", "RTMAX-2" (prefix already stripped). -1 if not of that form. */
static int
parse_rt (const char *s)
{
  int base, off = 0;
  bool min;

  if (strncasecmp (s, "RTMIN", 5) == 0)
    min = true;
  else if (strncasecmp (s, "RTMAX", 5) == 0)
    min = false;
  else
    return -1;
  s += 5;
  base = min ? SIGRTMIN : SIGRTMAX;
  if (*s == '\0')
    return base;
  if ((min && *s != '+') || (!min && *s != '-'))
    return -1;
  off = parse_small_number (s + 1);
  if (off < 0)
    return -1;
  base = min ? base + off : base - off;
  if (base < SIGRTMIN || base > SIGRTMAX)
    return -1;
  return base;
}

int
signal_parse (const char *s)
{
  size_t i;
  int n;

  if (s == NULL || *s == '\0')
    return -1;
  if (*s >= '0' && *s <= '9')
    {
      n = parse_small_number (s);
      if (n <= 0 || n > SIGRTMAX)
        return -1;
      return n;
    }
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  if (*s == '\0')
    return -1;
  for (i = 0; i < ARRAY_SIZE (signal_table); i++)
    if (strcasecmp (s, signal_table[i].name + 3) == 0)
      return signal_table[i].sig;
  return parse_rt (s);
}

const char *
signal_name (int sig)
{
  size_t i;

  for (i = 0; i < ARRAY_SIZE (signal_table); i++)
    if (signal_table[i].sig == sig)
      return signal_table[i].name;

  if (sig >= SIGRTMIN && sig <= SIGRTMAX)
    {
      if ((size_t)(sig - SIGRTMIN) < ARRAY_SIZE (rt_low_names))
        return rt_low_names[sig - SIGRTMIN];
      if ((size_t)(SIGRTMAX - sig) < ARRAY_SIZE (rt_high_names))
        return rt_high_names[SIGRTMAX - sig];
    }
  return NULL;
}
