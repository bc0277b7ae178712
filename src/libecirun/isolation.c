#include <config.h>
#include "isolation.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include "fs.h"
#include "mountinfo.h"
#include "nsjoin.h"
#include "sync.h"
#include "syscalls.h"
#include "utils.h"

static int
same_inode (int fd, const char *path)
{
  struct stat a, b;
  return fstat (fd, &a) == 0 && stat (path, &b) == 0 && a.st_ino == b.st_ino
         && a.st_dev == b.st_dev;
}

/* The helper of isolation_locked_mntns, forked: it never returns. */
static void
locked_mntns_child (int mnt, int user, int sock)
{
  int self = open ("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC), ns;
  const char *step = "open /proc/self";

  /* Into the init's namespace, a copy owned by the host's user namespace, then into the
     container's user namespace and a copy owned by it: that last copy is the locked one. */
  if (self < 0)
    goto fail;
  step = "setns to the container's mount namespace";
  if (setns (mnt, CLONE_NEWNS) < 0)
    goto fail;
  step = "unshare a mount namespace of the host's user namespace";
  if (unshare (CLONE_NEWNS) < 0)
    goto fail;
  step = "setns to the container's user namespace";
  if (setns (user, CLONE_NEWUSER) < 0)
    goto fail;
  step = "unshare a mount namespace of the container's user namespace";
  if (unshare (CLONE_NEWNS) < 0)
    goto fail;
  step = "open the new mount namespace";
  ns = openat (self, "ns/mnt", O_RDONLY | O_CLOEXEC);
  if (ns < 0)
    goto fail;
  _exit (sync_send (sock, SYNC_MNTNS_FD, NULL, ns, NULL) < 0 ? 2 : 0);
fail:
  {
    cleanup_free char *msg = xasprintf ("lock the mounts: %s: %s", step, strerror (errno));
    sync_send (sock, SYNC_ERROR, msg, -1, NULL);
  }
  _exit (1);
}

int
isolation_locked_mntns (pid_t init, ecirun_error_t *err)
{
  cleanup_free char *mnt_path = xasprintf ("/proc/%d/ns/mnt", (int)init);
  cleanup_free char *user_path = xasprintf ("/proc/%d/ns/user", (int)init);
  cleanup_close int mnt = open (mnt_path, O_RDONLY | O_CLOEXEC);
  cleanup_close int user = open (user_path, O_RDONLY | O_CLOEXEC);
  struct sync_msg m;
  int sp[2], r;
  pid_t pid;

  if (mnt < 0 || user < 0)
    return make_error (err, errno, "lock the mounts: open the init's namespaces");
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
    return make_error (err, errno, "lock the mounts: socketpair");
  pid = fork ();
  if (pid < 0)
    {
      close (sp[0]);
      close (sp[1]);
      return make_error (err, errno, "lock the mounts: fork");
    }
  if (pid == 0)
    {
      close (sp[0]);
      locked_mntns_child (mnt, user, sp[1]);
    }
  close (sp[1]);
  r = sync_expect (sp[0], SYNC_MNTNS_FD, &m, err);
  close (sp[0]);
  waitpid (pid, NULL, 0);
  if (r < 0)
    return -1;
  if (m.fd < 0)
    return make_error (err, 0, "lock the mounts: no namespace received");
  return m.fd;
}

/* The mount ID of an fd, and whether it is the root of that mount. */
static int
fd_mount_id (int fd, uint64_t *ret_id, bool *ret_is_root)
{
  struct statx sx;

  if (statx (fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) < 0)
    return -1;
  if (!(sx.stx_mask & STATX_MNT_ID))
    {
      errno = ENOSYS;
      return -1;
    }
  *ret_id = sx.stx_mnt_id;
  *ret_is_root = (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                 && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
  return 0;
}

/* Whether mount `id` lies in the tree of mount `top` (or is it), following parent IDs. */
static bool
in_mount_tree (const struct mountinfo_entry *mi, size_t n, int id, int top)
{
  for (size_t hops = 0; hops <= n; hops++)
    {
      size_t i;
      if (id == top)
        return true;
      for (i = 0; i < n && mi[i].id != id; i++)
        ;
      if (i == n || mi[i].parent == id)
        return false;
      id = mi[i].parent;
    }
  return false;
}

static int
send_host_mounts (const struct mountinfo_entry *mi, size_t n, int top, int root, int sync_fd,
                  ecirun_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    {
      const struct mountinfo_entry *e = &mi[i];
      cleanup_close int fd = -1;
      uint64_t id;
      bool is_root;

      /* Only full instances count for the kernel's check. */
      if (strcmp (e->fstype, "proc") != 0 && strcmp (e->fstype, "sysfs") != 0)
        continue;
      if (strcmp (e->root, "/") != 0 || in_mount_tree (mi, n, e->id, top))
        continue;
      fd = fs_open_in_root (root, e->mount_point, O_PATH | O_DIRECTORY, 0, NULL);
      if (fd < 0 && errno != ENOENT)
        return make_error (err, errno, "--no-pivot: open the host's %s mount at `%s`", e->fstype,
                           e->mount_point);
      if (fd < 0 || fd_mount_id (fd, &id, &is_root) < 0 || id != (uint64_t)e->id || !is_root)
        return make_error (err, 0,
                           "--no-pivot: the host's %s mount at `%s` is hidden by another "
                           "mount and cannot be covered (a new %s mount in the container "
                           "could reveal it); run without --no-pivot",
                           e->fstype, e->mount_point, e->fstype);
      if (sync_send (sync_fd, SYNC_HOST_FS_FD, e->mount_point, fd, err) < 0)
        return -1;
    }
  return sync_send (sync_fd, SYNC_HOST_FS_END, NULL, -1, err);
}

int
isolation_send_host_mounts (pid_t init, const char *rootfs_mount_id, int sync_fd,
                            ecirun_error_t *err)
{
  cleanup_free char *info = xasprintf ("/proc/%d/mountinfo", (int)init);
  cleanup_free char *root_path = xasprintf ("/proc/%d/root", (int)init);
  cleanup_close int root = open (root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct mountinfo_entry *mi = NULL;
  uint64_t top;
  size_t n = 0;
  int r;

  if (parse_u64 (rootfs_mount_id, &top) < 0 || top > INT32_MAX)
    return make_error (err, 0, "sync: bad rootfs mount ID `%s`", rootfs_mount_id);
  if (root < 0)
    return make_error (err, errno, "open the init's root");
  /* Read where the init sees them, opened the same way: through its root, before its pivot. */
  if (mountinfo_read (info, &mi, &n, err) < 0)
    return -1;
  r = send_host_mounts (mi, n, (int)top, root, sync_fd, err);
  mountinfo_free (mi, n);
  return r;
}

/* The host ID of container ID 0 in /proc/<pid>/<map>. */
static int
root_host_id (pid_t pid, const char *map, unsigned long long *ret)
{
  cleanup_free char *path = xasprintf ("/proc/%d/%s", (int)pid, map);
  cleanup_file FILE *f = fopen (path, "re");
  unsigned long long inside, outside, count;

  while (f && fscanf (f, "%llu %llu %llu", &inside, &outside, &count) == 3)
    if (inside == 0 && count > 0)
      {
        *ret = outside;
        return 0;
      }
  return -1;
}

int
isolation_root_host_ids (pid_t pid, uid_t *ret_uid, gid_t *ret_gid)
{
  unsigned long long uid, gid;

  if (root_host_id (pid, "uid_map", &uid) < 0 || root_host_id (pid, "gid_map", &gid) < 0)
    return -1;
  *ret_uid = uid;
  *ret_gid = gid;
  return 0;
}

/* A mapping a container may bring: one contiguous range from container ID 0, of any size,
   never host ID 0. */
static int
check_mapping (const char *what, const struct id_mapping *m, size_t n, ecirun_error_t *err)
{
  uint64_t total = 0;

  if (n == 0)
    return make_error (err, 0, "config.json: linux.%s is missing for the user namespace", what);
  for (size_t i = 0; i < n; i++)
    {
      if (i == 0 && m[0].container_id != 0)
        return make_error (err, 0, "config.json: linux.%s must start at container ID 0", what);
      if (i > 0
          && (m[i].container_id != m[i - 1].container_id + m[i - 1].size
              || m[i].host_id != m[i - 1].host_id + m[i - 1].size))
        return make_error (err, 0, "config.json: linux.%s must be one contiguous range", what);
      total += m[i].size;
    }
  /* Fewer IDs than a block is the engine's choice (userns-remap of a small range, runc's own
     tests): outside the pool and without host ID 0 it reaches nothing of anybody else's. */
  if (m[0].host_id == 0 || (uint64_t)m[0].host_id + total > UINT32_MAX + 1ULL)
    return make_error (err, 0,
                       "config.json: linux.%s maps host ID 0 (container root must never "
                       "be host root)",
                       what);
  return 0;
}

/* What sharing the host's namespace of type t would give a container, and what to do instead. */
static const struct
{
  const char *flag, *why, *instead;
} host_ns_words[NS__MAX] = {
  [NS_PID] = { "--pid=host", "the container would see and signal every process of the host",
               "--pid container:NAME of another ecirun container" },
  [NS_NETWORK] = { "--network=host",
                   "the container would reach the host's interfaces, ports and abstract unix "
                   "sockets (the engines' among them)",
                   "--network container:NAME of another ecirun container, or a network of the "
                   "engine" },
  [NS_IPC]
  = { "--ipc=host", "the container would share the host's shared memory and message queues",
      "--ipc container:NAME of another ecirun container (made with --ipc shareable)" },
  [NS_UTS] = { "--uts=host", "the container could change the host's hostname",
               "--hostname for a name of its own" },
  [NS_USER] = { "--userns=host", "container root would be host root",
                "nothing: every ecirun container has its own user namespace" },
  [NS_CGROUP] = { "--cgroupns=host", "the container would see the host's cgroup tree",
                  "the private cgroup namespace ecirun gives every container" },
  [NS_TIME] = { "a host time namespace", "the container would share the host's clocks",
                "a new time namespace" },
  [NS_MOUNT] = { "a host mount namespace", "the container would see the host's mounts",
                 "a new mount namespace" },
};

int
isolation_host_ns_error (enum ns_type t, const char *what, ecirun_error_t *err)
{
  return make_error (err, 0,
                     "host %s namespace is not allowed (%s): %s; ecirun gives every container "
                     "namespaces of its own. Use %s",
                     ns_type_name (t), what, host_ns_words[t].why, host_ns_words[t].instead);
}

/* The user namespace that owns the namespace `fd` (a user namespace is its own), refusing the
   host's. Returns an fd of it. */
static int
owning_userns (int fd, enum ns_type t, const char *path, ecirun_error_t *err)
{
  int o;

  if (t == NS_USER)
    {
      if (ioctl (fd, NS_GET_NSTYPE) != CLONE_NEWUSER)
        return make_error (err, 0, "user namespace `%s` is not a user namespace", path);
      o = fcntl (fd, F_DUPFD_CLOEXEC, 3);
    }
  else
    o = ioctl (fd, NS_GET_USERNS);
  if (o < 0 || same_inode (o, "/proc/self/ns/user"))
    {
      cleanup_free char *own = xasprintf ("/proc/self/ns/%s", ns_type_proc_name (t));
      cleanup_free char *what = NULL;
      if (o >= 0)
        close (o);
      /* The host's own namespace, or one the host's user namespace owns (a container of a
         runtime without user namespaces, such as runc, or a host process's). */
      if (same_inode (fd, own))
        {
          what = xasprintf ("%s: %s is the host's", host_ns_words[t].flag, path);
          return isolation_host_ns_error (t, what, err);
        }
      return make_error (err, 0,
                         "%s namespace `%s` belongs to the host's user namespace (a container of "
                         "another runtime, such as runc, or a host process), not to an ecirun "
                         "container: joining it would give this container what its owner has on "
                         "the host. Join the namespaces of another ecirun container instead",
                         ns_type_name (t), path);
    }
  return o;
}

static bool
same_ns (int a, int b)
{
  struct stat sa, sb;
  return fstat (a, &sa) == 0 && fstat (b, &sb) == 0 && sa.st_dev == sb.st_dev
         && sa.st_ino == sb.st_ino;
}

/* *ret_fd: the user namespace every namespace joined by path belongs to (the user namespace
   joined by path first, when there is one); -1 when nothing is joined. *ret_from names where it
   came from, for errors. */
static int
joined_owner (const struct namespace_config *ns, int *ret_fd, const char **ret_from,
              enum ns_type *ret_type, ecirun_error_t *err)
{
  static const int order[]
      = { NS_USER, NS_PID, NS_NETWORK, NS_IPC, NS_UTS, NS_CGROUP, NS_TIME, NS_MOUNT };
  cleanup_close int owner = -1;

  for (size_t i = 0; i < ARRAY_SIZE (order); i++)
    {
      int t = order[i];
      cleanup_close int fd = -1;
      cleanup_close int o = -1;

      if (!ns[t].present || ns[t].path == NULL)
        continue;
      fd = open (ns[t].path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return make_error (err, errno, "open %s namespace `%s`", ns_type_name (t), ns[t].path);
      o = owning_userns (fd, t, ns[t].path, err);
      if (o < 0)
        return -1;
      if (owner < 0)
        {
          owner = TAKE_FD (o);
          *ret_from = ns[t].path;
          *ret_type = t;
        }
      else if (!same_ns (owner, o))
        {
          if (ns[NS_USER].path)
            return make_error (err, 0,
                               "linux.namespaces: the %s namespace `%s` does not belong to the "
                               "joined user namespace `%s`",
                               ns_type_name (t), ns[t].path, ns[NS_USER].path);
          return make_error (err, 0, "linux.namespaces join namespaces of different containers");
        }
    }
  *ret_fd = TAKE_FD (owner);
  return 0;
}

void
isolation_joined_release (struct isolation_joined *j)
{
  if (j->userns_fd >= 0)
    close (j->userns_fd);
  free (j->holder_id);
  j->userns_fd = -1;
  j->holder_id = NULL;
  j->id_block = -1;
}

int
isolation_check_namespaces (const char *root, struct linux_config *lc, struct isolation_joined *ret,
                            ecirun_error_t *err)
{
  static const int required[] = { NS_PID, NS_NETWORK, NS_IPC, NS_UTS };
  struct namespace_config *ns = lc->namespaces;
  struct nsjoin_owners found = { 0 };
  const char *from = NULL;
  enum ns_type from_type = NS_USER;
  cleanup_close int owner = -1;
  const struct nsjoin_match *holder = NULL;

  *ret = (struct isolation_joined){ .userns_fd = -1, .id_block = -1 };
  for (size_t i = 0; i < ARRAY_SIZE (required); i++)
    if (!ns[required[i]].present)
      {
        cleanup_free char *what
            = xasprintf ("%s, or no \"%s\" entry in config.json's linux.namespaces",
                         host_ns_words[required[i]].flag, ns_type_name (required[i]));
        return isolation_host_ns_error (required[i], what, err);
      }
  ns[NS_CGROUP].present = true;

  if (joined_owner (ns, &owner, &from, &from_type, err) < 0)
    return -1;
  if (owner < 0)
    {
      ns[NS_USER].present = true;
      if (lc->n_uid_mappings || lc->n_gid_mappings)
        {
          if (check_mapping ("uidMappings", lc->uid_mappings, lc->n_uid_mappings, err) < 0
              || check_mapping ("gidMappings", lc->gid_mappings, lc->n_gid_mappings, err) < 0)
            return -1;
        }
      return 0;
    }

  /* Joining hands the joiner the IDs of that user namespace: it must be a live container's of
     ours (which holds those IDs), not one that anybody could have made (an identity-mapped
     one of a host process, say). */
  if (nsjoin_find_fd (root, NS_USER, owner, &found, err) < 0)
    return -1;
  if (found.n[NS_USER] == 0)
    return make_error (err, 0,
                       "%s namespace `%s` %s the user namespace of a live ecirun container "
                       "under %s: only a container's own namespaces may be joined",
                       ns_type_name (from_type), from,
                       from_type == NS_USER ? "is not" : "belongs to a user namespace that is not",
                       root);
  for (size_t i = 0; i < found.n[NS_USER] && holder == NULL; i++)
    if (found.m[NS_USER][i].id_block >= 0)
      holder = &found.m[NS_USER][i];
  if (holder)
    {
      ret->holder_id = xstrdup (holder->id);
      ret->id_block = holder->id_block;
    }
  nsjoin_owners_free (&found);

  ns[NS_USER].present = true;
  free (ns[NS_USER].path);
  ns[NS_USER].path = xasprintf ("/proc/self/fd/%d", owner);
  ret->userns_fd = TAKE_FD (owner);
  return 0;
}
