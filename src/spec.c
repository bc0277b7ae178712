#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "spec.h"
#include "utils.h"

int
cmd_spec (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "rootless", no_argument, NULL, 'r' },
    { NULL, 0, NULL, 0 },
  };
  const char *bundle = ".";
  bool rootless = false;
  cleanup_free char *json = NULL;
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  int c;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long_only (argc, argv, "+b:", opts, NULL)) != -1)
    {
      if (c == 'b')
        bundle = optarg;
      else if (c == 'r')
        rootless = true;
      else
        return make_error (err, 0, "spec: unknown option `%s`", argv[optind - 1]);
    }
  path = xasprintf ("%s/config.json", bundle);
  json = spec_generate (rootless);
  if (json == NULL)
    return make_error (err, ENOMEM, "spec: generate config.json");
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      if (errno == EEXIST)
        return make_error (err, 0, "File %s exists. Remove it first", path);
      return make_error (err, errno, "spec: create `%s`", path);
    }
  if (write_all (fd, json, strlen (json)) < 0)
    return make_error (err, errno, "spec: write `%s`", path);
  (void)g;
  return 0;
}
