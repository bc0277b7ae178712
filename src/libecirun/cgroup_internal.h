/* Shared between cgroup.c (the front: mode detection, path resolution, dispatch) and the two
   backends, cgroup_v1.c and cgroup_v2.c. Not part of the library's public interface; the pure
   helpers are exposed for the unit tests. */
#ifndef ECIRUN_CGROUP_INTERNAL_H
#define ECIRUN_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "cgroup.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* One mounted hierarchy the cgroup lives in. On v2 there is exactly one (unified). On v1 there
   is one per mounted controller hierarchy (cpu,cpuacct comounted count once), plus, on hybrid
   hosts, the cgroup2 hierarchy (unified = true). */
struct cgroup_hier
{
  char *mountpoint;  /* "/sys/fs/cgroup/memory" */
  char *mount_root;  /* the mount's root inside the hierarchy (mountinfo field 4), usually "/" */
  char *controllers; /* "cpu,cpuacct", "name=systemd"; "" for the unified hierarchy */
  char *path;        /* cgroup path from the hierarchy root: "/ecirun/ctr1" */
  char *dir;         /* mountpoint + path (mount root stripped) */
  bool unified;
  bool created; /* this call created the leaf directory (remove it again on failure) */
};

struct cgroup_ops;

struct cgroup
{
  enum cgroup_mode mode;
  const struct cgroup_ops *ops;
  char *saved_path; /* what cgroup_get_path returns */
  struct cgroup_hier *hiers;
  size_t n_hiers;
  int dirfd; /* v2: O_DIRECTORY fd on the leaf, opened lazily for clone3 */
};

/* The backend vtable. */
struct cgroup_ops
{
  const char *name;
  /* Create the directories (and prepare them: cpuset inheritance, controller delegation). */
  int (*create) (struct cgroup *cg, ecirun_error_t *err);
  int (*apply) (struct cgroup *cg, const struct resources_config *res, ecirun_error_t *err);
  int (*enter) (struct cgroup *cg, pid_t pid, ecirun_error_t *err);
  int (*freeze) (struct cgroup *cg, bool frozen, ecirun_error_t *err);
  int (*is_frozen) (struct cgroup *cg, bool *ret, ecirun_error_t *err);
  /* The hierarchy whose cgroup.procs lists the members. */
  struct cgroup_hier *(*procs_hier) (struct cgroup *cg);
};

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;

/* Pure helpers (unit-tested). */

/* Resolve linux.cgroupsPath into a path from the hierarchy root. cgroups_path NULL or "" gives
   "/ecirun/<id>"; an absolute path is used as is; a relative path goes below own_cgroup (the
   caller's cgroup in that hierarchy, from /proc/self/cgroup); "slice:prefix:name" (systemd) and
   ".." components are refused. The result is normalised: one leading '/', no duplicate or
   trailing '/'. */
int cgroup_resolve_path (const char *cgroups_path, const char *id, const char *own_cgroup,
                         char **ret, ecirun_error_t *err);
/* cpu.shares (2..262144) -> cpu.weight (1..10000), as runc converts it; 0 stays 0 (unset). */
uint64_t cgroup_shares_to_weight (uint64_t shares);
/* blkio.weight (10..1000) -> io.weight (1..10000); 0 stays 0 (unset). */
uint64_t cgroup_blkio_weight_to_io_weight (uint64_t weight);
/* OCI memory.swap is memory+swap; v2 memory.swap.max is swap alone. *ret_set false: write
   nothing; *ret -1 means "max". Fails on inconsistent values, with runc's messages. */
int cgroup_swap_to_v2 (struct opt_i64 swap, struct opt_i64 limit, bool *ret_set, int64_t *ret,
                       ecirun_error_t *err);
/* The cgroup of the calling process in the hierarchy named by controllers ("" = the cgroup2
   line "0::"), parsed out of the text of /proc/self/cgroup. NULL when absent. */
char *cgroup_parse_proc_self (const char *content, const char *controllers);

/* File helpers shared by the backends. */

/* Write value to dir/file, failing with "cgroup: write VALUE to DIR/FILE: <strerror>". */
int cgroup_write (const char *dir, const char *file, const char *value, ecirun_error_t *err);
/* Same, but a missing file is reported with *ret_missing = true and no error. */
/* cgroup_read, with *ret NULL (and success) when the file does not exist. */
int cgroup_read_if_exists (const char *dir, const char *file, char **ret, ecirun_error_t *err);
int cgroup_write_if_exists (const char *dir, const char *file, const char *value, bool *ret_missing,
                            ecirun_error_t *err);
/* Read dir/file, trailing newline stripped. */
int cgroup_read (const char *dir, const char *file, char **ret, ecirun_error_t *err);
bool cgroup_file_exists (const char *dir, const char *file);
/* Whether a v1 hierarchy carries `controller` ("cpu" does not match "cpuacct"). */
bool cgroup_hier_has (const struct cgroup_hier *h, const char *controller);
/* Move a local error into err (released when err is NULL or already set). Returns -1. */
int cgroup_error_move (ecirun_error_t *err, ecirun_error_t *tmp);

/* v2 helpers used by the v1 backend for the unified hierarchy of hybrid hosts. */
int cgroup_v2_make_dir (struct cgroup_hier *h, ecirun_error_t *err);
int cgroup_v2_write_unified (struct cgroup_hier *h, const struct kv_list *unified,
                             ecirun_error_t *err);
int cgroup_v2_freeze_dir (const char *dir, bool frozen, ecirun_error_t *err);

/* Device rules on v2 (cgroup_v2_devices.c): a BPF_PROG_TYPE_CGROUP_DEVICE program. */
struct bpf_insn;
/* The program for the rules, in order (for each access bit the last matching rule decides,
   default deny); *ret is malloc'd. Fails on an invalid type, access or device number. */
int cgroup_devices_bpf_generate (const struct device_cgroup_rule *rules, size_t n,
                                 struct bpf_insn **ret, size_t *ret_n, ecirun_error_t *err);
/* BPF_PROG_LOAD; returns the program fd. */
int cgroup_devices_bpf_load (const struct bpf_insn *prog, size_t n, ecirun_error_t *err);
/* Load the program for the rules and attach it to the cgroup directory dir, then detach the
   program a previous call attached (never a moment without one). */
int cgroup_devices_bpf_apply (const char *dir, const struct device_cgroup_rule *rules, size_t n,
                              ecirun_error_t *err);

/* mkdir -p of h->dir below its mount point, one level at a time; step (may be NULL) runs for
   each level once the child exists, with its parent. Sets h->created when the leaf is new. */
typedef int (*cgroup_level_fn) (const char *parent, const char *child, ecirun_error_t *err);
int cgroup_make_dir_levels (struct cgroup_hier *h, cgroup_level_fn step, ecirun_error_t *err);

#endif
