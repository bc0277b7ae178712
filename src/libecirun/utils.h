/* Small helpers shared by every module: scope-bound cleanup, allocation, whole-file I/O. */
#ifndef ECIRUN_UTILS_H
#define ECIRUN_UTILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <sys/types.h>
#include "error.h"

void cleanup_freep (void *p);
void cleanup_closep (int *fd);
void cleanup_filep (FILE **f);
void cleanup_dirp (DIR **d);
void cleanup_strvp (char ***v);

#define cleanup_free  __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))
#define cleanup_file  __attribute__ ((cleanup (cleanup_filep)))
#define cleanup_dir   __attribute__ ((cleanup (cleanup_dirp)))
#define cleanup_strv  __attribute__ ((cleanup (cleanup_strvp)))

/* Hand ownership over: evaluate to the value and reset the variable. */
#define TAKE_PTR(p)                                                                                \
  ({                                                                                               \
    __typeof__ (p) _taken = (p);                                                                   \
    (p) = NULL;                                                                                    \
    _taken;                                                                                        \
  })
#define TAKE_FD(fd)                                                                                \
  ({                                                                                               \
    int _taken = (fd);                                                                             \
    (fd) = -1;                                                                                     \
    _taken;                                                                                        \
  })

#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

void *xmalloc0 (size_t size);
void *xrealloc (void *p, size_t size);
char *xstrdup (const char *s);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
void strv_free (char **v);
size_t strv_len (char *const *v);
/* A malloc'd copy of a NULL-terminated vector (an empty one for NULL). */
char **strv_dup (const char *const *v);

/* Read a whole file (at most max_size bytes, 0 = no limit), NUL-terminated. */
int read_file_at (int dirfd, const char *path, char **ret_buf, size_t *ret_len, size_t max_size,
                  ecirun_error_t *err);
/* Write a whole file, creating it with mode (truncating an existing one). */
int write_file_at (int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                   ecirun_error_t *err);
/* Write to a temp file in the same directory, fsync, then rename over path. */
int write_file_atomic_at (int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                          ecirun_error_t *err);
int write_all (int fd, const void *buf, size_t len);
ssize_t read_all (int fd, void *buf, size_t len);

/* Write pid to path atomically (temp file + rename), as runc's --pid-file. */
int write_pid_file (const char *path, pid_t pid, ecirun_error_t *err);
/* mkdir -p for a host path (runtime side only: never for paths under a container rootfs). */
int mkdir_p (const char *path, mode_t mode, ecirun_error_t *err);
/* rm -rf below dirfd/name without following symlinks and without crossing mount points. */
int remove_tree_at (int dirfd, const char *name, ecirun_error_t *err);

/* The current time as RFC 3339 with nanoseconds, UTC ("2026-01-02T03:04:05.123456789Z"). */
void format_rfc3339_now (char *buf, size_t len);
/* sendmsg of data with fd attached as SCM_RIGHTS (none when fd < 0), MSG_NOSIGNAL, retried on
   EINTR. */
ssize_t send_with_fd (int sock, const void *data, size_t len, int fd);
/* recvmsg of up to len bytes and at most one fd (O_CLOEXEC; *ret_fd -1 when none came),
   retried on EINTR. */
ssize_t recv_with_fd (int sock, void *data, size_t len, int *ret_fd);

/* Parse a whole decimal number, rejecting junk and overflow. */
int parse_u64 (const char *s, uint64_t *ret);
int parse_i64 (const char *s, int64_t *ret);

/* Start time of a process (field 22 of /proc/PID/stat), 0 when it does not exist; sets
 *ret_zombie when it is a zombie. */
unsigned long long proc_start_time (pid_t pid, bool *ret_zombie);

#endif
