/* Device nodes inside the rootfs: the default set, linux.devices, and the /dev links. */
#ifndef ECIRUN_DEVICES_H
#define ECIRUN_DEVICES_H

#include <stdbool.h>
#include "config.h"
#include "error.h"

/* Create default devices and linux.devices under rootfd; bind-mount the host's nodes when
   bind is true (inside a user namespace mknod is not permitted). */
int devices_create (int rootfd, const struct linux_config *lc, bool bind, ecirun_error_t *err);
/* /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr, /dev/ptmx, /dev/core links. */
int devices_create_links (int rootfd, ecirun_error_t *err);



/* Append to linux.resources.devices what every container needs (the default devices, ptys,
   mknod of any node) and an allow rule for each linux.devices entry, after the config's own
   rules, as runc does: a config that denies everything still gets a working /dev. */
void devices_add_cgroup_rules (struct linux_config *lc);
#endif
