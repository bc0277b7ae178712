/* ecirun's own seccomp filter: mount(2) and umount2(2) (and the 32-bit umount) go to the
   container's sidecar (ecirun-fsd) through a user-notify listener; every other call, and the
   new mount API, stays with the kernel. */
#ifndef ECIRUN_VETTING_H
#define ECIRUN_VETTING_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/filter.h>
#include "../src/libecirun/config.h"
#include "../src/libecirun/error.h"

/* Whether a container with this linux.seccomp gets ecirun's filter: not when config.json has
   SCMP_ACT_NOTIFY rules of its own, since the kernel allows one listener per process (their
   agent, at listenerPath, is then the container's only supervisor). */
bool vetting_wanted (const struct seccomp_config *cfg);

/* The BPF program (at most max instructions); returns its length, or 0 when max is too small. */
size_t vetting_build_filter (struct sock_filter *prog, size_t max);

/* Load the filter into the calling process (which has CAP_SYS_ADMIN in its user namespace or
   no_new_privs) and return its listener (O_CLOEXEC), or -1 with *err set. The filter waits
   killably once the sidecar has received a notification (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
   5.19+), so a signal never makes the kernel restart a call the sidecar already performed. */
int vetting_install (ecirun_error_t *err);

#endif
