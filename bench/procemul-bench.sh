#!/bin/bash
# Latency of open + read + close of emulated /proc files: the native file, proc-emul's FUSE
# server (proc-emul/procemul-test) and LXCFS (when installed), side by side in one run.
#
# Usage: sudo bench/procemul-bench.sh [-n ITER] [-r ROUNDS] [--no-lxcfs]
#   -n ITER      open/read/close per file per round (default 2000)
#   -r ROUNDS    rounds; the median and minimum over rounds are reported (default 15)
#   --no-lxcfs   skip LXCFS even if /usr/bin/lxcfs is there
#   PROCEMUL_TEST=path  the server (default: proc-emul/procemul-test of the build tree)
#
# The reader runs in a cgroup set up as dockerd sets one up for
# `docker run --memory 256m --cpus 1 --cpuset-cpus 0` (v1 controllers, or cgroup2 when
# /sys/fs/cgroup is cgroup2), as does a `sleep` that stands for the container's init: LXCFS
# answers for the reader's cgroup, proc-emul for the init's. Each round reads every file
# ITER times, in an order that rotates per round (bench/readloop.c, built static here). The
# reader reads until end of file, as cat, free and most readers do (two read(2) calls). Both
# servers are started on private mount points under the bench's temp directory and stopped
# by pid; nothing is left behind. No assertion on the figures.
set -euo pipefail

HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
TOP=$(readlink -f "$HERE/..")
N=2000
ROUNDS=15
WITH_LXCFS=1
PROCEMUL_TEST=${PROCEMUL_TEST:-}
for c in "$TOP/build/proc-emul/procemul-test" "$TOP/proc-emul/procemul-test"; do
	[ -z "$PROCEMUL_TEST" ] && [ -x "$c" ] && PROCEMUL_TEST=$c
done

while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	-r) ROUNDS=$2; shift 2 ;;
	--no-lxcfs) WITH_LXCFS=0; shift ;;
	-h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "procemul-bench.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

die() {
	echo "procemul-bench.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "${PROCEMUL_TEST:-}" ] || die "procemul-test not found (make check-programs, or set PROCEMUL_TEST)"
command -v cc >/dev/null || die "cc is missing"
[ -x /usr/bin/lxcfs ] || WITH_LXCFS=0

WORK=$(mktemp -d /tmp/procemul-bench.XXXXXX)
CG=/procemul-bench-$$
INIT=""
SERVER=""
LXCFS=""
CG_DIRS=()

cleanup() {
	local p d
	for p in $SERVER $LXCFS $INIT; do
		kill "$p" 2>/dev/null || true
	done
	for p in $SERVER $LXCFS $INIT; do
		wait "$p" 2>/dev/null || true
	done
	for d in "$WORK/pe" "$WORK/lxcfs"; do
		mountpoint -q "$d" 2>/dev/null && umount -l "$d"
	done
	for d in "${CG_DIRS[@]}"; do
		rmdir "$d" 2>/dev/null || true
	done
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

cc -O2 -static -o "$WORK/readloop" "$HERE/readloop.c" 2>/dev/null ||
	cc -O2 -o "$WORK/readloop" "$HERE/readloop.c"

# The container's cgroup, below the bench's own in each hierarchy.
enter=""
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	# A cgroup with processes cannot enable controllers for its children: use the root.
	d=/sys/fs/cgroup$CG
	for c in memory cpu cpuset io pids; do echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true; done
	mkdir "$d"
	CG_DIRS+=("$d")
	echo 268435456 >"$d/memory.max"
	echo 268435456 >"$d/memory.swap.max" 2>/dev/null || true
	echo "100000 100000" >"$d/cpu.max"
	echo 0 >"$d/cpuset.cpus"
	enter="echo \$\$ > $d/cgroup.procs;"
else
	for c in memory cpu cpuacct cpuset blkio pids; do
		own=$(awk -F: -v c="$c" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/self/cgroup)
		[ "$own" = / ] && own=""
		d=/sys/fs/cgroup/$c$own$CG
		mkdir "$d"
		CG_DIRS+=("$d")
		case $c in
		memory)
			echo 268435456 >"$d/memory.limit_in_bytes"
			echo 536870912 >"$d/memory.memsw.limit_in_bytes" 2>/dev/null || true
			;;
		cpu) echo 100000 >"$d/cpu.cfs_quota_us" ;;
		cpuset)
			cat "$(dirname "$d")/cpuset.mems" >"$d/cpuset.mems"
			echo 0 >"$d/cpuset.cpus"
			;;
		esac
		enter="$enter echo \$\$ > $d/cgroup.procs;"
	done
fi
sh -c "$enter exec sleep 100000" &
INIT=$!
for _ in $(seq 50); do [ "$(cat /proc/$INIT/comm 2>/dev/null)" = sleep ] && break; sleep 0.1; done

mkdir -p "$WORK/pe" "$WORK/lxcfs"
"$PROCEMUL_TEST" --pid "$INIT" --id procemul-bench "$WORK/pe" >"$WORK/pe.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do grep -q ready "$WORK/pe.log" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$WORK/pe.log" || die "procemul-test did not start: $(cat "$WORK/pe.log")"

files=(native_meminfo=/proc/meminfo procemul_meminfo="$WORK/pe/proc/meminfo"
	native_uptime=/proc/uptime procemul_uptime="$WORK/pe/proc/uptime"
	native_cpuinfo=/proc/cpuinfo procemul_cpuinfo="$WORK/pe/proc/cpuinfo"
	native_stat=/proc/stat procemul_stat="$WORK/pe/proc/stat"
	native_loadavg=/proc/loadavg procemul_loadavg="$WORK/pe/proc/loadavg")
if [ "$WITH_LXCFS" = 1 ]; then
	/usr/bin/lxcfs -f -p "$WORK/lxcfs.pid" "$WORK/lxcfs" >"$WORK/lxcfs.log" 2>&1 &
	LXCFS=$!
	for _ in $(seq 50); do [ -e "$WORK/lxcfs/proc/meminfo" ] && break; sleep 0.1; done
	if [ -e "$WORK/lxcfs/proc/meminfo" ]; then
		files+=(lxcfs_meminfo="$WORK/lxcfs/proc/meminfo" lxcfs_uptime="$WORK/lxcfs/proc/uptime"
			lxcfs_cpuinfo="$WORK/lxcfs/proc/cpuinfo" lxcfs_stat="$WORK/lxcfs/proc/stat"
			lxcfs_loadavg="$WORK/lxcfs/proc/loadavg")
	else
		echo "# lxcfs did not mount: $(cat "$WORK/lxcfs.log")"
	fi
fi

echo "== open+read(until EOF)+close, reader in the container's cgroup; $N x $ROUNDS rounds"
echo "# kernel $(uname -r), $(nproc) CPUs; MemTotal in the container: $(awk '$1 == "MemTotal:" { print $2 }' "$WORK/pe/proc/meminfo") kB"
sh -c "$enter exec \"\$@\"" sh "$WORK/readloop" -n "$N" -r "$ROUNDS" "${files[@]}" | tee "$WORK/result"
echo
awk '
	NR > 1 { split($1, a, "_"); med[a[1], a[2]] = $2; kinds[a[2]] = 1; who[a[1]] = 1 }
	END {
		for (k in kinds) {
			line = sprintf("%-8s", k)
			if (("procemul", k) in med && ("native", k) in med)
				line = line sprintf("  procemul/native %5.1fx", med["procemul", k] / med["native", k])
			if (("lxcfs", k) in med && ("native", k) in med)
				line = line sprintf("  lxcfs/native %5.1fx  procemul/lxcfs %4.2fx", med["lxcfs", k] / med["native", k], med["procemul", k] / med["lxcfs", k])
			print line
		}
	}' "$WORK/result" | sort
