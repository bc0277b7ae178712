#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "config.h"
#include "container.h"
#include "ops_parse.h"
#include "utils.h"

enum
{
  OPT_RESOURCES = 'r',
  OPT_MEMORY = 1000,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_CPU_SHARES,
  OPT_CPU_PERIOD,
  OPT_CPU_QUOTA,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_PIDS_LIMIT,
  OPT_BLKIO_WEIGHT,
  OPT_L3_CACHE_SCHEMA,
  OPT_MEM_BW_SCHEMA,
};

/* A LinuxResources JSON from a file or, for "-", stdin. */
static int
load_resources (const char *path, struct resources_config **ret, ecirun_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0, cap = 0;
  cleanup_close int fd = -1;

  if (strcmp (path, "-") == 0)
    fd = dup (0);
  else
    fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error (err, errno, "update: open `%s`", path);
  for (;;)
    {
      ssize_t n;
      if (len + 4096 > cap)
        {
          cap = cap ? cap * 2 : 8192;
          if (cap > (16 << 20))
            return make_error (err, 0, "update: `%s` is too large", path);
          buf = xrealloc (buf, cap);
        }
      n = read (fd, buf + len, cap - len - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return make_error (err, errno, "update: read `%s`", path);
      if (n == 0)
        break;
      len += (size_t)n;
    }
  buf[len] = '\0';
  return config_parse_resources (buf, len, strcmp (path, "-") == 0 ? "stdin" : path, ret, err);
}

static int
flag_mem (const char *name, const char *v, struct opt_i64 *dst, ecirun_error_t *err)
{
  ecirun_error_t e = NULL;
  int64_t n;

  if (strcmp (v, "-1") == 0)
    n = -1;
  else if (parse_ram_in_bytes (v, &n, &e) < 0)
    {
      make_error (err, 0, "update: invalid value for --%s: %s", name, e->msg);
      error_release (&e);
      return -1;
    }
  dst->set = true;
  dst->v = n;
  return 0;
}

static int
flag_u64 (const char *name, const char *v, struct opt_u64 *dst, ecirun_error_t *err)
{
  if (parse_u64 (v, &dst->v) < 0)
    return make_error (err, 0, "update: invalid value for --%s: `%s` (an unsigned integer)", name,
                       v);
  dst->set = true;
  return 0;
}

static int
flag_i64 (const char *name, const char *v, struct opt_i64 *dst, ecirun_error_t *err)
{
  if (parse_i64 (v, &dst->v) < 0)
    return make_error (err, 0, "update: invalid value for --%s: `%s` (an integer)", name, v);
  dst->set = true;
  return 0;
}

static void
flag_str (const char *v, char **dst)
{
  free (*dst);
  *dst = xstrdup (v);
}

int
cmd_update (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  static const struct option opts[] = {
    { "resources", required_argument, NULL, OPT_RESOURCES },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
    { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
    { "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
    { "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP },
    { "cpu-share", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
    { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
    { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
    { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
    { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
    { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
    { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
    { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
    { "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE_SCHEMA },
    { "mem-bw-schema", required_argument, NULL, OPT_MEM_BW_SCHEMA },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  /* Flags are applied after the whole command line is read: they override the file. */
  struct
  {
    int opt;
    const char *val;
  } flags[32];
  size_t n_flags = 0;
  const char *resources = NULL, *id;
  struct resources_config *res = NULL;
  int c, r = -1;

  optind = 0;
  opterr = 0;
  /* Options may follow the ID (`update ID --memory 1g`), as runc takes them. */
  while ((c = getopt_long_only (argc, argv, "r:h", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'h':
          print_command_usage ("update");
          return 0;
        case OPT_RESOURCES:
          resources = optarg;
          break;
        case OPT_L3_CACHE_SCHEMA:
        case OPT_MEM_BW_SCHEMA:
          return make_error (err, 0, "update: --%s: Intel RDT is not supported by ecirun",
                             c == OPT_L3_CACHE_SCHEMA ? "l3-cache-schema" : "mem-bw-schema");
        case '?':
        case ':':
          return make_error (err, 0, "update: unknown option or missing value: `%s`",
                             argv[optind - 1]);
        default:
          if (n_flags == ARRAY_SIZE (flags))
            return make_error (err, 0, "update: too many options");
          flags[n_flags].opt = c;
          flags[n_flags++].val = optarg;
        }
    }
  if (require_id ("update", argc, argv, &id, err) < 0)
    return -1;
  if (resources)
    {
      if (load_resources (resources, &res, err) < 0)
        return -1;
    }
  else
    res = xmalloc0 (sizeof (*res));
  for (size_t i = 0; i < n_flags; i++)
    {
      const char *v = flags[i].val, *name = NULL;
      int ret = 0;

      for (size_t k = 0; opts[k].name; k++)
        if (opts[k].val == flags[i].opt)
          {
            name = opts[k].name;
            break;
          }
      switch (flags[i].opt)
        {
        case OPT_MEMORY:
          ret = flag_mem (name, v, &res->memory.limit, err);
          break;
        case OPT_MEMORY_RESERVATION:
          ret = flag_mem (name, v, &res->memory.reservation, err);
          break;
        case OPT_MEMORY_SWAP:
          ret = flag_mem (name, v, &res->memory.swap, err);
          break;
        case OPT_KERNEL_MEMORY:
          ret = flag_mem (name, v, &res->memory.kernel, err);
          break;
        case OPT_KERNEL_MEMORY_TCP:
          ret = flag_mem (name, v, &res->memory.kernel_tcp, err);
          break;
        case OPT_CPU_SHARES:
          ret = flag_u64 (name, v, &res->cpu.shares, err);
          break;
        case OPT_CPU_PERIOD:
          ret = flag_u64 (name, v, &res->cpu.period, err);
          break;
        case OPT_CPU_QUOTA:
          ret = flag_i64 (name, v, &res->cpu.quota, err);
          break;
        case OPT_CPU_RT_PERIOD:
          ret = flag_u64 (name, v, &res->cpu.realtime_period, err);
          break;
        case OPT_CPU_RT_RUNTIME:
          ret = flag_i64 (name, v, &res->cpu.realtime_runtime, err);
          break;
        case OPT_CPUSET_CPUS:
          flag_str (v, &res->cpu.cpus);
          break;
        case OPT_CPUSET_MEMS:
          flag_str (v, &res->cpu.mems);
          break;
        case OPT_PIDS_LIMIT:
          /* As runc: 0 leaves the limit alone, a negative value removes it. */
          ret = flag_i64 (name, v, &res->pids.limit, err);
          if (ret == 0 && res->pids.limit.v == 0)
            res->pids.limit.set = false;
          break;
        case OPT_BLKIO_WEIGHT:
          ret = flag_u64 (name, v, &res->block_io.weight, err);
          break;
        }
      if (ret < 0)
        goto out;
    }
  r = container_update (g->root, id, res, err) < 0 ? -1 : 0;
out:
  resources_config_free (res);
  return r;
}
