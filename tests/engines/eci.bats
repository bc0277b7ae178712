#!/usr/bin/env bats
# ECI mode for a whole host (contrib/ecirun-eci, docs/eci.md), with the real engines: with it
# on, every container runs on ecirun whatever runtime is asked for (`docker run --runtime=runc
# --privileged`, a runtime of daemon.json, a BuildKit RUN step, `ctr run` with the default
# runtime, a docker-compose service, podman); a container created before enable is still
# stopped and removed by its engine; disable puts back every file it changed, byte for byte.
#
# The host is never touched: the whole file runs in a private mount namespace (a holder process
# made with `unshare -m`) where /usr, /etc and /var/lib/dpkg are overlays whose upper layers are
# in $ENG_DIR, and /var/lib/ecirun/eci is a tmpfs. `ecirun-eci enable` there changes the real
# paths (/usr/sbin/runc, dpkg's diversions, /etc/containers) of that namespace only, and the
# private dockerd/containerd are started inside it, so their shims, BuildKit and podman find
# the runc of that namespace.
#
# ecirun 97248e4 has no ECI mode: with the runtimes replaced by it (enable does that, whatever
# ecirun it is given), a container created before enable can no longer be stopped by docker
# (ecirun does not know runc's containers). A build of 965e8ee (before {buildkit}) also refuses
# BuildKit's RUN step: its resolv.conf lies in dockerd's data root, which that build restricts.

load helpers

ECI_SCRIPT=$ENGINES_ROOT/../../contrib/ecirun-eci
IMG=ecirun-busybox:test
# Overlaid in the namespace: where enable writes (dpkg's database included).
ECI_OVERLAYS="/usr /etc /var/lib/dpkg"

setup_file() {
	engines_requires "$CONTAINERD_BIN" "$CTR_BIN" "$DOCKERD_BIN" "$DOCKER_BIN"
	command -v unshare >/dev/null && command -v nsenter >/dev/null || skip "unshare/nsenter missing"
	eng_init
	export ECIRUN ENG_RUNTIME ENG_RUNC_BINARY
	unshare --mount --propagation private -- sleep infinity </dev/null >/dev/null 2>&1 &
	ECI_HOLDER=$!
	echo "$ECI_HOLDER" >"$ENG_DIR/holder"
	export ECI_HOLDER
	retry 50 0.1 eci_holder_ready || { echo "the namespace holder did not start" >&2; return 1; }
	local d
	for d in $ECI_OVERLAYS; do
		mkdir -p "$ENG_DIR/ov$d/up" "$ENG_DIR/ov$d/work"
		eci_ns mount -t overlay overlay -o "lowerdir=$d,upperdir=$ENG_DIR/ov$d/up,workdir=$ENG_DIR/ov$d/work" "$d" ||
			{ echo "overlay on $d failed" >&2; return 1; }
	done
	# The records of ecirun-eci: a tmpfs of the namespace (the directory is made on the host if
	# missing, and removed again in teardown_file).
	if [ ! -d /var/lib/ecirun/eci ]; then
		mkdir -p /var/lib/ecirun/eci && touch "$ENG_DIR/made-eci-dir"
	fi
	eci_ns mount -t tmpfs -o mode=0700 tmpfs /var/lib/ecirun/eci || return 1

	# The previous configuration: a daemon.json with a runtime of its own (a copy of runc),
	# written into the namespace's /etc and /usr before the daemons start.
	eci_ns mkdir -p /etc/docker
	eci_ns cp /usr/sbin/runc /usr/local/bin/alt-runc
	cat >"$ENG_DIR/daemon.json" <<EOF
{
  "storage-driver": "overlay2",
  "runtimes": {
    "alt": { "path": "/usr/local/bin/alt-runc" }
  }
}
EOF
	eci_ns cp "$ENG_DIR/daemon.json" /etc/docker/daemon.json

	# dockerd's BuildKit makes the cgroup docker/buildkit: removed in teardown_file if it is ours.
	ls -d /sys/fs/cgroup/*/docker/buildkit /sys/fs/cgroup/docker/buildkit 2>/dev/null >"$ENG_DIR/cg.before" || true

	ENG_WRAP="nsenter -t $ECI_HOLDER -m --"
	ENG_DOCKERD_CONFIG=/etc/docker/daemon.json
	eng_start_containerd || return 1
	eng_start_dockerd || return 1
	eng_import_docker_image || return 1
	eng_import_ctr_image || return 1

	# A container of the previous runtime, running across enable.
	dk run -d --name before --runtime=runc --network none "$IMG" sleep 600 >/dev/null || return 1
	# Its pid and start time: a runtime without the hand-over cannot stop it, and teardown_file
	# then ends it by this identity.
	local bpid
	bpid=$(dk inspect -f '{{.State.Pid}}' before)
	echo "$bpid $(awk '{ print $22 }' "/proc/$bpid/stat")" >"$ENG_DIR/before.pid"

	eci_manifest_paths >"$ENG_DIR/paths.before"
	eci_manifest <"$ENG_DIR/paths.before" >"$ENG_DIR/manifest.before"
	eci_ns "$ECI_SCRIPT" --ecirun "$ECIRUN" enable >"$ENG_DIR/enable.log" 2>&1 || {
		cat "$ENG_DIR/enable.log" >&2
		return 1
	}
}

teardown_file() {
	engines_teardown_eci
}

setup() { TESTDIR=""; }
teardown() {
	local ids
	ids=$(timeout 20 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" ps -aq --filter name=^/t- 2>/dev/null)
	# shellcheck disable=SC2086
	[ -z "$ids" ] || timeout 60 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" rm -f $ids >/dev/null 2>&1 || true
	[ -z "${TESTDIR:-}" ] || rm -rf "$TESTDIR"
}

engines_teardown_eci() {
	[ -n "${ENG_DIR:-}" ] || return 0
	ECI_HOLDER=$(cat "$ENG_DIR/holder" 2>/dev/null || true)
	# Podman's containers of the namespace (its storage is under $ENG_DIR).
	[ -n "$ECI_HOLDER" ] && eci_podman rm -af >/dev/null 2>&1 || true
	eng_stop_all_but_dir
	# The container from before enable, if nothing could stop it (a runtime without the
	# hand-over): the same process (pid and start time), ended by pid.
	local bpid bstart
	if read -r bpid bstart <"$ENG_DIR/before.pid" 2>/dev/null &&
		[ "$(awk '{ print $22 }' "/proc/$bpid/stat" 2>/dev/null)" = "$bstart" ]; then
		kill -KILL "$bpid" 2>/dev/null || true
	fi
	if [ -n "$ECI_HOLDER" ]; then
		kill -KILL "$ECI_HOLDER" 2>/dev/null || true
		wait "$ECI_HOLDER" 2>/dev/null || true
	fi
	[ -e "$ENG_DIR/made-eci-dir" ] && rmdir /var/lib/ecirun/eci 2>/dev/null
	local cg
	for cg in /sys/fs/cgroup/*/docker/buildkit /sys/fs/cgroup/docker/buildkit; do
		[ -d "$cg" ] && ! grep -qxF "$cg" "$ENG_DIR/cg.before" 2>/dev/null && rmdir "$cg" 2>/dev/null
	done
	rm -rf "$ENG_DIR"
}

# eng_stop_all without removing $ENG_DIR (the overlays' upper layers are there until the
# namespace is gone).
eng_stop_all_but_dir() {
	eng_stop_dockerd
	eng_stop_containerd
	eng_kill_our_shims
}

eci_holder_ready() {
	[ "$(readlink "/proc/$ECI_HOLDER/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
}

# A command in the private mount namespace.
eci_ns() {
	nsenter -t "$ECI_HOLDER" -m -- "$@"
}

# xrun in the namespace.
xns() {
	LAST_CMD="(ns) $*"
	run timeout --kill-after=5 300 nsenter -t "$ECI_HOLDER" -m -- "$@"
	echo "\$ $LAST_CMD (status=$status)" >&2
	echo "$output" >&2
}

# Every path the overlays' upper layers hold (what anything in the namespace changed).
eci_manifest_paths() {
	local d
	for d in $ECI_OVERLAYS; do
		(cd "$ENG_DIR/ov$d/up" && find . -mindepth 1 | sed "s|^\.|$d|")
	done | sort
}

# For each path on stdin: what the namespace shows there (type, mode, owner, content hash or
# link target), as a line.
eci_manifest() {
	local r=/proc/$ECI_HOLDER/root p
	while read -r p; do
		if [ -L "$r$p" ]; then
			echo "$p link $(stat -c '%u:%g' "$r$p") -> $(readlink "$r$p")"
		elif [ -f "$r$p" ]; then
			echo "$p file $(stat -c '%a %u:%g' "$r$p") $(sha256sum <"$r$p" | cut -d' ' -f1)"
		elif [ -d "$r$p" ]; then
			echo "$p dir $(stat -c '%a %u:%g' "$r$p")"
		elif [ -e "$r$p" ]; then
			echo "$p other $(stat -c '%F %a %u:%g' "$r$p")"
		else
			echo "$p absent"
		fi
	done
}

# The host's view of the same paths (for those that were not changed before enable).
eci_manifest_host() {
	local p
	while read -r p; do
		if [ -L "$p" ]; then
			echo "$p link $(stat -c '%u:%g' "$p") -> $(readlink "$p")"
		elif [ -f "$p" ]; then
			echo "$p file $(stat -c '%a %u:%g' "$p") $(sha256sum <"$p" | cut -d' ' -f1)"
		elif [ -d "$p" ]; then
			echo "$p dir $(stat -c '%a %u:%g' "$p")"
		elif [ -e "$p" ]; then
			echo "$p other $(stat -c '%F %a %u:%g' "$p")"
		else
			echo "$p absent"
		fi
	done
}

# The uid_map of a process as the host reads it, one line "INSIDE HOST COUNT".
uid_map() {
	awk '{ print $1, $2, $3; exit }' "/proc/$1/uid_map"
}

# assert_ecirun_block PID WHAT: PID's user namespace is one of ecirun's 65536-ID blocks and
# its root is not host root.
assert_ecirun_block() {
	local m inside host count
	m=$(uid_map "$1")
	read -r inside host count <<<"$m"
	LAST_CMD="cat /proc/$1/uid_map"
	output=$m
	status=0
	[ "$inside" = 0 ] && [ "$host" != 0 ] && [ "$count" = 65536 ] ||
		fail "$2: uid_map '$m', not an ecirun ID block"
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$1/status")" != 0 ] ||
		fail "$2: runs as host uid 0"
}

dpid() { # NAME: the host pid of a docker container's init
	inspect '{{.State.Pid}}' "$1"
}

eci_podman() {
	nsenter -t "$ECI_HOLDER" -m -- podman --root "$ENG_DIR/podman/root" --runroot "$ENG_DIR/podman/run" \
		--events-backend file --tmpdir "$ENG_DIR/podman/tmp" "$@"
}

@test "eci: enable replaces every runtime the engines can find, and a second enable changes nothing" {
	local r=/proc/$ECI_HOLDER/root p
	cat "$ENG_DIR/enable.log" >&2
	for p in /usr/sbin/runc /usr/bin/runc /usr/local/bin/alt-runc; do
		[ "$r$p" -ef "$ECIRUN" ] || fail "$p is not ecirun in the namespace"
	done
	# The originals: the same files, kept next to them.
	cmp -s "$r/usr/sbin/runc.ecirun-orig" /usr/sbin/runc || fail "the original runc is not kept"
	xns dpkg-divert --list /usr/sbin/runc
	assert_ok
	assert_out_contains "ecirun-eci"
	# The host's runc is untouched.
	[ ! /usr/sbin/runc -ef "$ECIRUN" ] || fail "the host's runc was replaced"
	dpkg-divert --list /usr/sbin/runc | grep -q ecirun-eci && fail "a diversion on the host"

	eci_manifest_paths >"$ENG_DIR/paths.1"
	eci_manifest <"$ENG_DIR/paths.1" >"$ENG_DIR/manifest.1"
	xns "$ECI_SCRIPT" --ecirun "$ECIRUN" enable
	assert_ok "enable again"
	refute_out_contains " -> "
	eci_manifest_paths >"$ENG_DIR/paths.2"
	eci_manifest <"$ENG_DIR/paths.2" >"$ENG_DIR/manifest.2"
	xrun diff "$ENG_DIR/manifest.1" "$ENG_DIR/manifest.2"
	assert_ok "a second enable changed files"
}

@test "eci: status says on, what is replaced, and names the container created before enable" {
	local pid
	pid=$(dpid before)
	xns "$ECI_SCRIPT" status
	# Exit 1: a container is not on ecirun.
	assert_status 1
	assert_out_contains "on since"
	assert_out_contains "/usr/sbin/runc -> ecirun"
	assert_out_contains "NOT on ecirun"
	assert_out_match "pid $pid \\(sleep\\)"
}

@test "eci: a container created before enable is stopped and removed by docker (handed to runc)" {
	[ "$(uid_map "$(dpid before)")" = "0 0 4294967295" ] || fail "the container before enable is not runc's"
	docker_ stop -t 1 before
	assert_ok "docker stop of runc's container"
	docker_ rm before
	assert_ok "docker rm"
	xns "$ECI_SCRIPT" status
	assert_ok "status with every container on ecirun"
	assert_out_contains "every running container is on ecirun"
}

@test "eci: docker run --runtime=runc --privileged, the default runtime and daemon.json's runtime all run on ecirun" {
	local rt
	for rt in runc alt; do
		docker_ run -d --name "t-$rt" --runtime=$rt --privileged --network none "$IMG" sleep 600
		assert_ok "docker run --runtime=$rt --privileged"
		assert_ecirun_block "$(dpid "t-$rt")" "--runtime=$rt --privileged"
	done
	docker_ run -d --name t-default --network none "$IMG" sleep 600
	assert_ok
	assert_ecirun_block "$(dpid t-default)" "the default runtime"
	docker_ exec t-runc cat /proc/self/uid_map
	assert_ok "exec"
	# The runtime docker shows is ecirun.
	docker_ info --format '{{.DefaultRuntime}} {{.RuncCommit.ID}}'
	assert_ok
	echo "docker info: $output" >&2
}

@test "eci: a BuildKit RUN step runs on ecirun" {
	make_testdir
	printf 'FROM %s\nRUN cat /proc/self/uid_map > /uid_map && id -u > /uid\n' "$IMG" >"$TESTDIR/Dockerfile"
	LAST_CMD="DOCKER_BUILDKIT=1 docker build --network=none $TESTDIR"
	run env DOCKER_BUILDKIT=1 timeout 300 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" \
		-H "unix://$ENG_DOCKER_SOCK" build --network=none --progress=plain -t t-bk:1 "$TESTDIR"
	echo "$output" >&2
	assert_ok "BuildKit build"
	docker_ run --rm --network none t-bk:1 cat /uid_map /uid
	assert_ok
	read -r inside host count <<<"${lines[0]}"
	[ "$inside" = 0 ] && [ "$host" != 0 ] && [ "$count" = 65536 ] ||
		fail "the RUN step's uid_map is '${lines[0]}', not an ecirun ID block"
	assert_eq "${lines[1]}" 0 "root inside the RUN step"
	docker_ rmi t-bk:1
}

@test "eci: ctr run with containerd's default runtime runs on ecirun" {
	ctr run -d "$ENG_CTR_IMAGE" t-ctr sleep 600
	assert_ok "ctr run (default runtime io.containerd.runc.v2, runc by name)"
	ctr task ls
	pid=$(awk '$1 == "t-ctr" { print $2 }' <<<"$output")
	[ -n "$pid" ] || fail "no task pid"
	assert_ecirun_block "$pid" "ctr run"
	ctr task kill -s SIGKILL t-ctr
	retry 50 0.1 bash -c "! '$CTR_BIN' -a '$ENG_CTRD_SOCK' task ls | grep -q 't-ctr.*RUNNING'"
	ctr task delete t-ctr
	ctr container delete t-ctr
	assert_ok
}

@test "eci: a docker-compose service runs on ecirun" {
	command -v docker-compose >/dev/null || skip "docker-compose missing (apt-get install docker-compose)"
	make_testdir
	cat >"$TESTDIR/docker-compose.yml" <<EOF
version: "3"
services:
  web:
    image: $IMG
    command: sleep 600
    network_mode: none
    privileged: true
EOF
	LAST_CMD="docker-compose up -d"
	run env DOCKER_HOST="unix://$ENG_DOCKER_SOCK" timeout 120 docker-compose -p t-compose -f "$TESTDIR/docker-compose.yml" up -d
	echo "$output" >&2
	assert_ok "docker-compose up"
	local id
	id=$(dk ps -q --filter label=com.docker.compose.project=t-compose)
	[ -n "$id" ] || fail "no compose container"
	assert_ecirun_block "$(dpid "$id")" "the compose service"
	run env DOCKER_HOST="unix://$ENG_DOCKER_SOCK" timeout 120 docker-compose -p t-compose -f "$TESTDIR/docker-compose.yml" down -t 1
	assert_ok "docker-compose down"
}

@test "eci: podman with the system's configuration runs on ecirun" {
	command -v podman >/dev/null || skip "podman missing (apt-get install podman)"
	local t pid
	mkdir -p "$ENG_DIR/podman"
	t=$(eng_rootfs_tar)
	xrun eci_podman import -q "$t" localhost/t-bb:1
	assert_ok "podman import"
	# The host's rlimits: this machine cannot raise them (no CAP_SYS_RESOURCE), podman's default
	# is above them.
	xrun eci_podman run -d --name t-pm --network none --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" \
		--ulimit nproc=4096:4096 localhost/t-bb:1 sleep 600
	assert_ok "podman run -d"
	pid=$(eci_podman inspect -f '{{.State.Pid}}' t-pm)
	assert_ecirun_block "$pid" "podman run"
	xrun eci_podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}'
	assert_ok
	assert_out_contains "$ECIRUN"
	xrun eci_podman rm -f t-pm
	assert_ok
}

@test "eci: disable is refused while containers run on ecirun, then puts back every file byte for byte, and runc is runc again" {
	docker_ run -d --name t-live --network none "$IMG" sleep 600
	assert_ok
	xns "$ECI_SCRIPT" disable
	assert_fail
	assert_out_contains "stop them first"
	docker_ rm -f t-live
	assert_ok
	xns "$ECI_SCRIPT" disable
	assert_ok "disable"
	xns "$ECI_SCRIPT" status
	assert_status 2
	assert_out_contains "off"

	# Every path anything changed in the namespace: as it was before enable. Paths that had
	# not been changed then are compared with the host's. dpkg keeps its previous database as
	# diversions-old (its own backup, not configuration).
	eci_manifest_paths | grep -vx /var/lib/dpkg/diversions-old >"$ENG_DIR/paths.after"
	comm -23 "$ENG_DIR/paths.after" "$ENG_DIR/paths.before" >"$ENG_DIR/paths.new"
	{
		cat "$ENG_DIR/manifest.before"
		eci_manifest_host <"$ENG_DIR/paths.new"
	} | sort >"$ENG_DIR/want"
	sort -u "$ENG_DIR/paths.after" "$ENG_DIR/paths.before" | eci_manifest | sort >"$ENG_DIR/got"
	xrun diff "$ENG_DIR/want" "$ENG_DIR/got"
	assert_ok "the files after disable differ from before enable"
	cmp /usr/sbin/runc "/proc/$ECI_HOLDER/root/usr/sbin/runc" || fail "runc is not the host's"

	docker_ run -d --name t-after --runtime=runc --network none "$IMG" sleep 600
	assert_ok
	assert_eq "$(uid_map "$(dpid t-after)")" "0 0 4294967295" "runc's container after disable"
}
