#!/usr/bin/env bats
# containerd 1.6 (private instance), shim io.containerd.runc.v2 with ecirun as
# its runc binary (`ctr run --runc-binary`).

load helpers

IMG=$ENG_CTR_IMAGE

setup_file() {
	engines_setup_containerd || return 1
	eng_import_ctr_image
}

teardown_file() {
	engines_teardown
}

teardown() {
	eng_clean_containerd
}

# crun ARGS...: `ctr run` with the runtime under test and its own state root.
ctrrun() {
	ctr run --runtime io.containerd.runc.v2 --runc-binary "$ENG_RUNC_BINARY" \
		--runc-root "$ENG_DIR/runc-root" "$@"
}

task_status() {
	timeout 10 "$CTR_BIN" -a "$ENG_CTRD_SOCK" task ls 2>/dev/null | awk -v t="$1" '$1 == t { print $3 }'
}

__task_is() {
	[ "$(task_status "$1")" = "$2" ]
}

wait_task() {
	if ! retry 100 0.1 __task_is "$1" "$2" 2>/dev/null; then
		LAST_CMD="ctr task ls"
		status=1
		output=$(timeout 10 "$CTR_BIN" -a "$ENG_CTRD_SOCK" task ls 2>&1)
		fail "task $1 never reached $2"
	fi
}

@test "ctr run --rm: output and exit status" {
	ctrrun --rm "$IMG" t-run sh -c 'echo hello-ctr; exit 4'
	assert_status 4
	assert_out_eq hello-ctr

	ctrrun --rm "$IMG" t-run2 true
	assert_ok
}

@test "ctr run -t: a real terminal" {
	command -v script >/dev/null || skip "util-linux script is missing"
	LAST_CMD="(pty) ctr run -t ... sh"
	# As with_pty (helpers.bash): a pinned SHELL and `timeout --foreground`.
	run bash -c 'printf "tty; exit 3\n" | SHELL=/bin/sh script -qec "$1" /dev/null' _ \
		"$(printf '%q ' timeout --foreground --kill-after=5 60 "$CTR_BIN" -a "$ENG_CTRD_SOCK" run --rm -t --runc-binary "$ENG_RUNC_BINARY" --runc-root "$ENG_DIR/runc-root" "$IMG" t-tty sh)"
	output=${output//$'\r'/}
	echo "\$ $LAST_CMD (status=$status)" >&2
	echo "$output" >&2
	assert_status 3
	assert_out_match $'(^|\n)/dev/pts/[0-9]+(\n|$)'
}

@test "ctr task exec: output and exit status in a running task" {
	ctrrun -d "$IMG" t-exec sleep 1000
	assert_ok
	wait_task t-exec RUNNING

	ctr task exec --exec-id e1 t-exec sh -c 'echo exec-out; cat /proc/1/cmdline; echo; exit 5'
	assert_status 5
	assert_out_contains exec-out sleep
}

@test "ctr task kill: the signal reaches the workload, exit status recorded" {
	ctrrun -d "$IMG" t-kill sh -c 'trap "exit 7" TERM; while true; do sleep 0.1; done'
	assert_ok
	wait_task t-kill RUNNING

	ctr task kill t-kill
	assert_ok
	wait_task t-kill STOPPED
	ctr task rm t-kill
	assert_ok
	assert_out_contains "exit code 7"

	ctrrun -d "$IMG" t-kill9 sleep 1000
	assert_ok
	wait_task t-kill9 RUNNING
	ctr task kill -s SIGKILL t-kill9
	assert_ok
	wait_task t-kill9 STOPPED
	ctr task rm t-kill9
	assert_out_contains "exit code 137"
}

@test "ctr task ps: the task's processes" {
	ctrrun -d "$IMG" t-ps sh -c 'sleep 1000 & exec sleep 1001'
	assert_ok
	wait_task t-ps RUNNING
	local pid
	pid=$(timeout 10 "$CTR_BIN" -a "$ENG_CTRD_SOCK" task ls | awk '$1 == "t-ps" { print $2 }')
	retry 50 0.1 pgrep -P "$pid" sleep >/dev/null
	ctr task ps t-ps
	assert_ok
	assert_out_contains "$pid"
	# Header and two processes.
	[ "${#lines[@]}" -eq 3 ] || fail "expected 2 processes"
}

@test "ctr task pause/resume" {
	ctrrun -d "$IMG" t-pause sleep 1000
	assert_ok
	wait_task t-pause RUNNING
	ctr task pause t-pause
	assert_ok
	wait_task t-pause PAUSED
	ctr task resume t-pause
	assert_ok
	wait_task t-pause RUNNING
}

@test "ctr run: a create error shows the runtime's message" {
	ctrrun --rm "$IMG" t-err /nonexistent
	assert_fail
	assert_out_contains "OCI runtime create failed" /nonexistent
	assert_out_icontains "no such file"
	ctr task ls -q
	assert_out_eq ""
}
