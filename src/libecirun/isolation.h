/* The isolation every container gets (DESIGN.md §1): its own user namespace holding an
   exclusive ID block, no namespace of the host, and file systems ID-mapped into it. */
#ifndef ECIRUN_ISOLATION_H
#define ECIRUN_ISOLATION_H

#include <stdbool.h>
#include <sys/types.h>
#include "config.h"
#include "error.h"

/* Before anything is created: refuse host namespaces (a missing pid/network/ipc/uts entry, or
   a path to a namespace the host's user namespace owns), always add a cgroup namespace, and
   settle the user namespace: the owner of the namespaces the config joins (another
   container's), or a new one. Mappings given by the config (userns-remap, Kubernetes) are
   validated. *ret_owner_fd holds the joined user namespace open (-1 when none). */
int isolation_check_namespaces (struct linux_config *lc, int *ret_owner_fd, ecirun_error_t *err);

/* A copy of the init's mount namespace owned by its user namespace, made through a copy owned
   by the host's: the kernel then locks every mount in it (MNT_LOCKED and the MNT_LOCK_* flags),
   so the container cannot unmount, move or loosen (read-only, nosuid, nodev, noexec) what the
   runtime set up, whatever its capabilities. Returns an fd of the namespace for the init to
   enter (setns). */
int isolation_locked_mntns (pid_t init, ecirun_error_t *err);

/* The host uid and gid of container root in the user namespace of `pid` (from its uid_map and
   gid_map); -1 when root is not mapped there. */
int isolation_root_host_ids (pid_t pid, uid_t *ret_uid, gid_t *ret_gid);

#endif
