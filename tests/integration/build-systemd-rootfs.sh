#!/bin/bash
# Build a Debian rootfs with systemd as its init, for the system-workload tests.
#
# Usage: build-systemd-rootfs.sh [DEST]   (default: tests/integration/.cache/systemd-rootfs)
#
# debootstrap (minbase + systemd) from the Debian archive this host's apt uses;
# no image registry. Idempotent and safe against concurrent callers: it builds
# into a temporary directory under a lock and renames it into place, with a
# stamp written last. Exit status 2 means the archive could not be reached.
set -euo pipefail

HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
DEST=${1:-$HERE/.cache/systemd-rootfs}
SUITE=${SUITE:-bookworm}
STAMP=.ecirun-rootfs-complete

[ -e "$DEST/$STAMP" ] && exit 0
command -v debootstrap >/dev/null || {
	echo "build-systemd-rootfs.sh: debootstrap is missing (apt-get install debootstrap)" >&2
	exit 1
}

# The mirror of the host's own apt sources (deb822 or one-line format).
mirror=${MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(awk '/^URIs:/ && $2 ~ /\/debian\/?$/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
fi
if [ -z "$mirror" ]; then
	mirror=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
fi
mirror=${mirror:-http://deb.debian.org/debian}

parent=$(dirname "$DEST")
mkdir -p "$parent"
exec 9>"$parent/.systemd-rootfs.lock"
flock 9
[ -e "$DEST/$STAMP" ] && exit 0
rm -rf "$DEST"

tmp=$(mktemp -d "$parent/.systemd-rootfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log="$parent/debootstrap.log"
ok=
for attempt in 1 2; do
	if debootstrap --variant=minbase --include=systemd,systemd-sysv "$SUITE" "$tmp/root" "$mirror" >"$log" 2>&1; then
		ok=1
		break
	fi
	echo "build-systemd-rootfs.sh: debootstrap attempt $attempt failed (see $log)" >&2
	rm -rf "$tmp/root"
done
if [ -z "$ok" ]; then
	tail -5 "$log" >&2
	grep -qiE "couldn't download|failed to resolve|temporary failure|connection" "$log" && exit 2
	exit 1
fi
rm -f "$tmp"/root/var/cache/apt/archives/*.deb
echo ecirun-systemd >"$tmp/root/etc/hostname"
touch "$tmp/root/$STAMP"
chmod 0755 "$tmp/root"
mv -T "$tmp/root" "$DEST"
