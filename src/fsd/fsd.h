/* ecirun-fsd, the container's sidecar: its modules' interfaces. One process per container,
   single-threaded; every vetted call is worked in a helper process forked for it (helper.c),
   which becomes the caller (caller.c) and performs the call, or builds a proc or sysfs for it
   (kernfs.c), as the pure rules of vet.c decide. */
#ifndef ECIRUN_FSD_H
#define ECIRUN_FSD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/seccomp.h>
#include "error.h"
#include "vetting_abi.h"

/* --- conf.c: fsd.conf (fsd_proto.h) --- */
struct fsd_conf
{
  char **masked; /* container paths */
  size_t n_masked;
  char **readonly;
  size_t n_readonly;
  bool proc_ro, sys_ro;
};
int conf_parse (const char *text, struct fsd_conf *ret, ecirun_error_t *err);
int conf_load (int dirfd, struct fsd_conf *ret, ecirun_error_t *err);

/* --- vet.c: the pure rules --- */

/* One mount(2) or umount2(2) as the caller made it, its strings copied out of its memory. */
struct mount_req
{
  enum vetting_call call;
  const char *source, *target, *fstype; /* NULL where the caller passed NULL */
  unsigned long flags;                  /* mount flags, or umount2 flags */
  char *data;                           /* NULL, or a page (page_size bytes, NUL after) */
  size_t data_len;                      /* bytes copied from the caller (<= page size) */
};

/* The file system types the host knows (/proc/filesystems) and which need a block device. */
struct fs_types
{
  char *text; /* the file, parsed in place */
};
bool fs_types_known (const struct fs_types *t, const char *name, bool *ret_needs_dev);

enum vet_verdict
{
  VET_PERFORM, /* do it as the caller, in its namespaces and with its credentials */
  VET_PROCFS,  /* a new procfs: built where it is not "too revealing", masked, attached */
  VET_SYSFS,   /* the same for sysfs */
  VET_REFUSE,  /* answer *ret_errno */
};
enum vet_verdict vet_request (const struct mount_req *r, const struct fs_types *t, int *ret_errno);

/* An ID range of a user namespace: [inside, inside + count) is [outside, outside + count) of
   the host. */
struct id_range
{
  uint32_t inside, outside, count;
};
#define ID_RANGES_MAX 340 /* the kernel's limit of lines in uid_map */
struct id_map
{
  struct id_range r[ID_RANGES_MAX];
  size_t n;
};
int id_map_parse (const char *text, struct id_map *ret);
/* The namespace's ID for a host ID; false when it has none. */
bool id_map_to_inside (const struct id_map *m, uint32_t host, uint32_t *ret);
bool id_map_to_host (const struct id_map *m, uint32_t inside, uint32_t *ret);

/* Remount options naming host IDs: "uid=N"/"gid=N" where N is no ID of the namespace but the
   host ID behind one (how tmpfs shows them in mountinfo, and busybox and util-linux pass them
   back) become the namespace's ID. Returns a malloc'd string, or NULL when nothing changes. */
char *vet_translate_ids (const char *opts, const struct id_map *uids, const struct id_map *gids);

/* The value of option key in a comma-separated list, as a number; false when absent or not a
   number. And the list with that option's value replaced (malloc'd). */
bool opts_get_uint (const char *opts, const char *key, unsigned long *ret);
char *opts_replace (const char *opts, const char *key, const char *value);

/* mount(2) flags to mount_setattr/fsmount MOUNT_ATTR_* flags of a new mount. */
unsigned vet_mount_attrs (unsigned long flags);

/* --- caller.c: the process that made the call --- */
enum caller_ns
{
  CALLER_NS_MNT,
  CALLER_NS_PID,
  CALLER_NS_NET,
  CALLER_NS_IPC,
  CALLER_NS_UTS,
  CALLER_NS_CGROUP,
  CALLER_NS_USER,
  CALLER_NS__MAX,
};

struct caller
{
  pid_t tid;
  int procdir; /* /proc/<tid> of the host: pins the task; closed once loaded */
  /* Loaded by caller_load, host IDs as /proc shows them to the sidecar. */
  pid_t tgid;
  uid_t uid[4]; /* real, effective, saved, fs */
  gid_t gid[4];
  gid_t *groups;
  size_t n_groups;
  uint64_t cap_inh, cap_prm, cap_eff;
  struct id_map uid_map, gid_map;
  int ns[CALLER_NS__MAX]; /* -1 when it is the sidecar's own */
  int root, cwd;          /* O_PATH */
  /* Copies of its open descriptors (fd numbers as the caller has them), kept from fd_base on
     until caller_install_fds puts each at its own number: paths such as /proc/self/fd/N,
     /dev/fd/N and FUSE's fd=N then mean for the helper what they mean for the caller. */
  struct caller_fd
  {
    int num, copy;
  } * fds;
  size_t n_fds;
  int fd_base; /* the lowest copy: everything below it is closed at the install */
  int fd_top;  /* above every copy: where a helper keeps what it needs past the install */
};

/* Once, in the sidecar: its own namespaces, to tell the caller's apart. */
int caller_init (ecirun_error_t *err);
int caller_open (struct caller *c, pid_t tid, ecirun_error_t *err);
/* Copy a NUL-terminated string of at most size - 1 bytes from the caller's memory (addr 0:
 *ret_null). Fails with EFAULT, or ENAMETOOLONG when it does not fit. */
int caller_read_string (struct caller *c, uint64_t addr, char *buf, size_t size, bool *ret_null,
                        ecirun_error_t *err);
/* Copy up to size bytes as the kernel copies mount data: at least the bytes up to the end of
   addr's page, the rest of the page as far as it is readable. */
int caller_read_data (struct caller *c, uint64_t addr, char *buf, size_t size, size_t *ret_len,
                      ecirun_error_t *err);
/* Credentials, ID maps, namespaces, root, cwd and descriptors; closes procdir. */
int caller_load (struct caller *c, ecirun_error_t *err);
/* Enter one of its namespaces (nothing when it is ours; the user namespace always differs). */
int caller_setns (struct caller *c, enum caller_ns ns, ecirun_error_t *err);
/* chroot to its root and chdir to its cwd (in its mount namespace). */
int caller_enter_root (struct caller *c, ecirun_error_t *err);
/* Its IDs (of its user namespace, which we are in), groups, fs IDs and capabilities. Groups
   are set while still host root (caller_set_groups), before entering the user namespace. */
int caller_set_groups (struct caller *c, ecirun_error_t *err);
int caller_become (struct caller *c, ecirun_error_t *err);
/* Last step before the call, in the caller's pid namespace (so that /proc/self is the
   helper): every descriptor below fd_base is closed, the copies go to their numbers. Plain
   system calls only (it runs in a CLONE_VM child); -1 with errno on failure. */
int caller_install_fds (const struct caller *c);

/* Non-dumpable (again after every credential change) and killed with the parent. */
int fsd_harden (ecirun_error_t *err);

/* --- perform.c, kernfs.c: the work of a helper; both return 0 or the errno to answer --- */
int perform_call (const struct mount_req *r, struct caller *c);
int kernfs_mount (const struct mount_req *r, struct caller *c, const struct fsd_conf *conf,
                  const char *workdir, bool sysfs);

/* --- helper.c, loop.c --- */
struct fsd
{
  const char *id;
  const char *state_dir;
  int dirfd;
  int init_pidfd;
  int sock; /* exec'd processes' listeners arrive here */
  struct fsd_conf conf;
  struct fs_types fstypes;
  struct seccomp_notif_sizes sizes;
  size_t page_size;
};

/* The helper's whole life: never returns; exits with the errno to answer (0: success). */
__attribute__ ((noreturn)) void helper_run (struct fsd *f, int listener,
                                            const struct seccomp_notif *n);

int fsd_loop (struct fsd *f, int first_listener, ecirun_error_t *err);

#endif
