/* The sidecar's pure rules: which mount calls are performed, built or refused, the ID maps,
   the translation of remount options, fsd.conf. */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <linux/mount.h>

#include "fsd.h"
#include "tap.h"

static const char filesystems[]
    = "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\n\text4\nnodev\toverlay\n\tfuseblk\nnodev\tfuse\n"
      "nodev\tdebugfs\nnodev\ttracefs\nnodev\tsecurityfs\nnodev\tpstore\nnodev\tbpf\n"
      "nodev\tfusectl\nnodev\tdevtmpfs\n";

static enum vet_verdict
vet (const char *fstype, unsigned long flags, int *e)
{
  struct fs_types t = { .text = (char *)filesystems };
  struct mount_req r = {
    .call = VETTING_MOUNT, .source = "x", .target = "/mnt", .fstype = fstype, .flags = flags
  };
  return vet_request (&r, &t, e);
}

static void
test_verdicts (void)
{
  static const char *const refused[]
      = { "debugfs", "tracefs", "securityfs", "pstore", "bpf", "fusectl", "devtmpfs" };
  struct fs_types t = { .text = (char *)filesystems };
  struct mount_req um = { .call = VETTING_UMOUNT2, .target = "/proc/kcore" };
  int e;

  TAP_OK (vet ("proc", MS_NOSUID, &e) == VET_PROCFS, "a new proc is built by the sidecar");
  TAP_OK (vet ("sysfs", 0, &e) == VET_SYSFS, "a new sysfs is built by the sidecar");
  TAP_OK (vet ("tmpfs", 0, &e) == VET_PERFORM && e == 0, "tmpfs is performed as the caller");
  TAP_OK (vet ("overlay", 0, &e) == VET_PERFORM, "overlay is performed as the caller");
  TAP_OK (vet ("fuse.sshfs", 0, &e) == VET_PERFORM, "fuse with a subtype is performed");
  TAP_OK (vet ("nosuchfs", 0, &e) == VET_PERFORM, "an unknown type is the kernel's to refuse");
  for (size_t i = 0; i < sizeof (refused) / sizeof (refused[0]); i++)
    TAP_OK (vet (refused[i], 0, &e) == VET_REFUSE && e == EPERM, "%s is refused with EPERM",
            refused[i]);
  TAP_OK (vet ("configfs", 0, &e) == VET_REFUSE && e == ENODEV,
          "configfs, which this host does not have, is refused with ENODEV (no module loaded)");
  TAP_OK (vet ("ext4", 0, &e) == VET_REFUSE && e == EPERM,
          "a block-device file system (ext4) is refused with EPERM");
  TAP_OK (vet ("fuseblk", 0, &e) == VET_REFUSE && e == EPERM, "fuseblk is refused with EPERM");
  TAP_OK (vet ("proc", MS_REMOUNT, &e) == VET_PERFORM, "a remount of a proc is the kernel's");
  TAP_OK (vet ("proc", MS_BIND, &e) == VET_PERFORM, "a bind of a proc is the kernel's");
  TAP_OK (vet ("debugfs", MS_BIND | MS_REC, &e) == VET_PERFORM,
          "a bind (fstype ignored by the kernel) is the kernel's");
  TAP_OK (vet (NULL, MS_PRIVATE | MS_REC, &e) == VET_PERFORM,
          "propagation changes are the kernel's");
  TAP_OK (vet ("proc", MS_MOVE, &e) == VET_PERFORM, "a move is the kernel's");
  TAP_OK (vet_request (&um, &t, &e) == VET_PERFORM, "umount2 is performed as the caller");
}

static void
test_ids (void)
{
  struct id_map uids, gids;
  uint32_t v = 0;
  char *t;

  TAP_OK (id_map_parse ("         0  436994048      65536\n", &uids) == 0 && uids.n == 1,
          "uid_map parsed");
  TAP_OK (id_map_parse ("0 436994048 1000\n1000 500 1\n1001 436995049 64535\n", &gids) == 0
              && gids.n == 3,
          "a gid_map of three lines parsed");
  TAP_OK (id_map_to_inside (&uids, 436994048 + 7, &v) && v == 7, "host -> inside");
  TAP_OK (!id_map_to_inside (&uids, 0, &v), "host root is not mapped");
  TAP_OK (id_map_to_host (&gids, 1000, &v) && v == 500, "inside -> host on the second line");

  t = vet_translate_ids ("rw,size=1024k,uid=436994048,gid=436994049,mode=755", &uids, &uids);
  TAP_STR_EQ (t, "rw,size=1024k,uid=0,gid=1,mode=755", "host IDs in remount options translated");
  free (t);
  TAP_OK (vet_translate_ids ("rw,uid=1000,gid=1000", &uids, &uids) == NULL,
          "IDs of the namespace are kept");
  TAP_OK (vet_translate_ids ("rw,uid=5,gid=5000000", &uids, &uids) == NULL,
          "an ID mapped nowhere is left for the kernel to refuse");
  TAP_OK (vet_translate_ids ("ro", &uids, &uids) == NULL, "nothing to translate");
  t = vet_translate_ids ("xuid=436994048,uid=436994048", &uids, &uids);
  TAP_STR_EQ (t, "xuid=436994048,uid=0", "only the uid option, not a key ending in uid");
  free (t);
}

static void
test_opts (void)
{
  unsigned long v = 0;
  char *t;

  TAP_OK (opts_get_uint ("rootmode=40000,fd=3,user_id=0", "fd", &v) && v == 3, "fd=3 found");
  TAP_OK (!opts_get_uint ("rootmode=40000,xfd=3", "fd", &v), "xfd= is no fd=");
  TAP_OK (!opts_get_uint ("fd=three", "fd", &v), "a non-number is refused");
  t = opts_replace ("rootmode=40000,fd=3,user_id=0", "fd", "17");
  TAP_STR_EQ (t, "rootmode=40000,fd=17,user_id=0", "fd= replaced in place");
  free (t);
  TAP_OK (vet_mount_attrs (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
              == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC),
          "mount flags to mount attributes");
  TAP_OK (vet_mount_attrs (MS_NOATIME | MS_STRICTATIME) == MOUNT_ATTR_NOATIME,
          "noatime wins over strictatime, as in mount(2)");
  TAP_OK (vet_mount_attrs (0) == MOUNT_ATTR_RELATIME, "relatime by default");
}

static void
test_conf (void)
{
  struct fsd_conf c;
  ecirun_error_t err = NULL;

  TAP_OK (conf_parse ("masked /proc/kcore\nmasked /sys/firmware\nreadonly /proc/sys\n"
                      "readonly-fs sysfs\n",
                      &c, &err)
                  == 0
              && c.n_masked == 2 && c.n_readonly == 1 && c.sys_ro && !c.proc_ro,
          "fsd.conf parsed");
  TAP_OK (conf_parse ("masked relative\n", &c, &err) < 0 && err, "a relative path is refused");
  error_release (&err);
  TAP_OK (conf_parse ("mask /x\n", &c, &err) < 0 && err && strstr (err->msg, "unknown"),
          "an unknown directive is refused (%s)", err ? err->msg : "");
  error_release (&err);
}

int
main (void)
{
  test_verdicts ();
  test_ids ();
  test_opts ();
  test_conf ();
  return tap_done ();
}
