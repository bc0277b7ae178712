#!/usr/bin/env bats
# proc-emul's FUSE server on its own (proc-emul/procemul-test): the files it serves for a
# process limited as `docker run --memory 256m --cpus 1 --cpuset-cpus 0` makes a container,
# read by the tools that size themselves from them (their own /proc files replaced by the
# emulated ones with a bind mount in a private mount namespace), /proc/sys, the policy groups,
# and a server that dies. The same files under `ecirun run` and dockerd come with the sidecar.

load helpers

PROCEMUL_TEST=${PROCEMUL_TEST:-$(dirname "$ECIRUN")/proc-emul/procemul-test}
LIMIT=268435456 # --memory 256m

setup() {
	[ -x "$PROCEMUL_TEST" ] || skip "no procemul-test next to $ECIRUN (make check-programs)"
	setup_bundle
	MNT=$TESTDIR/pe
	mkdir -p "$MNT"
}

teardown() {
	teardown_bundle
}

# The test's cgroup with docker's limits for --memory 256m --cpus 1 --cpuset-cpus 0, and a
# `sleep` in it standing for the container's init: INIT.
make_container() {
	local d c script=""
	if cgroup_is_v2; then
		d=/sys/fs/cgroup$CGROUP
		for c in memory cpu cpuset io pids; do
			echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
		done
		mkdir "$d"
		echo $LIMIT >"$d/memory.max"
		echo $LIMIT >"$d/memory.swap.max" 2>/dev/null || true
		echo "100000 100000" >"$d/cpu.max"
		echo 0 >"$d/cpuset.cpus"
		script="echo \$\$ > $d/cgroup.procs;"
	else
		for c in memory cpu cpuacct cpuset blkio pids; do
			d=/sys/fs/cgroup/$c$CGROUP
			mkdir "$d"
			script="$script echo \$\$ > $d/cgroup.procs;"
		done
		echo $LIMIT >"/sys/fs/cgroup/memory$CGROUP/memory.limit_in_bytes"
		echo $((2 * LIMIT)) >"/sys/fs/cgroup/memory$CGROUP/memory.memsw.limit_in_bytes" 2>/dev/null || true
		echo 100000 >"/sys/fs/cgroup/cpu$CGROUP/cpu.cfs_quota_us"
		echo 0 >"/sys/fs/cgroup/cpuset$CGROUP/cpuset.mems"
		echo 0 >"/sys/fs/cgroup/cpuset$CGROUP/cpuset.cpus"
	fi
	sh -c "$script exec sleep 1000" &
	INIT=$!
	track_pid "$INIT"
	# The sleep is in the cgroup once it runs sleep.
	retry 50 0.1 grep -qx sleep "/proc/$INIT/comm"
}

# start_server [ARGS...]: serve the files of INIT on MNT; SERVER is its pid.
start_server() {
	"$PROCEMUL_TEST" --pid "$INIT" "$@" "$MNT" >"$TESTDIR/server.log" 2>&1 &
	SERVER=$!
	track_pid "$SERVER"
	wait_for_file 50 0.1 "$TESTDIR/server.log" ready
}

# in_view CMD...: CMD in a private mount namespace where /proc and /sys files are the served
# ones (those that exist), in the container's cgroup (nproc's affinity).
in_view() {
	local f binds=""
	for f in proc/meminfo proc/cpuinfo proc/stat proc/uptime proc/loadavg proc/swaps \
		proc/diskstats sys/devices/system/cpu/online; do
		[ -e "$MNT/$f" ] && binds="$binds mount --bind $MNT/$f /$f &&"
	done
	xrun unshare -m --propagation private sh -c "$binds $(cgroup_enter_cmd) exec \"\$@\"" sh "$@"
}

cgroup_enter_cmd() {
	if cgroup_is_v2; then
		echo "echo \$\$ > /sys/fs/cgroup$CGROUP/cgroup.procs &&"
	else
		echo "echo \$\$ > /sys/fs/cgroup/cpuset$CGROUP/cgroup.procs && echo \$\$ > /sys/fs/cgroup/cpu$CGROUP/cgroup.procs &&"
	fi
}

meminfo_kb() {
	awk -v k="$1:" '$1 == k { print $2 }' "$2"
}

@test "procemul: meminfo and free say the 256 MiB limit" {
	make_container
	start_server
	xrun cat "$MNT/proc/meminfo"
	assert_ok
	assert_eq "$(meminfo_kb MemTotal "$MNT/proc/meminfo")" $((LIMIT / 1024)) "MemTotal"
	local free avail
	free=$(meminfo_kb MemFree "$MNT/proc/meminfo")
	avail=$(meminfo_kb MemAvailable "$MNT/proc/meminfo")
	[ "$free" -le $((LIMIT / 1024)) ] && [ "$avail" -ge "$free" ] && [ "$avail" -le $((LIMIT / 1024)) ] ||
		fail "MemFree $free, MemAvailable $avail outside the limit"
	# The lines the kernel has, in its order (the keys of the host's file).
	assert_eq "$(cut -d: -f1 "$MNT/proc/meminfo" | tr '\n' ' ')" "$(cut -d: -f1 /proc/meminfo | tr '\n' ' ')" "meminfo keys"
	in_view free -k
	assert_ok
	assert_eq "$(echo "$output" | awk '$1 == "Mem:" { print $2 }')" $((LIMIT / 1024)) "free's total"
}

@test "procemul: nproc, getconf, os.cpu_count, cpuinfo and online say one CPU" {
	requires smp
	make_container
	start_server
	xrun cat "$MNT/sys/devices/system/cpu/online"
	assert_ok
	assert_eq "$output" "0" "online"
	assert_eq "$(grep -c '^processor' "$MNT/proc/cpuinfo")" 1 "cpuinfo processors"
	assert_eq "$(grep -c '^cpu[0-9]' "$MNT/proc/stat")" 1 "stat cpu lines"
	in_view nproc
	assert_ok
	assert_eq "$output" 1 "nproc"
	in_view getconf _NPROCESSORS_ONLN
	assert_ok
	assert_eq "$output" 1 "getconf _NPROCESSORS_ONLN"
	if command -v python3 >/dev/null; then
		in_view python3 -c 'import os; print(os.cpu_count())'
		assert_ok
		assert_eq "$output" 1 "os.cpu_count()"
	fi
}

@test "procemul: uptime is the container's, loadavg its tasks" {
	make_container
	start_server
	local host_up up
	host_up=$(cut -d. -f1 /proc/uptime)
	up=$(cut -d. -f1 "$MNT/proc/uptime")
	# The sleep started moments ago; the host long before.
	[ "$up" -lt 60 ] && [ "$host_up" -gt "$up" ] || fail "uptime $up (host $host_up)"
	in_view uptime
	assert_ok
	xrun cat "$MNT/proc/loadavg"
	assert_ok
	# One task (the sleep), none running; the last pid is the sleep's (same pid namespace).
	[[ "$output" =~ ^[0-9]+\.[0-9]{2}\ [0-9]+\.[0-9]{2}\ [0-9]+\.[0-9]{2}\ 0/1\ $INIT$ ]] || fail "loadavg"
}

@test "procemul: a handle reads one snapshot; stat then read works" {
	make_container
	start_server
	requires python3
	# Read in 7-byte pieces with pauses: still one well-formed file of the host's line count.
	xrun python3 -c '
import os, sys, time
p = sys.argv[1]
st = os.stat(p)
fd = os.open(p, os.O_RDONLY)
data = b""
while True:
    b = os.read(fd, 7)
    if not b: break
    data += b
    if len(data) < 50: time.sleep(0.05)
os.close(fd)
with open(p, "rb") as f: whole = f.read()
lines = data.decode().splitlines()
assert all(l.endswith(" kB") or l.startswith("HugePages_") for l in lines), lines
print(st.st_size, len(lines), len(whole.decode().splitlines()))
' "$MNT/proc/meminfo"
	assert_ok
	assert_eq "$output" "0 $(wc -l </proc/meminfo) $(wc -l </proc/meminfo)" "size, lines read in pieces, lines read at once"
}

@test "procemul: /proc/sys: a host-global sysctl is the container's own, validated; read-only ones stay" {
	make_container
	start_server
	local host_max
	host_max=$(cat /proc/sys/vm/max_map_count)
	xsh "echo 262144 > $MNT/proc/sys/vm/max_map_count"
	assert_ok
	assert_eq "$(cat "$MNT/proc/sys/vm/max_map_count")" 262144 "the container's vm.max_map_count"
	assert_eq "$(cat /proc/sys/vm/max_map_count)" "$host_max" "the host's vm.max_map_count"
	# The kernel's ranges: overcommit_memory is 0..2.
	xsh "echo 3 > $MNT/proc/sys/vm/overcommit_memory"
	[ "$status" -ne 0 ] && [[ "$output" == *"Invalid argument"* ]] || fail "overcommit_memory 3 accepted"
	assert_eq "$(cat "$MNT/proc/sys/vm/overcommit_memory")" "$(cat /proc/sys/vm/overcommit_memory)" "overcommit_memory unchanged"
	xsh "echo 2 > $MNT/proc/sys/vm/overcommit_memory"
	assert_ok
	assert_eq "$(cat "$MNT/proc/sys/vm/overcommit_memory")" 2 "overcommit_memory"
	# A security switch is read-only, also for root.
	xsh "echo 0 > $MNT/proc/sys/kernel/kptr_restrict"
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]] || fail "kptr_restrict writable"
	assert_eq "$(stat -c %a "$MNT/proc/sys/kernel/kptr_restrict")" 444 "kptr_restrict mode"
	# binfmt_misc (another file system below /proc/sys on the host) is never shown.
	xrun ls -A "$MNT/proc/sys/fs/binfmt_misc"
	assert_eq "$output" "" "fs/binfmt_misc"
	# A second server (another container) has the host's value, not the first's.
	local first=$SERVER mnt1=$MNT
	MNT=$TESTDIR/pe2
	mkdir -p "$MNT"
	start_server --id second
	assert_eq "$(cat "$MNT/proc/sys/vm/max_map_count")" "$host_max" "the second container's vm.max_map_count"
	assert_eq "$(cat "$mnt1/proc/sys/vm/max_map_count")" 262144 "the first's, still"
	kill "$first" "$SERVER"
}

@test "procemul: namespaced sysctls are the container's namespaces'" {
	requires userns
	# A process in its own user, network, UTS and pid namespaces stands for the container.
	# --kill-child: the sleep dies with unshare, which teardown kills.
	unshare -U -n -u -p -f --kill-child --map-root-user sh -c 'hostname pe-ctr; exec sleep 1000' &
	track_pid $!
	retry 50 0.1 pgrep -P $! -x sleep >/dev/null
	INIT=$(pgrep -P $! -x sleep)
	track_pid "$INIT"
	start_server
	assert_eq "$(cat "$MNT/proc/sys/kernel/hostname")" pe-ctr "kernel.hostname"
	local host_fwd
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	xsh "echo 1 > $MNT/proc/sys/net/ipv4/ip_forward"
	assert_ok
	assert_eq "$(cat "$MNT/proc/sys/net/ipv4/ip_forward")" 1 "the container's ip_forward"
	assert_eq "$(nsenter -t "$INIT" -n cat /proc/sys/net/ipv4/ip_forward)" 1 "ip_forward in its network namespace"
	assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd" "the host's ip_forward"
	# Written as the container's root: IDs are its own (the host's would be its block's).
	xsh "echo '0 0' > $MNT/proc/sys/net/ipv4/ping_group_range"
	assert_ok
	assert_eq "$(nsenter -t "$INIT" -U -n --preserve-credentials cat /proc/sys/net/ipv4/ping_group_range | tr -s '\t ' ' ')" "0 0" "ping_group_range inside"
	assert_eq "$(tr -s '\t ' ' ' <"$MNT/proc/sys/net/ipv4/ping_group_range")" "0 0" "ping_group_range served"
	# user.* is the container's user namespace's; ns_last_pid its pid namespace's.
	xsh "echo 77 > $MNT/proc/sys/user/max_user_namespaces"
	assert_ok
	assert_eq "$(nsenter -t "$INIT" -U --preserve-credentials cat /proc/sys/user/max_user_namespaces)" 77 "user.max_user_namespaces inside"
	[ "$(cat /proc/sys/user/max_user_namespaces)" != 77 ] || fail "the host's user.max_user_namespaces changed"
	local last
	last=$(cat "$MNT/proc/sys/kernel/ns_last_pid")
	[ "$last" -lt 10 ] || fail "ns_last_pid $last is not the container's pid namespace's"
}

@test "procemul: /sys: empty kernel directories, a product_uuid per container" {
	make_container
	start_server --id ctr-a
	local d
	for d in security debug tracing config; do
		xrun ls -A "$MNT/sys/kernel/$d"
		assert_ok
		assert_eq "$output" "" "sys/kernel/$d"
	done
	local a b
	a=$(cat "$MNT/sys/devices/virtual/dmi/id/product_uuid")
	[[ "$a" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] || fail "product_uuid $a"
	assert_eq "$(stat -c %a "$MNT/sys/devices/virtual/dmi/id/product_uuid")" 400 "product_uuid mode"
	kill "$SERVER"
	retry 50 0.1 sh -c "! mountpoint -q $MNT"
	start_server --id ctr-b
	b=$(cat "$MNT/sys/devices/virtual/dmi/id/product_uuid")
	[ "$a" != "$b" ] || fail "ctr-a and ctr-b share $a"
	kill "$SERVER"
	retry 50 0.1 sh -c "! mountpoint -q $MNT"
	start_server --id ctr-a
	assert_eq "$(cat "$MNT/sys/devices/virtual/dmi/id/product_uuid")" "$a" "ctr-a's product_uuid again"
}

@test "procemul: groups switched off are absent" {
	make_container
	start_server --groups memory,sysctl
	[ -e "$MNT/proc/meminfo" ] || fail "meminfo missing"
	[ -d "$MNT/proc/sys/vm" ] || fail "proc/sys missing"
	local f
	for f in proc/cpuinfo proc/stat proc/uptime proc/loadavg proc/diskstats sys/devices/system/cpu/online \
		sys/kernel/security sys/devices/virtual/dmi/id/product_uuid; do
		xrun cat "$MNT/$f"
		[ "$status" -ne 0 ] && [[ "$output" == *"No such file"* ]] || fail "$f is there"
	done
	# Nothing below sys/ is on: sys/ itself is not there.
	xrun ls "$MNT"
	assert_eq "$output" "proc" "the root with no sys group"
}

@test "procemul: a dead server fails reads with ENOTCONN, never hangs" {
	make_container
	start_server
	exec 7<"$MNT/proc/meminfo"
	kill -9 "$SERVER"
	retry 50 0.1 sh -c "! kill -0 $SERVER 2>/dev/null"
	xrun timeout 10 cat <&7
	exec 7<&-
	[ "$status" -ne 124 ] && [[ "$output" == *"not connected"* ]] || fail "read on an open file"
	xrun timeout 10 cat "$MNT/proc/meminfo"
	[ "$status" -ne 124 ] && [[ "$output" == *"not connected"* ]] || fail "a new open"
	xrun timeout 10 ls "$MNT/proc"
	[ "$status" -ne 124 ] && [[ "$output" == *"not connected"* ]] || fail "a lookup"
	umount "$MNT"
}
