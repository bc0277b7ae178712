/* Pseudo-terminals: created in the container, the master handed over --console-socket or
   proxied by `ecirun run`. */
#ifndef ECIRUN_TERMINAL_H
#define ECIRUN_TERMINAL_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"

/* In the init: open a pty from the container's /dev/ptmx. */
int terminal_open_pty (int *ret_master, char **ret_slave_path, ecirun_error_t *err);
/* In the init: make the slave the controlling terminal and stdin/stdout/stderr. */
int terminal_make_controlling (const char *slave_path, ecirun_error_t *err);
/* In the init, once it is in its final (locked) mount namespace: stdin/stdout/stderr opened
   again there, so that /proc/self/fd/0 names /dev/pts/N of the container's own mounts. */
int terminal_reopen_stdio (const char *slave_path, ecirun_error_t *err);
int terminal_set_size (int fd, unsigned rows, unsigned cols, ecirun_error_t *err);
/* Connect to a --console-socket; the fd is then passed to terminal_send_master. */
int terminal_connect_socket (const char *path, ecirun_error_t *err);
int terminal_send_master (int sock, int master, ecirun_error_t *err);
/* `run` in the foreground with a terminal: copy between our stdio and the master until the
   container exits (pidfd becomes readable); forwards SIGWINCH as a resize. */
int terminal_proxy (int master, int pidfd, ecirun_error_t *err);

#endif
