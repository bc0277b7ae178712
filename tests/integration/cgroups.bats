#!/usr/bin/env bats
# linux.resources and linux.cgroupsPath.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# cg_value CONTROLLER V1FILE V2FILE: a file of this test's cgroup on the host.
cg_value() {
	local dir
	dir=$(cgroup_host_path "$1")
	if cgroup_is_v2; then
		cat "$dir/$3"
	else
		cat "$dir/$2"
	fi
}

# assert_cg CONTROLLER V1FILE V2FILE EXPECTED_V1 EXPECTED_V2
assert_cg() {
	local got want
	got=$(cg_value "$1" "$2" "$3" 2>&1)
	if cgroup_is_v2; then want=$5; else want=$4; fi
	assert_eq "$got" "$want" "$(cgroup_host_path "$1")/$(cgroup_is_v2 && echo "$3" || echo "$2")"
}

@test "the container runs in linux.cgroupsPath" {
	run_detached ct1 'exec sleep 1000'
	local pid
	pid=$(container_pid ct1)
	xrun cat "/proc/$pid/cgroup"
	assert_ok
	if cgroup_is_v2; then
		assert_out_match "^0::$CGROUP\$"
	else
		local ctl
		for ctl in memory pids cpu; do
			assert_out_match "(^|"$'\n'")[0-9]+:([^:]*,)?$ctl(,[^:]*)?:$CGROUP("$'\n'"|\$)"
		done
	fi
	grep -qx "$pid" "$(cgroup_host_path pids)/cgroup.procs" || fail "init $pid not in $(cgroup_host_path pids)/cgroup.procs"
}

@test "memory limit" {
	requires cgroups_memory
	local limit=$((64 * 1024 * 1024))
	update_config '.linux.resources.memory = {"limit": $l}' --argjson l "$limit"
	run_detached ct1 'exec sleep 1000'
	assert_cg memory memory.limit_in_bytes memory.max "$limit" "$limit"
}

@test "memory limit, seen from inside the container" {
	requires cgroups_memory cgroups_v1
	local limit=$((48 * 1024 * 1024))
	update_config '.linux.resources.memory = {"limit": $l}' --argjson l "$limit"
	set_cmd 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
	ecirun run ct1
	assert_ok
	assert_out_eq "$limit"
}

@test "pids limit" {
	requires cgroups_pids
	update_config '.linux.resources.pids = {"limit": 42}'
	run_detached ct1 'exec sleep 1000'
	assert_cg pids pids.max pids.max 42 42
}

@test "pids limit is enforced" {
	requires cgroups_pids
	# The init shell plus three children; the fifth process cannot fork.
	update_config '.linux.resources.pids = {"limit": 4}'
	set_cmd 'for i in 1 2 3 4 5 6; do sleep 1000 & done; echo spawned'
	ecirun run ct1
	assert_out_contains "Resource temporarily unavailable"
}

@test "cpu quota, period and shares" {
	requires cgroups_cpu
	update_config '.linux.resources.cpu = {"quota": 50000, "period": 100000, "shares": 512}'
	run_detached ct1 'exec sleep 1000'
	assert_cg cpu cpu.cfs_quota_us cpu.max 50000 "50000 100000"
	if ! cgroup_is_v2; then
		assert_cg cpu cpu.cfs_period_us cpu.max 100000 ""
		assert_cg cpu cpu.shares cpu.weight 512 ""
	fi
}

@test "cpuset" {
	requires cgroups_cpuset
	update_config '.linux.resources.cpu = {"cpus": "0", "mems": "0"}'
	set_cmd 'grep -E "^(Cpus|Mems)_allowed_list:" /proc/self/status; exec sleep 1000'
	ecirun run -d ct1
	assert_ok
	local log=$ECIRUN_LAST_LOG
	wait_for_container 50 0.1 ct1 running
	assert_cg cpuset cpuset.cpus cpuset.cpus 0 0
	assert_cg cpuset cpuset.mems cpuset.mems 0 0
	wait_for_file 50 0.1 "$log" Mems_allowed_list
	xrun cat "$log"
	assert_out_match 'Cpus_allowed_list:[[:space:]]+0'$'\n'
	assert_out_match 'Mems_allowed_list:[[:space:]]+0($|'$'\n'')'
}

@test "an impossible cpuset fails create and leaves no cgroup" {
	requires cgroups_cpuset
	update_config '.linux.resources.cpu = {"cpus": "4095"}'
	ecirun create ct1
	assert_fail
	assert_out_icontains "cpuset"
	local d
	for d in $(cgroup_all_paths); do
		[ ! -d "$d" ] || fail "cgroup $d left behind"
	done
}

@test "the cgroup directory is removed at delete" {
	update_config '.linux.resources.pids = {"limit": 100}'
	run_detached ct1 'exec sleep 1000'
	local paths d found=0
	paths=$(cgroup_all_paths)
	for d in $paths; do
		[ -d "$d" ] && found=$((found + 1))
	done
	[ "$found" -gt 0 ] || fail "no cgroup directory for $CGROUP while running"

	ecirun delete --force ct1
	assert_ok
	for d in $paths; do
		[ ! -d "$d" ] || fail "cgroup $d left behind after delete"
	done
}

@test "the cgroup directory is removed when run exits" {
	set_cmd 'echo "ran-$((20 + 1))"'
	ecirun run ct1
	assert_ok
	assert_out_contains "ran-21"
	local d
	for d in $(cgroup_all_paths); do
		[ ! -d "$d" ] || fail "cgroup $d left behind after run"
	done
}

@test "the cgroup is delegated to the container's root: sub-cgroups inside, its own limits stay the host's" {
	requires cgroups_memory cgroups_pids
	local limit=$((64 * 1024 * 1024)) inner lfile
	update_config '.linux.resources.memory = {"limit": $l} | .linux.resources.pids = {"limit": 100}
		| .mounts |= map(if (.type | test("^cgroup")) then .options -= ["ro"] else . end)' \
		--argjson l "$limit"
	run_detached ct1 'exec sleep 1000'
	if cgroup_is_v2; then inner=/sys/fs/cgroup lfile=memory.max; else inner=/sys/fs/cgroup/memory lfile=memory.limit_in_bytes; fi

	# What systemd or a nested engine does: make a sub-cgroup and move into it. Raising the
	# container's own limit must stay impossible.
	ecirun exec ct1 sh -c "mkdir $inner/sub && echo \$\$ > $inner/sub/cgroup.procs && grep -q ':/sub\$' /proc/self/cgroup && echo MOVED
		echo 999999999 > $inner/$lfile && echo RAISED; true"
	assert_ok
	assert_out_contains MOVED
	refute_out_contains RAISED
	assert_cg memory memory.limit_in_bytes memory.max "$limit" "$limit"

	# On the host: the leaf belongs to container root's host uid, its limit files to root.
	local pid host_dir base
	pid=$(container_pid ct1)
	base=$(awk 'NR == 1 { print $2 }' "/proc/$pid/uid_map")
	host_dir=$(cgroup_host_path memory)
	[ -d "$host_dir/sub" ] || fail "no $host_dir/sub on the host"
	assert_eq "$(stat -c %u "$host_dir")" "$base" "owner of $host_dir"
	assert_eq "$(stat -c %u "$host_dir/cgroup.procs")" "$base" "owner of $host_dir/cgroup.procs"
	cgroup_is_v2 || assert_eq "$(stat -c %u "$(cgroup_host_path pids)/pids.max")" 0 "owner of pids.max"
	assert_eq "$(stat -c %u "$host_dir/$lfile")" 0 "owner of $host_dir/$lfile"

	# A hybrid host's cgroup2 hierarchy is delegated too (the v2 list of files).
	if ! cgroup_is_v2 && [ -d "/sys/fs/cgroup/unified$CGROUP" ]; then
		ecirun exec ct1 sh -c 'mkdir /sys/fs/cgroup/unified/sub && echo $$ > /sys/fs/cgroup/unified/sub/cgroup.procs && grep -q "^0::/sub$" /proc/self/cgroup && echo V2-MOVED'
		assert_ok
		assert_out_contains V2-MOVED
		assert_eq "$(stat -c %u "/sys/fs/cgroup/unified$CGROUP/cgroup.subtree_control")" "$base" "owner of the v2 cgroup.subtree_control"
	fi

	# delete removes the container's sub-cgroups with its own.
	ecirun delete --force ct1
	assert_ok
	[ ! -e "$host_dir" ] || fail "$host_dir is left after delete"
}

@test "a cgroup that already exists frozen is refused, not a create that hangs" {
	# runc refuses ("container's cgroup unexpectedly frozen"); ecirun 97248e4 hung in create.
	local dir
	if cgroup_is_v2; then
		dir="/sys/fs/cgroup$CGROUP"
		mkdir -p "$dir"
		echo 1 >"$dir/cgroup.freeze"
	else
		dir="/sys/fs/cgroup/freezer$CGROUP"
		mkdir -p "$dir"
		echo FROZEN >"$dir/freezer.state"
	fi
	ecirun create ct1
	assert_fail
	assert_out_contains "container's cgroup unexpectedly frozen"
	if cgroup_is_v2; then echo 0 >"$dir/cgroup.freeze"; else echo THAWED >"$dir/freezer.state"; fi
	[ -z "$(ls "$ROOT")" ] || fail "a state directory is left: $(ls "$ROOT")"
}
