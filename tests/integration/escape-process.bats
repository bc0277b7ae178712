#!/usr/bin/env bats
# The processes the runtime starts in a container (the init, `exec`) until they become the
# workload: none of the runtime's descriptors is reachable from them (a cwd of
# /proc/self/fd/N, --preserve-fds beyond what was passed), and while they wait on container
# paths (/etc/passwd, the cwd) they are already the container's root, non-dumpable: the
# container's root cannot ptrace them or open their /proc files.
#
# Each test says what runc does. The attacks need a container-side helper
# (escape-helper.c, built static with gcc at test time).

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# Every capability (what --privileged gives), as locked-mounts.bats does.
all_capabilities() {
	local caps
	caps=$("$ECIRUN" features | jq -c '.linux.capabilities')
	update_config '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c, "inheritable": $c, "ambient": $c}
		| .process.noNewPrivileges = false' --argjson c "$caps"
}

# escape-helper in the rootfs (/bin/escape-helper), built once per run.
install_escape_helper() {
	local bin="$BATS_RUN_TMPDIR/escape-helper"
	if [ ! -x "$bin" ]; then
		command -v gcc >/dev/null || skip "needs gcc to build escape-helper.c"
		gcc -static -O1 -o "$bin.tmp" "$INTEGRATION_ROOT/escape-helper.c" 2>"$BATS_TEST_TMPDIR/gcc.log" ||
			skip "gcc -static cannot build escape-helper.c (static libc missing?): $(tail -n1 "$BATS_TEST_TMPDIR/gcc.log")"
		mv "$bin.tmp" "$bin"
	fi
	cp "$bin" "$BUNDLE/rootfs/bin/escape-helper"
	mkdir -p "$BUNDLE/rootfs/esc"
}

# Run by the workload from its cwd: climbs with `cd -P ..` as far as it goes and compares
# the top with its own "/". Outside the root the climb ends at another file system's top.
CWD_CHECK='i=0; while [ $i -lt 64 ]; do cd -P .. 2>/dev/null || break; i=$((i + 1)); done
if [ "$(stat -c %d:%i .)" = "$(stat -c %d:%i /)" ]; then echo cwd-inside-root; else echo "cwd-ESCAPED to: $(ls | tr "\n" " ")"; fi'

# cwd_fd_check run|exec: a cwd of /proc/self/fd/N for N = 3..32 either fails with an error
# naming that path or starts the process inside its root. Besides the runtime's own descriptors,
# fd 20 is a host directory the caller leaked to the runtime (as an engine might).
cwd_fd_check() {
	local mode=$1 n escaped="" unclear="" started=0 refused=0
	[ "$mode" = run ] || run_detached ct1 'sleep 600' || return 1
	exec 20<"$TESTDIR"
	for n in $(seq 3 32); do
		if [ "$mode" = run ]; then
			update_config '.process.cwd = $c | .process.args = ["sh", "-c", $s]' \
				--arg c "/proc/self/fd/$n" --arg s "$CWD_CHECK"
			ecirun run "cwd$n"
		else
			ecirun exec --cwd "/proc/self/fd/$n" ct1 sh -c "$CWD_CHECK"
		fi
		if [ "$status" -eq 0 ]; then
			[[ "$output" == *cwd-inside-root* ]] || escaped+=" $n"
			started=$((started + 1))
		else
			[[ "$output" == *"/proc/self/fd/$n"* ]] || unclear+=" $n"
			refused=$((refused + 1))
		fi
	done
	exec 20<&-
	LAST_CMD="$mode with a cwd of /proc/self/fd/N, N = 3..32"
	output="escaped for N =${escaped:- none}; refused without naming the path for N =${unclear:- none}"
	[ -z "$escaped" ] || fail "the process started outside the container's root" || return 1
	[ -z "$unclear" ] || fail "an error that does not name the cwd" || return 1
	echo "# $mode: $refused refused, $started started inside the root" >&3
	if [ "$mode" = run ]; then
		ecirun list -q
		assert_out_eq ""
	fi
}

@test "run: a cwd of /proc/self/fd/N never starts the workload outside its root" {
	# runc < 1.1.12 lets it through where its init still holds a host directory when it chdirs
	# (the cgroup v2 one: CVE-2024-21626; on cgroup v1 runc 1.1.5 passes, a descriptor leaked
	# by its caller never reaches its init); runc >= 1.1.12 also checks the cwd after chdir.
	cwd_fd_check run
}

@test "run: a cwd of /proc/self/fd/N, with every capability" {
	# runc: as above, where every capability can be applied (not on a host whose bounding set
	# lacks CAP_SYS_RESOURCE: "unable to apply caps").
	all_capabilities
	cwd_fd_check run
}

@test "exec: a cwd of /proc/self/fd/N never starts the process outside the container's root" {
	# runc < 1.1.12 lets it through where its exec process holds the cgroup v2 directory
	# (CVE-2024-21626); runc >= 1.1.12 also checks the cwd after chdir.
	cwd_fd_check exec
}

@test "exec: a cwd of /proc/self/fd/N, with every capability" {
	# runc: as above, where every capability can be applied.
	all_capabilities
	cwd_fd_check exec
}

# The host pid of the process whose pid is $2 in the pid namespace of process $1.
host_pid_in_ns() {
	local ns p
	ns=$(readlink "/proc/$1/ns/pid")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
		if [ "$(awk '/^NSpid:/ { print $NF }' "$p/status" 2>/dev/null)" = "$2" ]; then
			echo "${p#/proc/}"
			return 0
		fi
	done
	return 1
}

# blocked_exec_check TRAP INIT: escape-helper (the container's init, pid INIT, with every
# capability) holds an `exec` started by the caller at TRAP ("the FIFO", "the cwd lookup"); its
# probe must have found the container's root, non-dumpable: no ptrace, no /proc/PID/mem, cwd or
# fd. Seen from the host, the process runs as the host uid of the container's root and its
# /proc files belong to host root (the kernel's mark of a non-dumpable process), and the
# container stays available to other commands (`state`). Then the exec goes on.
blocked_exec_check() {
	local trap=$1 init=$2 esc="$BUNDLE/rootfs/esc" base cpid hpid
	base=$(awk '$1 == 0 { print $2 }' "/proc/$init/uid_map")
	[ -n "$base" ] || fail "no uid_map line for container uid 0 in /proc/$init/uid_map" || return 1
	retry 300 0.1 sh -c "[ -e '$esc/report' ] || [ -e '$BATS_TEST_TMPDIR/exec.rc' ]" || true
	if [ ! -e "$esc/report" ]; then
		LAST_CMD="ecirun exec (blocked at $trap)"
		status=$(cat "$BATS_TEST_TMPDIR/exec.rc" 2>/dev/null || echo none)
		output=$(cat "$BATS_TEST_TMPDIR/exec.out" 2>/dev/null)
		fail "the exec never reached $trap"
		return 1
	fi
	LAST_CMD="escape-helper: the container's root probing the exec blocked at $trap"
	status=0
	output=$(cat "$esc/report")
	refute_out_contains "seize=ok" "mem=ok" "cwd=ok" "fd=ok" || return 1
	assert_out_contains "targets=1" "uid=0 0 0 0" || return 1
	cpid=$(sed -n 's/^pid=//p' "$esc/report")
	hpid=$(host_pid_in_ns "$init" "$cpid") || fail "no host process for pid $cpid of the container" || return 1
	LAST_CMD="grep Uid: /proc/$hpid/status; stat -c %u /proc/$hpid/environ"
	output="$(grep '^Uid:' "/proc/$hpid/status") environ-owner=$(stat -c %u "/proc/$hpid/environ")"
	assert_eq "$(grep '^Uid:' "/proc/$hpid/status" | tr -s ' \t' ' ')" "Uid: $base $base $base $base" \
		"host uids of the blocked exec" || return 1
	assert_eq "$(stat -c %u "/proc/$hpid/environ")" 0 "owner of /proc/$hpid/environ (non-dumpable)" || return 1
	# Meanwhile the container is not locked: other commands on it still work.
	ECIRUN_TIMEOUT=10 ecirun state ct1
	assert_ok "state while an exec is held at $trap" || return 1
	assert_json "$stdout" '.status == "running"' || return 1

	touch "$esc/feed"
	wait_for_file 300 0.1 "$BATS_TEST_TMPDIR/exec.rc" || return 1
	LAST_CMD="ecirun exec (after $trap was released)"
	status=$(cat "$BATS_TEST_TMPDIR/exec.rc")
	output=$(cat "$BATS_TEST_TMPDIR/exec.out")
	assert_ok
}

# Start `ecirun exec ARGS...` in the background; its output and status land in files.
exec_in_background() {
	(
		local rc=0
		__ecirun exec "$@" >"$BATS_TEST_TMPDIR/exec.out" 2>&1 </dev/null || rc=$?
		echo "$rc" >"$BATS_TEST_TMPDIR/exec.rc"
	) &
	track_pid $!
}

@test "exec blocked on a FIFO at /etc/passwd is the container's root and cannot be ptraced" {
	# runc (the CVE-2016-9962 fix): its exec process is non-dumpable from before setns and
	# joins the user namespace, when there is one, as its root before it reads /etc/passwd.
	# Without one (as here) its container root is host root, who may ptrace anything; and it
	# cannot apply every capability on a host whose bounding set lacks CAP_SYS_RESOURCE.
	# ecirun 97248e4 read it as host root, dumpable: PTRACE_SEIZE succeeded.
	install_escape_helper
	all_capabilities
	local home init
	home=$(awk -F: '$3 == 0 { print $6; exit }' "$BUNDLE/rootfs/etc/passwd")
	# Without HOME in its environment (as docker exec), exec looks it up in /etc/passwd.
	update_config '.process.args = ["escape-helper", "passwd-fifo", "/esc"]
		| .process.env |= map(select(startswith("HOME=") | not))'
	ecirun run -d ct1
	assert_ok
	wait_for_file 100 0.1 "$BUNDLE/rootfs/esc/ready"
	init=$(container_pid ct1)
	exec_in_background ct1 sh -c 'echo "home=$HOME uid=$(id -u)"'
	blocked_exec_check "the FIFO" "$init"
	assert_out_contains "home=$home uid=0"
}

@test "exec blocked in the lookup of its cwd is the container's root and cannot be ptraced" {
	# runc: as for the FIFO (it chdirs as the container's root, non-dumpable). ecirun 97248e4
	# looked the cwd up as host root, which a FUSE file system of the container refuses
	# (EOVERFLOW: host root is not mapped there), and then tried to create it.
	local init
	install_escape_helper
	all_capabilities
	# /dev/fuse is 10:229 (0666 is 438).
	update_config '.linux.devices += [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}]
		| .linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"}]'
	set_cmd 'mkdir -p /mnt/fuse && exec escape-helper fuse-cwd /mnt/fuse /esc'
	ecirun run -d ct1
	assert_ok
	wait_for_file 100 0.1 "$BUNDLE/rootfs/esc/ready"
	init=$(container_pid ct1)
	exec_in_background --cwd /mnt/fuse/d ct1 sh -c 'echo "cwd=$(pwd) uid=$(id -u)"'
	blocked_exec_check "the cwd lookup" "$init"
	assert_out_contains "cwd=/mnt/fuse/d uid=0"
}

@test "--preserve-fds larger than the fds passed is refused; none of the runtime's fds reach the workload" {
	# runc 1.1.5 refuses too ("unable to stat preserved-fd"). ecirun 97248e4 cleared
	# close-on-exec on whatever of its own sat in the range (the rootfs directory, a pipe).
	echo "content-of-fd3" >"$BATS_TEST_TMPDIR/f3"
	echo "content-of-fd4" >"$BATS_TEST_TMPDIR/f4"
	local log="$BATS_TEST_TMPDIR/preserve.log"
	set_cmd 'ls /proc/self/fd | sort -n | tr "\n" " "'
	# fd 3 is bats' own: replace it only in a subshell.
	(
		exec 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4"
		__ecirun run --preserve-fds 10 ct1 >"$log" 2>&1 </dev/null
	) && status=0 || status=$?
	LAST_CMD="ecirun run --preserve-fds 10 ct1 (fds 3 and 4 open)"
	output=$(cat "$log")
	assert_fail
	assert_out_icontains "preserve"
	assert_nothing_left

	run_detached ct2 'sleep 600'
	(
		exec 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4"
		__ecirun exec --preserve-fds 10 ct2 sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "' >"$log" 2>&1 </dev/null
	) && status=0 || status=$?
	LAST_CMD="ecirun exec --preserve-fds 10 ct2 (fds 3 and 4 open)"
	output=$(cat "$log")
	assert_fail
	assert_out_icontains "preserve"

	# As many as were passed: exactly those, and the one ls opens.
	(
		exec 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4"
		__ecirun exec --preserve-fds 2 ct2 sh -c 'cat <&3 <&4; ls /proc/self/fd | sort -n | tr "\n" " "' >"$log" 2>&1 </dev/null
	) && status=0 || status=$?
	LAST_CMD="ecirun exec --preserve-fds 2 ct2 (fds 3 and 4 open)"
	output=$(cat "$log")
	assert_ok
	assert_eq "$(tail -n1 <<<"$output")" "0 1 2 3 4 5 " "fds of the exec'd process"
}

@test "the terminal belongs to the process's user, for run and exec" {
	# runc fchowns the process's stdio (the pty slave) to its user. ecirun 97248e4 left the
	# pty of the init to the container's root and that of exec to host root (nobody inside).
	requires python3
	setup_recvtty
	update_config '.process.terminal = true | .process.user = {"uid": 1000, "gid": 1000}'
	set_cmd 'echo "init-tty-owner=$(stat -L -c %u /proc/self/fd/0)"; sleep 600'
	ecirun run -d --console-socket "$CONSOLE_SOCKET" ct1
	assert_ok
	wait_for_file 100 0.1 "$CONSOLE_OUT" "init-tty-owner="
	output=$(cat "$CONSOLE_OUT")
	assert_out_contains "init-tty-owner=1000"

	rm -f "$CONSOLE_SOCKET"
	setup_recvtty
	ecirun exec --tty --detach --console-socket "$CONSOLE_SOCKET" --user 1001:1001 ct1 \
		sh -c 'echo "exec-tty-owner=$(stat -L -c %u /proc/self/fd/0)"'
	assert_ok
	wait_for_file 100 0.1 "$CONSOLE_OUT" "exec-tty-owner="
	output=$(cat "$CONSOLE_OUT")
	assert_out_contains "exec-tty-owner=1001"
}
