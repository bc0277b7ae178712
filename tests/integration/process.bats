#!/usr/bin/env bats
# The process section of config.json, and what the workload inherits.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# Capability numbers (linux/capability.h) for the names these tests use.
declare -gA CAPNUM=(
	[CAP_CHOWN]=0 [CAP_DAC_OVERRIDE]=1 [CAP_FOWNER]=3 [CAP_KILL]=5 [CAP_SETGID]=6
	[CAP_SETUID]=7 [CAP_NET_BIND_SERVICE]=10 [CAP_NET_ADMIN]=12 [CAP_NET_RAW]=13
	[CAP_SYS_CHROOT]=18 [CAP_SYS_ADMIN]=21 [CAP_SYS_RESOURCE]=24 [CAP_AUDIT_WRITE]=29
)

# capmask NAME...: the /proc/<pid>/status hex mask (16 digits) of these caps.
capmask() {
	local m=0 c
	for c in "$@"; do
		m=$((m | (1 << ${CAPNUM[$c]})))
	done
	printf '%016x' "$m"
}

# set_caps NAME...: bounding, effective and permitted (not inheritable/ambient).
set_caps() {
	local caps='[]'
	[ $# -eq 0 ] || caps=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
	update_config '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c, "inheritable": [], "ambient": []}' \
		--argjson c "$caps"
}

@test "env from config.json" {
	update_config '.process.env = ["PATH=/bin:/sbin", "FOO=bar baz", "EMPTY=", "WITH_EQ=a=b"]'
	set_cmd 'echo "FOO=[$FOO] EMPTY=[${EMPTY-unset}] WITH_EQ=[$WITH_EQ] PATH=[$PATH]"'
	ecirun run ct1
	assert_ok
	assert_out_contains "FOO=[bar baz] EMPTY=[] WITH_EQ=[a=b] PATH=[/bin:/sbin]"
}

@test "HOME defaults to the user's home from /etc/passwd" {
	update_config '.process.env = ["PATH=/bin"]'
	set_cmd 'echo "HOME=[$HOME]"'
	ecirun run ct1
	assert_ok
	assert_out_contains "HOME=[/root]"

	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	ecirun run ct2
	assert_ok
	assert_out_contains "HOME=[/home/user]"

	# An explicit HOME wins.
	update_config '.process.env += ["HOME=/explicit"]'
	ecirun run ct3
	assert_ok
	assert_out_contains "HOME=[/explicit]"
}

@test "cwd" {
	update_config '.process.cwd = "/etc"'
	set_cmd 'pwd'
	ecirun run ct1
	assert_ok
	assert_out_eq "/etc"
}

@test "cwd that does not exist yet is created" {
	update_config '.process.cwd = "/new/work/dir"'
	set_cmd 'pwd; touch here'
	ecirun run ct1
	assert_ok
	assert_out_eq "/new/work/dir"
	[ -f "$BUNDLE/rootfs/new/work/dir/here" ] || fail "cwd was not created inside the rootfs"
}

@test "cwd must be absolute" {
	update_config '.process.cwd = "relative/dir"'
	ecirun run ct1
	assert_fail
	assert_out_icontains "cwd"
}

@test "user uid, gid and additionalGids" {
	update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [1, 65534]}'
	set_cmd 'echo "uid=$(id -u) gid=$(id -g) euid=$(id -u -r)"; grep -E "^(Uid|Gid|Groups):" /proc/self/status; id -un'
	ecirun run ct1
	assert_ok
	assert_out_contains "uid=1000 gid=1000 euid=1000" "user"
	assert_out_match 'Uid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000'
	assert_out_match 'Gid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000'
	# Exactly the additional gids, in any order.
	local groups
	groups=$(grep '^Groups:' <<<"$output" | cut -f2 | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')
	assert_eq "$groups" "1 65534 " "supplementary groups"
}

@test "user with no additionalGids has no supplementary groups" {
	update_config '.process.user = {"uid": 65534, "gid": 65534}'
	set_cmd 'grep "^Groups:" /proc/self/status; id -u; id -g'
	ecirun run ct1
	assert_ok
	assert_out_match 'Groups:[[:space:]]*'$'\n''65534'$'\n''65534'
}

@test "umask" {
	update_config '.process.user.umask = 63'
	set_cmd 'umask; touch /tmp/f; stat -c %a /tmp/f'
	ecirun run ct1
	assert_ok
	# 63 is 077: files come out 0600.
	assert_out_eq $'0077\n600'
}

@test "rlimits" {
	update_config '.process.rlimits = [
		{"type": "RLIMIT_NOFILE", "soft": 1234, "hard": 2345},
		{"type": "RLIMIT_NPROC", "soft": 321, "hard": 432}]'
	set_cmd 'echo "nofile=$(ulimit -n) hard=$(ulimit -Hn)"; grep -E "Max (open files|processes)" /proc/self/limits'
	ecirun run ct1
	assert_ok
	assert_out_contains "nofile=1234 hard=2345"
	assert_out_match 'Max open files +1234 +2345 +files'
	assert_out_match 'Max processes +321 +432 +processes'
}

@test "an unknown rlimit type fails" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOT_A_LIMIT", "soft": 1, "hard": 1}]'
	ecirun run ct1
	assert_fail
	assert_out_contains "RLIMIT_NOT_A_LIMIT"
}

@test "noNewPrivileges" {
	update_config '.process.noNewPrivileges = true'
	set_cmd 'grep NoNewPrivs /proc/self/status'
	ecirun run ct1
	assert_ok
	assert_out_match 'NoNewPrivs:[[:space:]]+1'

	update_config '.process.noNewPrivileges = false'
	ecirun run ct2
	assert_ok
	assert_out_match 'NoNewPrivs:[[:space:]]+0'
}

@test "capabilities: the sets match config.json" {
	local caps=(CAP_CHOWN CAP_NET_ADMIN CAP_KILL CAP_SETUID)
	set_caps "${caps[@]}"
	set_cmd 'grep ^Cap /proc/self/status'
	ecirun run ct1
	assert_ok
	local want
	want=$(capmask "${caps[@]}")
	assert_out_match "CapEff:[[:space:]]+$want"
	assert_out_match "CapPrm:[[:space:]]+$want"
	assert_out_match "CapBnd:[[:space:]]+$want"
	assert_out_match "CapInh:[[:space:]]+0{16}"
	assert_out_match "CapAmb:[[:space:]]+0{16}"
}

@test "capabilities: an empty set" {
	set_caps
	set_cmd 'grep ^Cap /proc/self/status; chown 1000 /tmp; echo "chown=$?"'
	ecirun run ct1
	assert_ok
	assert_out_match "CapEff:[[:space:]]+0{16}"
	assert_out_match "CapBnd:[[:space:]]+0{16}"
	assert_out_contains "chown=1"
}

@test "capabilities: ambient caps reach a non-root user" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities = {"bounding": ["CAP_NET_BIND_SERVICE", "CAP_KILL"], "effective": ["CAP_NET_BIND_SERVICE"],
			"permitted": ["CAP_NET_BIND_SERVICE"], "inheritable": ["CAP_NET_BIND_SERVICE"], "ambient": ["CAP_NET_BIND_SERVICE"]}'
	set_cmd 'grep ^Cap /proc/self/status'
	ecirun run ct1
	assert_ok
	local want
	want=$(capmask CAP_NET_BIND_SERVICE)
	assert_out_match "CapEff:[[:space:]]+$want"
	assert_out_match "CapAmb:[[:space:]]+$want"
	assert_out_match "CapBnd:[[:space:]]+$(capmask CAP_NET_BIND_SERVICE CAP_KILL)"
}

# On this machine CAP_SYS_RESOURCE is not in the host's bounding set.
# runc 1.1.5 FAILS this test there (it cannot set a capability it does not
# have). ecirun must drop what it cannot have, with a warning naming it, and
# start the container (what `docker run --privileged` needs).
@test "capabilities: a set including CAP_SYS_RESOURCE still starts" {
	local caps=(CAP_CHOWN CAP_SYS_RESOURCE CAP_KILL)
	set_caps "${caps[@]}"
	set_cmd 'grep ^Cap /proc/self/status'
	ecirun run ct1
	assert_ok "a capability the host lacks must not prevent the start"

	local hostbnd want
	hostbnd=$((16#$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)))
	# A runtime that gives the container its own user namespace (ecirun) can grant it there,
	# confined; one that runs it in the host's (runc) must drop it with a warning.
	if ((hostbnd & (1 << ${CAPNUM[CAP_SYS_RESOURCE]}))) || ! grep -q "CAP_SYS_RESOURCE" <<<"$output"; then
		want=$(capmask "${caps[@]}")
	else
		want=$(capmask CAP_CHOWN CAP_KILL)
	fi
	assert_out_match "CapEff:[[:space:]]+$want"
	assert_out_match "CapBnd:[[:space:]]+$want"
}

@test "oomScoreAdj" {
	update_config '.process.oomScoreAdj = 345'
	set_cmd 'cat /proc/self/oom_score_adj'
	ecirun run ct1
	assert_ok
	assert_out_eq 345
}

@test "hostname" {
	update_config '.hostname = "ct-host-1"'
	set_cmd 'hostname; cat /proc/sys/kernel/hostname'
	ecirun run ct1
	assert_ok
	assert_out_eq $'ct-host-1\nct-host-1'
	# The host's name is untouched.
	[ "$(hostname)" != "ct-host-1" ] || fail "the host's hostname changed"
}

# runc 1.1.5 FAILS this test: it ignores the "domainname" field (runtime-spec
# 1.0.2 added it; runc sets it from 1.2).
@test "domainname" {
	update_config '.hostname = "ct-host-1" | .domainname = "example.org"'
	set_cmd 'cat /proc/sys/kernel/domainname'
	ecirun run ct1
	assert_ok
	assert_out_eq "example.org"
	[ "$(cat /proc/sys/kernel/domainname)" != "example.org" ] || fail "the host's domainname changed"
}

@test "sysctl in the container's namespaces" {
	local host_fwd
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "12345"}'
	set_cmd 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax'
	ecirun run ct1
	assert_ok
	assert_out_eq $'1\n12345'
	assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd" "host ip_forward"
}

@test "a sysctl outside the container's namespaces is refused" {
	update_config '.linux.sysctl = {"kernel.panic": "1"}'
	local before
	before=$(cat /proc/sys/kernel/panic)
	ecirun run ct1
	assert_fail
	assert_out_contains "kernel.panic"
	assert_eq "$(cat /proc/sys/kernel/panic)" "$before" "host kernel.panic"
}

# runc 1.1.5 FAILS this test: it ignores linux.personality (support arrived in
# runc 1.2).
@test "personality LINUX32" {
	requires arch_x86_64
	update_config '.linux.personality = {"domain": "LINUX32"}'
	set_cmd 'uname -m'
	ecirun run ct1
	assert_ok
	assert_out_eq "i686"
}

@test "terminal through --console-socket" {
	requires python3
	setup_recvtty
	update_config '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 111}'
	set_cmd 'tty; stty size; echo "done-$((40 + 2))"'
	ecirun run -d --console-socket "$CONSOLE_SOCKET" ct1
	assert_ok
	wait_for_file 100 0.1 "$CONSOLE_OUT" done-42
	xrun cat "$CONSOLE_OUT"
	assert_out_match '/dev/pts/[0-9]+'
	assert_out_contains "33 111"
}

@test "terminal without --console-socket in detached mode fails" {
	update_config '.process.terminal = true'
	ecirun run -d ct1
	assert_fail
	assert_out_icontains "console"
	ecirun list -q
	refute_out_contains ct1
}

@test "no file descriptor leaks into the container" {
	# Extra descriptors in the caller must not reach the workload.
	exec 7</etc/hostname 8>"$BATS_TEST_TMPDIR/fd8"
	set_cmd 'cd /proc/self/fd && for f in *; do echo "$f -> $(readlink $f)"; done; ls /proc/self/fd | sort -n | tr "\n" " "'
	ecirun run ct1
	exec 7<&- 8>&-
	assert_ok
	# 0, 1, 2, and the directory ls itself opened.
	assert_eq "$(tail -n1 <<<"$output")" "0 1 2 3 " "fds in the container"
}

@test "--preserve-fds passes extra descriptors" {
	echo "content-of-fd3" >"$BATS_TEST_TMPDIR/f3"
	echo "content-of-fd4" >"$BATS_TEST_TMPDIR/f4"
	set_cmd 'cat <&3; cat <&4; ls /proc/self/fd | sort -n | tr "\n" " "'
	local log="$BATS_TEST_TMPDIR/preserve.log"
	# fd 3 is bats' own: replace it only in a subshell.
	(
		exec 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4" 5</etc/hostname
		__ecirun run --preserve-fds 2 ct1 >"$log" 2>&1 </dev/null
	) && status=0 || status=$?
	LAST_CMD="ecirun run --preserve-fds 2 ct1 (fds 3, 4 and 5 open)"
	output=$(cat "$log")
	assert_ok
	assert_out_contains "content-of-fd3" "content-of-fd4"
	# 3 and 4 are passed, 5 is not; ls opens the next free one.
	assert_eq "$(tail -n1 <<<"$output")" "0 1 2 3 4 5 " "fds in the container"
}

@test "a user outside the container's ID block is one error that says so" {
	# ecirun 97248e4 said only "setgroups: Invalid argument"; runc runs it as host uid 70000.
	update_config '.process.user = {"uid": 70000, "gid": 0}'
	ecirun run ct1
	assert_fail
	assert_out_eq "ecirun: process.user: uid 70000 is outside the container's 65536 IDs (0-65535; blockSize in /etc/ecirun/ecirun.json); files owned by such IDs show as 65534 (nobody) inside"
	assert_nothing_left
	update_config '.process.user = {"uid": 0, "gid": 0, "additionalGids": [70001]}'
	ecirun run ct1
	assert_fail
	assert_out_contains "additional gid 70001 is outside the container's 65536 IDs"
	assert_nothing_left
}
