/* proc-emul's FUSE server: the container's view of portions of /proc and /sys, rendered from its
   cgroup at each open. This is the interface the sidecar (ecirun-fsd) calls; README.md in this
   directory describes the process and thread model.

   The server serves, relative to the root of the FUSE mount:
     proc/{meminfo,cpuinfo,stat,uptime,loadavg,swaps,diskstats}
     proc/sys/...                          the container's /proc/sys (pe_sysctl.h)
     sys/devices/system/cpu/online
     sys/devices/virtual/dmi/id/product_uuid
     sys/kernel/{security,debug,tracing,config}   empty directories
   Files of a group that is switched off are absent (lookups fail with ENOENT). */
#ifndef PROCEMUL_H
#define PROCEMUL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"
#include "pe_collect.h"

/* The groups of emulated files, one policy switch each (docs/policy.md, "emulation"). */
enum procemul_group
{
  PROCEMUL_MEMORY = 1 << 0,     /* proc/meminfo, proc/swaps (and sysinfo's memory, swap) */
  PROCEMUL_CPU = 1 << 1,        /* proc/cpuinfo, proc/stat, sys/devices/system/cpu/online */
  PROCEMUL_UPTIME = 1 << 2,     /* proc/uptime (and sysinfo's uptime) */
  PROCEMUL_LOADAVG = 1 << 3,    /* proc/loadavg (and sysinfo's loads, procs) */
  PROCEMUL_DISKSTATS = 1 << 4,  /* proc/diskstats */
  PROCEMUL_SYSCTL = 1 << 5,     /* proc/sys */
  PROCEMUL_SYS_KERNEL = 1 << 6, /* sys/kernel/{security,debug,tracing,config} */
  PROCEMUL_DMI = 1 << 7,        /* sys/devices/virtual/dmi/id/product_uuid */
  PROCEMUL_ALL = (1 << 8) - 1,
};

struct procemul_config
{
  const char *id; /* the container id */
  /* The container's init: a pidfd (required; the server enters its network, IPC and UTS
     namespaces, and its user and pid namespaces in short-lived helpers for user.* and
     kernel.ns_last_pid) and its pid in the server's pid namespace (its start time is the
     container's boot time). */
  int init_pidfd;
  pid_t init_pid;
  /* The container's cgroup (and, for the tests, other host files): pe_collect.h. id and
     start_ns are filled by the server. */
  struct pe_collect_config cgroup;
  /* Owner of every file and directory, as the FUSE connection's user namespace names IDs
     (0 when the mount belongs to the container's user namespace). */
  uid_t uid;
  gid_t gid;
  unsigned groups;         /* enum procemul_group bits; 0 means PROCEMUL_ALL */
  const char *host_sysctl; /* the host's /proc/sys (NULL: "/proc/sys") */
};

struct procemul_server;

/* A server over fuse_fd, an open /dev/fuse already mounted (procemul_mount, or the sidecar's
   own fsopen/fsmount). The server owns fuse_fd from then on, also when this fails. */
int procemul_server_new (const struct procemul_config *cfg, int fuse_fd,
                         struct procemul_server **ret, ecirun_error_t *err);
/* Serve in the calling thread until procemul_server_stop, the mount goes away (0), or the
   connection breaks (an error). The calling thread enters the container's network, IPC and
   UTS namespaces first (it must be a thread of its own: no other work of the caller may run
   in it). Requests are answered one at a time; none of them waits for the container. run
   starts one more thread, the ticker, which samples the load every 5 s, and joins it before
   it returns. The serving thread blocks in read(2) on /dev/fuse (one syscall per request, no
   poll); stop interrupts it with PROCEMUL_WAKE_SIGNAL, for which run installs a handler that
   does nothing (the caller must not use that signal otherwise). */
#define PROCEMUL_WAKE_SIGNAL (SIGRTMIN + 3)
int procemul_server_run (struct procemul_server *s, ecirun_error_t *err);
/* Make run return soon: from any thread or a signal handler. */
void procemul_server_stop (struct procemul_server *s);
void procemul_server_free (struct procemul_server *s);

/* Open /dev/fuse and mount it on target (a directory): fuse, allow_other, default_permissions,
   owner uid/gid, nosuid, nodev, noexec. Returns the /dev/fuse fd, or -1. For the test program
   and for a sidecar that mounts from the host's side. */
int procemul_mount (const char *target, uid_t uid, gid_t gid, ecirun_error_t *err);

#endif
