/* The OCI runtime-spec (1.1) config.json as typed C structs. Only config.c touches JSON;
   every other module works on these structs. Strings are NUL-terminated and owned by the
   struct; arrays come with their length. Optional scalars use the opt_* wrappers. Names that
   the spec gives as strings (capabilities, rlimit types, namespace types) are converted to
   numbers while parsing, so a bad name fails at load time with its JSON path. */
#ifndef ECIRUN_CONFIG_H
#define ECIRUN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"

struct opt_u64
{
  bool set;
  uint64_t v;
};
struct opt_i64
{
  bool set;
  int64_t v;
};

struct kv
{
  char *key;
  char *value;
};
struct kv_list
{
  struct kv *items;
  size_t len;
};
/* Value of key in a kv_list, or NULL. */
const char *kv_list_get (const struct kv_list *l, const char *key);

struct id_mapping
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

enum ns_type
{
  NS_PID,
  NS_NETWORK,
  NS_MOUNT,
  NS_IPC,
  NS_UTS,
  NS_USER,
  NS_CGROUP,
  NS_TIME,
  NS__MAX,
};
/* "pid" <-> NS_PID ...; CLONE_NEW* flag; the /proc/PID/ns/ name ("net" for network). */
int ns_type_from_name (const char *name);
const char *ns_type_name (enum ns_type t);
int ns_type_clone_flag (enum ns_type t);
const char *ns_type_proc_name (enum ns_type t);

struct namespace_config
{
  bool present; /* listed in linux.namespaces */
  char *path;   /* NULL: create a new one; else join this one */
};

struct mount_config
{
  char *destination;
  char *type;   /* may be NULL (bind mounts) */
  char *source; /* may be NULL */
  char **options;
  size_t n_options;
  struct id_mapping *uid_mappings; /* runtime-spec 1.1 idmapped mounts */
  size_t n_uid_mappings;
  struct id_mapping *gid_mappings;
  size_t n_gid_mappings;
};

struct rlimit_config
{
  int resource; /* RLIMIT_* */
  uint64_t soft;
  uint64_t hard;
};
/* "RLIMIT_NOFILE" <-> RLIMIT_NOFILE (the 16 Linux ones, case-sensitive); -1 / NULL if unknown. */
int rlimit_from_name (const char *name);
const char *rlimit_name (int resource);

/* Capability sets as bit masks of CAP_* numbers. */
struct capabilities_config
{
  bool present;
  uint64_t bounding;
  uint64_t effective;
  uint64_t inheritable;
  uint64_t permitted;
  uint64_t ambient;
};

struct user_config
{
  uint32_t uid;
  uint32_t gid;
  struct opt_u64 umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  char *username; /* informational (Windows field); unused */
};

struct process_config
{
  bool terminal;
  struct opt_u64 console_height;
  struct opt_u64 console_width;
  struct user_config user;
  char **args; /* NULL-terminated, at least one element */
  size_t n_args;
  char **env; /* NULL-terminated, may be empty */
  size_t n_env;
  char *cwd; /* absolute */
  struct capabilities_config capabilities;
  struct rlimit_config *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  char *apparmor_profile;
  struct opt_i64 oom_score_adj;
  char *selinux_label;
};

enum hook_kind
{
  HOOK_PRESTART,
  HOOK_CREATE_RUNTIME,
  HOOK_CREATE_CONTAINER,
  HOOK_START_CONTAINER,
  HOOK_POSTSTART,
  HOOK_POSTSTOP,
  HOOK__MAX,
};
const char *hook_kind_name (enum hook_kind k); /* "prestart", "createRuntime", ... */

struct hook_config
{
  char *path;
  char **args; /* NULL-terminated, may be NULL */
  char **env;  /* NULL-terminated, may be NULL */
  struct opt_i64 timeout;
};
struct hook_list
{
  struct hook_config *items;
  size_t len;
};

struct device_config
{
  char *path;
  char type; /* 'c', 'b', 'u', 'p' */
  int64_t major;
  int64_t minor;
  struct opt_u64 file_mode;
  struct opt_u64 uid;
  struct opt_u64 gid;
};

struct device_cgroup_rule
{
  bool allow;
  char type;     /* 'a', 'c', 'b' (default 'a') */
  int64_t major; /* -1 = wildcard */
  int64_t minor; /* -1 = wildcard */
  char *access;  /* "rwm" subset, NULL = all */
};

struct blkio_device_weight
{
  int64_t major;
  int64_t minor;
  struct opt_u64 weight;
  struct opt_u64 leaf_weight;
};
struct blkio_device_throttle
{
  int64_t major;
  int64_t minor;
  uint64_t rate;
};
struct hugepage_limit
{
  char *page_size; /* "2MB", "1GB" */
  uint64_t limit;
};

struct resources_config
{
  struct device_cgroup_rule *devices;
  size_t n_devices;
  struct
  {
    struct opt_i64 limit;
    struct opt_i64 reservation;
    struct opt_i64 swap;
    struct opt_i64 kernel;
    struct opt_i64 kernel_tcp;
    struct opt_u64 swappiness;
    bool disable_oom_killer;
    bool use_hierarchy;
    bool check_before_update;
  } memory;
  struct
  {
    struct opt_u64 shares;
    struct opt_i64 quota;
    struct opt_u64 burst;
    struct opt_u64 period;
    struct opt_i64 realtime_runtime;
    struct opt_u64 realtime_period;
    char *cpus;
    char *mems;
    struct opt_i64 idle;
  } cpu;
  struct
  {
    struct opt_i64 limit;
  } pids;
  struct
  {
    struct opt_u64 weight;
    struct opt_u64 leaf_weight;
    struct blkio_device_weight *weight_device;
    size_t n_weight_device;
    struct blkio_device_throttle *throttle_read_bps;
    size_t n_throttle_read_bps;
    struct blkio_device_throttle *throttle_write_bps;
    size_t n_throttle_write_bps;
    struct blkio_device_throttle *throttle_read_iops;
    size_t n_throttle_read_iops;
    struct blkio_device_throttle *throttle_write_iops;
    size_t n_throttle_write_iops;
  } block_io;
  struct hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  struct
  {
    struct opt_u64 class_id;
    struct kv_list priorities; /* interface name -> priority (decimal string) */
  } network;
  struct kv_list unified;
};

struct seccomp_arg_config
{
  uint32_t index;
  uint64_t value;
  uint64_t value_two;
  char *op; /* "SCMP_CMP_EQ" ... */
};

struct seccomp_syscall_config
{
  char **names;
  size_t n_names;
  char *action; /* "SCMP_ACT_ERRNO" ... */
  struct opt_u64 errno_ret;
  struct seccomp_arg_config *args;
  size_t n_args;
};

struct seccomp_config
{
  char *default_action;
  struct opt_u64 default_errno_ret;
  char **architectures;
  size_t n_architectures;
  char **flags;
  size_t n_flags;
  char *listener_path;
  char *listener_metadata;
  struct seccomp_syscall_config *syscalls;
  size_t n_syscalls;
};

struct linux_config
{
  struct namespace_config namespaces[NS__MAX];
  struct id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct id_mapping *gid_mappings;
  size_t n_gid_mappings;
  struct kv_list time_offsets; /* "monotonic"/"boottime" -> "secs nanosecs" */
  struct device_config *devices;
  size_t n_devices;
  char *cgroups_path;
  struct resources_config *resources; /* NULL when absent */
  char *rootfs_propagation;
  struct seccomp_config *seccomp; /* NULL when absent */
  struct kv_list sysctl;
  char **masked_paths;
  size_t n_masked_paths;
  char **readonly_paths;
  size_t n_readonly_paths;
  char *mount_label;
  struct
  {
    bool present;
    char *domain; /* "LINUX" or "LINUX32" */
    char **flags;
    size_t n_flags;
  } personality;
};

struct oci_config
{
  char *oci_version;
  struct
  {
    char *path; /* as written in config.json */
    bool readonly;
  } root;
  struct process_config *process; /* NULL when absent */
  char *hostname;
  char *domainname;
  struct mount_config *mounts;
  size_t n_mounts;
  struct hook_list hooks[HOOK__MAX];
  struct kv_list annotations;
  struct linux_config *linux_cfg; /* NULL when absent */
};

/* Parse a config.json held in memory. `origin` names it in error messages (its path).
   Errors name the JSON path: "config.json: process.args must be a non-empty array of strings",
   and for malformed JSON the line/offset and the parser's reason. */
int config_parse (const char *json, size_t len, const char *origin, struct oci_config **ret,
                  ecirun_error_t *err);
int config_load_file (const char *path, struct oci_config **ret, ecirun_error_t *err);
/* Parse a process.json (as `exec --process` takes it), same rules as config "process". */
int config_parse_process (const char *json, size_t len, const char *origin,
                          struct process_config **ret, ecirun_error_t *err);
/* Parse a LinuxResources object (as `update --resources` takes it). */
int config_parse_resources (const char *json, size_t len, const char *origin,
                            struct resources_config **ret, ecirun_error_t *err);
void config_free (struct oci_config *c);
void process_config_free (struct process_config *p);
void resources_config_free (struct resources_config *r);

#endif
