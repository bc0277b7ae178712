#include <config.h>

#include <getopt.h>
#include "commands.h"
#include "container.h"

int
cmd_resume (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  const char *id;

  optind = 1;
  if (require_id ("resume", argc, argv, &id, err) < 0)
    return -1;
  return container_pause (g->root, id, false, err) < 0 ? -1 : 0;
}
