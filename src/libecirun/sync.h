/* The handshake between `ecirun create` and the container init over a SOCK_SEQPACKET pair:
   named stages, each message one datagram, an optional payload and an optional fd. */
#ifndef ECIRUN_SYNC_H
#define ECIRUN_SYNC_H

#include <stddef.h>
#include <sys/types.h>
#include "error.h"

enum sync_stage
{
  SYNC_INIT_PID = 1, /* intermediate -> parent: payload is the init's pid */
  SYNC_ROOTFS_FD,    /* parent -> init: fd the rootfs directory, opened in the init's mounts */
  SYNC_MOUNT_FD,     /* parent -> init: payload is a mount index (-1: rootfs), fd its tree */
  SYNC_OVERLAY,      /* parent -> init: fd the ID-mapped layers, payload the overlay options */
  SYNC_OVERLAY_DIR,  /* parent -> init: payload a mount index, fd the next directory its
                        overlay options name */
  SYNC_DEVICE_FD,    /* parent -> init: fd a device node's tree, payload its path */
  SYNC_MAPPED,       /* parent -> init: id maps written, cgroup joined */
  SYNC_TIMENS,       /* init -> parent: time namespace unshared, write offsets */
  SYNC_TIMENS_DONE,  /* parent -> init */
  SYNC_MOUNTS_DONE,  /* init -> parent: namespaces and mounts ready, run createRuntime hooks */
  SYNC_HOOKS_DONE,   /* parent -> init */
  SYNC_CONSOLE_FD,   /* init -> parent: fd is the pty master */
  SYNC_SECCOMP_FD,   /* init -> parent: fd is the seccomp listener */
  SYNC_VETTING_FD,   /* init -> parent: fd is ecirun's mount-vetting listener, for the sidecar */
  SYNC_FD_RECEIVED,  /* parent -> init */
  SYNC_WARNING,      /* init -> parent: payload is a message to log */
  SYNC_LOCK_MOUNTS,  /* init -> parent: mounts final, make the locked copy of the namespace */
  SYNC_MNTNS_FD,     /* parent -> init: fd is the locked mount namespace to enter */
  SYNC_HOST_FS,      /* init -> parent: --no-pivot, payload the rootfs's mount ID: send the
                        host's proc and sysfs mounts to cover */
  SYNC_HOST_FS_FD,   /* parent -> init: fd one of them, payload its mount point */
  SYNC_HOST_FS_END,  /* parent -> init: no more of them */
  SYNC_READY,        /* init -> parent: about to block on exec.fifo */
  SYNC_ERROR,        /* either way: payload is the error message */
};
const char *sync_stage_name (enum sync_stage s);

struct sync_msg
{
  enum sync_stage stage;
  char payload[32768]; /* NUL-terminated */
  int fd;              /* -1 when none */
};

int sync_send (int sock, enum sync_stage stage, const char *payload, int fd, ecirun_error_t *err);
/* Receive one message. EOF is reported as an error ("peer exited"). */
int sync_recv (int sock, struct sync_msg *ret, ecirun_error_t *err);
/* Receive and require `stage`; SYNC_ERROR from the peer becomes this side's error, other
   stages an "unexpected stage" error. */
int sync_expect (int sock, enum sync_stage stage, struct sync_msg *ret, ecirun_error_t *err);

#endif
