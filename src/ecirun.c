/* ecirun: global options, the command table and the single place that reports errors. */
#include <config.h>

#include <getopt.h>
#include <stdbool.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "eci.h"
#include "fds.h"
#include "log.h"

#include "commit.h" /* generated at build time: ECIRUN_COMMIT */

struct command
{
  const char *name;
  command_fn fn;
  const char *usage;
};

static const struct command commands[] = {
  { "create", cmd_create,
    "create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] [--no-pivot]\n"
    "       [--no-new-keyring] [--preserve-fds N] ID\n"
    "  Create a container from the OCI bundle and leave it waiting for `start`." },
  { "start", cmd_start, "start ID\n  Start the workload of a created container." },
  { "run", cmd_run,
    "run [create flags] [--detach] [--keep] ID\n"
    "  Create and start a container; without --detach wait for it and exit with its status." },
  { "exec", cmd_exec,
    "exec [--process FILE] [--tty] [--console-socket SOCK] [--detach] [--pid-file FILE]\n"
    "       [--env K=V]... [--cwd DIR] [--user UID[:GID]] [--additional-gids GID]...\n"
    "       [--cap CAP]... [--no-new-privs] [--preserve-fds N] [--ignore-paused]\n"
    "       [--cgroup [CONTROLLER:]PATH]... ID [COMMAND [ARG...]]\n"
    "  Run a new process inside a running container (a paused one with --ignore-paused;\n"
    "  --cgroup: in an existing sub-cgroup of the container's)." },
  { "state", cmd_state, "state ID\n  Print the OCI state of a container as JSON." },
  { "kill", cmd_kill,
    "kill [--all] ID [SIGNAL]\n  Send a signal (name or number, default SIGTERM) to the "
    "container init, or with --all to every process of the container." },
  { "delete", cmd_delete,
    "delete [--force] ID\n  Delete a stopped (or created) container; --force kills a running "
    "one first." },
  { "list", cmd_list, "list [--quiet] [--format table|json]\n  List the containers under --root." },
  { "ps", cmd_ps,
    "ps [--format table|json] ID [PS OPTIONS]\n  List the processes of a container: ps(1) rows "
    "(default ps -ef) or a JSON array of pids." },
  { "pause", cmd_pause, "pause ID\n  Freeze every process of a running container." },
  { "resume", cmd_resume, "resume ID\n  Thaw a paused container." },
  { "update", cmd_update,
    "update [--resources FILE|-] [--memory N] [--memory-reservation N] [--memory-swap N]\n"
    "       [--kernel-memory N] [--kernel-memory-tcp N] [--cpu-share N] [--cpu-period N]\n"
    "       [--cpu-quota N] [--cpu-rt-period N] [--cpu-rt-runtime N] [--cpuset-cpus LIST]\n"
    "       [--cpuset-mems LIST] [--pids-limit N] [--blkio-weight N] ID\n"
    "  Change the resource limits of a container (LinuxResources JSON, flags override it;\n"
    "  memory sizes take k/m/g suffixes, -1 is unlimited)." },
  { "events", cmd_events,
    "events [--stats] [--interval 5s] ID\n  Print resource usage of a container as JSON: once "
    "with --stats, else every interval, with OOM events, until it stops." },
  { "spec", cmd_spec,
    "spec [--bundle DIR] [--rootless]\n  Write a default config.json into the bundle." },
  { "features", cmd_features, "features\n  Print what this runtime supports, as JSON." },
  { "check", cmd_check,
    "check [PATH...]\n  Check that this host supports every isolation feature (user namespaces,\n"
    "  ID-mapped mounts on the file systems of PATH or the engines' data roots, overlayfs in a\n"
    "  user namespace, seccomp notify with ADDFD, FUSE, cgroups, mount locking); exit 0 when\n"
    "  all hold." },
};

static void
usage (FILE *out)
{
  fprintf (out, "Usage: ecirun [global options] COMMAND [options] [ID]\n\n"
                "ecirun is an OCI runtime that runs every container in its own user namespace.\n\n"
                "Commands:\n");
  for (size_t i = 0; i < sizeof (commands) / sizeof (commands[0]); i++)
    fprintf (out, "  %s\n", commands[i].usage);
  fprintf (out,
           "\nGlobal options:\n"
           "  --root DIR            state directory (default /run/ecirun)\n"
           "  --log FILE            also log to FILE\n"
           "  --log-format FORMAT   text (default) or json\n"
           "  --debug               log debug messages\n"
           "  --systemd-cgroup      use the systemd cgroup driver (not supported yet)\n"
           "  --version, --help\n"
           "\nIsolation (always on): every container gets its own user namespace with an\n"
           "exclusive block of host IDs, never host root; host namespaces are refused;\n"
           "the rootfs, bind mounts and devices are ID-mapped into the container;\n"
           "restricted host paths are refused as mounts; the mounts made at creation\n"
           "are locked by the kernel (no unmount, move or remount read-write inside).\n"
           "\nAdmin policy: /etc/ecirun/ecirun.json (ECIRUN_POLICY overrides the path;\n"
           "missing = defaults; see docs/policy.md and `ecirun features`). Keys:\n"
           "  idPool {uidFirst, gidFirst, size}  host IDs handed out (default: the ecirun\n"
           "                          entry of /etc/subuid+subgid, else 2^28 + 2^28 IDs)\n"
           "  blockSize               IDs per container (default 65536, at least 65536)\n"
           "  onExhaustion            \"refuse\" (default): create fails when no block is free\n"
           "  stateDir                where ID-block records live (default /var/lib/ecirun)\n"
           "  idmapFallback           \"none\" (default): fail where ID-mapped mounts are\n"
           "                          impossible\n"
           "  hostDirMapping          \"idmap\" (default) or \"block\": host directories that\n"
           "                          are not the engine's are mounted without an ID map\n"
           "  mountVetting            \"sidecar\" (default) or \"off\": mount(2) and umount2(2)\n"
           "                          vetted by each container's ecirun-fsd\n"
           "  restrictedMounts        host paths refused as bind sources or root, with what\n"
           "                          is inside them and every directory holding them,\n"
           "                          judged by what a source is (its file system and\n"
           "                          directory), whatever path leads there (default: /boot\n"
           "                          /dev /etc /proc /root /sys, the engines' sockets and\n"
           "                          data; always: ecirun's own state, the engine's data\n"
           "                          found from the bundle, sockets host root listens on)\n"
           "  allowedMounts           patterns (*, {id}, {net}, {ipc}, {dockerRoot}...)\n"
           "                          allowed inside restricted paths (default: the\n"
           "                          engines' per-container files, volumes)\n"
           "  allowedDevices          the host devices (linux.devices, --device,\n"
           "                          --privileged) a container may get, judged by type and\n"
           "                          numbers: host path patterns (the nodes they name) or\n"
           "                          \"c MAJOR:MINOR\" (default: the standard nodes,\n"
           "                          /dev/fuse, /dev/net/tun); another is an error, or\n"
           "                          a warning for --privileged's every-device list; raw\n"
           "                          block devices, /dev/sg*, bsg, /dev/ng* and /dev/mem,\n"
           "                          kmem, port never\n"
           "  eciExceptions           ECI mode (ecirun-eci): containers that run on the\n"
           "                          original runtime, by --root and annotations (none)\n"

           "  emulation               true (default), false, or {memory, cpu, uptime,\n"
           "                          loadavg, diskstats, sysctl, sysKernel, dmi: bool}: the\n"
           "                          /proc and /sys portions the container sees as its own\n");
}

void
print_command_usage (const char *cmd)
{
  for (size_t i = 0; i < sizeof (commands) / sizeof (commands[0]); i++)
    if (strcmp (commands[i].name, cmd) == 0)
      printf ("Usage: ecirun %s\n", commands[i].usage);
}

static void
fail (ecirun_error_t *err)
{
  log_error_final (*err ? (*err)->msg : "unknown error");
  error_release (err);
}

/* `ecirun help [COMMAND]`, as runc: the usage, one command's, or runc's words and exit status
   3 for an unknown topic. */
static int
help_topic (const char *topic)
{
  if (topic == NULL)
    {
      usage (stdout);
      return 0;
    }
  for (size_t i = 0; i < sizeof (commands) / sizeof (commands[0]); i++)
    if (strcmp (commands[i].name, topic) == 0)
      {
        print_command_usage (topic);
        return 0;
      }
  fprintf (stderr, "ecirun: No help topic for '%s'\n", topic);
  return 3;
}

/* `COMMAND -h` or `--help` among the command's own options, that is before its ID: what
   follows the ID of exec and ps is the process's (`exec ID ls -h`). */
static bool
asks_help (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0 || argv[i][0] != '-')
        return false;
      if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0
          || strcmp (argv[i], "-help") == 0)
        return true;
    }
  return false;
}

/* runc's layout, which dockerd parses for `docker info` (name and version from the line with
   "version", the commit from "commit:"). */
static void
print_version (void)
{
  const struct scmp_version *sv = seccomp_version ();

  printf ("ecirun version %s\ncommit: %s\nspec: 1.1.0\n", PACKAGE_VERSION, ECIRUN_COMMIT);
  if (sv)
    printf ("libseccomp: %u.%u.%u\n", sv->major, sv->minor, sv->micro);
}

int
main (int argc, char **argv)
{
  enum
  {
    OPT_ROOT = 1000,
    OPT_LOG,
    OPT_LOG_FORMAT,
    OPT_DEBUG,
    OPT_SYSTEMD,
    OPT_VERSION,
    OPT_HELP,
    OPT_CRIU,
    OPT_ROOTLESS,
  };
  static const struct option opts[] = {
    { "root", required_argument, NULL, OPT_ROOT },
    { "log", required_argument, NULL, OPT_LOG },
    { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
    { "debug", no_argument, NULL, OPT_DEBUG },
    { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
    { "version", no_argument, NULL, OPT_VERSION },
    { "help", no_argument, NULL, OPT_HELP },
    { "criu", required_argument, NULL, OPT_CRIU },
    { "rootless", required_argument, NULL, OPT_ROOTLESS },
    { NULL, 0, NULL, 0 },
  };
  struct global_opts g = { .root = "/run/ecirun", .log_format = "text" };
  ecirun_error_t err = NULL;
  const char *cmd;
  int c, ret;

  /* Before anything of ours is open: what the caller passed is what --preserve-fds may keep. */
  fds_record_inherited ();
  opterr = 0;
  while ((c = getopt_long_only (argc, argv, "+:hv", opts, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_ROOT:
          g.root = optarg;
          break;
        case OPT_LOG:
          g.log = optarg;
          break;
        case OPT_LOG_FORMAT:
          g.log_format = optarg;
          break;
        case OPT_DEBUG:
          g.debug = true;
          break;
        case OPT_SYSTEMD:
          g.systemd_cgroup = true;
          break;
        case OPT_CRIU:
        case OPT_ROOTLESS:
          break; /* accepted for runc compatibility */
        case 'v':
        case OPT_VERSION:
          print_version ();
          return 0;
        case 'h':
        case OPT_HELP:
          usage (stdout);
          return 0;
        case ':':
          fprintf (stderr, "ecirun: global option `%s` needs an argument\n", argv[optind - 1]);
          return 2;
        default:
          /* One line, as for an unknown command: the last stderr line is what callers show. */
          fprintf (stderr, "ecirun: unknown global option `%s` (see ecirun --help)\n",
                   argv[optind - 1]);
          return 2;
        }
    }
  if (strcmp (g.log_format, "text") != 0 && strcmp (g.log_format, "json") != 0)
    {
      fprintf (stderr, "ecirun: invalid --log-format `%s`: use text or json\n", g.log_format);
      return 2;
    }
  if (log_init (g.log, strcmp (g.log_format, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT,
                g.debug, &err)
      < 0)
    {
      fail (&err);
      return 1;
    }
  if (optind >= argc)
    {
      usage (stderr);
      return 2;
    }
  cmd = argv[optind];
  /* ECI mode: the original runtime's own containers and the admin's exceptions go to it. */
  if (eci_delegate (g.root, argc, argv, optind, &err) < 0)
    {
      fail (&err);
      return 1;
    }
  if (g.systemd_cgroup)
    {
      make_error (&err, 0, "--systemd-cgroup: the systemd cgroup driver is not supported yet");
      fail (&err);
      return 1;
    }
  if (strcmp (cmd, "help") == 0 || strcmp (cmd, "h") == 0)
    return help_topic (optind + 1 < argc ? argv[optind + 1] : NULL);
  for (size_t i = 0; i < sizeof (commands) / sizeof (commands[0]); i++)
    {
      if (strcmp (commands[i].name, cmd) != 0)
        continue;
      if (asks_help (argc - optind, argv + optind))
        {
          print_command_usage (cmd);
          return 0;
        }
      log_debug ("%s: root `%s`, %d argument(s)", cmd, g.root, argc - optind - 1);
      optind++;
      ret = commands[i].fn (&g, argc - optind + 1, argv + optind - 1, &err);
      if (ret < 0)
        {
          fail (&err);
          /* exec's own failures are 255, as runc's: 0-254 are the process's statuses. */
          return strcmp (cmd, "exec") == 0 ? 255 : 1;
        }
      return ret;
    }
  if (strcmp (cmd, "checkpoint") == 0 || strcmp (cmd, "restore") == 0)
    {
      if (asks_help (argc - optind, argv + optind))
        {
          printf (
              "Usage: ecirun %s\n  Checkpoint and restore are not supported by ecirun (no CRIU).\n",
              cmd);
          return 0;
        }
      make_error (&err, 0, "%s is not supported by ecirun", cmd);
    }
  else if (asks_help (argc - optind, argv + optind))
    return help_topic (cmd); /* runc: `foo -h` is "No help topic for 'foo'" */
  else
    make_error (&err, 0, "unknown command `%s` (see ecirun --help)", cmd);
  fail (&err);
  return 1;
}
