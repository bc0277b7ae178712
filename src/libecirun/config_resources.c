/* linux.resources (LinuxResources) -> struct resources_config: shared by config.json and
   `update --resources`. Accessors and error format come from config_json.c (config_internal.h). */
#include <config.h>
#include "config.h"
#include "config_internal.h"
#include "utils.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int
parse_device_rule (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct resources_config *r = data;
  struct device_cgroup_rule *d = &r->devices[i];
  cleanup_free char *type = NULL;
  struct opt_i64 major = { 0 }, minor = { 0 };
  char p[CFG_PATH_MAX];

  r->n_devices++;
  d->type = 'a';
  d->major = -1;
  d->minor = -1;
  if (cfg_get (e, "allow") == NULL)
    {
      cfg_path (p, path, "allow");
      return cfg_error (c, p, " is required");
    }
  if (cfg_bool (c, e, "allow", path, &d->allow) < 0 || cfg_string (c, e, "type", path, &type) < 0
      || cfg_i64 (c, e, "major", path, &major) < 0 || cfg_i64 (c, e, "minor", path, &minor) < 0
      || cfg_string (c, e, "access", path, &d->access) < 0)
    return -1;
  if (type && type[0] != '\0')
    {
      if (strlen (type) != 1 || strchr ("acb", type[0]) == NULL)
        {
          cfg_path (p, path, "type");
          return cfg_error (c, p, ": unknown device type \"%s\" (want a, c or b)", type);
        }
      d->type = type[0];
    }
  if (major.set)
    d->major = major.v;
  if (minor.set)
    d->minor = minor.v;
  if (d->access && d->access[0])
    {
      /* Letters other than r, w and m are ignored, as runc ignores them ("rwa" is "rw"). */
      char *w = d->access;
      for (const char *r = d->access; *r; r++)
        if (strchr ("rwm", *r) && !strchr (r + 1, *r))
          *w++ = *r;
      if (w == d->access)
        {
          cfg_path (p, path, "access");
          return cfg_error (c, p, ": invalid access (want some of \"rwm\")");
        }
      *w = '\0';
    }
  return 0;
}

static int
parse_memory (struct cfg_ctx *c, yajl_val node, const char *parent, struct resources_config *r)
{
  char path[CFG_PATH_MAX], p[CFG_PATH_MAX];
  yajl_val mem = NULL;

  if (cfg_object (c, node, "memory", parent, &mem) < 0)
    return -1;
  if (mem == NULL)
    return 0;
  cfg_path (path, parent, "memory");
  if (cfg_i64 (c, mem, "limit", path, &r->memory.limit) < 0
      || cfg_i64 (c, mem, "reservation", path, &r->memory.reservation) < 0
      || cfg_i64 (c, mem, "swap", path, &r->memory.swap) < 0
      || cfg_i64 (c, mem, "kernel", path, &r->memory.kernel) < 0
      || cfg_i64 (c, mem, "kernelTCP", path, &r->memory.kernel_tcp) < 0
      || cfg_u64 (c, mem, "swappiness", path, &r->memory.swappiness) < 0
      || cfg_bool (c, mem, "disableOOMKiller", path, &r->memory.disable_oom_killer) < 0
      || cfg_bool (c, mem, "useHierarchy", path, &r->memory.use_hierarchy) < 0
      || cfg_bool (c, mem, "checkBeforeUpdate", path, &r->memory.check_before_update) < 0)
    return -1;
  if (r->memory.swappiness.set && r->memory.swappiness.v > 100)
    {
      cfg_path (p, path, "swappiness");
      return cfg_error (c, p, " must be between 0 and 100");
    }
  return 0;
}

static int
parse_cpu (struct cfg_ctx *c, yajl_val node, const char *parent, struct resources_config *r)
{
  char path[CFG_PATH_MAX];
  yajl_val cpu = NULL;

  if (cfg_object (c, node, "cpu", parent, &cpu) < 0)
    return -1;
  if (cpu == NULL)
    return 0;
  cfg_path (path, parent, "cpu");
  if (cfg_u64 (c, cpu, "shares", path, &r->cpu.shares) < 0
      || cfg_i64 (c, cpu, "quota", path, &r->cpu.quota) < 0
      || cfg_u64 (c, cpu, "burst", path, &r->cpu.burst) < 0
      || cfg_u64 (c, cpu, "period", path, &r->cpu.period) < 0
      || cfg_i64 (c, cpu, "realtimeRuntime", path, &r->cpu.realtime_runtime) < 0
      || cfg_u64 (c, cpu, "realtimePeriod", path, &r->cpu.realtime_period) < 0
      || cfg_string (c, cpu, "cpus", path, &r->cpu.cpus) < 0
      || cfg_string (c, cpu, "mems", path, &r->cpu.mems) < 0
      || cfg_i64 (c, cpu, "idle", path, &r->cpu.idle) < 0)
    return -1;
  return 0;
}

static int
parse_pids (struct cfg_ctx *c, yajl_val node, const char *parent, struct resources_config *r)
{
  char path[CFG_PATH_MAX];
  yajl_val pids = NULL;

  if (cfg_object (c, node, "pids", parent, &pids) < 0)
    return -1;
  if (pids == NULL)
    return 0;
  cfg_path (path, parent, "pids");
  return cfg_i64 (c, pids, "limit", path, &r->pids.limit);
}

static int
parse_weight_device (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct resources_config *r = data;
  struct blkio_device_weight *w = &r->block_io.weight_device[i];

  r->block_io.n_weight_device++;
  if (cfg_req_i64 (c, e, "major", path, &w->major) < 0
      || cfg_req_i64 (c, e, "minor", path, &w->minor) < 0
      || cfg_u64 (c, e, "weight", path, &w->weight) < 0
      || cfg_u64 (c, e, "leafWeight", path, &w->leaf_weight) < 0)
    return -1;
  return 0;
}

struct throttle_list
{
  struct blkio_device_throttle *items;
  size_t *len;
};

static int
parse_throttle (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct throttle_list *l = data;
  struct blkio_device_throttle *t = &l->items[i];

  if (cfg_req_i64 (c, e, "major", path, &t->major) < 0
      || cfg_req_i64 (c, e, "minor", path, &t->minor) < 0
      || cfg_req_u64 (c, e, "rate", path, &t->rate) < 0)
    return -1;
  (*l->len)++;
  return 0;
}

static int
parse_block_io (struct cfg_ctx *c, yajl_val node, const char *parent, struct resources_config *r)
{
  struct
  {
    const char *key;
    struct blkio_device_throttle **items;
    size_t *len;
  } throttles[] = {
    { "throttleReadBpsDevice", &r->block_io.throttle_read_bps, &r->block_io.n_throttle_read_bps },
    { "throttleWriteBpsDevice", &r->block_io.throttle_write_bps,
      &r->block_io.n_throttle_write_bps },
    { "throttleReadIOPSDevice", &r->block_io.throttle_read_iops,
      &r->block_io.n_throttle_read_iops },
    { "throttleWriteIOPSDevice", &r->block_io.throttle_write_iops,
      &r->block_io.n_throttle_write_iops },
  };
  char path[CFG_PATH_MAX];
  yajl_val bio = NULL;

  if (cfg_object (c, node, "blockIO", parent, &bio) < 0)
    return -1;
  if (bio == NULL)
    return 0;
  cfg_path (path, parent, "blockIO");
  if (cfg_u64 (c, bio, "weight", path, &r->block_io.weight) < 0
      || cfg_u64 (c, bio, "leafWeight", path, &r->block_io.leaf_weight) < 0)
    return -1;
  r->block_io.weight_device
      = xmalloc0 (cfg_array_len (bio, "weightDevice") * sizeof (*r->block_io.weight_device));
  if (cfg_each_object (c, bio, "weightDevice", path, parse_weight_device, r) < 0)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE (throttles); i++)
    {
      struct throttle_list l;
      *throttles[i].items = xmalloc0 (cfg_array_len (bio, throttles[i].key)
                                      * sizeof (struct blkio_device_throttle));
      l.items = *throttles[i].items;
      l.len = throttles[i].len;
      if (cfg_each_object (c, bio, throttles[i].key, path, parse_throttle, &l) < 0)
        return -1;
    }
  return 0;
}

static int
parse_hugepage_limit (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct resources_config *r = data;
  struct hugepage_limit *h = &r->hugepage_limits[i];

  r->n_hugepage_limits++;
  if (cfg_req_string (c, e, "pageSize", path, &h->page_size) < 0
      || cfg_req_u64 (c, e, "limit", path, &h->limit) < 0)
    return -1;
  return 0;
}

static int
parse_priority (struct cfg_ctx *c, yajl_val e, const char *path, size_t i, void *data)
{
  struct resources_config *r = data;
  cleanup_free char *name = NULL;
  char value[16];
  uint32_t prio;

  if (cfg_req_string (c, e, "name", path, &name) < 0
      || cfg_req_u32 (c, e, "priority", path, &prio) < 0)
    return -1;
  snprintf (value, sizeof (value), "%" PRIu32, prio);
  kv_list_append (&r->network.priorities, name, value);
  return 0;
}

static int
parse_network (struct cfg_ctx *c, yajl_val node, const char *parent, struct resources_config *r)
{
  char path[CFG_PATH_MAX];
  yajl_val net = NULL;

  if (cfg_object (c, node, "network", parent, &net) < 0)
    return -1;
  if (net == NULL)
    return 0;
  cfg_path (path, parent, "network");
  if (cfg_opt_u32 (c, net, "classID", path, &r->network.class_id) < 0)
    return -1;
  return cfg_each_object (c, net, "priorities", path, parse_priority, r);
}

int
cfg_parse_resources (struct cfg_ctx *c, yajl_val node, const char *path,
                     struct resources_config **ret)
{
  struct resources_config *r;

  /* Attached first: the caller's free releases a half-parsed struct. */
  r = *ret = xmalloc0 (sizeof (*r));
  r->devices = xmalloc0 (cfg_array_len (node, "devices") * sizeof (*r->devices));
  if (cfg_each_object (c, node, "devices", path, parse_device_rule, r) < 0)
    return -1;
  if (parse_memory (c, node, path, r) < 0 || parse_cpu (c, node, path, r) < 0)
    return -1;
  if (parse_pids (c, node, path, r) < 0 || parse_block_io (c, node, path, r) < 0)
    return -1;
  r->hugepage_limits
      = xmalloc0 (cfg_array_len (node, "hugepageLimits") * sizeof (*r->hugepage_limits));
  if (cfg_each_object (c, node, "hugepageLimits", path, parse_hugepage_limit, r) < 0)
    return -1;
  if (parse_network (c, node, path, r) < 0)
    return -1;
  return cfg_string_map (c, node, "unified", path, &r->unified);
}

void
resources_config_free (struct resources_config *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->n_devices; i++)
    free (r->devices[i].access);
  free (r->devices);
  free (r->cpu.cpus);
  free (r->cpu.mems);
  free (r->block_io.weight_device);
  free (r->block_io.throttle_read_bps);
  free (r->block_io.throttle_write_bps);
  free (r->block_io.throttle_read_iops);
  free (r->block_io.throttle_write_iops);
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    free (r->hugepage_limits[i].page_size);
  free (r->hugepage_limits);
  kv_list_free (&r->network.priorities);
  kv_list_free (&r->unified);
  free (r);
}
