/* OCI hooks: run with the state JSON on stdin, with env, args and timeout. */
#ifndef ECIRUN_HOOKS_H
#define ECIRUN_HOOKS_H

#include "config.h"
#include "error.h"

/* Run every hook of `kind` in order; the first failure (exec error, non-zero exit, killed, or
   timeout) stops and returns -1 with a message naming the hook kind, index, path and the
   reason (its stderr, when it wrote any, is appended, trimmed). */
int hooks_run (const struct hook_list *hooks, enum hook_kind kind, const char *state_json,
               ecirun_error_t *err);

#endif
