#!/usr/bin/env bats
# ps, pause, resume, update, events: operations on a live container's cgroup.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# A workload that appends to /tmp/cnt (in the rootfs, readable from the host) every 0.05 s.
COUNTER='i=0; while :; do i=$((i+1)); echo $i >/tmp/cnt; sleep 0.05; done'

counter() {
	cat "$BUNDLE/rootfs/tmp/cnt" 2>/dev/null || echo 0
}

__counter_above() {
	[ "$(counter)" -gt "$1" ]
}

# wait_counter_above N: the workload gets past N.
wait_counter_above() {
	retry 100 0.05 __counter_above "$1" || fail "counter stuck at $(counter) (want > $1)"
}

# cg_file CONTROLLER V1FILE V2FILE: a file of this test's cgroup on the host.
cg_file() {
	if cgroup_is_v2; then
		cat "$(cgroup_host_path "$1")/$3"
	else
		cat "$(cgroup_host_path "$1")/$2"
	fi
}

@test "ps --format json lists the init pid" {
	run_detached ct1 'exec sleep 1000'
	local pid
	pid=$(container_pid ct1)
	ecirun ps --format json ct1
	assert_ok
	assert_json "$stdout" 'type == "array" and index($p) != null' --argjson p "$pid"
}

@test "ps shows the workload's rows under the ps header" {
	run_detached ct1 'sleep 1000 & exec sleep 2000'
	ecirun ps ct1
	assert_ok
	assert_out_match "^UID +PID +PPID"
	assert_out_contains "sleep 2000" "sleep 1000"
	# Only the container's processes: the header plus two rows.
	[ "${#lines[@]}" -eq 3 ] || fail "expected 3 lines"
}

@test "ps passes its options to ps(1)" {
	run_detached ct1 'exec sleep 1000'
	local pid
	pid=$(container_pid ct1)
	ecirun ps ct1 -e -o pid,comm
	assert_ok
	assert_out_match "^ *PID +COMMAND"
	assert_out_match "(^|"$'\n'") *$pid +sleep"
}

@test "ps shows the container's users (root), not the host uids of its ID block" {
	# runc's containers run as host root, so its ps shows root; ecirun 97248e4 showed the block's
	# host uid (268435456+) for container root.
	set_cmd 'sleep 600'
	update_config '.process.user = {"uid": 0, "gid": 0}'
	ecirun run -d ct1
	assert_ok
	ecirun ps ct1 -e -o user,pid,args
	assert_ok
	assert_out_match $'\nroot +[0-9]+ +sleep 600'
	# BSD "x" selects the caller's own processes: the container's, as for runc (host root's).
	ecirun ps ct1 -e -x
	assert_ok
	assert_out_contains "sleep 600"
}

@test "ps of a missing container fails" {
	ecirun ps nosuch
	assert_fail
	assert_out_icontains "does not exist"
}

@test "pause freezes the container and resume thaws it" {
	run_detached ct1 "$COUNTER"
	wait_counter_above 2

	ecirun pause ct1
	assert_ok
	assert_eq "$(container_status ct1)" paused "status after pause"
	local before
	before=$(counter)
	# A frozen workload cannot advance: give it time it would have used for ~10 steps.
	sleep 0.5
	assert_eq "$(counter)" "$before" "counter while paused"

	ecirun resume ct1
	assert_ok
	assert_eq "$(container_status ct1)" running "status after resume"
	wait_counter_above "$before"
}

@test "pause of a stopped container fails" {
	set_cmd 'true'
	ecirun run --keep ct1
	assert_ok
	ecirun pause ct1
	assert_fail
	assert_out_icontains "not running"
}

@test "resume of a running container fails" {
	run_detached ct1 'exec sleep 1000'
	ecirun resume ct1
	assert_fail
	assert_out_icontains "not paused"
	assert_eq "$(container_status ct1)" running "status"
}

@test "pause twice fails the second time" {
	run_detached ct1 'exec sleep 1000'
	ecirun pause ct1
	assert_ok
	ecirun pause ct1
	assert_fail
	assert_out_icontains "not running"
}

@test "kill --all KILL of a paused container stops it" {
	# runc 1.1: works (it thaws around the signal on v1).
	run_detached ct1 'sleep 1000 & exec sleep 2000'
	ecirun pause ct1
	assert_ok
	ecirun kill --all ct1 KILL
	assert_ok
	# As runc 1.1: the killed tasks die although the container was paused, no resume needed.
	wait_for_container 50 0.1 ct1 stopped
}

@test "delete --force of a paused container leaves nothing" {
	run_detached ct1 "$COUNTER"
	ecirun pause ct1
	assert_ok
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}

@test "update --memory 64m" {
	requires cgroups_memory
	run_detached ct1 'exec sleep 1000'
	ecirun update --memory 64m ct1
	assert_ok
	assert_eq "$(cg_file memory memory.limit_in_bytes memory.max)" 67108864 "memory limit"
}

# runc takes a command's options after the container ID too.
@test "update ID --memory 32m --pids-limit 17: options after the container ID" {
	requires cgroups_memory cgroups_pids
	run_detached ct1 'exec sleep 1000'
	ecirun update ct1 --memory 32m --pids-limit 17
	assert_ok
	assert_eq "$(cg_file memory memory.limit_in_bytes memory.max)" 33554432 "memory limit"
	assert_eq "$(cg_file pids pids.max pids.max)" 17 "pids.max"
}

@test "update --pids-limit" {
	requires cgroups_pids
	run_detached ct1 'exec sleep 1000'
	ecirun update --pids-limit 42 ct1
	assert_ok
	assert_eq "$(cg_file pids pids.max pids.max)" 42 "pids.max"
	ecirun update --pids-limit -1 ct1
	assert_ok
	assert_eq "$(cg_file pids pids.max pids.max)" max "pids.max after -1"
}

@test "update --cpu-quota --cpu-period" {
	requires cgroups_cpu
	run_detached ct1 'exec sleep 1000'
	ecirun update --cpu-period 200000 --cpu-quota 50000 ct1
	assert_ok
	if cgroup_is_v2; then
		assert_eq "$(cg_file cpu x cpu.max)" "50000 200000" "cpu.max"
	else
		assert_eq "$(cg_file cpu cpu.cfs_period_us x)" 200000 "cpu.cfs_period_us"
		assert_eq "$(cg_file cpu cpu.cfs_quota_us x)" 50000 "cpu.cfs_quota_us"
	fi
}

@test "update --resources FILE, and flags override it" {
	requires cgroups_memory cgroups_pids
	run_detached ct1 'exec sleep 1000'
	cat >"$TESTDIR/res.json" <<-EOF
		{"memory": {"limit": 33554432}, "pids": {"limit": 17}}
	EOF
	ecirun update --resources "$TESTDIR/res.json" ct1
	assert_ok
	assert_eq "$(cg_file memory memory.limit_in_bytes memory.max)" 33554432 "memory limit"
	assert_eq "$(cg_file pids pids.max pids.max)" 17 "pids.max"

	# runc 1.1 fails this on purpose: it ignores every flag when --resources is given.
	ecirun update --resources "$TESTDIR/res.json" --pids-limit 23 ct1
	assert_ok
	assert_eq "$(cg_file pids pids.max pids.max)" 23 "pids.max (flag over file)"
}

@test "update --resources - reads stdin" {
	requires cgroups_pids
	run_detached ct1 'exec sleep 1000'
	echo '{"pids": {"limit": 31}}' >"$TESTDIR/res.json"
	xsh "'$ECIRUN' --root '$ROOT' update -r - ct1 <'$TESTDIR/res.json'"
	assert_ok
	assert_eq "$(cg_file pids pids.max pids.max)" 31 "pids.max"
}

@test "update with a bad value fails clearly and changes nothing" {
	requires cgroups_memory cgroups_pids
	update_config '.linux.resources.memory = {"limit": 50331648} | .linux.resources.pids = {"limit": 11}'
	run_detached ct1 'exec sleep 1000'
	local arg
	for arg in "--memory 12x" "--memory -5" "--cpu-quota abc" "--cpu-period -1" "--cpu-period 10" "--memory-swap 1x"; do
		# shellcheck disable=SC2086
		ecirun update $arg --pids-limit 99 ct1
		assert_fail
		local word=${arg#--}
		word=${word%% *}
		assert_out_icontains invalid "${word%%-*}"
		assert_eq "$(cg_file memory memory.limit_in_bytes memory.max)" 50331648 "memory limit after $arg"
		assert_eq "$(cg_file pids pids.max pids.max)" 11 "pids.max after $arg"
	done
	echo '{"memory": {"limit": "lots"}}' >"$TESTDIR/bad.json"
	ecirun update --resources "$TESTDIR/bad.json" ct1
	assert_fail
	assert_out_icontains "memory" "limit"
}

@test "update of a missing or stopped container fails" {
	ecirun update --memory 64m nosuch
	assert_fail
	assert_out_icontains "does not exist"
	set_cmd 'true'
	ecirun run --keep ct1
	assert_ok
	ecirun update --pids-limit 10 ct1
	assert_fail
	assert_out_icontains "not running"
}

@test "update --l3-cache-schema is not supported" {
	run_detached ct1 'exec sleep 1000'
	ecirun update --l3-cache-schema "L3:0=f" ct1
	assert_fail
	assert_out_icontains "l3"
}

@test "events --stats prints one stats event" {
	requires cgroups_memory cgroups_pids
	run_detached ct1 'sleep 1000 & exec sleep 2000'
	ecirun events --stats ct1
	assert_ok
	[ "${#lines[@]}" -eq 1 ] || fail "expected one line"
	assert_json "$stdout" '.type == "stats" and .id == "ct1"'
	assert_json "$stdout" '.data.memory.usage.usage > 0 and .data.memory.usage.limit > 0'
	assert_json "$stdout" '.data.pids.current >= 2'
	assert_json "$stdout" '.data.cpu.usage.total > 0 and (.data.cpu.usage | has("kernel") and has("user"))'
	assert_json "$stdout" '.data.memory.raw | type == "object" and length > 0'
}

@test "events --stats shows the limits set by update" {
	requires cgroups_memory cgroups_pids
	run_detached ct1 'exec sleep 1000'
	ecirun update --memory 64m --pids-limit 42 ct1
	assert_ok
	ecirun events --stats ct1
	assert_ok
	assert_json "$stdout" '.data.memory.usage.limit == 67108864 and .data.pids.limit == 42'
}

__two_stats() {
	[ "$(grep -c '"type":"stats"' "$1")" -ge 2 ]
}

@test "events streams stats until the container stops" {
	run_detached ct1 'exec sleep 1000'
	local out=$TESTDIR/events.out
	"$ECIRUN" --root "$ROOT" events --interval 100ms ct1 >"$out" 2>&1 &
	local ev=$!
	track_pid $ev
	retry 50 0.1 __two_stats "$out" || fail "fewer than 2 stats events: $(head -c 300 "$out")"
	ecirun kill ct1 KILL
	assert_ok
	wait_for_container 50 0.1 ct1 stopped
	# events ends once the container is gone (runc: once its cgroup is).
	ecirun delete ct1
	assert_ok
	retry 50 0.1 sh -c "! kill -0 $ev 2>/dev/null" || fail "events still running"
	xrun jq -e -s 'all(.[]; .id == "ct1")' "$out"
	assert_ok
}

@test "events of a stopped container fails" {
	set_cmd 'true'
	ecirun run --keep ct1
	assert_ok
	ecirun events --stats ct1
	assert_fail
	assert_out_icontains "not running"
}
