/* File descriptors: the ones the caller handed ecirun (--preserve-fds), and closing everything
   else of the runtime's before a container process touches container paths. */
#ifndef ECIRUN_FDS_H
#define ECIRUN_FDS_H

#include <stdbool.h>
#include <stddef.h>
#include "error.h"

/* Record, by identity, the descriptors above stdio that the process was started with. Called
   first thing in main, before the runtime opens anything of its own. */
void fds_record_inherited (void);

/* --preserve-fds n: fds 3 .. 2+n must all be descriptors the caller passed (and still the same
   files), so that none of the runtime's own can sit in that range. */
int fds_check_preserved (int n, ecirun_error_t *err);

/* close_range(from, last), or mark them close-on-exec; one by one when close_range is not
   there or a seccomp profile refuses it. -1 with errno. */
int fds_close_range (unsigned from, unsigned last, bool cloexec);

/* Close every descriptor from `first` on except those in keep (-1 entries are ignored). */
int fds_close_from (int first, const int *keep, size_t n_keep, ecirun_error_t *err);

#endif
