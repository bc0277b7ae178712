#!/usr/bin/env bats
# OCI hooks: stages, state on stdin, args/env, timeout, failure.

load helpers

setup() {
	setup_bundle
	# Hooks write under $HOOKOUT. The same directory is bind-mounted at the
	# same path in the container, so a hook works whether it runs in the
	# runtime's mount namespace or in the container's.
	HOOKOUT="$TESTDIR/hookout"
	HOOKBIN="$TESTDIR/hookbin"
	mkdir -p "$HOOKOUT" "$HOOKBIN"
	chmod 0777 "$HOOKOUT"
	# Hooks in the container run as its root, an unprivileged host uid under ecirun: the
	# file every hook appends to must be writable for them too.
	: >"$HOOKOUT/order"
	chmod 0666 "$HOOKOUT/order"
	cat >"$HOOKBIN/hook.sh" <<-EOF
		#!/bin/sh
		# usage: hook.sh KIND [ARG...]
		kind=\$1
		cat > "$HOOKOUT/\$kind.json"
		echo "\$@" > "$HOOKOUT/\$kind.args"
		env > "$HOOKOUT/\$kind.env"
		echo "\$kind" >> "$HOOKOUT/order"
	EOF
	chmod 0755 "$HOOKBIN/hook.sh"
	update_config '.mounts += [
		{"destination": $o, "type": "bind", "source": $o, "options": ["rbind", "rw"]},
		{"destination": $b, "type": "bind", "source": $b, "options": ["rbind", "ro"]}]' \
		--arg o "$HOOKOUT" --arg b "$HOOKBIN"
}

teardown() {
	teardown_bundle
}

# poststart has a test of its own (runc runs it too early).
ALL_HOOKS="prestart createRuntime createContainer startContainer poststop"

# hook_entry KIND: the hooks entry running hook.sh KIND.
add_hook() {
	local kind=$1
	update_config '.hooks[$k] += [{"path": $p, "args": ["hook.sh", $k], "env": ["HOOKVAR=value-" + $k, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}]' \
		--arg k "$kind" --arg p "$HOOKBIN/hook.sh"
}

# hook_state KIND FILTER: a field of the state a hook received.
hook_state() {
	jq -r "$2" "$HOOKOUT/$1.json"
}

@test "each hook kind runs at its stage with the state on stdin" {
	local kind
	for kind in $ALL_HOOKS; do
		add_hook "$kind"
	done
	set_cmd 'exec sleep 1000'

	ecirun create ct1
	assert_ok
	local pid
	pid=$(container_pid ct1)
	# create runs prestart, createRuntime and createContainer; nothing else.
	for kind in prestart createRuntime createContainer; do
		[ -s "$HOOKOUT/$kind.json" ] || fail "$kind hook did not run at create"
	done
	for kind in startContainer poststop; do
		[ ! -e "$HOOKOUT/$kind.json" ] || fail "$kind hook ran at create"
	done
	xrun cat "$HOOKOUT/order"
	assert_out_match $'createRuntime\n(.*\n)?createContainer'

	ecirun start ct1
	assert_ok
	# The hook's last step: its state file, created first, may still be being written.
	wait_for_file 50 0.1 "$HOOKOUT/order" startContainer
	[ ! -e "$HOOKOUT/poststop.json" ] || fail "poststop hook ran before delete"

	ecirun kill ct1 KILL
	assert_ok
	wait_for_container 50 0.1 ct1 stopped
	ecirun delete ct1
	assert_ok
	[ -s "$HOOKOUT/poststop.json" ] || fail "poststop hook did not run at delete"

	# The state every hook got.
	for kind in $ALL_HOOKS; do
		xrun cat "$HOOKOUT/$kind.json"
		assert_eq "$(hook_state "$kind" .id)" ct1 "$kind: id"
		assert_eq "$(hook_state "$kind" .bundle)" "$BUNDLE" "$kind: bundle"
		hook_state "$kind" .ociVersion | grep -q . || fail "$kind: no ociVersion"
	done
	for kind in prestart createRuntime createContainer; do
		assert_eq "$(hook_state "$kind" .status)" creating "$kind: status"
	done
	# Hooks that run in the runtime namespace get the init's host pid; those
	# that run in the container may get it as seen from there (1).
	for kind in prestart createRuntime; do
		assert_eq "$(hook_state "$kind" .pid)" "$pid" "$kind: pid"
	done
	for kind in createContainer startContainer; do
		[[ "$(hook_state "$kind" .pid)" =~ ^($pid|1)$ ]] || fail "$kind: pid $(hook_state "$kind" .pid), want $pid"
	done
	assert_eq "$(hook_state startContainer .status)" created "startContainer: status"
	assert_eq "$(hook_state poststop .status)" stopped "poststop: status"
}

# runc 1.1.5 FAILS this test: it runs poststart hooks at `create` (right after
# the init is set up) instead of after `start` has started the workload.
@test "poststart runs after start, not at create" {
	add_hook poststart
	set_cmd 'exec sleep 1000'
	ecirun create ct1
	assert_ok
	local pid
	pid=$(container_pid ct1)
	[ ! -e "$HOOKOUT/poststart.json" ] || fail "poststart hook ran at create"

	ecirun start ct1
	assert_ok
	wait_for_file 50 0.1 "$HOOKOUT/poststart.json"
	xrun cat "$HOOKOUT/poststart.json"
	assert_eq "$(hook_state poststart .id)" ct1 "poststart: id"
	assert_eq "$(hook_state poststart .pid)" "$pid" "poststart: pid"
	assert_eq "$(hook_state poststart .status)" running "poststart: status"
}

@test "hook args and env" {
	update_config '.hooks.prestart = [{"path": $p, "args": ["hook.sh", "prestart", "arg with space", "--flag"], "env": ["HOOKVAR=hv-1", "OTHER=o=2"]}]' \
		--arg p "$HOOKBIN/hook.sh"
	ecirun run ct1
	assert_ok
	xrun cat "$HOOKOUT/prestart.args"
	assert_out_eq "prestart arg with space --flag"
	xrun cat "$HOOKOUT/prestart.env"
	assert_out_contains "HOOKVAR=hv-1" "OTHER=o=2"
	# The hook gets the env of config.json, not the runtime's.
	refute_out_contains "BATS_" "ECIRUN"
}

@test "startContainer runs inside the container, createRuntime in the runtime namespace" {
	add_hook createRuntime
	add_hook startContainer
	cat >>"$HOOKBIN/hook.sh" <<-EOF
		readlink /proc/self/ns/mnt > "$HOOKOUT/\$1.mntns"
		hostname > "$HOOKOUT/\$1.hostname"
	EOF
	update_config '.hostname = "hooked-ct"'
	run_detached ct1 'exec sleep 1000'
	wait_for_file 50 0.1 "$HOOKOUT/startContainer.hostname"
	local pid
	pid=$(container_pid ct1)
	assert_eq "$(cat "$HOOKOUT/startContainer.mntns")" "$(ns_of "$pid" mnt)" "startContainer mount ns"
	assert_eq "$(cat "$HOOKOUT/startContainer.hostname")" "hooked-ct" "startContainer uts ns"
	assert_eq "$(cat "$HOOKOUT/createRuntime.mntns")" "$(ns_of $$ mnt)" "createRuntime mount ns"
}

@test "a hook that runs past its timeout is killed and create fails" {
	local pidfile="$TESTDIR/timeout-hook.pid"
	update_config '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", ("echo $$ > " + $pf + "; exec sleep 30")], "timeout": 1}]' \
		--arg pf "$pidfile"
	set_cmd 'exec sleep 1000'
	ecirun create ct1
	assert_fail
	assert_out_icontains "hook"
	assert_out_match '[Tt]ime(d)? ?out'
	[ -s "$pidfile" ] || fail "the hook never ran"
	local hookpid
	hookpid=$(cat "$pidfile")
	track_pid "$hookpid"
	retry 50 0.1 test ! -d "/proc/$hookpid" || fail "the timed-out hook $hookpid is still running"

	ecirun list -q
	refute_out_contains ct1
	[ -z "$(ls -A "$ROOT")" ] || fail "$ROOT not empty: $(ls -A "$ROOT")"
}

@test "a failing prestart hook fails create and leaves nothing behind" {
	update_config '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo hook-says-no >&2; exit 3"]}]'
	set_cmd 'exec sleep 1000'
	ecirun create ct1
	assert_fail
	assert_out_icontains "hook"
	assert_out_contains "hook-says-no"

	ecirun list -q
	assert_ok
	refute_out_contains ct1
	[ -z "$(ls -A "$ROOT")" ] || fail "$ROOT not empty: $(ls -A "$ROOT")"
	local d
	for d in $(cgroup_all_paths); do
		[ ! -d "$d" ] || fail "cgroup $d left behind"
	done
}

@test "a failing createRuntime hook kills the container's init" {
	local initpids="$TESTDIR/init.pids"
	# Record the container's processes, as the hook sees them, then fail.
	update_config '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", ("jq -r .pid > " + $f + "; exit 1")], "env": ["PATH=/usr/bin:/bin"]}]' \
		--arg f "$initpids"
	set_cmd 'exec sleep 1000'
	ecirun create ct1
	assert_fail
	[ -s "$initpids" ] || fail "hook did not see the init pid"
	local p
	p=$(cat "$initpids")
	retry 50 0.1 sh -c "[ ! -d /proc/$p ] || grep -q '^State:.*Z' /proc/$p/status" || fail "init $p survived"
	[ -z "$(ls -A "$ROOT")" ] || fail "$ROOT not empty: $(ls -A "$ROOT")"
}

@test "a failing poststop hook does not prevent delete" {
	update_config '.hooks.poststop = [{"path": "/bin/false"}]'
	set_cmd 'true'
	ecirun create ct1
	assert_ok
	ecirun start ct1
	assert_ok
	wait_for_container 50 0.1 ct1 stopped
	ecirun delete ct1
	# The spec: a failing poststop hook is a warning; delete goes on.
	assert_ok
	ecirun state ct1
	assert_fail
}

@test "createContainer hooks run in the rootfs; prestart and createRuntime in the bundle" {
	# runc runs createContainer hooks with the rootfs as the cwd; ecirun 97248e4 left the bundle.
	local kind
	for kind in createRuntime createContainer; do
		update_config '.hooks[$k] += [{"path": "/bin/sh", "args": ["sh", "-c", ("pwd > " + $o + "/" + $k + ".cwd")]}]' \
			--arg k "$kind" --arg o "$HOOKOUT"
	done
	ecirun run ct1
	assert_ok
	assert_eq "$(cat "$HOOKOUT/createRuntime.cwd")" "$BUNDLE" "createRuntime's cwd"
	assert_eq "$(cat "$HOOKOUT/createContainer.cwd")" "$BUNDLE/rootfs" "createContainer's cwd"
}
