/* The container's sidecar, ecirun-fsd (docs/sidecar.md), from the runtime's side: its cgroup
   and configuration before the init exists, starting it with the init's mount-vetting
   listener, handing it the listeners of exec'd processes, and making sure it is gone. */
#ifndef ECIRUN_SIDECAR_H
#define ECIRUN_SIDECAR_H

#include <stdbool.h>
#include <sys/types.h>
#include "cgroup.h"
#include "config.h"
#include "error.h"
#include "policy.h"
#include "state.h"

/* Whether the container gets a sidecar: unless the policy turns mount vetting off, or
   config.json's seccomp has its own notify agent (vetting.h). */
bool sidecar_wanted (const struct oci_config *c, const struct ecirun_policy *p);

/* The sidecar's own cgroup, next to the container's and named after it ("<cgroup>@fsd"),
   with small limits (sidecar.c), and its fsd.conf in the state directory (dirfd). */
int sidecar_prepare (const struct oci_config *c, const char *id, int dirfd, struct cgroup **ret_cg,
                     ecirun_error_t *err);

/* Start it for the container in state_dir: a new session, stdio on /dev/null (stderr on
   fsd.log with --debug), in cg, with init_pidfd and listener as its only descriptors. The
   listener is not consumed. It starts while the init finishes its setup: *ret_ready is the
   pipe sidecar_wait_ready reads (and closes) before create reports success; it kills the
   sidecar when it failed to start. */
int sidecar_start (const char *id, const char *state_dir, struct cgroup *cg, int init_pidfd,
                   int listener, pid_t *ret_pid, int *ret_ready, ecirun_error_t *err);
int sidecar_wait_ready (int ready, pid_t pid, ecirun_error_t *err);

/* Whether the recorded sidecar still runs (the same process: start time checked). */
bool sidecar_alive (const struct container_state *s);

/* SIGKILL it and whatever it left in its cgroup, then remove that cgroup. Never fails:
   problems are logged as warnings. */
void sidecar_stop (const struct container_state *s);

/* Hand the listener of exec'd process pid to the sidecar of the container (state directory
   dirfd); fails when the sidecar is gone. */
int sidecar_hand_listener (int dirfd, pid_t pid, int fd, ecirun_error_t *err);

#endif
