/* Unit tests for the admin policy (policy.c): defaults, /etc/subuid and /etc/subgid, the file's
   keys, and one clear error naming the file and the key for anything wrong. */
#include <config.h>
#include "policy.h"
#include "utils.h"
#include "tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ORIGIN "/etc/ecirun/ecirun.json"

static char tmpdir[] = "/tmp/ecirun-test-policy.XXXXXX";

static char *
tmpfile_with (const char *name, const char *content, mode_t mode)
{
  char *path = xasprintf ("%s/%s", tmpdir, name);
  ecirun_error_t err = NULL;

  unlink (path);
  if (write_file_at (AT_FDCWD, path, content, strlen (content), mode, &err) < 0)
    {
      printf ("# %s\n", err->msg);
      error_release (&err);
    }
  chmod (path, mode);
  return path;
}

static char *missing_subuid, *missing_subgid;

/* policy_parse must fail with one line that starts with the origin and contains want. */
static void
expect_error (const char *json, const char *want)
{
  struct ecirun_policy p;
  ecirun_error_t err = NULL;
  int r = policy_parse (json, strlen (json), ORIGIN, missing_subuid, missing_subgid, &p, &err);
  const char *msg = err ? err->msg : NULL;
  bool ok = r < 0 && msg && strncmp (msg, ORIGIN ": ", strlen (ORIGIN) + 2) == 0
            && strstr (msg, want) && strchr (msg, '\n') == NULL;

  TAP_OK (ok, "error: %s", want);
  if (!ok)
    printf ("#   got: %s\n", msg ? msg : "(no error)");
  if (r == 0)
    policy_release (&p);
  error_release (&err);
}

static void
test_defaults (void)
{
  struct ecirun_policy p;
  ecirun_error_t err = NULL;
  cleanup_free char *missing = xasprintf ("%s/nonexistent.json", tmpdir);
  int r = policy_load_from (missing, missing_subuid, missing_subgid, &p, &err);

  TAP_OK (r == 0, "a missing policy file gives the defaults (%s)", err ? err->msg : "ok");
  if (r < 0)
    {
      error_release (&err);
      return;
    }
  TAP_OK (!p.from_file, "defaults: not from a file");
  TAP_OK (p.uid_first == 268435456 && p.gid_first == 268435456 && p.pool_size == 268435456,
          "defaults: pool 2^28 + 2^28");
  TAP_OK (p.pool_source == POLICY_POOL_BUILTIN, "defaults: built-in pool");
  TAP_OK (p.block_size == 65536 && policy_block_count (&p) == 4096,
          "defaults: 4096 blocks of 65536");
  TAP_STR_EQ (p.state_dir, "/var/lib/ecirun", "defaults: stateDir");
  TAP_OK (strv_len (p.allowed_devices) == 8 && strcmp (p.allowed_devices[6], "/dev/fuse") == 0
              && strcmp (p.allowed_devices[7], "/dev/net/tun") == 0,
          "defaults: allowedDevices, the standard nodes, /dev/fuse and /dev/net/tun");
  TAP_OK (!p.idmap_chown_fallback, "defaults: idmapFallback none");
  TAP_OK (p.on_exhaustion == POLICY_EXHAUSTION_REFUSE, "defaults: onExhaustion refuse");
  TAP_STR_EQ (p.path, missing, "defaults: path kept for messages");
  TAP_OK (p.emulation == POLICY_EMULATE_ALL, "defaults: every emulation group on");
  policy_release (&p);

  /* An empty object is the defaults too, but from a file. */
  r = policy_parse ("{}", 2, ORIGIN, missing_subuid, missing_subgid, &p, &err);
  TAP_OK (r == 0 && p.from_file && p.block_size == 65536 && p.pool_source == POLICY_POOL_BUILTIN,
          "{} is the defaults");
  if (r == 0)
    policy_release (&p);
  error_release (&err);
}

static void
test_subid (void)
{
  cleanup_free char *su = tmpfile_with ("subuid",
                                        "root:100000:65536\n"
                                        "# comment\n\n"
                                        "ecirunx:1:2\n"
                                        "ecirun:1000000:655360\n"
                                        "ecirun:5000000:65536\n",
                                        0644);
  cleanup_free char *sg = tmpfile_with ("subgid", "ecirun:2000000:1310720\n", 0644);
  cleanup_free char *sg_none = tmpfile_with ("subgid-none", "root:100000:65536\n", 0644);
  cleanup_free char *su_zero = tmpfile_with ("subuid-zero", "ecirun:0:655360\n", 0644);
  cleanup_free char *su_bad = tmpfile_with ("subuid-bad", "root:1:2\necirun:abc:5\n", 0644);
  cleanup_free char *su_small = tmpfile_with ("subuid-small", "ecirun:1000000:1000\n", 0644);
  cleanup_free char *su_over = tmpfile_with ("subuid-over", "ecirun:4294901760:65536\n", 0644);
  cleanup_free char *missing = xasprintf ("%s/nonexistent.json", tmpdir);
  struct ecirun_policy p;
  ecirun_error_t err = NULL;
  int r;

  r = policy_load_from (missing, su, sg, &p, &err);
  TAP_OK (r == 0, "subuid/subgid: loaded (%s)", err ? err->msg : "ok");
  if (r == 0)
    {
      TAP_OK (p.uid_first == 1000000 && p.gid_first == 2000000, "subuid/subgid: first of each");
      TAP_OK (p.pool_size == 655360, "subuid/subgid: size is the smaller count");
      TAP_OK (p.pool_source == POLICY_POOL_SUBID, "subuid/subgid: source");
      TAP_OK (policy_block_count (&p) == 10, "subuid/subgid: 10 blocks");
      policy_release (&p);
    }
  error_release (&err);

  /* An idPool in the file wins over /etc/subuid. */
  {
    const char *j = "{\"idPool\": {\"uidFirst\": 300000, \"gidFirst\": 400000, \"size\": 131072}}";
    r = policy_parse (j, strlen (j), ORIGIN, su, sg, &p, &err);
    TAP_OK (r == 0 && p.uid_first == 300000 && p.gid_first == 400000 && p.pool_size == 131072
                && p.pool_source == POLICY_POOL_FILE,
            "idPool in the file overrides subuid/subgid");
    if (r == 0)
      policy_release (&p);
    error_release (&err);
  }

  r = policy_load_from (missing, su, sg_none, &p, &err);
  TAP_OK (r < 0 && err && strstr (err->msg, "subgid-none has none"),
          "an ecirun entry in subuid only is refused (%s)", err ? err->msg : "no error");
  error_release (&err);

  r = policy_load_from (missing, su_zero, sg, &p, &err);
  TAP_OK (r < 0 && err
              && strstr (err->msg, "subuid-zero: the ecirun range must not include host ID 0"),
          "a subuid range with host ID 0 is refused (%s)", err ? err->msg : "no error");
  error_release (&err);

  r = policy_load_from (missing, su_bad, sg, &p, &err);
  TAP_OK (r < 0 && err && strstr (err->msg, "subuid-bad: line 2: invalid ecirun entry"),
          "a malformed ecirun entry names file and line (%s)", err ? err->msg : "no error");
  error_release (&err);

  r = policy_load_from (missing, su_small, sg, &p, &err);
  TAP_OK (r < 0 && err && strstr (err->msg, "fewer than one block"),
          "a subuid range smaller than a block is refused (%s)", err ? err->msg : "no error");
  error_release (&err);

  r = policy_load_from (missing, su_over, sg, &p, &err);
  TAP_OK (r < 0 && err && strstr (err->msg, "overflows the 32-bit ID space"),
          "a subuid range reaching (uid_t) -1 is refused (%s)", err ? err->msg : "no error");
  error_release (&err);
}

static void
test_file (void)
{
  const char *j = "{\n"
                  "  // comments are accepted, as in config.json\n"
                  "  \"idPool\": {\"uidFirst\": 100000, \"gidFirst\": 200000, \"size\": 655360},\n"
                  "  \"blockSize\": 131072,\n"
                  "  \"onExhaustion\": \"refuse\",\n"
                  "  \"stateDir\": \"/srv/ecirun\",\n"
                  "  \"idmapFallback\": \"none\"\n"
                  "}\n";
  cleanup_free char *path = tmpfile_with ("ecirun.json", j, 0644);
  cleanup_free char *json = NULL;
  struct ecirun_policy p;
  ecirun_error_t err = NULL;
  int r;

  setenv ("ECIRUN_POLICY", path, 1);
  setenv ("ECIRUN_SUBUID", missing_subuid, 1);
  setenv ("ECIRUN_SUBGID", missing_subgid, 1);
  r = policy_load (&p, &err);
  TAP_OK (r == 0, "ECIRUN_POLICY file loaded (%s)", err ? err->msg : "ok");
  if (r < 0)
    {
      error_release (&err);
      return;
    }
  TAP_OK (p.from_file, "file: from_file");
  TAP_STR_EQ (p.path, path, "file: path");
  TAP_OK (p.uid_first == 100000 && p.gid_first == 200000 && p.pool_size == 655360, "file: idPool");
  TAP_OK (p.block_size == 131072 && policy_block_count (&p) == 5, "file: blockSize, 5 blocks");
  TAP_STR_EQ (p.state_dir, "/srv/ecirun", "file: stateDir");
  TAP_OK (!p.idmap_chown_fallback, "file: idmapFallback none");
  json = policy_to_json (&p);
  TAP_OK (json && strstr (json, "\"blockSize\":131072")
              && strstr (json, "\"idmapFallback\":\"none\"") && strstr (json, "\"uidFirst\":100000")
              && strstr (json, "\"source\":\"file\"")
              && strstr (json, "\"stateDir\":\"/srv/ecirun\"") && strstr (json, "\"blocks\":5"),
          "policy_to_json: %s", json ? json : "(null)");
  policy_release (&p);
  unsetenv ("ECIRUN_POLICY");
  unsetenv ("ECIRUN_SUBUID");
  unsetenv ("ECIRUN_SUBGID");

  if (geteuid () == 0)
    {
      cleanup_free char *ww = tmpfile_with ("world-writable.json", "{}", 0666);
      r = policy_load_from (ww, missing_subuid, missing_subgid, &p, &err);
      TAP_OK (r < 0 && err && strstr (err->msg, "must be owned by root and not writable"),
              "as root, a world-writable policy is refused (%s)", err ? err->msg : "no error");
      error_release (&err);
    }
  else
    TAP_OK (1, "# SKIP world-writable policy check needs root");

  {
    cleanup_free char *dir = xasprintf ("%s", tmpdir);
    r = policy_load_from (dir, missing_subuid, missing_subgid, &p, &err);
    TAP_OK (r < 0 && err && strstr (err->msg, "not a regular file"),
            "a directory as the policy is refused (%s)", err ? err->msg : "no error");
    error_release (&err);
  }

  {
    cleanup_free char *bad
        = tmpfile_with ("bad.json", "{\"blockSize\": 65536,\n \"stateDir\": }", 0644);
    r = policy_load_from (bad, missing_subuid, missing_subgid, &p, &err);
    TAP_OK (r < 0 && err && strncmp (err->msg, bad, strlen (bad)) == 0
                && strstr (err->msg, "invalid JSON at line 2"),
            "malformed JSON names the file and the line (%s)", err ? err->msg : "no error");
    error_release (&err);
  }
}

static void
test_allowed_devices (void)
{
  const char *j = "{\"allowedDevices\": [\"/dev/kvm\", \"/dev/dri/*\", \"c 10:229\", \"c 226:*\", "
                  "\"/dev/net/\"]}";
  struct ecirun_policy p;
  ecirun_error_t err = NULL;
  int r = policy_parse (j, strlen (j), ORIGIN, missing_subuid, missing_subgid, &p, &err);

  TAP_OK (r == 0, "allowedDevices: host paths, patterns and device numbers (%s)",
          err ? err->msg : "ok");
  if (r < 0)
    {
      error_release (&err);
      return;
    }
  TAP_OK (strv_len (p.allowed_devices) == 5 && strcmp (p.allowed_devices[2], "c 10:229") == 0
              && strcmp (p.allowed_devices[3], "c 226:*") == 0
              && strcmp (p.allowed_devices[4], "/dev/net") == 0,
          "allowedDevices: kept as written (a trailing / dropped)");
  policy_release (&p);
}

/* emulation: true, false, or one boolean per group (absent ones on). */
static void
test_emulation (void)
{
  static const struct
  {
    const char *json;
    unsigned want;
  } cases[] = {
    { "{}", POLICY_EMULATE_ALL },
    { "{\"emulation\": null}", POLICY_EMULATE_ALL },
    { "{\"emulation\": true}", POLICY_EMULATE_ALL },
    { "{\"emulation\": false}", 0 },
    { "{\"emulation\": {}}", POLICY_EMULATE_ALL },
    { "{\"emulation\": {\"sysctl\": false}}", POLICY_EMULATE_ALL & ~POLICY_EMULATE_SYSCTL },
    { "{\"emulation\": {\"memory\": false, \"cpu\": false, \"dmi\": true}}",
      POLICY_EMULATE_ALL & ~(POLICY_EMULATE_MEMORY | POLICY_EMULATE_CPU) },
    { "{\"emulation\": {\"memory\": false, \"cpu\": false, \"uptime\": false, \"loadavg\": "
      "false, \"diskstats\": false, \"sysctl\": false, \"sysKernel\": false, \"dmi\": false}}",
      0 },
  };

  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      struct ecirun_policy p;
      ecirun_error_t err = NULL;
      int r = policy_parse (cases[i].json, strlen (cases[i].json), ORIGIN, missing_subuid,
                            missing_subgid, &p, &err);
      TAP_OK (r == 0 && p.emulation == cases[i].want, "emulation %s: 0x%x (got 0x%x%s%s)",
              cases[i].json, cases[i].want, r == 0 ? p.emulation : 0, err ? ", " : "",
              err ? err->msg : "");
      if (r == 0 && i == 6)
        {
          cleanup_free char *json = policy_to_json (&p);
          TAP_OK (json
                      && strstr (json, "\"emulation\":{\"memory\":false,\"cpu\":false,\"uptime\":"
                                       "true,\"loadavg\":true,\"diskstats\":true,\"sysctl\":true,"
                                       "\"sysKernel\":true,\"dmi\":true}"),
                  "policy_to_json shows every emulation group: %s", json ? json : "(null)");
        }
      if (r == 0)
        policy_release (&p);
      error_release (&err);
    }
}

static void
test_errors (void)
{
#define POOL(u, g, s) "{\"idPool\": {\"uidFirst\": " u ", \"gidFirst\": " g ", \"size\": " s "}}"
  expect_error ("{\"restrictedMounts\": \"/etc\"}", ORIGIN ": restrictedMounts must be an array");
  expect_error ("{\"restrictedMounts\": [\"/etc\", 3]}", "restrictedMounts[1] must be a string");
  expect_error ("{\"restrictedMounts\": [\"etc\"]}",
                "restrictedMounts[0] must be an absolute path, got \"etc\"");
  expect_error ("{\"restrictedMounts\": [\"/var/../etc\"]}",
                "restrictedMounts[0] must be a normalised path");
  expect_error ("{\"restrictedMounts\": [\"/var/lib/*\"]}",
                "restrictedMounts[0] must be a plain path (patterns belong in allowedMounts)");
  expect_error ("{\"allowedMounts\": [\"/srv//x\"]}", "allowedMounts[0] must be a normalised path");
  expect_error ("{\"allowedMount\": []}", "unknown key allowedMount");
  expect_error (POOL ("100000", "100000", "0"), ORIGIN ": idPool.size must be a positive integer");
  expect_error (POOL ("100000", "100000", "-65536"), "idPool.size must be a positive integer");
  expect_error (POOL ("100000", "100000", "65536.5"), "idPool.size must be a positive integer");
  expect_error (POOL ("100000", "100000", "\"65536\""), "idPool.size must be a positive integer");
  expect_error (POOL ("100000", "100000", "1e6"), "idPool.size must be a positive integer");
  expect_error (POOL ("100000", "100000", "5000000000"), "idPool.size is out of range");
  expect_error (POOL ("true", "100000", "65536"), "idPool.uidFirst must be a non-negative integer");
  expect_error (POOL ("100000", "-1", "65536"), "idPool.gidFirst must be a non-negative integer");
  expect_error (POOL ("0", "100000", "65536"), "idPool.uidFirst must not be 0");
  expect_error (POOL ("100000", "0", "65536"), "idPool.gidFirst must not be 0");
  expect_error (POOL ("4294901760", "100000", "65536"), "idPool overflows the 32-bit ID space");
  expect_error (POOL ("100000", "4294000000", "1000000"), "idPool overflows");
  expect_error (POOL ("100000", "100000", "65535"),
                "idPool.size (65535) must hold at least one block of blockSize (65536)");
  expect_error ("{\"idPool\": {\"uidFirst\": 100000, \"size\": 65536}}",
                "idPool.gidFirst is required");
  expect_error (
      "{\"idPool\": {\"uidFirst\": 100000, \"gidFirst\": 1, \"size\": 65536, \"uidfirst\": 1}}",
      "unknown key idPool.uidfirst (known keys of idPool: uidFirst, gidFirst, size)");
  expect_error ("{\"idPool\": []}", "idPool must be an object");
  expect_error ("{\"idpool\": {}}", "unknown key idpool (known keys: idPool, blockSize");
  expect_error ("{\"emulation\": {\"meminfo\": false}}",
                "unknown key emulation.meminfo (known keys of emulation: memory, cpu, uptime, "
                "loadavg, diskstats, sysctl, sysKernel, dmi)");
  expect_error ("{\"emulation\": {\"cpu\": 0}}", "emulation.cpu must be a boolean");
  expect_error ("{\"emulation\": \"off\"}", "emulation must be a boolean or an object of booleans");
  expect_error ("{\"emulation\": {\"cpu\": false, \"cpu\": true}}", "duplicate key emulation.cpu");
  expect_error ("{\"allowedDevices\": [\"/dev/fuse\", \"/etc/x\"]}",
                "allowedDevices[1] must be a path under /dev/, got \"/etc/x\"");
  expect_error ("{\"allowedDevices\": \"/dev/fuse\"}", "allowedDevices must be an array");
  expect_error ("{\"allowedDevices\": [\"b 8:*\"]}",
                "allowedDevices[0] names block devices, which are never given to containers");
  expect_error ("{\"allowedDevices\": [\"c 10\"]}",
                "allowedDevices[0] must be a path under /dev/ or device numbers \"c MAJOR:MINOR\"");
  expect_error ("{\"allowedDevices\": [\"fuse\"]}",
                "allowedDevices[0] must be a path under /dev/ or");
  expect_error ("{\"allowedDevices\": [\"/dev/../etc\"]}",
                "allowedDevices[0] must be a normalised path");
  expect_error ("{\"blockSize\": 65536, \"blockSize\": 131072}", "duplicate key blockSize");
  expect_error ("{\"blockSize\": 1000}", "blockSize must be at least 65536, got 1000");
  expect_error ("{\"blockSize\": 0}", "blockSize must be a positive integer");
  expect_error ("{\"blockSize\": \"65536\"}", "blockSize must be a positive integer");
  expect_error ("{\"blockSize\": 536870912}",
                "idPool.size (268435456) must hold at least one block of blockSize (536870912)");
  expect_error ("{\"onExhaustion\": \"wait\"}",
                "onExhaustion must be \"refuse\" (the only supported value), got \"wait\"");
  expect_error ("{\"onExhaustion\": 1}", "onExhaustion must be a string");
  expect_error ("{\"idmapFallback\": \"yes\"}",
                "idmapFallback must be \"none\" or \"chown\", got \"yes\"");
  expect_error ("{\"idmapFallback\": true}", "idmapFallback must be a string");
  expect_error ("{\"idmapFallback\": \"chown\"}",
                "idmapFallback: \"chown\" is not supported yet (only \"none\")");
  expect_error ("{\"stateDir\": \"var/lib/ecirun\"}", "stateDir must be an absolute path");
  expect_error ("{\"stateDir\": \"\"}", "stateDir must be an absolute path");
  expect_error ("{\"stateDir\": 5}", "stateDir must be a string");
  expect_error ("[]", "the top-level JSON value must be an object");
  expect_error ("{\"blockSize\": }", "invalid JSON at line 1");
  expect_error ("", "invalid JSON");
#undef POOL
}

/* eciExceptions: none by default, each a --root and the annotations a container must carry. */
static void
test_eci_exceptions (void)
{
  static const char json[]
      = "{\"eciExceptions\": [{\"root\": \"/run/containerd/runc/k8s.io\", \"annotations\": "
        "{\"io.kubernetes.cri.sandbox-namespace\": \"kube-system\"}}, {\"root\": \"/run/x/\"}]}";
  struct ecirun_policy p;
  ecirun_error_t err = NULL;
  int r = policy_parse ("{}", 2, ORIGIN, missing_subuid, missing_subgid, &p, &err);

  TAP_OK (r == 0 && p.n_eci_exceptions == 0, "no eciExceptions by default");
  if (r == 0)
    policy_release (&p);
  r = policy_parse (json, strlen (json), ORIGIN, missing_subuid, missing_subgid, &p, &err);
  TAP_OK (r == 0, "eciExceptions parse (%s)", err ? err->msg : "ok");
  if (r < 0)
    {
      error_release (&err);
      return;
    }
  TAP_OK (p.n_eci_exceptions == 2
              && strcmp (p.eci_exceptions[0].root, "/run/containerd/runc/k8s.io") == 0
              && p.eci_exceptions[0].annotations.len == 1
              && strcmp (kv_list_get (&p.eci_exceptions[0].annotations,
                                      "io.kubernetes.cri.sandbox-namespace"),
                         "kube-system")
                     == 0,
          "an exception: its root and annotations");
  TAP_OK (p.n_eci_exceptions == 2 && strcmp (p.eci_exceptions[1].root, "/run/x") == 0
              && p.eci_exceptions[1].annotations.len == 0,
          "a root alone, trailing / dropped");
  {
    cleanup_free char *j = policy_to_json (&p);
    TAP_OK (j
                && strstr (j, "\"eciExceptions\":[{\"root\":\"/run/containerd/runc/k8s.io\","
                              "\"annotations\":{\"io.kubernetes.cri.sandbox-namespace\":"
                              "\"kube-system\"}}"),
            "features shows them: %s", j);
  }
  policy_release (&p);
  expect_error ("{\"eciExceptions\": {}}", "eciExceptions must be an array");
  expect_error ("{\"eciExceptions\": [{}]}", "eciExceptions[0].root is required");
  expect_error ("{\"eciExceptions\": [{\"root\": \"run/x\"}]}",
                "eciExceptions[0].root must be an absolute path");
  expect_error ("{\"eciExceptions\": [{\"root\": \"/run/x\", \"image\": \"pause\"}]}",
                "unknown key eciExceptions[0].image");
  expect_error ("{\"eciExceptions\": [{\"root\": \"/run/x\", \"annotations\": {\"a\": 1}}]}",
                "eciExceptions[0].annotations.a must be a string");
}

int
main (void)
{
  if (mkdtemp (tmpdir) == NULL)
    {
      perror ("mkdtemp");
      return 1;
    }
  missing_subuid = xasprintf ("%s/no-subuid", tmpdir);
  missing_subgid = xasprintf ("%s/no-subgid", tmpdir);
  test_defaults ();
  test_subid ();
  test_file ();
  test_allowed_devices ();
  test_emulation ();
  test_errors ();
  test_eci_exceptions ();
  {
    ecirun_error_t err = NULL;
    remove_tree_at (AT_FDCWD, tmpdir, &err);
    error_release (&err);
  }
  free (missing_subuid);
  free (missing_subgid);
  return tap_done ();
}
