#!/usr/bin/env bats
# The command line itself: version, help, unknown input, unsupported features,
# `features`, logging (--log, --log-format, --debug), argument checks of
# kill/start, and `state` against `list --format json`.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# runc 1.1.5 FAILS this test: it names itself "runc version".
@test "--version: name, version, commit, spec and libseccomp lines, as runc prints them" {
	local want_version
	want_version=$(sed -n 's/^AC_INIT(\[ecirun\], \[\([^]]*\)\].*/\1/p' "$INTEGRATION_ROOT/../../configure.ac")
	[ -n "$want_version" ] || fail "no version in configure.ac"
	ecirun --version
	assert_ok
	assert_eq "${lines[0]}" "ecirun version $want_version"
	# dockerd (docker info) takes the commit from the line that starts "commit:".
	assert_out_match $'(^|\n)commit: [^ ]+'
	assert_out_match $'(^|\n)spec: 1\\.[0-9]+\\.[0-9]+'
	assert_out_match $'(^|\n)libseccomp: [0-9]+\\.[0-9]+\\.[0-9]+'
	# Only the first line names the version: dockerd splits the line that contains "version".
	[ "$(grep -c version <<<"$output")" -eq 1 ] || fail "more than one line contains 'version'"
}

@test "--version: the commit is git describe of the tree it was built from" {
	local top=$INTEGRATION_ROOT/../.. builddir
	builddir=$(dirname "$ECIRUN")
	[ -f "$builddir/Makefile" ] || skip "$ECIRUN is not in a build tree"
	git -C "$top" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout"
	# Rebuilt now, so that the binary and the tree agree.
	xrun make -C "$builddir" -s ecirun
	assert_ok
	ecirun --version
	assert_ok
	assert_out_contains "commit: $(git -C "$top" describe --tags --always --dirty)"
}

@test "make install installs the man page, made from docs/ecirun.8.md with every option in it" {
	local builddir md=$INTEGRATION_ROOT/../../docs/ecirun.8.md page opt
	builddir=$(dirname "$ECIRUN")
	[ -f "$builddir/Makefile" ] || skip "$ECIRUN is not in a build tree"
	xrun make -C "$builddir" -s install DESTDIR="$BATS_TEST_TMPDIR/inst" prefix=/usr
	assert_ok
	page=$BATS_TEST_TMPDIR/inst/usr/share/man/man8/ecirun.8
	[ -s "$page" ] || fail "make install did not install $page"
	if command -v groff >/dev/null; then
		# -ww: every warning; a malformed page prints some.
		xrun groff -man -ww -z "$page"
		assert_ok
		assert_out_eq ""
	fi
	# Every option and command the markdown names is on the page (roff writes - as \-).
	local opts
	opts=$(grep -o -- '--[a-z][a-z-]*' "$md" | sort -u)
	[ "$(wc -l <<<"$opts")" -ge 20 ] || fail "too few options found in $md"
	output=$(sed 's/\\-/-/g' "$page")
	for opt in $opts; do
		assert_out_contains "$opt" || return 1
	done
	assert_out_contains ".TH ECIRUN 8" ".SH SYNOPSIS" ".SH COMMANDS" ".SH EXIT STATUS"
}

@test "--help lists the commands" {
	ecirun --help
	assert_ok
	local c
	for c in create start run state kill delete list spec features; do
		assert_out_contains "$c"
	done
}

@test "--help describes every key of the admin policy (those docs/policy.md documents)" {
	local keys k
	keys=$(sed -n 's/^### `\([A-Za-z]*\)`.*/\1/p' "$INTEGRATION_ROOT/../../docs/policy.md")
	[ "$(wc -w <<<"$keys")" -ge 7 ] || fail "docs/policy.md lists too few keys: $keys"
	ecirun --help
	assert_ok
	for k in $keys; do
		assert_out_contains "  $k "
	done
}

@test "unknown command: one clear error line" {
	ecirun no-such-command
	assert_fail
	assert_out_contains "no-such-command"
	assert_eq "${#lines[@]}" 1 "number of output lines"
	assert_nothing_left
}

# runc 1.1.5 FAILS this test: it prints the whole usage after the error.
@test "unknown global option: one clear error line" {
	ecirun --no-such-option list
	assert_fail
	assert_out_contains "no-such-option"
	assert_eq "${#lines[@]}" 1 "number of output lines"
}

# runc 1.1.5 FAILS this test: it supports the systemd cgroup driver (and here
# refuses our cgroupsPath, which is not "slice:prefix:name").
@test "--systemd-cgroup: not supported, nothing created" {
	ecirun --systemd-cgroup create ct1
	assert_fail
	assert_out_icontains "systemd" "not supported"
	assert_nothing_left

	ecirun --systemd-cgroup run ct1
	assert_fail
	assert_out_icontains "not supported"
	assert_nothing_left
}

# runc 1.1.5 FAILS this test: it supports checkpoint/restore through criu (and
# here says the container does not exist).
@test "checkpoint and restore: not supported" {
	local c
	for c in checkpoint restore; do
		ecirun "$c" ct1
		assert_fail
		assert_out_contains "$c"
		assert_out_icontains "not supported"
	done
	assert_nothing_left
}

@test "features prints the supported features as JSON" {
	ecirun features
	assert_ok
	assert_json "$stdout" '(.ociVersionMin | type == "string" and length > 0)
		and (.ociVersionMax | type == "string" and length > 0)'
	assert_json "$stdout" '.linux.namespaces | index("user") != null and index("cgroup") != null'
	assert_json "$stdout" '.linux.capabilities | index("CAP_SYS_ADMIN") != null'
	assert_json "$stdout" '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") != null'
	assert_json "$stdout" '.mountOptions | index("rbind") != null'
}

@test "features with a broken admin policy still prints the document, says why and exits non-zero" {
	# runc has no admin policy. ecirun 97248e4 exited 0 and hid the error in the JSON.
	local policy="$BATS_TEST_TMPDIR/policy.json"
	echo '{"blockSize": "big"}' >"$policy"
	chmod 0644 "$policy"
	ECIRUN_POLICY=$policy ecirun features
	assert_fail 1
	assert_out_contains "ecirun: features: the admin policy is not usable: $policy: blockSize must be"
	assert_json "$stdout" '.ecirun.policy.error | test("blockSize")'
}

@test "ECIRUN_POLICY naming a missing file is an error, not the defaults" {
	# ecirun 97248e4 used the defaults: a typo in the variable silently changed the policy.
	ECIRUN_POLICY=/nonexistent/ecirun.json ecirun run ct1
	assert_fail 1
	assert_out_eq "ecirun: ECIRUN_POLICY names \`/nonexistent/ecirun.json\`, which does not exist (unset it to use /etc/ecirun/ecirun.json, or the defaults when that is missing too)"
	assert_nothing_left
}

@test "--log FILE --log-format json: one object per line, the last one the error" {
	local log="$BATS_TEST_TMPDIR/log.json"
	update_config '.root.path = "no-such-rootfs"'
	ecirun --log "$log" --log-format json create ct1
	assert_fail
	assert_nothing_left

	[ -s "$log" ] || fail "$log is empty or missing"
	# Every line is a JSON object with msg, level and time.
	xrun jq -e -s 'length > 0 and all(.[]; type == "object"
		and (.msg | type == "string") and (.level | type == "string")
		and (.time | type == "string"))' "$log"
	assert_ok "every line of $log has msg/level/time: $(cat "$log")"
	# containerd shows the last error line to the user.
	xrun jq -e -s '.[-1].level == "error" and (.[-1].msg | contains("no-such-rootfs"))' "$log"
	assert_ok "the last line of $log is the error naming the rootfs: $(cat "$log")"
}

@test "--log-format json without --log: the error on stderr is a JSON line" {
	update_config '.root.path = "no-such-rootfs"'
	ecirun --log-format json create ct1
	assert_fail
	assert_nothing_left
	local last
	last=$(tail -n 1 <<<"$stderr")
	assert_json "$last" '.level == "error" and (.msg | contains("no-such-rootfs")) and (.time | type == "string")'
}

@test "--log FILE --log-format text: level=error" {
	local log="$BATS_TEST_TMPDIR/log.txt"
	update_config '.root.path = "no-such-rootfs"'
	ecirun --log "$log" --log-format text create ct1
	assert_fail
	assert_nothing_left
	xrun cat "$log"
	assert_out_contains "level=error" "no-such-rootfs"
}

@test "--log-format bogus is refused" {
	ecirun --log-format bogus create ct1
	assert_fail
	assert_out_contains "bogus"
	assert_nothing_left
}

@test "--debug: runc's text lines on stderr, with the phases of create" {
	# runc's debug.bats looks for level=debug and these phase messages; ecirun 97248e4 printed
	# no debug line at all.
	ecirun --debug run ct1
	assert_ok
	assert_out_match 'time="[^"]+" level=debug msg="nsexec container setup'
	assert_out_contains "child process in init()" "init: closing the pipe to signal completion"
}

@test "--debug is accepted" {
	ecirun --debug list
	assert_ok
	set_cmd 'echo hello-debug'
	ecirun --debug --log "$BATS_TEST_TMPDIR/debug.log" --log-format json run ct1
	assert_ok
	assert_out_contains "hello-debug"
	assert_nothing_left
	# --debug adds debug messages to the log.
	xrun jq -e -s 'any(.[]; .level == "debug")' "$BATS_TEST_TMPDIR/debug.log"
	assert_ok "a debug line in the log: $(cat "$BATS_TEST_TMPDIR/debug.log")"
}

@test "kill with too many arguments fails and signals nothing" {
	run_detached ct1 'sleep 1000'
	ecirun kill ct1 KILL extra
	assert_fail
	assert_out_icontains "argument"
	# The container was not signalled.
	wait_for_container 5 0.1 ct1 running
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}

# runc: kill(2)'s signal 0 checks that the init exists; a stopped container is an error.
@test "kill ID 0: succeeds for a running container and signals nothing, fails for a stopped one" {
	run_detached ct1 'trap "echo got-signal" HUP INT TERM USR1 USR2; while :; do sleep 0.1; done'
	ecirun kill ct1 0
	assert_ok
	ecirun state ct1
	assert_json "$stdout" '.status == "running"'
	ecirun kill --all ct1 0
	assert_ok
	ecirun kill ct1 KILL
	assert_ok
	wait_for_container 100 0.1 ct1 stopped
	ecirun kill ct1 0
	assert_fail
	assert_out_contains "not running"
	grep -q got-signal "$ECIRUN_LAST_LOG" "$BATS_TEST_TMPDIR"/logs/*.log 2>/dev/null && fail "signal 0 reached the workload"
	ecirun delete ct1
	assert_ok
}

@test "options after the container ID: kill ID SIGNAL --all, delete ID --force" {
	run_detached ct1 'exec sleep 1000'
	ecirun kill ct1 0 --all
	assert_ok
	ecirun delete ct1 --force
	assert_ok
	assert_nothing_left
}

@test "list: containers in ID order" {
	local id
	update_config '.process.args = ["sleep", "1000"]'
	for id in ct-c ct-a ct-b; do
		ecirun create "$id"
		assert_ok
	done
	ecirun list -q
	assert_ok
	assert_out_eq "$(printf 'ct-a\nct-b\nct-c')"
	ecirun list --format json
	assert_ok
	assert_eq "$(jq -r '.[].id' <<<"$stdout" | tr '\n' ' ')" "ct-a ct-b ct-c " "json order"
}

@test "help TOPIC, COMMAND -h and --help: the usage, exit 0; an unknown topic as runc says it" {
	local cmd
	ecirun help
	assert_ok
	assert_out_contains "Usage: ecirun"
	for cmd in create start run exec state kill delete list ps pause resume update events spec features; do
		ecirun help "$cmd"
		assert_ok
		assert_out_contains "Usage: ecirun $cmd"
		ecirun "$cmd" -h
		assert_ok
		assert_out_contains "Usage: ecirun $cmd"
		ecirun "$cmd" --help
		assert_ok
		assert_out_contains "Usage: ecirun $cmd"
	done
	ecirun help foo
	assert_status 3
	assert_out_contains "No help topic for 'foo'"
	ecirun foo -h
	assert_status 3
	assert_out_contains "No help topic for 'foo'"
	# The commands ecirun refuses still have their help.
	for cmd in checkpoint restore; do
		ecirun "$cmd" -h
		assert_ok
		assert_out_contains "Usage: ecirun $cmd" "not supported"
	done
	# What follows exec's ID is the process's own: its -h is not ecirun's.
	run_detached ct1 'exec sleep 1000'
	ecirun exec ct1 sh -c 'echo "args: $*"' sh -h
	assert_ok
	assert_out_eq "args: -h"
}

@test "start of a running container fails" {
	run_detached ct1 'sleep 1000'
	ecirun start ct1
	assert_fail
	assert_out_icontains "running"
	wait_for_container 5 0.1 ct1 running
}

@test "start of a stopped container fails" {
	set_cmd 'exit 0'
	ecirun create ct1
	assert_ok
	ecirun start ct1
	assert_ok
	wait_for_container 100 0.1 ct1 stopped
	ecirun start ct1
	assert_fail
	assert_out_icontains "stopped"
	wait_for_container 5 0.1 ct1 stopped
}

# runc 1.1.5 FAILS this test: `state` prints "owner": "" where `list` prints
# the owner's name.
@test "state is valid JSON and matches list --format json" {
	run_detached ct1 'sleep 1000'
	ecirun state ct1
	assert_ok
	local st=$stdout
	assert_json "$st" '.id == "ct1" and .status == "running" and (.pid | type == "number") and .pid > 0'
	ecirun list --format json
	assert_ok
	local ls=$stdout
	assert_json "$ls" 'type == "array" and length == 1'
	# Every field both print agrees (list's one container against state).
	xrun jq -e -n --argjson s "$st" --argjson l "$ls" \
		'$l[0] as $e | [$s | keys[] | select(. as $f | $e | has($f))] as $k
		 | ($k | length) >= 6 and all($k[]; $s[.] == $e[.])'
	assert_ok "state and list --format json disagree"
	# And on the fields the OCI state has, both must have them.
	assert_json "$ls" '.[0] | has("id") and has("pid") and has("status") and has("bundle") and has("created") and has("owner")'
}
