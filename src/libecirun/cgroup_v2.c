/* cgroup v2 (unified hierarchy) backend. Also provides the helpers the v1 backend uses for the
   cgroup2 hierarchy of hybrid hosts. */
#include <config.h>
#include "cgroup_internal.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Enable in dir/cgroup.subtree_control every controller dir offers (cgroup.controllers), so that
   the children get them. One write per controller, errors ignored: a controller that cannot be
   delegated (processes in an inner node, threaded mode) only matters when a limit asks for it, and
   writing that limit then fails with a message naming the controller. */
static void
enable_controllers (const char *dir)
{
  cleanup_free char *avail = NULL, *enabled = NULL;
  char *save = NULL;

  if (cgroup_read (dir, "cgroup.controllers", &avail, NULL) < 0)
    return;
  if (cgroup_read (dir, "cgroup.subtree_control", &enabled, NULL) < 0)
    enabled = xstrdup ("");
  for (char *c = strtok_r (avail, " ", &save); c; c = strtok_r (NULL, " ", &save))
    {
      cleanup_free char *plus = NULL;
      const char *p = enabled;
      size_t cl = strlen (c);
      bool on = false;

      while ((p = strstr (p, c)))
        {
          if ((p == enabled || p[-1] == ' ') && (p[cl] == ' ' || p[cl] == '\0'))
            on = true;
          p += cl;
        }
      if (on)
        continue;
      plus = xasprintf ("+%s", c);
      cgroup_write (dir, "cgroup.subtree_control", plus, NULL);
    }
}

static int
enable_level (const char *parent, const char *child, ecirun_error_t *err)
{
  enable_controllers (parent);
  return 0;
}

int
cgroup_v2_make_dir (struct cgroup_hier *h, ecirun_error_t *err)
{
  /* Walk down from the hierarchy root: each level delegates its controllers to the next. */
  return cgroup_make_dir_levels (h, enable_level, err);
}

/* Write a controller file; when it does not exist, say which controller is missing. */
static int
v2_set (struct cgroup_hier *h, const char *file, const char *value, ecirun_error_t *err)
{
  cleanup_free char *avail = NULL;
  bool missing = false;
  const char *dot;

  if (cgroup_write_if_exists (h->dir, file, value, &missing, err) < 0)
    return -1;
  if (!missing)
    return 0;
  dot = strchr (file, '.');
  if (cgroup_read (h->dir, "cgroup.controllers", &avail, NULL) < 0)
    avail = xstrdup ("?");
  return make_error (err, 0,
                     "cgroup: cannot write %s to %s/%s: the %.*s controller is not available "
                     "(available: %s)",
                     value, h->dir, file, dot ? (int)(dot - file) : (int)strlen (file), file,
                     avail[0] ? avail : "none");
}

static int
v2_set_u64 (struct cgroup_hier *h, const char *file, uint64_t v, ecirun_error_t *err)
{
  char buf[32];
  snprintf (buf, sizeof (buf), "%" PRIu64, v);
  return v2_set (h, file, buf, err);
}

/* -1 (or any negative) is "max". */
static int
v2_set_i64_max (struct cgroup_hier *h, const char *file, int64_t v, ecirun_error_t *err)
{
  char buf[32];
  if (v < 0)
    strcpy (buf, "max");
  else
    snprintf (buf, sizeof (buf), "%" PRId64, v);
  return v2_set (h, file, buf, err);
}

static int
v2_apply_memory (struct cgroup_hier *h, const struct resources_config *res, ecirun_error_t *err)
{
  bool swap_set = false;
  int64_t swap = 0;

  if (cgroup_swap_to_v2 (res->memory.swap, res->memory.limit, &swap_set, &swap, err) < 0)
    return -1;
  /* Without swap accounting there is no memory.swap.max: only an explicit limit is an error. */
  if (swap_set && !cgroup_file_exists (h->dir, "memory.swap.max")
      && cgroup_file_exists (h->dir, "memory.max"))
    {
      if (swap != -1)
        return make_error (err, 0,
                           "cgroup: cannot limit swap in %s: the kernel has no swap accounting "
                           "(memory.swap.max is missing)",
                           h->dir);
    }
  else if (swap_set && v2_set_i64_max (h, "memory.swap.max", swap, err) < 0)
    return -1;
  if (res->memory.limit.set && res->memory.limit.v != 0
      && v2_set_i64_max (h, "memory.max", res->memory.limit.v, err) < 0)
    return -1;
  if (res->memory.reservation.set && res->memory.reservation.v != 0
      && v2_set_i64_max (h, "memory.low", res->memory.reservation.v, err) < 0)
    return -1;
  /* kernel, kernelTCP, swappiness and disableOOMKiller have no v2 equivalent: ignored, like
     runc and crun do. */
  return 0;
}

static int
v2_apply_cpu (struct cgroup_hier *h, const struct resources_config *res, ecirun_error_t *err)
{
  uint64_t weight = cgroup_shares_to_weight (res->cpu.shares.set ? res->cpu.shares.v : 0);
  bool quota = res->cpu.quota.set && res->cpu.quota.v != 0;
  bool period = res->cpu.period.set && res->cpu.period.v != 0;

  if (weight && v2_set_u64 (h, "cpu.weight", weight, err) < 0)
    return -1;
  if (quota || period)
    {
      char buf[64];
      uint64_t p = period ? res->cpu.period.v : 100000;
      if (quota && res->cpu.quota.v > 0)
        snprintf (buf, sizeof (buf), "%" PRId64 " %" PRIu64, res->cpu.quota.v, p);
      else
        snprintf (buf, sizeof (buf), "max %" PRIu64, p);
      if (v2_set (h, "cpu.max", buf, err) < 0)
        return -1;
    }
  if (res->cpu.burst.set && v2_set_u64 (h, "cpu.max.burst", res->cpu.burst.v, err) < 0)
    return -1;
  if (res->cpu.idle.set && v2_set_i64_max (h, "cpu.idle", res->cpu.idle.v, err) < 0)
    return -1;
  if ((res->cpu.realtime_runtime.set && res->cpu.realtime_runtime.v != 0)
      || (res->cpu.realtime_period.set && res->cpu.realtime_period.v != 0))
    return make_error (err, 0,
                       "cgroup: linux.resources.cpu.realtimeRuntime and realtimePeriod are not "
                       "supported on cgroup v2");
  if (res->cpu.cpus && res->cpu.cpus[0] && v2_set (h, "cpuset.cpus", res->cpu.cpus, err) < 0)
    return -1;
  if (res->cpu.mems && res->cpu.mems[0] && v2_set (h, "cpuset.mems", res->cpu.mems, err) < 0)
    return -1;
  return 0;
}

static int
v2_apply_throttle (struct cgroup_hier *h, const struct blkio_device_throttle *t, size_t n,
                   const char *key, ecirun_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    {
      char buf[128];
      /* On v1 a rate of 0 removes the limit: the v2 spelling of that is "max". */
      if (t[i].rate == 0)
        snprintf (buf, sizeof (buf), "%" PRId64 ":%" PRId64 " %s=max", t[i].major, t[i].minor, key);
      else
        snprintf (buf, sizeof (buf), "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major, t[i].minor,
                  key, t[i].rate);
      if (v2_set (h, "io.max", buf, err) < 0)
        return -1;
    }
  return 0;
}

static int
v2_apply_io (struct cgroup_hier *h, const struct resources_config *res, ecirun_error_t *err)
{
  /* With BFQ the weight keeps the v1 range (io.bfq.weight); otherwise convert for io.weight. */
  bool bfq = cgroup_file_exists (h->dir, "io.bfq.weight");

  if (res->block_io.weight.set && res->block_io.weight.v != 0)
    {
      uint64_t w = res->block_io.weight.v;
      if (bfq ? v2_set_u64 (h, "io.bfq.weight", w, err) < 0
              : v2_set_u64 (h, "io.weight", cgroup_blkio_weight_to_io_weight (w), err) < 0)
        return -1;
    }
  for (size_t i = 0; i < res->block_io.n_weight_device; i++)
    {
      const struct blkio_device_weight *d = &res->block_io.weight_device[i];
      char buf[96];
      if (!d->weight.set)
        continue;
      snprintf (buf, sizeof (buf), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                bfq ? d->weight.v : cgroup_blkio_weight_to_io_weight (d->weight.v));
      if (v2_set (h, bfq ? "io.bfq.weight" : "io.weight", buf, err) < 0)
        return -1;
    }
  if (v2_apply_throttle (h, res->block_io.throttle_read_bps, res->block_io.n_throttle_read_bps,
                         "rbps", err)
          < 0
      || v2_apply_throttle (h, res->block_io.throttle_write_bps, res->block_io.n_throttle_write_bps,
                            "wbps", err)
             < 0
      || v2_apply_throttle (h, res->block_io.throttle_read_iops, res->block_io.n_throttle_read_iops,
                            "riops", err)
             < 0
      || v2_apply_throttle (h, res->block_io.throttle_write_iops,
                            res->block_io.n_throttle_write_iops, "wiops", err)
             < 0)
    return -1;
  return 0;
}

static int
v2_apply_hugetlb (struct cgroup_hier *h, const struct resources_config *res, ecirun_error_t *err)
{
  for (size_t i = 0; i < res->n_hugepage_limits; i++)
    {
      const struct hugepage_limit *l = &res->hugepage_limits[i];
      cleanup_free char *file = NULL, *rsvd = NULL;
      char buf[32];
      bool missing;

      if (l->page_size == NULL || l->page_size[0] == '\0' || strchr (l->page_size, '/'))
        return make_error (err, 0, "cgroup: invalid hugepage size \"%s\"",
                           l->page_size ? l->page_size : "");
      file = xasprintf ("hugetlb.%s.max", l->page_size);
      if (v2_set_u64 (h, file, l->limit, err) < 0)
        return -1;
      /* Reservations are accounted separately (5.7+): keep them under the same limit. */
      rsvd = xasprintf ("hugetlb.%s.rsvd.max", l->page_size);
      snprintf (buf, sizeof (buf), "%" PRIu64, l->limit);
      if (cgroup_write_if_exists (h->dir, rsvd, buf, &missing, err) < 0)
        return -1;
    }
  return 0;
}

int
cgroup_v2_write_unified (struct cgroup_hier *h, const struct kv_list *unified, ecirun_error_t *err)
{
  for (size_t i = 0; i < unified->len; i++)
    {
      const char *key = unified->items[i].key, *value = unified->items[i].value;
      cleanup_free char *avail = NULL;
      bool missing = false;

      if (key == NULL || key[0] == '\0' || strchr (key, '/') || strcmp (key, ".") == 0
          || strcmp (key, "..") == 0)
        return make_error (
            err, 0, "cgroup: invalid configuration: linux.resources.unified: invalid key \"%s\"",
            key ? key : "");
      /* Placing processes is the runtime's job, not a resource setting. */
      if (strcmp (key, "cgroup.procs") == 0 || strcmp (key, "cgroup.threads") == 0
          || strcmp (key, "cgroup.kill") == 0)
        return make_error (
            err, 0,
            "cgroup: invalid configuration: linux.resources.unified: key \"%s\" is not allowed",
            key);
      if (cgroup_write_if_exists (h->dir, key, value ? value : "", &missing, err) < 0)
        return -1;
      if (!missing)
        continue;
      if (cgroup_read (h->dir, "cgroup.controllers", &avail, NULL) < 0)
        avail = xstrdup ("?");
      return make_error (err, 0,
                         "cgroup: invalid configuration: linux.resources.unified: no file \"%s\" "
                         "in %s (controllers "
                         "available: %s)",
                         key, h->dir, avail[0] ? avail : "none");
    }
  return 0;
}

static int
v2_apply (struct cgroup *cg, const struct resources_config *res, ecirun_error_t *err)
{
  struct cgroup_hier *h = &cg->hiers[0];

  if (v2_apply_memory (h, res, err) < 0 || v2_apply_cpu (h, res, err) < 0)
    return -1;
  if (res->pids.limit.set
      && v2_set_i64_max (h, "pids.max", res->pids.limit.v > 0 ? res->pids.limit.v : -1, err) < 0)
    return -1;
  if (v2_apply_io (h, res, err) < 0 || v2_apply_hugetlb (h, res, err) < 0)
    return -1;
  /* No rules (an update that does not touch them) keeps the program already attached. */
  if (res->n_devices > 0
      && cgroup_devices_bpf_apply (h->dir, res->devices, res->n_devices, err) < 0)
    return -1;
  /* net_cls/net_prio do not exist on v2 and are ignored, like runc and crun do. */
  return cgroup_v2_write_unified (h, &res->unified, err);
}

static int
v2_create (struct cgroup *cg, ecirun_error_t *err)
{
  return cgroup_v2_make_dir (&cg->hiers[0], err);
}

static int
v2_enter (struct cgroup *cg, pid_t pid, ecirun_error_t *err)
{
  char buf[32];
  snprintf (buf, sizeof (buf), "%d", (int)pid);
  return cgroup_write (cg->hiers[0].dir, "cgroup.procs", buf, err);
}

/* Parse "frozen N" out of cgroup.events. */
static int
events_frozen (const char *events)
{
  const char *p = events;
  while (p && *p)
    {
      if (strncmp (p, "frozen ", 7) == 0)
        return p[7] == '1';
      p = strchr (p, '\n');
      if (p)
        p++;
    }
  return -1;
}

int
cgroup_v2_freeze_dir (const char *dir, bool frozen, ecirun_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/cgroup.events", dir);
  cleanup_close int fd = -1;
  bool missing = false;

  if (cgroup_write_if_exists (dir, "cgroup.freeze", frozen ? "1" : "0", &missing, err) < 0)
    return -1;
  if (missing)
    return make_error (err, 0, "cgroup: %s has no cgroup.freeze (the freezer needs Linux 5.2+)",
                       dir);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return make_error (err, errno, "cgroup: open %s", path);
  /* cgroup.events changes raise POLLPRI; wait up to 10 s for the state to settle. */
  for (int i = 0; i < 1000; i++)
    {
      char buf[256];
      struct pollfd pfd = { .fd = fd, .events = POLLPRI };
      ssize_t n = pread (fd, buf, sizeof (buf) - 1, 0);

      if (n < 0)
        return make_error (err, errno, "cgroup: read %s", path);
      buf[n] = '\0';
      if (events_frozen (buf) == (frozen ? 1 : 0))
        return 0;
      if (poll (&pfd, 1, 10) < 0 && errno != EINTR)
        return make_error (err, errno, "cgroup: poll %s", path);
    }
  return make_error (err, ETIMEDOUT, "cgroup: %s did not become %s", dir,
                     frozen ? "frozen" : "thawed");
}

static int
v2_freeze (struct cgroup *cg, bool frozen, ecirun_error_t *err)
{
  return cgroup_v2_freeze_dir (cg->hiers[0].dir, frozen, err);
}

static int
v2_is_frozen (struct cgroup *cg, bool *ret, ecirun_error_t *err)
{
  cleanup_free char *v = NULL;

  /* No freezer (or no cgroup any more): not frozen. */
  if (cgroup_read_if_exists (cg->hiers[0].dir, "cgroup.freeze", &v, err) < 0)
    return -1;
  *ret = v && strcmp (v, "1") == 0;
  return 0;
}

static struct cgroup_hier *
v2_procs_hier (struct cgroup *cg)
{
  return &cg->hiers[0];
}

const struct cgroup_ops cgroup_v2_ops = {
  .name = "v2",
  .create = v2_create,
  .apply = v2_apply,
  .enter = v2_enter,
  .freeze = v2_freeze,
  .is_frozen = v2_is_frozen,
  .procs_hier = v2_procs_hier,
};
