#!/usr/bin/env bats
# A system workload: systemd as the container's init, with every capability
# (what `docker run --privileged` gives) and a writable cgroup file system, all
# confined to the container's user namespace. The rootfs is a Debian minbase
# with systemd, built once by build-debian-rootfs.sh (debootstrap from the
# Debian archive; the test is skipped, and counted as skipped, when debootstrap
# fails twice).

load helpers

SYSTEMD_ROOTFS=${SYSTEMD_ROOTFS:-$INTEGRATION_ROOT/.cache/systemd-rootfs}

setup() {
	setup_bundle
	local rc=0
	"$INTEGRATION_ROOT/build-debian-rootfs.sh" "$SYSTEMD_ROOTFS" systemd,systemd-sysv || rc=$?
	[ "$rc" -ne 2 ] || skip "debootstrap from the Debian archive failed twice (see $SYSTEMD_ROOTFS.debootstrap.log): no systemd rootfs"
	[ "$rc" -eq 0 ] || fail "build-debian-rootfs.sh failed (status $rc)"
	rm -rf "$BUNDLE/rootfs"
	cp -a "$SYSTEMD_ROOTFS" "$BUNDLE/rootfs"
	local caps
	caps=$("$ECIRUN" features | jq -c '.linux.capabilities')
	update_config '.process.args = ["/sbin/init"]
		| .process.env += ["container=ecirun"]
		| .process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c, "inheritable": $c, "ambient": $c}
		| .process.noNewPrivileges = false
		| .linux.maskedPaths = [] | .linux.readonlyPaths = []
		| .mounts |= map(if (.type | test("^cgroup")) then .options -= ["ro"] else . end)
		| .mounts += [{"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=755"]},
			{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]}]' \
		--argjson c "$caps"
}

teardown() {
	teardown_bundle
}

# system_state: what `systemctl is-system-running` says inside ct1.
system_state() {
	ECIRUN_TIMEOUT=10 __ecirun exec ct1 systemctl is-system-running 2>/dev/null
}

system_settled() {
	case "$(system_state)" in running | degraded) return 0 ;; *) return 1 ;; esac
}

@test "systemd boots as the container's init, manages its cgroups, and halts on SIGRTMIN+3" {
	ecirun run -d ct1
	assert_ok
	wait_for_container 50 0.1 ct1 running
	if ! retry 120 0.5 system_settled; then
		ecirun exec ct1 systemctl --failed --no-pager
		fail "systemd did not finish booting: $(system_state)"
	fi
	# The only units allowed to fail are the kernel's debug and trace file systems, which a
	# user namespace may not mount (the same confinement keeps them from any container root).
	ecirun exec ct1 systemctl list-units --failed --plain --no-legend --no-pager
	assert_ok
	local unit
	for unit in $(awk '{ print $1 }' <<<"$output"); do
		case "$unit" in
		sys-kernel-debug.mount | sys-kernel-tracing.mount) ;;
		*) fail "unit $unit failed" ;;
		esac
	done

	# systemd put itself and its services into sub-cgroups of the container's own.
	ecirun exec ct1 cat /proc/1/cgroup
	assert_ok
	assert_out_match '(^|'$'\n'')[0-9]+:name=systemd:/init\.scope('$'\n''|$)'
	[ -d "/sys/fs/cgroup/systemd$CGROUP/init.scope" ] || fail "no init.scope under /sys/fs/cgroup/systemd$CGROUP on the host"

	# Its services run, each in its own cgroup: the journal, for one.
	ecirun exec ct1 systemctl is-active systemd-journald.service
	assert_ok
	assert_out_eq active
	ecirun exec ct1 sh -c 'cat /proc/$(systemctl show -P MainPID systemd-journald.service)/cgroup'
	assert_ok
	assert_out_contains ":/system.slice/systemd-journald.service"

	local pid base
	pid=$(container_pid ct1)
	base=$(awk 'NR == 1 { print $2 }' "/proc/$pid/uid_map")
	[ "$base" -ne 0 ] || fail "container root is host root"
	assert_eq "$(awk '$1 == "Uid:" { print $3 }' "/proc/$pid/status")" "$base" "host euid of systemd"

	# SIGRTMIN+3 is systemd's "halt": the container stops by itself.
	ecirun kill ct1 RTMIN+3
	assert_ok
	wait_for_container 150 0.2 ct1 stopped
	ecirun delete ct1
	assert_ok
	assert_nothing_left
}
