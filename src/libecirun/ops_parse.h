/* Pure helpers of the ps and update commands (unit-tested alone). */
#ifndef ECIRUN_OPS_PARSE_H
#define ECIRUN_OPS_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"

/* A memory size as runc's update takes it (go-units RAMInBytes): a decimal number, optionally
   with a fraction and one space, then an optional binary unit k, m, g, t or p (any case), which
   may be followed by "b" or "ib"; or a plain "b". "-1" is not a size (callers handle it).
   Negative, junk, and values beyond int64 are errors naming the value. */
int parse_ram_in_bytes (const char *s, int64_t *ret, ecirun_error_t *err);

/* Keep, from the text output of ps(1), the header and the rows whose PID column (found by
   name in the header) is one of pids. Fails when the header has no PID column. */
int ps_filter_output (const char *output, const pid_t *pids, size_t n_pids, char **ret,
                      ecirun_error_t *err);

#endif
