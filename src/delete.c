#include <config.h>

#include <getopt.h>
#include "commands.h"
#include "container.h"

int
cmd_delete (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  static const struct option opts[] = {
    { "force", no_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool force = false;
  const char *id;
  int c;

  optind = 0;
  opterr = 0;
  /* Options may follow the ID (`delete ID --force`), as runc takes them. */
  while ((c = getopt_long_only (argc, argv, "fh", opts, NULL)) != -1)
    {
      if (c == 'h')
        {
          print_command_usage ("delete");
          return 0;
        }
      if (c != 'f')
        return make_error (err, 0, "delete: unknown option `%s`", argv[optind - 1]);
      force = true;
    }
  if (require_id ("delete", argc, argv, &id, err) < 0)
    return -1;
  return container_delete (g->root, id, force, err) < 0 ? -1 : 0;
}
