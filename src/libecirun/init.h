/* The container init: everything that runs in the cloned child, from the namespaces it was
   born in to execve of the workload. It never prints: errors and warnings go to the parent
   over the sync socket. */
#ifndef ECIRUN_INIT_H
#define ECIRUN_INIT_H

#include <stdbool.h>
#include "config.h"

struct init_args
{
  const struct oci_config *config;
  const char *rootfs; /* absolute host path */
  int sync_fd;
  int fifo_fd; /* O_PATH on exec.fifo */
  int preserve_fds;
  bool no_pivot;
  bool want_console; /* create a pty and send its master to the parent */
  int ns_new;        /* CLONE_NEW* namespaces created for this container (clone + unshare) */
  int ns_joined;     /* CLONE_NEW* namespaces joined by path */
  bool vet_mounts;   /* install ecirun's mount-vetting filter and send its listener */
};

/* Never returns: execs the workload or exits non-zero after reporting the error. */
__attribute__ ((noreturn)) void init_run (const struct init_args *a);

/* A process started by `exec`, already in the container's namespaces and cgroup. */
struct exec_child_args
{
  const struct process_config *process;
  const struct linux_config *linux_cfg;
  int sync_fd;
  int preserve_fds;
  bool want_console;
  bool in_userns;
  bool vet_mounts;
};
__attribute__ ((noreturn)) void init_exec_process (const struct exec_child_args *a);

#endif
