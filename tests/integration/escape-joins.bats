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
	# Sub-cgroups deeper than PATH_MAX that a failing runtime left: find -execdir reaches them
	# (teardown_bundle's rmdir of whole paths cannot).
	local d
	for d in $(cgroup_all_paths); do
		[ -d "$d" ] && find "$d" -mindepth 1 -depth -type d -execdir rmdir {} + 2>/dev/null
	done
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
# new, unmasked one. Now the sidecar makes every new proc and sysfs (the kernel
# alone would refuse them): with the container's masks and read-only paths,
# locked.
@test "--no-pivot with every capability: a new proc or sysfs mount has the masks, locked" {
	all_caps
	local masked="" f mode
	for f in $(jq -r '.linux.maskedPaths[]' config.json); do
		if [[ "$f" == /proc/* ]] && [ -f "$f" ]; then masked=${f#/proc/}; break; fi
	done
	[ -n "$masked" ] || fail "none of the spec's maskedPaths is a /proc file on this host"
	jq -e '.linux.maskedPaths | index("/sys/firmware")' config.json >/dev/null || fail "the spec masks no /sys/firmware"
	jq -e '.linux.readonlyPaths | index("/proc/sys")' config.json >/dev/null || fail "the spec has no read-only /proc/sys"
	# A host proc where container root may not go (a chroot's, say): covered all the same.
	mkdir -p "$TESTDIR/private/p"
	chmod 0700 "$TESTDIR/private"
	mount -t proc proc "$TESTDIR/private/p"
	for mode in --no-pivot ""; do
		set_cmd "masked=$masked"'
			try() { if "$@" 2>/dev/null; then echo "ALLOWED: $*"; else echo "refused: $*"; fi; }
			mkdir -p /tmp/p /tmp/s
			mount -t proc proc /tmp/p && echo "new proc masked=$(wc -c < /tmp/p/$masked)/$(grep -c " /tmp/p/$masked " /proc/self/mountinfo)"
			try umount /tmp/p/$masked
			try sh -c "echo x > /tmp/p/sys/kernel/hostname"
			umount -l /tmp/p
			unshare -p -f sh -c "mount -t proc proc /tmp/p && echo nested masked=\$(wc -c < /tmp/p/$masked)/\$(grep -c \" /tmp/p/$masked \" /proc/self/mountinfo) && umount /tmp/p/$masked 2>/dev/null && echo ALLOWED nested umount"
			try unshare -mrpf sh -c "mount -t proc none /proc && echo h > /proc/sys/kernel/hostname"
			mount -t sysfs sysfs /tmp/s && echo "new sysfs firmware=$(ls -A /tmp/s/firmware | wc -l)"
			try umount /tmp/s/firmware
			try umount /proc/$masked
			try umount -l /proc
			echo "masked=$(wc -c < /proc/$masked)"
			echo done'
		ecirun run $mode ct1
		assert_ok
		LAST_CMD="ecirun run $mode ct1"
		refute_out_contains ALLOWED
		assert_out_contains "new proc masked=0/1" "nested masked=0/1" "new sysfs firmware=0" \
			"refused: umount /tmp/p/$masked" "refused: umount /tmp/s/firmware" \
			"refused: umount /proc/$masked" masked=0 done
	done
	umount "$TESTDIR/private/p"
	assert_nothing_left
}

# runc: --no-pivot runs whatever the host's mounts are. ecirun refuses it when a
# host proc is hidden under another mount, where nothing can cover it.
@test "--no-pivot: a host proc hidden under another mount is refused with one error line, nothing left" {
	mkdir -p "$TESTDIR/hid/p"
	mount -t proc proc "$TESTDIR/hid/p"
	mount -t tmpfs tmpfs "$TESTDIR/hid"
	set_cmd 'echo ran'
	ecirun run --no-pivot ct1
	assert_fail
	assert_out_contains "--no-pivot" "$TESTDIR/hid/p" "hidden"
	[ "${#lines[@]}" -eq 1 ] || fail "expected one error line"
	assert_nothing_left
	# pivot_root leaves none of the host's mounts behind: it runs.
	ecirun run ct1
	assert_ok
	assert_out_contains ran
	umount "$TESTDIR/hid"
	umount "$TESTDIR/hid/p"
}

# runc: the host's mount tree below the moved rootfs stays a slave of the
# host's, so a proc the host mounts later on a shared mount appears, fully
# visible, in the container's mount namespace: the kernel then allows the
# container a new, unmasked proc. ecirun 97248e4 the same. The sidecar's proc
# has the masks however visible a proc the container can see is.
@test "--no-pivot: a proc the host mounts later on a shared mount does not give the container an unmasked one" {
	all_caps
	local masked="" f
	for f in $(jq -r '.linux.maskedPaths[]' config.json); do
		if [[ "$f" == /proc/* ]] && [ -f "$f" ]; then masked=${f#/proc/}; break; fi
	done
	[ -n "$masked" ] || fail "none of the spec's maskedPaths is a /proc file on this host"
	mkdir -p "$TESTDIR/shared"
	mount -t tmpfs tmpfs "$TESTDIR/shared"
	mount --make-shared "$TESTDIR/shared"
	mkdir -p "$TESTDIR/shared/p"
	set_cmd "masked=$masked"'
		try() { if "$@" 2>/dev/null; then echo "ALLOWED: $*"; else echo "refused: $*"; fi; }
		mkdir -p /tmp/p
		while [ ! -e /go ]; do sleep 0.1; done
		mount -t proc proc /tmp/p && echo "new proc masked=$(wc -c < /tmp/p/$masked)/$(grep -c " /tmp/p/$masked " /proc/self/mountinfo)"
		try umount /tmp/p/$masked
		echo done; exec sleep 1000'
	ecirun run -d --no-pivot ct1
	assert_ok
	wait_for_container 50 0.1 ct1 running
	mount -t proc proc "$TESTDIR/shared/p"
	touch "$BUNDLE/rootfs/go"
	wait_for_file 50 0.1 "$ECIRUN_LAST_LOG" '^done'
	output=$(cat "$ECIRUN_LAST_LOG")
	LAST_CMD="ct1's output"
	refute_out_contains ALLOWED
	assert_out_contains "new proc masked=0/1" "refused: umount /tmp/p/$masked"
	umount "$TESTDIR/shared/p"
	umount "$TESTDIR/shared"
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

# ---------------------------------------------------------------------------
# Joining namespaces
# ---------------------------------------------------------------------------

# A policy of BLOCKS blocks with its own stateDir (as isolation.bats does), so
# that the test owns the pool it counts.
use_pool() {
	local first=$((1073741824 + (RANDOM % 512) * 64 * 65536))
	POLICY_STATE="$BATS_TEST_TMPDIR/state"
	jq -n --argjson f "$first" --argjson n "$1" --arg s "$POLICY_STATE" \
		'{idPool: {uidFirst: $f, gidFirst: $f, size: ($n * 65536)}, blockSize: 65536, stateDir: $s}' \
		>"$BATS_TEST_TMPDIR/policy.json"
	chmod 0644 "$BATS_TEST_TMPDIR/policy.json"
	export ECIRUN_POLICY="$BATS_TEST_TMPDIR/policy.json"
}

# A bundle of its own for container ID (the test's rootfs, a cgroup under the
# test's): bundle_for ID [JQ_EXPR [jq args]]
bundle_for() {
	local id=$1 b="$TESTDIR/b-$1"
	shift
	mkdir -p "$b"
	jq '.root.path = $r | .linux.cgroupsPath = $cg | .process.args = ["sleep", "1000"]' \
		--arg r "$BUNDLE/rootfs" --arg cg "$CGROUP/$id" "$BATS_TEST_TMPDIR/base-config.json" >"$b/config.json"
	if [ $# -gt 0 ]; then
		local expr=$1
		shift
		jq "$@" "$expr" "$b/config.json" >"$b/c.tmp" && mv "$b/c.tmp" "$b/config.json"
	fi
	echo "$b"
}

# start ID [JQ_EXPR [jq args]]: run a detached `sleep` container, wait for it.
start() {
	local id=$1 b
	b=$(bundle_for "$@")
	ecirun run -d --bundle "$b" "$id"
	assert_ok "run $id" || return 1
	wait_for_container 50 0.1 "$id" running
}

# A host process in a user namespace of its own that maps host root (what
# `unshare -U --map-root-user` makes), plus a network namespace it owns.
start_host_userns() {
	unshare -U --map-root-user -n sleep 1000 &
	HPID=$!
	track_pid "$HPID"
	retry 50 0.1 sh -c "[ \"\$(readlink /proc/$HPID/ns/user)\" != \"\$(readlink /proc/self/ns/user)\" ]"
	[ "$(tr -s ' ' <"/proc/$HPID/uid_map" | sed 's/^ //')" = "0 0 1" ] || fail "unexpected uid_map of the unshare process: $(cat "/proc/$HPID/uid_map")"
}

# runc joins whatever namespace path config.json names. ecirun 97248e4 refused
# only the host's own user namespace: an identity-mapped one made by any host
# process was joined as it is, and the container ran as host root (uid_map
# "0 0 1").
@test "joining a host process's user namespace, or a namespace it owns, is refused with one error line" {
	start_host_userns
	local what
	for what in user network; do
		cp "$BATS_TEST_TMPDIR/base-config.json" "$BUNDLE/config.json"
		# Only host gid 0 is mapped there: devpts gets no gid option, so that nothing but the
		# join itself can make the create fail.
		update_config '.mounts |= map(if .destination == "/dev/pts" then .options -= ["gid=5"] else . end)'
		if [ "$what" = user ]; then
			update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "user")] + [{"type": "user", "path": $p}]
				| del(.linux.uidMappings, .linux.gidMappings)' --arg p "/proc/$HPID/ns/user"
		else
			update_config '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
				--arg p "/proc/$HPID/ns/net"
		fi
		set_cmd 'id -u; cat /proc/self/uid_map'
		ecirun run ct1
		assert_fail
		assert_out_contains "/proc/$HPID/ns/" "live ecirun container"
		[ "${#lines[@]}" -eq 1 ] || fail "expected one error line"
		assert_nothing_left
	done
	# The host's own user namespace (pid 1's, where this test may open it, and the runtime's)
	# keeps its message.
	local p
	for p in /proc/1/ns/user /proc/self/ns/user; do
		readlink "$p" >/dev/null 2>&1 || continue
		cp "$BATS_TEST_TMPDIR/base-config.json" "$BUNDLE/config.json"
		update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "user")] + [{"type": "user", "path": $p}]' --arg p "$p"
		ecirun run ct1
		assert_fail
		assert_out_contains "host user namespace is not allowed" "$p"
		[ "${#lines[@]}" -eq 1 ] || fail "expected one error line"
		assert_nothing_left
	done
}

@test "joining a live ecirun container's user namespace by path works, and shares its ID block" {
	use_pool 2
	start cta
	local pa pb
	pa=$(container_pid cta)
	start ctb '.linux.namespaces = [.linux.namespaces[] | select(.type != "user")] + [{"type": "user", "path": $p}]
		| del(.linux.uidMappings, .linux.gidMappings)' --arg p "/proc/$pa/ns/user"
	pb=$(container_pid ctb)
	assert_eq "$(ns_of "$pb" user)" "$(ns_of "$pa" user)" "user namespace of ctb"
	[ "$(ns_of "$pb" net)" != "$(ns_of "$pa" net)" ] || fail "ctb shares cta's network namespace"
	# A third container gets the other block, a fourth none: ctb took none of its own.
	start ctc
	[ "$(awk 'NR == 1 { print $2 }' "/proc/$(container_pid ctc)/uid_map")" != "$(awk 'NR == 1 { print $2 }' "/proc/$pa/uid_map")" ] ||
		fail "ctc got cta's block"
	b=$(bundle_for ctd)
	ecirun run -d --bundle "$b" ctd
	assert_fail
	assert_out_contains "ID pool exhausted"
}

# runc has no ID blocks. ecirun 97248e4 released X's block at X's delete
# although a container that joined X's namespaces (and so its user namespace)
# still ran with those IDs: the next container got the same host IDs.
@test "the ID block of a container whose namespaces are joined stays held while a joiner lives" {
	use_pool 1
	local t
	for t in network pid; do
		start ctx
		local px base
		px=$(container_pid ctx)
		base=$(awk 'NR == 1 { print $2 }' "/proc/$px/uid_map")
		local f=$t
		[ "$t" != network ] || f=net
		start ctj '.linux.namespaces |= map(if .type == $t then .path = $p else . end)' \
			--arg t "$t" --arg p "/proc/$px/ns/$f"
		assert_eq "$(ns_of "$(container_pid ctj)" user)" "$(ns_of "$px" user)" "user namespace of ctj ($t)"
		# A joiner whose create fails holds nothing afterwards (checked below: once ctj is
		# gone, the block is free).
		b=$(bundle_for ctf '.linux.namespaces |= map(if .type == $t then .path = $p else . end)
			| .mounts += [{"destination": "/x", "type": "bind", "source": "/nonexistent-ecirun-src", "options": ["rbind"]}]' \
			--arg t "$t" --arg p "/proc/$px/ns/$f")
		ecirun run -d --bundle "$b" ctf
		assert_fail

		ecirun delete --force ctx
		assert_ok
		# ctj (still running with a network join; killed with ctx's pid namespace with a pid
		# join, but not deleted) holds the block: none is free for another container.
		b=$(bundle_for cty)
		ecirun run -d --bundle "$b" cty
		assert_fail
		assert_out_contains "ID pool exhausted"
		ecirun list -q
		refute_out_contains cty

		# The last joiner gone, the block is free again.
		ecirun delete --force ctj
		assert_ok
		start cty
		assert_eq "$(awk 'NR == 1 { print $2 }' "/proc/$(container_pid cty)/uid_map")" "$base" "cty's block base (the only one of the pool)"
		ecirun delete --force cty
		assert_ok
	done
}

# ---------------------------------------------------------------------------
# Cgroup teardown
# ---------------------------------------------------------------------------

# runc 1.1.5 leaves the cgroup mount read-only (no sub-cgroups inside). ecirun
# 97248e4 delegated the cgroup but its teardown stopped 64 levels down (and
# walked by paths, which fail past PATH_MAX): the deeper sub-cgroups and every
# parent of them stayed on the host.
@test "cgroup teardown removes sub-cgroups deeper than 64 levels and below paths longer than PATH_MAX" {
	requires cgroups_memory
	update_config '.mounts |= map(if (.type | test("^cgroup")) then .options -= ["ro"] else . end)'
	run_detached ct1 'exec sleep 1000'
	local inners=() inner host
	if cgroup_is_v2; then
		inners=(/sys/fs/cgroup)
	else
		inners=(/sys/fs/cgroup/memory)
		[ ! -d "/sys/fs/cgroup/unified$CGROUP" ] || inners+=(/sys/fs/cgroup/unified)
	fi
	for inner in "${inners[@]}"; do
		# 70 levels, a process left in the deepest one; 20 levels of 250-character names.
		ecirun exec ct1 sh -c "cd $inner || exit 1
			for i in \$(seq 70); do mkdir d && cd d || exit 1; done
			sleep 1000 </dev/null >/dev/null 2>&1 &
			echo \$! > cgroup.procs || exit 1
			n=\$(printf 'x%.0s' \$(seq 250))
			cd $inner || exit 1
			for i in \$(seq 20); do mkdir \$n && cd -P \$n || exit 1; done
			echo deep-ok"
		assert_ok
		assert_out_contains deep-ok
	done
	for host in $(cgroup_all_paths); do
		case $host in
		*/memory/* | */unified/* | /sys/fs/cgroup/ecirun-*) ;;
		*) continue ;;
		esac
		[ -n "$(find "$host" -mindepth 70 -type d -print -quit)" ] || fail "no sub-cgroup 70 levels below $host"
	done
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}
