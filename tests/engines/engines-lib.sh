#!/bin/bash
# Private containerd / dockerd instances for the engine tests and the benchmarks.
#
# Sourced by tests/engines/helpers.bash and bench/run-bench.sh; plain bash, no
# bats. Nothing here uses or touches a system dockerd/containerd: every daemon
# gets its own root, state, sockets and pid file under $ENG_DIR (a mktemp -d),
# and is stopped by the pid it was started with.
#
#   eng_init                  make $ENG_DIR (short path: unix sockets are <108 bytes)
#   eng_start_containerd      containerd on $ENG_CTRD_SOCK
#   eng_start_dockerd         dockerd on $ENG_DOCKER_SOCK, using that containerd,
#                             with runtime "ecirun" = $ECIRUN registered
#   eng_import_docker_image   `docker import` the busybox rootfs as $ENG_IMAGE
#   eng_import_ctr_image      `ctr image import` an OCI archive of the same rootfs
#   eng_stop_all              stop both daemons by pid, unmount, remove $ENG_DIR
#   dk ARGS / ctr_ ARGS       the docker / ctr clients pointed at the private daemons
#
#   ENG_WRAP                  a command prefix the daemons are started with (word-split), e.g.
#                             "nsenter -t PID -m --" for a private mount namespace (eci.bats)
#   ENG_DOCKERD_CONFIG        a daemon.json to start dockerd with instead of the generated one
#   ENG_CTRD_CRI              non-empty: containerd with its CRI plugin (cri.bats), configured
#                             by ENG_CTRD_CONFIG_EXTRA (TOML appended to the config)
#   ENG_OCI_CMD               the image Cmd of eng_make_oci_archive (JSON array, default sh)

ENG_LIB_DIR=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
ENG_TOP=$(readlink -f "$ENG_LIB_DIR/../..")
ENG_ROOTFS=${ROOTFS_CACHE:-$ENG_TOP/tests/integration/.cache/rootfs}
ENG_IMAGE=${ENG_IMAGE:-ecirun-busybox:test}
ENG_CTR_IMAGE=${ENG_CTR_IMAGE:-docker.io/library/ecirun-busybox:test}
# The distribution's clients: another docker CLI may be first in PATH.
DOCKER_BIN=${DOCKER_BIN:-/usr/bin/docker}
DOCKERD_BIN=${DOCKERD_BIN:-/usr/sbin/dockerd}
CONTAINERD_BIN=${CONTAINERD_BIN:-/usr/bin/containerd}
CTR_BIN=${CTR_BIN:-/usr/bin/ctr}
DOCKER_INIT=${DOCKER_INIT:-/usr/bin/docker-init}
# Seconds to wait for a daemon to answer.
ENG_START_TIMEOUT=${ENG_START_TIMEOUT:-60}

eng_log() {
	echo "engines: $*" >&2
}

eng_init() {
	ENG_DIR=$(mktemp -d /tmp/eng.XXXXXX)
	chmod 0711 "$ENG_DIR"
	ENG_CTRD_SOCK=$ENG_DIR/ctrd.sock
	ENG_DOCKER_SOCK=$ENG_DIR/docker.sock
	export ENG_DIR ENG_CTRD_SOCK ENG_DOCKER_SOCK
}

# Wait until CMD succeeds or the daemon with pid PID died / the timeout passed.
eng_wait_daemon() {
	local pid=$1 what=$2 log=$3 i
	shift 3
	for ((i = 0; i < ENG_START_TIMEOUT * 5; i++)); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			eng_log "$what (pid $pid) exited during startup; last lines of $log:"
			tail -n 30 "$log" >&2
			return 1
		fi
		sleep 0.2
	done
	eng_log "$what (pid $pid) did not answer within ${ENG_START_TIMEOUT}s; last lines of $log:"
	tail -n 30 "$log" >&2
	return 1
}

eng_start_containerd() {
	local d=$ENG_DIR/containerd
	mkdir -p "$d/root" "$d/state"
	local cri='"io.containerd.grpc.v1.cri",'
	[ -n "${ENG_CTRD_CRI:-}" ] && cri=""
	# Minimal config: own root/state/socket, no CRI (no CNI/registry noise),
	# no snapshotters that cannot work here.
	cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = [
  $cri
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
]

[grpc]
  address = "$ENG_CTRD_SOCK"

[ttrpc]
  address = "$ENG_CTRD_SOCK.ttrpc"

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
${ENG_CTRD_CONFIG_EXTRA:-}
EOF
	# shellcheck disable=SC2086
	${ENG_WRAP:-} "$CONTAINERD_BIN" --config "$d/config.toml" >"$d/containerd.log" 2>&1 </dev/null &
	ENG_CTRD_PID=$!
	echo "$ENG_CTRD_PID" >"$d/pid"
	export ENG_CTRD_PID
	eng_wait_daemon "$ENG_CTRD_PID" containerd "$d/containerd.log" \
		"$CTR_BIN" -a "$ENG_CTRD_SOCK" version
}

# eng_start_dockerd [STORAGE_DRIVER]: overlay2 by default; falls back to vfs
# when overlay2 does not start here.
eng_start_dockerd() {
	local driver=${1:-${ENG_STORAGE_DRIVER:-overlay2}}
	local d=$ENG_DIR/docker
	mkdir -p "$d/data" "$d/exec" "$d/config"
	# daemon.json rather than flags: the runtime table is how contrib/ documents it.
	# ENG_DEFAULT_RUNTIME: dockerd's default runtime (what the classic builder's RUN steps use).
	local default_rt=""
	if [ -n "${ENG_DEFAULT_RUNTIME:-}" ]; then
		default_rt=$(printf '\n  "default-runtime": "%s",' "$ENG_DEFAULT_RUNTIME")
	fi
	cat >"$d/daemon.json" <<EOF
{
  "storage-driver": "$driver",$default_rt
  "runtimes": {
    "ecirun": { "path": "$ECIRUN" }
  }
}
EOF
	# shellcheck disable=SC2086
	${ENG_WRAP:-} "$DOCKERD_BIN" --config-file "${ENG_DOCKERD_CONFIG:-$d/daemon.json}" \
		--data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
		-H "unix://$ENG_DOCKER_SOCK" --containerd "$ENG_CTRD_SOCK" \
		--bridge=none --iptables=false --ip-masq=false --ip-forward=false \
		--userland-proxy=false --init-path "$DOCKER_INIT" \
		>"$d/dockerd.log" 2>&1 </dev/null &
	ENG_DOCKERD_PID=$!
	export ENG_DOCKERD_PID
	if ! eng_wait_daemon "$ENG_DOCKERD_PID" dockerd "$d/dockerd.log" dk info; then
		eng_stop_dockerd
		if [ "$driver" = overlay2 ]; then
			eng_log "dockerd did not start with overlay2; retrying with vfs"
			eng_start_dockerd vfs
			return
		fi
		return 1
	fi
	ENG_STORAGE_DRIVER=$driver
	export ENG_STORAGE_DRIVER
}

dk() {
	"$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" "$@"
}

ctr_() {
	"$CTR_BIN" -a "$ENG_CTRD_SOCK" "$@"
}

eng_ensure_rootfs() {
	[ -e "$ENG_ROOTFS/.ecirun-rootfs-complete" ] && return 0
	"$ENG_TOP/tests/integration/build-rootfs.sh" "$ENG_ROOTFS"
}

# A tarball of the busybox rootfs (no stamp file), made once per $ENG_DIR.
eng_rootfs_tar() {
	local t=$ENG_DIR/rootfs.tar
	if [ ! -s "$t" ]; then
		eng_ensure_rootfs || return 1
		tar -C "$ENG_ROOTFS" --exclude=./.ecirun-rootfs-complete --numeric-owner -cf "$t" . || return 1
	fi
	echo "$t"
}

eng_import_docker_image() {
	local t
	t=$(eng_rootfs_tar) || return 1
	dk import -c 'CMD ["/bin/sh"]' "$t" "$ENG_IMAGE" >/dev/null
}

# Write an OCI image layout archive of the rootfs to $ENG_DIR/oci.tar.
# Crafted by hand so that containerd tests need neither a registry nor dockerd.
eng_make_oci_archive() {
	local o=$ENG_DIR/oci b t layer_digest layer_size diff_id cfg cfg_digest cfg_size man man_digest man_size
	t=$(eng_rootfs_tar) || return 1
	rm -rf "$o"
	b=$o/blobs/sha256
	mkdir -p "$b"
	diff_id=$(sha256sum "$t" | cut -d' ' -f1)
	gzip -1 -n -c "$t" >"$o/layer.tar.gz"
	layer_digest=$(sha256sum "$o/layer.tar.gz" | cut -d' ' -f1)
	layer_size=$(stat -c %s "$o/layer.tar.gz")
	mv "$o/layer.tar.gz" "$b/$layer_digest"

	cfg='{"architecture":"'"$(eng_goarch)"'","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":'"${ENG_OCI_CMD:-[\"/bin/sh\"]}"'},"rootfs":{"type":"layers","diff_ids":["sha256:'"$diff_id"'"]}}'
	printf '%s' "$cfg" >"$o/cfg"
	cfg_digest=$(sha256sum "$o/cfg" | cut -d' ' -f1)
	cfg_size=$(stat -c %s "$o/cfg")
	mv "$o/cfg" "$b/$cfg_digest"

	man='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$cfg_digest"'","size":'"$cfg_size"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:'"$layer_digest"'","size":'"$layer_size"'}]}'
	printf '%s' "$man" >"$o/man"
	man_digest=$(sha256sum "$o/man" | cut -d' ' -f1)
	man_size=$(stat -c %s "$o/man")
	mv "$o/man" "$b/$man_digest"

	printf '{"imageLayoutVersion":"1.0.0"}' >"$o/oci-layout"
	printf '%s' '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:'"$man_digest"'","size":'"$man_size"',"annotations":{"io.containerd.image.name":"'"$ENG_CTR_IMAGE"'","org.opencontainers.image.ref.name":"test"}}]}' >"$o/index.json"
	tar -C "$o" -cf "$ENG_DIR/oci.tar" oci-layout index.json blobs
}

# eng_make_layered_archive N TAG: a `docker load` archive of an image of N layers: the busybox
# rootfs, then N-1 layers that each add /layer-K.
eng_make_layered_archive() {
	local n=$1 tag=$2 o=$ENG_DIR/layered-$1 t i layers="" diff_ids="" id
	t=$(eng_rootfs_tar) || return 1
	rm -rf "$o"
	mkdir -p "$o"
	for ((i = 0; i < n; i++)); do
		id=$(printf 'l%03d' "$i")
		mkdir -p "$o/$id"
		if [ "$i" -eq 0 ]; then
			cp "$t" "$o/$id/layer.tar"
		else
			mkdir -p "$o/src-$i"
			echo "$i" >"$o/src-$i/layer-$i"
			tar -C "$o/src-$i" --numeric-owner -cf "$o/$id/layer.tar" "layer-$i"
			rm -rf "$o/src-$i"
		fi
		layers+="${layers:+,}\"$id/layer.tar\""
		diff_ids+="${diff_ids:+,}\"sha256:$(sha256sum "$o/$id/layer.tar" | cut -d' ' -f1)\""
	done
	printf '%s' '{"architecture":"'"$(eng_goarch)"'","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":['"$diff_ids"']}}' >"$o/config.json"
	printf '%s' '[{"Config":"config.json","RepoTags":["'"$tag"'"],"Layers":['"$layers"']}]' >"$o/manifest.json"
	tar -C "$o" -cf "$o.tar" manifest.json config.json $(cd "$o" && ls -d l[0-9]*) && rm -rf "$o" && echo "$o.tar"
}

eng_goarch() {
	case $(uname -m) in
	x86_64) echo amd64 ;;
	aarch64) echo arm64 ;;
	*) uname -m ;;
	esac
}

eng_import_ctr_image() {
	eng_make_oci_archive || return 1
	ctr_ image import "$ENG_DIR/oci.tar" >/dev/null || return 1
	ctr_ image ls -q | grep -qxF "$ENG_CTR_IMAGE"
}

# Stop the process PID (ours) with SIGTERM, SIGKILL after a grace period.
eng_stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	# Reap it if it is our child; harmless otherwise.
	wait "$pid" 2>/dev/null || true
}

eng_stop_dockerd() {
	[ -n "${ENG_DOCKERD_PID:-}" ] || return 0
	# Containers first, while the daemon can still tear them down cleanly.
	if kill -0 "$ENG_DOCKERD_PID" 2>/dev/null; then
		local ids
		ids=$(timeout 20 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" ps -aq 2>/dev/null)
		if [ -n "$ids" ]; then
			# shellcheck disable=SC2086
			timeout 60 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" rm -f $ids >/dev/null 2>&1 || true
		fi
	fi
	eng_stop_pid "$ENG_DOCKERD_PID"
	unset ENG_DOCKERD_PID
}

# containerd tasks left behind (shims are their parents' problem once the
# task is gone): kill and delete every task and container in every namespace.
eng_clean_containerd() {
	local ns t c
	for ns in $(timeout 10 "$CTR_BIN" -a "$ENG_CTRD_SOCK" namespaces ls -q 2>/dev/null); do
		for t in $(timeout 10 "$CTR_BIN" -a "$ENG_CTRD_SOCK" -n "$ns" tasks ls -q 2>/dev/null); do
			timeout 10 "$CTR_BIN" -a "$ENG_CTRD_SOCK" -n "$ns" tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
			timeout 20 "$CTR_BIN" -a "$ENG_CTRD_SOCK" -n "$ns" tasks delete -f "$t" >/dev/null 2>&1 || true
		done
		for c in $(timeout 10 "$CTR_BIN" -a "$ENG_CTRD_SOCK" -n "$ns" containers ls -q 2>/dev/null); do
			timeout 20 "$CTR_BIN" -a "$ENG_CTRD_SOCK" -n "$ns" containers delete "$c" >/dev/null 2>&1 || true
		done
	done
}

eng_stop_containerd() {
	[ -n "${ENG_CTRD_PID:-}" ] || return 0
	if kill -0 "$ENG_CTRD_PID" 2>/dev/null; then
		eng_clean_containerd
	fi
	eng_stop_pid "$ENG_CTRD_PID"
	unset ENG_CTRD_PID
}

# Shims whose containerd was ours and that outlived it (their cmdline names our
# socket). Matched by our own unique path, then ended by pid.
eng_kill_our_shims() {
	local p
	[ -n "${ENG_DIR:-}" ] || return 0
	for p in /proc/[0-9]*; do
		if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$ENG_CTRD_SOCK"; then
			kill -KILL "${p#/proc/}" 2>/dev/null || true
		fi
	done
}

eng_stop_all() {
	[ -n "${ENG_DIR:-}" ] || return 0
	eng_stop_dockerd
	eng_stop_containerd
	eng_kill_our_shims
	# Mounts left under our directories (overlay2 layers, shm, netns, snapshots).
	local m
	for m in $(awk -v d="$ENG_DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$ENG_DIR" 2>/dev/null || {
		# Busy leftovers: report, do not fail teardown.
		eng_log "could not remove all of $ENG_DIR"
	}
	unset ENG_DIR
}
