/* Paths inside a container rootfs, resolved without ever leaving it (DESIGN.md §5): openat2
   with RESOLVE_IN_ROOT, and mkdir/create component by component below an fd. */
#ifndef ECIRUN_FS_H
#define ECIRUN_FS_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"

/* Open path (absolute or relative, interpreted inside rootfd) with symlinks resolved as if
   rootfd were "/". flags as for openat (O_CLOEXEC is always added). */
int fs_open_in_root (int rootfd, const char *path, int flags, mode_t mode, ecirun_error_t *err);

/* Make sure path exists inside rootfd, creating missing directories (mode 0755) and, when
   `file` is true, the last component as an empty regular file. Returns an O_PATH fd on it. */
int fs_create_in_root (int rootfd, const char *path, bool file, mode_t mode, ecirun_error_t *err);

/* "/proc/self/fd/N" for mount(2) targets and sources. buf must hold 32 bytes. */
const char *fs_fd_path (int fd, char *buf);

/* Copy what is in the directory src into the directory dst: directories, files, symlinks and
   fifos with their owners, modes and times (tmpcopyup); nothing is followed. */
int fs_copy_tree (int src, int dst, ecirun_error_t *err);

#endif
