#include <config.h>

#include "commands.h"
#include "container.h"

int
cmd_run (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  struct create_opts o = { .root = g->root };
  bool detach = false, keep = false;
  int status = 0;

  if (parse_create_flags (argc, argv, true, &o, &detach, &keep, err) < 0
      || require_id ("run", argc, argv, &o.id, err) < 0)
    return -1;
  if (container_run (&o, detach, keep, &status, err) < 0)
    return -1;
  return status;
}
