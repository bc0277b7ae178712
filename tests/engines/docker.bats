#!/usr/bin/env bats
# dockerd 20.10 (private instance) with `--runtime=ecirun`.
#
# Everything a docker user does with a runtime: run/logs/stop/kill/restart,
# terminals, exec, pause, top, stats, update, resource limits, mounts, users,
# capabilities, --init, --privileged, and a create error.

load helpers

IMG=ecirun-busybox:test

docker_hooks

# The runtime under test is also dockerd's default: `docker info` describes that one.
engines_before_start() {
	export ENG_DEFAULT_RUNTIME=$ENG_RUNTIME
}

# A workload that reports start and turns SIGTERM into exit status 7.
TRAP_TERM='echo started; trap "echo got-term; exit 7" TERM; while true; do sleep 0.1; done'

@test "docker run --rm: output and exit status" {
	drun "$IMG" sh -c 'echo hello-out; exit 3'
	assert_status 3
	assert_out_eq hello-out

	drun "$IMG" true
	assert_ok
	assert_out_eq ""
}

@test "docker run -d, logs, stop: SIGTERM reaches the workload, exit status recorded" {
	dstart "$IMG" sh -c "$TRAP_TERM"
	wait_inspect '{{.State.Running}}' true
	retry 50 0.1 docker_logs_has "$CID" started

	docker_ logs "$CID"
	assert_ok
	assert_out_contains started

	docker_ stop -t 10 "$CID"
	assert_ok

	docker_ wait "$CID"
	assert_ok
	assert_out_eq 7
	[ "$(inspect '{{.State.ExitCode}}')" = 7 ] || fail "inspect ExitCode"

	docker_ logs "$CID"
	assert_out_contains started got-term
}

@test "docker stop: a workload that ignores SIGTERM is killed after the timeout" {
	dstart "$IMG" sh -c 'trap "" TERM; echo ready; while true; do sleep 0.1; done'
	wait_inspect '{{.State.Running}}' true
	docker_ stop -t 1 "$CID"
	assert_ok
	docker_ wait "$CID"
	assert_out_eq 137
}

@test "docker run -it: a real terminal, input and exit status" {
	command -v script >/dev/null || skip "util-linux script is missing"
	with_pty $'tty; test -t 0 && echo stdin-is-a-tty; echo "in=$((6*7))"; exit 5\n' \
		run --rm -it --runtime="$ENG_RUNTIME" --network none "$IMG" sh
	assert_status 5
	assert_out_match $'(^|\n)/dev/pts/[0-9]+(\n|$)'
	assert_out_contains stdin-is-a-tty "in=42"
}

@test "docker exec: output, exit status, user, env" {
	dstart "$IMG" sleep 1000
	wait_inspect '{{.State.Running}}' true

	docker_ exec "$CID" sh -c 'echo exec-out; exit 4'
	assert_status 4
	assert_out_eq exec-out

	docker_ exec -u 1000:1000 -e FOO=bar "$CID" sh -c 'echo "$(id -u):$(id -g):$FOO"'
	assert_ok
	assert_out_eq "1000:1000:bar"

	# The exec'd process joins the container: it sees the init as pid 1.
	docker_ exec "$CID" cat /proc/1/cmdline
	assert_ok
	assert_out_contains sleep
}

@test "docker exec -it: a real terminal in a running container" {
	command -v script >/dev/null || skip "util-linux script is missing"
	dstart "$IMG" sleep 1000
	wait_inspect '{{.State.Running}}' true
	with_pty $'tty; echo "x=$((2+3))"; exit 6\n' exec -it "$CID" sh
	assert_status 6
	assert_out_match $'(^|\n)/dev/pts/[0-9]+(\n|$)'
	assert_out_contains "x=5"
}

@test "docker kill: default SIGKILL, and a chosen signal" {
	dstart "$IMG" sleep 1000
	wait_inspect '{{.State.Running}}' true
	docker_ kill "$CID"
	assert_ok
	docker_ wait "$CID"
	assert_out_eq 137

	dstart "$IMG" sh -c 'trap "echo got-usr1; exit 9" USR1; echo ready; while true; do sleep 0.1; done'
	wait_inspect '{{.State.Running}}' true
	retry 50 0.1 docker_logs_has "$CID" ready
	docker_ kill -s USR1 "$CID"
	assert_ok
	docker_ wait "$CID"
	assert_out_eq 9
	docker_ logs "$CID"
	assert_out_contains got-usr1
}

@test "docker restart: the container runs again" {
	dstart "$IMG" sh -c "$TRAP_TERM"
	wait_inspect '{{.State.Running}}' true
	local first_pid
	first_pid=$(inspect '{{.State.Pid}}')

	docker_ restart -t 10 "$CID"
	assert_ok
	wait_inspect '{{.State.Running}}' true
	local second_pid
	second_pid=$(inspect '{{.State.Pid}}')
	[ "$second_pid" != "$first_pid" ] && [ "$second_pid" -gt 0 ] || fail "pid did not change: $first_pid -> $second_pid"
	retry 50 0.1 docker_logs_count "$CID" started 2
	docker_ logs "$CID"
	assert_out_contains got-term
}

@test "docker pause/unpause: the cgroup is frozen, then thawed" {
	dstart "$IMG" sleep 1000
	wait_inspect '{{.State.Running}}' true
	local pid
	pid=$(inspect '{{.State.Pid}}')

	docker_ pause "$CID"
	assert_ok
	wait_inspect '{{.State.Status}}' paused
	assert_frozen "$pid" 1

	docker_ unpause "$CID"
	assert_ok
	wait_inspect '{{.State.Status}}' running
	assert_frozen "$pid" 0

	docker_ stop -t 1 "$CID"
	assert_ok
}

@test "docker top: lists the container's processes" {
	dstart "$IMG" sh -c 'sleep 4242 & exec sleep 1000'
	wait_inspect '{{.State.Running}}' true
	retry 50 0.1 pgrep -f 'sleep 4242' >/dev/null
	docker_ top "$CID"
	assert_ok
	assert_out_contains "sleep 1000" "sleep 4242"
	[ "${#lines[@]}" -eq 3 ] || fail "expected a header and 2 processes"
}

@test "docker stats --no-stream: memory usage against the limit" {
	dstart --memory 64m "$IMG" sleep 1000
	wait_inspect '{{.State.Running}}' true
	docker_ stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' "$CID"
	assert_ok
	assert_out_match '/ 64MiB 1$'
}

@test "docker update --memory: the new limit lands in the cgroup" {
	dstart --memory 64m "$IMG" sleep 1000
	wait_inspect '{{.State.Running}}' true
	local pid f
	pid=$(inspect '{{.State.Pid}}')
	f=$(host_cgroup_file "$pid" memory "$(mem_limit_file)")
	assert_file_eq "$f" $((64 << 20))

	docker_ update --memory 96m --memory-swap 192m "$CID"
	assert_ok
	assert_file_eq "$f" $((96 << 20))
	[ "$(inspect '{{.HostConfig.Memory}}')" = $((96 << 20)) ] || fail "inspect HostConfig.Memory"
}

@test "docker run --memory --cpus --pids-limit: limits in the container's cgroup" {
	dstart --memory 48m --cpus 0.5 --pids-limit 33 "$IMG" sleep 1000
	wait_inspect '{{.State.Running}}' true
	local pid
	pid=$(inspect '{{.State.Pid}}')
	assert_file_eq "$(host_cgroup_file "$pid" memory "$(mem_limit_file)")" $((48 << 20))
	assert_file_eq "$(host_cgroup_file "$pid" pids pids.max)" 33
	if cgroup_is_v2; then
		assert_file_eq "$(host_cgroup_file "$pid" cpu cpu.max)" "50000 100000"
	else
		assert_file_eq "$(host_cgroup_file "$pid" cpu cpu.cfs_quota_us)" 50000
		assert_file_eq "$(host_cgroup_file "$pid" cpu cpu.cfs_period_us)" 100000
	fi
}

@test "docker run --pids-limit: fork fails beyond the limit" {
	drun --pids-limit 5 "$IMG" sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait; echo done'
	assert_out_icontains "resource temporarily unavailable"
}

@test "docker run --read-only: root is read-only, /dev/shm is not" {
	drun --read-only "$IMG" sh -c 'touch /x; echo rc=$?; touch /dev/shm/y && echo shm-ok'
	assert_ok
	assert_out_icontains "read-only file system"
	assert_out_contains "rc=1" shm-ok
}

@test "docker run --user: uid, gid, and a name from /etc/passwd" {
	drun --user 1000:1000 "$IMG" id
	assert_ok
	assert_out_contains "uid=1000" "gid=1000"

	drun --user nobody "$IMG" sh -c 'id -u; touch /root/x'
	assert_fail
	assert_out_contains 65534
}

@test "docker run --cap-drop ALL: no capabilities at all" {
	drun --cap-drop ALL "$IMG" sh -c 'grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status'
	assert_ok
	assert_out_contains $'CapPrm:\t0000000000000000' $'CapEff:\t0000000000000000' $'CapBnd:\t0000000000000000'

	drun --cap-drop ALL "$IMG" chown 1000 /etc/hostname
	assert_fail
	assert_out_icontains "operation not permitted"
}

@test "docker run -v hostdir:/mnt: read host files, writes land on the host root-owned" {
	make_testdir
	echo from-host >"$TESTDIR/in"
	drun -v "$TESTDIR:/mnt" "$IMG" sh -c 'cat /mnt/in; echo from-ct > /mnt/out; ls -ln /mnt/in'
	assert_ok
	assert_out_contains from-host
	# Host root's file looks root-owned inside.
	assert_out_match '1 0 +0 '
	[ "$(cat "$TESTDIR/out")" = from-ct ] || fail "file written in the container is not on the host"
	# Container root writes as host uid 0 on the volume (0-based ids on disk).
	[ "$(stat -c %u:%g "$TESTDIR/out")" = 0:0 ] || fail "owner on the host: $(stat -c %u:%g "$TESTDIR/out")"

	drun -v "$TESTDIR:/mnt:ro" "$IMG" sh -c 'cat /mnt/in; touch /mnt/new'
	assert_fail
	assert_out_icontains from-host "read-only file system"
	[ ! -e "$TESTDIR/new" ] || fail "wrote through a :ro volume"
}

@test "docker run --tmpfs: a writable tmpfs with the given options" {
	drun --read-only --tmpfs /t:size=1m,mode=750 "$IMG" sh -c 'grep " /t " /proc/mounts; stat -c "mode=%a" /t; echo x > /t/f && cat /t/f'
	assert_ok
	assert_out_match ' /t tmpfs [^ ]*size=1024k'
	assert_out_contains "mode=750"
	assert_out_match $'\nx$'
}

@test "docker run --init: docker-init is pid 1 and reaps the workload" {
	drun --init "$IMG" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo "me=$$"; exit 3'
	assert_status 3
	assert_out_contains docker-init
	refute_out_contains "me=1"
}

@test "docker run --privileged: starts (capabilities the host lacks are dropped)" {
	drun --privileged "$IMG" sh -c 'grep ^CapEff /proc/self/status; mount -t tmpfs none /run && echo mounted'
	assert_ok
	assert_out_contains mounted
	# CAP_SYS_ADMIN (bit 21) is there.
	local eff
	eff=$(awk '/^CapEff/ { print $2 }' <<<"$output")
	(((16#$eff >> 21) & 1)) || fail "CAP_SYS_ADMIN missing from CapEff"
}

@test "docker run --privileged: root is not host root (user namespace)" {
	[ "$ENG_RUNTIME" = ecirun ] || skip "ecirun's isolation, not a runc behaviour"
	drun --privileged "$IMG" cat /proc/self/uid_map
	assert_ok
	# A mapping exists and host uid 0 is not in it.
	read -r inside host len <<<"$output"
	[ "$inside" = 0 ] && [ "$host" -gt 0 ] && [ "$len" -ge 65536 ] || fail "uid_map is not a private range"
}

@test "docker run: runtime warnings stay out of the container's output" {
	# runc writes diagnostics to its --log file, never to the container's stdio:
	# `docker logs` and pipelines must only carry the workload's output.
	drun --privileged "$IMG" echo only-this
	assert_ok
	assert_out_eq only-this
}

@test "docker run: a create error shows the runtime's message" {
	drun "$IMG" /nonexistent
	assert_fail
	# containerd reads the runtime's JSON log; docker prints its message.
	assert_out_contains "OCI runtime create failed" /nonexistent
	assert_out_icontains "no such file"
	# No container left running or half-created.
	docker_ ps -q
	assert_out_eq ""
}

@test "docker run: a missing command exits 127, as with runc" {
	# docker maps the runtime's message to 127 when it contains the command and
	# "no such file or directory" (lower case, Go's errno text).
	drun "$IMG" /nonexistent
	assert_status 127
}

# ---------------------------------------------------------------------------

docker_logs_has() {
	timeout 20 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" logs "$1" 2>&1 | grep -q -- "$2"
}

# docker_logs_count ID WORD N: WORD appears N times in the logs.
docker_logs_count() {
	[ "$(timeout 20 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" logs "$1" 2>&1 | grep -c -- "$2")" -eq "$3" ]
}

mem_limit_file() {
	if cgroup_is_v2; then echo memory.max; else echo memory.limit_in_bytes; fi
}

# assert_frozen PID 1|0: the freezer of PID's cgroup is (not) frozen.
assert_frozen() {
	local pid=$1 want=$2 f
	if cgroup_is_v2; then
		f=$(host_cgroup_file "$pid" "" cgroup.freeze)
		assert_file_eq "$f" "$want"
	else
		f=$(host_cgroup_file "$pid" freezer freezer.state)
		if [ "$want" = 1 ]; then assert_file_eq "$f" FROZEN; else assert_file_eq "$f" THAWED; fi
	fi
}

@test "docker info shows the default runtime's commit" {
	# dockerd runs `<default runtime> --version` and takes the "commit:" line; without one
	# docker info shows an empty "runc version".
	local bin=$ECIRUN want
	[ "$ENG_RUNTIME" = runc ] && bin=$ENG_RUNC_BINARY
	want=$("$bin" --version | sed -n 's/^commit: //p')
	[ -n "$want" ] || fail "$bin --version has no commit: line"
	docker_ info --format '{{.DefaultRuntime}}|{{.RuncCommit.ID}}'
	assert_ok
	assert_out_eq "$ENG_RUNTIME|$want"
}
