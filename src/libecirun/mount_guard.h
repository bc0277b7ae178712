/* Restricted host mounts (DESIGN.md §1, docs/policy.md): which host paths a container may get
   as a bind-mount source or as its root. The engine's socket and data, the runtime's own
   state, the host's configuration and kernel interfaces stay out, whatever config.json asks. */
#ifndef ECIRUN_MOUNT_GUARD_H
#define ECIRUN_MOUNT_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include "error.h"
#include "policy.h"

struct mountinfo_entry;

struct mount_guard
{
  const struct ecirun_policy *policy; /* restrictedMounts, allowedMounts */
  const char *id;                     /* the container's id: "{id}" in allowedMounts */
  const char *state_root;             /* this ecirun's --root, always restricted */
  /* The host's mounts (/proc/self/mountinfo), read once by the caller: what an rbind source
     brings along. */
  const struct mountinfo_entry *mounts;
  size_t n_mounts;
};

enum mount_guard_verdict
{
  MOUNT_GUARD_ALLOWED,
  MOUNT_GUARD_IS,       /* the path is a restricted path */
  MOUNT_GUARD_CONTAINS, /* ... an ancestor of one */
  MOUNT_GUARD_INSIDE,   /* ... below one, and no allowedMounts pattern covers it */
};

/* Pure. host_path is absolute and resolved (no symlinks, "." or ".."). A bind-mount source is
   refused when it is, contains or lies inside a restricted path, unless (inside only) an
   allowedMounts pattern matches it or one of its ancestors; a root (as_rootfs) is refused only
   when it is or contains one (engines keep rootfs directories inside their data). *ret_rule
   is the restricted path that decided. */
enum mount_guard_verdict mount_guard_check (const struct mount_guard *g, const char *host_path,
                                            bool as_rootfs, const char **ret_rule);

/* Open source as the host sees it (symlinks followed; relative to the cwd) with O_PATH, and
   check the path it resolves to; a refusal is one error naming `what`, the path and the rule.
   recursive (rbind): the mounts below the source (g->mounts) come along, and each must pass
   too. The fd
   returned is what must be used (cloned) afterwards, so nothing can be swapped in. */
int mount_guard_open (const struct mount_guard *g, const char *source, bool as_rootfs,
                      bool recursive, const char *what, ecirun_error_t *err);

/* Pure: the first mount of mi (n entries) strictly below the directory `real` whose content
   the guard refuses, or NULL. A mount's content is judged by its host path: where its file
   system's root or a parent directory of it is mounted elsewhere (a bind from the root file
   system, or from any other), that path; *ret_host gets it (malloc'd), *ret_rule the rule.
   A kernel file system (proc, sysfs, ...) mounted below is refused as the host's own
   (*ret_host NULL, *ret_rule its type); any other mount with no origin elsewhere (a tmpfs of
   its own) passes. */
const struct mountinfo_entry *mount_guard_refused_submount (const struct mount_guard *g,
                                                            const struct mountinfo_entry *mi,
                                                            size_t n, const char *real,
                                                            char **ret_host, const char **ret_rule);

/* fnmatch-style match of an allowedMounts pattern ('*' within one component, "{id}" the
   container's id) against path or one of its ancestors. Exposed for the unit tests. */
bool mount_guard_pattern_covers (const char *pattern, const char *id, const char *path);

#endif
