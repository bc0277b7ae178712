/* Opening an existing container for a command: its state directory (locked), its state and
   live status, and a pid-reuse-safe pidfd on its init. Shared by lifecycle.c and
   container_ops.c. */
#ifndef ECIRUN_CONTAINER_OPEN_H
#define ECIRUN_CONTAINER_OPEN_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include "config.h"
#include "error.h"
#include "state.h"

struct opened
{
  int rootfd;
  int dirfd;
  struct container_state *state;
  enum container_status status;
};

/* Open and lock a container; state may be NULL when its create was cut short (only with
   allow_incomplete). opened_release must be called even when this fails. */
int open_container (const char *root, const char *id, struct opened *op, bool allow_incomplete,
                    ecirun_error_t *err);
void opened_release (struct opened *op);

/* Give the host's view of the container's overlay upper dir the opaque marks the container's
   own overlay wrote (overlay_export_upper_xattrs); failures are logged. Before a delete and
   after a pause, when the engine reads the upper dir (commit, diff, export, cp). */
void export_upper_xattrs (const struct container_state *s);

/* A pidfd for the container init, checked against the recorded start time (pid reuse). */
int open_init_pidfd (const struct container_state *s, ecirun_error_t *err);

/* The config.json saved at create (hooks, process defaults for exec); NULL, with a warning
   logged, when it cannot be read. */
struct oci_config *load_saved_config (int dirfd);

/* Wait for a child of ours (a container init or an exec'd process), forwarding the signals
   in fwd (blocked by the caller) to it; returns its exit status, 128+N when killed by N. */
int wait_forwarding_signals (pid_t pid, int pidfd, const sigset_t *fwd, ecirun_error_t *err);

/* The setup loops of create and exec: hand a pty master to the console socket (or keep it in
 *ret_master for a foreground run) and acknowledge it. */
int setup_console_fd (int sync_fd, int console_sock, int master, int *ret_master,
                      ecirun_error_t *err);
/* The setup loops of create and exec: give a process's seccomp notify fd (closed here) to the
   agent at s->listenerPath with the container's state, and acknowledge it. */
struct seccomp_config;
int setup_seccomp_fd (int sync_fd, const struct seccomp_config *s, pid_t pid,
                      const char *state_json, int fd, ecirun_error_t *err);

/* The stages every setup loop treats alike: 0 handled (a warning), 1 the peer is ready, -1 an
   error it reported or an unexpected stage. */
struct sync_msg;
int setup_common_stage (const struct sync_msg *m, ecirun_error_t *err);

#endif
