#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "commands.h"
#include "container.h"

int
cmd_state (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  const char *id;
  char *json = NULL;

  optind = 1;
  if (require_id ("state", argc, argv, &id, err) < 0
      || container_state_json (g->root, id, &json, err) < 0)
    return -1;
  printf ("%s\n", json);
  free (json);
  return 0;
}
