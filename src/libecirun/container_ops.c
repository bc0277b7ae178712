/* Operations on a live container's cgroup: ps, pause, resume, update, events. */
#include <config.h>
#include "container.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include "cgroup.h"
#include "container_open.h"
#include "ops_parse.h"
#include "utils.h"

/* Open a container (must exist, with a complete state) and its cgroup. The caller releases
   both. */
static int
open_with_cgroup (const char *root, const char *id, struct opened *op, struct cgroup **ret_cg,
                  ecirun_error_t *err)
{
  *ret_cg = NULL;
  if (open_container (root, id, op, false, err) < 0)
    return -1;
  if (op->state->cgroup_path == NULL || op->state->cgroup_path[0] == '\0')
    return make_error (err, 0, "container `%s` has no cgroup", id);
  return cgroup_open (op->state->cgroup_path, ret_cg, err);
}

/* ---- ps ---- */

/* Run ps(1) with args and collect its stdout and stderr; in the user namespace of the process
   `pidfd` when >= 0, so that its processes show the container's own users (root, not the
   host uid of its ID block). */
static int
run_ps (char *const *args, int pidfd, char **ret, ecirun_error_t *err)
{
  size_t n = args ? strv_len (args) : 0, cap = 4096, len = 0;
  cleanup_free char **argv = xmalloc0 ((n + 2 + (n == 0)) * sizeof (char *));
  cleanup_free char *out = xmalloc0 (cap);
  int fds[2], status;
  pid_t pid;

  argv[0] = (char *)"ps";
  if (n == 0)
    argv[1] = (char *)"-ef";
  for (size_t i = 0; i < n; i++)
    argv[i + 1] = args[i];
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return make_error (err, errno, "pipe");
  pid = fork ();
  if (pid < 0)
    {
      close (fds[0]);
      close (fds[1]);
      return make_error (err, errno, "fork");
    }
  if (pid == 0)
    {
      dup2 (fds[1], 1);
      dup2 (fds[1], 2);
      /* As the container's root there: ps options that select "my" processes (x) mean its
         processes, as they mean runc's (host root's). */
      if (pidfd >= 0
          && (setns (pidfd, CLONE_NEWUSER) < 0 || setresgid (0, 0, 0) < 0
              || setresuid (0, 0, 0) < 0))
        {
          dprintf (2, "join the container's user namespace as its root: %s\n", strerror (errno));
          _exit (126);
        }
      execvp ("ps", argv);
      _exit (127);
    }
  close (fds[1]);
  for (;;)
    {
      ssize_t r;
      if (len + 1 >= cap)
        {
          cap *= 2;
          out = xrealloc (out, cap);
        }
      r = read (fds[0], out + len, cap - len - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      len += (size_t)r;
    }
  out[len] = '\0';
  close (fds[0]);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return make_error (err, errno, "waitpid ps");
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      if (WIFEXITED (status) && WEXITSTATUS (status) == 127)
        return make_error (err, 0, "ps: cannot run ps(1): %s", out);
      return make_error (err, 0, "ps: exit status %d: %s",
                         WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status), out);
    }
  *ret = TAKE_PTR (out);
  return 0;
}

int
container_ps (const char *root, const char *id, bool json, char *const *ps_args, char **ret,
              ecirun_error_t *err)
{
  struct opened op;
  struct cgroup *cg = NULL;
  cleanup_free pid_t *pids = NULL;
  cleanup_free char *psout = NULL;
  cleanup_close int pidfd = -1;
  size_t n = 0;
  int r = -1;

  if (open_with_cgroup (root, id, &op, &cg, err) < 0 || cgroup_pids (cg, &pids, &n, err) < 0)
    goto out;
  /* The init's user namespace, when it still runs (a stopped container's ps shows nothing). */
  if (!json && op.state && op.status != STATUS_STOPPED)
    pidfd = open_init_pidfd (op.state, NULL);
  /* ps(1) may take a while: do not hold the container's lock meanwhile. */
  opened_release (&op);
  op.rootfd = op.dirfd = -1;
  op.state = NULL;
  if (json)
    {
      size_t cap = 3 + n * 12, len = 0;
      char *s = xmalloc0 (cap);
      s[len++] = '[';
      for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf (s + len, cap - len, "%s%d", i ? "," : "", (int)pids[i]);
      s[len++] = ']';
      *ret = s;
      r = 0;
      goto out;
    }
  if (run_ps (ps_args, pidfd, &psout, err) < 0)
    goto out;
  r = ps_filter_output (psout, pids, n, ret, err);
out:
  cgroup_free (cg);
  opened_release (&op);
  return r;
}

/* ---- pause / resume ---- */

int
container_pause (const char *root, const char *id, bool pause, ecirun_error_t *err)
{
  struct opened op;
  struct cgroup *cg = NULL;
  int r = -1;

  if (open_container (root, id, &op, false, err) < 0)
    goto out;
  /* As runc: a created container can be paused too; only a paused one resumed. */
  if (pause && op.status != STATUS_RUNNING && op.status != STATUS_CREATED)
    {
      make_error (err, 0, "container not running");
      goto out;
    }
  if (!pause && op.status != STATUS_PAUSED)
    {
      make_error (err, 0, "container not paused");
      goto out;
    }
  if (cgroup_open (op.state->cgroup_path, &cg, err) < 0 || cgroup_freeze (cg, pause, err) < 0)
    goto out;
  /* docker commit pauses, then reads the upper dir. */
  if (pause)
    export_upper_xattrs (op.state);
  r = 0;
out:
  cgroup_free (cg);
  opened_release (&op);
  return r;
}

/* ---- update ---- */

static int
check_min (const struct opt_i64 *v, int64_t min, const char *what, ecirun_error_t *err)
{
  if (v->set && v->v < min)
    return make_error (err, 0, "update: invalid %s %" PRId64 " (must be >= %" PRId64 ")", what,
                       v->v, min);
  return 0;
}

/* Reject values no kernel accepts before anything is written, so a bad update changes
   nothing. */
static int
validate_update (const struct resources_config *res, ecirun_error_t *err)
{
  if (check_min (&res->memory.limit, -1, "memory limit", err) < 0
      || check_min (&res->memory.reservation, -1, "memory reservation", err) < 0
      || check_min (&res->memory.swap, -1, "memory+swap limit", err) < 0
      || check_min (&res->memory.kernel, -1, "kernel memory limit", err) < 0
      || check_min (&res->memory.kernel_tcp, -1, "kernel TCP memory limit", err) < 0
      || check_min (&res->cpu.quota, -1, "cpu quota", err) < 0
      || check_min (&res->cpu.realtime_runtime, -1, "cpu realtime runtime", err) < 0)
    return -1;
  if (res->cpu.period.set && res->cpu.period.v != 0
      && (res->cpu.period.v < 1000 || res->cpu.period.v > 1000000))
    return make_error (err, 0, "update: invalid cpu period %" PRIu64 " (valid range: 1000-1000000)",
                       res->cpu.period.v);
  if (res->memory.limit.set && res->memory.swap.set && res->memory.limit.v > 0
      && res->memory.swap.v > 0 && res->memory.swap.v < res->memory.limit.v)
    return make_error (
        err, 0, "update: memory+swap limit (%" PRId64 ") should be >= memory limit (%" PRId64 ")",
        res->memory.swap.v, res->memory.limit.v);
  return 0;
}

int
container_update (const char *root, const char *id, const struct resources_config *res,
                  ecirun_error_t *err)
{
  struct opened op;
  struct cgroup *cg = NULL;
  int r = -1;

  if (validate_update (res, err) < 0)
    return -1;
  if (open_container (root, id, &op, false, err) < 0)
    goto out;
  if (op.status == STATUS_STOPPED)
    {
      make_error (err, 0, "container not running");
      goto out;
    }
  /* The device rules stay those of create (what the container was given): an engine that
     sends the whole resources object back (containerd's CRI does) changes nothing there, and
     no update widens them. */
  {
    struct resources_config without_devices = *res;
    without_devices.devices = NULL;
    without_devices.n_devices = 0;
    if (cgroup_open (op.state->cgroup_path, &cg, err) < 0
        || cgroup_apply (cg, &without_devices, err) < 0)
      goto out;
  }
  r = 0;
out:
  cgroup_free (cg);
  opened_release (&op);
  return r;
}

/* ---- events ---- */

#define GS(g, s) yajl_gen_string (g, (const unsigned char *)(s), strlen (s))

static void
gen_u64 (yajl_gen g, uint64_t v)
{
  char buf[24];
  int n = snprintf (buf, sizeof (buf), "%" PRIu64, v);
  yajl_gen_number (g, buf, (size_t)n);
}

static void
gen_key_u64 (yajl_gen g, const char *k, uint64_t v)
{
  GS (g, k);
  gen_u64 (g, v);
}

/* Go's omitempty: leave zero out. */
static void
gen_key_u64_opt (yajl_gen g, const char *k, uint64_t v)
{
  if (v)
    gen_key_u64 (g, k, v);
}

static void
gen_u64_array_opt (yajl_gen g, const char *k, const uint64_t *v, size_t n)
{
  if (n == 0)
    return;
  GS (g, k);
  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    gen_u64 (g, v[i]);
  yajl_gen_array_close (g);
}

static void
gen_u16_array_opt (yajl_gen g, const char *k, const uint16_t *v, size_t n)
{
  if (n == 0)
    return;
  GS (g, k);
  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    yajl_gen_integer (g, v[i]);
  yajl_gen_array_close (g);
}

static void
gen_mem_entry (yajl_gen g, const char *k, const struct cgroup_mem_entry *e)
{
  GS (g, k);
  yajl_gen_map_open (g);
  gen_key_u64 (g, "limit", e->limit);
  gen_key_u64_opt (g, "usage", e->usage);
  gen_key_u64_opt (g, "max", e->max);
  gen_key_u64 (g, "failcnt", e->failcnt);
  yajl_gen_map_close (g);
}

static void
gen_stats (yajl_gen g, const struct cgroup_stats *st)
{
  static const char *const blkio_keys[BLKIO__MAX]
      = { "ioServiceBytesRecursive", "ioServicedRecursive", "ioQueueRecursive",
          "ioServiceTimeRecursive",  "ioWaitTimeRecursive", "ioMergedRecursive",
          "ioTimeRecursive",         "sectorsRecursive" };

  yajl_gen_map_open (g);
  GS (g, "cpu");
  yajl_gen_map_open (g);
  GS (g, "usage");
  yajl_gen_map_open (g);
  gen_key_u64_opt (g, "total", st->cpu.total);
  gen_u64_array_opt (g, "percpu", st->cpu.percpu, st->cpu.n_percpu);
  gen_u64_array_opt (g, "percpu_kernel", st->cpu.percpu_kernel, st->cpu.n_percpu_kernel);
  gen_u64_array_opt (g, "percpu_user", st->cpu.percpu_user, st->cpu.n_percpu_user);
  gen_key_u64 (g, "kernel", st->cpu.kernel);
  gen_key_u64 (g, "user", st->cpu.user);
  yajl_gen_map_close (g);
  GS (g, "throttling");
  yajl_gen_map_open (g);
  gen_key_u64_opt (g, "periods", st->cpu.periods);
  gen_key_u64_opt (g, "throttledPeriods", st->cpu.throttled_periods);
  gen_key_u64_opt (g, "throttledTime", st->cpu.throttled_time);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);

  GS (g, "cpuset");
  yajl_gen_map_open (g);
  gen_u16_array_opt (g, "cpus", st->cpuset.cpus, st->cpuset.n_cpus);
  gen_key_u64 (g, "cpu_exclusive", st->cpuset.cpu_exclusive);
  gen_u16_array_opt (g, "mems", st->cpuset.mems, st->cpuset.n_mems);
  gen_key_u64 (g, "mem_hardwall", st->cpuset.mem_hardwall);
  gen_key_u64 (g, "mem_exclusive", st->cpuset.mem_exclusive);
  gen_key_u64 (g, "memory_migrate", st->cpuset.memory_migrate);
  gen_key_u64 (g, "memory_spread_page", st->cpuset.memory_spread_page);
  gen_key_u64 (g, "memory_spread_slab", st->cpuset.memory_spread_slab);
  gen_key_u64 (g, "memory_pressure", st->cpuset.memory_pressure);
  gen_key_u64 (g, "sched_load_balance", st->cpuset.sched_load_balance);
  GS (g, "sched_relax_domain_level");
  yajl_gen_integer (g, st->cpuset.sched_relax_domain_level);
  yajl_gen_map_close (g);

  GS (g, "memory");
  yajl_gen_map_open (g);
  gen_key_u64_opt (g, "cache", st->memory.cache);
  gen_mem_entry (g, "usage", &st->memory.usage);
  gen_mem_entry (g, "swap", &st->memory.swap);
  gen_mem_entry (g, "kernel", &st->memory.kernel);
  gen_mem_entry (g, "kernelTCP", &st->memory.kernel_tcp);
  if (st->memory.n_raw)
    {
      GS (g, "raw");
      yajl_gen_map_open (g);
      for (size_t i = 0; i < st->memory.n_raw; i++)
        gen_key_u64 (g, st->memory.raw_keys[i], st->memory.raw_values[i]);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);

  GS (g, "pids");
  yajl_gen_map_open (g);
  gen_key_u64_opt (g, "current", st->pids.current);
  gen_key_u64_opt (g, "limit", st->pids.limit);
  yajl_gen_map_close (g);

  GS (g, "blkio");
  yajl_gen_map_open (g);
  for (int k = 0; k < BLKIO__MAX; k++)
    {
      if (st->blkio[k].n == 0)
        continue;
      GS (g, blkio_keys[k]);
      yajl_gen_array_open (g);
      for (size_t i = 0; i < st->blkio[k].n; i++)
        {
          const struct cgroup_blkio_entry *e = &st->blkio[k].e[i];
          yajl_gen_map_open (g);
          gen_key_u64_opt (g, "major", e->major);
          gen_key_u64_opt (g, "minor", e->minor);
          if (e->op[0])
            {
              GS (g, "op");
              GS (g, e->op);
            }
          gen_key_u64_opt (g, "value", e->value);
          yajl_gen_map_close (g);
        }
      yajl_gen_array_close (g);
    }
  yajl_gen_map_close (g);

  GS (g, "hugetlb");
  yajl_gen_map_open (g);
  yajl_gen_map_close (g);
  GS (g, "intel_rdt");
  yajl_gen_map_open (g);
  yajl_gen_map_close (g);
  GS (g, "network_interfaces");
  yajl_gen_null (g);
  yajl_gen_map_close (g);
}

/* One event line: {"type":TYPE,"id":ID[,"data":STATS]}. */
static void
print_event (FILE *out, const char *type, const char *id, const struct cgroup_stats *st)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;

  yajl_gen_map_open (g);
  GS (g, "type");
  GS (g, type);
  GS (g, "id");
  GS (g, id);
  if (st)
    {
      GS (g, "data");
      gen_stats (g, st);
    }
  yajl_gen_map_close (g);
  if (yajl_gen_get_buf (g, &buf, &len) == yajl_gen_status_ok)
    {
      fprintf (out, "%.*s\n", (int)len, buf);
      fflush (out);
    }
  yajl_gen_free (g);
}

static int
emit_stats (FILE *out, const char *id, struct cgroup *cg, ecirun_error_t *err)
{
  struct cgroup_stats st;

  if (cgroup_stats (cg, &st, err) < 0)
    return -1;
  print_event (out, "stats", id, &st);
  cgroup_stats_release (&st);
  return 0;
}

static uint64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
container_events (const char *root, const char *id, bool stats_only, unsigned interval_ms,
                  FILE *out, ecirun_error_t *err)
{
  struct opened op;
  struct cgroup *cg = NULL;
  cleanup_close int pidfd = -1;
  cleanup_close int oomfd = -1;
  uint64_t ooms = 0, next;
  bool pri = false;
  int r = -1;

  if (open_with_cgroup (root, id, &op, &cg, err) < 0)
    goto out;
  if (op.status == STATUS_STOPPED)
    {
      make_error (err, 0, "container with id %s is not running", id);
      goto out;
    }
  if (stats_only)
    {
      r = emit_stats (out, id, cg, err);
      goto out;
    }
  pidfd = open_init_pidfd (op.state, err);
  if (pidfd < 0)
    goto out;
  /* A long-running watcher must not keep the container locked (delete, kill...). */
  opened_release (&op);
  op.rootfd = op.dirfd = -1;
  op.state = NULL;
  cgroup_oom_count (cg, &ooms, NULL);
  oomfd = cgroup_oom_watch_fd (cg, &pri);
  if (interval_ms == 0)
    interval_ms = 5000;
  next = now_ms () + interval_ms;
  for (;;)
    {
      struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN },
                             { .fd = oomfd, .events = pri ? POLLPRI : POLLIN } };
      uint64_t now = now_ms (), count = 0;
      int timeout = now >= next ? 0 : (int)(next - now);
      int n = poll (p, oomfd >= 0 ? 2 : 1, timeout);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          make_error (err, errno, "events: poll");
          goto out;
        }
      if (oomfd >= 0 && (p[1].revents & (POLLIN | POLLPRI)))
        {
          if (!pri)
            {
              uint64_t ev;
              if (read (oomfd, &ev, sizeof (ev)) != sizeof (ev))
                ev = 0;
              /* The v1 eventfd also fires when the cgroup goes away. */
              if (ev && cgroup_oom_count (cg, &count, NULL) == 0)
                print_event (out, "oom", id, NULL);
            }
          else
            {
              char buf[512];
              /* Reading the file through the polled fd re-arms the notification. */
              if (pread (oomfd, buf, sizeof (buf), 0) < 0)
                {
                  close (TAKE_FD (oomfd));
                  continue;
                }
              cgroup_oom_count (cg, &count, NULL);
              if (count > ooms)
                print_event (out, "oom", id, NULL);
              ooms = count;
            }
        }
      if (p[0].revents & POLLIN)
        break; /* the container stopped */
      if (now_ms () >= next)
        {
          ecirun_error_t e = NULL;
          /* Stats of a container being torn down may fail: that ends the stream. */
          if (emit_stats (out, id, cg, &e) < 0)
            {
              error_release (&e);
              break;
            }
          next += interval_ms;
          if (next < now_ms ())
            next = now_ms () + interval_ms;
        }
    }
  r = 0;
out:
  cgroup_free (cg);
  opened_release (&op);
  return r;
}
