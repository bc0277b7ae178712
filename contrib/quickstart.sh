#!/usr/bin/env bash
# Quick start on a fresh Debian 12 machine (as root): install what is needed, build and install
# ecirun, build a busybox rootfs (no registry needed) and run an isolated container.
set -euo pipefail
cd "$(dirname "$0")/.."

contrib/install-deps.sh
./autogen.sh >/dev/null
mkdir -p build
(cd build && ../configure -q && make -j"$(nproc)" >/dev/null && make install >/dev/null)
echo "installed: $(command -v ecirun) ($(ecirun --version | head -1))"

tests/integration/build-rootfs.sh >/dev/null
bundle=$(mktemp -d /tmp/ecirun-demo.XXXXXX)
chmod 755 "$bundle"
cp -a tests/integration/.cache/rootfs "$bundle/rootfs"
ecirun spec --bundle "$bundle"
# A non-interactive workload that shows who it is inside and how that maps to the host.
jq '.process.terminal = false
    | .process.args = ["sh", "-c", "echo \"inside: $(id)\"; echo \"uid_map: $(cat /proc/self/uid_map)\"; hostname"]' \
	"$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"
ecirun --root /run/ecirun-demo run --bundle "$bundle" "demo-$$"
rm -rf "$bundle"
