/* A rootfs that is an overlay mount (dockerd's overlay2, containerd's overlayfs snapshotter)
   cannot be ID-mapped itself. The runtime ID-maps the directory that holds its layers instead,
   and the init mounts a new overlay over those ID-mapped layers from inside the container's
   user namespace (DESIGN.md §4). */
#ifndef ECIRUN_OVERLAY_H
#define ECIRUN_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include "error.h"

struct overlay_rootfs
{
  char *base;    /* the directory that holds every layer */
  char **lower;  /* the lower layers, top first, relative to base */
  char *upper;   /* relative to base, or NULL (a read-only overlay) */
  char *work;    /* likewise */
  char *options; /* lowerdir=...,upperdir=...,workdir=... relative to base, escaped as the kernel
                    reads a mount(2) option string (what the init is sent) */
};

/* *ret is NULL when rootfs is not the root of an overlay mount. Layers given as relative paths
   (dockerd's overlay2 with many layers: it mounts from its overlay2 directory) are taken as
   relative to the directory two levels above the rootfs when the upper dir is that layout's
   (<overlay2>/<id>/merged over <id>/diff). */
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

/* The host directories an overlay mount shows (lowerdir entries, upperdir, workdir, datadir+),
   from its super options in mountinfo (separated by ',' and ':', octal escapes undone),
   NULL-terminated. Pure. */
char **overlay_mountinfo_dirs (const char *super_opts);

/* The options of an overlay mount(2) data string, split as the kernel splits them: at ','
   not escaped by '\\'; the directories of lowerdir (at ':' and "::", not escaped), lowerdir+,
   datadir+, upperdir and workdir with their escapes undone. */
struct overlay_opt
{
  char *raw;   /* the option as written, escapes kept */
  char *key;   /* up to '=' */
  char **dirs; /* the directories it names (NULL for other options), NULL-terminated */
  char *seps;  /* lowerdir: before each directory after the first, ':' or 'D' for "::" */
};
size_t overlay_opts_parse (const char *data, struct overlay_opt **ret);
/* The same split of an overlay's super options in mountinfo (',' and ':' separate, octal
   escapes undone). */
size_t overlay_opts_from_mountinfo (const char *super_opts, struct overlay_opt **ret);
void overlay_opts_free (struct overlay_opt *o, size_t n);
/* data with the directories it names replaced, in order, by /proc/self/fd/N of fds (which must
   be exactly as many): what the init mounts, so that nothing is looked up by name again. NULL
   when the counts differ. */
char *overlay_opts_with_fds (const char *data, const int *fds, size_t n_fds);

#endif
