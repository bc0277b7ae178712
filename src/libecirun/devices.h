/* Device nodes inside the rootfs: the default set, linux.devices, and the /dev links. */
#ifndef ECIRUN_DEVICES_H
#define ECIRUN_DEVICES_H

#include <stdbool.h>
#include "config.h"
#include "error.h"

/* A device node the runtime made (with the config's mode and owner) on a private tmpfs and
   cloned, ID-mapped, for the init to attach at path. */
struct device_tree
{
  char *path;
  int fd;
};

/* Runtime side, for a container in a user namespace (where the init cannot mknod, and a node
   of the host must not be handed over): make every device on a detached tmpfs of our own and
   send each node, ID-mapped into userns_fd, as SYNC_DEVICE_FD. */
int devices_send_trees (const struct linux_config *lc, int userns_fd, int sync_fd,
                        ecirun_error_t *err);

/* Create default devices and linux.devices under rootfd: attach the prepared trees when there
   are some, else bind-mount the host's nodes when bind is true, else mknod. */
int devices_create (int rootfd, const struct linux_config *lc, bool bind, struct device_tree *trees,
                    size_t n_trees, ecirun_error_t *err);
/* /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr, /dev/ptmx, /dev/core links. */
int devices_create_links (int rootfd, ecirun_error_t *err);

/* Keep only the linux.devices entries the admin policy allows (patterns of allowedDevices);
   raw block devices, /dev/mem, /dev/kmem, /dev/port and /dev/ptmx never pass. Each device
   withheld is logged as a warning: --privileged lists every host device. */
void devices_apply_policy (struct linux_config *lc, char *const *allowed, const char *policy_path);
/* Append to linux.resources.devices what every container needs (the default devices, ptys,
   mknod of any node) and an allow rule for each linux.devices entry, after the config's own
   rules, as runc does: a config that denies everything still gets a working /dev. */
void devices_add_cgroup_rules (struct linux_config *lc);
#endif
