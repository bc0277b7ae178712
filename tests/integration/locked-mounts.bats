#!/usr/bin/env bats
# Mounts made at creation are immutable (DESIGN.md §1): the runtime hands the
# container a copy of its mount namespace that the kernel locks (the copy is
# made through a namespace of the host's user namespace), so even with every
# capability the container cannot unmount, move or loosen (read-write, suid,
# dev, exec) its volumes, masks and read-only paths, while mounts of its own
# still work.
#
# runc fails these on purpose: its containers are host root, nothing is locked.

load helpers

setup() {
	setup_bundle
	local caps
	caps=$("$ECIRUN" features | jq -c '.linux.capabilities')
	mkdir -p "$TESTDIR/vol"
	echo original >"$TESTDIR/vol/f"
	# Every capability (what --privileged gives), the spec's masks and read-only paths, a
	# read-only volume.
	update_config '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c, "inheritable": $c, "ambient": $c}
		| .process.noNewPrivileges = false
		| .mounts += [{"destination": "/vol", "type": "bind", "source": $v, "options": ["rbind", "ro", "nosuid"]}]' \
		--argjson c "$caps" --arg v "$TESTDIR/vol"
}

teardown() {
	teardown_bundle
}

@test "with every capability, the creation-time mounts cannot be undone or loosened" {
	# A masked /proc file this kernel has (the spec's maskedPaths list).
	local masked="" f
	for f in $(jq -r '.linux.maskedPaths[]' config.json); do
		if [[ "$f" == /proc/* ]] && [ -f "$f" ]; then masked=$f; break; fi
	done
	[ -n "$masked" ] || fail "none of the spec's maskedPaths is a /proc file on this host"
	set_cmd "masked=$masked"'
		try() { if "$@" 2>/dev/null; then echo "ALLOWED: $*"; else echo "refused: $*"; fi; }
		try mount -o remount,bind,rw /vol
		try umount /vol
		try umount -l /vol
		try mount --move /vol /mnt
		try mount -o remount,bind,suid /vol
		mkdir -p /tmp/again && mount --bind /vol /tmp/again && try mount -o remount,bind,rw /tmp/again
		try umount $masked
		try mount -o remount,bind,rw /proc/sys
		try umount /proc/sys
		echo pwned > /vol/f 2>/dev/null && echo "WROTE the volume"
		echo "masked=$(wc -c < $masked)"
		grep " /vol " /proc/self/mountinfo | grep -q " ro," && echo vol-still-ro
		echo done'
	ecirun run ct1
	assert_ok
	refute_out_contains "ALLOWED" "WROTE"
	assert_out_contains "refused: mount -o remount,bind,rw /vol" "refused: umount /vol" \
		"refused: mount --move /vol /mnt" "refused: umount $masked" \
		"refused: mount -o remount,bind,rw /tmp/again" "masked=0" vol-still-ro done
	assert_eq "$(cat "$TESTDIR/vol/f")" "original" "the volume's file on the host"
	assert_nothing_left
}

@test "mounts of the container's own still work: tmpfs, bind, remount, a nested pid namespace with its proc" {
	update_config '.linux.maskedPaths = [] | .linux.readonlyPaths = []'
	set_cmd '
		mkdir -p /tmp/t /tmp/b && mount -t tmpfs none /tmp/t && echo hi > /tmp/t/f &&
		mount --bind /tmp/t /tmp/b && mount -o remount,bind,ro /tmp/b && mount -o remount,bind,rw /tmp/b &&
		umount /tmp/b && umount /tmp/t && echo own-mounts-ok
		unshare -p -m -f --mount-proc sh -c "echo PIDNS=\$\$"'
	ecirun run ct1
	assert_ok
	assert_out_contains own-mounts-ok PIDNS=1
}

@test "exec'd processes are in the locked namespace too" {
	run_detached ct1 'exec sleep 1000'
	ecirun exec ct1 sh -c 'mount -o remount,bind,rw /vol 2>/dev/null && echo ALLOWED; umount /vol 2>/dev/null && echo UNMOUNTED; echo exec-done'
	assert_ok
	refute_out_contains ALLOWED UNMOUNTED
	assert_out_contains exec-done
}
