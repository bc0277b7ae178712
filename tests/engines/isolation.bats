#!/usr/bin/env bats
# dockerd 20.10 (private instance) with `--runtime=ecirun`: what the isolation
# (a user namespace with an exclusive ID block, ID-mapped file systems) means
# for a docker user. Root inside is an unprivileged uid on the host, yet every
# file docker sees (image layers, the container's upper dir, volumes, committed
# and saved images) keeps 0-based owners, as with runc.
#
# With ENG_RUNTIME=runc the owner checks pass and the user-namespace checks fail
# (runc runs docker's containers as host root): see README.md.

load helpers

IMG=ecirun-busybox:test

docker_hooks

setup() {
	TESTDIR=""
	FAKE_RECORD=""
}

teardown() {
	if [ -n "$FAKE_RECORD" ]; then
		rm -f "$FAKE_RECORD"
	fi
	docker_test_cleanup
}

# uid_map_of PID: the uid_map of a host process, one line per extent "inside host len".
uid_map_of() {
	awk '{ print $1, $2, $3 }' "/proc/$1/uid_map"
}

# host_status_ids PID Uid|Gid: the 4 ids (real, effective, saved, fs) of a host process.
host_status_ids() {
	awk -v k="$2:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$1/status"
}

require_overlay2() {
	[ "$ENG_STORAGE_DRIVER" = overlay2 ] || skip "dockerd runs on $ENG_STORAGE_DRIVER, not overlay2"
}

# upper_dir [ID]: the container's upper dir on disk (overlay2/<id>/diff under the data root).
upper_dir() {
	local u
	u=$(inspect '{{.GraphDriver.Data.UpperDir}}' "${1:-$CID}")
	case $u in
	"$ENG_DIR/docker/data/overlay2/"*/diff) echo "$u" ;;
	*) fail "upper dir '$u' is not under the data root's overlay2/" ;;
	esac
}

@test "docker run --privileged: uid 0 inside, an unprivileged uid on the host" {
	drun --privileged "$IMG" id
	assert_ok
	assert_out_contains "uid=0(root) gid=0(root)"

	dstart --privileged "$IMG" sleep 1000
	wait_inspect '{{.State.Running}}' true
	local pid ids map
	pid=$(inspect '{{.State.Pid}}')
	docker_ exec "$CID" id -u
	assert_out_eq 0

	ids=$(host_status_ids "$pid" Uid)
	output="Uid: $ids"
	read -r -a u <<<"$ids"
	[ "${u[0]}" -ne 0 ] && [ "${u[1]}" -ne 0 ] && [ "${u[2]}" -ne 0 ] && [ "${u[3]}" -ne 0 ] ||
		fail "the container's init runs as host uid 0"
	ids=$(host_status_ids "$pid" Gid)
	output="Gid: $ids"
	read -r -a g <<<"$ids"
	[ "${g[0]}" -ne 0 ] || fail "the container's init runs as host gid 0"

	map=$(uid_map_of "$pid")
	output=$map
	[ "$map" != "0 0 4294967295" ] || fail "uid_map is the identity: no user namespace"
	read -r inside host len <<<"$map"
	[ "$inside" = 0 ] && [ "$host" = "${u[0]}" ] && [ "$len" -ge 65536 ] ||
		fail "uid_map does not map container root to the init's host uid"
	# The same map seen from inside.
	docker_ exec "$CID" cat /proc/self/uid_map
	assert_ok
	[ "$(awk '{ print $1, $2, $3 }' <<<"$output")" = "$map" ] || fail "uid_map inside differs from the host's view"
}

@test "two concurrent containers have disjoint ID blocks" {
	dstart "$IMG" sleep 1000
	local a=$CID
	dstart "$IMG" sleep 1000
	local b=$CID
	wait_inspect '{{.State.Running}}' true "$a"
	wait_inspect '{{.State.Running}}' true "$b"
	local pa pb f ia ha la ib hb lb
	pa=$(inspect '{{.State.Pid}}' "$a")
	pb=$(inspect '{{.State.Pid}}' "$b")
	for f in uid_map gid_map; do
		read -r ia ha la <"/proc/$pa/$f"
		read -r ib hb lb <"/proc/$pb/$f"
		output="$f: a=$ia $ha $la b=$ib $hb $lb"
		[ "$(wc -l <"/proc/$pa/$f")" -eq 1 ] && [ "$(wc -l <"/proc/$pb/$f")" -eq 1 ] || fail "$f has several extents"
		[ "$ha" -ne 0 ] && [ "$hb" -ne 0 ] || fail "$f maps host id 0"
		((ha + la <= hb || hb + lb <= ha)) || fail "$f ranges overlap"
	done
}

@test "image files look root-owned inside" {
	drun "$IMG" ls -ln /bin/busybox /etc/passwd
	assert_ok
	assert_out_match $'(^|\n)-[^ ]+ +1 0 +0 .*/bin/busybox'
	assert_out_match $'(^|\n)-[^ ]+ +1 0 +0 .*/etc/passwd'
	# Host-root-owned image files are not nobody's (65534): they are in the mapping.
	drun "$IMG" stat -c '%u:%g %n' / /bin /etc/passwd
	assert_ok
	refute_out_contains 65534
	assert_out_contains "0:0 /" "0:0 /bin" "0:0 /etc/passwd"
}

@test "files the container creates in its rootfs are stored 0-based in its upper dir" {
	require_overlay2
	dstart "$IMG" sh -c 'echo x > /newfile; mkdir /newdir; touch /newdir/u; chown 1000:1001 /newdir/u; echo x >> /etc/passwd; touch /ready; exec sleep 1000'
	wait_inspect '{{.State.Running}}' true
	retry 50 0.1 docker_ exec "$CID" test -e /ready
	local up
	up=$(upper_dir) || return 1
	output=$(cd "$up" && stat -c '%u:%g %n' newfile newdir newdir/u etc/passwd 2>&1)
	status=0
	LAST_CMD="stat (in $up)"
	assert_out_contains "0:0 newfile" "0:0 newdir" "1000:1001 newdir/u" "0:0 etc/passwd"
}

@test "docker run -v hostdir:/mnt: root's files are host uid 0, chown keeps container ids" {
	make_testdir
	drun -v "$TESTDIR:/mnt" "$IMG" sh -c 'touch /mnt/by-root; mkdir /mnt/dir; touch /mnt/by-1000; chown 1000:1000 /mnt/by-1000; ls -ln /mnt'
	assert_ok
	output=$(stat -c '%u:%g %n' "$TESTDIR/by-root" "$TESTDIR/dir" "$TESTDIR/by-1000")
	LAST_CMD="stat on the host"
	assert_out_contains "0:0 $TESTDIR/by-root" "0:0 $TESTDIR/dir" "1000:1000 $TESTDIR/by-1000"

	drun --user 1000:1000 -v "$TESTDIR:/mnt" "$IMG" sh -c 'echo u >> /mnt/by-1000 && echo append-ok; touch /mnt/by-root'
	assert_fail
	assert_out_contains append-ok
	assert_out_icontains "permission denied"
}

@test "docker commit: the new image keeps 0-based owners" {
	dstart --name committed-src "$IMG" sh -c 'touch /newfile; echo o > /owned; chown 1000:1000 /owned; mkdir -p /home/user/d; chown -R 1000:1000 /home/user/d'
	docker_ wait "$CID"
	assert_out_eq 0
	docker_ commit "$CID" ecirun-committed:test
	assert_ok

	drun ecirun-committed:test ls -lnd /newfile /owned /home/user/d /bin/busybox
	assert_ok
	assert_out_match $'(^|\n)-[^ ]+ +1 0 +0 .*/newfile'
	assert_out_match $'(^|\n)-[^ ]+ +1 1000 +1000 .*/owned'
	assert_out_match $'(^|\n)d[^ ]+ +2 1000 +1000 .*/home/user/d'
	assert_out_match $'(^|\n)-[^ ]+ +1 0 +0 .*/bin/busybox'

	# The layer docker saves: numeric owners in the tar.
	make_testdir
	docker_ save -o "$TESTDIR/img.tar" ecirun-committed:test
	assert_ok
	mkdir "$TESTDIR/x"
	tar -C "$TESTDIR/x" -xf "$TESTDIR/img.tar"
	local top
	top=$(jq -r '.[0].Layers[-1]' "$TESTDIR/x/manifest.json")
	run tar --numeric-owner -tvf "$TESTDIR/x/$top"
	LAST_CMD="tar -tvf (top layer $top)"
	assert_ok
	assert_out_match $'(^|\n)-[^ ]+ 0/0 .* newfile'
	assert_out_match $'(^|\n)-[^ ]+ 1000/1000 .* owned'
	assert_out_match $'(^|\n)d[^ ]+ 1000/1000 .* home/user/d/'
	docker_ rmi ecirun-committed:test
}

@test "docker commit: a directory the container replaced is replaced in the image" {
	require_overlay2
	# rm + mkdir of an image directory: the upper dir gets an opaque directory,
	# which docker's overlay2 (diff, commit, export, cp) must see as one.
	dstart "$IMG" sh -c 'rm -rf /usr && mkdir /usr && touch /usr/only'
	docker_ wait "$CID"
	assert_out_eq 0
	docker_ diff "$CID"
	assert_ok
	assert_out_contains "A /usr/only"
	docker_ commit "$CID" ecirun-replaced:test
	assert_ok
	drun ecirun-replaced:test ls -A /usr
	assert_ok
	assert_out_eq only
	docker_ rmi ecirun-replaced:test
}

# The ID-block record of a docker container (its state lives in dockerd's
# runtime root; the record names the full container id).
idblock_record_of() {
	local d=${ECIRUN_STATE_DIR:-/var/lib/ecirun}/idblocks
	[ -d "$d" ] || return 1
	grep -lF "\"id\":\"$1\"" "$d"/[0-9]* 2>/dev/null | head -n 1
}

@test "docker restart, stop + start: the container keeps its upper-layer files, even on another ID block" {
	require_overlay2
	dstart "$IMG" sh -c 'if [ ! -e /f ]; then echo first > /f; mkdir /dd; touch /dd/x; chown 1000:1000 /dd/x; fi; cat /proc/self/uid_map > /map; exec sleep 1000'
	wait_inspect '{{.State.Running}}' true
	local id=$CID up first_map new_map rec index=""
	retry 50 0.1 docker_ exec "$id" test -s /map
	docker_ exec "$id" cat /map
	first_map=$output
	if [ "$ENG_RUNTIME" = ecirun ] && rec=$(idblock_record_of "$(inspect '{{.Id}}' "$id")") && [ -n "$rec" ]; then
		index=${rec##*/}
	fi

	docker_ restart -t 1 "$id"
	assert_ok
	wait_inspect '{{.State.Running}}' true "$id"
	docker_ exec "$id" sh -c 'echo after-restart >> /f && cat /f && touch /dd/x && echo ok'
	assert_ok
	assert_out_contains first after-restart ok

	# Stopped, it holds no block. Another container starts, and (when the
	# state dir is readable) the block $id had is held with a copy of that live
	# container's record (not stale, so never reclaimed): $id must take another.
	docker_ stop -t 1 "$id"
	assert_ok
	dstart "$IMG" sleep 1000
	local other=$CID
	wait_inspect '{{.State.Running}}' true "$other"
	if [ -n "$index" ] && rec=$(idblock_record_of "$(inspect '{{.Id}}' "$other")") && [ -n "$rec" ] &&
		[ ! -e "${rec%/*}/$index" ]; then
		FAKE_RECORD=${rec%/*}/$index
		cp "$rec" "$FAKE_RECORD"
	fi
	docker_ start "$id"
	assert_ok
	CID=$id
	wait_inspect '{{.State.Running}}' true "$id"
	retry 50 0.1 docker_ exec "$id" test -s /map
	docker_ exec "$id" cat /map
	new_map=$output
	if [ -n "$FAKE_RECORD" ]; then
		output="before: $first_map now: $new_map"
		[ "$new_map" != "$first_map" ] || fail "the held ID block was given again"
	else
		echo "# the ID block could not be held (state dir not found): it may have been reused" >&3
	fi
	docker_ exec "$id" sh -c 'echo after-start >> /f && cat /f && touch /dd/new && echo ok'
	assert_ok
	assert_out_contains first after-restart after-start ok
	docker_ exec -u 1000:1000 "$id" sh -c 'echo u >> /dd/x && echo user-ok'
	assert_ok
	assert_out_contains user-ok

	up=$(upper_dir "$id") || return 1
	output=$(cd "$up" && stat -c '%u:%g %n' f dd dd/x dd/new 2>&1)
	LAST_CMD="stat (in $up)"
	assert_out_contains "0:0 f" "0:0 dd" "1000:1000 dd/x" "0:0 dd/new"
}

@test "an image layer that replaces a directory with an empty one: empty inside" {
	make_testdir
	cat >"$TESTDIR/Dockerfile" <<EOF
FROM $IMG
RUN mkdir -p /d && touch /d/a && mkdir -p /d/sub && touch /d/sub/b
RUN rm -rf /d && mkdir /d
EOF
	LAST_CMD="docker build"
	run env DOCKER_BUILDKIT=0 timeout 120 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" build -q -t ecirun-opaque:test "$TESTDIR"
	assert_ok
	if [ "$ENG_STORAGE_DRIVER" = overlay2 ]; then
		# overlay2 stores the second layer's /d as an opaque directory.
		local layer
		layer=$(timeout 20 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" \
			image inspect -f '{{.GraphDriver.Data.UpperDir}}' ecirun-opaque:test)
		run python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$layer/d"
		LAST_CMD="getxattr trusted.overlay.opaque $layer/d"
		[ "$status" -ne 0 ] || assert_out_eq y
	fi
	drun ecirun-opaque:test ls -A /d
	assert_ok
	assert_out_eq ""
	drun ecirun-opaque:test sh -c 'test -e /d/a || test -e /d/sub && echo leaked; echo done'
	assert_ok
	assert_out_eq done
	docker_ rmi ecirun-opaque:test
}

@test "chown, su and tar -p inside a container" {
	drun "$IMG" sh -c '
		touch /f && chown 1000:1000 /f && ls -ln /f
		su -s /bin/sh user -c "id -u; touch /home/user/mine && stat -c %u:%g /home/user/mine; touch /root/x 2>&1"
		mkdir -p /src/sub && touch /src/a /src/sub/b && chown 1000:1000 /src/a && chown 2000:3000 /src/sub/b
		tar -C /src -cf /t.tar . && mkdir /dst && tar -C /dst -xpf /t.tar && stat -c "%u:%g %n" /dst/a /dst/sub/b'
	assert_ok
	assert_out_match $'(^|\n)-[^ ]+ +1 1000 +1000 .*/f'
	assert_out_contains $'\n1000\n' "1000:1000" "1000:1000 /dst/a" "2000:3000 /dst/sub/b"
	assert_out_icontains "permission denied"
}

@test "docker run --privileged: mounts, nested namespaces and sub-cgroups work inside" {
	# What system workloads (systemd, Docker-in-Docker) need, confined to the user namespace.
	drun --privileged "$IMG" sh -c '
		mkdir -p /mnt/t && mount -t tmpfs none /mnt/t && echo hi > /mnt/t/f && umount /mnt/t && echo TMPFS-OK
		unshare -p -m -f --mount-proc sh -c "echo PIDNS=\$\$; test -d /proc/1 && test ! -d /proc/2 && echo NEWPROC-OK"
		# The upper dir of an overlay cannot be on the overlay rootfs (as with runc): a tmpfs.
		mkdir /o && mount -t tmpfs none /o && mkdir -p /o/l /o/u /o/w /o/m && echo low > /o/l/a && mount -t overlay none -o lowerdir=/o/l,upperdir=/o/u,workdir=/o/w /o/m && cat /o/m/a && umount /o/m && echo OVERLAY-OK
		unshare -U -r sh -c "echo NESTED-USERNS-UID=\$(id -u)"
		unshare -n sh -c "echo 1 > /proc/sys/net/ipv4/ip_forward && echo IPFWD=\$(cat /proc/sys/net/ipv4/ip_forward)"
		if [ -f /sys/fs/cgroup/cgroup.procs ]; then d=/sys/fs/cgroup; else d=/sys/fs/cgroup/memory; fi
		mkdir $d/sub && echo $$ > $d/sub/cgroup.procs && grep -q ":/sub\$" /proc/self/cgroup && echo SUBCGROUP-OK'
	assert_ok
	assert_out_contains TMPFS-OK PIDNS=1 NEWPROC-OK OVERLAY-OK NESTED-USERNS-UID=0 IPFWD=1 SUBCGROUP-OK
}

@test "docker run --privileged: a read-only volume cannot be remounted read-write or unmounted" {
	TESTDIR=$(mktemp -d /tmp/ecirun-ro.XXXXXX)
	chmod 0755 "$TESTDIR"
	echo original >"$TESTDIR/f"
	drun --privileged -v "$TESTDIR:/vol:ro" "$IMG" sh -c '
		mount -o remount,bind,rw /vol 2>/dev/null && echo REMOUNTED
		umount /vol 2>/dev/null && echo UNMOUNTED
		echo pwned 2>/dev/null > /vol/f && echo WROTE
		grep " /vol " /proc/self/mountinfo | grep -q " ro," && echo still-ro'
	assert_ok
	refute_out_contains REMOUNTED UNMOUNTED WROTE
	assert_out_contains still-ro
	assert_eq "$(cat "$TESTDIR/f")" original "the volume's file on the host"
}

@test "docker run --privileged: no raw disks, /dev/mem or unlisted host devices; FUSE and TUN are there" {
	drun --privileged "$IMG" sh -c 'ls -1 /dev; ls -1 /dev/net 2>/dev/null'
	assert_ok
	local bad
	bad=$(grep -Ex 'loop[0-9]+|sd[a-z]+|vd[a-z]+|nvme[0-9n]+|mem|kmem|port|kmsg|uinput|watchdog[0-9]*|tty[0-9]+' <<<"$output" || true)
	[ -z "$bad" ] || fail "host devices the container must not get: $(echo $bad)"
	if [ -e /dev/fuse ]; then assert_out_match '(^|'$'\n'')fuse('$'\n''|$)'; fi
	if [ -e /dev/net/tun ]; then assert_out_match '(^|'$'\n'')tun('$'\n''|$)'; fi
	assert_out_match '(^|'$'\n'')null('$'\n''|$)'
}
