#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "container.h"

/* A Go-style duration ("5s", "500ms", "1m", "1.5s"; a bare number is seconds) in ms. */
static int
parse_interval (const char *s, unsigned *ret)
{
  static const struct
  {
    const char *unit;
    double ms;
  } units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "", 1000 } };
  char *end;
  double v = strtod (s, &end);

  if (end == s || v <= 0)
    return -1;
  for (size_t i = 0; i < sizeof (units) / sizeof (units[0]); i++)
    if (strcmp (end, units[i].unit) == 0)
      {
        double ms = v * units[i].ms;
        if (ms < 1 || ms > 86400000.0)
          return -1;
        *ret = (unsigned)ms;
        return 0;
      }
  return -1;
}

int
cmd_events (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  static const struct option opts[] = {
    { "stats", no_argument, NULL, 's' },
    { "interval", required_argument, NULL, 'i' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  unsigned interval = 5000;
  bool stats = false;
  const char *id;
  int c;

  optind = 0;
  opterr = 0;
  /* Options may follow the ID (`events ID --stats`), as runc takes them. */
  while ((c = getopt_long_only (argc, argv, "h", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 's':
          stats = true;
          break;
        case 'i':
          if (parse_interval (optarg, &interval) < 0)
            return make_error (err, 0, "events: invalid --interval `%s` (e.g. 5s, 500ms)", optarg);
          break;
        case 'h':
          print_command_usage ("events");
          return 0;
        default:
          return make_error (err, 0, "events: unknown option `%s`", argv[optind - 1]);
        }
    }
  if (require_id ("events", argc, argv, &id, err) < 0)
    return -1;
  return container_events (g->root, id, stats, interval, stdout, err) < 0 ? -1 : 0;
}
