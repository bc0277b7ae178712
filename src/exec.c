#include <config.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "container.h"
#include "utils.h"

static void
strv_push (char ***v, const char *s)
{
  size_t n = strv_len (*v);
  *v = xrealloc (*v, (n + 2) * sizeof (char *));
  (*v)[n] = (char *)s;
  (*v)[n + 1] = NULL;
}

int
cmd_exec (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  enum
  {
    OPT_CONSOLE_SOCKET = 1000,
    OPT_PID_FILE,
    OPT_CWD,
    OPT_NO_NEW_PRIVS,
    OPT_PRESERVE_FDS,
    OPT_PROCESS_LABEL,
    OPT_APPARMOR,
    OPT_IGNORE_PAUSED,
    OPT_CGROUP,
  };
  static const struct option opts[] = {
    { "process", required_argument, NULL, 'p' },
    { "tty", no_argument, NULL, 't' },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "detach", no_argument, NULL, 'd' },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "env", required_argument, NULL, 'e' },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "cap", required_argument, NULL, 'c' },
    { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
    { "apparmor", required_argument, NULL, OPT_APPARMOR },
    { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
    { "cgroup", required_argument, NULL, OPT_CGROUP },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct exec_opts o = { .root = g->root, .tty = -1 };
  cleanup_free char **env = NULL;
  cleanup_free char **gids = NULL;
  cleanup_free char **caps = NULL;
  cleanup_free char **cgroups = NULL;
  int c, status = 0;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long_only (argc, argv, "+p:tde:u:g:c:h", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'p':
          o.process_file = optarg;
          break;
        case 't':
          o.tty = 1;
          break;
        case OPT_CONSOLE_SOCKET:
          o.console_socket = optarg;
          break;
        case 'd':
          o.detach = true;
          break;
        case OPT_PID_FILE:
          o.pid_file = optarg;
          break;
        case 'e':
          strv_push (&env, optarg);
          break;
        case OPT_CWD:
          o.cwd = optarg;
          break;
        case 'u':
          o.user = optarg;
          break;
        case 'g':
          strv_push (&gids, optarg);
          break;
        case 'c':
          strv_push (&caps, optarg);
          break;
        case OPT_NO_NEW_PRIVS:
          o.no_new_privs = true;
          break;
        case OPT_PRESERVE_FDS:
          {
            uint64_t n;
            if (parse_u64 (optarg, &n) < 0 || n > 1 << 16)
              return make_error (err, 0, "exec: --preserve-fds: invalid number `%s`", optarg);
            o.preserve_fds = (int)n;
            break;
          }
        case OPT_PROCESS_LABEL:
          o.process_label = optarg;
          break;
        case OPT_APPARMOR:
          o.apparmor = optarg;
          break;
        case OPT_IGNORE_PAUSED:
          o.ignore_paused = true;
          break;
        case OPT_CGROUP:
          strv_push (&cgroups, optarg);
          break;
        case 'h':
          print_command_usage ("exec");
          return 0;
        default:
          return make_error (err, 0, "exec: unknown option `%s`", argv[optind - 1]);
        }
    }
  if (optind >= argc)
    return make_error (err, 0, "exec: missing container id (usage: ecirun exec ID COMMAND)");
  o.id = argv[optind++];
  if (optind < argc && strcmp (argv[optind], "--") == 0)
    optind++;
  o.args = optind < argc ? argv + optind : NULL;
  o.env = env;
  o.additional_gids = gids;
  o.caps = caps;
  o.cgroups = cgroups;
  if (o.process_file && o.args)
    return make_error (err, 0, "exec: give either --process or a command, not both");
  if (container_exec (&o, &status, err) < 0)
    return -1;
  return status;
}
