#!/usr/bin/env bats
# dockerd (private instance) with `--runtime=ecirun` and host devices: a device
# is given by its type and numbers, never by the name `--device HOST:NAME` puts
# it under; `--privileged --device-cgroup-rule 'a *:* rwm'` reaches no host
# device beyond those given; a device node in a volume or an image layer never
# opens; `--device /dev/fuse` and `--device /dev/net/tun` keep working.
#
# A --device the policy withholds is an error; --privileged starts without them, with one
# warning in the runtime's log.
#
# Each test says what runc lets through: it creates every device docker lists
# and applies docker's device cgroup rules as given.

load helpers

IMG=ecirun-busybox:test
NODE_IMG=ecirun-devnode:test

docker_hooks

# The runtime's --log file (JSON lines, one per bundle, every call appends) goes with the
# container's bundle: the daemon is registered with a wrapper that copies it to
# $ENG_DIR/runtime.log after each call.
engines_before_start() {
	local real=$ECIRUN
	ECIRUN=$ENG_DIR/ecirun-logged
	cat >"$ECIRUN" <<-EOF
		#!/bin/sh
		log= prev=
		for a in "\$@"; do
			[ "\$prev" = --log ] && log=\$a
			prev=\$a
		done
		"$real" "\$@"
		rc=\$?
		if [ -n "\$log" ] && [ -f "\$log" ]; then cp "\$log" "$ENG_DIR/runtime.log"; fi
		exit \$rc
	EOF
	chmod 0755 "$ECIRUN"
	export ECIRUN
}

# The script that tries to open each of its arguments for reading and says how it went.
OPEN_EACH='for f in "$@"; do
		if ( : < "$f" ) 2>/dev/null; then echo "OPENED $f"; else echo "refused $f: $( ( : < "$f" ) 2>&1 | sed "s/.*: //")"; fi
	done'

@test "--device /dev/cpu_dma_latency:/dev/fuse: the container gets no such device" {
	# runc lets it through: docker hands it /dev/fuse with cpu_dma_latency's numbers
	# and a cgroup rule for them, and the container opens the host's device.
	[ -c /dev/cpu_dma_latency ] || skip "the host has no /dev/cpu_dma_latency"
	drun --device /dev/cpu_dma_latency:/dev/fuse --device /dev/kmsg:/dev/net/tun "$IMG" \
		sh -c "for f in /dev/fuse /dev/net/tun; do test -e \$f && echo \"has \$f\" || echo \"no \$f\"; done; set -- /dev/fuse /dev/net/tun; $OPEN_EACH"
	# Refused or absent: either way nothing opens.
	if [ "$status" -eq 0 ]; then
		assert_out_contains "no /dev/fuse" "no /dev/net/tun"
	fi
	refute_out_contains "OPENED" "has /dev/fuse" "has /dev/net/tun"
}

@test "--device of a device allowedDevices does not list fails with ecirun's message naming it" {
	# runc starts them: the container gets the host's kmsg and raw disk. ecirun used to start
	# the container without the device, saying so only in the log docker deletes.
	[ -c /dev/kmsg ] || skip "the host has no /dev/kmsg"
	drun --device /dev/kmsg "$IMG" true
	assert_fail
	assert_out_contains "OCI runtime create failed" "/dev/kmsg (c 1:11)" "not in allowedDevices"
	docker_ ps -aq
	assert_out_eq ""

	# A raw disk: never given, whatever the policy says.
	local disk
	disk=$(find /dev -maxdepth 1 -type b | head -n 1)
	[ -n "$disk" ] || skip "the host has no block device in /dev"
	drun --device "$disk" "$IMG" true
	assert_fail
	assert_out_contains "OCI runtime create failed" "$disk (b $(stat -c '%Hr:%Lr' "$disk"))" \
		"never given, whatever allowedDevices says"
	docker_ ps -aq
	assert_out_eq ""
}

@test "--privileged starts without the withheld host devices, with one warning naming them" {
	[ "$ENG_RUNTIME" = ecirun ] || skip "ecirun's device policy"
	: >"$ENG_DIR/runtime.log"
	drun --privileged "$IMG" sh -c 'test -e /dev/kmsg && echo has-kmsg; ls /dev | grep -c "^loop[0-9]" || true'
	assert_ok
	refute_out_contains has-kmsg
	[ "${lines[${#lines[@]} - 1]}" = 0 ] || fail "loop devices in the --privileged container's /dev"
	output=$(grep withheld "$ENG_DIR/runtime.log")
	[ "$(grep -c withheld <<<"$output")" -eq 1 ] || fail "want one 'withheld' line in the runtime's log"
	assert_out_contains '"level":"warning"' "not in allowedDevices"
	[ ! -c /dev/kmsg ] || assert_out_contains "/dev/kmsg (c 1:11)"
}

@test "--privileged --device-cgroup-rule 'a *:* rwm' reaches no host device beyond those given" {
	# runc lets it through: --privileged (and the rule) put "a *:* rwm" in the
	# container's device cgroup, so every host device node opens in it.
	[ -c /dev/kmsg ] || skip "the host has no /dev/kmsg"
	dstart --privileged --device-cgroup-rule 'a *:* rwm' --device /dev/fuse "$IMG" sleep 1000
	wait_inspect '{{.State.Running}}' true
	local pid procs others=/dev/kmsg
	pid=$(inspect '{{.State.Pid}}')
	procs=$(host_cgroup_file "$pid" devices cgroup.procs)
	[ -f "$procs" ] || fail "no device cgroup $procs for the container"
	[ -c /dev/cpu_dma_latency ] && others="$others /dev/cpu_dma_latency"
	# From the host, a process of the host's own (host /dev) moved into the container's
	# device cgroup: only the cgroup decides. /dev/null is a default device, /dev/fuse given.
	# shellcheck disable=SC2086
	xrun sh -c 'echo $$ > "$0" || exit 99; '"$OPEN_EACH" "$procs" $others /dev/null /dev/fuse
	assert_ok
	refute_out_contains "OPENED /dev/kmsg" "OPENED /dev/cpu_dma_latency"
	assert_out_contains "refused /dev/kmsg: Operation not permitted" "OPENED /dev/null" "OPENED /dev/fuse"
}

@test "--privileged: a host-made device node in a -v volume or an image layer does not open" {
	# runc lets it through: a volume and the image keep dev, and /dev/zero's numbers
	# (1:5) are in every container's device cgroup.
	make_testdir
	mknod -m 0666 "$TESTDIR/zero" c 1 5
	# An image whose layer holds the same node.
	local layer=$TESTDIR/layer tar=$TESTDIR/image.tar
	mkdir "$layer"
	mknod -m 0666 "$layer/hostzero" c 1 5
	cp "$(eng_rootfs_tar)" "$tar"
	tar -C "$layer" --numeric-owner -rf "$tar" ./hostzero
	docker_ import -c 'CMD ["/bin/sh"]' "$tar" "$NODE_IMG"
	assert_ok
	drun --privileged -v "$TESTDIR:/vol" "$NODE_IMG" sh -c "set -- /vol/zero /hostzero; $OPEN_EACH
		head -c 4 /dev/zero | od -An -tx1
		awk '\$5 == \"/\" || \$5 == \"/vol\" { print \$5 \"-options=\" \$6 }' /proc/self/mountinfo"
	assert_ok
	refute_out_contains "OPENED"
	assert_out_contains "refused /vol/zero: Permission denied" "refused /hostzero: Permission denied" " 00 00 00 00"
	# The root (docker's overlay2, mounted again over the ID-mapped layers) and the volume are nodev.
	assert_out_match "/-options=[^ ]*nodev"
	assert_out_match "/vol-options=[^ ]*nodev"
	docker_ rmi "$NODE_IMG"
}

@test "--device /dev/fuse and --device /dev/net/tun work" {
	# Not a hole in runc: the legitimate use stays as it is.
	[ -c /dev/fuse ] && [ -c /dev/net/tun ] || skip "the host has no /dev/fuse or /dev/net/tun"
	drun --device /dev/fuse --device /dev/net/tun:/dev/net/tun "$IMG" sh -c "stat -c '%n %t:%T' /dev/fuse /dev/net/tun; set -- /dev/fuse /dev/net/tun; $OPEN_EACH"
	assert_ok
	local f
	for f in /dev/fuse /dev/net/tun; do
		assert_out_contains "$(stat -c '%n %t:%T' "$f")" "OPENED $f"
	done
}
