#!/usr/bin/env bats
# Isolation (DESIGN.md §1): every container in its own user namespace with an
# exclusive block of 65536 IDs, host namespaces refused, ID shifting of the
# rootfs and of bind mounts, setuid and chown inside, --privileged confined.
#
# Tests that count ID blocks use their own admin policy (ECIRUN_POLICY) with a
# stateDir under $BATS_TEST_TMPDIR and a pool of their own, so they depend
# neither on /var/lib/ecirun nor on other users of the host's pool.
#
# runc fails almost all of these on purpose: it runs a container without a
# user namespace as host root and knows nothing of ID blocks or policies.

load helpers

setup() {
	setup_bundle
	# A pristine config for the "other" containers (holders) of a test.
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/base-config.json"
	unset ECIRUN_POLICY
	HROOT=""
}

teardown() {
	local ct m
	if [ -n "${HROOT:-}" ]; then
		for ct in $(ls -1 "$HROOT" 2>/dev/null); do
			ROOT=$HROOT ECIRUN_TIMEOUT=10 __ecirun delete --force "$ct" >/dev/null 2>&1 || true
		done
		CGROUP="${CGROUP}h" cleanup_cgroup
		for m in $(awk -v d="$HROOT/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
			umount -l "$m" 2>/dev/null || true
		done
		rm -rf "$HROOT"
	fi
	teardown_bundle
	unset ECIRUN_POLICY
}

# ---------------------------------------------------------------------------
# Policy and ID-block records
# ---------------------------------------------------------------------------

# use_policy BLOCKS [UID_FIRST]: a policy of BLOCKS blocks of 65536 IDs, with
# its own stateDir. The pool lies in [2^30, 2^32) (above the default pool at
# 2^28), at a per-test random offset so that concurrent tests rarely share IDs.
use_policy() {
	local blocks=$1 first=${2:-}
	if [ -z "$first" ]; then
		first=$((1073741824 + (RANDOM % 512) * 64 * 65536))
	fi
	POOL_FIRST=$first
	POLICY_STATE="$BATS_TEST_TMPDIR/state"
	POLICY="$BATS_TEST_TMPDIR/policy.json"
	jq -n --argjson f "$first" --argjson n "$blocks" --arg s "$POLICY_STATE" \
		'{idPool: {uidFirst: $f, gidFirst: $f, size: ($n * 65536)}, blockSize: 65536, stateDir: $s}' \
		>"$POLICY"
	chmod 0644 "$POLICY"
	export ECIRUN_POLICY=$POLICY
}

# Number of ID-block records (files named by a block index) in the test's stateDir.
record_count() {
	local d="$POLICY_STATE/idblocks"
	[ -d "$d" ] || {
		echo 0
		return
	}
	find "$d" -mindepth 1 -maxdepth 1 -regex '.*/[0-9]+' | wc -l
}

assert_records() {
	local n
	n=$(record_count)
	[ "$n" -eq "$1" ] || fail "expected $1 ID-block records in $POLICY_STATE/idblocks, found $n: $(ls -la "$POLICY_STATE/idblocks" 2>&1; head -c 2000 "$POLICY_STATE"/idblocks/[0-9]* 2>/dev/null)"
}

# ---------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------

# "0 B 65536" of a pid's uid_map (or gid_map, $2), as read from the host, on one line.
id_map_of() {
	tr -s ' \t' ' ' <"/proc/$1/${2:-uid}_map" | sed 's/^ //; s/ $//'
}

# Field N (1-4) of the Uid: (or Gid:, $3) line of /proc/PID/status.
host_id_of() {
	awk -v k="${3:-Uid}:" -v n="$2" '$1 == k { print $(n + 1) }' "/proc/$1/status"
}

# Host uid of container uid 0 of a pid (from its uid_map).
base_of() {
	awk 'NR == 1 { print $2 }' "/proc/$1/${2:-uid}_map"
}

# A bundle of its own for container ID in the test's root, sharing the test's
# rootfs, in a cgroup under the test's: other_bundle ID [JQ_EXPR [jq args]]
other_bundle() {
	local id=$1 b="$TESTDIR/b-$1"
	shift
	mkdir -p "$b"
	jq '.root.path = $r | .linux.cgroupsPath = $cg' --arg r "$BUNDLE/rootfs" --arg cg "$CGROUP/$id" \
		"$BUNDLE/config.json" >"$b/config.json"
	if [ $# -gt 0 ]; then
		local expr=$1
		shift
		jq "$@" "$expr" "$b/config.json" >"$b/config.json.tmp" && mv "$b/config.json.tmp" "$b/config.json"
	fi
	echo "$b"
}

# Holders: containers that hold ID blocks from another --root ($HROOT), with a
# rootfs, bundles and cgroups (${CGROUP}h/ID) of their own, so that the test's
# own root, rootfs and cgroup stay checkable with assert_nothing_left.
start_holder() {
	local id=$1 b="$TESTDIR/h-$1"
	if [ -z "$HROOT" ]; then
		HROOT=$(mktemp -d "${TMPDIR:-/tmp}/ecirun-hroot.XXXXXX")
		cp -a "$ROOTFS_CACHE" "$TESTDIR/hrootfs"
		rm -f "$TESTDIR/hrootfs/.ecirun-rootfs-complete"
	fi
	mkdir -p "$b"
	jq '.root.path = $r | .linux.cgroupsPath = $cg | .process.args = ["sleep", "1000"]' \
		--arg r "$TESTDIR/hrootfs" --arg cg "${CGROUP}h/$id" \
		"$BATS_TEST_TMPDIR/base-config.json" >"$b/config.json"
	ROOT=$HROOT ecirun run -d --bundle "$b" "$id"
	assert_ok "holder $id" || return 1
	ROOT=$HROOT wait_for_container 50 0.1 "$id" running
}

holder_pid() {
	ROOT=$HROOT container_pid "$1"
}

delete_holder() {
	ROOT=$HROOT ecirun delete --force "$1"
	assert_ok "delete holder $1"
}

# The capabilities Docker gives a container by default (the runc spec's
# default set lacks CAP_CHOWN, CAP_SETUID, ...).
docker_caps() {
	local c='["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
		"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
		"CAP_KILL", "CAP_AUDIT_WRITE"]'
	update_config '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c}' --argjson c "$c"
}

# ranges_disjoint A_BASE A_SIZE B_BASE B_SIZE
ranges_disjoint() {
	[ $(($1 + $2)) -le "$3" ] || [ $(($3 + $4)) -le "$1" ]
}

# ---------------------------------------------------------------------------
# 1-3: a user namespace and an exclusive block for every container
# ---------------------------------------------------------------------------

@test "no user namespace in config.json: the container still gets one, with a non-zero block" {
	# The default policy: what an engine gets.
	update_config '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
	run_detached ct1 'cat /proc/self/uid_map /proc/self/gid_map; echo "ids $(id -u) $(id -g)"; echo done; exec sleep 1000'
	wait_for_file 50 0.1 "$ECIRUN_LAST_LOG" '^done'
	output=$(cat "$ECIRUN_LAST_LOG")
	LAST_CMD="container output"
	local pid b
	pid=$(container_pid ct1)
	b=$(base_of "$pid")
	[ -n "$b" ] && [ "$b" -ne 0 ] || fail "block base is '$b'"

	# Inside: 0 B 65536 for uids and gids, and the container sees itself as root.
	[ "$(sed -n 1p "$ECIRUN_LAST_LOG" | tr -s ' ' | sed 's/^ //; s/ $//')" = "0 $b 65536" ] || fail "uid_map inside is not '0 $b 65536'"
	[ "$(sed -n 2p "$ECIRUN_LAST_LOG" | tr -s ' ' | sed 's/^ //; s/ $//')" = "0 $(base_of "$pid" gid) 65536" ] || fail "gid_map inside is not '0 <G> 65536'"
	[ "$(base_of "$pid" gid)" -ne 0 ] || fail "gid block base is 0"
	assert_out_contains "ids 0 0"

	# On the host: the init's uid and gid (real, effective, saved, fs) are the block's base.
	local n
	for n in 1 2 3 4; do
		assert_eq "$(host_id_of "$pid" $n Uid)" "$b" "host Uid field $n of the init"
		assert_eq "$(host_id_of "$pid" $n Gid)" "$(base_of "$pid" gid)" "host Gid field $n of the init"
	done
	assert_eq "$(id_map_of "$pid")" "0 $b 65536" "uid_map of the init seen from the host"
	[ "$(ns_of "$pid" user)" != "$(ns_of $$ user)" ] || fail "the init is in the host's user namespace"
}

@test "two concurrent containers have disjoint uid and gid ranges without host ID 0" {
	use_policy 8
	set_cmd 'exec sleep 1000'
	local b1 b2 p1 p2 k
	b1=$(other_bundle ct1)
	b2=$(other_bundle ct2)
	ecirun run -d --bundle "$b1" ct1
	assert_ok
	ecirun run -d --bundle "$b2" ct2
	assert_ok
	wait_for_container 50 0.1 ct1 running
	wait_for_container 50 0.1 ct2 running
	p1=$(container_pid ct1)
	p2=$(container_pid ct2)
	for k in uid gid; do
		local m1 m2
		m1=($(id_map_of "$p1" $k))
		m2=($(id_map_of "$p2" $k))
		LAST_CMD="${k}_map"
		output="ct1: ${m1[*]}; ct2: ${m2[*]}"
		[ "$(wc -l <"/proc/$p1/${k}_map")" -eq 1 ] && [ "$(wc -l <"/proc/$p2/${k}_map")" -eq 1 ] || fail "more than one $k range"
		[ "${m1[0]}" = 0 ] && [ "${m2[0]}" = 0 ] || fail "$k ranges do not start at container ID 0"
		[ "${m1[2]}" -ge 65536 ] && [ "${m2[2]}" -ge 65536 ] || fail "$k ranges are smaller than 65536"
		[ "${m1[1]}" -ne 0 ] && [ "${m2[1]}" -ne 0 ] || fail "a $k range contains host ID 0"
		ranges_disjoint "${m1[1]}" "${m1[2]}" "${m2[1]}" "${m2[2]}" || fail "$k ranges overlap"
	done
}

@test "50 parallel creates get 50 distinct blocks and 50 records; none left after delete" {
	use_policy 64
	local n=50 i pids=() b
	set_cmd 'exec sleep 1000'
	for i in $(seq 1 $n); do
		b=$(other_bundle "ct$i")
		(
			rc=0
			__ecirun create --bundle "$b" "ct$i" >"$BATS_TEST_TMPDIR/create$i.log" 2>&1 </dev/null || rc=$?
			echo $rc >"$BATS_TEST_TMPDIR/create$i.rc"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 $n); do
		LAST_CMD="ecirun create --bundle $TESTDIR/b-ct$i ct$i (in parallel)"
		status=$(cat "$BATS_TEST_TMPDIR/create$i.rc")
		output=$(cat "$BATS_TEST_TMPDIR/create$i.log")
		assert_ok
	done

	# Every init in its own block of the pool: uid and gid bases distinct, block aligned.
	local pid ub gb bases=() gbases=()
	for i in $(seq 1 $n); do
		pid=$(container_pid "ct$i")
		[ -n "$pid" ] && [ "$pid" -gt 0 ] || fail "no pid for ct$i" || return 1
		ub=$(base_of "$pid")
		gb=$(base_of "$pid" gid)
		LAST_CMD="uid_map of ct$i"
		output="$(cat "/proc/$pid/uid_map" "/proc/$pid/gid_map")"
		[ "$ub" -ge "$POOL_FIRST" ] && [ $(((ub - POOL_FIRST) % 65536)) -eq 0 ] &&
			[ "$ub" -lt $((POOL_FIRST + 64 * 65536)) ] || fail "ct$i: uid base $ub is not a block of the pool at $POOL_FIRST"
		assert_eq "$(id_map_of "$pid")" "0 $ub 65536" "uid_map of ct$i"
		assert_eq "$(id_map_of "$pid" gid)" "0 $gb 65536" "gid_map of ct$i"
		bases+=("$ub")
		gbases+=("$gb")
	done
	LAST_CMD="distinct blocks"
	output="uids: ${bases[*]}; gids: ${gbases[*]}"
	[ "$(printf '%s\n' "${bases[@]}" | sort -u | wc -l)" -eq $n ] || fail "uid blocks are not distinct"
	[ "$(printf '%s\n' "${gbases[@]}" | sort -u | wc -l)" -eq $n ] || fail "gid blocks are not distinct"
	assert_records $n

	for i in $(seq 1 $n); do
		ecirun delete --force "ct$i"
		assert_ok
	done
	assert_records 0
	ecirun list -q
	assert_ok
	assert_out_eq ""
}

# ---------------------------------------------------------------------------
# 4-6: records survive nothing they should not; exhaustion; bad policy
# ---------------------------------------------------------------------------

@test "runtime killed mid-create: delete --force frees the block" {
	use_policy 1
	local hook_pidfile="$BATS_TEST_TMPDIR/hook.pid"
	cat >"$BATS_TEST_TMPDIR/block-hook.sh" <<EOF
#!/bin/sh
echo \$\$ > "$hook_pidfile"
exec sleep 30
EOF
	chmod +x "$BATS_TEST_TMPDIR/block-hook.sh"
	update_config '.hooks.createRuntime = [{"path": $p}]' --arg p "$BATS_TEST_TMPDIR/block-hook.sh"
	set_cmd 'exec sleep 1000'

	"$ECIRUN" --root "$ROOT" create ct1 >"$BATS_TEST_TMPDIR/create.log" 2>&1 </dev/null &
	local rt=$!
	track_pid "$rt"
	wait_for_file 100 0.1 "$hook_pidfile"
	track_pid "$(cat "$hook_pidfile")"
	# The block is held while create runs.
	assert_records 1
	kill -9 "$rt"
	wait "$rt" || true

	ecirun delete --force ct1
	assert_ok
	assert_records 0

	# The only block of the pool is free again.
	update_config 'del(.hooks)'
	ecirun create ct2
	assert_ok
	assert_records 1
	ecirun delete --force ct2
	assert_ok
	assert_records 0
	assert_nothing_left
}

@test "a block whose state directory was removed by hand is reclaimed by the next create" {
	use_policy 1
	set_cmd 'exec sleep 1000'
	ecirun create ct1
	assert_ok
	assert_records 1
	local pid
	pid=$(container_pid ct1)
	# The container's root is wiped (a reboot, an operator): its processes are
	# ended by hand (they are this test's), the state is gone.
	kill -9 "$pid"
	retry 50 0.1 sh -c "[ ! -e /proc/$pid/stat ] || [ \"\$(awk '{print \$3}' /proc/$pid/stat)\" = Z ]"
	cleanup_cgroup
	rm -rf "${ROOT:?}/ct1"

	ecirun create ct2
	assert_ok
	assert_records 1
	ecirun delete --force ct2
	assert_ok
	assert_records 0
}

@test "ID pool exhausted: the 3rd create fails clearly and leaves nothing; a delete makes room" {
	use_policy 2
	start_holder h1
	start_holder h2
	assert_records 2
	local hb1
	hb1=$(base_of "$(holder_pid h1)")

	set_cmd 'exec sleep 1000'
	ecirun create ct1
	assert_fail
	assert_out_contains "ID pool exhausted" "$POLICY"
	[ "${#lines[@]}" -eq 1 ] || fail "expected one error line"
	assert_nothing_left
	assert_records 2

	ecirun run -d ct1
	assert_fail
	assert_out_contains "ID pool exhausted"
	assert_nothing_left
	assert_records 2

	delete_holder h1
	assert_records 1
	ecirun create ct1
	assert_ok
	assert_records 2
	# It got the block h1 gave back.
	assert_eq "$(base_of "$(container_pid ct1)")" "$hb1" "uid base of ct1"
}

@test "malformed policy file: one clear error naming the file and the key, nothing created" {
	use_policy 4
	local p="$POLICY"
	# An unknown (misspelt) key.
	jq '.idPool.uidfirst = .idPool.uidFirst | del(.idPool.uidFirst)' "$p" >"$p.tmp" && mv "$p.tmp" "$p"
	ecirun create ct1
	assert_fail
	assert_out_contains "$p" "idPool.uidfirst"
	[ "${#lines[@]}" -eq 1 ] || fail "expected one error line"
	assert_nothing_left
	[ ! -e "$POLICY_STATE/idblocks" ] || assert_records 0

	# A value of the wrong type.
	use_policy 4
	jq '.idPool.size = "lots"' "$p" >"$p.tmp" && mv "$p.tmp" "$p"
	ecirun run ct1
	assert_fail
	assert_out_contains "$p" "idPool.size"
	[ "${#lines[@]}" -eq 1 ] || fail "expected one error line"
	assert_nothing_left

	# Not JSON at all.
	printf '{ "idPool": { "uidFirst": 1073741824, \n' >"$p"
	ecirun create ct1
	assert_fail
	assert_out_contains "$p"
	[ "${#lines[@]}" -eq 1 ] || fail "expected one error line"
	assert_nothing_left

	# A pool that includes host ID 0.
	use_policy 4 0
	ecirun create ct1
	assert_fail
	assert_out_contains "$p" "uidFirst"
	assert_nothing_left
	[ ! -e "$POLICY_STATE/idblocks" ] || assert_records 0
}

# ---------------------------------------------------------------------------
# 7-8: host namespaces and foreign mappings are refused; joining a container
# ---------------------------------------------------------------------------

@test "a missing pid/network/ipc/uts namespace (the host's) is refused, naming it" {
	local t name
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
	for t in network pid ipc uts; do
		cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
		update_config '.linux.namespaces |= map(select(.type != $t))' --arg t "$t"
		[ "$t" != uts ] || update_config 'del(.hostname)'
		ecirun create ct1
		assert_fail
		assert_out_contains "host $t namespace is not allowed"
		assert_nothing_left
	done
}

@test "a refused host namespace says what the user did, why, and what to do instead" {
	# runc runs with the host's namespaces; ecirun 97248e4 said only 'config.json has no "pid"
	# entry', and called a runc container's network namespace the host's.
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	ecirun create ct1
	assert_fail
	assert_out_eq 'ecirun: host pid namespace is not allowed (--pid=host, or no "pid" entry in config.json'"'"'s linux.namespaces): the container would see and signal every process of the host; ecirun gives every container namespaces of its own. Use --pid container:NAME of another ecirun container'
	assert_nothing_left

	# A network namespace of the host's user namespace that is not the host's own: what a
	# runc container (no user namespace) has.
	unshare --net sleep 600 &
	local p=$!
	track_pid "$p"
	# (bash -c: the namespace is read again on every try)
	retry 100 0.1 bash -c '[ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ]' _ "$p" ||
		fail "no new netns"
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{"type": "pid"}, {"type": "network", "path": $p}]' \
		--arg p "/proc/$p/ns/net"
	ecirun create ct1
	assert_fail
	assert_out_contains "network namespace \`/proc/$p/ns/net\` belongs to the host's user namespace (a container of another runtime, such as runc" \
		"Join the namespaces of another ecirun container instead"
	refute_out_contains "host network namespace"
	assert_nothing_left
}

@test "a namespace path to the host's namespaces is refused" {
	local t
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
	# /proc/1/ns/* is the host's; where the test runs with fewer capabilities
	# than pid 1 (a sandbox), it cannot be opened (ptrace access): then the
	# namespaces of this test's shell (the host's), and /proc/self (the runtime's).
	local pid1=1 p
	readlink /proc/1/ns/net >/dev/null 2>&1 || pid1=$$
	for t in network ipc uts pid user; do
		local f=$t
		[ "$t" != network ] || f=net
		for p in "/proc/$pid1/ns/$f" "/proc/self/ns/$f"; do
			cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
			update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != $t)] + [{"type": $t, "path": $p}]' \
				--arg t "$t" --arg p "$p"
			ecirun create ct1
			assert_fail
			assert_out_contains "host $t namespace is not allowed" "$p"
			[ "${#lines[@]}" -eq 1 ] || fail "expected one error line"
			assert_nothing_left
		done
	done
}

@test "config.json mappings that map host 0 or do not start at 0 are refused; a small range works" {
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
	local good='[{"containerID": 0, "hostID": 1073741824, "size": 65536}]'
	local bad
	# bad uid mapping | expected words
	while IFS='|' read -r bad words; do
		cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
		update_config '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = $b | .linux.gidMappings = $g' \
			--argjson b "$bad" --argjson g "$good"
		ecirun create ct1
		assert_fail
		assert_out_contains "uidMappings" $words
		[ "${#lines[@]}" -eq 1 ] || fail "expected one error line"
		assert_nothing_left
	done <<'EOF'
[{"containerID": 0, "hostID": 0, "size": 65536}]|host ID 0
[{"containerID": 1, "hostID": 1073741824, "size": 65536}]|ID 0
[{"containerID": 0, "hostID": 1073741824, "size": 1}, {"containerID": 1, "hostID": 0, "size": 65535}]|contiguous
EOF
	# The same for gids.
	cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
	update_config '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = $g | .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 65536}]' \
		--argjson g "$good"
	ecirun create ct1
	assert_fail
	assert_out_contains "gidMappings" "host ID 0"
	assert_nothing_left

	# Fewer IDs than a block, outside the pool: the engine's choice (runc's userns.bats maps
	# 65534). ecirun 97248e4 required 65536.
	cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 1073741824, "size": 1000}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 1073741824, "size": 1000}]'
	set_cmd 'cat /proc/self/uid_map'
	ecirun run ct1
	assert_ok
	assert_out_match '^ +0 +1073741824 +1000$'
	assert_nothing_left
}

# A config.json could otherwise name the IDs of another container's block
# (Kubernetes user namespaces, or any engine user, write these mappings).
@test "config.json mappings onto ID-pool blocks (another container's) are refused; outside the pool they work" {
	use_policy 2
	start_holder h1
	local hb
	hb=$(base_of "$(holder_pid h1)")
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
	local outside=$((POOL_FIRST - 4 * 65536))
	local u g
	# uid start | gid start: one of them inside the pool (the holder's block, or straddling it).
	while read -r u g; do
		cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
		update_config '.linux.namespaces += [{"type": "user"}]
			| .linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 65536}]
			| .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 65536}]' \
			--argjson u "$u" --argjson g "$g"
		ecirun create ct1
		assert_fail
		assert_out_icontains "Mappings" "pool"
		[ "${#lines[@]}" -eq 1 ] || fail "expected one error line"
		assert_nothing_left
		assert_records 1
	done <<EOF
$hb $hb
$hb $outside
$outside $hb
$((POOL_FIRST - 100)) $outside
$outside $((POOL_FIRST + 2 * 65536 - 1))
EOF

	# Outside the pool: used as given, no block taken.
	cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": $u, "size": 65536}]' --argjson u "$outside"
	run_detached ct1 'exec sleep 1000'
	assert_eq "$(id_map_of "$(container_pid ct1)")" "0 $outside 65536" "uid_map of ct1"
	assert_records 1
}

@test "joining another container's network namespace shares its user namespace and takes no block" {
	use_policy 4
	set_cmd 'exec sleep 1000'
	local ba bb pa pb
	ba=$(other_bundle cta)
	ecirun run -d --bundle "$ba" cta
	assert_ok
	wait_for_container 50 0.1 cta running
	pa=$(container_pid cta)
	assert_records 1

	bb=$(other_bundle ctb '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
		--arg p "/proc/$pa/ns/net")
	jq '.process.args = ["sh", "-c", "readlink /proc/self/ns/user; readlink /proc/self/ns/net; echo done; exec sleep 1000"]' \
		"$bb/config.json" >"$bb/c.tmp" && mv "$bb/c.tmp" "$bb/config.json"
	ecirun run -d --bundle "$bb" ctb
	assert_ok
	wait_for_container 50 0.1 ctb running
	wait_for_file 50 0.1 "$ECIRUN_LAST_LOG" '^done'
	pb=$(container_pid ctb)
	output=$(cat "$ECIRUN_LAST_LOG")
	LAST_CMD="ctb's output"
	assert_out_contains "$(ns_of "$pa" user)" "$(ns_of "$pa" net)"
	assert_eq "$(ns_of "$pb" user)" "$(ns_of "$pa" user)" "user namespace of ctb"
	assert_eq "$(ns_of "$pb" net)" "$(ns_of "$pa" net)" "network namespace of ctb"
	[ "$(ns_of "$pb" pid)" != "$(ns_of "$pa" pid)" ] || fail "ctb shares cta's pid namespace"
	assert_eq "$(host_id_of "$pb" 2)" "$(base_of "$pa")" "host euid of ctb"
	assert_records 1

	# Deleting the joiner releases nothing of cta's.
	ecirun delete --force ctb
	assert_ok
	assert_records 1
	ecirun delete --force cta
	assert_ok
	assert_records 0
}

# ---------------------------------------------------------------------------
# 9: exec
# ---------------------------------------------------------------------------

@test "exec joins the user namespace: the process's host uid is the block base" {
	run_detached ct1 'exec sleep 1000'
	local pid b epid
	pid=$(container_pid ct1)
	b=$(base_of "$pid")
	ecirun exec ct1 sh -c 'echo "$(id -u) $(id -g)"; readlink /proc/self/ns/user'
	assert_ok
	assert_out_contains "0 0" "$(ns_of "$pid" user)"

	ecirun exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" ct1 sleep 1000
	assert_ok
	epid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	track_pid "$epid"
	assert_eq "$(ns_of "$epid" user)" "$(ns_of "$pid" user)" "user namespace of the exec'd process"
	local n
	for n in 1 2 3 4; do
		assert_eq "$(host_id_of "$epid" $n Uid)" "$b" "host Uid field $n of the exec'd process"
		assert_eq "$(host_id_of "$epid" $n Gid)" "$(base_of "$pid" gid)" "host Gid field $n of the exec'd process"
	done

	# As another user of the container: host uid is base + 1000.
	ecirun exec -d --user 1000:1000 --pid-file "$BATS_TEST_TMPDIR/exec2.pid" ct1 sleep 1000
	assert_ok
	epid=$(cat "$BATS_TEST_TMPDIR/exec2.pid")
	track_pid "$epid"
	assert_eq "$(host_id_of "$epid" 2)" "$((b + 1000))" "host euid of exec --user 1000"
}

# ---------------------------------------------------------------------------
# 10-11: ID shifting, chown, tar, setuid
# ---------------------------------------------------------------------------

@test "ID shifting: the root-owned rootfs is 0-owned inside and new files land as 0:0" {
	[ "$(stat -c %u:%g "$BUNDLE/rootfs/bin")" = 0:0 ] || skip "rootfs not owned by host root"
	set_cmd 'stat -c "%n %u:%g" / /bin /etc /tmp /bin/busybox; ls -ln / | grep -E " (bin|etc|tmp|usr)$";
		echo hi > /created-inside; mkdir /dir-inside; echo done'
	ecirun run ct1
	assert_ok
	assert_out_contains "/ 0:0" "/bin 0:0" "/etc 0:0" "/tmp 0:0" "/bin/busybox 0:0" "done"
	local l
	while read -r l; do
		[[ "$l" =~ ^[-dl][^\ ]+\ +[0-9]+\ +0\ +0\  ]] || fail "ls -ln line not owned by 0 0: $l"
	done < <(grep -E ' (bin|etc|tmp|usr)$' <<<"$output")
	assert_eq "$(stat -c %u:%g "$BUNDLE/rootfs/created-inside")" "0:0" "host owner of a file created inside"
	assert_eq "$(stat -c %u:%g "$BUNDLE/rootfs/dir-inside")" "0:0" "host owner of a directory created inside"
}

@test "ID shifting of a bind-mounted host directory" {
	mkdir -m 0755 "$TESTDIR/vol"
	chown 0:0 "$TESTDIR/vol"
	echo host >"$TESTDIR/vol/user-file"
	chown 1000:1000 "$TESTDIR/vol/user-file"
	echo host >"$TESTDIR/vol/root-file"
	update_config '.mounts += [{"destination": "/vol", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]' \
		--arg s "$TESTDIR/vol"
	set_cmd 'stat -c "%n %u:%g" /vol /vol/user-file /vol/root-file; echo inside > /vol/new-file; echo more >> /vol/root-file; mkdir /vol/d; echo done'
	ecirun run ct1
	assert_ok
	assert_out_contains "/vol 0:0" "/vol/user-file 1000:1000" "/vol/root-file 0:0" "done"
	assert_eq "$(stat -c %u:%g "$TESTDIR/vol/new-file")" "0:0" "host owner of a file written inside"
	assert_eq "$(stat -c %u:%g "$TESTDIR/vol/d")" "0:0" "host owner of a directory made inside"
	assert_eq "$(cat "$TESTDIR/vol/root-file")" "host
more" "root-file after the container appended"
}

@test "a container recreated with another ID block still owns its earlier files" {
	use_policy 2
	docker_caps
	mkdir -m 0755 "$TESTDIR/vol"
	update_config '.mounts += [{"destination": "/vol", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]' \
		--arg s "$TESTDIR/vol"
	set_cmd 'set -e; head -n1 /proc/self/uid_map; mkdir -m 0700 /data /vol/data;
		for d in /data /vol/data; do
			echo one > $d/rootfile; chmod 0600 $d/rootfile
			echo one > $d/userfile; chmod 0600 $d/userfile; chown 1000:1000 $d/userfile
			mkdir -m 0700 $d/userdir; chown 1000:1000 $d/userdir
		done; echo done'
	ecirun run ct1
	assert_ok
	assert_out_contains "done"
	local b1
	b1=$(sed -n 1p <<<"$output" | awk '{ print $2 }')
	assert_eq "$(stat -c %u:%g "$BUNDLE/rootfs/data/userfile")" "1000:1000" "host owner of userfile"
	assert_eq "$(stat -c %u:%g "$TESTDIR/vol/data/rootfile")" "0:0" "host owner of vol/data/rootfile"

	# ct1's first block is taken by another container: it gets the other one.
	# (The allocator starts from a hash of root and id: fill the pool, then
	# free the block that is not b1.)
	start_holder h1
	start_holder h2
	if [ "$(base_of "$(holder_pid h1)")" = "$b1" ]; then
		delete_holder h2
	else
		delete_holder h1
	fi
	assert_records 1

	set_cmd 'set -e; head -n1 /proc/self/uid_map; for d in /data /vol/data; do
		echo two >> $d/rootfile; ls -ln $d; done; echo done'
	ecirun run ct1
	assert_ok
	local b2
	b2=$(sed -n 1p <<<"$output" | awk '{ print $2 }')
	[ "$b2" != "$b1" ] || fail "ct1 got the same block again ($b1)"
	assert_out_contains "done"
	assert_out_match "-rw------- +1 +0 +0 .* rootfile"
	assert_out_match "-rw------- +1 +1000 +1000 .* userfile"
	assert_out_match "drwx------ +[0-9]+ +1000 +1000 .* userdir"

	# As the container's user 1000, without any capability.
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_cmd 'set -e; id -u; for d in /data /vol/data; do echo two >> $d/userfile; echo x > $d/userdir/f; cat $d/userfile; done; echo done'
	# /data is 0700 root: only the user's own files through a readable path.
	chmod 0755 "$BUNDLE/rootfs/data" "$TESTDIR/vol/data"
	ecirun run ct1
	assert_ok
	assert_out_contains "done"
	assert_eq "$(cat "$TESTDIR/vol/data/userfile")" "one
two" "vol/data/userfile"
	assert_eq "$(stat -c %u:%g "$TESTDIR/vol/data/userdir/f")" "1000:1000" "host owner of a file user 1000 wrote"
	assert_eq "$(cat "$BUNDLE/rootfs/data/rootfile")" "one
two" "data/rootfile"
}

@test "chown and tar -xp with ownership work inside" {
	mkdir -p "$BATS_TEST_TMPDIR/tarsrc/d"
	echo a >"$BATS_TEST_TMPDIR/tarsrc/d/a"
	echo b >"$BATS_TEST_TMPDIR/tarsrc/d/b"
	chmod 0640 "$BATS_TEST_TMPDIR/tarsrc/d/b"
	docker_caps
	tar -C "$BATS_TEST_TMPDIR/tarsrc" --numeric-owner --owner=1234 --group=2345 -cf "$BUNDLE/rootfs/t.tar" d
	set_cmd 'set -e; echo f > /tmp/f; chown 1000:1000 /tmp/f; ls -ln /tmp/f;
		mkdir /x; tar -xpf /t.tar -C /x; ls -ln /x/d; stat -c "%n %u:%g %a" /x/d /x/d/b; echo done'
	ecirun run ct1
	assert_ok
	assert_out_match "-rw-r--r-- +1 +1000 +1000 .* /tmp/f"
	assert_out_match "-rw-r--r-- +1 +1234 +2345 .* a"
	assert_out_contains "/x/d 1234:2345" "/x/d/b 1234:2345 640" "done"
	# On disk: 0-based IDs.
	assert_eq "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/f")" "1000:1000" "host owner of /tmp/f"
	assert_eq "$(stat -c %u:%g "$BUNDLE/rootfs/x/d/a")" "1234:2345" "host owner of /x/d/a"
}

@test "a setuid-root program run by uid 1000 inside gets euid 0" {
	local helper="$BUNDLE/rootfs/bin/su-test"
	if command -v gcc >/dev/null && printf '#include <stdio.h>\n#include <unistd.h>\nint main(void){printf("uid=%%d euid=%%d\\n",(int)getuid(),(int)geteuid());return 0;}\n' >"$BATS_TEST_TMPDIR/euid.c" &&
		gcc -static -O -o "$BATS_TEST_TMPDIR/euid" "$BATS_TEST_TMPDIR/euid.c" 2>"$BATS_TEST_TMPDIR/gcc.log"; then
		cp "$BATS_TEST_TMPDIR/euid" "$helper"
		REAL=1
	else
		cp "$BUNDLE/rootfs/bin/busybox" "$helper"
		REAL=""
	fi
	chown 0:0 "$helper"
	chmod 4755 "$helper"
	update_config '.process.user = {"uid": 1000, "gid": 1000} | .process.noNewPrivileges = false'
	if [ -n "$REAL" ]; then
		set_cmd 'id -u; stat -c "%a %u:%g" /bin/su-test; ls -ln /bin/su-test; /bin/su-test'
	else
		set_cmd 'id -u; stat -c "%a %u:%g" /bin/su-test; ls -ln /bin/su-test'
	fi
	ecirun run ct1
	assert_ok
	assert_out_contains "4755 0:0"
	assert_out_match "-rwsr-xr-x +1 +0 +0 .*/bin/su-test"
	[ "${lines[0]}" = 1000 ] || fail "the process is not uid 1000"
	if [ -n "$REAL" ]; then
		assert_out_contains "uid=1000 euid=0"
	else
		skip "no static C compiler: only the setuid bit and owner were checked"
	fi
}

# ---------------------------------------------------------------------------
# 12: --privileged stays confined
# ---------------------------------------------------------------------------

@test "all capabilities: CapEff non-zero inside, an unprivileged uid on the host, host files out of reach" {
	local caps
	caps=$("$ECIRUN" features | jq -c '.linux.capabilities')
	[ -n "$caps" ] && [ "$caps" != null ] || fail "features has no capability list"
	update_config '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c, "inheritable": $c, "ambient": $c}
		| .process.noNewPrivileges = false' --argjson c "$caps"
	local hostfile="$TESTDIR/host-only"
	echo secret >"$hostfile"
	chmod 0600 "$hostfile"
	# A host path the container could only reach by escaping its root.
	run_detached ct1 "grep CapEff /proc/self/status;
		for p in /proc/1/root$hostfile /proc/1/root/../../..$hostfile /proc/self/root/..$hostfile; do
			if echo pwned > \$p 2>/dev/null; then echo \"WROTE \$p\"; else echo \"refused \$p\"; fi
		done; echo done; exec sleep 1000"
	wait_for_file 50 0.1 "$ECIRUN_LAST_LOG" '^done'
	output=$(cat "$ECIRUN_LAST_LOG")
	LAST_CMD="container output"
	refute_out_contains "WROTE"
	assert_out_match "CapEff:[[:space:]]+[0-9a-f]*[1-9a-f][0-9a-f]*"
	[[ "$output" != *"CapEff:	0000000000000000"* ]] || fail "CapEff is zero"
	assert_eq "$(cat "$hostfile")" "secret" "host file"

	local pid
	pid=$(container_pid ct1)
	[ "$(host_id_of "$pid" 2)" -ne 0 ] || fail "the init is host root"
	assert_eq "$(host_id_of "$pid" 2)" "$(base_of "$pid")" "host euid of the init"
	[ "$(ns_of "$pid" user)" != "$(ns_of $$ user)" ] || fail "the init is in the host's user namespace"

	# exec with the same capabilities: also just the block's base on the host.
	ecirun exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" ct1 sleep 1000
	assert_ok
	local epid
	epid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	track_pid "$epid"
	assert_eq "$(host_id_of "$epid" 2)" "$(base_of "$pid")" "host euid of an exec'd process"
	# And from inside, with every capability, the host's file is not writable.
	ecirun exec ct1 sh -c "echo pwned > /proc/1/root$hostfile && echo WROTE; cat /proc/1/root$hostfile"
	refute_out_contains "WROTE" "secret"
	assert_eq "$(cat "$hostfile")" "secret" "host file"
}
