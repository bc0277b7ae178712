#include <config.h>
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <string.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "fs.h"
#include "log.h"
#include "sync.h"
#include "syscalls.h"
#include "utils.h"

static const struct device_config default_devices[] = {
  { .path = "/dev/null", .type = 'c', .major = 1, .minor = 3 },
  { .path = "/dev/zero", .type = 'c', .major = 1, .minor = 5 },
  { .path = "/dev/full", .type = 'c', .major = 1, .minor = 7 },
  { .path = "/dev/random", .type = 'c', .major = 1, .minor = 8 },
  { .path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9 },
  { .path = "/dev/tty", .type = 'c', .major = 5, .minor = 0 },
};

static int
device_bind (int rootfd, const struct device_config *d, ecirun_error_t *err)
{
  cleanup_close int target = -1;
  char buf[32];

  target = fs_create_in_root (rootfd, d->path, true, 0600, err);
  if (target < 0)
    return -1;
  if (mount (d->path, fs_fd_path (target, buf), NULL, MS_BIND, NULL) < 0)
    return make_error (err, errno, "bind device `%s` from the host", d->path);
  return 0;
}

static int
device_mknod (int rootfd, const struct device_config *d, ecirun_error_t *err)
{
  cleanup_free char *dir = xstrdup (d->path);
  cleanup_close int dirfd = -1;
  char *slash = strrchr (dir, '/');
  const char *name;
  mode_t type, perm;

  if (slash == NULL || slash[1] == '\0')
    return make_error (err, 0, "linux.devices: invalid path `%s`", d->path);
  name = d->path + (slash - dir) + 1;
  *slash = '\0';
  dirfd = fs_create_in_root (rootfd, *dir ? dir : "/", false, 0755, err);
  if (dirfd < 0)
    return -1;
  switch (d->type)
    {
    case 'c':
    case 'u':
      type = S_IFCHR;
      break;
    case 'b':
      type = S_IFBLK;
      break;
    case 'p':
      type = S_IFIFO;
      break;
    default:
      return make_error (err, 0, "linux.devices: `%s` has an invalid type `%c`", d->path, d->type);
    }
  perm = d->file_mode.set ? (d->file_mode.v & 07777) : 0666;
  if (unlinkat (dirfd, name, 0) < 0 && errno != ENOENT)
    return make_error (err, errno, "remove existing `%s`", d->path);
  if (mknodat (dirfd, name, type | perm, makedev (d->major, d->minor)) < 0)
    return make_error (err, errno, "mknod `%s`", d->path);
  if (fchownat (dirfd, name, d->uid.set ? d->uid.v : 0, d->gid.set ? d->gid.v : 0,
                AT_SYMLINK_NOFOLLOW)
      < 0)
    return make_error (err, errno, "chown `%s`", d->path);
  /* mknod applies the umask: set the mode explicitly. */
  {
    cleanup_close int fd = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    char buf[32];
    if (fd < 0 || chmod (fs_fd_path (fd, buf), perm) < 0)
      return make_error (err, errno, "chmod `%s`", d->path);
  }
  return 0;
}

static bool
listed_in_config (const struct linux_config *lc, const char *path)
{
  for (size_t i = 0; lc && i < lc->n_devices; i++)
    if (strcmp (lc->devices[i].path, path) == 0)
      return true;
  return false;
}

/* Devices no container gets, whatever the policy allows, even --privileged (which lists every
   host node): raw disks and physical memory would hand the host over; /dev/ptmx is the link
   to the container's own devpts instance. */
static bool
device_withheld (const struct device_config *d)
{
  if (d->path && strcmp (d->path, "/dev/ptmx") == 0)
    return true;
  if (d->type == 'b')
    return true;
  return d->type == 'c' && d->major == 1 && (d->minor == 1 || d->minor == 2 || d->minor == 4);
}

static bool
device_allowed (const char *path, char *const *allowed)
{
  for (size_t i = 0; allowed && allowed[i]; i++)
    if (fnmatch (allowed[i], path, FNM_PATHNAME) == 0)
      return true;
  return false;
}

void
devices_apply_policy (struct linux_config *lc, char *const *allowed, const char *policy_path)
{
  cleanup_free char *never = NULL, *unlisted = NULL;
  size_t kept = 0, never_len = 0, unlisted_len = 0;
  FILE *never_f = open_memstream (&never, &never_len);
  FILE *unlisted_f = open_memstream (&unlisted, &unlisted_len);

  for (size_t i = 0; lc && i < lc->n_devices; i++)
    {
      struct device_config *d = &lc->devices[i];
      FILE *to = NULL;

      if (d->path == NULL)
        ; /* devices_foreach reports it */
      else if (device_withheld (d))
        to = strcmp (d->path, "/dev/ptmx") == 0 ? NULL : never_f;
      else if (!device_allowed (d->path, allowed))
        to = unlisted_f;
      if (d->path && (to || device_withheld (d)))
        {
          if (to)
            fprintf (to, "%s%s", ftell (to) ? ", " : "", d->path);
          free (d->path);
          continue;
        }
      lc->devices[kept++] = *d;
    }
  if (lc)
    lc->n_devices = kept;
  fclose (never_f);
  fclose (unlisted_f);
  /* One line each: --privileged lists every device of the host. */
  if (*unlisted)
    log_warning ("linux.devices withheld from the container, not in allowedDevices of %s: %s",
                 policy_path, unlisted);
  if (*never)
    log_warning ("linux.devices withheld from the container (raw block devices and /dev/mem, "
                 "/dev/kmem, /dev/port are never given): %s",
                 never);
}

/* Call fn for every device the container gets: the defaults the config does not override,
   then linux.devices. */
static int
devices_foreach (const struct linux_config *lc,
                 int (*fn) (const struct device_config *d, void *data, ecirun_error_t *err),
                 void *data, ecirun_error_t *err)
{
  for (size_t i = 0; i < ARRAY_SIZE (default_devices); i++)
    if (!listed_in_config (lc, default_devices[i].path) && fn (&default_devices[i], data, err) < 0)
      return -1;
  for (size_t i = 0; lc && i < lc->n_devices; i++)
    {
      const struct device_config *d = &lc->devices[i];
      if (d->path == NULL || strncmp (d->path, "/dev/", 5) != 0 || strstr (d->path, "/../"))
        return make_error (err, 0, "linux.devices[%zu].path `%s` must be under /dev", i,
                           d->path ? d->path : "");
      if (device_withheld (d))
        continue;
      if (fn (d, data, err) < 0)
        return -1;
    }
  return 0;
}

struct create_data
{
  int rootfd;
  bool bind;
  struct device_tree *trees;
  size_t n_trees;
};

static int
attach_tree (int rootfd, const struct device_config *d, int tree, ecirun_error_t *err)
{
  cleanup_close int target = fs_create_in_root (rootfd, d->path, true, 0600, err);

  if (target < 0)
    return -1;
  if (sys_move_mount (tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return make_error (err, errno, "attach device `%s`", d->path);
  return 0;
}

static int
create_one (const struct device_config *d, void *data, ecirun_error_t *err)
{
  struct create_data *cd = data;

  for (size_t i = 0; i < cd->n_trees; i++)
    if (cd->trees[i].fd >= 0 && strcmp (cd->trees[i].path, d->path) == 0)
      {
        int r = attach_tree (cd->rootfd, d, cd->trees[i].fd, err);
        close (cd->trees[i].fd);
        cd->trees[i].fd = -1;
        return r;
      }
  return cd->bind ? device_bind (cd->rootfd, d, err) : device_mknod (cd->rootfd, d, err);
}

int
devices_create (int rootfd, const struct linux_config *lc, bool bind, struct device_tree *trees,
                size_t n_trees, ecirun_error_t *err)
{
  struct create_data cd = { rootfd, bind, trees, n_trees };
  return devices_foreach (lc, create_one, &cd, err);
}

struct send_data
{
  int tmpfs;
  int userns;
  int sync_fd;
  unsigned n;
};

static int
send_one (const struct device_config *d, void *data, ecirun_error_t *err)
{
  struct send_data *sd = data;
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = sd->userns };
  cleanup_close int tree = -1;
  char name[32];
  mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  mode_t perm = d->file_mode.set ? (d->file_mode.v & 07777) : 0666;

  if (d->type != 'c' && d->type != 'u' && d->type != 'b' && d->type != 'p')
    return make_error (err, 0, "linux.devices: `%s` has an invalid type `%c`", d->path, d->type);
  snprintf (name, sizeof (name), "dev%u", sd->n++);
  if (mknodat (sd->tmpfs, name, type | perm, makedev (d->major, d->minor)) < 0
      || fchmodat (sd->tmpfs, name, perm, 0) < 0
      || fchownat (sd->tmpfs, name, d->uid.set ? d->uid.v : 0, d->gid.set ? d->gid.v : 0,
                   AT_SYMLINK_NOFOLLOW)
             < 0)
    return make_error (err, errno, "make device `%s`", d->path);
  tree = sys_open_tree (sd->tmpfs, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0 || sys_mount_setattr (tree, "", AT_EMPTY_PATH, &attr) < 0)
    return make_error (err, errno, "ID-map device `%s`", d->path);
  return sync_send (sd->sync_fd, SYNC_DEVICE_FD, d->path, tree, err);
}

int
devices_send_trees (const struct linux_config *lc, int userns_fd, int sync_fd, ecirun_error_t *err)
{
  cleanup_close int fs = -1;
  struct send_data sd = { .tmpfs = -1, .userns = userns_fd, .sync_fd = sync_fd };
  int r;

  /* A tmpfs that is never attached anywhere on the host: it goes when the last node does. */
  fs = sys_fsopen ("tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0 || sys_fsconfig (fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0
      || sys_fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return make_error (err, errno, "create the devices tmpfs");
  sd.tmpfs = sys_fsmount (fs, FSMOUNT_CLOEXEC, 0);
  if (sd.tmpfs < 0)
    return make_error (err, errno, "mount the devices tmpfs");
  r = devices_foreach (lc, send_one, &sd, err);
  close (sd.tmpfs);
  return r;
}

int
devices_create_links (int rootfd, ecirun_error_t *err)
{
  static const struct
  {
    const char *target, *name;
  } links[] = {
    { "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" },
    { "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
    { "pts/ptmx", "ptmx" },
  };
  cleanup_close int dev = fs_create_in_root (rootfd, "/dev", false, 0755, err);
  struct stat sb;

  if (dev < 0)
    return -1;
  for (size_t i = 0; i < ARRAY_SIZE (links); i++)
    {
      bool is_ptmx = strcmp (links[i].name, "ptmx") == 0;
      if (fstatat (dev, links[i].name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
        {
          /* An existing /dev/ptmx node is replaced by the link to this devpts instance. */
          if (!is_ptmx || S_ISDIR (sb.st_mode))
            continue;
          if (unlinkat (dev, links[i].name, 0) < 0)
            return make_error (err, errno, "remove /dev/%s", links[i].name);
        }
      if (symlinkat (links[i].target, dev, links[i].name) < 0 && errno != EEXIST)
        return make_error (err, errno, "symlink /dev/%s", links[i].name);
    }
  return 0;
}

void
devices_add_cgroup_rules (struct linux_config *lc)
{
  static const struct device_cgroup_rule defaults[] = {
    { true, 'c', -1, -1, "m" }, { true, 'b', -1, -1, "m" },    { true, 'c', 1, 3, "rwm" },
    { true, 'c', 1, 5, "rwm" }, { true, 'c', 1, 7, "rwm" },    { true, 'c', 1, 8, "rwm" },
    { true, 'c', 1, 9, "rwm" }, { true, 'c', 5, 0, "rwm" },    { true, 'c', 5, 1, "rwm" },
    { true, 'c', 5, 2, "rwm" }, { true, 'c', 136, -1, "rwm" }, { true, 'c', 10, 200, "rwm" },
  };
  struct resources_config *r;
  size_t n;

  if (lc->resources == NULL)
    lc->resources = xmalloc0 (sizeof (*lc->resources));
  r = lc->resources;
  n = r->n_devices + ARRAY_SIZE (defaults) + lc->n_devices;
  r->devices = xrealloc (r->devices, n * sizeof (*r->devices));
  for (size_t i = 0; i < ARRAY_SIZE (defaults); i++)
    {
      r->devices[r->n_devices] = defaults[i];
      r->devices[r->n_devices++].access = xstrdup (defaults[i].access);
    }
  for (size_t i = 0; i < lc->n_devices; i++)
    {
      const struct device_config *d = &lc->devices[i];
      struct device_cgroup_rule *rule;

      if (d->type == 'p')
        continue; /* a fifo is no device: the device cgroup has no rule for it */
      rule = &r->devices[r->n_devices++];
      rule->allow = true;
      rule->type = d->type == 'u' ? 'c' : d->type;
      rule->major = d->major;
      rule->minor = d->minor;
      rule->access = xstrdup ("rwm");
    }
}
