/* The container's file system: mounts from config.json, /dev, pivot_root, masked and
   read-only paths. Runs in the container init, inside its mount namespace. */
#ifndef ECIRUN_ROOTFS_H
#define ECIRUN_ROOTFS_H

#include <stdbool.h>
#include "config.h"
#include "devices.h"
#include "error.h"

/* Before pivot_root: propagation, rootfs bind, every mount, devices, /dev links.
   ns: the CLONE_NEW* namespaces the container has (new or joined). In a user namespace mknod
   is impossible and devices are bind-mounted from the host; without a cgroup namespace the
   container's own cgroup directories are bind-mounted instead of mounting cgroup file systems. */
/* What the runtime prepared (cloned and ID-mapped) for the init to attach; every fd is consumed.
   mounts: n_mounts + 1 fds, -1 where absent: [0] the rootfs, [i + 1] the source of mounts[i].
   With overlay, mounts[0] holds the ID-mapped layers of an overlay rootfs, re-mounted here
   with those (relative) options. devices: nodes made on a private tmpfs. */
struct init_trees
{
  int rootfs_dir; /* the rootfs directory in the init's mount namespace (the runtime opened it
                     through /proc/PID/root: container root may not walk the host path) */
  int *mounts;
  char *overlay;
  /* Per mount index: the directories its overlay options name, opened by the runtime, in the
     order of the options (SYNC_OVERLAY_DIR). */
  struct overlay_fds
  {
    int *fds;
    size_t n;
  } * overlay_dirs;
  struct device_tree *devices;
  size_t n_devices;
};
/* Keep fd, the next directory of mount idx's overlay options. */
void rootfs_add_overlay_dir (struct init_trees *t, size_t idx, int fd);
int rootfs_prepare (const struct oci_config *c, const char *rootfs, int ns, struct init_trees *t,
                    int *ret_rootfd, ecirun_error_t *err);
/* pivot_root into the rootfs mount rootfd and drop the old root; with no_pivot, MS_MOVE it over
   "/" and chroot, the host's tree below it made private and its proc and sysfs mounts covered
   (asked of the runtime over sync_fd, SYNC_HOST_FS). */
int rootfs_pivot (const struct oci_config *c, int rootfd, bool no_pivot, int sync_fd,
                  ecirun_error_t *err);
/* After pivot_root: readonly paths, masked paths, root.readonly. */
int rootfs_finalize (const struct oci_config *c, ecirun_error_t *err);
/* Enter the locked copy of the mount namespace (isolation_locked_mntns) and give back the
   propagation of the root and of the mounts that the copy turned into slaves. */
int rootfs_enter_locked (const struct oci_config *c, int mntns_fd, ecirun_error_t *err);
/* Bind the pty slave over /dev/console (after pivot_root). */
int rootfs_bind_console (const char *slave_path, ecirun_error_t *err);

#endif
