#!/usr/bin/env bats
# Kubernetes through containerd's CRI plugin: the runtime handler `ecirun` of
# contrib/containerd-ecirun.toml (runc v2 shim, BinaryName = ecirun), which a RuntimeClass with
# `handler: ecirun` selects. The kubelet's side is tests/engines/cri-client.py (the CRI gRPC API
# over containerd's socket, Debian's python3-grpcio); no kubelet, crictl or registry: the pause
# image is the suite's busybox running `sleep`; CNI is the loopback plugin
# (containernetworking-plugins) and a plugin of the test's own that gives the pod an eth0 (one
# end of a veth pair whose both ends stay in the pod's namespace, a 127.0.0.2 address: nothing
# on the host changes, no traffic leaves); pinned netns live under containerd's state
# directory (netns_mounts_under_state_dir).
#
# What this shows: the CRI plugin hands every pod sandbox a network namespace it created and
# pinned itself, owned by the host's user namespace; ecirun refuses to join such a namespace
# (a runc container's or the host's: it is not the container's own), so a pod sandbox cannot
# start on ecirun with containerd 1.6 (docs/eci.md, "Kubernetes"). The same pod runs with the
# handler `runc`, and a pod of host network ("NODE") is refused as the host's network.

load helpers

PAUSE=docker.io/library/ecirun-pause:test

engines_before_start() {
	local d=$ENG_DIR/cri
	mkdir -p "$d/cni/conf" "$d/cni/bin" "$d/ecirun-root" "$d/logs"
	ln -s /usr/lib/cni/loopback "$d/cni/bin/loopback"
	# A CNI plugin: eth0 with 127.0.0.2 inside the pod's netns only (the CRI plugin wants an
	# eth0 with an address).
	cat >"$d/cni/bin/pod-eth0" <<'EOF'
#!/bin/sh
case $CNI_COMMAND in
ADD)
	nsenter --net="$CNI_NETNS" sh -c 'ip link add eth0 type veth peer name eth0p &&
		ip addr add 127.0.0.2/8 dev eth0 && ip link set eth0 up' >&2 || exit 1
	printf '{"cniVersion":"0.4.0","interfaces":[{"name":"eth0","sandbox":"%s"}],"ips":[{"version":"4","address":"127.0.0.2/8","interface":0}]}\n' "$CNI_NETNS"
	;;
VERSION) echo '{"cniVersion":"0.4.0","supportedVersions":["0.3.0","0.3.1","0.4.0"]}' ;;
*) ;;
esac
EOF
	chmod +x "$d/cni/bin/pod-eth0"
	cat >"$d/cni/conf/10-pod.conflist" <<EOF
{ "cniVersion": "0.4.0", "name": "pod", "plugins": [ { "type": "loopback" }, { "type": "pod-eth0" } ] }
EOF
	export ENG_CTRD_CRI=1
	export ENG_CTRD_CONFIG_EXTRA="
[plugins.\"io.containerd.grpc.v1.cri\"]
  sandbox_image = \"$PAUSE\"
  netns_mounts_under_state_dir = true
  stream_server_address = \"127.0.0.1\"
  stream_server_port = \"0\"
  enable_selinux = false
  disable_apparmor = true
  restrict_oom_score_adj = true
  [plugins.\"io.containerd.grpc.v1.cri\".cni]
    bin_dir = \"$d/cni/bin\"
    conf_dir = \"$d/cni/conf\"
  [plugins.\"io.containerd.grpc.v1.cri\".containerd]
    snapshotter = \"overlayfs\"
    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]
      runtime_type = \"io.containerd.runc.v2\"
      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]
        BinaryName = \"${RUNC:-/usr/sbin/runc}\"
    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.ecirun]
      runtime_type = \"io.containerd.runc.v2\"
      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.ecirun.options]
        BinaryName = \"$ECIRUN\"
        Root = \"$d/ecirun-root\"
"
}

setup_file() {
	[ -x /usr/lib/cni/loopback ] || skip "no CNI loopback plugin (apt-get install containernetworking-plugins)"
	/usr/bin/python3 -c 'import grpc' 2>/dev/null || skip "python3-grpcio missing (apt-get install python3-grpcio)"
	engines_setup_containerd || return 1
	# Images in the CRI plugin's namespace: the pause image (sleeps) and the workload image.
	ENG_OCI_CMD='["sleep","100000"]' ENG_CTR_IMAGE=$PAUSE eng_make_oci_archive || return 1
	ctr_ -n k8s.io image import "$ENG_DIR/oci.tar" >/dev/null || return 1
	eng_make_oci_archive || return 1
	ctr_ -n k8s.io image import "$ENG_DIR/oci.tar" >/dev/null || return 1
}

teardown_file() {
	engines_teardown
}

teardown() {
	local p
	for p in ${PODS:-}; do
		cri stopp "$p" >/dev/null 2>&1
		cri rmp "$p" >/dev/null 2>&1
	done
	true
}

cri() {
	timeout 150 /usr/bin/python3 "$ENGINES_ROOT/cri-client.py" "$ENG_CTRD_SOCK" "$@"
}

# cri_ ARGS: through bats' `run`, recorded.
cri_() {
	LAST_CMD="cri-client $*"
	run cri "$@"
	echo "\$ $LAST_CMD (status=$status)" >&2
	echo "$output" >&2
}

@test "cri: the CRI API answers on containerd's socket" {
	cri_ version
	assert_ok
	assert_out_match '^containerd .* v1'
}

@test "cri: with the runc handler a pod sandbox and a container in it run (the client and the configuration work)" {
	cri_ runp pod-runc runc pod
	assert_ok "RunPodSandbox (runc)"
	local pod=${lines[-1]} ctr
	PODS="$pod"
	cri_ create "$pod" c1 "$ENG_CTR_IMAGE" 0 sleep 600
	assert_ok "CreateContainer"
	ctr=${lines[-1]}
	cri_ start "$ctr"
	assert_ok "StartContainer"
	cri_ status "$ctr"
	assert_ok
	assert_out_match '^RUNNING [0-9]+'
	cri_ stop "$ctr"
	cri_ rm "$ctr"
	assert_ok
}

@test "cri: a pod sandbox on the ecirun handler is refused: its network namespace is the CRI plugin's, of the host's user namespace" {
	cri_ runp pod-eci ecirun pod
	assert_fail
	# ecirun's refusal reaches the kubelet's side, one line.
	assert_out_contains "network namespace"
	assert_out_contains "user namespace"
	# Nothing of ecirun is left: no state, no ID block of the sandbox.
	[ -z "$(ls "$ENG_DIR/cri/ecirun-root")" ] || fail "ecirun state left: $(ls "$ENG_DIR/cri/ecirun-root")"
}

@test "cri: a host-network pod (NODE) on ecirun is refused as the host's network" {
	cri_ runp pod-node ecirun node
	assert_fail
	assert_out_contains "network"
}
