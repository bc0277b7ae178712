#!/usr/bin/env bats
# `run`: create + start + wait in one command.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

@test "run prints the workload's output and removes the container" {
	set_cmd 'echo "hello from $(hostname)"; echo "to stderr" >&2'
	update_config '.hostname = "ct-run-hello"'
	ecirun run ct1
	assert_ok
	assert_out_contains "hello from ct-run-hello" "to stderr"

	# Without --keep, nothing is left once the workload exited.
	ecirun list -q
	assert_ok
	refute_out_contains "ct1"
	[ -z "$(ls -A "$ROOT")" ] || fail "state left in $ROOT: $(ls -A "$ROOT")"
}

@test "run propagates the workload's exit status" {
	set_cmd 'exit 3'
	ecirun run ct1
	assert_status 3

	set_cmd 'exit 0'
	ecirun run ct2
	assert_status 0

	set_cmd 'exit 255'
	ecirun run ct3
	assert_status 255
}

@test "run exits with 128+N when the workload is killed by signal N" {
	set_cmd 'echo started; exec sleep 1000'
	# Background the runtime ourselves: `run` in bats waits synchronously.
	__ecirun run ct1 >"$BATS_TEST_TMPDIR/run.log" 2>&1 </dev/null &
	local runtime=$!
	track_pid "$runtime"
	wait_for_container 100 0.1 ct1 running
	wait_for_file 100 0.1 "$BATS_TEST_TMPDIR/run.log" started

	ecirun kill ct1 KILL
	assert_ok

	local rc=0
	wait "$runtime" || rc=$?
	LAST_CMD="ecirun run ct1 (killed with SIGKILL)"
	status=$rc
	output=$(cat "$BATS_TEST_TMPDIR/run.log")
	assert_status $((128 + 9))
}

@test "run --detach leaves a running container" {
	set_cmd 'exec sleep 1000'
	ecirun run --detach ct1
	assert_ok
	wait_for_container 50 0.1 ct1 running

	local pid
	pid=$(container_pid ct1)
	[ "$pid" -gt 1 ] || fail "state pid '$pid' is not a host pid"
	[ -d "/proc/$pid" ] || fail "process $pid from state is not alive"
	# The init runs the workload from config.json.
	xrun cat "/proc/$pid/cmdline"
	assert_ok
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 1000 " ] ||
		fail "unexpected cmdline of $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline")"

	ecirun delete --force ct1
	assert_ok
}

@test "run --keep keeps the stopped container" {
	set_cmd 'exit 7'
	ecirun run --keep ct1
	assert_status 7

	ecirun state ct1
	assert_ok
	assert_eq "$(jq -r .status <<<"$stdout")" "stopped" "status after run --keep"

	ecirun list -q
	assert_ok
	assert_out_contains "ct1"

	ecirun delete ct1
	assert_ok
	ecirun state ct1
	assert_fail
}

@test "run refuses a config without process.args" {
	update_config 'del(.process.args)'
	ecirun run ct1
	assert_fail
	assert_out_icontains "args"

	update_config '.process.args = []'
	ecirun run ct2
	assert_fail
	assert_out_icontains "args"

	ecirun list -q
	assert_ok
	refute_out_contains ct1 ct2
}

@test "run of a workload that does not exist fails" {
	update_config '.process.args = ["/no/such/binary"]'
	ecirun run ct1
	assert_fail
	assert_out_contains "/no/such/binary"
	ecirun list -q
	refute_out_contains ct1
}
