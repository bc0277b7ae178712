#!/usr/bin/env bats
# dockerd 20.10 (private instance) with `--runtime=ecirun`: the container's sidecar,
# ecirun-fsd, as a docker user meets it (docs/sidecar.md). With `--cap-add SYS_ADMIN` (docker's
# masks kept, its seccomp profile allowing mount) and `--privileged` (no masks, no seccomp):
# new procfs and sysfs mounts, nested pid namespaces, tmpfs remounts, host file systems
# refused; pause does not freeze the sidecar; a killed sidecar fails closed; `docker rm -f`
# leaves no sidecar, cgroup or mount.
#
# With ENG_RUNTIME=runc the new proc under --cap-add SYS_ADMIN (runc's containers are host
# root: the kernel allows it, unmasked) and every sidecar check fail.

load helpers

IMG=ecirun-busybox:test

docker_hooks

# The sidecar serving container $CID: SIDECAR_PID.
find_sidecar() {
	local p
	SIDECAR_PID=""
	for p in $(pgrep -x ecirun-fsd); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "^ecirun-fsd $CID " && SIDECAR_PID=$p
	done
	[ -n "$SIDECAR_PID" ] || fail "no ecirun-fsd serving $CID: $(pgrep -a -x ecirun-fsd)"
}

# The sidecar's cgroup directories on the host, from its /proc/PID/cgroup.
sidecar_cgroups() {
	awk -F: '{ print $2 ":" $3 }' "/proc/$1/cgroup"
}

# assert_gone_for CID: no sidecar names the container, no cgroup dir named after it is left.
assert_gone_for() {
	local id=$1 p d
	for p in $(pgrep -x ecirun-fsd); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "^ecirun-fsd $id " &&
			fail "sidecar $p of $id left: $(tr '\0' ' ' <"/proc/$p/cmdline")"
	done
	d=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "*$id*" 2>/dev/null | head -5)
	[ -z "$d" ] || fail "cgroup directories of $id left: $d"
	! grep -q "$id" /proc/self/mountinfo || fail "mounts of $id left: $(grep "$id" /proc/self/mountinfo)"
}

# Run by the containers: a new proc with docker's masks (/proc/keys, /proc/timer_list are
# masked files, /proc/sys read-only), a nested pid namespace with its proc, sysfs, tmpfs
# remounts, a host file system.
MOUNTS='mkdir -p /tmp/p /tmp/s /tmp/m
	mount -t proc proc /tmp/p && echo "proc keys=$(wc -c < /tmp/p/keys)/$(grep -c " /tmp/p/keys " /proc/self/mountinfo)"
	umount /tmp/p/keys 2>/dev/null && echo "UNMOUNTED keys"
	echo x > /tmp/p/sys/kernel/hostname 2>/dev/null && echo "WROTE /proc/sys"
	umount -l /tmp/p
	unshare -p -f --mount-proc sh -c "echo nested pid=\$\$ keys=\$(wc -c < /proc/keys)"
	mount -t sysfs sysfs /tmp/s && echo "sysfs firmware=$(ls -A /tmp/s/firmware | wc -l)"
	umount -l /tmp/s
	mount -t tmpfs t /tmp/m && mount -o remount,ro /tmp/m && mount -o remount,rw /tmp/m && umount /tmp/m && echo tmpfs-remounts-ok
	mount -t debugfs d /tmp/m 2>/dev/null && echo "MOUNTED debugfs"
	echo done'

@test "docker run --cap-add SYS_ADMIN: a new proc and sysfs with docker's masks, locked; nested pid namespaces; tmpfs remounts; debugfs refused" {
	drun --cap-add SYS_ADMIN "$IMG" sh -c "$MOUNTS"
	assert_ok
	assert_out_contains "proc keys=0/1" "nested pid=1 keys=0" "sysfs firmware=0" tmpfs-remounts-ok done
	refute_out_contains UNMOUNTED WROTE MOUNTED
}

@test "docker run --privileged: the same mounts work (no masks there), debugfs refused" {
	drun --privileged "$IMG" sh -c 'mkdir -p /tmp/p /tmp/m
		mount -t proc proc /tmp/p && echo "proc pid1=$(cat /tmp/p/1/comm)"
		unshare -p -f --mount-proc sh -c "echo nested pid=\$\$"
		mount -t tmpfs t /tmp/m && mount -o remount,ro /tmp/m && umount /tmp/m && echo tmpfs-remounts-ok
		mount -t debugfs d /tmp/m 2>/dev/null && echo "MOUNTED debugfs"
		mount --make-rprivate / && echo rprivate-ok
		echo done'
	assert_ok
	assert_out_contains "proc pid1=" "nested pid=1" tmpfs-remounts-ok rprivate-ok done
	refute_out_contains MOUNTED
}

@test "docker: one sidecar per container in a cgroup of its own; docker pause does not freeze it; docker rm -f leaves nothing" {
	dstart --cap-add SYS_ADMIN "$IMG" sleep 1000
	wait_inspect '{{.State.Running}}' true
	find_sidecar
	local pid line
	pid=$(inspect '{{.State.Pid}}')
	# Not the container's cgroup (frozen by pause), but next to it, named after it.
	while read -r line; do
		[[ "$line" == *"$CID@fsd" ]] || fail "sidecar cgroup: $line"
	done < <(sidecar_cgroups "$SIDECAR_PID")
	grep -q "$CID\$" "/proc/$pid/cgroup" || fail "the container is not in its own cgroup"
	docker_ pause "$CID"
	assert_ok
	local state
	state=$(awk '{ print $3 }' "/proc/$SIDECAR_PID/stat")
	[ "$state" = S ] || [ "$state" = R ] || fail "the sidecar is in state $state while the container is paused"
	docker_ unpause "$CID"
	assert_ok
	docker_ exec "$CID" sh -c 'mkdir -p /tmp/p && mount -t proc proc /tmp/p && echo "exec keys=$(wc -c < /tmp/p/keys)/$(grep -c " /tmp/p/keys " /proc/self/mountinfo)"'
	assert_ok
	assert_out_contains "exec keys=0/1"
	docker_ rm -f "$CID"
	assert_ok
	retry 50 0.1 sh -c "! kill -0 $SIDECAR_PID 2>/dev/null" || fail "the sidecar outlived docker rm -f"
	assert_gone_for "$CID"
}

@test "docker: kill -9 of the sidecar: the container's next mount fails at once (ENOSYS), docker rm -f leaves nothing" {
	dstart --cap-add SYS_ADMIN "$IMG" sleep 1000
	wait_inspect '{{.State.Running}}' true
	find_sidecar
	kill -9 "$SIDECAR_PID"
	retry 50 0.1 sh -c "! kill -0 $SIDECAR_PID 2>/dev/null"
	docker_ exec "$CID" sh -c 'mkdir -p /tmp/m; mount -t tmpfs t /tmp/m; echo "mount=$?"'
	assert_ok
	assert_out_contains "mount=255" "Function not implemented"
	docker_ rm -f "$CID"
	assert_ok
	assert_gone_for "$CID"
}
