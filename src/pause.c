#include <config.h>

#include <getopt.h>
#include "commands.h"
#include "container.h"

int
cmd_pause (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  const char *id;

  optind = 1;
  if (require_id ("pause", argc, argv, &id, err) < 0)
    return -1;
  return container_pause (g->root, id, true, err) < 0 ? -1 : 0;
}
