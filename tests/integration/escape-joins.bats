#!/usr/bin/env bats
# Escape attempts through --no-pivot, joined namespaces and deep cgroups:
# - --no-pivot with every capability: `umount -l /`, re-entering the mount
#   namespace, a new proc or sysfs mount past the masks, chroot and `..` walks
#   must not reach the host's mount tree;
# - a user namespace joined by path must be a live ecirun container's (not the
#   host's, not a host process's identity-mapped one);
# - the ID block of a container whose namespaces are joined stays held while a
#   joiner lives;
# - cgroup teardown removes sub-cgroups deeper than 64 levels.
#
# runc fails most of these on purpose; each test says what runc lets through.

load helpers

setup() {
	setup_bundle
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/base-config.json"
	unset ECIRUN_POLICY
	# A file only the host's mount tree has: no escape may read it.
	HOST_MARKER="$TESTDIR/host-marker"
	echo "host-only-$$-$RANDOM" >"$HOST_MARKER"
}

teardown() {
	teardown_bundle
	unset ECIRUN_POLICY
}

# Every capability (what --privileged gives), with the spec's masks and read-only paths.
all_caps() {
	local caps
	caps=$("$ECIRUN" features | jq -c '.linux.capabilities')
	update_config '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c, "inheritable": $c, "ambient": $c}
		| .process.noNewPrivileges = false' --argjson c "$caps"
}

# A static helper in the rootfs, /bin/escape MODE PATH, that tries to read PATH
# (a host file) after:
#   chroot  a chroot into a subdirectory that keeps the cwd outside it, `..`
#           walked 64 times from there and from an fd of the old root, and a
#           chroot to where each walk ended;
#   setns   `umount -l /` and a setns into its own mount namespace (an fd
#           opened before: /proc is gone with / once it is detached).
build_escape_helper() {
	command -v gcc >/dev/null || skip "gcc is needed to build the escape helper"
	cat >"$BATS_TEST_TMPDIR/escape.c" <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
static void try_read (const char *how, const char *path)
{
  char buf[256];
  int fd = open (path, O_RDONLY), n;
  if (fd < 0) { printf ("%s: cannot open %s\n", how, path); return; }
  n = read (fd, buf, sizeof (buf) - 1);
  buf[n > 0 ? n : 0] = '\0';
  printf ("%s: READ %s", how, buf);
  close (fd);
}
int main (int argc, char **argv)
{
  int old = open ("/", O_RDONLY | O_DIRECTORY);
  if (argc < 3 || old < 0) return 2;
  if (strcmp (argv[1], "setns") == 0)
    {
      int ns = open ("/proc/self/ns/mnt", O_RDONLY);
      printf ("umount -l /: %s\n", umount2 ("/", MNT_DETACH) == 0 ? "ALLOWED" : "refused");
      if (ns < 0 || setns (ns, CLONE_NEWNS) < 0) perror ("setns");
      try_read ("setns", argv[2]);
      printf ("escape-done\n");
      return 0;
    }
  mkdir ("/escape-sub", 0755);
  if (chroot ("/escape-sub") < 0) { perror ("chroot"); return 1; }
  /* The cwd is still the old root: walk up from it. */
  for (int i = 0; i < 64; i++) (void)!chdir ("..");
  if (chroot (".") < 0) perror ("chroot .");
  try_read ("cwd walk", argv[2]);
  if (fchdir (old) == 0)
    {
      for (int i = 0; i < 64; i++) (void)!chdir ("..");
      if (chroot (".") < 0) perror ("chroot .");
      try_read ("fd walk", argv[2]);
    }
  printf ("escape-done\n");
  return 0;
}
C
	gcc -static -O -o "$BUNDLE/rootfs/bin/escape" "$BATS_TEST_TMPDIR/escape.c" 2>"$BATS_TEST_TMPDIR/gcc.log" ||
		skip "gcc -static failed: $(head -3 "$BATS_TEST_TMPDIR/gcc.log")"
}

# ---------------------------------------------------------------------------
# --no-pivot
# ---------------------------------------------------------------------------

# runc (and ecirun 97248e4): the rootfs is only moved over the host's / and
# chrooted into; nothing is locked, so `umount -l /` succeeds and setns into
# the container's own mount namespace (nsenter, `exec`) lands on the host's /.
@test "--no-pivot with every capability: umount -l / and re-entering the mount namespace never reach the host" {
	all_caps
	build_escape_helper
	local mode
	for mode in --no-pivot ""; do
		set_cmd "M=$HOST_MARKER"'
			try() { if "$@" 2>/dev/null; then echo "ALLOWED: $*"; else echo "refused: $*"; fi; }
			escape setns $M
			nsenter -m/proc/1/ns/mnt cat $M 2>/dev/null
			cat /proc/1/root$M /proc/self/root$M 2>/dev/null
			try umount -l /
			cat $M 2>/dev/null
			echo done; exec sleep 1000'
		ecirun run -d $mode ct1
		assert_ok
		wait_for_container 50 0.1 ct1 running
		wait_for_file 50 0.1 "$ECIRUN_LAST_LOG" '^done'
		output=$(cat "$ECIRUN_LAST_LOG")
		LAST_CMD="ct1's output ($mode)"
		refute_out_contains "host-only" "ALLOWED" READ
		assert_out_contains "refused: umount -l /" "umount -l /: refused" escape-done done
		# A process exec'd afterwards enters the same mount namespace.
		ecirun exec ct1 sh -c "cat $HOST_MARKER; ls /; echo exec-done"
		refute_out_contains "host-only"
		assert_out_contains bin exec-done
		[ ! -e "$BUNDLE/rootfs/$TESTDIR" ] || fail "the container made the host's path in its rootfs"
		ecirun delete --force ct1
		assert_ok
	done
	assert_nothing_left
}

# runc 1.1.15's own no_pivot.bats checks this one; ecirun 97248e4 let it
# through: its --no-pivot masks are not locked and the host's /proc stays in
# the mount namespace, so the kernel sees a fully visible proc and allows a
# new, unmasked one.
@test "--no-pivot with every capability: no new proc or sysfs mount past the masks" {
	all_caps
	local masked="" f mode
	for f in $(jq -r '.linux.maskedPaths[]' config.json); do
		if [[ "$f" == /proc/* ]] && [ -f "$f" ]; then masked=$f; break; fi
	done
	[ -n "$masked" ] || fail "none of the spec's maskedPaths is a /proc file on this host"
	for mode in --no-pivot ""; do
		set_cmd "masked=$masked"'
			try() { if "$@" 2>/dev/null; then echo "ALLOWED: $*"; else echo "refused: $*"; fi; }
			mkdir -p /tmp/p /tmp/s
			try mount -t proc proc /tmp/p
			try unshare -p -f mount -t proc proc /tmp/p
			try unshare -mrpf sh -c "mount -t proc none /proc && echo h > /proc/sysrq-trigger"
			try mount -t sysfs sysfs /tmp/s
			try umount $masked
			try umount -l /proc
			echo "masked=$(wc -c < $masked)"
			echo done'
		ecirun run $mode ct1
		assert_ok
		LAST_CMD="ecirun run $mode ct1"
		refute_out_contains ALLOWED
		assert_out_contains "refused: mount -t proc proc /tmp/p" "refused: mount -t sysfs sysfs /tmp/s" \
			"refused: umount $masked" masked=0 done
	done
	assert_nothing_left
}

# With CAP_SYS_CHROOT a chroot into a subdirectory leaves the cwd outside it,
# and `..` walks from there go up to the root of the moved rootfs's mount,
# then to the host's / below it, which the rootfs covers. runc and ecirun
# 97248e4 stop these walks too (this one is not a regression test): it
# guards that the locked copy, whose root is the host's / with the rootfs on
# top, keeps them inside.
@test "--no-pivot with every capability: chroot and .. walks stay in the rootfs" {
	all_caps
	build_escape_helper
	local mode
	for mode in --no-pivot ""; do
		set_cmd "M=$HOST_MARKER"'
			umount -l / 2>/dev/null
			escape chroot $M
			cd / && cd ../../../../.. && cat ./$M 2>/dev/null
			echo done'
		ecirun run $mode ct1
		assert_ok
		LAST_CMD="ecirun run $mode ct1"
		refute_out_contains "host-only" READ
		assert_out_contains escape-done done
	done
	assert_nothing_left
}
