#!/usr/bin/env bats
# `exec`: a new process in a running container: namespaces, cgroup, user, env, cwd, exit
# status, --process, --detach, --tty, and the refusals.

load helpers

setup() {
	setup_bundle
	update_config '.hostname = "exec-host"'
}

teardown() {
	teardown_bundle
}

@test "exec runs in the container's namespaces and exits with its own status" {
	run_detached ct1 'exec sleep 1000'
	local pid
	pid=$(container_pid ct1)
	ecirun exec ct1 sh -c 'echo "pid=$$ host=$(hostname)"; for n in net mnt pid; do readlink /proc/self/ns/$n; done'
	assert_ok
	assert_out_contains "host=exec-host" "$(ns_of "$pid" net)" "$(ns_of "$pid" mnt)"
	# In the container's pid namespace the init is 1, so the exec'd shell is not.
	assert_out_match 'pid=[0-9]+'
	refute_out_contains "pid=$$"
	ecirun exec ct1 sh -c 'exit 7'
	assert_status 7
}

@test "exec joins the container's cgroup" {
	run_detached ct1 'exec sleep 1000'
	ecirun exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" ct1 sleep 1000
	assert_ok
	# Seen from the host, both processes are in the same cgroups.
	assert_eq "$(cat "/proc/$(cat "$BATS_TEST_TMPDIR/exec.pid")/cgroup")" \
		"$(cat "/proc/$(container_pid ct1)/cgroup")" "cgroups of the exec'd process and the init"
}

@test "exec --user, --env, --cwd and --additional-gids" {
	run_detached ct1 'exec sleep 1000'
	ecirun exec --user 1000:1000 --additional-gids 5 --env FOO=bar --env PATH=/bin --cwd /tmp ct1 \
		sh -c 'id -u; id -g; id -G; echo "FOO=$FOO PATH=$PATH HOME=$HOME"; pwd'
	assert_ok
	assert_out_contains "FOO=bar PATH=/bin HOME=/home/user" "/tmp"
	assert_eq "${lines[0]}" 1000 "uid"
	assert_eq "${lines[1]}" 1000 "gid"
	assert_eq "${lines[2]}" "1000 5" "groups"
}

@test "exec --process takes a process.json" {
	run_detached ct1 'exec sleep 1000'
	cat >"$BATS_TEST_TMPDIR/process.json" <<-'JSON'
		{"args": ["sh", "-c", "echo from-process-json $X; id -u"], "cwd": "/etc",
		 "env": ["X=42", "PATH=/bin:/sbin"], "user": {"uid": 1, "gid": 1}}
	JSON
	ecirun exec --process "$BATS_TEST_TMPDIR/process.json" ct1
	assert_ok
	assert_out_contains "from-process-json 42"
	assert_eq "${lines[1]}" 1 "uid"
}

@test "exec --detach --pid-file leaves the process running in the container" {
	run_detached ct1 'exec sleep 1000'
	ecirun exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" ct1 sleep 1000
	assert_ok
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	[ -d "/proc/$pid" ] || fail "exec'd process $pid is not running"
	assert_eq "$(readlink "/proc/$pid/ns/pid")" "$(ns_of "$(container_pid ct1)" pid)" "pid namespace"
	# It is in the container's cgroup: kill --all reaches it.
	ecirun kill --all ct1 KILL
	assert_ok
	retry 50 0.1 test ! -d "/proc/$pid" || fail "exec'd process $pid survived kill --all"
}

@test "exec --cap adds a capability; --no-new-privs sets no_new_privs" {
	run_detached ct1 'exec sleep 1000'
	ecirun exec --cap CAP_SYS_ADMIN --no-new-privs ct1 sh -c 'grep -E "^(CapEff|NoNewPrivs)" /proc/self/status'
	assert_ok
	assert_out_match 'NoNewPrivs:[[:space:]]+1'
	local eff
	eff=$(awk '/^CapEff/ {print $2}' <<<"$output")
	(((0x$eff >> 21) & 1)) || fail "CAP_SYS_ADMIN (21) not in CapEff $eff"
}

@test "exec --tty through --console-socket" {
	run_detached ct1 'exec sleep 1000'
	setup_recvtty
	ecirun exec --tty --detach --console-socket "$CONSOLE_SOCKET" ct1 sh -c 'tty; echo tty-done-7'
	assert_ok
	wait_for_file 100 0.1 "$CONSOLE_OUT" tty-done-7
	grep -q '/dev/pts/' "$CONSOLE_OUT" || fail "exec'd process has no pty: $(cat "$CONSOLE_OUT")"
}

@test "exec of a missing binary fails with a clear error" {
	run_detached ct1 'exec sleep 1000'
	ecirun exec ct1 /no/such/binary
	assert_fail
	assert_out_contains "/no/such/binary"
}

@test "exec into a stopped container, a missing container, or without a command fails" {
	set_cmd 'true'
	ecirun run --keep ct1
	assert_ok
	ecirun exec ct1 true
	assert_fail
	assert_out_contains "stopped"
	ecirun exec nosuchct true
	assert_fail
	assert_out_contains "does not exist"
	ecirun delete ct1
	run_detached ct2 'exec sleep 1000'
	ecirun exec ct2
	assert_fail
}

@test "exec --user outside the container's ID block is one error that says so" {
	# ecirun 97248e4 said only "setresuid(70000): Invalid argument".
	set_cmd 'sleep 600'
	ecirun run -d ct1
	assert_ok
	ecirun exec --user 70000 ct1 id
	assert_fail
	assert_out_contains "uid 70000 is outside the container's 65536 IDs (0-65535; blockSize in /etc/ecirun/ecirun.json)"
	ecirun exec --user 1000:70000 ct1 id
	assert_fail
	assert_out_contains "gid 70000 is outside the container's 65536 IDs"
	ecirun exec --user 1000 ct1 id -u
	assert_ok
	assert_out_eq 1000
}

@test "exec --cgroup runs the process in a sub-cgroup of the container's; --ignore-paused" {
	# runc has both; ecirun 97248e4 ignored --ignore-paused and had no --cgroup.
	set_cmd 'sleep 600'
	ecirun run -d ct1
	assert_ok
	local sub
	if cgroup_is_v2; then
		sub="$(cgroup_host_path)/sub"
	else
		sub="$(cgroup_host_path pids)/sub"
	fi
	mkdir "$sub"
	if cgroup_is_v2; then
		ecirun exec --cgroup sub ct1 cat /proc/self/cgroup
	else
		ecirun exec --cgroup pids:sub ct1 cat /proc/self/cgroup
	fi
	assert_ok
	if cgroup_is_v2; then assert_out_contains "0::/sub"; else assert_out_contains ":pids:/sub"; fi
	ecirun exec --cgroup ../.. ct1 true
	assert_fail
	assert_out_contains ".. is not a sub cgroup path"
	ecirun exec --cgroup nosuch ct1 true
	assert_fail
	assert_out_contains "no sub-cgroup \`nosuch\`"

	ecirun pause ct1
	assert_ok
	ecirun exec ct1 true
	assert_fail
	assert_out_contains "paused"
	ecirun exec --detach --ignore-paused ct1 true
	assert_ok
	ecirun resume ct1
	assert_ok
}

@test "exec's own failures exit 255; the process's status is its own" {
	# runc exits 255 when exec itself fails (its statuses 0-254 are the process's); ecirun
	# 97248e4 exited 1, which looks like the process's status.
	set_cmd 'sleep 600'
	ecirun run -d ct1
	assert_ok
	ecirun exec --pid-file /nonexistent/dir/pid ct1 true
	assert_status 255
	ecirun exec ct1 sh -c 'exit 7'
	assert_status 7
	ecirun pause ct1
	assert_ok
	ecirun exec ct1 true
	assert_status 255
	assert_out_contains "cannot exec in a paused container"
	ecirun resume ct1
	assert_ok
}
