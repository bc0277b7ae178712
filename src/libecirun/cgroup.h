/* Cgroups behind one small interface; v1 (per-controller hierarchies) and v2 (unified) are
   detected at run time. */
#ifndef ECIRUN_CGROUP_H
#define ECIRUN_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "config.h"
#include "error.h"

enum cgroup_mode
{
  CGROUP_MODE_V1, /* legacy or hybrid: controllers under /sys/fs/cgroup/<controller> */
  CGROUP_MODE_V2, /* /sys/fs/cgroup is cgroup2 */
};
enum cgroup_mode cgroup_detect_mode (void);

struct cgroup;

/* Resolve the cgroup of a container: linux.cgroupsPath (absolute: from the hierarchy root;
   relative: below the caller's own cgroup; Docker's "/docker/<id>"; the systemd form
   "slice:prefix:name" is refused with a clear "not supported" error); NULL path -> "/ecirun/<id>".
   Creates the directories and applies the limits in res (may be NULL). */
int cgroup_create (const char *cgroups_path, const char *id, const struct resources_config *res,
                   struct cgroup **ret, ecirun_error_t *err);
/* Re-open the cgroup of an existing container from the path saved in its state (no creation). */
int cgroup_open (const char *saved_path, struct cgroup **ret, ecirun_error_t *err);
/* The path to save in state.json (relative to the hierarchy root, e.g. "/ecirun/ctr1"). */
const char *cgroup_get_path (const struct cgroup *cg);
/* exec --cgroup: move cg to sub-cgroups of itself, per `specs` ("[CONTROLLER:]PATH", PATH
   relative to the container's cgroup, existing; "PATH" alone for every hierarchy). */
int cgroup_descend (struct cgroup *cg, char *const *specs, ecirun_error_t *err);
/* For clone3(CLONE_INTO_CGROUP): an O_DIRECTORY fd on the v2 cgroup, or -1 on v1. */
int cgroup_clone_fd (struct cgroup *cg);
/* Move pid into the cgroup (every v1 hierarchy; cgroup.procs on v2). */
int cgroup_enter (struct cgroup *cg, pid_t pid, ecirun_error_t *err);
/* Every pid in the cgroup (kill --all, ps). */
int cgroup_pids (struct cgroup *cg, pid_t **ret, size_t *ret_n, ecirun_error_t *err);
/* Freeze or thaw (v1 freezer.state, v2 cgroup.freeze), waiting until it takes effect. */
int cgroup_freeze (struct cgroup *cg, bool frozen, ecirun_error_t *err);
int cgroup_is_frozen (struct cgroup *cg, bool *ret, ecirun_error_t *err);
/* Apply limits to an existing cgroup (create and update). */
int cgroup_apply (struct cgroup *cg, const struct resources_config *res, ecirun_error_t *err);
/* Hand the directories this create made to the container's root (its host uid and gid), as crun
   does for a container with a user namespace, so that systemd or a nested engine inside can
   make and manage sub-cgroups. Only the directory and the files that manage membership (v1:
   cgroup.procs, tasks, cgroup.clone_children; v2: /sys/kernel/cgroup/delegate) change owner: the
   container's own limits stay the host's, and the kernel bounds every sub-cgroup by them. */
int cgroup_delegate (struct cgroup *cg, uid_t uid, gid_t gid, ecirun_error_t *err);
/* Kill what is left (SIGKILL to each pid), then remove the directories. A missing cgroup is
   not an error. */
int cgroup_destroy (struct cgroup *cg, ecirun_error_t *err);
void cgroup_free (struct cgroup *cg);

/* Usage counters of a container's cgroup, in runc's `events --stats` terms (v1 files, or the v2
   files mapped onto them). Absent files leave zeros. */
struct cgroup_mem_entry
{
  uint64_t limit, usage, max, failcnt;
};
struct cgroup_blkio_entry
{
  uint64_t major, minor, value;
  char op[16];
};
enum cgroup_blkio_kind
{
  BLKIO_SERVICE_BYTES,
  BLKIO_SERVICED,
  BLKIO_QUEUED,
  BLKIO_SERVICE_TIME,
  BLKIO_WAIT_TIME,
  BLKIO_MERGED,
  BLKIO_TIME,
  BLKIO_SECTORS,
  BLKIO__MAX,
};
struct cgroup_stats
{
  struct
  {
    uint64_t total, kernel, user; /* ns */
    uint64_t *percpu, *percpu_kernel, *percpu_user;
    size_t n_percpu, n_percpu_kernel, n_percpu_user;
    uint64_t periods, throttled_periods, throttled_time;
  } cpu;
  struct
  {
    uint16_t *cpus, *mems;
    size_t n_cpus, n_mems;
    uint64_t cpu_exclusive, mem_hardwall, mem_exclusive, memory_migrate, memory_spread_page,
        memory_spread_slab, memory_pressure, sched_load_balance;
    int64_t sched_relax_domain_level;
  } cpuset;
  struct
  {
    uint64_t cache;
    struct cgroup_mem_entry usage, swap, kernel, kernel_tcp;
    char **raw_keys; /* memory.stat, in file order */
    uint64_t *raw_values;
    size_t n_raw;
  } memory;
  struct
  {
    uint64_t current, limit; /* limit 0: unlimited */
  } pids;
  struct
  {
    struct cgroup_blkio_entry *e;
    size_t n;
  } blkio[BLKIO__MAX];
};
int cgroup_stats (struct cgroup *cg, struct cgroup_stats *ret, ecirun_error_t *err);
void cgroup_stats_release (struct cgroup_stats *s);
/* How many OOM events the cgroup has seen (v1 memory.oom_control oom_kill, v2 memory.events
   oom_kill); 0 without a memory controller; an error when the cgroup is gone. */
int cgroup_oom_count (struct cgroup *cg, uint64_t *ret, ecirun_error_t *err);
/* An fd that becomes readable (v1: eventfd on memory.oom_control) or raises POLLPRI (v2:
   memory.events) when an OOM may have happened; -1 when there is none. *ret_pri tells which. */
int cgroup_oom_watch_fd (struct cgroup *cg, bool *ret_pri);

#endif
