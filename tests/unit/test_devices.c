/* Unit tests for the device policy (devices.c): allowedDevices entries as identities, host paths
   resolved to the numbers of their nodes, linux.devices judged by type and numbers (never by
   the path), and the device cgroup rules built from what the container is given only. */
#include <config.h>
#include "devices.h"
#include "utils.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void
test_parse_id (void)
{
  static const char *const bad[] = {
    "",         "c",           "c 10",    "c10:229",   "c  10:229", "c 10:229 ",
    "x 1:1",    "a *:*",       "c 10:",   "c :229",    "c -1:3",    "c 1:-3",
    "c 4096:0", "c 1:1048576", "c 1:3 r", "/dev/null", "c 0x1:3",   "c 10:229\n",
  };
  struct device_id id;

  TAP_OK (devices_parse_id ("c 10:229", &id) && id.type == 'c' && id.major == 10 && id.minor == 229,
          "parse: c 10:229");
  TAP_OK (devices_parse_id ("c 226:*", &id) && id.type == 'c' && id.major == 226 && id.minor == -1,
          "parse: c 226:* (any minor)");
  TAP_OK (devices_parse_id ("c *:*", &id) && id.major == -1 && id.minor == -1, "parse: c *:*");
  TAP_OK (devices_parse_id ("b 8:*", &id) && id.type == 'b' && id.major == 8,
          "parse: b 8:* (the policy refuses it, the parser reads it)");
  TAP_OK (devices_parse_id ("c 4095:1048575", &id) && id.major == 4095 && id.minor == 1048575,
          "parse: the largest numbers the kernel has");
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    TAP_OK (!devices_parse_id (bad[i], &id), "parse: \"%s\" is refused", bad[i]);
}

static bool
has_id (const struct device_id *ids, size_t n, char type, int64_t major, int64_t minor)
{
  for (size_t i = 0; i < n; i++)
    if (ids[i].type == type && ids[i].major == major && ids[i].minor == minor)
      return true;
  return false;
}

static void
test_resolve (void)
{
  char *allowed[] = { (char *)"/dev/null",
                      (char *)"c 10:229",
                      (char *)"/dev/ecirun-absent",
                      (char *)"/dev/ecirun-absent-*",
                      (char *)"/dev/zer?",
                      (char *)"/dev/stdin",
                      (char *)"/dev",
                      NULL };
  struct device_id *ids = NULL;
  struct stat null_sb, zero_sb;
  size_t n;

  if (stat ("/dev/null", &null_sb) < 0 || stat ("/dev/zero", &zero_sb) < 0
      || !S_ISCHR (null_sb.st_mode) || !S_ISCHR (zero_sb.st_mode))
    {
      printf ("ok %d - # SKIP resolve: no /dev/null or /dev/zero on the host\n", ++tap_count);
      return;
    }
  n = devices_resolve_allowed (allowed, &ids);
  TAP_OK (has_id (ids, n, 'c', major (null_sb.st_rdev), minor (null_sb.st_rdev)),
          "resolve: /dev/null stands for the host node's numbers");
  TAP_OK (has_id (ids, n, 'c', major (zero_sb.st_rdev), minor (zero_sb.st_rdev)),
          "resolve: the pattern /dev/zer? names /dev/zero's numbers");
  TAP_OK (has_id (ids, n, 'c', 10, 229), "resolve: c 10:229 as written");
  /* /dev/null, /dev/zero and c 10:229; nothing for the absent paths, the directory, and
     /dev/stdin (a link through /proc's magic links, whatever the caller's stdin is). */
  TAP_OK (n == 3, "resolve: absent paths, a directory and /dev/stdin allow nothing (%zu ids)", n);
  free (ids);

  n = devices_resolve_allowed (NULL, &ids);
  TAP_OK (n == 0, "resolve: no list, no identity");
  free (ids);
}

static void
test_id_allowed (void)
{
  const struct device_id ids[] = { { 'c', 10, 229 }, { 'c', 226, -1 } };
  struct device_config fuse
      = { .path = (char *)"/dev/fuse", .type = 'c', .major = 10, .minor = 229 };
  struct device_config renamed
      = { .path = (char *)"/dev/fuse", .type = 'c', .major = 10, .minor = 259 };
  struct device_config other_name
      = { .path = (char *)"/dev/anything", .type = 'u', .major = 10, .minor = 229 };
  struct device_config dri = { .path = (char *)"/dev/dri/card0", .type = 'c', .major = 226 };
  struct device_config block
      = { .path = (char *)"/dev/fuse", .type = 'b', .major = 10, .minor = 229 };
  struct device_config huge
      = { .path = (char *)"/dev/x", .type = 'c', .major = 226, .minor = 1 << 20 };
  struct device_config negative
      = { .path = (char *)"/dev/x", .type = 'c', .major = 226, .minor = -1 };

  TAP_OK (devices_id_allowed (&fuse, ids, 2), "allowed: /dev/fuse 10:229");
  TAP_OK (!devices_id_allowed (&renamed, ids, 2),
          "allowed: not /dev/fuse with cpu_dma_latency's numbers (10:259)");
  TAP_OK (devices_id_allowed (&other_name, ids, 2),
          "allowed: 10:229 under any name, type u is a character device");
  TAP_OK (devices_id_allowed (&dri, ids, 2), "allowed: c 226:* covers 226:0");
  TAP_OK (!devices_id_allowed (&block, ids, 2), "allowed: not a block device with those numbers");
  TAP_OK (!devices_id_allowed (&huge, ids, 2) && !devices_id_allowed (&negative, ids, 2),
          "allowed: never numbers the kernel does not have, even under a wildcard");
}

static void
test_apply_policy (void)
{
  char *allowed[] = { (char *)"c 10:229", (char *)"c 10:200", NULL };
  struct device_config devs[] = {
    { .path = xstrdup ("/dev/fuse"), .type = 'c', .major = 10, .minor = 259 },
    { .path = xstrdup ("/dev/net/tun"), .type = 'c', .major = 1, .minor = 1 },
    { .path = xstrdup ("/dev/tun-by-another-name"), .type = 'c', .major = 10, .minor = 200 },
    { .path = xstrdup ("/dev/mem-as-u"), .type = 'u', .major = 1, .minor = 1 },
    { .path = xstrdup ("/dev/ptmx"), .type = 'c', .major = 10, .minor = 229 },
    { .path = xstrdup ("/dev/sda"), .type = 'b', .major = 8, .minor = 0 },
    { .path = xstrdup ("/dev/fifo"), .type = 'p' },
    { .path = xstrdup ("/dev/fuse2"), .type = 'c', .major = 10, .minor = 229 },
  };
  struct linux_config lc = { .devices = devs, .n_devices = ARRAY_SIZE (devs) };

  ecirun_error_t e = NULL;
  int r;

  r = devices_apply_policy (&lc, true, allowed, "test-policy", &e);
  TAP_OK (r == 0, "policy: an every-device list starts without what is withheld");
  TAP_OK (lc.n_devices == 3, "policy: 3 of 8 devices kept (%zu)", lc.n_devices);
  TAP_OK (lc.n_devices >= 1 && strcmp (lc.devices[0].path, "/dev/tun-by-another-name") == 0,
          "policy: 10:200 under another name is kept");
  TAP_OK (lc.n_devices >= 2 && strcmp (lc.devices[1].path, "/dev/fifo") == 0,
          "policy: a fifo is no host device and is kept");
  TAP_OK (lc.n_devices >= 3 && strcmp (lc.devices[2].path, "/dev/fuse2") == 0,
          "policy: 10:229 is kept; /dev/fuse as 10:259, mem as c and u, a block device and "
          "the /dev/ptmx path are not");
  for (size_t i = 0; i < lc.n_devices; i++)
    free (lc.devices[i].path);
}

/* The major /proc/devices gives a character driver, -1 if it is not loaded. */
static long long
proc_devices_major (const char *driver)
{
  FILE *f = fopen ("/proc/devices", "re");
  char line[256], name[128];
  long long maj, found = -1;
  bool in_char = false;

  while (f && fgets (line, sizeof (line), f))
    {
      if (strncmp (line, "Character", 9) == 0)
        in_char = true;
      else if (strncmp (line, "Block", 5) == 0)
        in_char = false;
      else if (in_char && sscanf (line, "%lld %127s", &maj, name) == 2
               && strcmp (name, driver) == 0)
        found = maj;
    }
  if (f)
    fclose (f);
  return found;
}

static void
test_apply_policy_errors (void)
{
  char *allowed[] = { (char *)"c *:*", NULL };
  long long bsg = proc_devices_major ("bsg");
  struct device_config kmsg
      = { .path = xstrdup ("/dev/kmsg"), .type = 'c', .major = 1, .minor = 11 };
  struct device_config sg = { .path = xstrdup ("/dev/sg0"), .type = 'c', .major = 21 };
  struct device_config bsgdev
      = { .path = xstrdup ("/dev/bsg/0:0:0:0"), .type = 'c', .major = bsg, .minor = 0 };
  struct device_config vda = { .path = xstrdup ("/dev/vda"), .type = 'b', .major = 254 };
  struct linux_config lc = { .devices = &kmsg, .n_devices = 1 };
  ecirun_error_t e = NULL;
  int r;

  r = devices_apply_policy (&lc, false, NULL, "test-policy", &e);
  TAP_OK (r < 0 && e && strstr (e->msg, "/dev/kmsg (c 1:11)")
              && strstr (e->msg, "not in allowedDevices of test-policy"),
          "errors: a device not allowed is an error naming it and allowedDevices (%s)",
          e ? e->msg : "no error");
  error_release (&e);

  lc = (struct linux_config){ .devices = &sg, .n_devices = 1 };
  r = devices_apply_policy (&lc, false, allowed, "test-policy", &e);
  TAP_OK (r < 0 && e && strstr (e->msg, "/dev/sg0 (c 21:0)") && strstr (e->msg, "never given"),
          "errors: SCSI generic is never given, even under c *:* (%s)", e ? e->msg : "no error");
  error_release (&e);

  lc = (struct linux_config){ .devices = &vda, .n_devices = 1 };
  r = devices_apply_policy (&lc, false, allowed, "test-policy", &e);
  TAP_OK (r < 0 && e && strstr (e->msg, "/dev/vda (b 254:0)") && strstr (e->msg, "allowedDevices"),
          "errors: a block device is an error naming it (%s)", e ? e->msg : "no error");
  error_release (&e);

  if (bsg < 0)
    TAP_OK (true, "# SKIP errors: no bsg driver in /proc/devices");
  else
    {
      lc = (struct linux_config){ .devices = &bsgdev, .n_devices = 1 };
      r = devices_apply_policy (&lc, false, allowed, "test-policy", &e);
      TAP_OK (r < 0 && e && strstr (e->msg, "/dev/bsg/0:0:0:0") && strstr (e->msg, "never given"),
              "errors: bsg (major %lld from /proc/devices) is never given (%s)", bsg,
              e ? e->msg : "no error");
      error_release (&e);
    }
  if (bsg < 0)
    free (bsgdev.path); /* the others were withheld, and freed */
}

static void
test_every_device_list (void)
{
  struct device_cgroup_rule all_rule = { true, 'a', -1, -1, (char *)"rwm" };
  struct device_cgroup_rule fuse_rule = { true, 'c', 10, 229, (char *)"rwm" };
  struct resources_config all = { .devices = &all_rule, .n_devices = 1 };
  struct resources_config some = { .devices = &fuse_rule, .n_devices = 1 };
  struct capabilities_config every = { .present = true, .bounding = ~UINT64_C (0) };
  struct capabilities_config fewer = { .present = true, .bounding = ~UINT64_C (0) & ~(1 << 21) };
  struct linux_config lc = { .resources = &all };

  TAP_OK (devices_every_device_list (&lc, &every), "every-device: all capabilities and a *:* rwm");
  TAP_OK (!devices_every_device_list (&lc, &fewer), "every-device: not without CAP_SYS_ADMIN");
  TAP_OK (!devices_every_device_list (&lc, NULL), "every-device: not without capabilities");
  lc.resources = &some;
  TAP_OK (!devices_every_device_list (&lc, &every), "every-device: not without a *:* rwm");
}

static bool
has_rule (const struct resources_config *r, bool allow, char type, int64_t major, int64_t minor,
          const char *access)
{
  for (size_t i = 0; i < r->n_devices; i++)
    if (r->devices[i].allow == allow && r->devices[i].type == type && r->devices[i].major == major
        && r->devices[i].minor == minor && strcmp (r->devices[i].access, access) == 0)
      return true;
  return false;
}

static void
test_cgroup_rules (void)
{
  struct device_config devs[] = {
    { .path = (char *)"/dev/fuse", .type = 'c', .major = 10, .minor = 229 },
    { .path = (char *)"/dev/fifo", .type = 'p' },
    { .path = (char *)"/dev/u", .type = 'u', .major = 10, .minor = 200 },
  };
  struct device_cgroup_rule *cfg = xmalloc0 (3 * sizeof (*cfg));
  struct resources_config *res = xmalloc0 (sizeof (*res));
  struct linux_config lc = { .devices = devs, .n_devices = ARRAY_SIZE (devs), .resources = res };
  bool any_wide = false;

  /* --privileged: allow everything; --device-cgroup-rule 'c 1:1 rwm'; a deny. */
  cfg[0] = (struct device_cgroup_rule){ true, 'a', -1, -1, xstrdup ("rwm") };
  cfg[1] = (struct device_cgroup_rule){ true, 'c', 1, 1, xstrdup ("rwm") };
  cfg[2] = (struct device_cgroup_rule){ false, 'c', 1, 3, xstrdup ("w") };
  res->devices = cfg;
  res->n_devices = 3;
  devices_set_cgroup_rules (&lc);
  TAP_OK (res->n_devices > 0 && !res->devices[0].allow && res->devices[0].type == 'a',
          "cgroup: starts with deny all");
  for (size_t i = 0; i < res->n_devices; i++)
    if (res->devices[i].allow
        && (res->devices[i].type == 'a'
            || (strpbrk (res->devices[i].access, "rw")
                && (res->devices[i].major < 0
                    || (res->devices[i].major == 1 && res->devices[i].minor == 1)))))
      any_wide = true;
  TAP_OK (!any_wide, "cgroup: no a *:* rwm, no c 1:1, no read or write of a whole type");
  TAP_OK (has_rule (res, true, 'c', 10, 229, "rwm"), "cgroup: the device given");
  TAP_OK (has_rule (res, true, 'c', 10, 200, "rwm"), "cgroup: a type u device as c");
  TAP_OK (has_rule (res, true, 'c', 1, 3, "rwm") && has_rule (res, true, 'c', 136, -1, "rwm")
              && has_rule (res, true, 'c', -1, -1, "m"),
          "cgroup: the default devices, ptys and mknod");
  TAP_OK (!has_rule (res, false, 'c', 1, 3, "w"), "cgroup: the config's rules are gone");
  TAP_OK (res->n_devices == 1 + 12 + 2, "cgroup: deny, 12 defaults, 2 devices (%zu)",
          res->n_devices);
  for (size_t i = 0; i < res->n_devices; i++)
    free (res->devices[i].access);
  free (res->devices);
  free (res);

  /* No resources object at all: made, with the same rules. */
  lc.resources = NULL;
  devices_set_cgroup_rules (&lc);
  TAP_OK (lc.resources && lc.resources->n_devices == 15
              && has_rule (lc.resources, true, 'c', 10, 229, "rwm"),
          "cgroup: made when the config has no linux.resources");
  for (size_t i = 0; lc.resources && i < lc.resources->n_devices; i++)
    free (lc.resources->devices[i].access);
  if (lc.resources)
    free (lc.resources->devices);
  free (lc.resources);
}

int
main (void)
{
  test_parse_id ();
  test_resolve ();
  test_id_allowed ();
  test_apply_policy ();
  test_apply_policy_errors ();
  test_every_device_list ();
  test_cgroup_rules ();
  return tap_done ();
}
