/* Restricted host mounts (DESIGN.md §1, docs/policy.md): which host content a container may get
   as a bind-mount source or as its root. The engine's socket and data, the runtime's own state,
   the host's configuration and kernel interfaces stay out, whatever config.json asks and
   whatever path leads there.

   A source is judged by what it is, not by the name it was given: the mount it is on (its mount
   id), that mount's file system (device major:minor) and the path of the source inside that file
   system. Every place where the host shows that content (each mount of the same file system
   whose root holds it) is checked against the restricted paths, which are resolved the same
   way; so an alias of `/` (a bind mount of it anywhere, a docker volume with `o=bind,device=/`,
   the root disk mounted again) is the host's `/`, and a hard link of a restricted socket is that
   socket. */
#ifndef ECIRUN_MOUNT_GUARD_H
#define ECIRUN_MOUNT_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "engine.h"
#include "error.h"
#include "policy.h"

struct mountinfo_entry;

/* A restricted path and what it is: the file system (major:minor) and the path inside it. */
struct guard_restricted
{
  char *path;      /* as the policy, ecirun or the engine names it */
  const char *why; /* NULL for the policy's own entries, else what it is ("dockerd's data root") */
  bool extra;      /* not in the policy's, ecirun's or the engine's lists (a listening socket) */
  bool resolved;   /* it exists: major, minor and fspath say what it is */
  unsigned major, minor;
  char *fspath;
};

/* A restricted file that is not a directory: its identity, for hard links. */
struct guard_inode
{
  dev_t dev;
  ino_t ino;
  nlink_t nlink;
  char *rule;
  const char *why;
};

struct mount_guard
{
  const struct ecirun_policy *policy; /* restrictedMounts, allowedMounts */
  const char *id;                     /* the container's id: "{id}" in allowedMounts */
  const char *state_root;             /* this ecirun's --root, always restricted */
  /* The ids of the containers whose network and IPC namespaces this one joins ("{net}" and
     "{ipc}" in allowedMounts), NULL-terminated or NULL. */
  char *const *net_ids, *const *ipc_ids;
  /* "{buildkit}": BuildKit's executor directory (<dockerRoot>/buildkit/executor) when the
     bundle is this container's in it (a build step of dockerd's BuildKit), else NULL. */
  const char *buildkit_dir;
  /* The engine's own directories (always restricted, and the values of "{dockerRoot}"...). */
  const struct engine_dirs *engine;
  /* The host's mounts (/proc/self/mountinfo), read once by the caller. */
  const struct mountinfo_entry *mounts;
  size_t n_mounts;

  /* Filled by mount_guard_prepare: what each restricted path is. */
  struct guard_restricted *restricted;
  size_t n_restricted;
  struct guard_inode *inodes;
  size_t n_inodes;
};

/* Pure: BuildKit's executor directory of a (resolved) bundle <D>/buildkit/executor/<id>, the
   layout dockerd's BuildKit gives its build steps (malloc'd), else NULL. */
char *mount_guard_buildkit_dir (const char *bundle, const char *id);

enum mount_guard_verdict
{
  MOUNT_GUARD_ALLOWED,
  MOUNT_GUARD_IS,       /* the path is a restricted path */
  MOUNT_GUARD_CONTAINS, /* ... an ancestor of one */
  MOUNT_GUARD_INSIDE,   /* ... below one, and no allowedMounts pattern covers it */
};

/* Resolve the restricted paths of the policy, ecirun's own state, the engine's directories and
   the unix sockets host root listens on (proc_net_unix: the text of /proc/net/unix, or NULL) to
   what they are. */
void mount_guard_prepare (struct mount_guard *g, const char *proc_net_unix);
void mount_guard_release (struct mount_guard *g);

/* Pure. host_path is absolute and resolved (no symlinks, "." or ".."). A bind-mount source is
   refused when it is, contains or lies inside a restricted path, unless (inside only) an
   allowedMounts pattern matches it or one of its ancestors; a root (as_rootfs) is refused only
   when it is or contains one (engines keep rootfs directories inside their data). *ret_rule
   is the restricted path that decided, *ret_why what it is (NULL: a policy entry). */
enum mount_guard_verdict mount_guard_check (const struct mount_guard *g, const char *host_path,
                                            bool as_rootfs, const char **ret_rule,
                                            const char **ret_why);

/* Pure: every host path that shows the content at fspath of the file system major:minor (each
   mount of it whose root holds fspath), NULL-terminated, never empty for content of a mount of
   mi. */
char **mount_guard_places (const struct mountinfo_entry *mi, size_t n, unsigned major,
                           unsigned minor, const char *fspath);

/* Open source as the host sees it (symlinks followed; relative to the cwd) with O_PATH, and
   judge what it is; a refusal is one error naming `what`, the source, what it really is and the
   rule. recursive (rbind): the mounts below the source come along, and each must pass too. The
   fd returned is what must be used (cloned) afterwards, so nothing can be swapped in. */
int mount_guard_open (const struct mount_guard *g, const char *source, bool as_rootfs,
                      bool recursive, const char *what, ecirun_error_t *err);
/* The same for a source already opened (O_PATH); fd stays the caller's. */
int mount_guard_check_fd (const struct mount_guard *g, int fd, const char *source, bool as_rootfs,
                          bool recursive, const char *what, ecirun_error_t *err);

/* fnmatch-style match of an allowedMounts pattern ('*' within one component, "{id}" the
   container's id, "{net}"/"{ipc}" those of the containers whose namespaces it joins, the
   engine's directories) against path or one of its ancestors. */
bool mount_guard_pattern_covers (const struct mount_guard *g, const char *pattern,
                                 const char *path);

/* The content of mount e (of g->mounts) at fspath, reached as `reached_as`: a kernel file
   system is refused, and every place the host shows the content is judged; an overlay's
   layers too (not for a root: its caller checks them). below: e is mounted below the source
   (rbind). One error naming `what` and `source`. Pure but for an overlay's layers. */
int mount_guard_check_mount (const struct mount_guard *g, const struct mountinfo_entry *e,
                             const char *fspath, const char *reached_as, bool as_rootfs,
                             const char *what, const char *source, bool below, int depth,
                             ecirun_error_t *err);

/* Shared by mount_guard.c and mount_source.c. */
bool guard_path_within (const char *path, const char *dir);
bool guard_allowed (const struct mount_guard *g, const char *path);

#endif
