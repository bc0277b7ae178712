/* linux.seccomp.listenerPath: hand a seccomp notify fd to the agent listening there. */
#ifndef ECIRUN_SECCOMP_LISTENER_H
#define ECIRUN_SECCOMP_LISTENER_H

#include <sys/types.h>
#include "config.h"
#include "error.h"

/* Connect to s->listener_path and send fd (SCM_RIGHTS) with the container process state, as
   runc does: {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state"}. pid is the
   process the filter belongs to (the init, or an exec'd process); state_json is the
   container's OCI state. */
int seccomp_send_to_listener (const struct seccomp_config *s, pid_t pid, const char *state_json,
                              int fd, ecirun_error_t *err);

#endif
