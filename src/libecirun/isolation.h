/* The isolation every container gets (DESIGN.md §1): its own user namespace holding an
   exclusive ID block, no namespace of the host, and file systems ID-mapped into it. */
#ifndef ECIRUN_ISOLATION_H
#define ECIRUN_ISOLATION_H

#include <stdbool.h>
#include <sys/types.h>
#include "config.h"
#include "error.h"

/* The user namespace a config joins (by path, or through the namespaces it joins, which
   belong to it). */
struct isolation_joined
{
  int userns_fd;      /* held open; -1 when the container gets a new user namespace */
  char *holder_id;    /* a live container under --root in it that holds its ID block (NULL
                         when none does: its IDs come from a config's mappings) */
  long long id_block; /* that block's index, -1 with no holder */
};
void isolation_joined_release (struct isolation_joined *j);

/* Before anything is created: refuse host namespaces (a missing pid/network/ipc/uts entry, or
   a path to a namespace the host's user namespace owns), always add a cgroup namespace, and
   settle the user namespace: the one that owns every namespace the config joins, which must be
   the user namespace of a live ecirun container under `root` (compared by identity), or a new
   one. Mappings given by the config (userns-remap, Kubernetes) are validated. */
int isolation_check_namespaces (const char *root, struct linux_config *lc,
                                struct isolation_joined *ret, ecirun_error_t *err);

/* A copy of the init's mount namespace owned by its user namespace, made through a copy owned
   by the host's: the kernel then locks every mount in it (MNT_LOCKED and the MNT_LOCK_* flags),
   so the container cannot unmount, move or loosen (read-only, nosuid, nodev, noexec) what the
   runtime set up, whatever its capabilities. Returns an fd of the namespace for the init to
   enter (setns). */
int isolation_locked_mntns (pid_t init, ecirun_error_t *err);

/* --no-pivot: every full proc and sysfs mount in the mount namespace of `init` that is not in
   its rootfs (the mount whose ID is rootfs_mount_id, and the mounts below it), opened through
   the init's root as the host's root (container root may not walk the host's paths) and sent
   to the init to be covered (SYNC_HOST_FS_FD, then SYNC_HOST_FS_END). One that another
   mount hides (its path reaches another mount) is refused. */
int isolation_send_host_mounts (pid_t init, const char *rootfs_mount_id, int sync_fd,
                                ecirun_error_t *err);

/* The host uid and gid of container root in the user namespace of `pid` (from its uid_map and
   gid_map); -1 when root is not mapped there. */
int isolation_root_host_ids (pid_t pid, uid_t *ret_uid, gid_t *ret_gid);

/* The refusal of a host namespace of type t: what the user did (`what`: "--pid=host, or ..."),
   why it is refused and the alternative, one line. Returns -1. */
int isolation_host_ns_error (enum ns_type t, const char *what, ecirun_error_t *err);

#endif
