/* The I/O half of proc-emul: reads the host's files and the container's cgroup files (v1 or
   v2, detected per controller from what exists) into the structs of pe_render.h and renders
   one emulated file. Every file is opened once and re-read with pread at offset 0, which
   regenerates procfs, sysfs and cgroup files; each render reads each file it needs once. */
#ifndef PE_COLLECT_H
#define PE_COLLECT_H

#include <stdint.h>
#include <sys/types.h>
#include "error.h"
#include "pe_buf.h"
#include "pe_render.h"

struct pe_collect_config
{
  /* The container's cgroup: its cgroup2 directory and/or its directory in each v1
     hierarchy (NULL: that controller is not used). A controller's v1 directory wins over
     cgroup2 files. */
  const char *v2;
  const char *memory, *cpu, *cpuacct, *cpuset, *blkio, *pids;
  /* Where to stop looking for tighter limits up the tree (v2 memory.max, memory.swap.max,
     cpu.max; v1 cpu.cfs_quota_us): the hierarchy's mount point. NULL: up to the top of the
     cgroup file system the directory is on. */
  const char *v2_root, *cpu_root;
  /* The host's files: host_proc holds meminfo, stat, cpuinfo, diskstats ("/proc");
     cpu_online is /sys/devices/system/cpu/online. NULL: those defaults. */
  const char *host_proc, *cpu_online;
  /* Where tasks' stat files are (loadavg): "/proc" (NULL: host_proc). */
  const char *task_proc;
  uint64_t start_ns; /* CLOCK_BOOTTIME at the container's start (its init's start time) */
  const char *id;    /* the container id (product_uuid) */
};

/* What the server serves; the paths are relative to the FUSE root. */
enum pe_file
{
  PE_FILE_MEMINFO,
  PE_FILE_CPUINFO,
  PE_FILE_STAT,
  PE_FILE_UPTIME,
  PE_FILE_LOADAVG,
  PE_FILE_SWAPS,
  PE_FILE_DISKSTATS,
  PE_FILE_CPU_ONLINE,
  PE_FILE_PRODUCT_UUID,
  PE_FILE__MAX,
};

/* A collector belongs to one thread (its file buffers are reused), except for
   pe_collect_tasks and pe_collect_load_sample, which another thread may call too. */
struct pe_collect;
int pe_collect_new (const struct pe_collect_config *cfg, struct pe_collect **ret,
                    ecirun_error_t *err);
void pe_collect_free (struct pe_collect *c);

/* Render the current text of one file into out (appended). -errno when a host file it needs
   cannot be read. */
int pe_collect_render (struct pe_collect *c, enum pe_file f, struct pe_buf *out);

/* The inputs, for sysinfo(2) and the tests. */
int pe_collect_mem (struct pe_collect *c, struct pe_host_meminfo *ret_host, struct pe_mem *ret);
int pe_collect_cpuview (struct pe_collect *c, struct pe_cpuview *ret);
/* The container's tasks (every cgroup below its own): how many, how many running (R), how
   many count for the load (R and D), the highest pid. */
struct pe_tasks
{
  unsigned total, running, active, last_pid;
};
int pe_collect_tasks (struct pe_collect *c, struct pe_tasks *ret);
/* The cgroup directories of process pid (its /proc/PID/cgroup on the cgroup mounts of this
   mount namespace), for a server that is not told them. */
struct pe_discovered
{
  char *v2, *v2_root, *memory, *cpu, *cpu_root, *cpuacct, *cpuset, *blkio, *pids;
};
int pe_collect_discover (pid_t pid, struct pe_discovered *ret, ecirun_error_t *err);
void pe_discovered_apply (const struct pe_discovered *d, struct pe_collect_config *cfg);
void pe_discovered_release (struct pe_discovered *d);

/* Take a load sample now (every PE_LOAD_FREQ_NS); returns the ns until the next is due. */
uint64_t pe_collect_load_sample (struct pe_collect *c);

#endif
