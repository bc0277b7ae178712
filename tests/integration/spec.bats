#!/usr/bin/env bats
# `spec`: the default config.json.

load helpers

setup() {
	SPECDIR="$BATS_TEST_TMPDIR/spec"
	mkdir -p "$SPECDIR"
}

@test "spec writes a valid config.json into --bundle" {
	xrun "$ECIRUN" spec --bundle "$SPECDIR"
	assert_ok
	[ -s "$SPECDIR/config.json" ] || fail "no config.json in $SPECDIR"

	xrun jq -e '(.ociVersion | type == "string")
		and (.process.args | type == "array" and length > 0)
		and (.process.cwd == "/")
		and (.root.path == "rootfs")
		and (.linux.namespaces | map(.type) | index("mount") != null)
		and (.mounts | map(.destination) | index("/proc") != null)' "$SPECDIR/config.json"
	assert_ok "config.json is valid JSON with the required fields"
}

@test "spec writes config.json into the current directory by default" {
	cd "$SPECDIR"
	xrun "$ECIRUN" spec
	assert_ok
	xrun jq -e '.ociVersion' "$SPECDIR/config.json"
	assert_ok
}

@test "spec refuses to overwrite an existing config.json" {
	echo '{"keep": "me"}' >"$SPECDIR/config.json"
	local before
	before=$(sha256sum <"$SPECDIR/config.json")

	xrun "$ECIRUN" spec --bundle "$SPECDIR"
	assert_fail
	assert_out_contains "config.json"
	assert_out_icontains "exist"

	assert_eq "$(sha256sum <"$SPECDIR/config.json")" "$before" "config.json must be left untouched"
}

@test "spec --rootless adds a user namespace mapping the caller" {
	xrun "$ECIRUN" spec --rootless --bundle "$SPECDIR"
	assert_ok
	local uid gid
	uid=$(id -u)
	gid=$(id -g)
	xrun jq -e --argjson uid "$uid" --argjson gid "$gid" '
		(.linux.namespaces | map(.type) | index("user") != null)
		and (.linux.uidMappings | any(.containerID == 0 and .hostID == $uid and .size >= 1))
		and (.linux.gidMappings | any(.containerID == 0 and .hostID == $gid and .size >= 1))' \
		"$SPECDIR/config.json"
	assert_ok "rootless spec has a user namespace and maps the caller to root"
}
