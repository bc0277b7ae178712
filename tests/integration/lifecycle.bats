#!/usr/bin/env bats
# create / start / state / kill / delete / list.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

@test "lifecycle: create, start, kill, delete" {
	set_cmd 'exec sleep 1000'
	ecirun create ct1
	assert_ok

	ecirun state ct1
	assert_ok
	assert_eq "$(jq -r .status <<<"$stdout")" "created" "status after create"
	local pid
	pid=$(jq -r .pid <<<"$stdout")
	[ "$pid" -gt 1 ] || fail "pid '$pid' after create"
	[ -d "/proc/$pid" ] || fail "init $pid of a created container is not alive"

	ecirun start ct1
	assert_ok
	wait_for_container 50 0.1 ct1 running
	assert_eq "$(container_pid ct1)" "$pid" "pid stays the same across start"

	ecirun kill ct1 KILL
	assert_ok
	wait_for_container 50 0.1 ct1 stopped

	ecirun delete ct1
	assert_ok

	ecirun state ct1
	assert_fail
	assert_out_icontains "does not exist"
	[ ! -e "$ROOT/ct1" ] || fail "state directory $ROOT/ct1 left after delete"
}

@test "start runs the workload only at start" {
	local out="$BUNDLE/rootfs/tmp/started"
	set_cmd 'echo yes > /tmp/started; exec sleep 1000'
	ecirun create ct1
	assert_ok
	[ ! -e "$out" ] || fail "the workload ran before start"

	ecirun start ct1
	assert_ok
	wait_for_file 50 0.1 "$out" yes

	# A second start of a running container is an error.
	ecirun start ct1
	assert_fail
}

@test "create --pid-file writes the init pid" {
	set_cmd 'exec sleep 1000'
	ecirun create --pid-file "$BATS_TEST_TMPDIR/pid" ct1
	assert_ok
	[ -s "$BATS_TEST_TMPDIR/pid" ] || fail "pid file is empty or missing"

	ecirun state ct1
	assert_ok
	assert_eq "$(cat "$BATS_TEST_TMPDIR/pid")" "$(jq -r .pid <<<"$stdout")" "pid file vs state pid"
}

# runc's create.bats "--pid-file with new CWD": a relative path is the caller's, not the bundle's.
@test "create --pid-file with a relative path writes it in the caller's directory" {
	set_cmd 'exec sleep 1000'
	mkdir "$TESTDIR/elsewhere"
	cd "$TESTDIR/elsewhere"
	ecirun create --bundle "$BUNDLE" --pid-file pid.txt ct1
	assert_ok
	[ -s "$TESTDIR/elsewhere/pid.txt" ] || fail "no pid.txt in the caller's directory"
	[ ! -e "$BUNDLE/pid.txt" ] || fail "pid.txt written in the bundle"
	assert_eq "$(cat "$TESTDIR/elsewhere/pid.txt")" "$(container_pid ct1)" "pid file vs state pid"
}

@test "run -d --pid-file writes the init pid" {
	set_cmd 'exec sleep 1000'
	ecirun run -d --pid-file "$BATS_TEST_TMPDIR/pid" ct1
	assert_ok
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid" 2>/dev/null)
	[[ "$pid" =~ ^[0-9]+$ ]] && [ -d "/proc/$pid" ] || fail "pid file holds '$pid', not a live pid"
	assert_eq "$pid" "$(container_pid ct1)" "pid file vs state pid"
}

@test "delete of a running container needs --force" {
	run_detached ct1 'exec sleep 1000'
	local pid
	pid=$(container_pid ct1)

	ecirun delete ct1
	assert_fail
	assert_out_icontains "running"
	assert_eq "$(container_status ct1)" "running" "status after a refused delete"
	[ -d "/proc/$pid" ] || fail "a refused delete killed the init $pid"

	ecirun delete --force ct1
	assert_ok
	ecirun state ct1
	assert_fail
	retry 50 0.1 test ! -d "/proc/$pid" || fail "init $pid survived delete --force"
}

@test "delete --force of a created container" {
	set_cmd 'exec sleep 1000'
	ecirun create ct1
	assert_ok
	local pid
	pid=$(container_pid ct1)
	ecirun delete --force ct1
	assert_ok
	retry 50 0.1 test ! -d "/proc/$pid" || fail "init $pid survived delete --force"
	ecirun list -q
	refute_out_contains ct1
}

@test "delete of a container that does not exist fails; with --force it succeeds" {
	ecirun delete nosuchct
	assert_fail
	assert_out_icontains "does not exist"

	# runc: --force on a missing container is not an error (what containerd relies on).
	ecirun delete --force nosuchct
	assert_ok
}

@test "a duplicate id fails and leaves the first container intact" {
	set_cmd 'exec sleep 1000'
	ecirun create ct1
	assert_ok
	local pid
	pid=$(container_pid ct1)

	ecirun create ct1
	assert_fail
	assert_out_icontains "exists"

	ecirun run -d ct1
	assert_fail
	assert_out_icontains "exists"

	ecirun state ct1
	assert_ok
	assert_eq "$(jq -r .status <<<"$stdout")" "created" "first container's status"
	assert_eq "$(jq -r .pid <<<"$stdout")" "$pid" "first container's pid"
	[ -d "/proc/$pid" ] || fail "first container's init died"

	ecirun start ct1
	assert_ok
	wait_for_container 50 0.1 ct1 running
}

@test "list: table, -q and --format json" {
	set_cmd 'exec sleep 1000'
	ecirun create ct-a
	assert_ok
	run_detached ct-b 'exec sleep 1000'

	ecirun list
	assert_ok
	assert_out_match '^ID +PID +STATUS +BUNDLE +CREATED +OWNER'
	[[ "$output" =~ ct-a\ +[0-9]+\ +created\ +$BUNDLE ]] || fail "row for ct-a"
	[[ "$output" =~ ct-b\ +[0-9]+\ +running\ +$BUNDLE ]] || fail "row for ct-b"

	ecirun list -q
	assert_ok
	assert_eq "$(sort <<<"$output" | tr '\n' ' ')" "ct-a ct-b " "list -q"

	ecirun list --format json
	assert_ok
	assert_json "$stdout" 'type == "array" and length == 2
		and (map(select(.id == "ct-a"))[0].status == "created")
		and (map(select(.id == "ct-b"))[0].status == "running")
		and all(.[]; .pid > 0 and .bundle == $b)' --arg b "$BUNDLE"
}

@test "list of an empty root" {
	ecirun list -q
	assert_ok
	assert_out_eq ""
	ecirun list --format json
	assert_ok
	# runc prints "null" for no containers; an empty array is as good.
	assert_json "$stdout" '. == null or . == []'
}

@test "state JSON has the OCI fields and the config's annotations" {
	update_config '.annotations = {"org.ecirun.test": "value-1", "com.example/other": "x y"}'
	set_cmd 'exec sleep 1000'
	ecirun create ct1
	assert_ok

	ecirun state ct1
	assert_ok
	assert_json "$stdout" '
		(.ociVersion | type == "string" and length > 0)
		and .id == "ct1"
		and .status == "created"
		and (.pid | type == "number" and . > 0)
		and .bundle == $b
		and .rootfs == ($b + "/rootfs")
		and (.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))
		and has("owner")
		and .annotations == {"org.ecirun.test": "value-1", "com.example/other": "x y"}' --arg b "$BUNDLE"
}

@test "state of a container that does not exist" {
	ecirun state nosuchct
	assert_fail
	assert_out_icontains "does not exist"
}

@test "a stopped container reports stopped and can be deleted without --force" {
	set_cmd 'exit 0'
	ecirun create ct1
	assert_ok
	ecirun start ct1
	assert_ok
	wait_for_container 50 0.1 ct1 stopped
	ecirun delete ct1
	assert_ok
	ecirun list -q
	assert_out_eq ""
}
