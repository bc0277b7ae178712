/* Internals shared by the FUSE server (pe_server.c) and its /proc/sys part (pe_sysctlfs.c). */
#ifndef PE_SERVER_H
#define PE_SERVER_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include "pe_sysctl.h"
#include "procemul.h"

/* Inode numbers: the static tree below PE_INO_SYSCTL, then one per /proc/sys path met. */
#define PE_INO_SYSCTL       1000 /* proc/sys itself; + n: the n-th interned path */
#define PE_SYSCTL_NODES_MAX 65536

/* How long the kernel may cache what lookup and getattr say. The static tree never changes;
   /proc/sys follows the container's namespaces (net/ipv4/conf/<device> comes and goes). */
#define PE_STATIC_TIMEOUT 86400.0
#define PE_SYSCTL_TIMEOUT 1.0

struct pe_snode
{
  char *path; /* below /proc/sys; "" is /proc/sys itself */
  enum pe_sysctl_class cls;
  const struct pe_sysctl *entry; /* PE_SYSCTL_VIRTUAL */
};

struct pe_dirent
{
  char *name;
  fuse_ino_t ino;
  mode_t type; /* S_IFDIR / S_IFREG */
};

/* What an open file or directory holds. */
struct pe_handle
{
  enum
  {
    PE_H_BUF,    /* a rendered snapshot */
    PE_H_FD,     /* a sysctl of the container's namespaces, read-only: read as it is */
    PE_H_VIRT,   /* a virtualised sysctl: snapshot for reads, writes validated and kept */
    PE_H_HELPER, /* a sysctl of its namespaces open for writing: writes through the helper */
    PE_H_DIR,
  } kind;
  char *data;
  size_t len;
  int fd;
  size_t snode;
  struct pe_dirent *ents;
  size_t nents;
};

struct procemul_server
{
  struct fuse_session *se;
  int fuse_fd;
  int stop_efd; /* wakes the ticker */
  atomic_bool stopping, running;
  pthread_t thread; /* the one in procemul_server_run */
  cpu_set_t pinned; /* its affinity: the container's CPUs */
  struct pe_collect *collect;
  unsigned groups;
  uid_t uid;
  gid_t gid;
  int pidfd;
  pid_t init_pid;
  int nsfd_user, nsfd_pid; /* the container's, or -1 when they are the server's own */
  int sysfd;               /* the host's /proc/sys (O_PATH) */
  struct timespec start;
  struct pe_sysctl_store store;
  struct pe_snode *snodes;
  size_t nsnodes, snodes_cap;
  size_t *hash; /* open addressing over snodes: index + 1, 0 free */
  size_t hash_cap;
  bool failed; /* the connection broke */
};

void pe_handle_free (struct pe_handle *h);
void pe_fill_attr (struct procemul_server *s, struct stat *st, fuse_ino_t ino, mode_t mode,
                   off_t size);

/* /proc/sys (pe_sysctlfs.c); idx = ino - PE_INO_SYSCTL. */
int pe_sysctlfs_init (struct procemul_server *s, const char *host_sysctl, ecirun_error_t *err);
void pe_sysctlfs_free (struct procemul_server *s);
int pe_sysctlfs_lookup (struct procemul_server *s, size_t parent, const char *name,
                        struct fuse_entry_param *e);
int pe_sysctlfs_getattr (struct procemul_server *s, size_t idx, struct stat *st);
int pe_sysctlfs_opendir (struct procemul_server *s, size_t idx, struct pe_handle *h);
int pe_sysctlfs_open (struct procemul_server *s, size_t idx, int flags, struct pe_handle *h);
/* Returns the bytes taken or -errno. */
ssize_t pe_sysctlfs_write (struct procemul_server *s, struct pe_handle *h, const char *buf,
                           size_t size, off_t off);

#endif
