/* Argument helpers shared by the subcommands. */
#include <config.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "container.h"
#include "utils.h"

int
require_id (const char *cmd, int argc, char **argv, const char **ret, ecirun_error_t *err)
{
  if (optind >= argc)
    return make_error (err, 0, "%s: missing container id (usage: ecirun %s ID)", cmd, cmd);
  if (optind + 1 < argc)
    return make_error (err, 0, "%s: unexpected argument `%s` after the container id", cmd,
                       argv[optind + 1]);
  *ret = argv[optind];
  return 0;
}

/* path made absolute against the current directory (never freed: lives as long as the
   command). */
static const char *
absolute_path (const char *path)
{
  cleanup_free char *cwd = NULL;

  if (path[0] == '/' || (cwd = getcwd (NULL, 0)) == NULL)
    return path;
  return xasprintf ("%s/%s", cwd, path);
}

int
parse_create_flags (int argc, char **argv, bool with_run_flags, struct create_opts *o, bool *detach,
                    bool *keep, ecirun_error_t *err)
{
  enum
  {
    OPT_BUNDLE = 1000,
    OPT_PID_FILE,
    OPT_CONSOLE_SOCKET,
    OPT_NO_PIVOT,
    OPT_NO_NEW_KEYRING,
    OPT_PRESERVE_FDS,
    OPT_DETACH,
    OPT_KEEP,
    OPT_IGNORED,
    OPT_HELP,
  };
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, OPT_BUNDLE },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
    { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "detach", no_argument, NULL, OPT_DETACH },
    { "keep", no_argument, NULL, OPT_KEEP },
    { "no-subreaper", no_argument, NULL, OPT_IGNORED },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
  };
  int c;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long_only (argc, argv, "+b:dh", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'b':
        case OPT_BUNDLE:
          o->bundle = optarg;
          break;
        case OPT_PID_FILE:
          /* Relative to the caller's directory, as runc: create works in the bundle's. */
          o->pid_file = absolute_path (optarg);
          break;
        case OPT_CONSOLE_SOCKET:
          o->console_socket = optarg;
          break;
        case OPT_NO_PIVOT:
          o->no_pivot = true;
          break;
        case OPT_NO_NEW_KEYRING:
          o->no_new_keyring = true;
          break;
        case OPT_PRESERVE_FDS:
          {
            uint64_t n;
            if (parse_u64 (optarg, &n) < 0 || n > 1 << 16)
              return make_error (err, 0, "--preserve-fds: invalid number `%s`", optarg);
            o->preserve_fds = (int)n;
            break;
          }
        case 'd':
        case OPT_DETACH:
          if (!with_run_flags)
            goto bad;
          *detach = true;
          break;
        case OPT_KEEP:
          if (!with_run_flags)
            goto bad;
          *keep = true;
          break;
        case OPT_IGNORED:
          break;
        case 'h':
        case OPT_HELP:
          print_command_usage (argv[0]);
          exit (0);
        default:
          goto bad;
        }
    }
  return optind;
bad:
  return make_error (err, 0, "%s: unknown option `%s`", argv[0], argv[optind - 1]);
}
