/* Mount option strings (config.json "options") to mount(2) flags, propagation, data, and
   mount_setattr(2) attributes. Pure functions: unit-tested without mounting. */
#ifndef ECIRUN_MOUNT_OPTS_H
#define ECIRUN_MOUNT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

struct mount_opts
{
  unsigned long flags;       /* MS_* to set (MS_RDONLY, MS_NOSUID, MS_BIND, MS_REC ...) */
  unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid", "dev", "exec" ...) */
  unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC) or 0 */
  /* Recursive attributes ("rro", "rnosuid", "rnoexec", "rnodev", "rrelatime"...), applied with
     mount_setattr(AT_RECURSIVE): MOUNT_ATTR_* bits. */
  uint64_t rec_attr_set;
  uint64_t rec_attr_clr;
  bool bind;      /* "bind" or "rbind" */
  bool recursive; /* "rbind" */
  bool idmap;     /* "idmap" / "ridmap" */
  bool tmpcopyup;
  char *data; /* remaining options joined with ',' (e.g. "mode=755,size=65536k"), or NULL */
  bool idmap_recursive; /* "ridmap": ID-map every submount too (AT_RECURSIVE) */
};

/* Unknown options are passed to the file system as data, as runc does. */
int mount_opts_parse (char *const *options, size_t n, struct mount_opts *ret, ecirun_error_t *err);
void mount_opts_release (struct mount_opts *o);
/* "shared" -> MS_SHARED, "rslave" -> MS_SLAVE|MS_REC ... (rootfsPropagation); -1 if unknown,
   0 for NULL or "" (not set: the caller keeps its default). */
long mount_propagation_from_name (const char *name);

#endif
