#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include "commands.h"
#include "oci_features.h"

int
cmd_features (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  char *json = features_json ();

  if (json == NULL)
    return make_error (err, 0, "features: out of memory");
  fputs (json, stdout);
  free (json);
  return 0;
}
