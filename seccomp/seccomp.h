/* OCI linux.seccomp with libseccomp. */
#ifndef ECIRUN_SECCOMP_H
#define ECIRUN_SECCOMP_H

#include <stdbool.h>
#include "../src/libecirun/config.h"
#include "../src/libecirun/error.h"

/* Check everything that can be checked before the container starts (actions, arch names,
   operators, flags, syscall names unknown on every listed arch are only skipped, as runc does),
   so that a bad filter fails `create` with a clear message naming the JSON path. */
int seccomp_validate (const struct seccomp_config *cfg, ecirun_error_t *err);

/* Load the filter into the calling process (the container init). When any rule (or the default)
   uses SCMP_ACT_NOTIFY, *ret_notify_fd receives the listener fd (O_CLOEXEC), else -1. */
int seccomp_install (const struct seccomp_config *cfg, int *ret_notify_fd, ecirun_error_t *err);

bool seccomp_uses_notify (const struct seccomp_config *cfg);

/* NULL-terminated static lists, for `ecirun features`. */
const char *const *seccomp_known_actions (void);
const char *const *seccomp_known_operators (void);
const char *const *seccomp_known_archs (void);
const char *const *seccomp_known_flags (void);

#endif
