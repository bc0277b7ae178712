/* cgroup v1 backend: one directory per controller hierarchy, plus the cgroup2 hierarchy of
   hybrid hosts (joined too; hugetlb, unified keys and the freezer fall back to it when no v1
   hierarchy has them). */
#include <config.h>
#include "cgroup_internal.h"
#include "utils.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "not supported", seen by user space as is */
#endif

static struct cgroup_hier *
v1_find (struct cgroup *cg, const char *controller)
{
  for (size_t i = 0; i < cg->n_hiers; i++)
    if (cgroup_hier_has (&cg->hiers[i], controller))
      return &cg->hiers[i];
  return NULL;
}

static struct cgroup_hier *
v1_unified (struct cgroup *cg)
{
  for (size_t i = 0; i < cg->n_hiers; i++)
    if (cg->hiers[i].unified)
      return &cg->hiers[i];
  return NULL;
}

/* The hierarchy of a controller a limit needs, or an error naming both. */
static int
v1_need (struct cgroup *cg, const char *controller, const char *what, struct cgroup_hier **ret,
         ecirun_error_t *err)
{
  *ret = v1_find (cg, controller);
  if (*ret == NULL)
    return make_error (err, 0,
                       "cgroup: the %s controller is not mounted under " CGROUP_ROOT
                       " (needed for linux.resources.%s)",
                       controller, what);
  return 0;
}

static int
set_str (struct cgroup_hier *h, const char *file, const char *value, ecirun_error_t *err)
{
  return cgroup_write (h->dir, file, value, err);
}

static int
set_i64 (struct cgroup_hier *h, const char *file, int64_t v, ecirun_error_t *err)
{
  char buf[32];
  snprintf (buf, sizeof (buf), "%" PRId64, v);
  return cgroup_write (h->dir, file, buf, err);
}

static int
set_u64 (struct cgroup_hier *h, const char *file, uint64_t v, ecirun_error_t *err)
{
  char buf[32];
  snprintf (buf, sizeof (buf), "%" PRIu64, v);
  return cgroup_write (h->dir, file, buf, err);
}

/* A cpuset cgroup accepts no task until cpuset.cpus and cpuset.mems are set: copy the
   parent's values when they are empty. */
static int
cpuset_inherit (const char *parent, const char *dir, ecirun_error_t *err)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

  for (size_t i = 0; i < ARRAY_SIZE (files); i++)
    {
      cleanup_free char *cur = NULL, *up = NULL;
      if (cgroup_read (dir, files[i], &cur, err) < 0)
        return -1;
      if (cur[0] != '\0')
        continue;
      if (cgroup_read (parent, files[i], &up, err) < 0)
        return -1;
      if (up[0] != '\0' && cgroup_write (dir, files[i], up, err) < 0)
        return -1;
    }
  return 0;
}

static int
v1_make_dir (struct cgroup_hier *h, ecirun_error_t *err)
{
  /* A cpuset cgroup takes no task until its cpus and mems are set: inherit them level by level. */
  return cgroup_make_dir_levels (h, cgroup_hier_has (h, "cpuset") ? cpuset_inherit : NULL, err);
}

static int
v1_create (struct cgroup *cg, ecirun_error_t *err)
{
  for (size_t i = 0; i < cg->n_hiers; i++)
    {
      struct cgroup_hier *h = &cg->hiers[i];
      if (!h->unified)
        {
          if (v1_make_dir (h, err) < 0)
            return -1;
          continue;
        }
      /* The cgroup2 side of a hybrid host is a bonus: when it cannot be used (read-only,
         delegated elsewhere), go on without it. */
      ecirun_error_t tmp = NULL;
      if (cgroup_v2_make_dir (h, &tmp) < 0)
        {
          error_release (&tmp);
          free (h->mountpoint);
          free (h->mount_root);
          free (h->controllers);
          free (h->path);
          free (h->dir);
          memmove (h, h + 1, (cg->n_hiers - i - 1) * sizeof (*h));
          cg->n_hiers--;
          i--;
        }
    }
  return 0;
}

static int
v1_apply_memory (struct cgroup *cg, const struct resources_config *res, ecirun_error_t *err)
{
  struct cgroup_hier *h;
  int64_t limit = res->memory.limit.set ? res->memory.limit.v : 0;
  int64_t swap = res->memory.swap.set ? res->memory.swap.v : 0;
  bool any = limit || swap || (res->memory.reservation.set && res->memory.reservation.v)
             || res->memory.swappiness.set || res->memory.disable_oom_killer
             || (res->memory.kernel.set && res->memory.kernel.v)
             || (res->memory.kernel_tcp.set && res->memory.kernel_tcp.v);

  if (!any)
    return 0;
  if (v1_need (cg, "memory", "memory", &h, err) < 0)
    return -1;
  /* OCI swap is memory+swap, which is what memsw means; without swap accounting there is no
     memsw file and swap is left alone. */
  if (swap && !cgroup_file_exists (h->dir, "memory.memsw.limit_in_bytes"))
    swap = 0;
  /* Unlimited memory with swap unset means unlimited swap too (runc). */
  if (limit == -1 && swap == 0 && cgroup_file_exists (h->dir, "memory.memsw.limit_in_bytes"))
    swap = -1;
  if (swap && limit && swap != -1 && swap < limit && limit != -1)
    return make_error (
        err, 0, "cgroup: memory+swap limit (%" PRId64 ") should be >= memory limit (%" PRId64 ")",
        swap, limit);
  /* The kernel keeps memory.limit <= memsw.limit at every step: when raising the limit (or
     coming from unlimited), memsw goes first. */
  if (limit && swap)
    {
      cleanup_free char *cur = NULL;
      uint64_t cur_limit = UINT64_MAX;
      if (cgroup_read (h->dir, "memory.limit_in_bytes", &cur, err) < 0)
        return -1;
      parse_u64 (cur, &cur_limit);
      if (cur_limit >= (uint64_t)INT64_MAX || limit == -1 || limit > (int64_t)cur_limit)
        {
          if (set_i64 (h, "memory.memsw.limit_in_bytes", swap, err) < 0
              || set_i64 (h, "memory.limit_in_bytes", limit, err) < 0)
            return -1;
          limit = swap = 0;
        }
    }
  if (limit && set_i64 (h, "memory.limit_in_bytes", limit, err) < 0)
    return -1;
  if (swap && set_i64 (h, "memory.memsw.limit_in_bytes", swap, err) < 0)
    return -1;
  if (res->memory.reservation.set && res->memory.reservation.v
      && set_i64 (h, "memory.soft_limit_in_bytes", res->memory.reservation.v, err) < 0)
    return -1;
  /* Kernel memory limits are gone (5.16 deprecates, later kernels drop the files): skip them
     silently where the kernel no longer supports them, as runc does. */
  for (int k = 0; k < 2; k++)
    {
      const struct opt_i64 *v = k == 0 ? &res->memory.kernel : &res->memory.kernel_tcp;
      const char *file = k == 0 ? "memory.kmem.limit_in_bytes" : "memory.kmem.tcp.limit_in_bytes";
      char buf[32];
      bool missing;
      ecirun_error_t tmp = NULL;

      if (!v->set || v->v == 0)
        continue;
      snprintf (buf, sizeof (buf), "%" PRId64, v->v);
      if (cgroup_write_if_exists (h->dir, file, buf, &missing, &tmp) < 0)
        {
          int e = tmp->errnum;
          if (e == EOPNOTSUPP || e == ENOTSUPP || e == EINVAL)
            error_release (&tmp);
          else
            return cgroup_error_move (err, &tmp);
        }
    }
  if (res->memory.swappiness.set)
    {
      if (res->memory.swappiness.v > 100)
        return make_error (err, 0,
                           "cgroup: invalid memory swappiness %" PRIu64 " (valid range: 0-100)",
                           res->memory.swappiness.v);
      if (set_u64 (h, "memory.swappiness", res->memory.swappiness.v, err) < 0)
        return -1;
    }
  if (res->memory.disable_oom_killer && set_str (h, "memory.oom_control", "1", err) < 0)
    return -1;
  return 0;
}

static int
v1_apply_cpu (struct cgroup *cg, const struct resources_config *res, ecirun_error_t *err)
{
  struct cgroup_hier *h;
  bool shares = res->cpu.shares.set && res->cpu.shares.v != 0;
  bool quota = res->cpu.quota.set && res->cpu.quota.v != 0;
  bool period = res->cpu.period.set && res->cpu.period.v != 0;
  bool rt_runtime = res->cpu.realtime_runtime.set && res->cpu.realtime_runtime.v != 0;
  bool rt_period = res->cpu.realtime_period.set && res->cpu.realtime_period.v != 0;

  if (shares || quota || period || rt_runtime || rt_period || res->cpu.burst.set
      || res->cpu.idle.set)
    {
      if (v1_need (cg, "cpu", "cpu", &h, err) < 0)
        return -1;
      if (shares && set_u64 (h, "cpu.shares", res->cpu.shares.v, err) < 0)
        return -1;
      /* Period first: the kernel checks quota against the current period. When the new period
         is refused because of the old quota, set the quota and try the period again. */
      if (period)
        {
          ecirun_error_t tmp = NULL;
          if (set_u64 (h, "cpu.cfs_period_us", res->cpu.period.v, &tmp) < 0)
            {
              if (!(quota && tmp->errnum == EINVAL))
                return cgroup_error_move (err, &tmp);
              error_release (&tmp);
              if (set_i64 (h, "cpu.cfs_quota_us", res->cpu.quota.v, err) < 0
                  || set_u64 (h, "cpu.cfs_period_us", res->cpu.period.v, err) < 0)
                return -1;
            }
        }
      if (quota && set_i64 (h, "cpu.cfs_quota_us", res->cpu.quota.v, err) < 0)
        return -1;
      if (res->cpu.burst.set && set_u64 (h, "cpu.cfs_burst_us", res->cpu.burst.v, err) < 0)
        return -1;
      if (rt_period && set_u64 (h, "cpu.rt_period_us", res->cpu.realtime_period.v, err) < 0)
        return -1;
      if (rt_runtime && set_i64 (h, "cpu.rt_runtime_us", res->cpu.realtime_runtime.v, err) < 0)
        return -1;
      if (res->cpu.idle.set && set_i64 (h, "cpu.idle", res->cpu.idle.v, err) < 0)
        return -1;
    }
  if ((res->cpu.cpus && res->cpu.cpus[0]) || (res->cpu.mems && res->cpu.mems[0]))
    {
      if (v1_need (cg, "cpuset", "cpu.cpus", &h, err) < 0)
        return -1;
      if (res->cpu.cpus && res->cpu.cpus[0] && set_str (h, "cpuset.cpus", res->cpu.cpus, err) < 0)
        return -1;
      if (res->cpu.mems && res->cpu.mems[0] && set_str (h, "cpuset.mems", res->cpu.mems, err) < 0)
        return -1;
    }
  return 0;
}

static int
v1_apply_throttle (struct cgroup_hier *h, const char *file, const struct blkio_device_throttle *t,
                   size_t n, ecirun_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    {
      char buf[96];
      snprintf (buf, sizeof (buf), "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major, t[i].minor,
                t[i].rate);
      if (set_str (h, file, buf, err) < 0)
        return -1;
    }
  return 0;
}

static int
v1_apply_blkio (struct cgroup *cg, const struct resources_config *res, ecirun_error_t *err)
{
  struct cgroup_hier *h;
  bool weight = res->block_io.weight.set && res->block_io.weight.v != 0;
  bool leaf = res->block_io.leaf_weight.set && res->block_io.leaf_weight.v != 0;
  const char *wfile, *wdfile;

  if (!weight && !leaf && res->block_io.n_weight_device == 0
      && res->block_io.n_throttle_read_bps == 0 && res->block_io.n_throttle_write_bps == 0
      && res->block_io.n_throttle_read_iops == 0 && res->block_io.n_throttle_write_iops == 0)
    return 0;
  if (v1_need (cg, "blkio", "blockIO", &h, err) < 0)
    return -1;
  /* CFQ is gone from current kernels: BFQ exposes the same weights under blkio.bfq.*. */
  if (cgroup_file_exists (h->dir, "blkio.weight"))
    wfile = "blkio.weight", wdfile = "blkio.weight_device";
  else
    wfile = "blkio.bfq.weight", wdfile = "blkio.bfq.weight_device";
  if (weight && set_u64 (h, wfile, res->block_io.weight.v, err) < 0)
    return -1;
  if (leaf && set_u64 (h, "blkio.leaf_weight", res->block_io.leaf_weight.v, err) < 0)
    return -1;
  for (size_t i = 0; i < res->block_io.n_weight_device; i++)
    {
      const struct blkio_device_weight *d = &res->block_io.weight_device[i];
      char buf[96];
      if (d->weight.set)
        {
          snprintf (buf, sizeof (buf), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                    d->weight.v);
          if (set_str (h, wdfile, buf, err) < 0)
            return -1;
        }
      if (d->leaf_weight.set)
        {
          snprintf (buf, sizeof (buf), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                    d->leaf_weight.v);
          if (set_str (h, "blkio.leaf_weight_device", buf, err) < 0)
            return -1;
        }
    }
  if (v1_apply_throttle (h, "blkio.throttle.read_bps_device", res->block_io.throttle_read_bps,
                         res->block_io.n_throttle_read_bps, err)
          < 0
      || v1_apply_throttle (h, "blkio.throttle.write_bps_device", res->block_io.throttle_write_bps,
                            res->block_io.n_throttle_write_bps, err)
             < 0
      || v1_apply_throttle (h, "blkio.throttle.read_iops_device", res->block_io.throttle_read_iops,
                            res->block_io.n_throttle_read_iops, err)
             < 0
      || v1_apply_throttle (h, "blkio.throttle.write_iops_device",
                            res->block_io.throttle_write_iops, res->block_io.n_throttle_write_iops,
                            err)
             < 0)
    return -1;
  return 0;
}

static int
v1_apply_hugetlb (struct cgroup *cg, const struct resources_config *res, ecirun_error_t *err)
{
  struct cgroup_hier *h = v1_find (cg, "hugetlb"), *u = v1_unified (cg);

  for (size_t i = 0; i < res->n_hugepage_limits; i++)
    {
      const struct hugepage_limit *l = &res->hugepage_limits[i];
      cleanup_free char *file = NULL, *rsvd = NULL;
      char buf[32];
      bool missing;

      if (l->page_size == NULL || l->page_size[0] == '\0' || strchr (l->page_size, '/'))
        return make_error (err, 0, "cgroup: invalid hugepage size \"%s\"",
                           l->page_size ? l->page_size : "");
      snprintf (buf, sizeof (buf), "%" PRIu64, l->limit);
      if (h)
        {
          file = xasprintf ("hugetlb.%s.limit_in_bytes", l->page_size);
          rsvd = xasprintf ("hugetlb.%s.rsvd.limit_in_bytes", l->page_size);
          if (set_str (h, file, buf, err) < 0)
            return -1;
          if (cgroup_write_if_exists (h->dir, rsvd, buf, &missing, err) < 0)
            return -1;
          continue;
        }
      /* Hybrid hosts may have hugetlb on the cgroup2 side only. */
      file = xasprintf ("hugetlb.%s.max", l->page_size);
      rsvd = xasprintf ("hugetlb.%s.rsvd.max", l->page_size);
      if (u == NULL || !cgroup_file_exists (u->dir, file))
        return make_error (err, 0,
                           "cgroup: the hugetlb controller is not available for page size %s "
                           "(needed for linux.resources.hugepageLimits)",
                           l->page_size);
      if (cgroup_write (u->dir, file, buf, err) < 0
          || cgroup_write_if_exists (u->dir, rsvd, buf, &missing, err) < 0)
        return -1;
    }
  return 0;
}

static int
v1_apply_devices (struct cgroup *cg, const struct resources_config *res, ecirun_error_t *err)
{
  struct cgroup_hier *h;

  if (res->n_devices == 0)
    return 0;
  if (v1_need (cg, "devices", "devices", &h, err) < 0)
    return -1;
  /* Start from nothing, then replay the rules in order: later rules win, as in the spec. */
  if (set_str (h, "devices.deny", "a", err) < 0)
    return -1;
  for (size_t i = 0; i < res->n_devices; i++)
    {
      const struct device_cgroup_rule *r = &res->devices[i];
      const char *access = r->access && r->access[0] ? r->access : "rwm";
      char type = r->type ? r->type : 'a';
      char maj[24], min[24], buf[96];

      if (type != 'a' && type != 'c' && type != 'b')
        return make_error (err, 0, "cgroup: invalid device rule type '%c'", type);
      if (access[strspn (access, "rwm")] != '\0')
        return make_error (err, 0, "cgroup: invalid device rule access \"%s\"", access);
      if (r->major < 0)
        strcpy (maj, "*");
      else
        snprintf (maj, sizeof (maj), "%" PRId64, r->major);
      if (r->minor < 0)
        strcpy (min, "*");
      else
        snprintf (min, sizeof (min), "%" PRId64, r->minor);
      /* "a" with wildcards: the kernel's allow-all / deny-all. */
      if (type == 'a')
        snprintf (buf, sizeof (buf), "a");
      else
        snprintf (buf, sizeof (buf), "%c %s:%s %s", type, maj, min, access);
      if (set_str (h, r->allow ? "devices.allow" : "devices.deny", buf, err) < 0)
        return -1;
    }
  return 0;
}

static int
v1_apply_network (struct cgroup *cg, const struct resources_config *res, ecirun_error_t *err)
{
  struct cgroup_hier *h;

  if (res->network.class_id.set)
    {
      if (v1_need (cg, "net_cls", "network.classID", &h, err) < 0
          || set_u64 (h, "net_cls.classid", res->network.class_id.v, err) < 0)
        return -1;
    }
  for (size_t i = 0; i < res->network.priorities.len; i++)
    {
      const struct kv *kv = &res->network.priorities.items[i];
      cleanup_free char *line = NULL;
      if (v1_need (cg, "net_prio", "network.priorities", &h, err) < 0)
        return -1;
      line = xasprintf ("%s %s", kv->key, kv->value);
      if (set_str (h, "net_prio.ifpriomap", line, err) < 0)
        return -1;
    }
  return 0;
}

static int
v1_apply (struct cgroup *cg, const struct resources_config *res, ecirun_error_t *err)
{
  struct cgroup_hier *h;

  if (v1_apply_memory (cg, res, err) < 0 || v1_apply_cpu (cg, res, err) < 0)
    return -1;
  if (res->pids.limit.set)
    {
      if (v1_need (cg, "pids", "pids", &h, err) < 0)
        return -1;
      if (res->pids.limit.v > 0 ? set_i64 (h, "pids.max", res->pids.limit.v, err) < 0
                                : set_str (h, "pids.max", "max", err) < 0)
        return -1;
    }
  if (v1_apply_blkio (cg, res, err) < 0 || v1_apply_hugetlb (cg, res, err) < 0
      || v1_apply_devices (cg, res, err) < 0 || v1_apply_network (cg, res, err) < 0)
    return -1;
  if (res->unified.len > 0)
    {
      h = v1_unified (cg);
      if (h == NULL)
        return make_error (err, 0,
                           "cgroup: invalid configuration: linux.resources.unified needs cgroup "
                           "v2, and this host has "
                           "no cgroup2 hierarchy");
      return cgroup_v2_write_unified (h, &res->unified, err);
    }
  return 0;
}

static int
v1_enter (struct cgroup *cg, pid_t pid, ecirun_error_t *err)
{
  char buf[32];

  snprintf (buf, sizeof (buf), "%d", (int)pid);
  for (size_t i = 0; i < cg->n_hiers; i++)
    if (cgroup_write (cg->hiers[i].dir, "cgroup.procs", buf, err) < 0)
      return -1;
  return 0;
}

static int
v1_freeze (struct cgroup *cg, bool frozen, ecirun_error_t *err)
{
  struct cgroup_hier *h = v1_find (cg, "freezer");
  const char *target = frozen ? "FROZEN" : "THAWED";
  struct timespec ts = { 0, 10 * 1000 * 1000 };

  if (h == NULL)
    {
      struct cgroup_hier *u = v1_unified (cg);
      if (u && cgroup_file_exists (u->dir, "cgroup.freeze"))
        return cgroup_v2_freeze_dir (u->dir, frozen, err);
      return make_error (err, 0,
                         "cgroup: no freezer: neither a v1 freezer hierarchy nor "
                         "cgroup.freeze on the cgroup2 side");
    }
  /* FREEZING can stall while tasks are forking: write the target again now and then. */
  for (int i = 0; i < 500; i++)
    {
      cleanup_free char *state = NULL;
      if (i % 25 == 0 && set_str (h, "freezer.state", target, err) < 0)
        return -1;
      if (cgroup_read (h->dir, "freezer.state", &state, err) < 0)
        return -1;
      if (strcmp (state, target) == 0)
        return 0;
      nanosleep (&ts, NULL);
    }
  if (frozen)
    set_str (h, "freezer.state", "THAWED", NULL);
  return make_error (err, ETIMEDOUT, "cgroup: %s/freezer.state did not become %s", h->dir, target);
}

static int
v1_is_frozen (struct cgroup *cg, bool *ret, ecirun_error_t *err)
{
  struct cgroup_hier *h = v1_find (cg, "freezer");
  cleanup_free char *state = NULL;
  const char *dir = h ? h->dir : NULL, *file = "freezer.state";

  *ret = false;
  if (h == NULL)
    {
      struct cgroup_hier *u = v1_unified (cg);
      if (u == NULL)
        return 0;
      dir = u->dir;
      file = "cgroup.freeze";
    }
  if (cgroup_read_if_exists (dir, file, &state, err) < 0)
    return -1;
  *ret = state && strcmp (state, h ? "FROZEN" : "1") == 0;
  return 0;
}

static struct cgroup_hier *
v1_procs_hier (struct cgroup *cg)
{
  static const char *const order[] = { "pids", "freezer", "memory", "cpu", "devices" };

  for (size_t i = 0; i < ARRAY_SIZE (order); i++)
    {
      struct cgroup_hier *h = v1_find (cg, order[i]);
      if (h)
        return h;
    }
  for (size_t i = 0; i < cg->n_hiers; i++)
    if (!cg->hiers[i].unified)
      return &cg->hiers[i];
  return cg->n_hiers ? &cg->hiers[0] : NULL;
}

const struct cgroup_ops cgroup_v1_ops = {
  .name = "v1",
  .create = v1_create,
  .apply = v1_apply,
  .enter = v1_enter,
  .freeze = v1_freeze,
  .is_frozen = v1_is_frozen,
  .procs_hier = v1_procs_hier,
};
