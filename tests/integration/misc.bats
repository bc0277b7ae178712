#!/usr/bin/env bats
# create/run flags (--no-pivot, --no-new-keyring), terminals (consoleSize, a
# foreground run on a pty), the cgroup namespace, the seccomp notify listener
# (linux.seccomp.listenerPath), and concurrent create/delete.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

@test "--no-pivot: the container runs and / is the rootfs" {
	echo "marker-$$" >"$BUNDLE/rootfs/no-pivot-marker"
	set_cmd 'cat /no-pivot-marker; ls /'
	ecirun run --no-pivot ct1
	assert_ok
	assert_out_contains "marker-$$" "bin" "proc"
	assert_nothing_left
}

@test "--no-new-keyring is accepted" {
	set_cmd 'echo keyring-ok'
	ecirun run --no-new-keyring ct1
	assert_ok
	assert_out_contains "keyring-ok"

	ecirun create --no-new-keyring ct2
	assert_ok
	ecirun start ct2
	assert_ok
	wait_for_container 100 0.1 ct2 stopped
	ecirun delete ct2
	assert_ok
	assert_nothing_left
}

@test "process.consoleSize through --console-socket with create and start" {
	requires python3
	setup_recvtty
	update_config '.process.terminal = true | .process.consoleSize = {"height": 17, "width": 93}'
	set_cmd 'stty size; echo "done-$((40 + 2))"'
	ecirun create --console-socket "$CONSOLE_SOCKET" ct1
	assert_ok
	ecirun start ct1
	assert_ok
	wait_for_file 100 0.1 "$CONSOLE_OUT" done-42
	xrun cat "$CONSOLE_OUT"
	# stty prints "rows cols".
	assert_out_contains "17 93"
}

@test "run in the foreground with a terminal and no console socket" {
	command -v script >/dev/null || skip "test requires script (util-linux)"
	update_config '.process.terminal = true'
	set_cmd 'tty; stty size; echo "done-$((40 + 2))"; exit 3'
	# script gives the runtime a pty of 24x80; the container's terminal must
	# get the runtime's window size and carry the output and the exit status.
	# timeout --foreground: the runtime stays in the terminal's foreground
	# process group, as when a user types the command.
	xsh "SHELL=/bin/sh script -qec 'stty rows 24 cols 80; timeout --foreground 60 \"$ECIRUN\" --root \"$ROOT\" run ct1' /dev/null </dev/null"
	assert_status 3
	assert_out_match '/dev/pts/[0-9]+'
	assert_out_contains "24 80" "done-42"
	assert_nothing_left
}

@test "a new cgroup namespace: /proc/self/cgroup is rooted at /" {
	requires cgroupns
	update_config '.linux.namespaces += [{"type": "cgroup"}]'
	update_config '.process.args = ["cat", "/proc/self/cgroup"]'
	ecirun run ct1
	assert_ok
	[ "${#lines[@]}" -gt 0 ] || fail "no output"
	local l
	for l in "${lines[@]}"; do
		# hierarchy-id:controllers:path, and the path is the namespace root.
		[[ "$l" =~ ^[0-9]+:[^:]*:/$ ]] || fail "not rooted at /: '$l'"
	done
	refute_out_contains "$CGROUP"
}

@test "seccomp listenerPath: the agent gets the fd and the state, and answers" {
	requires python3
	local meta='meta "data" for the agent'
	# The agent answers every notification with EROFS (30).
	start_listener --id ct1 --metadata "$meta" --errno 30 --log "$BATS_TEST_TMPDIR/notif.log"
	seccomp_notify_config "$LISTENER_SOCK" "$meta"
	set_cmd 'mkdir /newdir; echo "mkdir=$?"; test -d /newdir && echo exists; true'
	ecirun run ct1
	assert_ok
	assert_out_contains "mkdir=1" "Read-only file system"
	refute_out_contains "exists"

	wait_listener
	[ -s "$LISTENER_PAYLOAD" ] || fail "no payload written"
	local payload
	payload=$(cat "$LISTENER_PAYLOAD")
	assert_json "$payload" '.fds == ["seccompFd"] and .metadata == $m and .state.id == "ct1"
		and (.state.pid | type == "number") and .state.pid > 0' --arg m "$meta"
	# The agent saw at least one notification.
	xrun cat "$BATS_TEST_TMPDIR/notif.log"
	assert_out_match 'nr=[0-9]+ pid=[0-9]+'
	assert_nothing_left
}

@test "seccomp listenerPath: once the agent closes the fd, the syscall fails rather than hangs" {
	requires python3
	start_listener --id ct1 --metadata "m" --close
	seccomp_notify_config "$LISTENER_SOCK" "m"
	set_cmd 'mkdir /newdir; echo "mkdir=$?"; test -d /newdir && echo exists; true'
	ecirun run ct1
	assert_ok
	assert_out_contains "mkdir=1"
	refute_out_contains "exists"
	wait_listener
	assert_nothing_left
}

@test "seccomp listenerPath: an exec'd process's notify fd reaches the agent too" {
	requires python3
	# The init's fd: the first agent closes it at once.
	start_listener --id ct1 --metadata "m" --close
	seccomp_notify_config "$LISTENER_SOCK" "m"
	set_cmd 'sleep 1000'
	ecirun run -d ct1
	assert_ok
	wait_listener
	local init_pid
	init_pid=$(jq -r .state.pid "$LISTENER_PAYLOAD")

	# The exec'd process has a filter of its own; a second agent answers it with EROFS.
	start_listener --id ct1 --metadata "m" --errno 30 --log "$BATS_TEST_TMPDIR/notif.log"
	ecirun exec ct1 sh -c 'mkdir /fromexec; echo "mkdir=$?"; test -d /fromexec && echo exists; true'
	assert_ok
	assert_out_contains "mkdir=1" "Read-only file system"
	refute_out_contains "exists"
	ecirun delete --force ct1
	assert_ok
	wait_listener
	assert_json "$(cat "$LISTENER_PAYLOAD")" '.fds == ["seccompFd"] and .state.id == "ct1"
		and .state.status == "running" and .state.pid == ($init | tonumber)
		and .pid != .state.pid and .pid > 0' --arg init "$init_pid"
	xrun cat "$BATS_TEST_TMPDIR/notif.log"
	assert_out_match 'nr=[0-9]+ pid=[0-9]+'
	assert_nothing_left
}

@test "seccomp listenerPath with no agent listening: create fails, nothing left" {
	seccomp_notify_config "$TESTDIR/nobody-listens.sock" "m"
	ecirun create ct1
	assert_fail
	assert_out_contains "nobody-listens.sock"
	assert_nothing_left
}

@test "SCMP_ACT_NOTIFY without listenerPath: create fails, nothing left" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	ecirun create ct1
	assert_fail
	assert_out_icontains "listenerPath"
	assert_nothing_left
}

@test "--console-socket that nobody listens on: create fails, nothing left" {
	update_config '.process.terminal = true'
	ecirun create --console-socket "$TESTDIR/nobody.sock" ct1
	assert_fail
	assert_out_contains "nobody.sock"
	assert_nothing_left
}

@test "10 concurrent creates of different ids all succeed" {
	local i pids=() b
	update_config '.root.path = $r | .process.args = ["sleep", "1000"]' --arg r "$BUNDLE/rootfs"
	for i in $(seq 1 10); do
		b="$TESTDIR/bundle$i"
		mkdir "$b"
		# One bundle and one cgroup (under the test's) per container, one rootfs.
		jq '.linux.cgroupsPath = $cg' --arg cg "$CGROUP/ct$i" "$BUNDLE/config.json" >"$b/config.json"
		(
			rc=0
			__ecirun create --bundle "$b" "ct$i" >"$BATS_TEST_TMPDIR/create$i.log" 2>&1 </dev/null || rc=$?
			echo $rc >"$BATS_TEST_TMPDIR/create$i.rc"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 10); do
		LAST_CMD="ecirun create --bundle $TESTDIR/bundle$i ct$i (in parallel)"
		status=$(cat "$BATS_TEST_TMPDIR/create$i.rc")
		output=$(cat "$BATS_TEST_TMPDIR/create$i.log")
		assert_ok
	done

	ecirun list --format json
	assert_ok
	assert_json "$stdout" 'length == 10 and all(.[]; .status == "created")
		and ([.[].id] | sort) == ([range(1; 11) | "ct\(.)"] | sort)'
	for i in $(seq 1 10); do
		ecirun delete --force "ct$i"
		assert_ok
	done
	# The runtime removes each container's cgroup; the common parent
	# ($CGROUP) is not the runtime's to remove (runc leaves it too).
	local d
	for d in $(cgroup_all_paths); do
		[ -d "$d" ] || continue
		for i in $(seq 1 10); do
			[ ! -d "$d/ct$i" ] || fail "cgroup $d/ct$i left behind"
		done
		rmdir "$d"
	done
	assert_nothing_left
}

@test "two concurrent delete --force of the same container" {
	local n i rc
	for n in 1 2 3; do
		run_detached ct1 'sleep 1000'
		for i in 1 2; do
			(
				rc=0
				__ecirun delete --force ct1 >"$BATS_TEST_TMPDIR/delete$i.log" 2>&1 </dev/null || rc=$?
				echo $rc >"$BATS_TEST_TMPDIR/delete$i.rc"
			) &
		done
		wait
		for i in 1 2; do
			rc=$(cat "$BATS_TEST_TMPDIR/delete$i.rc")
			LAST_CMD="ecirun delete --force ct1 (concurrent #$i, round $n)"
			status=$rc
			output=$(cat "$BATS_TEST_TMPDIR/delete$i.log")
			# Success, or the other one got there first.
			[ "$rc" -eq 0 ] || [[ "$output" == *"does not exist"* ]] ||
				fail "a concurrent delete --force failed"
		done
		assert_nothing_left
	done
}

# What containerd-shim-runc-v2 does after a container's init exits: the task's `delete`, then
# the shim's cleanup `delete --force`, which may overlap; here also racing the init's exit.
# A delete that fails must say why (dockerd logs "exit status 255:" with nothing after it when
# a runtime exits without a message).
@test "deletes racing each other and the init's exit: each succeeds or says why" {
	local n i rc pid
	for n in 1 2 3 4 5; do
		run_detached ct1 'sleep 1000'
		pid=$(container_pid ct1)
		# Round 1-2: the init already killed; 3-5: killed while the deletes run.
		[ "$n" -le 2 ] && kill -9 "$pid"
		for i in 1 2 3; do
			(
				rc=0
				case $i in
				1) __ecirun delete ct1 ;;
				2) __ecirun delete --force ct1 ;;
				3) __ecirun --log "$BATS_TEST_TMPDIR/delete3.json" --log-format json delete --force ct1 ;;
				esac >"$BATS_TEST_TMPDIR/delete$i.log" 2>&1 </dev/null || rc=$?
				echo $rc >"$BATS_TEST_TMPDIR/delete$i.rc"
			) &
		done
		[ "$n" -gt 2 ] && kill -9 "$pid"
		wait
		for i in 1 2 3; do
			rc=$(cat "$BATS_TEST_TMPDIR/delete$i.rc")
			LAST_CMD="concurrent delete #$i of ct1, round $n"
			status=$rc
			output=$(cat "$BATS_TEST_TMPDIR/delete$i.log")
			[ "$rc" -ne 255 ] || fail "a delete exited 255"
			if [ "$rc" -ne 0 ]; then
				[ -n "$output" ] || fail "a failing delete said nothing"
				# Only the plain delete may fail, and only because the init was still running
				# or the container was gone already.
				[ "$i" -eq 1 ] || fail "a delete --force failed"
				assert_out_match "ct1.*(not stopped|does not exist)|(not stopped|does not exist).*ct1"
			fi
		done
		__ecirun delete --force ct1 >/dev/null 2>&1 || true
		assert_nothing_left
	done
}

@test "concurrent creates of the same id: exactly one wins, nothing half-created" {
	local i pids=() ok=0
	update_config '.process.args = ["sleep", "1000"]'
	for i in $(seq 1 5); do
		(
			rc=0
			__ecirun create ct1 >"$BATS_TEST_TMPDIR/create$i.log" 2>&1 </dev/null || rc=$?
			echo $rc >"$BATS_TEST_TMPDIR/create$i.rc"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 5); do
		LAST_CMD="ecirun create ct1 (concurrent #$i)"
		status=$(cat "$BATS_TEST_TMPDIR/create$i.rc")
		output=$(cat "$BATS_TEST_TMPDIR/create$i.log")
		if [ "$status" -eq 0 ]; then
			ok=$((ok + 1))
		else
			assert_out_icontains "exists"
		fi
	done
	LAST_CMD="5 concurrent creates of ct1"
	status=$ok output=""
	[ "$ok" -eq 1 ] || fail "expected exactly one create to succeed, $ok did"

	ecirun state ct1
	assert_ok
	assert_json "$stdout" '.status == "created"'
	# The winner's init is alive and is the only container process.
	local pid
	pid=$(jq -r .pid <<<"$stdout")
	assert_eq "$(rootfs_pids)" "$pid" "container processes"
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}

@test "a terminal: no \\r added to output (ONLCR off), and stdio names /dev/pts/N of the container" {
	# runc clears ONLCR and opens the pty in the container's final mount namespace; ecirun
	# 97248e4 left ONLCR on ("444\r") and opened the pty before entering the locked copy of
	# the namespace, so /proc/self/fd/0 read "/0" (runc's tty.bats checks both).
	requires python3
	setup_recvtty
	update_config '.process.terminal = true'
	set_cmd 'printf "444\n"; echo "fd0=$(readlink /proc/self/fd/0)"; echo tty-end'
	ecirun run -d --console-socket "$CONSOLE_SOCKET" ct1
	assert_ok
	wait_for_file 100 0.1 "$CONSOLE_OUT" "tty-end"
	grep -q $'^444$' "$CONSOLE_OUT" || { output=$(od -c "$CONSOLE_OUT"); fail "the terminal's output has a \\r: $output"; }
	output=$(tr -d '\r' <"$CONSOLE_OUT")
	assert_out_match 'fd0=/dev/pts/[0-9]+'
}
