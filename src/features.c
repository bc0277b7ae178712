#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include "commands.h"
#include "oci_features.h"

int
cmd_features (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  char *policy_error = NULL;
  char *json = features_json (&policy_error);
  int r = 0;

  if (json == NULL)
    return make_error (err, 0, "features: out of memory");
  fputs (json, stdout);
  free (json);
  /* The document still shows what the build supports; the status says the policy is broken. */
  if (policy_error)
    r = make_error (err, 0, "features: the admin policy is not usable: %s", policy_error);
  free (policy_error);
  return r;
}
