#!/bin/bash
# Shared helpers for the ecirun integration tests (bats-core >= 1.5).
#
# Every test gets:
#   ROOT    a fresh state directory passed as `--root` (never /run/runc or /run/ecirun)
#   TESTDIR a fresh 0755 directory for host-side test data (bind-mount sources...)
#   BUNDLE  $TESTDIR/bundle (config.json from `$ECIRUN spec`, rootfs copied from the cache)
#   CGROUP  a cgroupsPath unique to the test, already written into config.json
#
# The runtime under test is $ECIRUN (default: the ecirun binary at the top of the
# build tree). The suite is written against runc's behaviour, so
#   ECIRUN=/usr/sbin/runc bats tests/integration
# is expected to pass (see README.md for the known exceptions).

if [ -z "${BATS_RUN_TMPDIR:-}" ]; then
	echo "bats-core >= 1.5 is required" >&2
	exit 1
fi

INTEGRATION_ROOT=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
ECIRUN=${ECIRUN:-$INTEGRATION_ROOT/../../ecirun}
ECIRUN=$(readlink -f "$ECIRUN" || echo "$ECIRUN")
ROOTFS_CACHE=${ROOTFS_CACHE:-$INTEGRATION_ROOT/.cache/rootfs}
RECVTTY="$INTEGRATION_ROOT/recvtty.py"
# Safety net against a hung runtime: no single runtime call may take longer.
ECIRUN_TIMEOUT=${ECIRUN_TIMEOUT:-60}

# bats-support / bats-assert are optional; our own assertions below do not need them.
for _lib in bats-support bats-assert; do
	for _dir in /usr/lib/bats /usr/local/lib/bats "${BATS_LIB_PATH:-/nonexistent}"; do
		if [ -f "$_dir/$_lib/load.bash" ]; then
			# shellcheck disable=SC1090
			source "$_dir/$_lib/load.bash"
			break
		fi
	done
done
unset _lib _dir

# ---------------------------------------------------------------------------
# Running commands: every call records what ran, so any failure explains itself.
# ---------------------------------------------------------------------------

LAST_CMD=""
ECIRUN_CALLS=0

# Raw runtime call, no bookkeeping. Use for setup/teardown only.
__ecirun() {
	timeout --kill-after=5 "$ECIRUN_TIMEOUT" "$ECIRUN" --root "$ROOT" "$@"
}

# Runtime call through bats' `run`. Sets $status, $output, $lines, and
# $stdout / $stderr separately.
#
# The runtime's stdout/stderr go to a regular file rather than a pipe: a
# container created with terminal=false inherits them, and a pipe held open by
# a detached container would make `run` wait for the container to exit. Later
# output of that container keeps landing in $ECIRUN_LAST_LOG (stdout) and
# $ECIRUN_LAST_LOG.err (stderr).
ecirun() {
	ECIRUN_CALLS=$((ECIRUN_CALLS + 1))
	mkdir -p "$BATS_TEST_TMPDIR/logs"
	ECIRUN_LAST_LOG="$BATS_TEST_TMPDIR/logs/$ECIRUN_CALLS.log"
	LAST_CMD="ecirun $*"
	run __ecirun_logged "$ECIRUN_LAST_LOG" "$@"
	# $output has both streams (stdout first); $stdout is for parsing JSON.
	stdout=$(cat "$ECIRUN_LAST_LOG")
	stderr=$(cat "$ECIRUN_LAST_LOG.err")
	# Printed by bats only when the test fails.
	echo "\$ $ECIRUN --root $ROOT $* (status=$status)" >&2
	echo "$output" >&2
}

__ecirun_logged() {
	local log=$1 rc=0
	shift
	__ecirun "$@" >"$log" 2>"$log.err" </dev/null || rc=$?
	cat "$log" "$log.err"
	return $rc
}

# Any other command through `run`, recorded the same way.
xrun() {
	LAST_CMD="$*"
	run "$@"
	echo "\$ $* (status=$status)" >&2
	echo "$output" >&2
}

# Shell snippet through `run`.
xsh() {
	xrun bash -c "$1"
}

__describe_last() {
	echo "command: $LAST_CMD"
	echo "status:  $status"
	echo "output:"
	# shellcheck disable=SC2154
	printf '%s\n' "$output" | sed 's/^/  | /'
}

# Fail the test with a message and the last command's details. Also accepts
# the message on stdin, as bats-assert's helpers pass it.
fail() {
	{
		if [ $# -eq 0 ] && [ ! -t 0 ]; then
			echo "FAIL:"
			cat
		else
			echo "FAIL: $*"
		fi
		__describe_last
	} >&2
	return 1
}

assert_ok() {
	[ "$status" -eq 0 ] || fail "expected exit status 0${1:+ ($1)}"
}

# assert_fail [STATUS]: non-zero exit, or exactly STATUS.
assert_fail() {
	if [ $# -ge 1 ]; then
		[ "$status" -eq "$1" ] || fail "expected exit status $1"
	else
		[ "$status" -ne 0 ] || fail "expected a non-zero exit status"
	fi
}

assert_status() {
	[ "$status" -eq "$1" ] || fail "expected exit status $1"
}

assert_out_eq() {
	[ "$output" = "$1" ] || fail "expected output to be exactly: '$1'"
}

assert_out_contains() {
	local s
	for s in "$@"; do
		[[ "$output" == *"$s"* ]] || fail "expected output to contain: '$s'"
	done
}

# Case-insensitive variant, for error messages whose wording may differ.
assert_out_icontains() {
	local s lo
	lo=${output,,}
	for s in "$@"; do
		[[ "$lo" == *"${s,,}"* ]] || fail "expected output to contain (any case): '$s'"
	done
}

refute_out_contains() {
	local s
	for s in "$@"; do
		[[ "$output" != *"$s"* ]] || fail "expected output NOT to contain: '$s'"
	done
}

assert_out_match() {
	[[ "$output" =~ $1 ]] || fail "expected output to match regex: '$1'"
}

# assert_json INPUT JQ_FILTER [jq options...]: INPUT is JSON and FILTER holds.
# (`jq -e` alone succeeds on empty input.)
assert_json() {
	local input=$1 filter=$2
	shift 2
	[ -n "${input//[[:space:]]/}" ] || fail "expected JSON, got nothing" || return 1
	xrun jq -e "$@" "$filter" <<<"$input"
	[ "$status" -eq 0 ] || fail "JSON check failed: $filter"
}

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

# ---------------------------------------------------------------------------
# Bundle and config
# ---------------------------------------------------------------------------

# update_config JQ_EXPR [jq options...]: edit $BUNDLE/config.json in place.
update_config() {
	local expr=$1
	shift
	local cfg="$BUNDLE/config.json"
	jq "$@" "$expr" "$cfg" >"$cfg.tmp" || {
		echo "update_config: jq failed on: $expr" >&2
		rm -f "$cfg.tmp"
		return 1
	}
	mv "$cfg.tmp" "$cfg"
}

# bind_mount SOURCE DEST [OPTION...]: add a bind mount (rbind and OPTIONs) to config.json.
bind_mount() {
	local src=$1 dst=$2
	shift 2
	local opts
	opts=$(printf '%s\n' rbind "$@" | jq -R . | jq -sc .)
	update_config '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": $o}]' \
		--arg d "$dst" --arg s "$src" --argjson o "$opts"
}

# set_cmd 'SHELL SCRIPT': the workload becomes sh -c SCRIPT.
set_cmd() {
	update_config '.process.args = ["sh", "-c", $s]' --arg s "$1"
}

ensure_rootfs() {
	[ -e "$ROOTFS_CACHE/.ecirun-rootfs-complete" ] && return 0
	"$INTEGRATION_ROOT/build-rootfs.sh" "$ROOTFS_CACHE"
}

# Make ROOT, BUNDLE, CGROUP and a config.json for this test, and cd into the bundle.
setup_bundle() {
	requires root
	ensure_rootfs
	ROOT=$(mktemp -d "${TMPDIR:-/tmp}/ecirun-root.XXXXXX")
	# Bundle and test data live in a world-traversable directory: a container
	# root mapped to an unprivileged host id (user namespaces) must reach its
	# rootfs, and bats' own temp dirs are 0700.
	TESTDIR=$(mktemp -d "${TMPDIR:-/tmp}/ecirun-test.XXXXXX")
	chmod 0755 "$TESTDIR"
	BUNDLE="$TESTDIR/bundle"
	mkdir -p "$BUNDLE"
	cp -a "$ROOTFS_CACHE" "$BUNDLE/rootfs"
	rm -f "$BUNDLE/rootfs/.ecirun-rootfs-complete"
	cd "$BUNDLE" || return 1

	if ! "$ECIRUN" spec --bundle "$BUNDLE" >"$BATS_TEST_TMPDIR/spec.log" 2>&1 || [ ! -s "$BUNDLE/config.json" ]; then
		echo "setup_bundle: '$ECIRUN spec --bundle $BUNDLE' failed:" >&2
		cat "$BATS_TEST_TMPDIR/spec.log" >&2
		return 1
	fi

	# A unique, flat cgroup per test: parallel runs never share one, and a
	# leftover is attributable. The name also serves as a marker in teardown.
	CGROUP="/ecirun-it-$$-${BATS_SUITE_TEST_NUMBER:-0}-$RANDOM"
	# Defaults for the suite: no terminal, writable root (tests that need a
	# read-only root set it themselves), a workload that exits at once.
	update_config '.process.terminal = false
		| .process.args = ["true"]
		| .root.readonly = false
		| .linux.cgroupsPath = $cg' --arg cg "$CGROUP"
}

# Register a pid we started in the background, so teardown can end it.
track_pid() {
	echo "$1" >>"$BATS_TEST_TMPDIR/pids"
}

teardown_bundle() {
	[ -z "${ROOT:-}" ] && return 0
	cd "$INTEGRATION_ROOT" || true

	# Every container the runtime knows about, then every state directory in
	# case `list` itself is broken.
	local ct
	for ct in $(ECIRUN_TIMEOUT=10 __ecirun list -q 2>/dev/null) $(ls -1 "$ROOT" 2>/dev/null); do
		ECIRUN_TIMEOUT=10 __ecirun delete --force "$ct" >/dev/null 2>&1 || true
	done

	# Background processes this test started (recvtty, a runtime we killed, hooks).
	if [ -f "$BATS_TEST_TMPDIR/pids" ]; then
		local p
		while read -r p; do
			if [ -n "$p" ]; then kill -9 "$p" 2>/dev/null || true; fi
		done <"$BATS_TEST_TMPDIR/pids"
	fi

	# Processes left in this test's cgroup were created by this test.
	cleanup_cgroup

	# Mounts a test may have left under its directories.
	local m d
	for d in "$TESTDIR" "$BATS_TEST_TMPDIR" "$ROOT"; do
		for m in $(awk -v d="$d/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
			umount -l "$m" 2>/dev/null || true
		done
	done

	# Never remove through a mount that is still there (a host directory bound in by a test).
	for d in "$TESTDIR" "$ROOT"; do
		if awk -v d="$d/" 'index($5, d) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
			echo "teardown: mounts are left under $d; not removing it" >&2
			continue
		fi
		rm -rf --one-file-system "$d"
	done
	unset ROOT TESTDIR
}

# ---------------------------------------------------------------------------
# cgroups
# ---------------------------------------------------------------------------

cgroup_is_v2() {
	[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = "cgroup2fs" ]
}

# Host directory of this test's cgroup for CONTROLLER (v1), or the unified one (v2).
cgroup_host_path() {
	if cgroup_is_v2; then
		echo "/sys/fs/cgroup$CGROUP"
	else
		echo "/sys/fs/cgroup/$1$CGROUP"
	fi
}

# Every directory where this test's cgroup could live, on any hierarchy.
cgroup_all_paths() {
	local cg=$CGROUP
	# The fs type follows the " - " separator (optional fields vary in number).
	awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) ~ /^cgroup2?$/) print $5; break } }' \
		/proc/self/mountinfo | sort -u |
		while read -r mnt; do echo "$mnt$cg"; done
}

# The same for the container's sidecar, whose cgroup is next to it ("<cgroup>@fsd").
sidecar_cgroup_paths() {
	local d
	for d in $(cgroup_all_paths); do echo "$d@fsd"; done
}

# A process is gone once it does not exist or is a zombie nobody reaped yet.
process_gone() {
	[ ! -e "/proc/$1/stat" ] && return 0
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}

# Sidecars (ecirun-fsd) serving a container of this test's --root, one pid a line.
sidecar_pids() {
	local p
	for p in $(pgrep -x ecirun-fsd 2>/dev/null); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q " $ROOT/" && echo "$p"
	done
	return 0
}

cleanup_cgroup() {
	[ -z "${CGROUP:-}" ] && return 0
	local d p
	for d in $(cgroup_all_paths) $(sidecar_cgroup_paths); do
		[ -d "$d" ] || continue
		if [ -f "$d/cgroup.kill" ]; then
			echo 1 >"$d/cgroup.kill" 2>/dev/null || true
		fi
		find "$d" -name cgroup.procs 2>/dev/null | while read -r f; do
			while read -r p; do kill -9 "$p" 2>/dev/null || true; done <"$f"
		done
	done
	for d in $(cgroup_all_paths) $(sidecar_cgroup_paths); do
		[ -d "$d" ] || continue
		retry 20 0.1 sh -c "find '$d' -depth -type d -exec rmdir {} + 2>/dev/null; [ ! -d '$d' ]" >/dev/null 2>&1 || true
	done
}

# Processes whose root directory is this test's rootfs (a container's), one pid
# a line. /proc/PID/root of a process in another mount namespace reads as "/",
# so look for a marker file through it instead.
rootfs_pids() {
	local p marker=".ecirun-it-rootfs-marker"
	[ -d "$BUNDLE/rootfs" ] || return 0
	[ -e "$BUNDLE/rootfs/$marker" ] || : >"$BUNDLE/rootfs/$marker" || return 0
	for p in /proc/[0-9]*; do
		[ "$p" = "/proc/$BASHPID" ] && continue
		[ -e "$p/root/$marker" ] && echo "${p#/proc/}"
	done
	return 0
}

# assert_nothing_left: the runtime kept no container, state directory, cgroup
# or container process for this test (after a refused command, or after delete).
assert_nothing_left() {
	local d procs
	# Keep the failing command's details: they explain a leftover best.
	local s_cmd=$LAST_CMD s_status=$status s_output=$output
	local left
	left=$(ECIRUN_TIMEOUT=10 __ecirun list -q 2>&1)
	LAST_CMD=$s_cmd status=$s_status output=$s_output
	[ -z "$left" ] || fail "containers left behind (list -q): $left" || return 1
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ] || fail "$ROOT is not empty: $(ls -A "$ROOT")" || return 1
	for d in $(cgroup_all_paths) $(sidecar_cgroup_paths); do
		[ ! -d "$d" ] || fail "cgroup $d left behind (procs: $(cat "$d/cgroup.procs" 2>&1))" || return 1
	done
	procs=$(rootfs_pids)
	[ -z "$procs" ] || fail "container processes left behind: $(for p in $procs; do tr '\0' ' ' <"/proc/$p/cmdline"; echo " ($p)"; done)" || return 1
	procs=$(sidecar_pids)
	[ -z "$procs" ] || fail "sidecars left behind: $(for p in $procs; do tr '\0' ' ' <"/proc/$p/cmdline"; echo " ($p)"; done)"
}

# ---------------------------------------------------------------------------
# Waiting
# ---------------------------------------------------------------------------

# retry ATTEMPTS DELAY CMD...: run CMD until it succeeds.
retry() {
	local attempts=$1 delay=$2 i
	shift 2
	for ((i = 0; i < attempts; i++)); do
		if "$@"; then
			return 0
		fi
		sleep "$delay"
	done
	echo "retry: '$*' failed $attempts times" >&2
	return 1
}

# Status of a container from `state`, or empty. Polled: a short time limit.
container_status() {
	ECIRUN_TIMEOUT=5 __ecirun state "$1" 2>/dev/null | jq -r '.status' 2>/dev/null
}

container_pid() {
	ECIRUN_TIMEOUT=5 __ecirun state "$1" 2>/dev/null | jq -r '.pid' 2>/dev/null
}

__status_is() {
	[ "$(container_status "$1")" = "$2" ]
}

# wait_for_container ATTEMPTS DELAY ID STATUS
wait_for_container() {
	if ! retry "$1" "$2" __status_is "$3" "$4"; then
		LAST_CMD="wait_for_container $*"
		status=1
		output="container $3 never reached status '$4'; last: '$(container_status "$3")'"
		fail "timed out waiting for $3 to be $4"
	fi
}

# wait_for_file ATTEMPTS DELAY FILE [PATTERN]: FILE exists (and contains PATTERN).
wait_for_file() {
	local f=$3 pat=${4:-}
	if [ -n "$pat" ]; then
		retry "$1" "$2" grep -q -- "$pat" "$f" 2>/dev/null
	else
		retry "$1" "$2" test -e "$f"
	fi || {
		LAST_CMD="wait_for_file $*"
		status=1
		output=$(cat "$f" 2>&1)
		fail "file $f never appeared${pat:+ with '$pat'}"
	}
}

# Start a detached container that runs SCRIPT and wait until it is running.
run_detached() {
	local id=$1 script=$2
	set_cmd "$script"
	ecirun run -d "$id"
	assert_ok "run -d $id" || return 1
	wait_for_container 50 0.1 "$id" running
}

# The namespace link of a process, e.g. ns_of 1234 net -> net:[4026531992]
ns_of() {
	readlink "/proc/$1/ns/$2"
}

# ---------------------------------------------------------------------------
# Console socket receiver
# ---------------------------------------------------------------------------

# Start recvtty.py on $CONSOLE_SOCKET; what the container's terminal prints
# goes to $CONSOLE_OUT.
setup_recvtty() {
	CONSOLE_SOCKET="$BATS_TEST_TMPDIR/tty.sock"
	CONSOLE_OUT="$BATS_TEST_TMPDIR/tty.out"
	python3 "$RECVTTY" --pid-file "$BATS_TEST_TMPDIR/recvtty.pid" --out "$CONSOLE_OUT" "$CONSOLE_SOCKET" \
		>"$BATS_TEST_TMPDIR/recvtty.log" 2>&1 &
	track_pid $!
	retry 50 0.1 test -S "$CONSOLE_SOCKET"
}

# ---------------------------------------------------------------------------
# Declarative skips
# ---------------------------------------------------------------------------

requires() {
	local var skip_me
	for var in "$@"; do
		skip_me=""
		case $var in
		root)
			[ "$(id -u)" -eq 0 ] || skip_me=1
			;;
		cgroups_v1)
			cgroup_is_v2 && skip_me=1
			;;
		cgroups_v2)
			cgroup_is_v2 || skip_me=1
			;;
		cgroups_*)
			local ctl=${var#cgroups_}
			if cgroup_is_v2; then
				grep -qw "$ctl" /sys/fs/cgroup/cgroup.controllers 2>/dev/null || skip_me=1
			else
				[ -d "/sys/fs/cgroup/$ctl" ] || skip_me=1
			fi
			;;
		userns)
			[ -e /proc/self/ns/user ] || skip_me=1
			;;
		cgroupns)
			[ -e /proc/self/ns/cgroup ] || skip_me=1
			;;
		timens)
			[ -e /proc/self/ns/time ] || skip_me=1
			;;
		python3)
			command -v python3 >/dev/null || skip_me=1
			;;
		arch_x86_64)
			[ "$(uname -m)" = x86_64 ] || skip_me=1
			;;
		smp)
			[ "$(nproc)" -ge 2 ] || skip_me=1
			;;
		*)
			echo "BUG: unknown requirement '$var'" >&2
			return 1
			;;
		esac
		if [ -n "$skip_me" ]; then
			skip "test requires $var"
		fi
	done
}

# ---------------------------------------------------------------------------
# The seccomp notify agent (linux.seccomp.listenerPath): seccomp-listener.py
# ---------------------------------------------------------------------------

SECCOMP_LISTENER="$INTEGRATION_ROOT/seccomp-listener.py"

# seccomp_notify_config SOCKET METADATA: mkdir/mkdirat go to the listener.
seccomp_notify_config() {
	update_config '.linux.seccomp = {
		"defaultAction": "SCMP_ACT_ALLOW",
		"listenerPath": $sock,
		"listenerMetadata": $meta,
		"architectures": [],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]
	}' --arg sock "$1" --arg meta "$2"
}

# start_listener ARGS...: seccomp-listener.py in the background on $LISTENER_SOCK.
start_listener() {
	LISTENER_SOCK="$TESTDIR/seccomp.sock"
	LISTENER_PAYLOAD="$BATS_TEST_TMPDIR/payload.json"
	LISTENER_ERR="$BATS_TEST_TMPDIR/listener.err"
	# A previous agent's socket must not pass for this one's.
	rm -f "$LISTENER_SOCK"
	python3 "$SECCOMP_LISTENER" --payload "$LISTENER_PAYLOAD" "$@" "$LISTENER_SOCK" \
		>"$LISTENER_ERR" 2>&1 &
	LISTENER_PID=$!
	track_pid "$LISTENER_PID"
	retry 50 0.1 test -S "$LISTENER_SOCK"
}

# wait_listener: the listener exits by itself, with status 0 (payload as expected).
wait_listener() {
	local rc=0
	retry 100 0.1 sh -c "! kill -0 $LISTENER_PID 2>/dev/null" || true
	wait "$LISTENER_PID" || rc=$?
	LAST_CMD="seccomp-listener.py (pid $LISTENER_PID)"
	status=$rc
	output=$(cat "$LISTENER_ERR" 2>&1)
	[ "$rc" -eq 0 ] || fail "the listener failed"
}
