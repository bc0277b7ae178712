#include <config.h>
#include "devices.h"

#include <errno.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <string.h>
#include <stdio.h>
#include <sys/capability.h>
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

/* ---- which host devices a container may get: judged by identity, never by name ---- */

/* The kernel's device numbers: 12 bits of major, 20 of minor. */
#define DEVICE_MAJOR_MAX 0xfffu
#define DEVICE_MINOR_MAX 0xfffffu

/* What the device cgroup and the kernel see of an entry: 'u' is a character device too. */
static char
device_kind (const struct device_config *d)
{
  return d->type == 'u' ? 'c' : d->type;
}

/* The character devices that reach disks: SCSI generic (/dev/sg*, a fixed major) and the
   dynamic majors the kernel lists in /proc/devices for block SCSI generic (the nodes in /dev/bsg)
   and NVMe generic (/dev/ng*), which pass read and write commands to a disk without any capability.
 */
#define SCSI_GENERIC_MAJOR 21
static const char *const disk_char_drivers[] = { "bsg", "nvme-generic" };

struct disk_char_majors
{
  bool loaded;
  int64_t major[ARRAY_SIZE (disk_char_drivers)]; /* -1: driver not loaded */
};
static struct disk_char_majors disk_majors;

/* Read once per process, from the host's /proc/devices. A driver loaded later gets its major
   then, and no device of a container created before holds that number. */
static int
load_disk_char_majors (ecirun_error_t *err)
{
  cleanup_file FILE *f = NULL;
  char line[256], name[128];
  bool in_char = false;
  long long maj;

  if (disk_majors.loaded)
    return 0;
  for (size_t i = 0; i < ARRAY_SIZE (disk_char_drivers); i++)
    disk_majors.major[i] = -1;
  f = fopen ("/proc/devices", "re");
  if (f == NULL)
    return make_error (err, errno, "read /proc/devices (the majors of the disk-reaching devices)");
  while (fgets (line, sizeof (line), f))
    {
      if (strncmp (line, "Character devices:", 18) == 0)
        in_char = true;
      else if (strncmp (line, "Block devices:", 14) == 0)
        in_char = false;
      else if (in_char && sscanf (line, "%lld %127s", &maj, name) == 2)
        for (size_t i = 0; i < ARRAY_SIZE (disk_char_drivers); i++)
          if (strcmp (name, disk_char_drivers[i]) == 0)
            disk_majors.major[i] = maj;
    }
  disk_majors.loaded = true;
  return 0;
}

/* Devices no container gets, whatever the policy allows, even --privileged (which lists every
   host node): raw disks, the character devices that reach them, and physical memory would hand
   the host over. load_disk_char_majors must have succeeded; until it has, every character
   device of a dynamic major counts as withheld. */
static bool
device_withheld (const struct device_config *d)
{
  if (device_kind (d) == 'b')
    return true;
  if (device_kind (d) != 'c')
    return false;
  if (d->major == 1 && (d->minor == 1 || d->minor == 2 || d->minor == 4))
    return true;
  if (d->major == SCSI_GENERIC_MAJOR)
    return true;
  if (!disk_majors.loaded)
    return d->major >= 234;
  for (size_t i = 0; i < ARRAY_SIZE (disk_char_drivers); i++)
    if (disk_majors.major[i] >= 0 && d->major == disk_majors.major[i])
      return true;
  return false;
}

static bool
parse_number (const char **s, int64_t *ret)
{
  uint64_t v = 0;

  if (**s == '*')
    {
      (*s)++;
      *ret = -1;
      return true;
    }
  if (**s < '0' || **s > '9')
    return false;
  for (; **s >= '0' && **s <= '9'; (*s)++)
    {
      v = v * 10 + (uint64_t)(**s - '0');
      if (v > DEVICE_MINOR_MAX)
        return false;
    }
  *ret = (int64_t)v;
  return true;
}

bool
devices_parse_id (const char *s, struct device_id *ret)
{
  struct device_id id = { .type = s[0] };

  if ((id.type != 'c' && id.type != 'b') || s[1] != ' ')
    return false;
  s += 2;
  if (!parse_number (&s, &id.major) || *s++ != ':' || !parse_number (&s, &id.minor) || *s)
    return false;
  if (id.major > (int64_t)DEVICE_MAJOR_MAX)
    return false;
  *ret = id;
  return true;
}

static void
ids_add (struct device_id **ids, size_t *n, struct device_id id)
{
  *ids = xrealloc (*ids, (*n + 1) * sizeof (**ids));
  (*ids)[(*n)++] = id;
}

/* The device node at a host path, as an identity; false for anything else. Symlinks are
   followed (/dev/serial/by-id/...), /proc's magic links (/dev/stdin) are not. */
static bool
host_node_id (int hostfd, const char *path, struct device_id *ret)
{
  cleanup_close int fd = fs_open_in_root (hostfd, path, O_PATH, 0, NULL);
  struct stat sb;

  if (fd < 0 || fstat (fd, &sb) < 0 || !(S_ISCHR (sb.st_mode) || S_ISBLK (sb.st_mode)))
    return false;
  ret->type = S_ISCHR (sb.st_mode) ? 'c' : 'b';
  ret->major = major (sb.st_rdev);
  ret->minor = minor (sb.st_rdev);
  return true;
}

size_t
devices_resolve_allowed (char *const *allowed, struct device_id **ret)
{
  cleanup_close int hostfd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct device_id *ids = NULL, id;
  size_t n = 0;

  for (size_t i = 0; allowed && allowed[i]; i++)
    {
      glob_t g = { 0 };

      if (devices_parse_id (allowed[i], &id))
        {
          ids_add (&ids, &n, id);
          continue;
        }
      if (hostfd < 0 || allowed[i][0] != '/')
        continue;
      if (strpbrk (allowed[i], "*?[") == NULL)
        {
          if (host_node_id (hostfd, allowed[i], &id))
            ids_add (&ids, &n, id);
          continue;
        }
      if (glob (allowed[i], GLOB_NOSORT, NULL, &g) == 0)
        for (size_t k = 0; k < g.gl_pathc; k++)
          if (host_node_id (hostfd, g.gl_pathv[k], &id))
            ids_add (&ids, &n, id);
      globfree (&g);
    }
  *ret = ids;
  return n;
}

bool
devices_id_allowed (const struct device_config *d, const struct device_id *ids, size_t n)
{
  char kind = device_kind (d);

  if (d->major < 0 || d->minor < 0 || d->major > (int64_t)DEVICE_MAJOR_MAX
      || d->minor > (int64_t)DEVICE_MINOR_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    if (ids[i].type == kind && (ids[i].major < 0 || ids[i].major == d->major)
        && (ids[i].minor < 0 || ids[i].minor == d->minor))
      return true;
  return false;
}

static void
list_device (FILE *f, const struct device_config *d)
{
  fprintf (f, "%s%s (%c %" PRId64 ":%" PRId64 ")", ftell (f) ? ", " : "", d->path, device_kind (d),
           d->major, d->minor);
}

bool
devices_every_device_list (const struct linux_config *lc, const struct capabilities_config *caps)
{
  const struct resources_config *r = lc ? lc->resources : NULL;
  /* Every capability up to CAP_AUDIT_READ: what every engine of today lists, whether or not it
     knows the newer ones; but only those this host's bounding set has (podman lists what its
     own bounding set holds). */
  uint64_t all = (UINT64_C (1) << (CAP_AUDIT_READ + 1)) - 1;
  bool allow_all = false;

  if (caps == NULL || r == NULL)
    return false;
  for (size_t i = 0; i < r->n_devices && !allow_all; i++)
    {
      const struct device_cgroup_rule *c = &r->devices[i];
      const char *access = c->access && *c->access ? c->access : "rwm";
      allow_all = c->allow && (c->type == 'a' || c->type == 0) && c->major < 0 && c->minor < 0
                  && strchr (access, 'r') && strchr (access, 'w') && strchr (access, 'm');
    }
  if (!allow_all)
    return false;
  for (int c = 0; c <= CAP_AUDIT_READ; c++)
    if (prctl (PR_CAPBSET_READ, c, 0, 0, 0) == 0)
      all &= ~(UINT64_C (1) << c);
  return (caps->bounding & all) == all;
}

int
devices_apply_policy (struct linux_config *lc, bool every_device_list, char *const *allowed,
                      const char *policy_path, ecirun_error_t *err)
{
  cleanup_free struct device_id *ids = NULL;
  cleanup_free char *never = NULL, *unlisted = NULL, *why = NULL;
  size_t kept = 0, never_len = 0, unlisted_len = 0, n_ids;
  FILE *never_f, *unlisted_f;

  if (load_disk_char_majors (err) < 0)
    return -1;
  never_f = open_memstream (&never, &never_len);
  unlisted_f = open_memstream (&unlisted, &unlisted_len);
  n_ids = devices_resolve_allowed (allowed, &ids);
  for (size_t i = 0; lc && i < lc->n_devices; i++)
    {
      struct device_config *d = &lc->devices[i];
      FILE *to = NULL;
      bool drop;

      /* The path is only where the node goes inside the container; what it opens is its type
         and numbers. /dev/ptmx is always the link to the container's own devpts (quietly: a
         --privileged config lists the host's). A fifo is no host device. */
      if (d->path == NULL)
        drop = false; /* devices_foreach reports it */
      else if (strcmp (d->path, "/dev/ptmx") == 0)
        drop = true;
      else if (device_withheld (d))
        drop = true, to = never_f;
      else if (d->type != 'p' && !devices_id_allowed (d, ids, n_ids))
        drop = true, to = unlisted_f;
      else
        drop = false;
      if (drop)
        {
          if (to)
            list_device (to, d);
          free (d->path);
          continue;
        }
      lc->devices[kept++] = *d;
    }
  if (lc)
    lc->n_devices = kept;
  fclose (never_f);
  fclose (unlisted_f);
  if (*unlisted == '\0' && *never == '\0')
    return 0;
  /* --privileged lists every device of the host: it starts without those, and one line says
     which. A device asked for by name (--device) would silently be missing: an error. */
  why = xasprintf ("%s%s%s%s%s%s%s%s", *unlisted ? "not in allowedDevices of " : "",
                   *unlisted ? policy_path : "", *unlisted ? ": " : "", unlisted,
                   *unlisted && !every_device_list
                       ? " (an admin allows a device there by its host path or \"c MAJOR:MINOR\")"
                       : "",
                   *unlisted && *never ? "; " : "",
                   *never ? "never given, whatever allowedDevices says (raw disks, the SCSI and "
                            "NVMe generic devices that reach them, /dev/mem, /dev/kmem, "
                            "/dev/port): "
                          : "",
                   never);
  if (every_device_list)
    {
      log_warning ("linux.devices withheld from the container: %s", why);
      return 0;
    }
  return make_error (err, 0, "linux.devices refused: %s", why);
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
      if (device_withheld (d) || strcmp (d->path, "/dev/ptmx") == 0)
        continue; /* devices_apply_policy has said so */
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

/* The device cgroup rules every container gets: mknod of any node (the kernel refuses it in a
   user namespace anyway), the default devices, the console and pty devices, /dev/net/tun. */
static const struct device_cgroup_rule default_rules[] = {
  { true, 'c', -1, -1, (char *)"m" },    { true, 'b', -1, -1, (char *)"m" },
  { true, 'c', 1, 3, (char *)"rwm" },    { true, 'c', 1, 5, (char *)"rwm" },
  { true, 'c', 1, 7, (char *)"rwm" },    { true, 'c', 1, 8, (char *)"rwm" },
  { true, 'c', 1, 9, (char *)"rwm" },    { true, 'c', 5, 0, (char *)"rwm" },
  { true, 'c', 5, 1, (char *)"rwm" },    { true, 'c', 5, 2, (char *)"rwm" },
  { true, 'c', 136, -1, (char *)"rwm" }, { true, 'c', 10, 200, (char *)"rwm" },
};

/* Whether rule r grants only what one of the given rules grants already. */
static bool
rule_covered (const struct device_cgroup_rule *r, const struct device_cgroup_rule *given, size_t n)
{
  const char *access = r->access && *r->access ? r->access : "rwm";
  char type = r->type ? r->type : 'a';

  for (size_t i = 0; i < n; i++)
    {
      const struct device_cgroup_rule *g = &given[i];
      if ((g->type != type && g->type != 'a') || (g->major >= 0 && g->major != r->major)
          || (g->minor >= 0 && g->minor != r->minor))
        continue;
      if (access[strspn (access, g->access)] == '\0')
        return true;
    }
  return false;
}

static void
append_rule (struct resources_config *r, bool allow, char type, int64_t major, int64_t minor,
             const char *access)
{
  struct device_cgroup_rule *rule = &r->devices[r->n_devices++];

  rule->allow = allow;
  rule->type = type;
  rule->major = major;
  rule->minor = minor;
  rule->access = xstrdup (access);
}

static void
format_rule (FILE *f, const struct device_cgroup_rule *r)
{
  char maj[24] = "*", min[24] = "*";

  if (r->major >= 0)
    snprintf (maj, sizeof (maj), "%" PRId64, r->major);
  if (r->minor >= 0)
    snprintf (min, sizeof (min), "%" PRId64, r->minor);
  fprintf (f, "%s%c %s:%s %s", ftell (f) ? ", " : "", r->type ? r->type : 'a', maj, min,
           r->access && *r->access ? r->access : "rwm");
}

void
devices_set_cgroup_rules (struct linux_config *lc)
{
  struct resources_config *r;
  struct device_cgroup_rule *config_rules;
  size_t n_config;
  cleanup_free char *ignored = NULL;
  size_t ignored_len = 0;
  FILE *ignored_f;

  if (lc->resources == NULL)
    lc->resources = xmalloc0 (sizeof (*lc->resources));
  r = lc->resources;
  config_rules = TAKE_PTR (r->devices);
  n_config = r->n_devices;
  r->n_devices = 0;
  /* Deny everything first (v1 starts there too), then what the container was given. */
  r->devices = xmalloc0 ((1 + ARRAY_SIZE (default_rules) + lc->n_devices) * sizeof (*r->devices));
  append_rule (r, false, 'a', -1, -1, "rwm");
  for (size_t i = 0; i < ARRAY_SIZE (default_rules); i++)
    {
      const struct device_cgroup_rule *d = &default_rules[i];
      append_rule (r, true, d->type, d->major, d->minor, d->access);
    }
  for (size_t i = 0; i < lc->n_devices; i++)
    {
      const struct device_config *d = &lc->devices[i];
      if (d->type != 'p') /* a fifo is no device: the device cgroup has no rule for it */
        append_rule (r, true, device_kind (d), d->major, d->minor, "rwm");
    }

  /* The config's own rules could only add devices beyond these (the engines' "a *:* rwm" of
     --privileged, --device-cgroup-rule): they are dropped. Name those that asked for more. */
  ignored_f = open_memstream (&ignored, &ignored_len);
  for (size_t i = 0; i < n_config; i++)
    {
      const struct device_cgroup_rule *c = &config_rules[i];
      if (c->allow && !rule_covered (c, r->devices + 1, r->n_devices - 1))
        format_rule (ignored_f, c);
      free (c->access);
    }
  free (config_rules);
  fclose (ignored_f);
  if (*ignored)
    log_warning ("linux.resources.devices rules ignored, the device cgroup allows only the "
                 "default devices and the linux.devices given: %s",
                 ignored);
}
