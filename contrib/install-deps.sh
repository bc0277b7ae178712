#!/usr/bin/env bash
# Install the Debian packages ecirun needs to build and test, when they are missing.
# Usage: contrib/install-deps.sh [--engines]   (--engines adds docker.io, containerd, podman,
# docker-compose and python3-grpcio for tests/engines: eci.bats, podman.bats, cri.bats)
set -euo pipefail

pkgs=(build-essential autoconf automake libtool pkg-config
	libyajl-dev libseccomp-dev libcap-dev libmnl-dev libfuse3-dev fuse3
	bats bats-support bats-assert jq busybox-static runc util-linux iproute2 python3 time
	debootstrap)
[ "${1:-}" = "--engines" ] && pkgs+=(docker.io containerd podman containernetworking-plugins
	docker-compose python3-grpcio)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
