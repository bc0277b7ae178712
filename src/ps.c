#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "container.h"

int
cmd_ps (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *format = "table", *id;
  char *out = NULL;
  int c;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long_only (argc, argv, "+f:h", opts, NULL)) != -1)
    {
      if (c == 'h')
        {
          print_command_usage ("ps");
          return 0;
        }
      if (c != 'f')
        return make_error (err, 0, "ps: unknown option `%s`", argv[optind - 1]);
      format = optarg;
    }
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return make_error (err, 0, "ps: invalid format `%s`: use table or json", format);
  if (optind >= argc)
    return make_error (err, 0, "ps: missing container id (usage: ecirun ps ID [PS OPTIONS])");
  id = argv[optind++];
  /* Everything after the id goes to ps(1); "--" may separate it. */
  if (optind < argc && strcmp (argv[optind], "--") == 0)
    optind++;
  if (strcmp (format, "json") == 0 && optind < argc)
    return make_error (err, 0, "ps: ps options cannot be used with --format json");
  if (container_ps (g->root, id, strcmp (format, "json") == 0, argv + optind, &out, err) < 0)
    return -1;
  fputs (out, stdout);
  if (out[0] && out[strlen (out) - 1] != '\n')
    putchar ('\n');
  free (out);
  return 0;
}
