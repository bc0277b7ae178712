/* Per-container host state under --root: <root>/<id>/{state.json, config.json, exec.fifo}.
   Commands on one container are serialised by flock on its directory. */
#ifndef ECIRUN_STATE_H
#define ECIRUN_STATE_H

#include <stdbool.h>
#include <sys/types.h>
#include "config.h"
#include "error.h"

enum container_status
{
  STATUS_CREATING,
  STATUS_CREATED,
  STATUS_RUNNING,
  STATUS_PAUSED,
  STATUS_STOPPED,
};
const char *status_name (enum container_status s);

/* The container's sidecar, ecirun-fsd (sidecar.h). */
struct container_sidecar
{
  pid_t pid;                     /* 0: none (not started, or not wanted) */
  unsigned long long start_time; /* of pid */
  char *cgroup_path;             /* its own cgroup, as cgroup_get_path says; NULL: none */
  bool alive;                    /* not stored: set before `state` prints it */
};

struct container_state
{
  char *id;
  pid_t pid;                     /* 0 while creating */
  unsigned long long start_time; /* of pid, guards against pid reuse */
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339 */
  char *owner;
  char *cgroup_path;
  bool systemd_cgroup;
  long long id_block; /* index of the ID block held, -1 when none */
  struct kv_list annotations;
  struct container_sidecar sidecar;
};

/* Validate a container id as runc does (letters, digits, '_', '+', '-', '.'; not "." or ".."). */
int state_validate_id (const char *id, ecirun_error_t *err);

/* Open (creating with mode 0700 when missing) the --root directory. */
int state_open_root (const char *root, bool create, ecirun_error_t *err);
/* Create <root>/<id> exclusively ("container with id exists" otherwise), locked. */
int state_create_dir (int rootfd, const char *id, int *ret_dirfd, ecirun_error_t *err);
/* Open and lock <root>/<id> ("container does not exist" otherwise). */
int state_open_dir (int rootfd, const char *id, int *ret_dirfd, ecirun_error_t *err);

int state_write (int dirfd, const struct container_state *s, ecirun_error_t *err);
int state_read (int dirfd, struct container_state **ret, ecirun_error_t *err);
void state_free (struct container_state *s);

/* Live status from the process, exec.fifo and the freezer. */
enum container_status state_status (int dirfd, const struct container_state *s);

/* The OCI state JSON (ociVersion, id, status, pid, bundle, rootfs, created, owner, annotations),
   pretty (for `state`, which adds "sidecar": {"pid", "alive"} or null) or compact (hooks'
   stdin). */
char *state_to_json (const struct container_state *s, enum container_status st, bool pretty);

/* Remove <root>/<id> entirely. */
int state_remove_dir (int rootfd, const char *id, ecirun_error_t *err);

#endif
