#!/bin/bash
# Build a Debian rootfs with extra packages, for the system-workload tests
# (systemd as init, Docker-in-Docker).
#
# Usage: build-debian-rootfs.sh DEST PACKAGES   (PACKAGES: comma-separated, e.g. systemd,systemd-sysv)
#
# debootstrap (minbase + PACKAGES) from the Debian archive this host's apt uses;
# no image registry. Idempotent and safe against concurrent callers: it builds
# into a temporary directory under a lock and renames it into place, with a
# stamp written last. Exit status 2: debootstrap failed twice (the archive could not be reached
# or served the packages); 1: anything else (no debootstrap, ...).
set -euo pipefail

DEST=${1:?usage: build-debian-rootfs.sh DEST PACKAGES}
PACKAGES=${2:?usage: build-debian-rootfs.sh DEST PACKAGES}
SUITE=${SUITE:-bookworm}
STAMP=.ecirun-rootfs-complete

[ -e "$DEST/$STAMP" ] && exit 0
command -v debootstrap >/dev/null || {
	echo "build-debian-rootfs.sh: debootstrap is missing (apt-get install debootstrap)" >&2
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
exec 9>"$DEST.lock"
flock 9
[ -e "$DEST/$STAMP" ] && exit 0
rm -rf "$DEST"

tmp=$(mktemp -d "$DEST.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log="$DEST.debootstrap.log"
ok=
for attempt in 1 2; do
	if debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$tmp/root" "$mirror" >"$log" 2>&1; then
		ok=1
		break
	fi
	echo "build-debian-rootfs.sh: debootstrap attempt $attempt failed (see $log)" >&2
	rm -rf "$tmp/root"
done
if [ -z "$ok" ]; then
	# The archive (network, mirror, a package mid-update) is not ecirun's to fix: status 2 lets
	# the tests skip, saying why, rather than fail.
	tail -5 "$log" >&2
	exit 2
fi
rm -f "$tmp"/root/var/cache/apt/archives/*.deb
echo ecirun-debian >"$tmp/root/etc/hostname"
touch "$tmp/root/$STAMP"
chmod 0755 "$tmp/root"
mv -T "$tmp/root" "$DEST"
