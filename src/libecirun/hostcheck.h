/* `ecirun check`: does this host have every kernel feature ecirun's isolation stands on? Each
   probe does the real thing (a user namespace with a map, an ID-mapped clone of a directory of
   the file system in question, an overlay mounted in a user namespace, a seccomp notification
   answered with ADDFD, /dev/fuse opened, a locked mount refusing umount) in children of its
   own, so the host and the calling process are left as they were. */
#ifndef ECIRUN_HOSTCHECK_H
#define ECIRUN_HOSTCHECK_H

#include <stdbool.h>
#include <stddef.h>

enum check_verdict
{
  CHECK_OK,
  CHECK_WARN, /* works, with a limit worth knowing */
  CHECK_FAIL,
};

struct check_result
{
  char *what; /* "user namespaces", "ID-mapped mounts on /var/lib/docker (ext4)" ... */
  enum check_verdict verdict;
  char *detail; /* what was found */
  char *fix;    /* what to do (NULL when nothing) */
};

/* Run every probe; paths: the directories whose file systems must take ID-mapped mounts
   (NULL: the engines' data roots that exist, ecirun's stateDir). *ret is malloc'd. */
void hostcheck_run (char *const *paths, struct check_result **ret, size_t *n);
void hostcheck_free (struct check_result *r, size_t n);

/* Pure: the cgroup layout from what statfs says of /sys/fs/cgroup and /sys/fs/cgroup/unified
   (their f_type), for the report ("v2", "v1", "hybrid"). */
const char *hostcheck_cgroup_layout (unsigned long root_type, bool unified_is_cgroup2);

#endif
