/* Device nodes inside the rootfs: the default set, linux.devices, and the /dev links. */
#ifndef ECIRUN_DEVICES_H
#define ECIRUN_DEVICES_H

#include <stdbool.h>
#include <stdint.h>
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

/* A device as the kernel knows it, what an allowedDevices entry stands for: type 'c' or 'b',
   major and minor (-1: any). */
struct device_id
{
  char type;
  int64_t major, minor;
};

/* "c MAJOR:MINOR" (or "b ..."), either number possibly "*", into *ret. */
bool devices_parse_id (const char *s, struct device_id *ret);
/* The identities allowedDevices stands for, now: "c MAJOR:MINOR" entries as written, host paths
   (patterns) by the device nodes they name on the host (a path that names none allows
   nothing). Returns how many are in *ret (malloc'd). */
size_t devices_resolve_allowed (char *const *allowed, struct device_id **ret);
/* Whether d's type and numbers (never its path) are among ids. */
bool devices_id_allowed (const struct device_config *d, const struct device_id *ids, size_t n);

/* Whether lc and caps are the every-device list of a privileged container (docker run
   --privileged): every capability in the bounding set and an "a *:* rwm" allow rule. */
bool devices_every_device_list (const struct linux_config *lc,
                                const struct capabilities_config *caps);
/* Keep only the linux.devices entries whose type and numbers the admin policy allows
   (allowedDevices, resolved now on the host); the path an entry gives is only where its node
   goes in the container. Raw block devices, the character devices that reach disks (SCSI
   generic c 21:*, bsg, NVMe generic: majors from /proc/devices), /dev/mem, /dev/kmem and
   /dev/port never pass, nor the path /dev/ptmx (the link to the container's devpts). A device
   withheld is an error naming it and why, except in an every-device list (--privileged lists
   every host device), where those withheld are named in one warning. */
int devices_apply_policy (struct linux_config *lc, bool every_device_list, char *const *allowed,
                          const char *policy_path, ecirun_error_t *err);
/* Replace linux.resources.devices with what the container is given: deny all, then the default
   devices, ptys, /dev/net/tun, mknod of any node, and an allow rule for each linux.devices
   entry. The config's own rules are dropped (a config that denies everything still gets a
   working /dev, and an "a *:* rwm" reaches nothing more); those that asked for more are named
   in one warning. */
void devices_set_cgroup_rules (struct linux_config *lc);
#endif
