#!/usr/bin/env bats
# Bad input: one clear error, a non-zero exit, and nothing left behind
# (no state directory, no cgroup, no process).

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# assert_no_leftovers ID: the runtime kept nothing of a failed container.
assert_no_leftovers() {
	local id=$1 d
	# Save the failing command's details: they explain a leftover best.
	local s_cmd=$LAST_CMD s_status=$status s_output=$output

	ecirun list -q
	assert_ok "list after a failed create"
	refute_out_contains "$id"

	LAST_CMD=$s_cmd status=$s_status output=$s_output
	[ ! -e "$ROOT/$id" ] || fail "state directory $ROOT/$id left behind: $(ls -la "$ROOT/$id" 2>&1)"
	[ -z "$(ls -A "$ROOT")" ] || fail "$ROOT is not empty: $(ls -A "$ROOT")"
	for d in $(cgroup_all_paths); do
		[ ! -d "$d" ] || fail "cgroup $d left behind (procs: $(cat "$d/cgroup.procs" 2>&1))"
	done
}

malformed_config() {
	# Syntax error on line 4: a trailing comma in an array.
	cat >"$BUNDLE/config.json" <<'JSON'
{
	"ociVersion": "1.0.2",
	"process": {
		"args": ["sh",],
		"cwd": "/"
	},
	"root": { "path": "rootfs" }
}
JSON
}

@test "malformed config.json: create fails and leaves nothing behind" {
	malformed_config
	ecirun create ct1
	assert_fail
	assert_no_leftovers ct1
}

# runc 1.1.5 FAILS this test: its message ("invalid character ']' looking for
# beginning of value") names neither the file nor the position.
@test "malformed config.json: the error names config.json and the position" {
	malformed_config
	ecirun create ct1
	assert_fail
	assert_out_contains "config.json"
	# Line 4, or a byte offset / column: any explicit position will do.
	assert_out_match '(line|column|col|offset|position|byte|char)[^0-9a-z]{0,3}[0-9]+|config\.json:[0-9]+'
}

@test "config.json that is not a JSON object" {
	echo '[1, 2, 3]' >"$BUNDLE/config.json"
	ecirun create ct1
	assert_fail
	assert_no_leftovers ct1

	: >"$BUNDLE/config.json"
	ecirun create ct1
	assert_fail
	assert_no_leftovers ct1
}

@test "missing config.json" {
	rm "$BUNDLE/config.json"
	ecirun create ct1
	assert_fail
	assert_out_contains "config.json"
	assert_no_leftovers ct1
}

@test "missing rootfs" {
	update_config '.root.path = "no-such-rootfs"'
	ecirun create ct1
	assert_fail
	assert_out_contains "no-such-rootfs"
	assert_no_leftovers ct1
}

@test "wrong type for process.terminal" {
	update_config '.process.terminal = "yes"'
	ecirun create ct1
	assert_fail
	assert_out_contains "terminal"
	assert_no_leftovers ct1
}

@test "process.args empty" {
	update_config '.process.args = []'
	ecirun create ct1
	assert_fail
	assert_out_icontains "args"
	assert_no_leftovers ct1
}

@test "invalid container ids are refused" {
	local id
	for id in "a/b" "../escape" ".." "."; do
		ecirun create "$id"
		assert_fail
		assert_out_icontains "id"
	done
	ecirun create ""
	assert_fail
	[ -z "$(ls -A "$ROOT")" ] || fail "$ROOT is not empty: $(ls -A "$ROOT")"
	[ ! -e "$BUNDLE/../escape" ] || fail "an id escaped the root dir"
	[ ! -e "$(dirname "$ROOT")/escape" ] || fail "an id escaped the root dir"
}

# runc 1.1.5 ignores unknown capability names with a warning (so that configs
# written for newer kernels keep working); ecirun must do the same, and must
# say which name it dropped.
@test "unknown capability name fails create, names it, and leaves nothing" {
	update_config '.process.capabilities.bounding += ["CAP_NOT_A_REAL_CAP"]
		| .process.capabilities.effective += ["CAP_NOT_A_REAL_CAP"]
		| .process.capabilities.permitted += ["CAP_NOT_A_REAL_CAP"]'
	set_cmd 'grep CapBnd /proc/self/status'
	ecirun run ct1
	assert_fail
	assert_out_contains "CAP_NOT_A_REAL_CAP" "process.capabilities.bounding"
	ecirun list -q
	assert_ok
	assert_out_eq ""
}

@test "an unknown mount type fails create and leaves nothing behind" {
	update_config '.mounts += [{"destination": "/mnt", "type": "notafilesystem", "source": "none"}]'
	set_cmd 'exec sleep 1000'
	ecirun create ct1
	assert_fail
	assert_no_leftovers ct1
}

@test "a mount with a missing source fails create and leaves nothing behind" {
	update_config '.mounts += [{"destination": "/mnt", "type": "bind", "source": "/no/such/source/dir", "options": ["bind"]}]'
	set_cmd 'exec sleep 1000'
	ecirun create ct1
	assert_fail
	assert_out_contains "/no/such/source/dir"
	assert_no_leftovers ct1
}

# Start `create` with a createRuntime hook that blocks, and SIGKILL the
# runtime while it waits for the hook. Sets RT_PID, HOOK_PIDFILE, INIT_PIDS.
kill_runtime_mid_create() {
	HOOK_PIDFILE="$BATS_TEST_TMPDIR/hook.pid"
	cat >"$BATS_TEST_TMPDIR/block-hook.sh" <<EOF
#!/bin/sh
echo \$\$ > "$HOOK_PIDFILE"
exec sleep 30
EOF
	chmod +x "$BATS_TEST_TMPDIR/block-hook.sh"
	update_config '.hooks.createRuntime = [{"path": $p}]' --arg p "$BATS_TEST_TMPDIR/block-hook.sh"
	set_cmd 'exec sleep 1000'

	# Run the runtime binary itself in the background (no timeout wrapper), so
	# that $! is the runtime process.
	"$ECIRUN" --root "$ROOT" create ct1 >"$BATS_TEST_TMPDIR/create.log" 2>&1 </dev/null &
	RT_PID=$!
	track_pid "$RT_PID"
	wait_for_file 100 0.1 "$HOOK_PIDFILE"
	track_pid "$(cat "$HOOK_PIDFILE")"

	# The container's processes as the host sees them, while create is blocked.
	INIT_PIDS=""
	local d
	for d in $(cgroup_all_paths); do
		[ -f "$d/cgroup.procs" ] && INIT_PIDS+=" $(cat "$d/cgroup.procs")"
	done
	INIT_PIDS=$(tr ' ' '\n' <<<"$INIT_PIDS" | sort -u | tr '\n' ' ')

	kill -9 "$RT_PID"
	wait "$RT_PID" || true
}

@test "runtime killed mid-create: delete --force removes the state and the processes" {
	kill_runtime_mid_create
	echo "container processes seen during create: $INIT_PIDS" >&2

	# Nothing usable is listed, or it is listed as not running.
	ecirun list --format json
	assert_ok
	# A half-created container must not be listed as running.
	assert_json "$stdout" '(. // []) | map(select(.id == "ct1" and .status == "running")) | length == 0'

	ecirun delete --force ct1
	assert_ok

	[ ! -e "$ROOT/ct1" ] || fail "state directory $ROOT/ct1 left behind"
	local p
	for p in $INIT_PIDS; do
		retry 50 0.1 process_gone "$p" || fail "container process $p survived: $(ps -o pid,ppid,stat,args -p "$p" 2>&1)"
	done
	local d
	for d in $(cgroup_all_paths); do
		[ -f "$d/cgroup.procs" ] || continue
		[ -z "$(cat "$d/cgroup.procs")" ] || fail "processes left in $d: $(cat "$d/cgroup.procs")"
	done
}

# runc 1.1.5 FAILS this test: after its `create` is SIGKILLed, `delete --force`
# of the half-created container removes the state directory but leaks the
# container's cgroup directories on every hierarchy.
@test "runtime killed mid-create: delete --force leaves no cgroup behind" {
	kill_runtime_mid_create
	ecirun delete --force ct1
	assert_ok
	local d
	for d in $(cgroup_all_paths) $(sidecar_cgroup_paths); do
		retry 20 0.1 test ! -d "$d" || fail "cgroup $d left behind"
	done
}
