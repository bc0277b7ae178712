#!/usr/bin/env bats
# Escape attempts through what a container is given to mount (the isolation-holes issue:
# restricted mounts judged by identity, the engine's own places, overlay options, the
# sysfs/mqueue fallback). Each names what runc (and ecirun 97248e4, which judged a source by
# the name of its path) lets through. Nothing here needs a policy file: the defaults hold.

load helpers

setup() {
	setup_bundle
	unset ECIRUN_POLICY
	SOCK_PID=""
}

teardown() {
	if [ -n "$SOCK_PID" ]; then kill "$SOCK_PID" 2>/dev/null || true; fi
	teardown_bundle
}

# The last mount index of config.json (what the error names).
last_mount() {
	echo $(($(jq '.mounts | length' "$BUNDLE/config.json") - 1))
}

# listen PATH: a unix socket that host root listens on at PATH, until teardown.
listen() {
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
time.sleep(600)' "$1" &
	SOCK_PID=$!
	track_pid "$SOCK_PID"
	retry 50 0.1 test -e "$1.ready" || fail "the listener on $1 did not start"
}

@test "escape: a bind mount of / made elsewhere is the host's /" {
	# runc and 97248e4 mount it: the container writes the host's /root.
	mkdir "$TESTDIR/alias"
	mount --bind / "$TESTDIR/alias"
	bind_mount "$TESTDIR/alias" /h
	set_cmd 'touch /h/root/ecirun-escaped-$$ && echo ESCAPED'
	ecirun run ct1
	assert_fail
	refute_out_contains ESCAPED
	assert_out_contains "mounts[$(last_mount)] (/h): \`$TESTDIR/alias\` is / of the" \
		"which the host also shows at /: that contains the restricted host path" \
		"containers may not mount it"
	assert_nothing_left

	# A plain bind (no rbind) is the same file system.
	update_config '.mounts[-1].options = ["bind"]'
	ecirun run ct1
	assert_fail
	assert_out_contains "is / of the" "which the host also shows at /"
	assert_nothing_left
}

@test "escape: /etc, or a file of it, bound elsewhere (a volume with o=bind,device=/etc) is /etc" {
	# runc and 97248e4 mount both: the container reads and writes the host's /etc.
	mkdir -p "$TESTDIR/vol/_data"
	: >"$TESTDIR/shadow"
	mount --bind /etc "$TESTDIR/vol/_data"
	mount --bind /etc/shadow "$TESTDIR/shadow"
	bind_mount "$TESTDIR/vol/_data" /v
	ecirun run ct1
	assert_fail
	assert_out_contains "\`$TESTDIR/vol/_data\` is /etc of the" \
		"which the host also shows at /etc: that is the restricted host path /etc"
	assert_nothing_left

	update_config '.mounts[-1].source = $s' --arg s "$TESTDIR/shadow"
	ecirun run ct1
	assert_fail
	assert_out_contains "\`$TESTDIR/shadow\` is /etc/shadow of the" "is inside the restricted host path /etc"
	assert_nothing_left
}

@test "escape: the root disk mounted again is the host's /" {
	# runc and 97248e4 mount it (the kernel hands back the same file system).
	local dev fstype
	dev=$(findmnt -no SOURCE /)
	fstype=$(findmnt -no FSTYPE /)
	[ -b "$dev" ] || skip "the root file system is not on a block device ($dev)"
	mkdir "$TESTDIR/disk"
	mount -t "$fstype" "$dev" "$TESTDIR/disk"
	bind_mount "$TESTDIR/disk" /d
	ecirun run ct1
	assert_fail
	assert_out_contains "\`$TESTDIR/disk\` is / of the $fstype file system $dev" \
		"which the host also shows at /: that contains the restricted host path"
	assert_nothing_left
}

@test "escape: the host's kernel file systems are refused as sources, wherever they are mounted" {
	# runc and 97248e4 mount a proc, a sysfs or a cgroup hierarchy mounted outside /proc and
	# /sys (a docker volume of type proc): the host's processes, devices and cgroups.
	local t
	for t in proc sysfs; do
		mkdir "$TESTDIR/$t"
		mount -t "$t" "$t" "$TESTDIR/$t"
	done
	mkdir "$TESTDIR/cg"
	mount --bind /sys/fs/cgroup "$TESTDIR/cg"
	for t in proc sysfs; do
		bind_mount "$TESTDIR/$t" /k
		ecirun run ct1
		assert_fail
		assert_out_contains "\`$TESTDIR/$t\` is on the host's $t file system" \
			"containers may not mount the host's kernel file systems"
		assert_nothing_left
		update_config 'del(.mounts[-1])'
	done
	bind_mount "$TESTDIR/cg" /k
	ecirun run ct1
	assert_fail
	assert_out_contains "\`$TESTDIR/cg\`"
	assert_nothing_left
}

@test "a file system of its own, mounted anywhere, still works (tmpfs, ext4 image)" {
	mkdir "$TESTDIR/t" "$TESTDIR/e"
	mount -t tmpfs -o size=1m tmpfs "$TESTDIR/t"
	echo in-tmpfs >"$TESTDIR/t/f"
	bind_mount "$TESTDIR/t" /t
	local ext4=false
	if truncate -s 16M "$TESTDIR/img" && mkfs.ext4 -q "$TESTDIR/img" 2>/dev/null &&
		mount -o loop "$TESTDIR/img" "$TESTDIR/e" 2>/dev/null; then
		ext4=true
		echo in-ext4 >"$TESTDIR/e/f"
		bind_mount "$TESTDIR/e" /e
	fi
	set_cmd 'cat /t/f; [ -e /e/f ] && cat /e/f; echo written > /t/g'
	ecirun run ct1
	assert_ok
	assert_out_contains in-tmpfs
	if $ext4; then assert_out_contains in-ext4; fi
	assert_eq "$(cat "$TESTDIR/t/g")" written "the file the container wrote"
	assert_nothing_left
	local loopdev
	loopdev=$(findmnt -no SOURCE "$TESTDIR/e" 2>/dev/null || true)
	umount "$TESTDIR/e" 2>/dev/null || true
	if [ -n "$loopdev" ]; then losetup -d "$loopdev" 2>/dev/null || true; fi
	$ext4 || skip "no loop device: only the tmpfs part ran"
}

@test "escape: a socket that host root listens on is refused by its path, its hard links and the directories holding it" {
	# runc and 97248e4 mount an engine socket that is not at a path of the policy's list
	# (dockerd -H unix:///srv/x/docker.sock), and a hard link of it.
	mkdir -p "$TESTDIR/run"
	listen "$TESTDIR/run/engine.sock"
	bind_mount "$TESTDIR/run/engine.sock" /var/run/docker.sock
	ecirun run ct1
	assert_fail
	assert_out_contains "\`$TESTDIR/run/engine.sock\` is the restricted host path $TESTDIR/run/engine.sock (a unix socket that host root listens on)"
	assert_nothing_left

	update_config '.mounts[-1] |= (.source = $s | .destination = "/run-dir")' --arg s "$TESTDIR/run"
	ecirun run ct1
	assert_fail
	assert_out_contains "\`$TESTDIR/run\` contains the restricted host path $TESTDIR/run/engine.sock"
	assert_nothing_left

	# A hard link of it, made where the link sits on the same file system (a tmpfs, like /run).
	mkdir "$TESTDIR/tmp"
	mount -t tmpfs -o size=1m tmpfs "$TESTDIR/tmp"
	mkdir "$TESTDIR/tmp/run" "$TESTDIR/tmp/other"
	kill "$SOCK_PID"
	listen "$TESTDIR/tmp/run/engine.sock"
	ln "$TESTDIR/tmp/run/engine.sock" "$TESTDIR/tmp/other/link.sock"
	update_config '.mounts[-1] |= (.source = $s | .destination = "/s")' --arg s "$TESTDIR/tmp/other/link.sock"
	ecirun run ct1
	assert_fail
	assert_out_contains "is the restricted host file $TESTDIR/tmp/run/engine.sock (a unix socket that host root listens on) itself"
	assert_nothing_left

	# Where the other name is, nobody can say: directories of that file system are refused
	# until the link is gone.
	update_config '.mounts[-1] |= (.source = $s | .destination = "/o")' --arg s "$TESTDIR/tmp/other"
	ecirun run ct1
	assert_fail
	assert_out_contains "\`$TESTDIR/tmp/other\`" "which has 2 hard links"
	assert_nothing_left
	rm "$TESTDIR/tmp/other/link.sock"
	set_cmd 'ls /o | wc -l'
	ecirun run ct1
	assert_ok
	assert_out_eq 0
	assert_nothing_left
}

@test "escape: the engine's data and state wherever it keeps them (found from the bundle and its files)" {
	# runc and 97248e4 restrict only the default /var/lib/docker, /run/containerd...: an engine
	# started with --data-root elsewhere is open to its containers.
	local state="$TESTDIR/state" data="$TESTDIR/data"
	mkdir -p "$state/io.containerd.runtime.v2.task/ns1" "$data/containers/ct1" \
		"$data/containers/other" "$data/image" "$data/volumes/v1/_data"
	mv "$BUNDLE" "$state/io.containerd.runtime.v2.task/ns1/ct1"
	BUNDLE="$state/io.containerd.runtime.v2.task/ns1/ct1"
	cd "$BUNDLE"
	echo "127.0.0.1 ct1" >"$data/containers/ct1/hosts"
	echo secret >"$data/containers/other/config.v2.json"
	echo in-volume >"$data/volumes/v1/_data/f"
	bind_mount "$data/containers/ct1/hosts" /etc/hosts
	bind_mount "$data/volumes/v1/_data" /v
	set_cmd 'cat /etc/hosts /v/f'
	ecirun run ct1
	assert_ok
	assert_out_contains "127.0.0.1 ct1" in-volume
	assert_nothing_left

	bind_mount "$data/containers/other/config.v2.json" /x
	ecirun run ct1
	assert_fail
	assert_out_contains "is inside the restricted host path $data (dockerd's data root)"
	assert_nothing_left
	update_config '.mounts[-1].source = $s' --arg s "$data"
	ecirun run ct1
	assert_fail
	assert_out_contains "is the restricted host path $data (dockerd's data root)"
	assert_nothing_left
	update_config '.mounts[-1].source = $s' --arg s "$state/io.containerd.runtime.v2.task"
	ecirun run ct1
	assert_fail
	assert_out_contains "is inside the restricted host path $state (containerd's state directory)"
	assert_nothing_left
}

@test "escape: an overlay volume or an overlay rootfs that shows /etc is refused" {
	# runc and 97248e4 mount an overlay whose layer is /etc as a volume.
	local rootfs="$BUNDLE/rootfs" l="$TESTDIR/layers"
	mkdir -p "$TESTDIR/ov" "$TESTDIR/empty"
	mount -t overlay overlay -o "lowerdir=/etc:$TESTDIR/empty" "$TESTDIR/ov"
	bind_mount "$TESTDIR/ov" /ov
	ecirun run ct1
	assert_fail
	assert_out_contains "the layer \`/etc\` of the overlay at $TESTDIR/ov" "the restricted host path /etc"
	assert_nothing_left
	update_config 'del(.mounts[-1])'

	# As the root: 97248e4 cloned the layers' directory without the mounts below it, so there
	# the bound /etc was an empty directory; the layers are judged now all the same.
	mkdir -p "$l/etc" "$l/lower" "$l/upper" "$l/work"
	mount --bind /etc "$l/etc"
	cp -a "$rootfs/." "$l/lower/"
	mount -t overlay overlay -o "lowerdir=$l/etc:$l/lower,upperdir=$l/upper,workdir=$l/work" "$rootfs"
	ecirun run ct1
	assert_fail
	assert_out_contains "root.path (overlay layer): \`$l/etc\` is /etc of the" \
		"that is the restricted host path /etc"
	assert_nothing_left
}

@test "escape: overlay mount options are read the way the kernel reads them" {
	# 97248e4 split the options at every ',' and ':' and checked the pieces, while the kernel
	# honours '\' escapes: `lowerdir=DIR/a\,x=/etc:...` is the directory `DIR/a,x=/etc` to
	# the kernel, which a symlink `a,x=` -> / makes /etc. runc mounts any overlay it is given.
	mkdir -p "$TESTDIR/a\\" "$TESTDIR/empty"
	ln -s / "$TESTDIR/a,x="
	update_config '.mounts += [{"destination": "/ov", "type": "overlay", "source": "overlay",
		"options": [("lowerdir=" + $t + "/a\\,x=/etc:" + $t + "/empty")]}]' --arg t "$TESTDIR"
	set_cmd '[ -e /ov/passwd ] && echo ESCAPED; echo done'
	ecirun run ct1
	assert_fail
	refute_out_contains ESCAPED
	assert_out_contains "\`$TESTDIR/a,x=/etc\` (/etc) is the restricted host path /etc"
	assert_nothing_left
}

@test "a read-only overlay mount of host directories still works, escaped names included" {
	mkdir -p "$TESTDIR/l:1" "$TESTDIR/l2"
	echo lower >"$TESTDIR/l:1/f"
	echo lower2 >"$TESTDIR/l2/g"
	update_config '.mounts += [{"destination": "/ov", "type": "overlay", "source": "overlay",
		"options": [("lowerdir=" + $t + "/l\\:1:" + $t + "/l2")]}]' --arg t "$TESTDIR"
	set_cmd 'cat /ov/f /ov/g && echo ok'
	ecirun run ct1
	assert_ok
	assert_out_contains lower lower2 ok
	assert_nothing_left
}

@test "escape: container root leaves a setuid-root file in a host directory (default), not with hostDirMapping block" {
	# runc (and ecirun's default, ID-mapped host directories) let container root create a
	# -rwsr-xr-x file owned by host root in a host directory it is given; a host user may run
	# it later. With "hostDirMapping": "block" the directory is not ID-mapped: what container
	# root creates there belongs to its block's host uid.
	mkdir "$TESTDIR/d"
	chmod 0777 "$TESTDIR/d"
	echo host-file >"$TESTDIR/d/owned-by-root"
	bind_mount "$TESTDIR/d" /d
	set_cmd 'cp /bin/busybox /d/sh && chmod 4755 /d/sh && stat -c "%u" /d/owned-by-root'
	ecirun run ct1
	assert_ok
	assert_out_eq 0
	assert_eq "$(stat -c '%u %a' "$TESTDIR/d/sh")" "0 4755" "the default: a setuid file of host root"
	rm -f "$TESTDIR/d/sh"

	POLICY="$BATS_TEST_TMPDIR/policy.json"
	echo '{"hostDirMapping": "block"}' >"$POLICY"
	chmod 0644 "$POLICY"
	export ECIRUN_POLICY=$POLICY
	local first
	first=$("$ECIRUN" features | jq -r '.ecirun.policy.idPool.uidFirst')
	ecirun run ct1
	assert_ok
	# The host's root-owned file is nobody's inside: host uid 0 is not in the block.
	assert_out_eq 65534
	local owner
	owner=$(stat -c '%u' "$TESTDIR/d/sh")
	[ "$owner" -ge "$first" ] || fail "the file container root made is owned by host uid $owner, not by its block (from $first)"
	assert_eq "$("$ECIRUN" features | jq -r '.ecirun.policy.hostDirMapping')" block "features"
	assert_nothing_left
}
