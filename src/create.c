#include <config.h>

#include "commands.h"
#include "container.h"

int
cmd_create (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  struct create_opts o = { .root = g->root };
  bool detach = false, keep = false;

  if (parse_create_flags (argc, argv, false, &o, &detach, &keep, err) < 0
      || require_id ("create", argc, argv, &o.id, err) < 0)
    return -1;
  return container_create (&o, NULL, err) < 0 ? -1 : 0;
}
