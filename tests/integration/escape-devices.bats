#!/usr/bin/env bats
# Host devices: a container gets the devices it is given by their type and
# numbers, never by the name config.json puts them under; its device cgroup
# allows only the default devices and those given, whatever
# linux.resources.devices asks ("a *:* rwm" from --privileged or
# --device-cgroup-rule); and a device node in host content (a directory rootfs,
# a bind-mounted host directory) never opens, even with every capability: those
# mounts are nodev.
#
# Each test says what runc lets through. runc trusts config.json: it creates
# every linux.devices entry and applies linux.resources.devices as given.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# Every capability, as docker run --privileged gives them.
all_caps() {
	local caps
	caps=$("$ECIRUN" features | jq -c '.linux.capabilities')
	[ -n "$caps" ] && [ "$caps" != null ] || fail "features has no capability list" || return 1
	update_config '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c, "inheritable": $c, "ambient": $c}
		| .process.noNewPrivileges = false' --argjson c "$caps"
}

# The script that tries to open each of its arguments for reading and says how it went.
OPEN_EACH='for f in "$@"; do
		if ( : < "$f" ) 2>/dev/null; then echo "OPENED $f"; else echo "refused $f: $( ( : < "$f" ) 2>&1 | sed "s/.*: //")"; fi
	done'

# open_in_cgroup DIR PATH...: from the host, a process of the host's own (root, host /dev, no
# nodev) moved into the cgroup DIR tries to open each PATH: only the device cgroup decides.
open_in_cgroup() {
	local dir=$1
	shift
	xrun sh -c 'echo $$ > "$0/cgroup.procs" || exit 99; '"$OPEN_EACH" "$dir" "$@"
}

@test "a linux.devices entry named /dev/fuse or /dev/net/tun with another host device's numbers is not given" {
	# runc lets it through: it makes /dev/fuse with cpu_dma_latency's numbers and
	# /dev/net/tun with /dev/kmsg's (1:11), and docker's --device rules let them open.
	[ -c /dev/cpu_dma_latency ] || skip "the host has no /dev/cpu_dma_latency"
	local maj min
	read -r maj min < <(stat -c '%Hr %Lr' /dev/cpu_dma_latency)
	# What `docker run --device /dev/cpu_dma_latency:/dev/fuse --device /dev/kmsg:/dev/net/tun`
	# hands the runtime: the entries and an allow rule for each.
	update_config '.linux.devices += [
			{"path": "/dev/fuse", "type": "c", "major": $maj, "minor": $min, "fileMode": 438, "uid": 0, "gid": 0},
			{"path": "/dev/net/tun", "type": "c", "major": 1, "minor": 11, "fileMode": 438, "uid": 0, "gid": 0}]
		| .linux.resources.devices += [
			{"allow": true, "type": "c", "major": $maj, "minor": $min, "access": "rwm"},
			{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "rwm"}]' \
		--argjson maj "$maj" --argjson min "$min"
	all_caps
	set_cmd "set -- /dev/fuse /dev/net/tun; for f in \"\$@\"; do test -e \$f && echo \"has \$f\" || echo \"no \$f\"; done; $OPEN_EACH"
	ecirun run ct1
	assert_fail
	refute_out_contains "OPENED" "has /dev/fuse" "has /dev/net/tun"
	# The error names the numbers that decided.
	assert_out_contains "not in allowedDevices" "/dev/fuse (c $maj:$min)" "/dev/net/tun (c 1:11)"
	assert_nothing_left
	# Docker's --privileged list (an "a *:* rwm" rule) starts, without them.
	update_config '.linux.resources.devices += [{"allow": true, "access": "rwm"}]'
	ecirun run ct1
	assert_ok
	refute_out_contains "OPENED" "has /dev/fuse" "has /dev/net/tun"
	assert_out_contains "no /dev/fuse" "no /dev/net/tun"
	assert_out_contains "withheld" "/dev/fuse (c $maj:$min)" "/dev/net/tun (c 1:11)"
	assert_nothing_left
}

@test "\"a *:* rwm\" in linux.resources.devices reaches no host device beyond those given" {
	# runc lets it through: "a *:* rwm" (docker run --privileged, or
	# --device-cgroup-rule 'a *:* rwm') allows every device in the container's cgroup.
	requires cgroups_devices
	[ -c /dev/kmsg ] || skip "the host has no /dev/kmsg"
	all_caps
	update_config '.linux.resources.devices = [{"allow": true, "access": "rwm"}]
		| .linux.devices += [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}]'
	run_detached ct1 'exec sleep 1000'
	local dir
	dir=$(cgroup_host_path devices)
	[ -d "$dir" ] || fail "no device cgroup $dir for the container"
	# /dev/kmsg (1:11) and /dev/cpu_dma_latency are host devices the container was not given;
	# /dev/null is a default device, /dev/fuse the one given: those open.
	local others=/dev/kmsg
	[ -c /dev/cpu_dma_latency ] && others="$others /dev/cpu_dma_latency"
	# shellcheck disable=SC2086
	open_in_cgroup "$dir" $others /dev/null /dev/fuse
	assert_ok
	refute_out_contains "OPENED /dev/kmsg" "OPENED /dev/cpu_dma_latency"
	assert_out_contains "refused /dev/kmsg: Operation not permitted" "OPENED /dev/null" "OPENED /dev/fuse"
	if ! cgroup_is_v2; then
		xrun cat "$dir/devices.list"
		refute_out_contains "a *:* rwm" "c 1:11"
		assert_out_contains "c 1:3 rwm" "c 10:229 rwm"
	fi
	# The rule the runtime dropped is named.
	output=$(cat "$BATS_TEST_TMPDIR"/logs/*.log.err)
	assert_out_contains "linux.resources.devices rules ignored" "a *:* rwm"
}

@test "update --resources with \"a *:* rwm\" leaves the device cgroup as create made it" {
	# runc lets it through: its update (as ecirun's before) applies the devices of the
	# resources it is given, and "a *:* rwm" opens every host device in the cgroup.
	requires cgroups_devices cgroups_pids
	[ -c /dev/kmsg ] || skip "the host has no /dev/kmsg"
	run_detached ct1 'exec sleep 1000'
	echo '{"devices": [{"allow": true, "access": "rwm"}], "pids": {"limit": 37}}' >"$TESTDIR/res.json"
	ecirun update --resources "$TESTDIR/res.json" ct1
	assert_ok
	# The rest of the update applies.
	assert_eq "$(cat "$(cgroup_host_path pids)/pids.max")" 37 "pids.max"
	open_in_cgroup "$(cgroup_host_path devices)" /dev/kmsg /dev/null
	assert_ok
	refute_out_contains "OPENED /dev/kmsg"
	assert_out_contains "refused /dev/kmsg: Operation not permitted" "OPENED /dev/null"
}

@test "a host-made device node in a bind-mounted host directory does not open, even with every capability" {
	# runc lets it through: a bind mount keeps dev, and /dev/zero's numbers (1:5) are in
	# every container's device cgroup, so the container reads the host-made node.
	mkdir -p "$TESTDIR/vol"
	mknod -m 0666 "$TESTDIR/vol/zero" c 1 5
	all_caps
	# "dev" asks for device access in vain: host content stays nodev.
	update_config '.mounts += [{"destination": "/vol", "type": "bind", "source": $v, "options": ["rbind"]},
			{"destination": "/vol-dev", "type": "bind", "source": $v, "options": ["rbind", "dev"]}]' \
		--arg v "$TESTDIR/vol"
	set_cmd "set -- /vol/zero /vol-dev/zero; $OPEN_EACH
		mount -o remount,bind,dev /vol 2>/dev/null && echo REMOUNTED-DEV; set -- /vol/zero; $OPEN_EACH
		grep -E ' /vol(-dev)? ' /proc/self/mountinfo"
	ecirun run ct1
	assert_ok
	refute_out_contains "OPENED" "REMOUNTED-DEV"
	assert_out_contains "refused /vol/zero: Permission denied" "refused /vol-dev/zero: Permission denied"
	# Both mounts say nodev.
	[ "$(grep -cE ' /vol(-dev)? [^ ]*nodev' <<<"$output")" -eq 2 ] || fail "a /vol mount is not nodev"
	# The node still works on the host: the refusal is the container's mount, not the node.
	head -c 1 "$TESTDIR/vol/zero" >/dev/null || fail "the host-made node does not open on the host"
	assert_nothing_left
}

@test "a host-made device node in a directory rootfs does not open, even with every capability" {
	# runc lets it through: the rootfs keeps dev, and 1:5 is in the device cgroup.
	mknod -m 0666 "$BUNDLE/rootfs/hostzero" c 1 5
	all_caps
	set_cmd "set -- /hostzero; $OPEN_EACH
		mount -o remount,bind,dev / 2>/dev/null && echo REMOUNTED-DEV; $OPEN_EACH
		head -c 4 /dev/zero | od -An -tx1; echo x > /dev/null && echo null-ok
		awk '\$5 == \"/\" { print \"root-options=\" \$6 }' /proc/self/mountinfo"
	ecirun run ct1
	assert_ok
	refute_out_contains "OPENED" "REMOUNTED-DEV"
	assert_out_contains "refused /hostzero: Permission denied"
	assert_out_match "root-options=[^ ]*nodev"
	# The container's own /dev/zero (the same numbers) and /dev/null work.
	assert_out_contains " 00 00 00 00" "null-ok"
	assert_nothing_left
}

@test "the default devices and the devices given work on the nodev rootfs, with or without a /dev tmpfs" {
	# Not a hole in runc (it makes the same nodes): the devices are mounts of their own, so
	# nodev on the rootfs leaves them working, also where /dev is the rootfs' own directory.
	update_config '.linux.devices += [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}]
		| .linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"}]'
	local script='for d in null zero full random urandom fuse; do if ( : < /dev/$d ) 2>/dev/null; then echo "ok $d"; else echo "BROKEN $d"; fi; done
		echo x > /dev/null && echo write-null-ok; echo x > /dev/full 2>/dev/null || echo full-enospc'
	set_cmd "$script"
	ecirun run ct1
	assert_ok
	refute_out_contains "BROKEN"
	assert_out_contains "ok null" "ok zero" "ok urandom" "ok fuse" write-null-ok full-enospc

	update_config '.mounts |= map(select(.destination != "/dev" and (.destination | startswith("/dev/") | not)))'
	ecirun run ct1
	assert_ok
	refute_out_contains "BROKEN"
	assert_out_contains "ok null" "ok zero" "ok urandom" "ok fuse" write-null-ok full-enospc
	assert_nothing_left
}

@test "a device node the container makes itself, with CAP_MKNOD, does not open" {
	# runc lets it through: its containers are host root, so mknod works and only the device
	# cgroup decides (1:5 is in it; under --privileged every device is). This checks the
	# kernel's rule ecirun relies on, and passes with ecirun before the nodev change too: in a
	# user namespace mknod of a device is refused, and nodes on file systems mounted there
	# never open.
	all_caps
	set_cmd 'mkdir -p /tmp/own && mount -t tmpfs none /tmp/own || echo "no tmpfs"
		for f in /tmp/zero /dev/zero2 /tmp/own/zero; do
			if mknod "$f" c 1 5 2>/dev/null; then echo "MADE $f"; fi
		done
		set -- /tmp/zero /dev/zero2 /tmp/own/zero; '"$OPEN_EACH"
	ecirun run ct1
	assert_ok
	refute_out_contains "OPENED"
	assert_nothing_left
}
