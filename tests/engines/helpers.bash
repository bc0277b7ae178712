#!/bin/bash
# Helpers for the engine tests: a private containerd (and dockerd) per test file,
# started in setup_file and stopped by pid in teardown_file.
#
# The assertions, `xrun`, `retry` and the failure report (command, status,
# output) come from tests/integration/helpers.bash.
#
#   ECIRUN      the runtime binary registered with the engines (absolute path)
#   ENG_RUNTIME docker runtime name the tests use: ecirun (default) or runc, to
#               check the suite against the reference runtime
#               (ENG_RUNTIME=runc bats tests/engines/docker.bats)

ENGINES_ROOT=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
# shellcheck source=../integration/helpers.bash
source "$ENGINES_ROOT/../integration/helpers.bash"
# shellcheck source=engines-lib.sh
source "$ENGINES_ROOT/engines-lib.sh"

ENG_RUNTIME=${ENG_RUNTIME:-ecirun}
# What `ctr --runc-binary` gets for the same choice.
if [ "$ENG_RUNTIME" = runc ]; then
	ENG_RUNC_BINARY=${RUNC:-/usr/sbin/runc}
else
	ENG_RUNC_BINARY=$ECIRUN
fi
# No single engine command may take longer (a hung runtime must not hang CI).
ENG_CMD_TIMEOUT=${ENG_CMD_TIMEOUT:-60}

# Skip the whole file when the engines are not installed or we are not root.
engines_requires() {
	local b
	[ "$(id -u)" -eq 0 ] || skip "engine tests require root"
	for b in "$@"; do
		[ -x "$b" ] || skip "$b is missing (apt-get install docker.io containerd)"
	done
	[ -x "$ECIRUN" ] || {
		echo "ECIRUN=$ECIRUN is not an executable; build it or set ECIRUN" >&2
		return 1
	}
}

# setup_file helpers. Exported variables reach the tests.
# A test file may define engines_before_start: it runs once $ENG_DIR exists and
# before the daemons start (whose environment, e.g. ECIRUN_POLICY, every ecirun
# they run inherits).
engines_setup_containerd() {
	engines_requires "$CONTAINERD_BIN" "$CTR_BIN"
	eng_init
	export ECIRUN ENG_RUNTIME ENG_RUNC_BINARY
	if declare -F engines_before_start >/dev/null; then
		engines_before_start || return 1
	fi
	eng_start_containerd
}

engines_setup_dockerd() {
	engines_requires "$CONTAINERD_BIN" "$CTR_BIN" "$DOCKERD_BIN" "$DOCKER_BIN"
	engines_setup_containerd || return 1
	eng_start_dockerd || return 1
	eng_import_docker_image
}

engines_teardown() {
	eng_stop_all
}

# ---------------------------------------------------------------------------
# Clients through bats' `run`, recorded like the runtime calls
# ---------------------------------------------------------------------------

# docker ARGS...: the private dockerd's client.
docker_() {
	LAST_CMD="docker $*"
	run timeout --kill-after=5 "$ENG_CMD_TIMEOUT" "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" "$@"
	echo "\$ docker $* (status=$status)" >&2
	echo "$output" >&2
}

# drun ARGS...: `docker run --rm` with the runtime under test and no network
# (the private dockerd has no bridge; `none` also avoids its ip_forward warning).
drun() {
	docker_ run --rm --runtime="$ENG_RUNTIME" --network none "$@"
}

# dstart ARGS...: `docker run -d`; the container id is in $CID.
dstart() {
	docker_ run -d --runtime="$ENG_RUNTIME" --network none "$@"
	assert_ok "docker run -d" || return 1
	CID=${lines[${#lines[@]} - 1]}
}

# A docker command line for `script` (pty tests), with the same client options.
# `timeout --foreground`: without it timeout moves the client into a background
# process group of the pty, where its first read of the terminal stops it (SIGTTIN).
docker_cmdline() {
	printf '%q ' timeout --foreground --kill-after=5 "$ENG_CMD_TIMEOUT" "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" "$@"
}

# with_pty INPUT COMMAND...: run COMMAND on a real pty (util-linux `script`),
# feeding INPUT; $output has the terminal's output with CRs removed.
with_pty() {
	local input=$1
	shift
	LAST_CMD="(pty) $* <<< $input"
	# SHELL=/bin/sh: script runs the command line with $SHELL, which differs between
	# a login session and CI; pin it so both behave the same.
	run bash -c 'printf "%s" "$1" | SHELL=/bin/sh script -qec "$2" /dev/null' _ "$input" "$(docker_cmdline "$@")"
	output=${output//$'\r'/}
	echo "\$ $LAST_CMD (status=$status)" >&2
	echo "$output" >&2
}

# inspect FORMAT [ID]: a field of `docker inspect`, no bats bookkeeping.
inspect() {
	timeout 20 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" \
		inspect -f "$1" "${2:-$CID}" 2>/dev/null
}

__inspect_is() {
	[ "$(inspect "$1" "$3")" = "$2" ]
}

# wait_inspect FORMAT VALUE [ID]: poll `docker inspect` until FORMAT gives VALUE.
wait_inspect() {
	if ! retry 100 0.1 __inspect_is "$1" "$2" "${3:-$CID}" 2>/dev/null; then
		LAST_CMD="docker inspect -f '$1' ${3:-$CID}"
		status=1
		output=$(inspect "$1" "${3:-$CID}")
		fail "waited for $1 to be '$2'"
	fi
}

# Remove every container of the private dockerd (per-test teardown).
# docker_hooks: the bats hooks of a dockerd test file, called right after
# `load helpers`: a private dockerd for the file; before each test an empty
# $TESTDIR, after it every container removed and $TESTDIR deleted. A file may
# still define its own hooks after the call (they replace these).
docker_hooks() {
	setup_file() { engines_setup_dockerd; }
	teardown_file() { engines_teardown; }
	setup() { TESTDIR=""; }
	teardown() { docker_test_cleanup; }
}

docker_test_cleanup() {
	docker_rm_all
	if [ -n "${TESTDIR:-}" ]; then
		rm -rf "$TESTDIR"
	fi
}

docker_rm_all() {
	local ids
	ids=$(timeout 20 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" ps -aq 2>/dev/null)
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086
		timeout 60 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" rm -f $ids >/dev/null 2>&1 || true
	fi
}

# ctr ARGS...: the private containerd's client.
ctr() {
	LAST_CMD="ctr $*"
	run timeout --kill-after=5 "$ENG_CMD_TIMEOUT" "$CTR_BIN" -a "$ENG_CTRD_SOCK" "$@"
	echo "\$ ctr $* (status=$status)" >&2
	echo "$output" >&2
}

# Host path of FILE in the cgroup of PID for CONTROLLER (v1), or in its
# unified cgroup (v2 hosts). Read from the host: independent of what the
# container is shown.
host_cgroup_file() {
	local pid=$1 ctl=$2 file=$3 path
	if cgroup_is_v2; then
		path=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
		echo "/sys/fs/cgroup$path/$file"
	else
		path=$(awk -F: -v c="$ctl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$pid/cgroup")
		echo "/sys/fs/cgroup/$ctl$path/$file"
	fi
}

# assert_file_eq FILE VALUE: FILE's content (trimmed) is VALUE.
assert_file_eq() {
	local got
	got=$(cat "$1" 2>&1)
	LAST_CMD="cat $1"
	output=$got
	status=0
	[ "$got" = "$2" ] || fail "$1: expected '$2'"
}

# The test's host directory for bind mounts, world-traversable.
make_testdir() {
	TESTDIR=$(mktemp -d "${TMPDIR:-/tmp}/eng-test.XXXXXX")
	chmod 0755 "$TESTDIR"
}
