#!/usr/bin/env bats
# `kill`: signal names, numbers, default signal, --all, bad signals.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# kill_and_check SIGSPEC: a running `sleep` init dies from SIGSPEC (a KILL).
kill_and_check() {
	run_detached ct1 'exec sleep 1000'
	local pid
	pid=$(container_pid ct1)
	ecirun kill ct1 "$1"
	assert_ok
	wait_for_container 50 0.1 ct1 stopped
	retry 50 0.1 test ! -d "/proc/$pid" || fail "init $pid survived kill $1"
}

@test "kill KILL (signal name without SIG)" {
	kill_and_check KILL
}

@test "kill SIGKILL (signal name with SIG)" {
	kill_and_check SIGKILL
}

@test "kill 9 (signal number)" {
	kill_and_check 9
}

@test "kill without a signal sends SIGTERM" {
	run_detached ct1 'trap "echo got-TERM; exit 0" TERM; trap "echo got-HUP" HUP; echo ready; sleep 1000 & wait'
	local log=$ECIRUN_LAST_LOG
	wait_for_file 50 0.1 "$log" ready

	ecirun kill ct1
	assert_ok
	wait_for_file 50 0.1 "$log" got-TERM
	wait_for_container 50 0.1 ct1 stopped
	xrun cat "$log"
	refute_out_contains got-HUP
}

@test "kill with a handled signal: the container keeps running" {
	run_detached ct1 'trap "echo got-USR1" USR1; echo ready; while :; do sleep 1000 & wait; done'
	local log=$ECIRUN_LAST_LOG
	wait_for_file 50 0.1 "$log" ready

	ecirun kill ct1 USR1
	assert_ok
	wait_for_file 50 0.1 "$log" got-USR1
	assert_eq "$(container_status ct1)" running "status after USR1"
}

@test "kill with an unknown signal fails and the container keeps running" {
	run_detached ct1 'exec sleep 1000'
	local pid
	pid=$(container_pid ct1)

	local sig
	for sig in SIGNOTASIGNAL FOO 12345 -1; do
		ecirun kill ct1 "$sig"
		assert_fail
		assert_out_icontains "signal"
	done

	assert_eq "$(container_status ct1)" running "status after invalid kills"
	[ -d "/proc/$pid" ] || fail "init died after invalid kill"
}

@test "kill of a container that does not exist" {
	ecirun kill nosuchct KILL
	assert_fail
	assert_out_icontains "does not exist"
}

@test "kill of a stopped container fails" {
	set_cmd 'exit 0'
	ecirun create ct1
	assert_ok
	ecirun start ct1
	assert_ok
	wait_for_container 50 0.1 ct1 stopped
	ecirun kill ct1 KILL
	assert_fail
	assert_out_icontains "not running"
}

@test "kill --all signals every process in the container" {
	requires cgroups_pids
	# The init (pid 1 in its namespace, no TERM handler) is immune to TERM;
	# its children are not. Only --all reaches them.
	run_detached ct1 'sleep 1000 & sleep 1000 & echo ready; wait; echo children-gone; exec sleep 1000'
	local log=$ECIRUN_LAST_LOG
	wait_for_file 50 0.1 "$log" ready

	local procs
	procs="$(cgroup_host_path pids)/cgroup.procs"
	retry 50 0.1 sh -c "[ \$(wc -l < '$procs') -ge 3 ]" || fail "expected 3 processes in $procs"
	local pids
	pids=$(cat "$procs")

	# Plain kill only reaches the init, which ignores TERM.
	ecirun kill ct1 TERM
	assert_ok
	xrun cat "$log"
	refute_out_contains children-gone

	ecirun kill --all ct1 TERM
	assert_ok
	wait_for_file 50 0.1 "$log" children-gone
	assert_eq "$(container_status ct1)" running "init survives TERM"

	ecirun kill --all ct1 KILL
	assert_ok
	wait_for_container 50 0.1 ct1 stopped
	local p
	for p in $pids; do
		retry 50 0.1 test ! -d "/proc/$p" || fail "process $p survived kill --all KILL"
	done
}
