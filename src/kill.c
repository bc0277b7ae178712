#include <config.h>

#include <getopt.h>
#include <signal.h>
#include <string.h>
#include "commands.h"
#include "container.h"
#include "signals.h"

int
cmd_kill (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  static const struct option opts[] = {
    { "all", no_argument, NULL, 'a' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool all = false;
  int c, sig = SIGTERM;
  const char *id;

  optind = 0;
  opterr = 0;
  /* Options may follow the ID, as runc takes them (`kill ID KILL --all`). */
  while ((c = getopt_long_only (argc, argv, "ah", opts, NULL)) != -1)
    {
      if (c == 'h')
        {
          print_command_usage ("kill");
          return 0;
        }
      if (c != 'a')
        {
          const char *bad = argv[optind - 1];
          /* `kill ID -1`: a negative number is a signal that does not exist, not an option. */
          if (bad[0] == '-' && bad[1] >= '0' && bad[1] <= '9')
            return make_error (err, 0, "invalid signal `%s`", bad);
          return make_error (err, 0, "kill: unknown option `%s`", bad);
        }
      all = true;
    }
  if (optind >= argc)
    return make_error (err, 0, "kill: missing container id (usage: ecirun kill ID [SIGNAL])");
  id = argv[optind];
  if (optind + 2 < argc)
    return make_error (err, 0, "kill: too many arguments");
  if (optind + 1 < argc)
    {
      const char *arg = argv[optind + 1];
      /* Signal 0 checks that the process exists and may be signalled (kill(2)), as runc. */
      sig = arg[strspn (arg, "0")] == '\0' ? 0 : signal_parse (arg);
      if (sig < 0)
        return make_error (err, 0, "invalid signal `%s`", argv[optind + 1]);
    }
  return container_kill (g->root, id, sig, all, err) < 0 ? -1 : 0;
}
