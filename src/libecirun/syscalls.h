/* Thin wrappers for kernel APIs glibc 2.36 does not wrap (or wraps only partly). */
#ifndef ECIRUN_SYSCALLS_H
#define ECIRUN_SYSCALLS_H

#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <linux/mount.h>
#include <linux/sched.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static inline int
sys_open_tree (int dfd, const char *path, unsigned flags)
{
  return syscall (SYS_open_tree, dfd, path, flags);
}

static inline int
sys_move_mount (int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags)
{
  return syscall (SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

static inline int
sys_mount_setattr (int dfd, const char *path, unsigned flags, struct mount_attr *attr)
{
  return syscall (SYS_mount_setattr, dfd, path, flags, attr, sizeof (*attr));
}

static inline int
sys_fsopen (const char *fsname, unsigned flags)
{
  return syscall (SYS_fsopen, fsname, flags);
}

static inline int
sys_fsconfig (int fd, unsigned cmd, const char *key, const void *value, int aux)
{
  return syscall (SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int
sys_fsmount (int fd, unsigned flags, unsigned attr_flags)
{
  return syscall (SYS_fsmount, fd, flags, attr_flags);
}

static inline int
sys_pidfd_open (pid_t pid, unsigned flags)
{
  return syscall (SYS_pidfd_open, pid, flags);
}

static inline int
sys_pidfd_send_signal (int pidfd, int sig)
{
  return syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static inline pid_t
sys_clone3 (struct clone_args *args)
{
  return syscall (SYS_clone3, args, sizeof (*args));
}

static inline int
sys_close_range (unsigned first, unsigned last, unsigned flags)
{
  return syscall (SYS_close_range, first, last, flags);
}

static inline int
sys_pivot_root (const char *new_root, const char *put_old)
{
  return syscall (SYS_pivot_root, new_root, put_old);
}

#endif
