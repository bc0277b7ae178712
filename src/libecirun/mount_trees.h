/* What the runtime prepares, on the host side, for the mounts the init makes in the container's
   mount namespace: the rootfs and every bind source, judged by the restricted-mounts guard and
   cloned ID-mapped into the container's user namespace; the host directories an overlay mount
   names, opened once and checked; a fresh sysfs or mqueue for a joined network or IPC
   namespace. Everything is sent to the init over the sync socket as fds, so nothing the init
   mounts is looked up again by a path someone could change. */
#ifndef ECIRUN_MOUNT_TREES_H
#define ECIRUN_MOUNT_TREES_H

#include <sys/types.h>
#include "config.h"
#include "error.h"
#include "policy.h"

struct mount_trees_ctx
{
  const struct oci_config *config;
  const char *rootfs;     /* root.path, resolved */
  const char *bundle;     /* resolved */
  const char *id;         /* the container's id */
  const char *state_root; /* ecirun's --root, resolved */
  const struct ecirun_policy *policy;
  /* The ids of the containers whose network and IPC namespaces the config joins. */
  char *const *net_ids, *const *ipc_ids;
};

/* Send the init (SYNC_ROOTFS_FD, SYNC_OVERLAY or SYNC_MOUNT_FD -1 for the rootfs, SYNC_MOUNT_FD
   for binds and prepared kernel file systems, SYNC_OVERLAY_DIR for overlay directories,
   SYNC_DEVICE_FD for device nodes) everything its mounts need. A source refused by the guard,
   or whose file system cannot be ID-mapped, fails with one clear error. */
int mount_trees_send (const struct mount_trees_ctx *x, pid_t init, int sync_fd,
                      ecirun_error_t *err);

#endif
