#!/usr/bin/env bats
# Escape attempts a docker user can make with volumes (the isolation-holes issue): volumes
# that alias the host's /, /etc or the engine's data (`o=bind,device=...`), the root disk or a
# proc as a volume, the engine's own socket. The private dockerd keeps its data and socket in
# a temp dir, not at the paths of the default policy: ecirun must find them itself. No admin
# policy is set: the defaults hold.
#
# runc and ecirun 97248e4 mount every one of them (97248e4 judged a source by the name of its
# path, and knew only the default places of the engines).

load helpers

IMG=ecirun-busybox:test

docker_hooks

# refused ARGS... -- MESSAGE...: `docker run ARGS` fails with ecirun's refusal containing
# each MESSAGE, and no container is left running.
refused() {
	local args=() before
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	before=$(running)
	drun "${args[@]}" "$IMG" sh -c 'echo ESCAPED'
	assert_fail
	refute_out_contains ESCAPED
	assert_out_contains "containers may not mount" "$@"
	assert_eq "$(running)" "$before" "running containers after the refusal"
}

running() {
	timeout 20 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" ps -q --no-trunc
}

# bind_volume NAME DEVICE: a docker volume that binds a host path.
bind_volume() {
	docker_ volume create -o type=none -o o=bind -o "device=$2" "$1"
	assert_ok "docker volume create $1"
}

@test "escape: a volume that binds the host's / (o=bind,device=/) is the host's /" {
	bind_volume hostroot /
	refused -v hostroot:/h -- "is / of the" "which the host also shows at /: that contains the restricted host path"
	[ ! -e /root/ecirun-escape ] || fail "/root/ecirun-escape exists on the host"
	docker_ volume rm hostroot
}

@test "escape: volumes that bind /etc or the engine's data root are refused" {
	bind_volume hostetc /etc
	refused -v hostetc:/h -- "is /etc of the" "that is the restricted host path /etc"
	bind_volume enginedata "$ENG_DIR/docker/data"
	refused -v enginedata:/h -- "restricted host path $ENG_DIR/docker/data (dockerd's data root)"
	docker_ volume rm hostetc enginedata
}

@test "escape: the root disk or a proc as a volume is refused" {
	local dev fstype
	docker_ volume create -o type=proc -o device=proc hostproc
	assert_ok
	refused -v hostproc:/p -- "is on the host's proc file system"
	docker_ volume rm hostproc
	dev=$(findmnt -no SOURCE /)
	fstype=$(findmnt -no FSTYPE /)
	[ -b "$dev" ] || skip "the root file system is not on a block device ($dev)"
	docker_ volume create -o "type=$fstype" -o "device=$dev" rootdisk
	assert_ok
	refused -v rootdisk:/d -- "is / of the $fstype file system $dev" "which the host also shows at /"
	docker_ volume rm rootdisk
}

@test "escape: the engine's socket, data and containerd's socket, wherever they are" {
	dstart "$IMG" sleep 1000
	local other=$CID
	refused -v "$ENG_DOCKER_SOCK:/var/run/docker.sock" -- \
		"restricted host path $ENG_DOCKER_SOCK (a unix socket that host root listens on)"
	refused -v "$ENG_CTRD_SOCK:/run/containerd.sock" -- \
		"restricted host path $ENG_CTRD_SOCK (a unix socket that host root listens on)"
	refused -v "$ENG_DIR:/x" -- "contains the restricted host path"
	refused -v "$ENG_DIR/docker/data:/x" -- "is the restricted host path $ENG_DIR/docker/data (dockerd's data root)"
	refused -v "$ENG_DIR/docker/data/containers/$other/config.v2.json:/x" -- \
		"is inside the restricted host path $ENG_DIR/docker/data (dockerd's data root)"
	refused -v "$ENG_DIR/containerd/state:/x" -- "(containerd's state directory)"
}

@test "ordinary volumes keep working: named, tmpfs, bind of a host directory, a joined container's files" {
	make_testdir
	echo from-host >"$TESTDIR/f"
	docker_ volume create -o type=tmpfs -o device=tmpfs -o o=size=1m tmpvol
	assert_ok
	drun -v named-vol:/n -v tmpvol:/t -v "$TESTDIR:/mnt" "$IMG" sh -c '
		cat /mnt/f; echo n > /n/x && cat /n/x; echo t > /t/x && cat /t/x
		grep -q localhost /etc/hosts && echo hosts-ok'
	assert_ok
	assert_out_contains from-host hosts-ok
	assert_eq "$(printf '%s\n' "${lines[@]}" | grep -cx '[nt]')" 2 "lines n and t"

	dstart --ipc shareable "$IMG" sleep 1000
	local owner=$CID
	docker_ run --rm --runtime="$ENG_RUNTIME" --network "container:$owner" --ipc "container:$owner" "$IMG" sh -c '
		cat /etc/hostname >/dev/null && echo hostname-ok; echo x > /dev/shm/x && echo shm-ok'
	assert_ok
	assert_out_contains hostname-ok shm-ok
	docker_ volume rm named-vol tmpvol
}

@test "escape: another container's network files and shm only for a container that joins it" {
	# 97248e4 let any container bind every other container's hosts, resolv.conf, hostname and
	# /dev/shm read-write (allowedMounts containers/*/...).
	dstart --ipc shareable "$IMG" sleep 1000
	local other=$CID data="$ENG_DIR/docker/data"
	refused -v "$data/containers/$other/hosts:/x" -- "is inside the restricted host path $data"
	refused -v "$data/containers/$other/mounts/shm:/x" -- "is inside the restricted host path $data"
}
