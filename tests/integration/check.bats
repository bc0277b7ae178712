#!/usr/bin/env bats
# ecirun check: one line per isolation feature (ok / warn / FAIL, what was found, what to fix),
# exit status 0 only when none fails. The cgroup layout is checked as this host has it and, in
# a private mount namespace whose /sys/fs/cgroup is a cgroup2 mount, as a cgroup-v2-only host
# (Docker Desktop's VM) has it; ID-mapped mounts on a file system that takes them and on one
# that does not (overlayfs).
#
# ecirun 97248e4 has no `check` command: every test fails.

load helpers

setup() {
	requires root
	TESTDIR=$(mktemp -d "${TMPDIR:-/tmp}/ecirun-check.XXXXXX")
}

teardown() {
	[ -n "${TESTDIR:-}" ] && rm -rf "$TESTDIR"
}

# check_in_ns 'SETUP' [PATH...]: `ecirun check` in a private mount namespace after SETUP (sh).
check_in_ns() {
	local setup=$1
	shift
	LAST_CMD="(private mount namespace: $setup) ecirun check $*"
	run unshare --mount --propagation private -- sh -c "$setup && exec \"\$0\" check \"\$@\"" "$ECIRUN" "$@"
	echo "\$ $LAST_CMD (status=$status)" >&2
	echo "$output" >&2
}

# The line of a check: the first whose feature starts with WHAT.
line_of() {
	printf '%s\n' "$output" | grep -E "^(ok|warn|FAIL) +$1" | head -1
}

@test "check: one line per feature, exit 0 only when none fails" {
	ecirun check
	local what n_fail
	for what in "user namespaces" "ID-mapped mounts on " "overlayfs in a user namespace" \
		"seccomp user notification with ADDFD" "FUSE" "cgroups" "cgroup delegation" "mount locking"; do
		[ -n "$(line_of "$what")" ] || fail "no line for $what"
	done
	# Every line but the summary is a verdict.
	n_fail=$(printf '%s\n' "$output" | grep -c '^FAIL ' || true)
	if [ "$n_fail" -eq 0 ]; then
		assert_ok "no check failed"
		assert_out_contains "checks hold"
	else
		assert_status 1
		assert_out_contains "$n_fail of "
	fi
	# A failed check says what to fix.
	if [ "$n_fail" -gt 0 ]; then
		printf '%s\n' "$output" | grep '^FAIL ' | grep -qv '; fix: ' && fail "a FAIL line without a fix"
	fi
	true
}

@test "check: this host's cgroup layout (v1, hybrid or v2) is the one reported" {
	ecirun check
	local l want
	l=$(line_of "cgroups:")
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		want="cgroup v2 (unified)"
	elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		want="hybrid: cgroup2 at /sys/fs/cgroup/unified"
	else
		want="cgroup v1 controllers"
	fi
	[[ "$l" == *"$want"* ]] || fail "the cgroups line '$l' does not say '$want'"
}

@test "check: a cgroup-v2-only host (cgroup2 on /sys/fs/cgroup) is reported as v2, with its controllers" {
	check_in_ns 'mount -t cgroup2 none /sys/fs/cgroup'
	local l ctl c missing=""
	l=$(line_of "cgroups:")
	[[ "$l" == *"cgroup v2 (unified)"* ]] || fail "not reported as v2: '$l'"
	[[ "${l%%; fix:*}" != *"v1"* ]] || fail "v2 reported as v1 too: '$l'"
	# What the v2 hierarchy has, read in the same layout: the controllers a runtime needs
	# that it lacks are named (here they may be bound to v1 hierarchies).
	ctl=$(unshare --mount --propagation private -- sh -c 'mount -t cgroup2 none /sys/fs/cgroup && cat /sys/fs/cgroup/cgroup.controllers')
	for c in cpu memory pids; do
		[[ " $ctl " == *" $c "* ]] || missing+="${missing:+ }$c"
	done
	if [ -n "$missing" ]; then
		[[ "$l" == FAIL*"missing $missing"* ]] || fail "missing '$missing' not reported: '$l'"
		assert_status 1
	else
		[[ "$l" == ok* ]] || fail "every controller is there, yet: '$l'"
	fi
	[ -n "$(line_of "cgroup delegation:")" ] || fail "no delegation line on v2"
}

@test "check PATH: ID-mapped mounts on a file system that takes them, and overlayfs that does not" {
	mkdir -p "$TESTDIR"/{l,u,w,m}
	check_in_ns "mount -t overlay o -o lowerdir=$TESTDIR/l,upperdir=$TESTDIR/u,workdir=$TESTDIR/w $TESTDIR/m" \
		"$TESTDIR/m" "$TESTDIR/l"
	assert_status 1
	local l
	l=$(line_of "ID-mapped mounts on $TESTDIR/m \\(overlay\\)")
	[[ "$l" == FAIL*"fix: "* ]] || fail "overlayfs not refused with a fix: '$l'"
	l=$(line_of "ID-mapped mounts on $TESTDIR/l")
	[[ "$l" == ok* ]] || fail "the directory's own file system: '$l'"
}

@test "check: a relative path or an unknown option is a usage error" {
	ecirun check relative/path
	assert_fail
	assert_out_contains "absolute"
	ecirun check --bogus
	assert_fail
	assert_out_contains "unknown option"
}
