#!/usr/bin/env bats
# config.json mounts, masked and read-only paths, root propagation.

load helpers

setup() {
	setup_bundle
	HOSTDIR="$TESTDIR/hostdir"
	mkdir -p "$HOSTDIR"
	echo "from-the-host" >"$HOSTDIR/hostfile"
}

teardown() {
	teardown_bundle
}

# add_mount DEST TYPE SOURCE OPTION...
add_mount() {
	local dest=$1 type=$2 src=$3
	shift 3
	local opts
	opts=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
	update_config '.mounts += [{"destination": $d, "type": $t, "source": $s, "options": $o}]' \
		--arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$opts"
}

@test "bind mount of a host directory, read-write" {
	add_mount /mnt/rw bind "$HOSTDIR" rbind rw
	set_cmd 'cat /mnt/rw/hostfile && echo "from-the-container" > /mnt/rw/ctfile'
	ecirun run ct1
	assert_ok
	assert_out_contains "from-the-host"
	assert_eq "$(cat "$HOSTDIR/ctfile")" "from-the-container" "file written through the bind mount"
}

@test "bind mount of a host directory, read-only" {
	add_mount /mnt/ro bind "$HOSTDIR" rbind ro
	set_cmd 'cat /mnt/ro/hostfile; touch /mnt/ro/ctfile; echo "touch=$?"; grep " /mnt/ro " /proc/self/mountinfo'
	ecirun run ct1
	assert_ok
	assert_out_contains "from-the-host" "Read-only file system" "touch=1"
	assert_out_match ' /mnt/ro ro,'
	[ ! -e "$HOSTDIR/ctfile" ] || fail "a read-only bind mount was written to"
}

@test "bind mount of a single file" {
	add_mount /etc/injected bind "$HOSTDIR/hostfile" bind ro
	set_cmd 'cat /etc/injected'
	ecirun run ct1
	assert_ok
	assert_out_eq "from-the-host"
}

@test "tmpfs with size and mode options" {
	add_mount /scratch tmpfs tmpfs nosuid nodev size=1m mode=1770
	set_cmd 'grep " /scratch " /proc/mounts; stat -c "mode=%a" /scratch'
	ecirun run ct1
	assert_ok
	# 1m is 1024k; /proc/mounts prints the size in k.
	assert_out_match 'tmpfs /scratch tmpfs [^ ]*size=1024k'
	assert_out_match 'tmpfs /scratch tmpfs [^ ]*mode=1770'
	assert_out_match 'tmpfs /scratch tmpfs [^ ]*nosuid'
	assert_out_contains "mode=1770"
}

@test "proc and sysfs are mounted" {
	set_cmd 'grep -E "^[^ ]+ /(proc|sys) " /proc/mounts; cat /proc/self/comm; ls /sys/class/net'
	ecirun run ct1
	assert_ok
	assert_out_match '(^|'$'\n'')[^ ]+ /proc proc '
	# The spec default mounts /sys read-only.
	assert_out_match '(^|'$'\n'')[^ ]+ /sys sysfs ro[, ]'
	assert_out_contains "cat" "lo"
}

@test "maskedPaths: files read as empty, directories are empty" {
	mkdir -p "$BUNDLE/rootfs/opt/secretdir"
	echo "hidden" >"$BUNDLE/rootfs/opt/secretdir/file"
	echo "hidden" >"$BUNDLE/rootfs/opt/secretfile"
	# A /proc file from the spec's default list that this kernel has.
	local procfile="" f
	for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
		if [ -e "$f" ]; then
			procfile=$f
			break
		fi
	done
	[ -n "$procfile" ] || procfile=/proc/keys
	update_config '.linux.maskedPaths += ["/opt/secretdir", "/opt/secretfile", $p]' --arg p "$procfile"
	set_cmd 'stat -c "procfile %F %t:%T" '"$procfile"'; echo "proc=[$(cat '"$procfile"')]"; echo "dir=[$(ls -A /opt/secretdir)]"; echo "file=[$(cat /opt/secretfile)]"; echo x > /opt/secretfile'
	ecirun run ct1
	assert_ok
	# A masked file is the null device (1:3) bind-mounted over it.
	assert_out_contains "procfile character special file 1:3" "proc=[]"
	assert_out_contains "dir=[]" "file=[]"
	refute_out_contains "hidden"
	# The masks cannot be used to write over the masked file.
	assert_eq "$(cat "$BUNDLE/rootfs/opt/secretfile")" "hidden" "masked file on disk"
}

@test "readonlyPaths: /proc/sys and a rootfs directory are read-only" {
	mkdir -p "$BUNDLE/rootfs/data"
	update_config '.linux.readonlyPaths += ["/data"]'
	set_cmd 'echo ctname > /proc/sys/kernel/hostname; echo "sys=$?"; touch /data/x; echo "data=$?"; touch /tmp/ok; echo "tmp=$?"'
	ecirun run ct1
	assert_ok
	assert_out_contains "Read-only file system" "sys=1" "data=1" "tmp=0"
	[ ! -e "$BUNDLE/rootfs/data/x" ] || fail "wrote into a readonlyPath"
}

@test "root.readonly makes / read-only" {
	update_config '.root.readonly = true'
	set_cmd 'touch /newfile; echo "root=$?"; touch /dev/shm/ok; echo "shm=$?"; grep -E "^[^ ]+ / " /proc/mounts'
	ecirun run ct1
	assert_ok
	assert_out_contains "Read-only file system" "root=1" "shm=0"
	assert_out_match ' / [^ ]+ ro[, ]'
	[ ! -e "$BUNDLE/rootfs/newfile" ] || fail "wrote into a read-only root"
}

@test "a mount destination that is a symlink out of the rootfs stays inside the rootfs" {
	local outside="$TESTDIR/outside" outside2="$TESTDIR/outside2"
	mkdir -p "$outside" "$outside2"
	echo "host" >"$outside/outside-marker"
	echo "host" >"$outside2/outside-marker"
	echo "source" >"$HOSTDIR/src-marker"
	# Absolute and relative symlinks that point at host directories.
	ln -s "$outside" "$BUNDLE/rootfs/evil-abs"
	ln -s "../../../../../../../../../../..$outside2" "$BUNDLE/rootfs/evil-rel"
	add_mount /evil-abs bind "$HOSTDIR" rbind rw
	add_mount /evil-rel tmpfs tmpfs size=1m

	set_cmd 'echo "abs=[$(cat /evil-abs/src-marker)]"; echo "rel=[$(ls /evil-rel/)]"; ls /evil-abs/ /evil-rel/; touch /evil-abs/written-abs /evil-rel/written-rel; echo done'
	ecirun run ct1
	# Either the runtime refuses the symlink, or it follows it inside the rootfs.
	if [ "$status" -eq 0 ]; then
		assert_out_contains "abs=[source]" "rel=[]" "done"
		refute_out_contains "outside-marker"
	fi
	# The host directory is untouched either way, and nothing is mounted on it.
	assert_eq "$(ls -A "$outside")" "outside-marker" "host directory content"
	assert_eq "$(ls -A "$outside2")" "outside-marker" "host directory content"
	xrun grep -cE " ($outside|$outside2) " /proc/self/mountinfo
	assert_out_eq 0
	assert_eq "$(ls -A "$HOSTDIR" | sort | tr '\n' ' ')" "hostfile src-marker written-abs " "bind source content"
}

# runc 1.1.5 FAILS the "shared" half on hosts whose rootfs directory sits on a
# private mount (this machine: / is private): it makes the rootfs's parent
# mount private before bind-mounting the rootfs, and never re-applies the
# propagation to the new / after pivot_root. runc's own upstream test
# (mounts_propagation.bats) expects "shared".
@test "rootfsPropagation" {
	local prop
	for prop in shared private; do
		update_config '.linux.rootfsPropagation = $p' --arg p "$prop"
		set_cmd 'awk "\$5 == \"/\"" /proc/self/mountinfo'
		ecirun run "ct-$prop"
		assert_ok
		case $prop in
		shared) assert_out_match ' shared:[0-9]+' ;;
		private) refute_out_contains "shared:" "master:" ;;
		esac
	done
}

@test "/dev/shm and /dev/mqueue" {
	set_cmd 'grep -E " /dev/(shm|mqueue) " /proc/mounts; stat -c "shm=%a" /dev/shm; echo x > /dev/shm/f && echo shm-writable'
	ecirun run ct1
	assert_ok
	assert_out_match 'shm /dev/shm tmpfs [^ ]*nosuid[^ ]*nodev[^ ]*noexec|shm /dev/shm tmpfs [^ ]*(nosuid|nodev|noexec)'
	assert_out_match 'mqueue /dev/mqueue mqueue '
	assert_out_contains "shm=1777" "shm-writable"
}

@test "cgroup mount at /sys/fs/cgroup is read-only and shows the container's cgroup" {
	set_cmd 'grep " /sys/fs/cgroup" /proc/mounts; ls /sys/fs/cgroup; touch /sys/fs/cgroup/x; echo "touch=$?"'
	ecirun run ct1
	assert_ok
	assert_out_match ' /sys/fs/cgroup[^ ]* (cgroup|cgroup2|tmpfs) ro[, ]'
	assert_out_contains "touch=1"
	if cgroup_is_v2; then
		assert_out_contains "cgroup.procs"
	else
		assert_out_match ' /sys/fs/cgroup/memory cgroup ro[, ]'
	fi
}

@test "tmpcopyup: a tmpfs over a directory starts with that directory's content" {
	# ecirun 97248e4 listed tmpcopyup in features but mounted an empty tmpfs; runc copies.
	mkdir -p "$BUNDLE/rootfs/data/sub"
	echo original >"$BUNDLE/rootfs/data/sub/f"
	ln -s sub/f "$BUNDLE/rootfs/data/link"
	chown 1000:1000 "$BUNDLE/rootfs/data/sub/f"
	update_config '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup"]}]'
	set_cmd 'cat /data/link; stat -c "%u" /data/sub/f; echo new > /data/new; grep " /data " /proc/self/mountinfo | grep -c tmpfs'
	ecirun run ct1
	assert_ok
	assert_out_eq $'original\n1000\n1'
	[ ! -e "$BUNDLE/rootfs/data/new" ] || fail "the container's write reached the image"
	assert_nothing_left
}

@test "a tmpfs without mode= takes its mount point's mode" {
	# runc does; ecirun 97248e4 left the tmpfs at its default 1777.
	mkdir -p "$BUNDLE/rootfs/private"
	chmod 0711 "$BUNDLE/rootfs/private"
	update_config '.mounts += [{"destination": "/private", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
		{"destination": "/moded", "type": "tmpfs", "source": "tmpfs", "options": ["mode=750"]}]'
	set_cmd 'stat -c %a /private /moded'
	ecirun run ct1
	assert_ok
	assert_out_eq $'711\n750'
	assert_nothing_left
}

@test "proc or sysfs on a symlink is refused: it must be mounted on an ordinary directory" {
	# runc refuses ("must be mounted on ordinary directory"); ecirun 97248e4 followed the link.
	mkdir -p "$BUNDLE/rootfs/elsewhere"
	ln -s /elsewhere "$BUNDLE/rootfs/proclink"
	update_config '.mounts += [{"destination": "/proclink", "type": "proc", "source": "proc"}]'
	ecirun run ct1
	assert_fail
	assert_out_contains 'filesystem "proc" must be mounted on ordinary directory'
	assert_nothing_left
}

@test "a read-only /dev: what goes in it is made first, then it is read-only" {
	# runc creates /dev/pts and the device nodes before making /dev read-only; ecirun 97248e4
	# failed ("mkdir /dev/pts inside the rootfs: Read-only file system").
	update_config '.mounts |= map(if .destination == "/dev" then .options += ["ro"] else . end)'
	set_cmd 'grep " /dev " /proc/self/mountinfo | grep -c " ro,"; [ -c /dev/null ] && echo null-ok; ls -d /dev/pts; touch /dev/x 2>/dev/null || echo ro-ok'
	ecirun run ct1
	assert_ok
	assert_out_eq $'1\nnull-ok\n/dev/pts\nro-ok'
	assert_nothing_left

	# With a terminal: /dev/console is bound there too.
	requires python3
	setup_recvtty
	update_config '.process.terminal = true'
	set_cmd 'readlink /proc/self/fd/0; grep -c " /dev/console " /proc/self/mountinfo; echo console-end'
	ecirun run -d --console-socket "$CONSOLE_SOCKET" ct2
	assert_ok
	wait_for_file 100 0.1 "$CONSOLE_OUT" "console-end"
	output=$(tr -d '\r' <"$CONSOLE_OUT")
	assert_out_match '/dev/pts/[0-9]+'$'\n''1'
}
