#!/usr/bin/env bats
# The sidecar, ecirun-fsd (docs/sidecar.md): one per container, vetting its mount(2) and
# umount2(2) through seccomp user-notify. How it runs (session, cgroup, descriptors, memory),
# what it does with each kind of call (a new proc or sysfs with the container's masks, locked;
# remounts with host IDs translated; the rest as the caller; host file systems refused), that
# it never stops answering (10,000 calls, a call blocked in a FUSE path), and that it fails
# closed and leaves nothing behind.
#
# runc has no sidecar: in its (host-root) containers the kernel alone decides. ecirun
# 97248e4 had none either: every test that needs the sidecar fails on it (no "sidecar" in
# `state`, a new proc refused as "too revealing", `remount,ro` of a tmpfs EINVAL); the
# refusals of host file systems and the fail-closed checks pass on it as the kernel's own.
#
# Exact errnos come from sidecar-helper.c, built static with gcc at test time.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# dockerd's default capabilities (what `docker run` gives), masks and read-only paths kept.
DOCKER_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
	"CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT",
	"CAP_KILL","CAP_AUDIT_WRITE"]'
caps_docker() {
	update_config '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c}
		| .process.noNewPrivileges = false' --argjson c "$DOCKER_CAPS"
}

# What `docker run --cap-add SYS_ADMIN` gives.
caps_sys_admin() {
	caps_docker
	update_config '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
}

# Every capability (what --privileged gives), with the spec's masks kept.
caps_all() {
	local caps
	caps=$("$ECIRUN" features | jq -c '.linux.capabilities')
	update_config '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c}
		| .process.noNewPrivileges = false' --argjson c "$caps"
}

# sidecar-helper in the rootfs (/bin/sidecar-helper), built once per run.
install_sidecar_helper() {
	local bin="$BATS_RUN_TMPDIR/sidecar-helper"
	if [ ! -x "$bin" ]; then
		command -v gcc >/dev/null || skip "needs gcc to build sidecar-helper.c"
		gcc -static -O1 -o "$bin.tmp" "$INTEGRATION_ROOT/sidecar-helper.c" 2>"$BATS_TEST_TMPDIR/gcc.log" ||
			skip "gcc -static cannot build sidecar-helper.c: $(tail -n1 "$BATS_TEST_TMPDIR/gcc.log")"
		mv "$bin.tmp" "$bin"
	fi
	cp "$bin" "$BUNDLE/rootfs/bin/sidecar-helper"
}

# The first of the spec's maskedPaths that is a file of this host's /proc, relative to /proc;
# MASKED_DIR the same for a directory (may be empty).
pick_masks() {
	local f
	MASKED_FILE="" MASKED_DIR=""
	for f in $(jq -r '.linux.maskedPaths[]' config.json); do
		[[ "$f" == /proc/* ]] || continue
		if [ -z "$MASKED_FILE" ] && [ -f "$f" ]; then MASKED_FILE=${f#/proc/}; fi
		if [ -z "$MASKED_DIR" ] && [ -d "$f" ]; then MASKED_DIR=${f#/proc/}; fi
	done
	[ -n "$MASKED_FILE" ] || fail "none of the spec's maskedPaths is a /proc file on this host"
	jq -e '.linux.readonlyPaths | index("/proc/sys")' config.json >/dev/null ||
		fail "the spec has no read-only /proc/sys"
}

# /bin/probe LABEL PROC MASKED in the rootfs: whether PROC/MASKED (a masked file of a proc
# mounted at PROC) is masked: "LABEL masked=BYTES/MOUNTS locked" for a mask in place (empty,
# a mount point) that cannot be unmounted. Busybox applets by their full path: it also runs
# after chroot and pivot_root into a directory holding only /bin/busybox and itself.
install_probe() {
	cat >"$BUNDLE/rootfs/bin/probe" <<'EOF'
#!/bin/busybox sh
b=/bin/busybox
n=$($b wc -c <"$2/$3")
# Mounts on PROC/MASKED whose parent is the topmost mount on PROC (the new proc).
m=$($b awk -v p="$2" -v f="$2/$3" '{ mp[NR] = $5; par[NR] = $2 } $5 == p { id = $1 }
	END { for (i = 1; i <= NR; i++) if (mp[i] == f && par[i] == id) n++; print n + 0 }' /proc/self/mountinfo)
if out=$($b umount "$2/$3" 2>&1); then u=UNMOUNTED; else u=locked; fi
echo "$1 masked=$n/$m $u"
EOF
	chmod 0755 "$BUNDLE/rootfs/bin/probe"
}

# sidecar_pid ID: from `ecirun state` (SIDECAR_PID), failing unless it is alive.
sidecar_pid() {
	ecirun state "$1"
	assert_ok || return 1
	assert_json "$stdout" '.sidecar.alive == true and (.sidecar.pid | type == "number")' || return 1
	SIDECAR_PID=$(jq -r .sidecar.pid <<<"$stdout")
}

# The sidecar's private memory: Pss in kB, and its anonymous part.
pss_kb() {
	awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup"
}
pss_anon_kb() {
	awk '$1 == "Pss_Anon:" { print $2 }' "/proc/$1/smaps_rollup"
}

fd_count() {
	ls "/proc/$1/fd" | wc -l
}

# The sidecar's cgroup directories on every hierarchy the container's cgroup is in.
sidecar_cgroup_dirs() {
	local d
	for d in $(sidecar_cgroup_paths); do
		[ -d "$d" ] && echo "$d"
	done
	return 0
}

@test "one sidecar per container: ecirun-fsd <id>, its own session, /dev/null stdio, only its descriptors, its own cgroup next to the container's; the init keeps no listener" {
	run_detached ct1 'sleep 1000'
	sidecar_pid ct1
	local p=$SIDECAR_PID init
	init=$(jq -r .pid <<<"$stdout")

	# ps shows which container it serves.
	xrun ps -o args= -p "$p"
	assert_out_eq "ecirun-fsd ct1 $(readlink -f "$ROOT")/ct1"
	xrun ps -o sid=,ppid= -p "$p"
	[ "$(awk '{ print $1 }' <<<"$output")" -eq "$p" ] || fail "not the leader of its own session"
	[ "$(awk '{ print $2 }' <<<"$output")" -ne "$init" ] || fail "the init is its parent"
	# The init is not its child either (the shim reaps the init).
	[ "$(awk '{ print $4 }' "/proc/$init/stat")" -ne "$p" ] || fail "the sidecar is the init's parent"

	# stdio on /dev/null, the init's pidfd and one listener, its state directory and socket.
	local fd target links=""
	for fd in 0 1 2; do
		assert_eq "$(readlink "/proc/$p/fd/$fd")" /dev/null "fd $fd of the sidecar"
	done
	for fd in $(ls "/proc/$p/fd"); do links+="$(readlink "/proc/$p/fd/$fd")|"; done
	echo "sidecar fds: $links" >&2
	[ "$(tr '|' '\n' <<<"$links" | grep -c 'anon_inode:\[pidfd\]')" -eq 1 ] || fail "expected one pidfd: $links"
	[ "$(tr '|' '\n' <<<"$links" | grep -c 'seccomp notify')" -eq 1 ] || fail "expected one listener: $links"
	tr '|' '\n' <<<"$links" | grep -Evq '^(/dev/null|anon_inode:\[pidfd\]|anon_inode:seccomp notify|socket:.*|'"$(readlink -f "$ROOT")"'/ct1|)$' &&
		fail "the sidecar holds other descriptors: $links"
	# Fail closed: no container process holds a copy of the listener.
	for fd in $(ls "/proc/$init/fd"); do
		target=$(readlink "/proc/$init/fd/$fd")
		[[ "$target" != *"seccomp notify"* ]] || fail "the init holds the listener (fd $fd)"
	done

	# Its own cgroup, named after the container's, on every hierarchy; not the container's.
	local line n=0
	while read -r line; do
		[[ "$line" == *":$CGROUP@fsd" ]] || fail "the sidecar's cgroup line: $line"
		n=$((n + 1))
	done <"/proc/$p/cgroup"
	[ "$n" -gt 0 ] || fail "no cgroup lines"
	grep -q ":$CGROUP\$" "/proc/$init/cgroup" || fail "the init is not in the container's cgroup"
	# Small limits, whatever the container's.
	local d seen=""
	for d in $(sidecar_cgroup_dirs); do
		[ -f "$d/pids.max" ] && { assert_eq "$(cat "$d/pids.max")" 256 "$d/pids.max"; seen+=p; }
		[ -f "$d/memory.limit_in_bytes" ] && { assert_eq "$(cat "$d/memory.limit_in_bytes")" $((64 << 20)) "$d/memory.limit_in_bytes"; seen+=m; }
		[ -f "$d/memory.max" ] && { assert_eq "$(cat "$d/memory.max")" $((64 << 20)) "$d/memory.max"; seen+=m; }
		[ -f "$d/cpu.shares" ] && { assert_eq "$(cat "$d/cpu.shares")" 256 "$d/cpu.shares"; seen+=c; }
		[ -f "$d/cpu.weight" ] && { assert_eq "$(cat "$d/cpu.weight")" 10 "$d/cpu.weight"; seen+=c; }
	done
	[[ "$seen" == *p* && "$seen" == *m* && "$seen" == *c* ]] || fail "pids, memory and cpu limits not all found ($seen)"

	# Its private memory stays within 1 MiB.
	local pss
	pss=$(pss_kb "$p")
	echo "sidecar Pss: $pss kB" >&2
	[ "$pss" -le 1024 ] || fail "Pss $pss kB > 1024 kB"

	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}

@test "with CAP_SYS_ADMIN and the masks: a new proc has the container's masks and read-only paths, locked, for its pid namespace; a new sysfs too" {
	caps_sys_admin
	install_sidecar_helper
	pick_masks
	local dircheck=":"
	[ -n "$MASKED_DIR" ] && dircheck='echo "dir entries=$(ls -A /tmp/p/'"$MASKED_DIR"' | wc -l)"; sidecar-helper umount /tmp/p/'"$MASKED_DIR"
	set_cmd "f=$MASKED_FILE"'
		mkdir -p /tmp/p /tmp/s
		sidecar-helper mount proc /tmp/p proc nosuid,nodev,noexec -
		echo "pid1=$(tr "\0" " " < /tmp/p/1/cmdline | cut -c1-5)"
		echo "masked bytes=$(wc -c < /tmp/p/$f) mounts=$(grep -c " /tmp/p/$f " /proc/self/mountinfo)"
		sidecar-helper umount /tmp/p/$f
		'"$dircheck"'
		sidecar-helper mount - /tmp/p/sys - remount,bind -
		sh -c "echo x > /tmp/p/sys/kernel/hostname" 2>/dev/null && echo "WROTE /proc/sys"
		sidecar-helper umount /tmp/p detach
		sidecar-helper mount sysfs /tmp/s sysfs - -
		echo "firmware entries=$(ls -A /tmp/s/firmware | wc -l)"
		sidecar-helper umount /tmp/s/firmware
		echo "net=$(ls /tmp/s/class/net | tr "\n" " ") own=$(ls /sys/class/net | tr "\n" " ")"
		sidecar-helper umount /tmp/s detach
		echo done'
	ecirun run ct1
	assert_ok
	# The workload is `sh -c script`: pid 1 of the new proc is the container's own init.
	assert_out_contains "pid1=sh -c" "masked bytes=0 mounts=1" done
	local out=$output
	# In order: the proc mount, the mask's umount (locked: EINVAL), the read-only path's
	# remount rw (locked: EPERM), the whole proc's lazy umount, sysfs, its mask's umount.
	output=$(grep -E '^(ok|errno=)' <<<"$out" | tr '\n' ' ')
	if [ -n "$MASKED_DIR" ]; then
		assert_out_eq "ok errno=EINVAL errno=EINVAL errno=EPERM ok ok errno=EINVAL ok "
		output=$out
		assert_out_contains "dir entries=0"
	else
		assert_out_eq "ok errno=EINVAL errno=EPERM ok ok errno=EINVAL ok "
	fi
	output=$out
	refute_out_contains "WROTE"
	assert_out_contains "firmware entries=0"
	local net own
	net=$(sed -n 's/^net=\(.*\) own=.*/\1/p' <<<"$out")
	own=$(sed -n 's/.* own=\(.*\)/\1/p' <<<"$out")
	assert_eq "$net" "$own" "the new sysfs's network devices (the container's network namespace)"
	assert_nothing_left
}

@test "a new proc in nested pid and mount namespaces, after chroot and after pivot_root, has the masks" {
	caps_all
	install_probe
	pick_masks
	set_cmd "f=$MASKED_FILE"'
		unshare -p -f --mount-proc sh -c "echo nested pid=\$\$; probe nested /proc $f"
		mkdir -p /tmp/q
		unshare -m sh -c "mount -t proc proc /tmp/q && probe mntns /tmp/q $f"
		mkdir -p /tmp/cr/bin /tmp/cr/proc
		cp /bin/busybox /bin/probe /tmp/cr/bin/
		chroot /tmp/cr /bin/busybox sh -c "/bin/busybox mount -t proc proc /proc && /bin/probe chroot /proc $f"
		mkdir -p /tmp/pr
		unshare -m sh -c "mount -t tmpfs t /tmp/pr && mkdir /tmp/pr/bin /tmp/pr/proc /tmp/pr/old && cp /bin/busybox /bin/probe /tmp/pr/bin/ && cd /tmp/pr && pivot_root . old && exec /bin/busybox sh -c \"/bin/busybox umount -l /old; /bin/busybox mount -t proc proc /proc && /bin/probe pivot /proc $f\""
		echo done'
	ecirun run ct1
	assert_ok
	assert_out_contains "nested pid=1" "nested masked=0/1 locked" "mntns masked=0/1 locked" \
		"chroot masked=0/1 locked" "pivot masked=0/1 locked" done
	refute_out_contains UNMOUNTED
	assert_nothing_left
}

@test "the container's own mounts: tmpfs with remount ro and rw (the host IDs busybox passes back translated), umount; binds of its directories; overlay on a tmpfs; --make-rprivate /" {
	caps_sys_admin
	set_cmd '
		mkdir -p /tmp/m /tmp/a /tmp/b /tmp/o
		mount -t tmpfs t /tmp/m && echo "tmpfs $(grep " /tmp/m " /proc/self/mountinfo | sed "s/.* - //")"
		mount -o remount,ro /tmp/m && echo remount-ro-ok
		touch /tmp/m/x 2>/dev/null && echo "WROTE ro"
		mount -o remount,rw /tmp/m && touch /tmp/m/x && echo remount-rw-ok
		umount /tmp/m && echo umount-ok
		echo hi > /tmp/a/f
		mount --bind /tmp/a /tmp/b && echo "bind $(cat /tmp/b/f)"
		mount -o remount,bind,ro /tmp/b && ! touch /tmp/b/g 2>/dev/null && echo bind-ro-ok
		umount /tmp/b && echo bind-umount-ok
		mount -t tmpfs t /tmp/o && mkdir /tmp/o/l /tmp/o/u /tmp/o/w /tmp/o/m && echo lower > /tmp/o/l/f
		mount -t overlay o -o lowerdir=/tmp/o/l,upperdir=/tmp/o/u,workdir=/tmp/o/w /tmp/o/m &&
			echo "overlay $(cat /tmp/o/m/f)" && echo up > /tmp/o/m/g && test -f /tmp/o/u/g && echo overlay-upper-ok
		umount /tmp/o/m && umount /tmp/o && echo overlay-umount-ok
		mount --make-rprivate / && echo rprivate-ok
		echo done'
	ecirun run ct1
	assert_ok
	# The case that needs translating: tmpfs shows its owner as a host ID (the container
	# root's, from its block), not as 0.
	assert_out_match "tmpfs t rw,.*uid=[1-9][0-9]*"
	assert_out_contains remount-ro-ok remount-rw-ok umount-ok "bind hi" bind-ro-ok bind-umount-ok \
		"overlay lower" overlay-upper-ok overlay-umount-ok rprivate-ok done
	refute_out_contains "WROTE"
	assert_nothing_left
}

# systemd, runc (Docker-in-Docker) and libmount mount through descriptors: the helper must
# see the caller's /proc/self/fd/N.
@test "mounts named through the caller's descriptors (/proc/self/fd/N): tmpfs, a bind, a new proc" {
	caps_sys_admin
	install_sidecar_helper
	install_probe
	pick_masks
	set_cmd "f=$MASKED_FILE"'
		mkdir -p /tmp/a /tmp/b /tmp/p /tmp/t
		echo hi > /tmp/a/f
		echo "tmpfs $(sidecar-helper viafd tmpfs t /tmp/t) $(grep -c " /tmp/t " /proc/self/mountinfo)"
		echo "bind $(sidecar-helper viafd - /tmp/a /tmp/b) $(cat /tmp/b/f)"
		echo "proc $(sidecar-helper viafd proc proc /tmp/p) $(probe via-fd /tmp/p $f)"
		echo done'
	ecirun run ct1
	assert_ok
	assert_out_contains "tmpfs ok 1" "bind ok hi" "proc ok via-fd masked=0/1 locked" done
	assert_nothing_left
}

@test "refused as the kernel refuses (EPERM; ENODEV for a type the host lacks), nothing mounted: file systems that show the host, and file systems on block devices" {
	caps_all
	install_sidecar_helper
	set_cmd '
		mkdir -p /tmp/m
		before=$(wc -l < /proc/self/mountinfo)
		for t in debugfs tracefs securityfs pstore bpf configfs fusectl efivarfs devtmpfs; do
			echo "$t $(sidecar-helper mount none /tmp/m $t - -)"
		done
		echo "ext4 $(sidecar-helper mount /dev/null /tmp/m ext4 - -)"
		echo "fault $(sidecar-helper fault)"
		echo "unknown $(sidecar-helper mount none /tmp/m nosuchfs - -)"
		echo "mounts $before $(wc -l < /proc/self/mountinfo)"
		echo done'
	ecirun run ct1
	assert_ok
	local t want
	for t in debugfs tracefs securityfs pstore bpf configfs fusectl efivarfs devtmpfs ext4; do
		want=EPERM
		grep -qw "$t" /proc/filesystems || want=ENODEV
		assert_out_contains "$t errno=$want"
	done
	assert_out_contains "fault errno=EFAULT" "unknown errno=ENODEV" done
	local counts
	counts=$(sed -n 's/^mounts //p' <<<"$output")
	assert_eq "${counts% *}" "${counts#* }" "mountinfo lines before and after"
	assert_nothing_left
}

@test "performed as the caller: without CAP_SYS_ADMIN mounts fail with EPERM, as root of a nested user namespace they work" {
	caps_docker
	install_sidecar_helper
	install_probe
	pick_masks
	set_cmd "f=$MASKED_FILE"'
		mkdir -p /tmp/m
		echo "plain $(sidecar-helper mount t /tmp/m tmpfs - -)"
		echo "plain-proc $(sidecar-helper mount proc /tmp/m proc - -)"
		unshare -U -r -m sh -c "echo nested-tmpfs \$(sidecar-helper mount t /tmp/m tmpfs - -)"
		unshare -U -r -m -p -f sh -c "mount -t proc proc /tmp/m && probe nested-proc /tmp/m $f"
		echo done'
	ecirun run ct1
	assert_ok
	assert_out_contains "plain errno=EPERM" "plain-proc errno=EPERM" "nested-tmpfs ok" \
		"nested-proc masked=0/1 locked" done
	assert_nothing_left
}

@test "creation-time mounts stay immutable through the sidecar" {
	caps_all
	install_sidecar_helper
	pick_masks
	set_cmd "f=$MASKED_FILE"'
		echo "mask $(sidecar-helper umount /proc/$f)"
		echo "procsys $(sidecar-helper mount - /proc/sys - remount,bind -)"
		echo "sys $(sidecar-helper mount - /sys - remount,bind -)"
		echo "move $(sidecar-helper mount /proc /tmp - move -)"
		echo done'
	ecirun run ct1
	assert_ok
	assert_out_contains "mask errno=EINVAL" "procsys errno=EPERM" "sys errno=EPERM" "move errno=EINVAL" done
	assert_nothing_left
}

@test "32-bit callers (int 0x80): mount, umount and umount2 are vetted too" {
	[ "$(uname -m)" = x86_64 ] || skip "x86_64 only"
	command -v as >/dev/null && command -v ld >/dev/null || skip "needs binutils (as, ld)"
	as --32 -o "$BATS_TEST_TMPDIR/m32.o" "$INTEGRATION_ROOT/sidecar-helper32.S" &&
		ld -m elf_i386 -o "$BUNDLE/rootfs/bin/m32" "$BATS_TEST_TMPDIR/m32.o" || skip "cannot build a 32-bit program"
	caps_sys_admin
	run_detached ct1 'mkdir -p /tmp/m32; exec sleep 1000'
	ecirun exec ct1 sh -c 'm32; echo "m32=$?"'
	assert_out_contains "m32=0"
	# Trapped, not merely allowed: with the sidecar gone they fail with ENOSYS (38).
	sidecar_pid ct1
	kill -9 "$SIDECAR_PID"
	retry 50 0.1 process_gone "$SIDECAR_PID"
	ecirun exec ct1 sh -c 'm32; echo "m32=$?"'
	assert_out_contains "m32=38"
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}

@test "10,000 vetted mount/umount pairs leak nothing in the sidecar: descriptors, memory, mounts, processes" {
	caps_sys_admin
	install_sidecar_helper
	run_detached ct1 'mkdir -p /tmp/m; exec sleep 1000'
	sidecar_pid ct1
	local p=$SIDECAR_PID init fds0 anon0 pss0 mounts0 cmounts0
	init=$(jq -r .pid <<<"$stdout")
	# Warm up (first helpers fault in the pages every later one shares), then measure.
	ecirun exec ct1 sidecar-helper loop 100 /tmp/m
	assert_ok
	fds0=$(fd_count "$p") anon0=$(pss_anon_kb "$p") pss0=$(pss_kb "$p")
	mounts0=$(wc -l </proc/self/mountinfo)
	cmounts0=$(wc -l <"/proc/$init/mountinfo")
	ECIRUN_TIMEOUT=600 ecirun exec ct1 sidecar-helper loop 10000 /tmp/m
	assert_ok
	assert_out_contains "loop done=10000 failed=0"
	local fds1 anon1 pss1
	fds1=$(fd_count "$p") anon1=$(pss_anon_kb "$p") pss1=$(pss_kb "$p")
	echo "sidecar: fds $fds0 -> $fds1, Pss $pss0 -> $pss1 kB, Pss_Anon $anon0 -> $anon1 kB" >&2
	assert_eq "$fds1" "$fds0" "the sidecar's descriptors"
	[ "$anon1" -le $((anon0 + 16)) ] || fail "the sidecar's anonymous memory grew: $anon0 -> $anon1 kB"
	[ "$pss1" -le 1024 ] || fail "Pss $pss1 kB > 1024 kB"
	assert_eq "$(wc -l </proc/self/mountinfo)" "$mounts0" "the host's mounts"
	assert_eq "$(wc -l <"/proc/$init/mountinfo")" "$cmounts0" "the container's mounts"
	# Only the sidecar in its cgroup: every helper has ended.
	local d
	for d in $(sidecar_cgroup_dirs); do
		[ -f "$d/cgroup.procs" ] || continue
		retry 50 0.1 test "$(cat "$d/cgroup.procs")" = "$p" ||
			fail "left in $d: $(cat "$d/cgroup.procs")"
	done
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}

@test "a caller blocked inside a vetted mount (a FUSE path) never stops other calls being answered" {
	caps_sys_admin
	update_config '.linux.devices += [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0}]
		| .linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"}]'
	# Nobody reads /dev/fuse: a lookup below /tmp/f waits forever. The FUSE mount itself is
	# vetted too (its fd= names the caller's descriptor).
	run_detached ct1 '
		mkdir -p /tmp/f /tmp/m
		exec 3<>/dev/fuse
		mount -t fuse -o fd=3,rootmode=40000,user_id=0,group_id=0 f /tmp/f && echo fuse-ok
		mount -t tmpfs t /tmp/f/below &
		echo $! > /tmp/blocked.pid
		exec sleep 1000'
	wait_for_file 50 0.1 "$ECIRUN_LAST_LOG" fuse-ok
	wait_for_file 50 0.1 "$BUNDLE/rootfs/tmp/blocked.pid"
	local blocked
	blocked=$(cat "$BUNDLE/rootfs/tmp/blocked.pid")
	[ -n "$blocked" ] || fail "no pid of the blocked mount"
	# Every other call is answered meanwhile, many in a row.
	ECIRUN_TIMEOUT=20 ecirun exec ct1 sh -c 'i=0; while [ $i -lt 20 ]; do mount -t tmpfs t /tmp/m && umount /tmp/m || exit 1; i=$((i + 1)); done; echo others-ok'
	assert_ok
	assert_out_contains others-ok
	# The blocked one is still blocked (its helper waits in the FUSE lookup).
	ecirun exec ct1 sh -c "test -d /proc/$blocked && echo still-blocked"
	assert_out_contains still-blocked
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}

@test "kill -9 of the sidecar: the next mount fails with ENOSYS at once, state and the log say it is gone, delete leaves nothing" {
	caps_sys_admin
	install_sidecar_helper
	run_detached ct1 'mkdir -p /tmp/m; while [ ! -e /go ]; do sleep 0.1; done; echo "init $(sidecar-helper mount t /tmp/m tmpfs - -)"; exec sleep 1000'
	local log=$ECIRUN_LAST_LOG
	sidecar_pid ct1
	kill -9 "$SIDECAR_PID"
	retry 50 0.1 process_gone "$SIDECAR_PID" || fail "the sidecar survived SIGKILL"
	ecirun state ct1
	assert_ok
	LAST_CMD="$LAST_CMD (stderr)" output=$stderr assert_out_contains "sidecar (pid $SIDECAR_PID) is gone"
	assert_json "$stdout" '.status == "running" and .sidecar.pid == $p and .sidecar.alive == false' --argjson p "$SIDECAR_PID"
	# The workload's own next mount (a process that was there before), and an exec'd one's.
	touch "$BUNDLE/rootfs/go"
	wait_for_file 50 0.1 "$log" '^init '
	grep -q "init errno=ENOSYS" "$log" || fail "the init's mount: $(grep '^init ' "$log")"
	ECIRUN_TIMEOUT=10 ecirun exec ct1 sidecar-helper mount t /tmp/m tmpfs - -
	assert_out_contains "errno=ENOSYS"
	ecirun delete ct1
	assert_fail
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}

@test "kill -9 of every process (init, sidecar), then delete --force: nothing left" {
	caps_sys_admin
	run_detached ct1 'exec sleep 1000'
	sidecar_pid ct1
	local init
	init=$(jq -r .pid <<<"$stdout")
	kill -9 "$init" "$SIDECAR_PID"
	retry 50 0.1 process_gone "$SIDECAR_PID" || fail "the sidecar survived SIGKILL"
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}

@test "the sidecar exits by itself when the init does, and delete of a stopped container leaves nothing" {
	set_cmd 'exec sleep 1000'
	ecirun run -d ct1
	assert_ok
	sidecar_pid ct1
	ecirun kill ct1 KILL
	assert_ok
	retry 50 0.1 process_gone "$SIDECAR_PID" || fail "the sidecar outlived the init"
	ecirun delete ct1
	assert_ok
	assert_nothing_left
}

@test "a paused container does not freeze its sidecar" {
	run_detached ct1 'exec sleep 1000'
	sidecar_pid ct1
	ecirun pause ct1
	assert_ok
	local d state
	for d in $(sidecar_cgroup_dirs); do
		[ -f "$d/freezer.state" ] && assert_eq "$(cat "$d/freezer.state")" THAWED "$d/freezer.state"
		[ -f "$d/cgroup.freeze" ] && assert_eq "$(cat "$d/cgroup.freeze")" 0 "$d/cgroup.freeze"
	done
	state=$(awk '{ print $3 }' "/proc/$SIDECAR_PID/stat")
	[ "$state" = S ] || [ "$state" = R ] || fail "the sidecar is in state $state"
	ecirun resume ct1
	assert_ok
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}

@test "exec'd processes are vetted by the same sidecar: a new proc from exec has the masks" {
	caps_sys_admin
	install_probe
	pick_masks
	run_detached ct1 'exec sleep 1000'
	ecirun exec ct1 sh -c "mkdir -p /tmp/p && mount -t proc proc /tmp/p && probe exec /tmp/p $MASKED_FILE"
	assert_ok
	assert_out_contains "exec masked=0/1 locked"
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}

@test "config.json's seccomp: its SCMP_ACT_ERRNO for mount wins, its SCMP_ACT_ALLOW is still vetted" {
	caps_sys_admin
	install_sidecar_helper
	install_probe
	pick_masks
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": [],
		"syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 15,
			"args": [{"index": 4, "value": 0, "op": "SCMP_CMP_EQ"}]},
			{"names": ["umount2"], "action": "SCMP_ACT_ALLOW"}]}'
	# mount with NULL data: ENOTBLK (15) from the config; with data: vetted (a masked proc).
	set_cmd "f=$MASKED_FILE"'
		mkdir -p /tmp/p
		echo "null-data $(sidecar-helper mount t /tmp/p tmpfs - -)"
		echo "with-data $(sidecar-helper mount proc /tmp/p proc - hidepid=0)"
		probe vetted /tmp/p $f
		echo done'
	ecirun run ct1
	assert_ok
	assert_out_contains "null-data errno=ENOTBLK" "with-data ok" "vetted masked=0/1 locked" done
	assert_nothing_left
}

@test "config.json's own notify agent (listenerPath): no sidecar, the agent's calls are its own, mounts go to the kernel" {
	requires python3
	caps_sys_admin
	start_listener --id ct1 --metadata m --errno 30 --log "$BATS_TEST_TMPDIR/notif.log"
	seccomp_notify_config "$LISTENER_SOCK" m
	set_cmd 'mkdir /newdir; echo "mkdir=$?"; mkdir -p /tmp; mount -t proc proc /tmp 2>/dev/null && echo PROC-MOUNTED; exec sleep 1000'
	ecirun run -d ct1
	assert_ok
	local log=$ECIRUN_LAST_LOG
	wait_for_container 50 0.1 ct1 running
	ecirun state ct1
	assert_json "$stdout" '.sidecar == null'
	[ -z "$(sidecar_pids)" ] || fail "a sidecar runs: $(sidecar_pids)"
	wait_for_file 50 0.1 "$log" mkdir=
	grep -q "mkdir=1" "$log" || fail "the agent did not answer mkdir"
	! grep -q PROC-MOUNTED "$log" || fail "a new proc past the masks"
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
}

@test "mountVetting \"off\" in the policy: no sidecar, the kernel's rules alone" {
	echo '{"mountVetting": "off"}' >"$TESTDIR/policy.json"
	export ECIRUN_POLICY="$TESTDIR/policy.json"
	caps_sys_admin
	set_cmd 'mkdir -p /tmp/m; mount -t proc proc /tmp/m 2>/dev/null && echo PROC-MOUNTED; mount -t tmpfs t /tmp/m && echo tmpfs-ok; exec sleep 1000'
	ecirun run -d ct1
	assert_ok
	local log=$ECIRUN_LAST_LOG
	wait_for_container 50 0.1 ct1 running
	ecirun state ct1
	assert_json "$stdout" '.sidecar == null'
	[ -z "$(sidecar_pids)" ] || fail "a sidecar runs"
	wait_for_file 50 0.1 "$log" tmpfs-ok
	! grep -q PROC-MOUNTED "$log" || fail "the kernel allowed a new proc past the masks"
	ecirun delete --force ct1
	assert_ok
	assert_nothing_left
	unset ECIRUN_POLICY
}
