/* A rootfs that is an overlay mount (dockerd's overlay2, containerd's overlayfs snapshotter)
   cannot be ID-mapped itself. The runtime ID-maps the directory that holds its layers instead,
   and the init mounts a new overlay over those ID-mapped layers from inside the container's
   user namespace (DESIGN.md §4). */
#ifndef ECIRUN_OVERLAY_H
#define ECIRUN_OVERLAY_H

#include <stdbool.h>
#include "error.h"

struct overlay_rootfs
{
  char *base;    /* the directory that holds every layer */
  char *options; /* lowerdir=...,upperdir=...,workdir=... relative to base */
};

/* *ret is NULL when rootfs is not the root of an overlay mount. */
int overlay_detect (const char *rootfs, struct overlay_rootfs **ret, ecirun_error_t *err);
void overlay_free (struct overlay_rootfs *o);

/* An overlay mounted in a user namespace reads user.overlay.* xattrs, not trusted.overlay.*:
   give every directory marked trusted.overlay.opaque in the lower layers the user.overlay
   mark too, once per layer (remembered with an xattr on the layer's root). */
int overlay_mark_user_xattrs (const struct overlay_rootfs *o, ecirun_error_t *err);

/* The reverse, for the upper dir of the overlay mounted at rootfs (on the host): the overlay the
   container mounted marks the directories it replaces user.overlay.opaque, which the engine's
   own overlay and its diff (docker commit/diff/export/cp, containerd's snapshot diff) do not
   read: give them trusted.overlay.opaque too. Nothing to do when rootfs is not an overlay. */
int overlay_export_upper_xattrs (const char *rootfs, ecirun_error_t *err);

#endif
