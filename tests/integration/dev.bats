#!/usr/bin/env bats
# /dev: the default devices, pts, fd links, linux.devices.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
	unset ECIRUN_POLICY
}

# hexdev MAJOR MINOR: how busybox `stat -c %t:%T` prints a device number.
hexdev() {
	printf '%x:%x' "$1" "$2"
}

@test "default devices exist as character devices with the right numbers" {
	set_cmd 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done; echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | od -An -tx1; echo x > /dev/full; echo "full=$?"'
	ecirun run ct1
	assert_ok
	local dev
	# name major minor, from the OCI runtime spec's list of default devices.
	while read -r dev maj min; do
		assert_out_contains "/dev/$dev character special file $(hexdev "$maj" "$min") 666"
	done <<-EOF
		null 1 3
		zero 1 5
		full 1 7
		random 1 8
		urandom 1 9
		tty 5 0
	EOF
	assert_out_contains "null-ok" " 00 00 00 00" "No space left on device" "full=1"
}

@test "no host devices beyond the defaults" {
	set_cmd 'ls /dev'
	ecirun run ct1
	assert_ok
	[[ " $(tr '\n' ' ' <<<"$output") " == *" null "* ]] || fail "no /dev/null in the listing"
	# Nothing from the host's devtmpfs: no disks, no kmsg, no mem.
	local d
	for d in vda sda kmsg mem port loop0 fuse; do
		[[ " $(tr '\n' ' ' <<<"$output") " != *" $d "* ]] || fail "host device /dev/$d visible in the container"
	done
}

@test "/dev/pts is a devpts instance and /dev/ptmx reaches it" {
	set_cmd 'grep " /dev/pts " /proc/mounts; if [ -L /dev/ptmx ]; then echo "ptmx->$(readlink /dev/ptmx)"; else stat -c "ptmx %F %t:%T" /dev/ptmx; fi; stat -c "pts-ptmx %F %t:%T" /dev/pts/ptmx'
	ecirun run ct1
	assert_ok
	assert_out_match 'devpts /dev/pts devpts [^ ]*newinstance|devpts /dev/pts devpts '
	assert_out_match "ptmx->(/dev/)?pts/ptmx|ptmx character special file $(hexdev 5 2)"
	assert_out_contains "pts-ptmx character special file $(hexdev 5 2)"
	# The spec's devpts options.
	assert_out_match 'devpts /dev/pts devpts [^ ]*mode=620'
	assert_out_match 'devpts /dev/pts devpts [^ ]*ptmxmode=666'
}

@test "/dev/fd, stdin, stdout and stderr links" {
	# Through a pipe made inside the container: reopening the caller's own stdout file is
	# not allowed to a container root that is not host root.
	set_cmd '{ for l in fd stdin stdout stderr; do echo "$l->$(readlink /dev/$l)"; done; echo via-stdout >> /dev/stdout; } | cat'
	ecirun run ct1
	assert_ok
	assert_out_contains "fd->/proc/self/fd" "stdin->/proc/self/fd/0" "stdout->/proc/self/fd/1" "stderr->/proc/self/fd/2" "via-stdout"
}

@test "linux.devices adds a device with fileMode, uid and gid" {
	# /dev/fuse is 10:229; 0640 octal is 416.
	update_config '.linux.devices += [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 416, "uid": 1000, "gid": 1000}]
		| .linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"}]'
	set_cmd 'stat -c "%n %F %t:%T %a %u:%g" /dev/fuse'
	ecirun run ct1
	assert_ok
	assert_out_contains "/dev/fuse character special file $(hexdev 10 229) 640 1000:1000"
}

@test "linux.devices with a device in a subdirectory" {
	update_config '.linux.devices += [{"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200, "fileMode": 438, "uid": 0, "gid": 0}]'
	set_cmd 'stat -c "%n %F %t:%T %a" /dev/net/tun'
	ecirun run ct1
	assert_ok
	assert_out_contains "/dev/net/tun character special file $(hexdev 10 200) 666"
}

@test "the device cgroup denies a device that is not allowed" {
	requires cgroups_devices
	# /dev/null exists; a node for /dev/mem created by the workload must not open.
	update_config '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
	set_cmd 'mknod /tmp/mem c 1 1 2>&1; head -c 1 /tmp/mem >/dev/null; echo "open=$?"'
	ecirun run ct1
	assert_ok
	assert_out_contains "open=1"
	assert_out_match "Operation not permitted|Permission denied"
}

# all_caps_privileged: what `docker run --privileged` hands the runtime besides the host's
# devices: every capability ecirun knows and an "a *:* rwm" device rule.
all_caps_privileged() {
	local caps
	caps=$("$ECIRUN" features | jq -c '.linux.capabilities')
	[ -n "$caps" ] && [ "$caps" != null ] || fail "features has no capability list" || return 1
	update_config '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c}
		| .linux.resources.devices = [{"allow": true, "access": "rwm"}]' --argjson c "$caps"
}

# dev_entry PATH TYPE MAJOR MINOR: a linux.devices entry as docker makes it for --device.
dev_entry() {
	printf '{"path": "%s", "type": "%s", "major": %d, "minor": %d, "fileMode": 438, "uid": 0, "gid": 0}' "$@"
}

# runc creates every device config.json lists.
@test "linux.devices: a device allowedDevices does not list is an error naming it and the policy key" {
	update_config '.linux.devices += [$d]' --argjson d "$(dev_entry /dev/kmsg c 1 11)"
	ecirun run ct1
	assert_fail
	assert_out_contains "/dev/kmsg (c 1:11)" "not in allowedDevices of /etc/ecirun/ecirun.json"
	assert_nothing_left

	# Allowed by an admin policy: it starts and has it.
	local policy="$BATS_TEST_TMPDIR/policy.json"
	echo '{"allowedDevices": ["/dev/kmsg"]}' >"$policy"
	chmod 0644 "$policy"
	set_cmd 'test -c /dev/kmsg && echo "has kmsg"'
	ECIRUN_POLICY=$policy ecirun run ct1
	assert_ok
	assert_out_contains "has kmsg"
	refute_out_contains "withheld" "refused"
	assert_nothing_left
}

@test "linux.devices: raw disks, the devices that reach them and /dev/mem are refused even when allowedDevices lists them" {
	local policy="$BATS_TEST_TMPDIR/policy.json" bsg entry
	echo '{"allowedDevices": ["c *:*", "/dev/loop*", "/dev/mem"]}' >"$policy"
	chmod 0644 "$policy"
	export ECIRUN_POLICY=$policy
	# SCSI generic is c 21:*; bsg and NVMe generic have the majors the kernel gave them.
	local entries=("$(dev_entry /dev/loop0 b 7 0)" "$(dev_entry /dev/mem c 1 1)"
		"$(dev_entry /dev/port c 1 4)" "$(dev_entry /dev/sg0 c 21 0)")
	bsg=$(awk '/^Character/ {c=1} /^Block/ {c=0} c && $2 == "bsg" {print $1}' /proc/devices)
	[ -z "$bsg" ] || entries+=("$(dev_entry /dev/bsg/0:0:0:0 c "$bsg" 0)")
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
	for entry in "${entries[@]}"; do
		cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
		update_config '.linux.devices += [$d]' --argjson d "$entry"
		ecirun run ct1
		assert_fail
		assert_out_contains "$(jq -r '"\(.path) (\(.type) \(.major):\(.minor))"' <<<"$entry")" \
			"never given, whatever allowedDevices says"
		assert_nothing_left
	done
}

@test "linux.devices: --privileged's every-device list starts without what is withheld, with one warning" {
	local devs
	devs="[$(dev_entry /dev/fuse c 10 229), $(dev_entry /dev/kmsg c 1 11), $(dev_entry /dev/loop0 b 7 0),
		$(dev_entry /dev/mem c 1 1), $(dev_entry /dev/sg0 c 21 0)]"
	all_caps_privileged
	update_config '.linux.devices += $d' --argjson d "$devs"
	set_cmd 'for d in fuse kmsg loop0 mem sg0 null; do if test -e /dev/$d; then echo "has $d"; else echo "no $d"; fi; done'
	ecirun run ct1
	assert_ok
	assert_out_contains "has fuse" "no kmsg" "no loop0" "no mem" "no sg0" "has null"
	# Each named with the type and numbers that decided, in one line.
	assert_out_contains "not in allowedDevices of /etc/ecirun/ecirun.json: /dev/kmsg (c 1:11)" \
		"/dev/loop0 (b 7:0), /dev/mem (c 1:1), /dev/sg0 (c 21:0)"
	local n
	n=$(grep -c "withheld" <<<"$output" || true)
	[ "$n" -eq 1 ] || fail "$n lines say 'withheld', want one"
	assert_nothing_left
}

@test "allowedDevices: by device numbers, a host path by the numbers of its node, never by the container's name" {
	# kmsg is 1:11; the host's /dev/net/tun names 10:200 whatever the container calls it.
	local devs='[{"path": "/dev/klog", "type": "c", "major": 1, "minor": 11, "fileMode": 420, "uid": 0, "gid": 0},
		{"path": "/dev/tunnel", "type": "c", "major": 10, "minor": 200, "fileMode": 438, "uid": 0, "gid": 0},
		{"path": "/dev/net/tun", "type": "c", "major": 1, "minor": 11, "fileMode": 438, "uid": 0, "gid": 0}]'
	[ -c /dev/net/tun ] || skip "the host has no /dev/net/tun"
	[ ! -e /dev/ecirun-test-absent ] || fail "/dev/ecirun-test-absent exists on the host"
	update_config '.linux.devices += $d' --argjson d "$devs"
	set_cmd 'for d in klog tunnel net/tun; do if test -e /dev/$d; then echo "has $d $(stat -c %t:%T /dev/$d)"; else echo "no $d"; fi; done'
	local policy="$BATS_TEST_TMPDIR/policy.json"
	echo '{"allowedDevices": ["c 1:11", "/dev/net/*", "/dev/ecirun-test-absent"]}' >"$policy"
	chmod 0644 "$policy"
	export ECIRUN_POLICY=$policy
	ecirun run ct1
	assert_ok
	assert_out_contains "has klog $(hexdev 1 11)" "has tunnel $(hexdev 10 200)"
	# /dev/net/tun as kmsg's numbers: allowed, as kmsg ("c 1:11"), not as tun.
	assert_out_contains "has net/tun $(hexdev 1 11)"

	# A path that names no host node allows nothing.
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.with-devs"
	update_config '.linux.devices = []'
	update_config '.linux.devices += [$d]' --argjson d "$(dev_entry /dev/ecirun-test-absent c 10 229)"
	ecirun run ct1
	assert_fail
	assert_out_contains "not in allowedDevices of $policy: /dev/ecirun-test-absent (c 10:229)"

	# Without "c 1:11", a device named like an allowed path but with kmsg's numbers is refused.
	cp "$BATS_TEST_TMPDIR/config.with-devs" "$BUNDLE/config.json"
	echo '{"allowedDevices": ["/dev/net/tun"]}' >"$policy"
	ecirun run ct1
	assert_fail
	assert_out_contains "not in allowedDevices of $policy" "/dev/klog (c 1:11)" "/dev/net/tun (c 1:11)"
	refute_out_contains "/dev/tunnel"
	assert_nothing_left
}

@test "allowedDevices: malformed entries and block devices are refused" {
	local policy="$BATS_TEST_TMPDIR/policy.json" e
	export ECIRUN_POLICY=$policy
	for e in '"b 8:*"' '"c 10"' '"10:229"' '"/etc/x"'; do
		echo "{\"allowedDevices\": [$e]}" >"$policy"
		chmod 0644 "$policy"
		ecirun run ct1
		assert_fail
		assert_out_contains "$policy: allowedDevices[0]"
		assert_nothing_left
	done
}
