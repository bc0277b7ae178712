/* Unit tests for the restricted-mounts guard (mount_guard.c): which host paths a container may
   get as a bind source or as its root, under the default policy and an admin's own lists. */
#include <config.h>
#include "engine.h"
#include "mount_guard.h"
#include "mountinfo.h"
#include "policy.h"
#include "utils.h"
#include "tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const verdicts[] = { "allowed", "is", "contains", "inside" };

static void
expect (const struct mount_guard *g, const char *path, bool rootfs, enum mount_guard_verdict want,
        const char *want_rule)
{
  const char *rule = NULL, *why = NULL;
  enum mount_guard_verdict v = mount_guard_check (g, path, rootfs, &rule, &why);
  bool ok
      = v == want && (want_rule == NULL ? rule == NULL : (rule && strcmp (rule, want_rule) == 0));

  TAP_OK (ok, "%s %s: %s%s%s", rootfs ? "root" : "bind", path, verdicts[want], want_rule ? " " : "",
          want_rule ? want_rule : "");
  if (!ok)
    printf ("#   got: %s %s\n", verdicts[v], rule ? rule : "(none)");
}

static void
test_defaults (void)
{
  struct ecirun_policy p;
  ecirun_error_t err = NULL;
  struct mount_guard g = { .policy = &p, .id = "c0ffee", .state_root = "/run/ecirun-test" };

  if (policy_parse ("{}", 2, "test", "/nonexistent/subuid", "/nonexistent/subgid", &p, &err) < 0)
    {
      TAP_OK (0, "default policy: %s", err->msg);
      error_release (&err);
      return;
    }
  /* The host's configuration, kernel interfaces, engine sockets and data. */
  expect (&g, "/etc", false, MOUNT_GUARD_IS, "/etc");
  expect (&g, "/etc/shadow", false, MOUNT_GUARD_INSIDE, "/etc");
  expect (&g, "/proc/1/root", false, MOUNT_GUARD_INSIDE, "/proc");
  expect (&g, "/sys/fs/cgroup", false, MOUNT_GUARD_INSIDE, "/sys");
  expect (&g, "/dev/sda", false, MOUNT_GUARD_INSIDE, "/dev");
  expect (&g, "/run/docker.sock", false, MOUNT_GUARD_IS, "/run/docker.sock");
  expect (&g, "/run/containerd/containerd.sock", false, MOUNT_GUARD_INSIDE, "/run/containerd");
  expect (&g, "/var/lib/docker", false, MOUNT_GUARD_IS, "/var/lib/docker");
  expect (&g, "/var/lib/docker/overlay2/abc/diff", false, MOUNT_GUARD_INSIDE, "/var/lib/docker");
  /* Ancestors of any of them: the whole host, /var, /run. */
  expect (&g, "/", false, MOUNT_GUARD_CONTAINS, "/boot");
  expect (&g, "/var", false, MOUNT_GUARD_CONTAINS, "/var/lib/containerd");
  expect (&g, "/run", false, MOUNT_GUARD_CONTAINS, "/run/containerd");
  /* ecirun's own state: its --root and stateDir, whatever the lists say. */
  expect (&g, "/run/ecirun-test/c1/exec.fifo", false, MOUNT_GUARD_INSIDE, "/run/ecirun-test");
  expect (&g, "/var/lib/ecirun/idblocks", false, MOUNT_GUARD_INSIDE, "/var/lib/ecirun");
  /* Not a prefix match on names: /etcetera and /devices are ordinary directories. */
  expect (&g, "/etcetera", false, MOUNT_GUARD_ALLOWED, NULL);
  expect (&g, "/srv/devices", false, MOUNT_GUARD_ALLOWED, NULL);
  expect (&g, "/home/user/project", false, MOUNT_GUARD_ALLOWED, NULL);
  expect (&g, "/tmp", false, MOUNT_GUARD_ALLOWED, NULL);
  /* What dockerd itself binds: its own files, volumes, a joined container's network files. */
  expect (&g, "/var/lib/docker/containers/c0ffee/hosts", false, MOUNT_GUARD_ALLOWED, NULL);
  expect (&g, "/var/lib/docker/containers/c0ffee/mounts/secrets", false, MOUNT_GUARD_ALLOWED, NULL);
  /* Another container's network files only for a container that joins its network namespace. */
  expect (&g, "/var/lib/docker/containers/other/resolv.conf", false, MOUNT_GUARD_INSIDE,
          "/var/lib/docker");
  expect (&g, "/var/lib/docker/containers/other/mounts/shm", false, MOUNT_GUARD_INSIDE,
          "/var/lib/docker");
  {
    char *net[] = { "other", NULL }, *ipc[] = { "third", NULL };
    g.net_ids = net;
    g.ipc_ids = ipc;
    expect (&g, "/var/lib/docker/containers/other/resolv.conf", false, MOUNT_GUARD_ALLOWED, NULL);
    expect (&g, "/var/lib/docker/containers/other/hosts", false, MOUNT_GUARD_ALLOWED, NULL);
    expect (&g, "/var/lib/docker/containers/other/mounts/shm", false, MOUNT_GUARD_INSIDE,
            "/var/lib/docker");
    expect (&g, "/var/lib/docker/containers/third/mounts/shm", false, MOUNT_GUARD_ALLOWED, NULL);
    expect (&g, "/var/lib/docker/containers/third/hosts", false, MOUNT_GUARD_INSIDE,
            "/var/lib/docker");
    g.net_ids = g.ipc_ids = NULL;
  }
  expect (&g, "/var/lib/docker/containers/other/config.v2.json", false, MOUNT_GUARD_INSIDE,
          "/var/lib/docker");
  expect (&g, "/var/lib/docker/containers", false, MOUNT_GUARD_INSIDE, "/var/lib/docker");
  expect (&g, "/var/lib/docker/volumes/data/_data", false, MOUNT_GUARD_ALLOWED, NULL);
  expect (&g, "/var/lib/docker/volumes/data/_data/sub/file", false, MOUNT_GUARD_ALLOWED, NULL);
  expect (&g, "/var/lib/docker/volumes/data", false, MOUNT_GUARD_INSIDE, "/var/lib/docker");
  expect (&g, "/var/lib/docker/volumes/.hidden/_data", false, MOUNT_GUARD_INSIDE,
          "/var/lib/docker");
  /* CRI-O / podman: this container's userdata only. */
  expect (&g, "/var/lib/containers/storage/overlay-containers/c0ffee/userdata/hosts", false,
          MOUNT_GUARD_ALLOWED, NULL);
  expect (&g, "/var/lib/containers/storage/overlay-containers/other/userdata/hosts", false,
          MOUNT_GUARD_INSIDE, "/var/lib/containers");
  /* A root may lie inside the engines' data (that is where they keep them), but never be a
     restricted path or contain one. */
  expect (&g, "/var/lib/docker/overlay2/abc/merged", true, MOUNT_GUARD_ALLOWED, NULL);
  expect (&g, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/c0ffee/rootfs", true,
          MOUNT_GUARD_ALLOWED, NULL);
  expect (&g, "/", true, MOUNT_GUARD_CONTAINS, "/boot");
  expect (&g, "/etc", true, MOUNT_GUARD_IS, "/etc");
  expect (&g, "/run", true, MOUNT_GUARD_CONTAINS, "/run/containerd");

  /* Without a container id, "{id}" matches nothing. */
  g.id = NULL;
  expect (&g, "/var/lib/docker/containers/c0ffee/mounts/secrets", false, MOUNT_GUARD_INSIDE,
          "/var/lib/docker");
  policy_release (&p);
}

static void
test_admin_lists (void)
{
  static const char json[]
      = "{\"restrictedMounts\": [\"/srv/engine/\", \"/opt/secrets\"],"
        " \"allowedMounts\": [\"/srv/engine/containers/{id}\", \"/srv/engine/vol-*\"]}";
  struct ecirun_policy p;
  ecirun_error_t err = NULL;
  struct mount_guard g = { .policy = &p, .id = "ct1", .state_root = "/tmp/eci-root" };

  if (policy_parse (json, strlen (json), "test", "/nonexistent/subuid", "/nonexistent/subgid", &p,
                    &err)
      < 0)
    {
      TAP_OK (0, "admin policy: %s", err->msg);
      error_release (&err);
      return;
    }
  TAP_STR_EQ (p.restricted_mounts[0], "/srv/engine", "a trailing / is dropped");
  TAP_OK (strv_len (p.restricted_mounts) == 2, "the file's list replaces the defaults");
  expect (&g, "/etc", false, MOUNT_GUARD_ALLOWED, NULL);
  expect (&g, "/srv/engine/containers/ct1/hosts", false, MOUNT_GUARD_ALLOWED, NULL);
  expect (&g, "/srv/engine/containers/ct2/hosts", false, MOUNT_GUARD_INSIDE, "/srv/engine");
  expect (&g, "/srv/engine/vol-a/x", false, MOUNT_GUARD_ALLOWED, NULL);
  expect (&g, "/srv/engine/vol/x", false, MOUNT_GUARD_INSIDE, "/srv/engine");
  expect (&g, "/opt/secrets", false, MOUNT_GUARD_IS, "/opt/secrets");
  expect (&g, "/opt", false, MOUNT_GUARD_CONTAINS, "/opt/secrets");
  expect (&g, "/tmp", false, MOUNT_GUARD_CONTAINS, "/tmp/eci-root");
  expect (&g, "/var/lib", false, MOUNT_GUARD_CONTAINS, "/var/lib/ecirun");
  policy_release (&p);
}

static void
test_patterns (void)
{
  struct ecirun_policy p = { 0 };
  struct engine_dirs e = { 0 };
  struct mount_guard g = { .policy = &p, .id = "ct.1", .engine = &e };
  char *net[] = { "n1", "n2", NULL };

  TAP_OK (mount_guard_pattern_covers (&g, "/a/*/c", "/a/b/c"), "* matches one component");
  TAP_OK (!mount_guard_pattern_covers (&g, "/a/*/c", "/a/b/x/c"), "* stops at /");
  TAP_OK (mount_guard_pattern_covers (&g, "/a/*/c", "/a/b/c/d/e"), "covers what is below");
  TAP_OK (!mount_guard_pattern_covers (&g, "/a/*/c", "/a/b"), "not what is above");
  TAP_OK (mount_guard_pattern_covers (&g, "/x/{id}/y", "/x/ct.1/y"), "{id} is the id");
  TAP_OK (!mount_guard_pattern_covers (&g, "/x/{id}/y", "/x/ct.12/y"), "{id} is all of the id");
  TAP_OK (!mount_guard_pattern_covers (&g, "/x/*", "/x/.git"), "* does not match a dot file");
  g.id = "";
  TAP_OK (!mount_guard_pattern_covers (&g, "/x/{id}", "/x"), "an empty id matches nothing");
  TAP_OK (!mount_guard_pattern_covers (&g, "/x/{net}/h", "/x/n1/h"), "no {net} without a join");
  g.net_ids = net;
  TAP_OK (mount_guard_pattern_covers (&g, "/x/{net}/h", "/x/n2/h"), "{net} is each joined id");
  TAP_OK (!mount_guard_pattern_covers (&g, "/x/{ipc}/h", "/x/n2/h"), "{ipc} is not {net}");
  TAP_OK (mount_guard_pattern_covers (&g, "{dockerRoot}/volumes/*/_data",
                                      "/var/lib/docker/volumes/v/_data"),
          "{dockerRoot} is /var/lib/docker by default");
  TAP_OK (
      !mount_guard_pattern_covers (&g, "{dockerRoot}/volumes/*/_data", "/srv/d/volumes/v/_data"),
      "... and nothing else when none was found");
  engine_dirs_learn (&e, "/srv/d/overlay2/abc/merged", "ct", false);
  TAP_OK (mount_guard_pattern_covers (&g, "{dockerRoot}/volumes/*/_data", "/srv/d/volumes/v/_data"),
          "{dockerRoot} is also the data root found for this create");
  engine_dirs_release (&e);
  TAP_OK (!mount_guard_pattern_covers (&g, "{buildkit}/resolv.conf", "/resolv.conf"),
          "no {buildkit} for a container that is not a BuildKit step");
  g.buildkit_dir = "/srv/d/buildkit/executor";
  TAP_OK (mount_guard_pattern_covers (&g, "{buildkit}/hosts.*", "/srv/d/buildkit/executor/hosts.x"),
          "{buildkit} is the executor directory of a BuildKit step");
}

static void
test_buildkit_dir (void)
{
  cleanup_free char *d = mount_guard_buildkit_dir ("/var/lib/docker/buildkit/executor/abc", "abc");

  TAP_OK (d && strcmp (d, "/var/lib/docker/buildkit/executor") == 0, "a BuildKit bundle: %s", d);
  TAP_OK (mount_guard_buildkit_dir ("/run/docker/containerd/abc", "abc") == NULL,
          "dockerd's bundle is no BuildKit step");
  TAP_OK (mount_guard_buildkit_dir ("/var/lib/docker/buildkit/executor/abc", "bc") == NULL,
          "the id is the whole last component");
  TAP_OK (mount_guard_buildkit_dir ("/x/buildkit/executor/abc/def", "def") == NULL,
          "directly in executor/");
}

/* engine_dirs_learn: which engine directory a path of the engine's shows. */
static void
expect_engine (const char *path, bool bind, enum engine_dir kind, const char *want)
{
  struct engine_dirs e = { 0 };
  const char *got;

  engine_dirs_learn (&e, path, "c0ffee", bind);
  got = e.dirs[kind] ? e.dirs[kind][0] : NULL;
  TAP_OK (want ? got && strcmp (got, want) == 0 : got == NULL, "engine %s%s: %s", path,
          bind ? " (bind)" : "", want ? want : "nothing");
  if (!(want ? got && strcmp (got, want) == 0 : got == NULL))
    printf ("#   got %s\n", got ? got : "(none)");
  engine_dirs_release (&e);
}

static void
test_engine (void)
{
  expect_engine ("/srv/x/data/overlay2/0123abcd/merged", false, ENGINE_DOCKER_ROOT, "/srv/x/data");
  expect_engine ("/srv/x/data/overlay2/l/ABCDEF", false, ENGINE_DOCKER_ROOT, "/srv/x/data");
  expect_engine ("/var/lib/docker/vfs/dir/abc", false, ENGINE_DOCKER_ROOT, "/var/lib/docker");
  expect_engine ("/d/containers/c0ffee/hosts", true, ENGINE_DOCKER_ROOT, "/d");
  expect_engine ("/d/containers/other/hosts", true, ENGINE_DOCKER_ROOT, NULL);
  expect_engine ("/home/u/overlay2/x/y", true, ENGINE_DOCKER_ROOT, NULL);
  expect_engine ("/c/io.containerd.snapshotter.v1.overlayfs/snapshots/12/fs", false,
                 ENGINE_CONTAINERD_ROOT, "/c");
  expect_engine ("/tmp/eng.1/state/io.containerd.runtime.v2.task/moby/c0ffee", false,
                 ENGINE_CONTAINERD_STATE, "/tmp/eng.1/state");
  expect_engine ("/var/lib/containers/storage/overlay-containers/c0ffee/userdata", false,
                 ENGINE_STORAGE_ROOT, "/var/lib/containers/storage");
  expect_engine ("/overlay2/abc/merged", false, ENGINE_DOCKER_ROOT, NULL);
  {
    static const char text[]
        = "Num       RefCount Protocol Flags    Type St Inode Path\n"
          "0000000000000000: 00000002 00000000 00010000 0001 01 24337 /run/docker.sock\n"
          "0000000000000000: 00000002 00000000 00010000 0001 01 24338 @/containerd-shim/x.sock\n"
          "0000000000000000: 00000003 00000000 00000000 0001 03 24339 /run/docker.sock\n"
          "0000000000000000: 00000002 00000000 00010000 0005 01 24340 /srv/x/my sock\n"
          "0000000000000000: 00000002 00000000 00000000 0002 01 24341\n";
    cleanup_strv char **v = engine_parse_listeners (text);
    TAP_OK (strv_len (v) == 2 && strcmp (v[0], "/run/docker.sock") == 0
                && strcmp (v[1], "/srv/x/my sock") == 0,
            "listening unix sockets: named ones only, not connections or abstract ones");
  }
}

/* mount_guard_open: the path a source resolves to is what is checked. */
static void
test_open (void)
{
  static const char json[] = "{\"restrictedMounts\": [\"/etc\"], \"allowedMounts\": []}";
  char dir[] = "/tmp/ecirun-test-guard.XXXXXX";
  struct ecirun_policy p;
  ecirun_error_t err = NULL;
  struct mount_guard g = { .policy = &p, .id = "ct1", .state_root = "/run/ecirun-test" };
  cleanup_free char *link = NULL, *plain = NULL;
  struct mountinfo_entry *mi = NULL;
  int fd;

  if (mkdtemp (dir) == NULL
      || policy_parse (json, strlen (json), "test", "/nonexistent/subuid", "/nonexistent/subgid",
                       &p, &err)
             < 0)
    {
      TAP_OK (0, "setup: %s", err ? err->msg : "mkdtemp");
      error_release (&err);
      return;
    }
  if (mountinfo_read ("/proc/self/mountinfo", &mi, &g.n_mounts, &err) < 0)
    {
      TAP_OK (0, "setup: %s", err->msg);
      error_release (&err);
      return;
    }
  g.mounts = mi;
  link = xasprintf ("%s/innocent", dir);
  plain = xasprintf ("%s/plain", dir);
  if (symlink ("/etc", link) < 0 || mkdir (plain, 0755) < 0)
    TAP_OK (0, "setup: symlink/mkdir");

  fd = mount_guard_open (&g, link, false, false, "mounts[0] (/x)", &err);
  TAP_OK (fd < 0 && err && strstr (err->msg, "mounts[0] (/x)") && strstr (err->msg, "(/etc)")
              && strstr (err->msg, "is the restricted host path /etc")
              && strstr (err->msg, "restrictedMounts"),
          "a symlink to /etc is refused, naming the mount, the real path and the rule");
  if (err)
    printf ("#   %s\n", err->msg);
  error_release (&err);
  if (fd >= 0)
    close (fd);

  fd = mount_guard_open (&g, plain, false, false, "mounts[1] (/y)", &err);
  TAP_OK (fd >= 0, "an ordinary directory is opened (%s)", err ? err->msg : "ok");
  error_release (&err);
  if (fd >= 0)
    {
      TAP_OK ((fcntl (fd, F_GETFD) & FD_CLOEXEC) != 0, "the fd is close-on-exec");
      close (fd);
    }
  fd = mount_guard_open (&g, "/nonexistent/source", false, false, "mounts[2] (/z)", &err);
  TAP_OK (fd < 0 && err && strstr (err->msg, "mounts[2] (/z): open `/nonexistent/source`"),
          "a missing source is one clear error");
  error_release (&err);

  unlink (link);
  rmdir (plain);
  rmdir (dir);
  mountinfo_free (mi, g.n_mounts);
  policy_release (&p);
}

#define MI_BASE                                                                                    \
  "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"                                                 \
  "23 22 0:21 / /proc rw - proc proc rw\n"                                                         \
  "24 22 0:22 / /run rw,nosuid - tmpfs tmpfs rw,mode=755\n"                                        \
  "30 22 8:1 /home/u/proj /srv/my\\040proj rw shared:1 - ext4 /dev/sda1 rw\n"                      \
  "35 30 8:1 /home/u/data /srv/my\\040proj/data rw - ext4 /dev/sda1 rw\n"                          \
  "36 30 0:40 / /srv/my\\040proj/scratch rw - tmpfs tmpfs rw\n"

/* mount_guard_check_mount on a mountinfo text: the source is the mount at mount point `src`
   (its whole content, or the bind below it); the error names what decided. */
static void
expect_mount (const char *text, const char *src, bool below, const char *want, const char *name)
{
  static const char json[] = "{\"restrictedMounts\": [\"/etc\", \"/run/docker.sock\"]}";
  struct ecirun_policy p;
  ecirun_error_t err = NULL;
  struct mount_guard g = { .policy = &p, .id = "ct1", .state_root = "/run/ecirun-test" };
  cleanup_free char *copy = xstrdup (text);
  struct mountinfo_entry *mi = NULL;
  size_t n;
  int r = 0;
  bool ok;

  if (policy_parse (json, strlen (json), "test", "/nonexistent/subuid", "/nonexistent/subgid", &p,
                    &err)
      < 0)
    {
      TAP_OK (0, "%s: %s", name, err->msg);
      error_release (&err);
      return;
    }
  n = mountinfo_parse (copy, &mi);
  g.mounts = mi;
  g.n_mounts = n;
  for (size_t i = 0; i < n && r == 0; i++)
    if (below ? guard_path_within (mi[i].mount_point, src) && strcmp (mi[i].mount_point, src)
              : strcmp (mi[i].mount_point, src) == 0)
      r = mount_guard_check_mount (&g, &mi[i], mi[i].root, mi[i].mount_point, false, "mounts[0]",
                                   src, below, 0, &err);
  ok = want == NULL ? r == 0 : r < 0 && err && strstr (err->msg, want) != NULL;
  TAP_OK (ok, "%s", name);
  if (!ok || err)
    printf ("#   %s\n", err ? err->msg : "(allowed)");
  error_release (&err);
  mountinfo_free (mi, n);
  policy_release (&p);
}

static void
test_submounts (void)
{
  struct mountinfo_entry *mi = NULL;
  cleanup_free char *copy = xstrdup (MI_BASE);
  size_t n = mountinfo_parse (copy, &mi);

  TAP_OK (n == 6 && strcmp (mi[3].mount_point, "/srv/my proj") == 0
              && strcmp (mi[3].root, "/home/u/proj") == 0 && mi[3].major == 8 && mi[3].minor == 1
              && strcmp (mi[3].fstype, "ext4") == 0
              && strcmp (mi[2].super_opts, "rw,mode=755") == 0,
          "mountinfo_parse: fields, escapes, optional fields");
  mountinfo_free (mi, n);

  expect_mount (MI_BASE, "/srv/my proj", true, NULL,
                "rbind: a bind and a tmpfs of its own below pass");
  expect_mount (MI_BASE "31 30 8:1 /etc /srv/my\\040proj/etc rw - ext4 /dev/sda1 rw\n",
                "/srv/my proj", true, "has /srv/my proj/etc mounted below it, and that is /etc",
                "rbind: /etc bound below is refused");
  expect_mount (MI_BASE "31 30 8:1 /etc/ssl /srv/my\\040proj/ssl rw - ext4 /dev/sda1 rw\n",
                "/srv/my proj", true,
                "which the host also shows at /etc/ssl: that is inside "
                "the restricted host path /etc",
                "rbind: a directory of /etc below is refused");
  expect_mount (MI_BASE "32 30 0:21 / /srv/my\\040proj/hostproc rw - proc proc rw\n",
                "/srv/my proj", true, "is on the host's proc file system",
                "rbind: the host's proc below is refused");
  expect_mount (MI_BASE "33 30 0:22 /docker.sock /srv/my\\040proj/sock rw - tmpfs tmpfs rw\n",
                "/srv/my proj", true,
                "shows at /run/docker.sock: that is the restricted host "
                "path /run/docker.sock",
                "rbind: a socket bound from another file system's mount is refused");
  expect_mount (MI_BASE "37 22 8:1 /etc /srv/other rw - ext4 /dev/sda1 rw\n", "/srv/my proj", true,
                NULL, "rbind: a restricted mount elsewhere does not matter");
  /* Aliases: what a mount shows, wherever it is mounted. */
  expect_mount (MI_BASE "40 22 8:1 / /srv/alias rw - ext4 /dev/sda1 rw\n", "/srv/alias", false,
                "`/srv/alias` is / of the ext4 file system /dev/sda1 (8:1), which the host also "
                "shows at /: that contains the restricted host path /etc",
                "a bind mount of / elsewhere is the host's /");
  expect_mount (MI_BASE "41 22 8:1 /etc /var/lib/vol/_data rw - ext4 /dev/sda1 rw\n",
                "/var/lib/vol/_data", false,
                "which the host also shows at /etc: that is the "
                "restricted host path /etc",
                "a volume bound from /etc is /etc");
  expect_mount (MI_BASE "42 22 0:22 / /srv/run rw - tmpfs tmpfs rw\n", "/srv/run", false,
                "shows at /run: that contains the restricted host path /run/docker.sock",
                "another mount of /run's tmpfs contains the engine's socket");
  expect_mount (MI_BASE "43 22 0:50 / /srv/vol rw - ext4 /dev/sdb1 rw\n", "/srv/vol", false, NULL,
                "a file system of its own passes");
  expect_mount (MI_BASE "44 22 0:21 / /srv/p rw - proc proc rw\n", "/srv/p", false,
                "is on the host's proc file system mounted at /srv/p", "a proc volume is refused");
  expect_mount (MI_BASE, "/srv/my proj", false, NULL, "an ordinary bind passes");
}

int
main (void)
{
  test_defaults ();
  test_admin_lists ();
  test_patterns ();
  test_buildkit_dir ();
  test_open ();
  test_submounts ();
  test_engine ();
  return tap_done ();
}
