/* The contract between `ecirun create`/`exec` and the container's sidecar, ecirun-fsd:
   its command line, the descriptors it inherits, the files it reads in the container's state
   directory, and the message `exec` sends it. */
#ifndef ECIRUN_FSD_PROTO_H
#define ECIRUN_FSD_PROTO_H

#include <stdint.h>

#define FSD_BINARY "ecirun-fsd"

/* argv: ecirun-fsd <container id> <state directory> */

/* Inherited descriptors, nothing else open but stdio (/dev/null). */
#define FSD_FD_INIT     3 /* pidfd of the container init: the sidecar exits when it exits */
#define FSD_FD_LISTENER 4 /* the init's mount-vetting seccomp listener */
#define FSD_FD_READY                                                                               \
  5 /* pipe: the sidecar writes FSD_READY_OK, or one error line, then                              \
       closes it */
#define FSD_READY_OK "ok\n"

/* In the state directory, written by create before the sidecar starts: one directive a line,
     masked <container path>      linux.maskedPaths
     readonly <container path>    linux.readonlyPaths
     readonly-fs proc|sysfs       the container's own /proc or /sys is mounted read-only
   Paths with a newline are left out (create refuses nothing for it: they mask nothing the new
   proc or sysfs has). */
#define FSD_CONF "fsd.conf"

/* A SOCK_SEQPACKET socket in the state directory (0600, host root only): `exec` hands the
   listener of each process it starts over it, one message of struct fsd_exec_msg with the fd
   (SCM_RIGHTS). */
#define FSD_SOCKET "fsd.sock"
struct fsd_exec_msg
{
  uint32_t version; /* FSD_EXEC_VERSION */
  int32_t pid;      /* the exec'd process, host pid */
};
#define FSD_EXEC_VERSION 1

#endif
