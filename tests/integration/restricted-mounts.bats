#!/usr/bin/env bats
# Restricted host mounts (DESIGN.md §1, docs/policy.md): the host's configuration,
# kernel interfaces, the engines' sockets and data and ecirun's own state are
# refused as bind sources and as the root, with one clear error and nothing left
# behind; what the engines bind themselves (allowedMounts) keeps working.
#
# runc fails these on purpose: it mounts whatever config.json names.

load helpers

setup() {
	setup_bundle
	unset ECIRUN_POLICY
}

teardown() {
	teardown_bundle
	unset ECIRUN_POLICY
}

# engine_policy: an admin policy for an "engine" whose data directory is $ENGINE
# (restricted), with its per-container files and volumes allowed, as for dockerd.
engine_policy() {
	ENGINE="$TESTDIR/engine"
	mkdir -p "$ENGINE/containers/ct1" "$ENGINE/containers/other" "$ENGINE/volumes/v1/_data"
	echo "127.0.0.1 ct1-hosts" >"$ENGINE/containers/ct1/hosts"
	echo "other-secret" >"$ENGINE/containers/other/config.json"
	echo "volume-data" >"$ENGINE/volumes/v1/_data/file"
	: >"$ENGINE/engine.sock"
	POLICY="$BATS_TEST_TMPDIR/policy.json"
	jq -n --arg e "$ENGINE" '{restrictedMounts: ["/etc", "/proc", "/sys", $e],
		allowedMounts: [($e + "/containers/{id}"), ($e + "/volumes/*/_data")]}' >"$POLICY"
	chmod 0644 "$POLICY"
	export ECIRUN_POLICY=$POLICY
}

@test "the host's /etc is refused as a bind source: one clear error, nothing left" {
	bind_mount /etc /host-etc
	ecirun run ct1
	assert_fail
	assert_out_eq "ecirun: mounts[$(($(jq '.mounts | length' config.json) - 1))] (/host-etc): \`/etc\` is the restricted host path /etc; containers may not mount it (restrictedMounts and allowedMounts in /etc/ecirun/ecirun.json)"
	assert_nothing_left
}

@test "a file inside a restricted path, and a directory that contains one, are refused" {
	bind_mount /etc/passwd /x ro
	ecirun run ct1
	assert_fail
	assert_out_contains "\`/etc/passwd\` is inside the restricted host path /etc"
	assert_nothing_left

	update_config '.mounts |= .[:-1]'
	bind_mount / /host
	ecirun run ct1
	assert_fail
	assert_out_contains "\`/\` contains the restricted host path"
	assert_nothing_left

	update_config '.mounts |= .[:-1]'
	bind_mount /proc/self/root /x
	ecirun run ct1
	assert_fail
	assert_out_contains "(/) contains the restricted host path"
	assert_nothing_left
}

@test "a symlink is judged by where it leads" {
	ln -s /etc "$TESTDIR/innocent"
	bind_mount "$TESTDIR/innocent" /x
	ecirun run ct1
	assert_fail
	assert_out_contains "\`$TESTDIR/innocent\` (/etc) is the restricted host path /etc"
	assert_nothing_left
}

@test "ecirun's own state (--root and stateDir) is refused, and so is a directory holding it" {
	bind_mount "$ROOT" /state
	ecirun run ct1
	assert_fail
	assert_out_contains "\`$ROOT\` is the restricted host path $ROOT"
	assert_nothing_left

	update_config '.mounts |= .[:-1]'
	bind_mount "$(dirname "$ROOT")" /parent
	ecirun run ct1
	assert_fail
	assert_out_contains "contains the restricted host path $ROOT"
	assert_nothing_left

	update_config '.mounts |= .[:-1]'
	mkdir -p /var/lib/ecirun
	bind_mount /var/lib/ecirun /x
	ecirun run ct1
	assert_fail
	assert_out_contains "is the restricted host path /var/lib/ecirun"
	assert_nothing_left
}

@test "a root file system that is or contains a restricted path is refused" {
	update_config '.root.path = "/"'
	ecirun run ct1
	assert_fail
	assert_out_contains "root.path: \`/\` contains the restricted host path"
	assert_nothing_left

	update_config '.root.path = "/etc"'
	ecirun run ct1
	assert_fail
	assert_out_contains "root.path: \`/etc\` is the restricted host path /etc"
	assert_nothing_left
}

@test "an engine's data: its own files and volumes are allowed, the rest refused" {
	engine_policy
	bind_mount "$ENGINE/containers/ct1/hosts" /etc/hosts
	bind_mount "$ENGINE/volumes/v1/_data" /vol
	set_cmd 'cat /etc/hosts /vol/file; echo new > /vol/written; stat -c "%u" /vol/written'
	ecirun run ct1
	assert_ok
	assert_out_contains "ct1-hosts" "volume-data"
	assert_eq "$(stat -c %u "$ENGINE/volumes/v1/_data/written")" 0 "owner of a file written in the volume"
	ecirun delete ct1 >/dev/null 2>&1 || true

	# Another container's files, the engine's socket, the data directory itself.
	local src
	for src in "$ENGINE/containers/other/config.json" "$ENGINE/engine.sock" "$ENGINE" "$ENGINE/volumes/v1"; do
		update_config '.mounts |= map(select(.destination != "/x"))'
		bind_mount "$src" /x
		ecirun run ct1
		assert_fail
		assert_out_contains "restricted host path $ENGINE"
		assert_nothing_left
	done
}

@test "an ordinary host directory stays allowed, and the policy's lists show in features" {
	mkdir -p "$TESTDIR/project"
	echo hello >"$TESTDIR/project/f"
	bind_mount "$TESTDIR/project" /src
	set_cmd 'cat /src/f'
	ecirun run ct1
	assert_ok
	assert_out_eq hello

	xrun "$ECIRUN" features
	assert_ok
	assert_json "$output" '(.ecirun.policy.restrictedMounts | index("/etc") != null)
		and (.ecirun.policy.restrictedMounts | index("/run/docker.sock") != null)
		and (.ecirun.policy.allowedMounts | index("{dockerRoot}/volumes/*/_data") != null)'
}

@test "a malformed restrictedMounts is one error naming the key, and nothing is created" {
	POLICY="$BATS_TEST_TMPDIR/policy.json"
	echo '{"restrictedMounts": ["etc"]}' >"$POLICY"
	chmod 0644 "$POLICY"
	export ECIRUN_POLICY=$POLICY
	ecirun run ct1
	assert_fail
	assert_out_eq "ecirun: $POLICY: restrictedMounts[0] must be an absolute path, got \"etc\""
	assert_nothing_left
}

@test "rbind brings the mounts below its source: a restricted one there is refused, bind alone is not" {
	mkdir -p "$TESTDIR/proj/etc" "$TESTDIR/proj/scratch"
	echo mine >"$TESTDIR/proj/f"
	mount --bind /etc "$TESTDIR/proj/etc"
	mount -t tmpfs none "$TESTDIR/proj/scratch"
	bind_mount "$TESTDIR/proj" /proj
	set_cmd 'cat /proj/f; ls /proj/etc | wc -l'
	ecirun run ct1
	local st=$status out=$output
	umount "$TESTDIR/proj/scratch"
	status=$st output=$out
	assert_fail
	assert_out_contains "\`$TESTDIR/proj\` has $TESTDIR/proj/etc mounted below it, and that is /etc of the" \
		"which the host also shows at /etc: that is the restricted host path /etc"
	assert_nothing_left

	# A plain bind does not take the mounts below along: the container sees the empty dir.
	update_config '.mounts |= map(if .destination == "/proj" then .options = ["bind"] else . end)'
	ecirun run ct1
	st=$status out=$output
	umount "$TESTDIR/proj/etc"
	status=$st output=$out
	assert_ok
	assert_out_eq $'mine\n0'
	assert_nothing_left
}

@test "an overlay mount's host directories are checked like bind sources" {
	mkdir -p "$TESTDIR/upper" "$TESTDIR/work"
	update_config '.mounts += [{"destination": "/ovl", "type": "overlay", "source": "overlay",
		"options": [("lowerdir=" + $l), ("upperdir=" + $u), ("workdir=" + $w)]}]' \
		--arg l "$TESTDIR/upper:/etc" --arg u "$TESTDIR/upper" --arg w "$TESTDIR/work"
	ecirun run ct1
	assert_fail
	assert_out_contains "(/ovl): \`/etc\` is the restricted host path /etc"
	assert_nothing_left
}
