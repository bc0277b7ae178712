#!/usr/bin/env bats
# ECI mode (contrib/ecirun-eci, docs/eci.md): ecirun executed through a path it replaced (a
# runc symlinked to ecirun, recorded in $ECIRUN_ECI_DIR/replaced) hands two kinds of containers
# to the original runtime: those the original created (before ECI was on), so that engines can
# still stop and delete them, and the admin's eciExceptions. Everything else is ecirun's.
#
# The replaced runtime here is a symlink in the test's directory, the original a copy of the
# host's runc: the host's own runc is never touched.
#
# ecirun 97248e4 fails the hand-over tests: it knows no ECI record, so runc's containers "do not
# exist" for it and every create is its own.

load helpers

setup() {
	setup_bundle
	requires_runc
	BIN=$TESTDIR/bin
	mkdir -p "$BIN"
	ORIG=$BIN/runc.ecirun-orig
	cp "$REAL_RUNC" "$ORIG"
	ln -s "$ECIRUN" "$BIN/runc"
	export ECIRUN_ECI_DIR=$TESTDIR/eci
	mkdir -p "$ECIRUN_ECI_DIR"
	printf '%s\t%s\trename\n' "$BIN/runc" "$ORIG" >"$ECIRUN_ECI_DIR/replaced"
	chmod 0644 "$ECIRUN_ECI_DIR/replaced"
	set_cmd 'sleep 600'
}

teardown() {
	local id
	for id in $(ls "$ROOT" 2>/dev/null); do
		"$ORIG" --root "$ROOT" delete -f "$id" >/dev/null 2>&1 || true
	done
	teardown_bundle
}

# The host's runc, wherever ECI mode keeps it.
requires_runc() {
	local r
	for r in ${RUNC:-} /usr/sbin/runc.ecirun-orig /usr/sbin/runc /usr/bin/runc; do
		if [ -x "$r" ] && "$r" --version 2>/dev/null | head -1 | grep -q '^runc version'; then
			REAL_RUNC=$r
			return 0
		fi
	done
	skip "no runc binary (apt-get install runc)"
}

# rt BINARY ARGS: a runtime call through `run`, its output through a file (a detached
# container keeps its stdio: a pipe would make `run` wait for it).
rt() {
	local log=$BATS_TEST_TMPDIR/rt.log
	LAST_CMD="$*"
	run bash -c '"$@" >"$0" 2>&1 </dev/null; rc=$?; cat "$0"; exit $rc' "$log" timeout 30 "$@"
	echo "\$ $LAST_CMD (status=$status)" >&2
	echo "$output" >&2
}

# `runc ARGS` as an engine would run it after ecirun-eci enable: through the replaced path.
runc_() {
	rt "$BIN/runc" --root "$ROOT" "$@"
}

uid_map_of() { # ID: the uid_map of the container's init, as the host reads it
	local pid
	pid=$("$ORIG" --root "$ROOT" state "$1" 2>/dev/null | jq -r .pid)
	[ -n "$pid" ] && [ "$pid" != null ] || pid=$(__ecirun state "$1" 2>/dev/null | jq -r .pid)
	awk '{ print $1, $2, $3 }' "/proc/$pid/uid_map"
}

@test "eci: a container the original runtime made before ECI mode is handed back to it: state, kill, delete" {
	rt "$ORIG" --root "$ROOT" run -d old
	assert_ok "the original runc creates a container"
	runc_ state old
	assert_ok "state through the replaced path"
	assert_json "$output" '.status == "running"'
	# runc's own state: no user namespace of ecirun.
	assert_eq "$(uid_map_of old)" "0 0 4294967295" "runc's container is runc's"
	runc_ kill old KILL
	assert_ok "kill through the replaced path"
	retry 50 0.1 bash -c "[ \"\$('$ORIG' --root '$ROOT' state old | jq -r .status)\" = stopped ]" ||
		fail "runc's container did not stop"
	runc_ delete old
	assert_ok "delete through the replaced path"
	[ ! -e "$ROOT/old" ] || fail "runc's state of the container is still there"
}

@test "eci: exec, ps and delete --force of a running original container go to it too" {
	rt "$ORIG" --root "$ROOT" run -d old
	assert_ok
	runc_ exec old cat /proc/self/uid_map
	assert_ok "exec"
	assert_out_match '^ +0 +0 +4294967295'
	runc_ ps --format json old
	assert_ok "ps"
	runc_ delete --force old
	assert_ok "delete --force"
	[ ! -e "$ROOT/old" ] || fail "still there"
}

@test "eci: a new container through the replaced path is ecirun's" {
	runc_ run -d new
	assert_ok "create through the replaced path"
	read -r inside host count <<<"$(uid_map_of new)"
	[ "$inside" = 0 ] && [ "$host" != 0 ] && [ "$count" = 65536 ] ||
		fail "uid_map '$inside $host $count': not an ecirun ID block"
	runc_ delete -f new
	assert_ok
}

@test "eci: without a record, or through ecirun's own path, nothing is handed over" {
	rt "$ORIG" --root "$ROOT" run -d old
	assert_ok
	# ecirun by its own name: runc's container is not handed over (ecirun misreads runc's
	# state.json: it does not see the running container).
	ecirun state old
	[ "$status" -ne 0 ] || [ "$(jq -r .status <<<"$stdout")" != running ] ||
		fail "ecirun by its own path showed runc's container as running: handed over"
	# A record that someone other than root could have written is not trusted.
	chmod 0666 "$ECIRUN_ECI_DIR/replaced"
	runc_ state old
	assert_out_contains "not a regular file owned by root"
	chmod 0644 "$ECIRUN_ECI_DIR/replaced"
	runc_ state old
	assert_ok
}

@test "eci: eciExceptions: a create with the exception's --root and annotations runs on the original runtime, any other on ecirun" {
	local pol=$TESTDIR/policy.json
	cat >"$pol" <<EOF
{ "eciExceptions": [ { "root": "$ROOT", "annotations": { "io.kubernetes.cri.sandbox-namespace": "kube-system" } } ] }
EOF
	chmod 0644 "$pol"
	export ECIRUN_POLICY=$pol
	update_config '.annotations = {"io.kubernetes.cri.sandbox-namespace": "kube-system"}'
	runc_ run -d sys
	assert_ok "the exception"
	assert_eq "$(uid_map_of sys)" "0 0 4294967295" "the exception runs on runc"
	runc_ delete -f sys
	assert_ok

	update_config '.annotations = {"io.kubernetes.cri.sandbox-namespace": "tenant"}'
	runc_ run -d tenant
	assert_ok "another namespace"
	read -r inside host count <<<"$(uid_map_of tenant)"
	[ "$host" != 0 ] && [ "$count" = 65536 ] || fail "another annotation value is ecirun's (got '$inside $host $count')"
	runc_ delete -f tenant
	assert_ok

	update_config '.annotations = {"io.kubernetes.cri.sandbox-namespace": "kube-system"}'
	local other=$TESTDIR/other-root
	rt "$BIN/runc" --root "$other" run -d sys2
	assert_ok "create under another root"
	pid=$(__ecirun_root "$other" state sys2 | jq -r .pid)
	read -r inside host count <"/proc/$pid/uid_map"
	"$ECIRUN" --root "$other" delete -f sys2 >/dev/null 2>&1
	rm -rf "$other"
	[ "$host" != 0 ] && [ "$count" = 65536 ] || fail "the annotation under another --root is ecirun's (got '$inside $host $count')"
}

__ecirun_root() {
	local r=$1
	shift
	"$ECIRUN" --root "$r" "$@"
}
