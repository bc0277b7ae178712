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
/* Kill what is left (SIGKILL to each pid), then remove the directories. A missing cgroup is
   not an error. */
int cgroup_destroy (struct cgroup *cg, ecirun_error_t *err);
void cgroup_free (struct cgroup *cg);

#endif
