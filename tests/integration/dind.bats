#!/usr/bin/env bats
# A system workload: Docker-in-Docker. A container with every capability and no
# masks (what `docker run --privileged` gives) runs its own dockerd, which runs
# its own containers with runc, all inside the outer container's user
# namespace: the inner containers are unprivileged on the host too. The rootfs
# is a Debian minbase with docker.io, built once by build-debian-rootfs.sh
# (debootstrap from the Debian archive; the test is skipped, and counted as
# skipped, when debootstrap fails twice). The inner image is the suite's
# busybox rootfs, bound read-only and `docker import`ed inside.

load helpers

DIND_ROOTFS=${DIND_ROOTFS:-$INTEGRATION_ROOT/.cache/dind-rootfs}

setup() {
	setup_bundle
	local rc=0 caps
	"$INTEGRATION_ROOT/build-debian-rootfs.sh" "$DIND_ROOTFS" docker.io || rc=$?
	[ "$rc" -ne 2 ] || skip "debootstrap from the Debian archive failed twice (see $DIND_ROOTFS.debootstrap.log): no Docker-in-Docker rootfs"
	[ "$rc" -eq 0 ] || fail "build-debian-rootfs.sh failed (status $rc)"
	rm -rf "$BUNDLE/rootfs"
	cp -a "$DIND_ROOTFS" "$BUNDLE/rootfs"
	caps=$("$ECIRUN" features | jq -c '.linux.capabilities')
	update_config '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c, "inheritable": $c, "ambient": $c}
		| .process.noNewPrivileges = false
		| .linux.maskedPaths = [] | .linux.readonlyPaths = []
		| .mounts |= map(if (.type | test("^cgroup")) then .options -= ["ro"] else . end)
		| .mounts += [{"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=755"]},
			{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]},
			{"destination": "/bb", "type": "bind", "source": $bb, "options": ["rbind", "ro"]}]' \
		--argjson c "$caps" --arg bb "$ROOTFS_CACHE"
}

teardown() {
	teardown_bundle
}

@test "Docker-in-Docker: a dockerd inside runs its own containers, unprivileged on the host" {
	# /var/lib/docker on a tmpfs: an overlay's upper dir cannot be on the container's root
	# (as with runc, Docker-in-Docker wants a volume there).
	set_cmd '
		mkdir -p /var/lib/docker && mount -t tmpfs none /var/lib/docker
		dockerd --bridge=none --iptables=false --ip-masq=false -H unix:///run/docker.sock >/tmp/dockerd.log 2>&1 &
		for i in $(seq 1 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
		docker info --format "driver={{.Driver}}" || { tail -20 /tmp/dockerd.log; exit 1; }
		tar -C /bb -c . | docker import - inner:1 >/dev/null || exit 1
		docker run --rm --network none inner:1 /bin/sh -c "echo inner-ran; cat /proc/self/uid_map" || { tail -20 /tmp/dockerd.log; exit 1; }
		docker run -d --name keep --network none inner:1 sleep 1000 >/dev/null && docker ps --format "{{.Names}} {{.Status}}"
		echo dind-done; exec sleep 1000'
	ecirun run -d ct1
	assert_ok
	wait_for_file 300 0.2 "$ECIRUN_LAST_LOG" '^dind-done'
	output=$(cat "$ECIRUN_LAST_LOG")
	LAST_CMD="container output"
	assert_out_contains driver=overlay2 inner-ran "keep Up"

	# The inner container's root is the outer container's root: the outer block's base on the
	# host, never host root.
	local pid base
	pid=$(container_pid ct1)
	base=$(awk 'NR == 1 { print $2 }' "/proc/$pid/uid_map")
	[ "$base" -ne 0 ] || fail "the outer container's root is host root"
	assert_out_match "(^|"$'\n'")[[:space:]]*0[[:space:]]+$base[[:space:]]+65536"
	# The inner `sleep 1000` runs as the block's base uid on the host, in a sub-cgroup of ct1's.
	local inner
	inner=$(ps -eo pid=,args= | awk '$2 == "sleep" && $3 == "1000" { print $1 }' | while read -r p; do
		grep -q "docker" "/proc/$p/cgroup" 2>/dev/null && echo "$p"
	done | head -1)
	[ -n "$inner" ] || fail "no inner container process found on the host"
	assert_eq "$(awk '$1 == "Uid:" { print $3 }' "/proc/$inner/status")" "$base" "host euid of the inner container"
	grep -q "$CGROUP/docker/" "/proc/$inner/cgroup" || fail "inner container not below $CGROUP: $(cat "/proc/$inner/cgroup")"

	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}
