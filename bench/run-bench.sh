#!/bin/bash
# Container start latency and runtime memory: ecirun vs runc (and crun), then
# `docker run --rm` through a private dockerd with each runtime.
#
# Usage: sudo bench/run-bench.sh [-n N] [-d N] [-m N] [-c N] [--no-docker] [--no-crun]
#                                [--no-overlay] [--no-sidecar]
#   -n N         sequential `run` of a busybox `true` bundle per runtime (default 50)
#   -d N         `docker run --rm` per runtime (default 10; 0 = skip)
#   -m N         mount+umount pairs per sample in the sidecar section (default 2000)
#   -c N         concurrent containers in the sidecar section (default 100)
#   --no-sidecar skip the sidecar section (ecirun-fsd: Pss of one, a vetted mount+umount pair
#                against the same pair in a runc container, N concurrent containers);
#                ecirun_nofsd (ecirun with mountVetting "off") still runs in the table
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
WITH_SIDECAR=1
MN=2000
CN=100
ECIRUN=$(readlink -f "${ECIRUN:-$TOP/ecirun}")
RUNC=${RUNC:-/usr/sbin/runc}
CRUN=${CRUN:-/usr/bin/crun}
TIME=/usr/bin/time
WARMUP=3

while [ $# -gt 0 ]; do
	case $1 in
	-n) N=$2; shift 2 ;;
	-d) DN=$2; shift 2 ;;
	-m) MN=$2; shift 2 ;;
	-c) CN=$2; shift 2 ;;
	--no-sidecar) WITH_SIDECAR=0; shift ;;
	--no-docker) DN=0; shift ;;
	--no-crun) WITH_CRUN=0; shift ;;
	--no-overlay) WITH_OVL=0; shift ;;
	-h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
	[ -n "${SIDECAR_ROOTS:-}" ] && for rt in $SIDECAR_ROOTS; do
		for c in "$rt"/*; do [ -e "$c" ] && "$ECIRUN" --root "$rt" delete --force "${c##*/}" >/dev/null 2>&1; done
	done
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
# ecirun without its sidecar (admin policy mountVetting "off"): the sidecar's share of `run`.
echo '{"mountVetting": "off"}' >"$WORK/nofsd-policy.json"
make_bundle ecirun_nofsd "$ECIRUN"
RUNTIMES+=(ecirun_nofsd)
RT_BIN[ecirun_nofsd]=$ECIRUN
RT_PREFIX[ecirun_nofsd]="env ECIRUN_POLICY=$WORK/nofsd-policy.json"
RT_GLOBAL[ecirun_nofsd]=""
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
pair ecirun ecirun_nofsd
pair ecirun_ovl ecirun
pair runc_ovl runc
pair ecirun_ovl runc_ovl

# --------------------------------------------------------------------------
# The sidecar (ecirun-fsd, docs/sidecar.md)
# --------------------------------------------------------------------------
if [ "$WITH_SIDECAR" = 1 ]; then
	echo
	echo "== the sidecar (ecirun-fsd)"
	SIDECAR_ROOTS="$WORK/sc-root $WORK/sc-many"
	mkdir -p $SIDECAR_ROOTS
	# sidecar_of ROOT ID: the pid of the container's sidecar.
	sidecar_of() {
		"$ECIRUN" --root "$1" state "$2" | jq -r '.sidecar.pid // empty'
	}
	pss() {
		awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/smaps_rollup"
	}

	# Pss of one sidecar, serving a container that sleeps.
	jq '.process.args = ["sleep", "1000"]' "$WORK/bundle-ecirun/config.json" >"$WORK/sleep.json"
	mkdir -p "$WORK/bundle-sleep"
	ln -s "$WORK/bundle-ecirun/rootfs" "$WORK/bundle-sleep/rootfs"
	cp "$WORK/sleep.json" "$WORK/bundle-sleep/config.json"
	"$ECIRUN" --root "$WORK/sc-root" run -d -b "$WORK/bundle-sleep" pss-$$ </dev/null >/dev/null 2>&1 ||
		die "ecirun run -d of a sleeping container failed"
	p=$(sidecar_of "$WORK/sc-root" pss-$$)
	[ -n "$p" ] || die "the container has no sidecar"
	echo "Pss of one sidecar: $(pss "$p" Pss) kB (anonymous $(pss "$p" Pss_Anon) kB, Rss $(pss "$p" Rss) kB)"
	"$ECIRUN" --root "$WORK/sc-root" delete --force pss-$$ >/dev/null 2>&1

	# A vetted mount+umount pair (tmpfs) against the same pair in a runc container (host
	# root: straight to the kernel) and in ecirun without its sidecar (the kernel, in the
	# user namespace). The loop runs inside: tests/integration/sidecar-helper.c.
	if command -v gcc >/dev/null && gcc -static -O1 -o "$WORK/sidecar-helper" \
		"$TOP/tests/integration/sidecar-helper.c" 2>"$WORK/gcc.log"; then
		MRTS=(ecirun ecirun_nofsd runc)
		for rt in "${MRTS[@]}"; do
			b=$WORK/bundle-mnt-$rt
			mkdir -p "$b" "$WORK/root-mnt-$rt"
			cp -a "$ROOTFS" "$b/rootfs"
			cp "$WORK/sidecar-helper" "$b/rootfs/bin/"
			jq --arg n "$MN" '.process.args = ["/bin/sidecar-helper", "loop", $n, "/tmp"] | .root.readonly = false
				| .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])' \
				"$WORK/bundle-${rt}/config.json" >"$b/config.json"
		done
		mnt_once() {
			local rt=$1 id=$2 bin=$ECIRUN out
			[ "$rt" = runc ] && bin=$RUNC
			# shellcheck disable=SC2086
			out=$(${RT_PREFIX[$rt]} "$bin" --root "$WORK/root-mnt-$rt" run -b "$WORK/bundle-mnt-$rt" "$id" </dev/null 2>&1) ||
				die "$rt mount loop failed: $out"
			[[ "$out" == *"failed=0"* ]] || die "$rt mount loop: $out"
			sed -n 's/.* us=\([0-9]*\).*/\1/p' <<<"$out" >>"$WORK/mnt-$rt.dat"
		}
		for rt in "${MRTS[@]}"; do mnt_once "$rt" mw-$rt-$$; rm -f "$WORK/mnt-$rt.dat"; done
		for i in 1 2 3 4 5; do for rt in "${MRTS[@]}"; do mnt_once "$rt" m$i-$rt-$$; done; done
		printf '%-13s %10s\n' runtime us_per_pair
		declare -A PAIR
		for rt in "${MRTS[@]}"; do
			read -r med _ < <(stats "$WORK/mnt-$rt.dat" 1)
			PAIR[$rt]=$(awk -v t="$med" -v n="$MN" 'BEGIN { printf "%.1f", t / n }')
			printf '%-13s %10s\n' "$rt" "${PAIR[$rt]}"
		done
		echo "mount+umount pair (tmpfs, median of 5 x $MN): ecirun/runc $(ratio "${PAIR[ecirun]}" "${PAIR[runc]}")x, ecirun/ecirun_nofsd $(ratio "${PAIR[ecirun]}" "${PAIR[ecirun_nofsd]}")x"
	else
		echo "mount+umount pair skipped: gcc -static cannot build sidecar-helper.c ($(tail -n 1 "$WORK/gcc.log" 2>/dev/null))"
	fi

	# N concurrent containers: all started (run -d, 8 at a time), all up with their
	# sidecars, all deleted, nothing left.
	t0=$(date +%s%N)
	# (xargs gives each command /dev/null as stdin)
	seq 1 "$CN" | xargs -P 8 -I{} "$ECIRUN" --root "$WORK/sc-many" run -d -b "$WORK/bundle-sleep" many-{}-$$ \
		>"$WORK/many.log" 2>&1 || die "starting $CN containers failed: $(tail -n 3 "$WORK/many.log")"
	t1=$(date +%s%N)
	up=$("$ECIRUN" --root "$WORK/sc-many" list --format json | jq '[.[] | select(.status == "running")] | length')
	alive=0 total_pss=0
	for i in $(seq 1 "$CN"); do
		p=$(sidecar_of "$WORK/sc-many" "many-$i-$$")
		if [ -n "$p" ] && [ -e "/proc/$p/smaps_rollup" ]; then
			alive=$((alive + 1))
			total_pss=$((total_pss + $(pss "$p" Pss)))
		fi
	done
	t2=$(date +%s%N)
	seq 1 "$CN" | xargs -P 8 -I{} "$ECIRUN" --root "$WORK/sc-many" delete --force many-{}-$$ \
		>>"$WORK/many.log" 2>&1 || die "deleting $CN containers failed: $(tail -n 3 "$WORK/many.log")"
	t3=$(date +%s%N)
	left_fsd=0
	for p in $(pgrep -x ecirun-fsd); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q " $WORK/sc-many/" && left_fsd=$((left_fsd + 1))
	done
	left_cg=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "many-*-$$*" 2>/dev/null | wc -l)
	left_st=$(ls -A "$WORK/sc-many" | wc -l)
	echo "$CN concurrent containers: started in $(ms $(((t1 - t0) / 1000))) ms, $up running with $alive sidecars (Pss $total_pss kB in all), deleted in $(ms $(((t3 - t2) / 1000))) ms; left: $left_fsd sidecars, $left_cg cgroup dirs, $left_st state dirs"
fi

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
