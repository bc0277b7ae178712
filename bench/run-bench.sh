#!/bin/bash
# Container start latency and runtime memory: ecirun vs runc (and crun), then
# `docker run --rm` through a private dockerd with each runtime.
#
# Usage: sudo bench/run-bench.sh [-n N] [-d N] [--no-docker] [--no-crun] [--no-overlay]
#   -n N         sequential `run` of a busybox `true` bundle per runtime (default 50)
#   -d N         `docker run --rm` per runtime (default 10; 0 = skip)
#   --no-overlay skip the overlay-rootfs bundles (ecirun_ovl, runc_ovl): the same
#                rootfs as a host overlay mount, which ecirun re-mounts inside the
#                container's user namespace over ID-mapped layers
#   ECIRUN=path  the runtime under test (default: ./ecirun at the top of the tree)
#   RUNC=path    default /usr/sbin/runc;  CRUN=path  default /usr/bin/crun
#
# Runs are interleaved (one per runtime per round, the order rotating each
# round) so that drift in machine load hits every runtime alike. Prints a
# table and the ratios ecirun/runc (the user namespace and ID-mapped rootfs that
# ecirun always sets up, against none), ecirun_ovl/ecirun (the overlay re-mount)
# and ecirun_ovl/runc_ovl; no assertion on the figures.
set -euo pipefail

HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
TOP=$(readlink -f "$HERE/..")
N=50
DN=10
WITH_CRUN=1
WITH_OVL=1
ECIRUN=$(readlink -f "${ECIRUN:-$TOP/ecirun}")
RUNC=${RUNC:-/usr/sbin/runc}
CRUN=${CRUN:-/usr/bin/crun}
TIME=/usr/bin/time
WARMUP=3

while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	-d) DN=$2; shift 2 ;;
	--no-docker) DN=0; shift ;;
	--no-crun) WITH_CRUN=0; shift ;;
	--no-overlay) WITH_OVL=0; shift ;;
	-h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run-bench.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

die() {
	echo "run-bench.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root"
[ -x "$ECIRUN" ] || die "ECIRUN=$ECIRUN is not executable (build it, or set ECIRUN)"
[ -x "$RUNC" ] || die "$RUNC is missing (apt-get install runc)"
[ -x "$TIME" ] || die "$TIME is missing (apt-get install time)"
command -v jq >/dev/null || die "jq is missing"

WORK=$(mktemp -d /tmp/ecirun-bench.XXXXXX)
chmod 0755 "$WORK"
CRUN_NS_PID=""
DOCKER_STARTED=""

cleanup() {
	set +e
	if [ -n "$CRUN_NS_PID" ]; then
		kill "$CRUN_NS_PID" 2>/dev/null
		wait "$CRUN_NS_PID" 2>/dev/null
	fi
	if [ -n "$DOCKER_STARTED" ]; then
		eng_stop_all
	fi
	local rt m
	for rt in "$WORK"/root-*; do
		[ -d "$rt" ] || continue
		case $rt in
		*-crun) ;; # lives in the private namespace; its containers are gone with `run`
		*) for c in "$rt"/*; do [ -e "$c" ] && "${RT_BIN[${rt##*-}]:-true}" --root "$rt" delete --force "${c##*/}" >/dev/null 2>&1; done ;;
		esac
	done
	for m in "$WORK"/bundle-*_ovl/rootfs; do
		mountpoint -q "$m" 2>/dev/null && umount "$m"
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$TOP/tests/integration/build-rootfs.sh" >/dev/null
ROOTFS=$TOP/tests/integration/.cache/rootfs

declare -A RT_BIN RT_PREFIX
RUNTIMES=(ecirun runc)
RT_BIN[ecirun]=$ECIRUN
RT_BIN[runc]=$RUNC
RT_PREFIX[ecirun]=""
RT_PREFIX[runc]=""
declare -A RT_GLOBAL
RT_GLOBAL[ecirun]=""
RT_GLOBAL[runc]=""

# bundle NAME BIN: a bundle whose config.json comes from `BIN spec`.
make_bundle() {
	local name=$1 bin=$2 b=$WORK/bundle-$1
	mkdir -p "$b"
	cp -a "$ROOTFS" "$b/rootfs"
	rm -f "$b/rootfs/.ecirun-rootfs-complete"
	(cd "$b" && "$bin" spec) || die "$bin spec failed"
	jq '.process.terminal = false | .process.args = ["true"]' "$b/config.json" >"$b/config.json.tmp"
	mv "$b/config.json.tmp" "$b/config.json"
	mkdir -p "$WORK/root-$name"
}

# ovl_bundle NAME BIN: the same, its rootfs an overlay mount (lower: a copy of
# the busybox rootfs, empty upper) as dockerd's overlay2 or containerd's
# snapshotter hand it to the runtime. Layers under $WORK (0755).
make_ovl_bundle() {
	local name=$1 bin=$2 b=$WORK/bundle-$1 l=$WORK/layers-$1
	mkdir -p "$b/rootfs" "$l/upper" "$l/work"
	cp -a "$ROOTFS" "$l/lower"
	rm -f "$l/lower/.ecirun-rootfs-complete"
	mount -t overlay overlay -o "lowerdir=$l/lower,upperdir=$l/upper,workdir=$l/work" "$b/rootfs" ||
		die "cannot mount an overlay rootfs for $name"
	(cd "$b" && "$bin" spec) || die "$bin spec failed"
	jq '.process.terminal = false | .process.args = ["true"]' "$b/config.json" >"$b/config.json.tmp"
	mv "$b/config.json.tmp" "$b/config.json"
	mkdir -p "$WORK/root-$name"
}

make_bundle ecirun "$ECIRUN"
make_bundle runc "$RUNC"
if [ "$WITH_OVL" = 1 ]; then
	make_ovl_bundle ecirun_ovl "$ECIRUN"
	make_ovl_bundle runc_ovl "$RUNC"
	RUNTIMES+=(ecirun_ovl runc_ovl)
	RT_BIN[ecirun_ovl]=$ECIRUN
	RT_BIN[runc_ovl]=$RUNC
	RT_PREFIX[ecirun_ovl]=""
	RT_PREFIX[runc_ovl]=""
	RT_GLOBAL[ecirun_ovl]=""
	RT_GLOBAL[runc_ovl]=""
fi

CRUN_NOTE=""
if [ "$WITH_CRUN" = 1 ]; then
	if [ ! -x "$CRUN" ]; then
		CRUN_NOTE="crun skipped: $CRUN not installed"
	else
		# crun here needs a cgroup2 /sys/fs/cgroup (this host has v1 controllers)
		# and no cgroup manager: keep one private mount namespace alive and enter it
		# for each run (nsenter adds ~1 ms that the others do not pay).
		unshare -m --propagation private sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec sleep 100000' &
		CRUN_NS_PID=$!
		sleep 0.2
		make_bundle crun "$CRUN"
		RT_BIN[crun]=$CRUN
		RT_PREFIX[crun]="nsenter -m -t $CRUN_NS_PID"
		RT_GLOBAL[crun]="--cgroup-manager=disabled"
		# shellcheck disable=SC2086
		if kill -0 "$CRUN_NS_PID" 2>/dev/null &&
			${RT_PREFIX[crun]} "$CRUN" ${RT_GLOBAL[crun]} --root "$WORK/root-crun" run -b "$WORK/bundle-crun" crun-probe-$$ >"$WORK/crun-probe.log" 2>&1; then
			RUNTIMES+=(crun)
		else
			CRUN_NOTE="crun skipped: it does not run here ($(head -c 200 "$WORK/crun-probe.log" | tr '\n' ' '))"
		fi
	fi
fi

# one_run RT ID: one `run` of the bundle; appends "wall_us rss_kb" to $WORK/RT.dat.
one_run() {
	local rt=$1 id=$2 t0 t1 rss
	t0=$(date +%s%N)
	# shellcheck disable=SC2086
	if ! ${RT_PREFIX[$rt]} "$TIME" -f %M -o "$WORK/rss" "${RT_BIN[$rt]}" ${RT_GLOBAL[$rt]} --root "$WORK/root-$rt" \
		run -b "$WORK/bundle-$rt" "$id" >"$WORK/out" 2>&1 </dev/null; then
		echo "run-bench.sh: $rt run failed:" >&2
		cat "$WORK/out" "$WORK/rss" >&2
		return 1
	fi
	t1=$(date +%s%N)
	rss=$(tail -n 1 "$WORK/rss")
	echo "$(((t1 - t0) / 1000)) $rss" >>"$WORK/$rt.dat"
}

# Rounds of one run per runtime, rotating the order.
bench_loop() {
	local n=$1 prefix=$2 i j k rt
	local count=${#RUNTIMES[@]}
	for ((i = 0; i < n; i++)); do
		for ((j = 0; j < count; j++)); do
			k=$(((i + j) % count))
			rt=${RUNTIMES[$k]}
			one_run "$rt" "$prefix-$i-$$" || exit 1
		done
	done
}

# stats FILE COLUMN: "median p90" (nearest rank) of a column.
stats() {
	sort -n -k "$2,$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END {
		if (NR == 0) { print "- -"; exit }
		m = int((NR + 1) / 2); p = int(NR * 0.9 + 0.999999); if (p < 1) p = 1
		print v[m], v[p] }'
}

ms() {
	awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

echo "ecirun: $ECIRUN ($("$ECIRUN" --version 2>/dev/null | head -1))"
echo "runc:   $RUNC ($("$RUNC" --version 2>/dev/null | head -1))"
if [[ " ${RUNTIMES[*]} " == *" crun "* ]]; then
	echo "crun:   $CRUN ($("$CRUN" --version 2>/dev/null | head -1)), via nsenter into a cgroup2 mount namespace, --cgroup-manager=disabled"
fi
[ -n "$CRUN_NOTE" ] && echo "$CRUN_NOTE"
echo "kernel $(uname -r), $(nproc) CPUs; $N runs each after $WARMUP warm-up runs, interleaved"
echo

bench_loop "$WARMUP" warm
for rt in "${RUNTIMES[@]}"; do rm -f "$WORK/$rt.dat"; done
bench_loop "$N" b

echo "== runtime run (busybox true): wall time per container, peak RSS of the runtime"
[ "$WITH_OVL" = 1 ] && echo "   (*_ovl: rootfs is a host overlay mount; ecirun re-mounts it in the user namespace)"
printf '%-11s %5s %10s %10s %14s\n' runtime n median_ms p90_ms rss_median_kb
declare -A MED P90 RSS
for rt in "${RUNTIMES[@]}"; do
	read -r "MED[$rt]" "P90[$rt]" < <(stats "$WORK/$rt.dat" 1)
	read -r "RSS[$rt]" _ < <(stats "$WORK/$rt.dat" 2)
	printf '%-11s %5s %10s %10s %14s\n' "$rt" "$(wc -l <"$WORK/$rt.dat")" "$(ms "${MED[$rt]}")" "$(ms "${P90[$rt]}")" "${RSS[$rt]}"
done
# pair A B: the ratios A/B (median, p90, rss) and the median difference.
pair() {
	[ -n "${MED[$1]:-}" ] && [ -n "${MED[$2]:-}" ] || return 0
	echo "$1/$2: median $(ratio "${MED[$1]}" "${MED[$2]}")x ($(awk -v a="${MED[$1]}" -v b="${MED[$2]}" 'BEGIN { printf "%+.1f ms", (a - b) / 1000 }'))  p90 $(ratio "${P90[$1]}" "${P90[$2]}")x  rss $(ratio "${RSS[$1]}" "${RSS[$2]}")x"
}
pair ecirun runc
pair ecirun crun
pair ecirun_ovl ecirun
pair runc_ovl runc
pair ecirun_ovl runc_ovl

[ "$DN" -gt 0 ] || exit 0

# --------------------------------------------------------------------------
# docker run --rm through a private dockerd (tests/engines/engines-lib.sh)
# --------------------------------------------------------------------------
echo
# shellcheck source=tests/engines/engines-lib.sh
source "$TOP/tests/engines/engines-lib.sh"
if [ ! -x "$DOCKERD_BIN" ] || [ ! -x "$CONTAINERD_BIN" ]; then
	echo "docker comparison skipped: dockerd/containerd missing (apt-get install docker.io containerd)"
	exit 0
fi
export ECIRUN
eng_init
DOCKER_STARTED=1
eng_start_containerd || die "private containerd did not start"
eng_start_dockerd || die "private dockerd did not start"
eng_import_docker_image || die "docker import failed"

docker_once() {
	local rt=$1 t0 t1
	t0=$(date +%s%N)
	if ! dk run --rm --network none --runtime="$rt" "$ENG_IMAGE" true >"$WORK/dout" 2>&1; then
		echo "run-bench.sh: docker run --runtime=$rt failed:" >&2
		cat "$WORK/dout" >&2
		return 1
	fi
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000)) >>"$WORK/docker-$rt.dat"
}

DRTS=(ecirun runc)
for i in 1 2; do for rt in "${DRTS[@]}"; do docker_once "$rt" || exit 1; done; done
rm -f "$WORK"/docker-*.dat
for ((i = 0; i < DN; i++)); do
	for ((j = 0; j < 2; j++)); do
		docker_once "${DRTS[$(((i + j) % 2))]}" || exit 1
	done
done

echo "== docker run --rm --network none (storage driver $ENG_STORAGE_DRIVER): client wall time"
printf '%-8s %5s %10s %10s\n' runtime n median_ms p90_ms
declare -A DMED DP90
for rt in "${DRTS[@]}"; do
	read -r "DMED[$rt]" "DP90[$rt]" < <(stats "$WORK/docker-$rt.dat" 1)
	printf '%-8s %5s %10s %10s\n' "$rt" "$(wc -l <"$WORK/docker-$rt.dat")" "$(ms "${DMED[$rt]}")" "$(ms "${DP90[$rt]}")"
done
echo "ecirun/runc: median $(ratio "${DMED[ecirun]}" "${DMED[runc]}")x  p90 $(ratio "${DP90[ecirun]}" "${DP90[runc]}")x"
