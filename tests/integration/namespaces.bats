#!/usr/bin/env bats
# Namespaces: new ones, joined ones, user namespace mappings, loopback.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# The user namespace mapping these tests ask for.
MAP_HOST=100000
MAP_SIZE=65536

add_userns() {
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": $h, "size": $s}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": $h, "size": $s}]' \
		--argjson h "$MAP_HOST" --argjson s "$MAP_SIZE"
	# The rootfs stays owned by host root: it is world-readable, /tmp is 1777,
	# so the workload runs whether or not the runtime ID-maps the rootfs.
}

@test "every namespace in config.json is new" {
	requires cgroupns
	update_config '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
	run_detached ct1 'exec sleep 1000'
	local pid ns
	pid=$(container_pid ct1)
	for ns in pid net ipc uts mnt cgroup; do
		[ "$(ns_of "$pid" "$ns")" != "$(ns_of $$ "$ns")" ] ||
			fail "$ns namespace is the host's: $(ns_of "$pid" "$ns")"
	done
}

@test "a new user namespace, with the uid and gid mappings of config.json" {
	requires userns
	add_userns
	run_detached ct1 'exec sleep 1000'
	local pid
	pid=$(container_pid ct1)
	[ "$(ns_of "$pid" user)" != "$(ns_of $$ user)" ] || fail "user namespace is the host's"

	xrun sh -c "tr -s ' ' < /proc/$pid/uid_map; tr -s ' ' < /proc/$pid/gid_map"
	assert_ok
	assert_out_eq " 0 $MAP_HOST $MAP_SIZE"$'\n'" 0 $MAP_HOST $MAP_SIZE"

	# Root inside is the mapped id outside.
	xrun awk '/^Uid:/ { print $2 }' "/proc/$pid/status"
	assert_out_eq "$MAP_HOST"
}

@test "user namespace: the workload sees itself as root" {
	requires userns
	add_userns
	set_cmd 'id -u; id -g; tr -s " " < /proc/self/uid_map; touch /tmp/created; stat -c %u:%g /tmp/created'
	ecirun run ct1
	assert_ok
	# Where the file lands on disk (mapped id, or 0 through an ID-mapped
	# mount) is the runtime's choice; inside, it belongs to root.
	assert_out_eq $'0\n0\n'" 0 $MAP_HOST $MAP_SIZE"$'\n0:0'
}

@test "namespaces joined by path" {
	requires cgroupns
	run_detached cta 'exec sleep 1000'
	local pida
	pida=$(container_pid cta)

	update_config '.linux.namespaces = [
		{"type": "pid"}, {"type": "mount"},
		{"type": "network", "path": ("/proc/" + $p + "/ns/net")},
		{"type": "ipc", "path": ("/proc/" + $p + "/ns/ipc")},
		{"type": "uts", "path": ("/proc/" + $p + "/ns/uts")}]' --arg p "$pida"
	run_detached ctb 'exec sleep 1000'
	local pidb ns
	pidb=$(container_pid ctb)
	for ns in net ipc uts; do
		assert_eq "$(ns_of "$pidb" "$ns")" "$(ns_of "$pida" "$ns")" "$ns namespace of ctb"
	done
	# Not joined: still its own.
	for ns in pid mnt; do
		[ "$(ns_of "$pidb" "$ns")" != "$(ns_of "$pida" "$ns")" ] || fail "$ns namespace shared although not asked"
	done
}

@test "joining a namespace path of the wrong type fails" {
	run_detached cta 'exec sleep 1000'
	local pida
	pida=$(container_pid cta)
	update_config '.linux.namespaces |= map(if .type == "network" then .path = ("/proc/" + $p + "/ns/ipc") else . end)' --arg p "$pida"
	ecirun run ctb
	assert_fail
	ecirun list -q
	refute_out_contains ctb
}

@test "joining a namespace path that does not exist fails" {
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "/proc/999999999/ns/net" else . end)'
	ecirun run ct1
	assert_fail
	assert_out_contains "/proc/999999999/ns/net"
}

@test "lo is up in a new network namespace" {
	set_cmd 'cat /sys/class/net/lo/flags; ip -o link show lo; ls /sys/class/net | tr "\n" " "'
	ecirun run ct1
	assert_ok
	local flags
	flags=$(head -n1 <<<"$output")
	(((flags & 0x1) == 1)) || fail "lo is not IFF_UP (flags $flags)"
	assert_out_match 'lo: <[^>]*UP'
	# Only lo in a new network namespace.
	assert_eq "$(tail -n1 <<<"$output")" "lo " "network interfaces"
}

@test "the pid namespace: the workload is pid 1" {
	set_cmd 'echo "pid=$$"; ps -o pid,args | wc -l'
	ecirun run ct1
	assert_ok
	assert_out_contains "pid=1"
	# ps header, sh, ps, wc: nothing from the host.
	[ "$(tail -n1 <<<"$output")" -le 4 ] || fail "host processes visible in the container"
}

# runc 1.1.5 FAILS this test: it does not know the "time" namespace (runc 1.2
# added it).
@test "a new time namespace" {
	requires timens
	update_config '.linux.namespaces += [{"type": "time"}]'
	run_detached ct1 'exec sleep 1000'
	local pid
	pid=$(container_pid ct1)
	[ "$(ns_of "$pid" time)" != "$(ns_of $$ time)" ] || fail "time namespace is the host's"
}
