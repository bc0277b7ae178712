#!/usr/bin/env bats
# Rootful podman (Debian's 4.3) with ecirun as its OCI runtime: run (--rm, the overlay podman
# mounts "volatile"), run -d, exec, stop, rm, --privileged; container root is never host root.
#
# Nothing of the system's podman is used: a private containers.conf (CONTAINERS_CONF: runtime
# ecirun = $ECIRUN, cgroupfs, file events, its own tmp and network config dirs), storage.conf
# (CONTAINERS_STORAGE_CONF) and --root/--runroot under a temp dir, removed in teardown_file.
#
# ecirun 97248e4 fails `run --rm` (podman mounts the container's overlay "volatile", whose work
# dir refuses a second mount) and --privileged (the same --rm), and passes the rest.

load helpers
bats_require_minimum_version 1.5.0

IMG=localhost/ecirun-busybox:test

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "podman tests need root"
	command -v podman >/dev/null || skip "podman missing (apt-get install podman)"
	[ -x "$ECIRUN" ] || {
		echo "ECIRUN=$ECIRUN is not an executable" >&2
		return 1
	}
	eng_init
	PM=$ENG_DIR/podman
	mkdir -p "$PM/root" "$PM/run" "$PM/tmp" "$PM/net" "$PM/events"
	local rt=$ECIRUN
	[ "$ENG_RUNTIME" = runc ] && rt=$ENG_RUNC_BINARY
	# This host cannot raise rlimits (no CAP_SYS_RESOURCE): podman's default nofile/nproc of
	# 1048576 would be refused by any runtime; the host's limits are given instead.
	cat >"$PM/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=4096:4096"]
netns = "none"

[engine]
runtime = "under-test"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM/events/events.log"
tmp_dir = "$PM/tmp"

[engine.runtimes]
under-test = ["$rt"]

[network]
network_config_dir = "$PM/net"
EOF
	cat >"$PM/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PM/root"
runroot = "$PM/run"
EOF
	export PM ECIRUN ENG_RUNTIME
	pm import -q "$(eng_rootfs_tar)" "$IMG" >/dev/null
}

teardown_file() {
	[ -n "${ENG_DIR:-}" ] || return 0
	pm rm -af -t 0 >/dev/null 2>&1 || true
	local m
	for m in $(awk -v d="$ENG_DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$ENG_DIR"
}

teardown() {
	pm rm -af -t 0 >/dev/null 2>&1 || true
}

pm() {
	CONTAINERS_CONF=$PM/containers.conf CONTAINERS_STORAGE_CONF=$PM/storage.conf \
		timeout --kill-after=5 120 podman --root "$PM/root" --runroot "$PM/run" "$@"
}

# podman_ ARGS: through bats' `run`, recorded.
podman_() {
	LAST_CMD="podman $*"
	run pm "$@"
	echo "\$ $LAST_CMD (status=$status)" >&2
	echo "$output" >&2
}

assert_block_uid_map() { # LINE WHAT: LINE is a uid_map line of an ecirun ID block
	local inside host count
	read -r inside host count <<<"$1"
	[ "$inside" = 0 ] && [ "$host" != 0 ] && [ "$count" = 65536 ] ||
		fail "$2: uid_map '$1', not a 65536-ID block"
}

@test "podman: run --rm: root inside, in a user namespace of its own" {
	podman_ run --rm "$IMG" sh -c 'id -u; cat /proc/self/uid_map'
	assert_ok "podman run --rm"
	assert_eq "${lines[0]}" 0 "uid inside"
	[ "$ENG_RUNTIME" = runc ] && skip "runc: no user namespace"
	assert_block_uid_map "${lines[1]}" "podman run --rm"
}

@test "podman: run -d, exec, stop, rm; the container's root is not host root" {
	podman_ run -d --name t1 "$IMG" sleep 600
	assert_ok "podman run -d"
	podman_ exec t1 sh -c 'id -u; echo hello'
	assert_ok "podman exec"
	assert_eq "${lines[0]}" 0
	assert_eq "${lines[1]}" hello
	local pid
	pid=$(pm inspect -f '{{.State.Pid}}' t1)
	[ -n "$pid" ] && [ "$pid" -gt 0 ] || fail "no pid for t1"
	if [ "$ENG_RUNTIME" != runc ]; then
		[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" != 0 ] || fail "the container runs as host root"
		assert_block_uid_map "$(cat "/proc/$pid/uid_map")" "podman run -d"
	fi
	podman_ stop -t 1 t1
	assert_ok "podman stop"
	podman_ inspect -f '{{.State.Status}}' t1
	assert_ok
	assert_out_eq exited
	podman_ rm t1
	assert_ok "podman rm"
	podman_ ps -aq --filter name=t1
	assert_ok
	assert_out_eq ""
}

@test "podman: --privileged is confined to the container's user namespace" {
	podman_ run --rm --privileged "$IMG" sh -c 'grep CapEff /proc/self/status; cat /proc/self/uid_map; mkdir -p /tmp/m && mount -t tmpfs t /tmp/m && echo mounted'
	assert_ok "podman run --privileged"
	assert_out_contains "mounted"
	[ "$ENG_RUNTIME" = runc ] && skip "runc: no user namespace"
	assert_block_uid_map "${lines[1]}" "--privileged"
}

@test "podman: a create error is one clear line and leaves no container" {
	LAST_CMD="podman run --name t-err $IMG /no/such/binary"
	run -127 pm run --name t-err "$IMG" /no/such/binary
	echo "$output" >&2
	assert_out_contains "/no/such/binary"
	pm rm -f t-err >/dev/null 2>&1 || true
}
