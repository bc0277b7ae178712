/* The admin policy: /etc/ecirun/ecirun.json (docs/policy.md), read once per command. A missing
   file means the built-in defaults; anything malformed, mistyped or unknown is an error, so an
   admin's typo never silently weakens isolation. */
#ifndef ECIRUN_POLICY_H
#define ECIRUN_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include "config.h"
#include "error.h"

#define POLICY_PATH              "/etc/ecirun/ecirun.json"
#define POLICY_SUBUID_PATH       "/etc/subuid"
#define POLICY_SUBGID_PATH       "/etc/subgid"
#define POLICY_SUBID_NAME        "ecirun" /* the /etc/subuid and /etc/subgid entry used */
#define POLICY_DEFAULT_STATE_DIR "/var/lib/ecirun"
#define POLICY_MIN_BLOCK_SIZE    65536u
/* Built-in pool when neither the file nor /etc/sub[ug]id say: 2^28.., 4096 blocks of 65536,
   far above the IDs of the host's own users and below (uid_t) -1. */
#define POLICY_DEFAULT_POOL_FIRST 268435456u
#define POLICY_DEFAULT_POOL_SIZE  268435456u

/* Where the ID pool came from (for messages and `ecirun features`). */
enum policy_pool_source
{
  POLICY_POOL_BUILTIN,
  POLICY_POOL_SUBID, /* the ecirun entries of /etc/subuid and /etc/subgid */
  POLICY_POOL_FILE,  /* idPool in the policy file */
};

enum policy_exhaustion
{
  POLICY_EXHAUSTION_REFUSE, /* the only one for now: create fails with a clear error */
};

struct ecirun_policy
{
  char *path;     /* the policy file read, or that would have been (first in messages) */
  bool from_file; /* false: it did not exist, everything is a default */
  /* Host IDs [uid_first, uid_first + pool_size) and [gid_first, gid_first + pool_size), cut
     into pool_size / block_size blocks. Never includes host ID 0 nor reaches (uid_t) -1. */
  uint32_t uid_first, gid_first, pool_size, block_size;
  enum policy_pool_source pool_source;
  enum policy_exhaustion on_exhaustion;
  char *state_dir;           /* absolute; ID-block records live in <state_dir>/idblocks/ */
  bool idmap_chown_fallback; /* idmapFallback: "chown" (false: "none") */
  /* hostDirMapping "block": a host directory that is not the engine's (a bind source outside
     every engine data directory) is mounted without an ID mapping, so the container's IDs are
     its block's host IDs there (false: "idmap", ID-mapped like the rootfs). */
  bool host_dirs_in_block;
  /* mountVetting "sidecar" (true, the default): each container's mount(2) and umount2(2) go
     to its sidecar, ecirun-fsd (docs/sidecar.md); "off": straight to the kernel. */
  bool mount_vetting;

  /* Host paths no container may get as a bind-mount source or root (restrictedMounts), and the
     patterns that stay allowed below them (allowedMounts): mount_guard.h. Never NULL once
     loaded (the defaults when the file does not say). */
  char **restricted_mounts;
  char **allowed_mounts;

  /* The host devices a container may get (allowedDevices): host path patterns under /dev/,
     judged by the device numbers of the nodes they name, or "c MAJOR:MINOR" entries; the
     other linux.devices are withheld (devices_apply_policy). Never NULL once loaded. */
  char **allowed_devices;

  /* eciExceptions: with ecirun standing in for the host's runc (contrib/ecirun-eci), the
     containers created with this --root whose config.json carries every one of these
     annotations run on the original runtime instead (eci.h). None by default. */
  struct policy_eci_exception
  {
    char *root; /* absolute, normalised */
    struct kv_list annotations;
  } * eci_exceptions;
  size_t n_eci_exceptions;

  /* emulation: the /proc and /sys groups the sidecar emulates, POLICY_EMULATE_* bits (all
     by default). */
  unsigned emulation;
};

/* The groups of "emulation" (docs/policy.md); the same bits as proc-emul's
   enum procemul_group, which the sidecar hands to the server as they are. */
#define POLICY_EMULATE_MEMORY     (1u << 0) /* /proc/meminfo, /proc/swaps, sysinfo's memory */
#define POLICY_EMULATE_CPU        (1u << 1) /* /proc/cpuinfo, /proc/stat, cpu/online */
#define POLICY_EMULATE_UPTIME     (1u << 2) /* /proc/uptime, sysinfo's uptime */
#define POLICY_EMULATE_LOADAVG    (1u << 3) /* /proc/loadavg, sysinfo's loads and procs */
#define POLICY_EMULATE_DISKSTATS  (1u << 4) /* /proc/diskstats */
#define POLICY_EMULATE_SYSCTL     (1u << 5) /* /proc/sys */
#define POLICY_EMULATE_SYS_KERNEL (1u << 6) /* empty /sys/kernel/{security,debug,tracing,config}   \
                                             */
#define POLICY_EMULATE_DMI (1u << 7)        /* /sys/devices/virtual/dmi/id/product_uuid */
#define POLICY_EMULATE_ALL ((1u << 8) - 1)

/* Load the policy from $ECIRUN_POLICY or /etc/ecirun/ecirun.json; the pool defaults come from
   $ECIRUN_SUBUID / $ECIRUN_SUBGID or /etc/subuid and /etc/subgid. On error *ret is left
   released (nothing to free). */
int policy_load (struct ecirun_policy *ret, ecirun_error_t *err);
/* The same with explicit paths (NULL: the default of each, environment not consulted). */
int policy_load_from (const char *path, const char *subuid_path, const char *subgid_path,
                      struct ecirun_policy *ret, ecirun_error_t *err);
/* Parse policy JSON text (origin names it in messages), subuid/subgid as above. */
int policy_parse (const char *json, size_t len, const char *origin, const char *subuid_path,
                  const char *subgid_path, struct ecirun_policy *ret, ecirun_error_t *err);
void policy_release (struct ecirun_policy *p);

/* Number of whole blocks in the pool (>= 1 for a loaded policy). */
uint32_t policy_block_count (const struct ecirun_policy *p);

/* The effective policy as a JSON object: emitted into g (as a value), or as a whole string
   (compact, malloc'd). Keys are those of the file plus "path", "source" and "blocks". */
void policy_gen (yajl_gen g, const struct ecirun_policy *p);
char *policy_to_json (const struct ecirun_policy *p);

#endif
