#!/bin/bash
# Build the hermetic busybox rootfs used by the integration tests.
#
# Usage: build-rootfs.sh [DEST]   (default: tests/integration/.cache/rootfs)
#
# The rootfs is made from one static binary (Debian package busybox-static),
# without network or registry access. The script is idempotent: an existing,
# complete rootfs is left alone. It builds into a temporary directory and
# renames it into place, under a lock, so concurrent callers (bats -j) never
# see a half-built tree.
set -euo pipefail

HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
DEST=${1:-$HERE/.cache/rootfs}
BUSYBOX=${BUSYBOX:-/bin/busybox}

# A stamp written last marks a complete tree.
STAMP=.ecirun-rootfs-complete

if [ -e "$DEST/$STAMP" ]; then
	exit 0
fi

if ! file_out=$(LC_ALL=C file -L "$BUSYBOX" 2>/dev/null) || [[ "$file_out" != *"statically linked"* ]]; then
	# `file` may be missing; fall back to checking the binary runs at all.
	if ! "$BUSYBOX" true 2>/dev/null; then
		echo "build-rootfs.sh: $BUSYBOX is not usable; install busybox-static" >&2
		exit 1
	fi
	if command -v ldd >/dev/null && ldd "$BUSYBOX" >/dev/null 2>&1; then
		echo "build-rootfs.sh: $BUSYBOX is dynamically linked; install busybox-static" >&2
		exit 1
	fi
fi

parent=$(dirname "$DEST")
mkdir -p "$parent"

exec 9>"$parent/.rootfs.lock"
flock 9
# Someone else may have finished while we waited for the lock.
if [ -e "$DEST/$STAMP" ]; then
	exit 0
fi
rm -rf "$DEST"

tmp=$(mktemp -d "$parent/.rootfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp"/{bin,sbin,etc,root,home/user,tmp,proc,sys,dev,run,var/tmp,usr/bin,usr/sbin}
chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
chmod 0700 "$tmp/root"

cp "$BUSYBOX" "$tmp/bin/busybox"
chmod 0755 "$tmp/bin/busybox"
for applet in $("$BUSYBOX" --list); do
	[ "$applet" = busybox ] && continue
	ln -sf busybox "$tmp/bin/$applet"
done
# Always provide a shell, whatever the applet list says.
ln -sf busybox "$tmp/bin/sh"

cat >"$tmp/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/false
EOF
cat >"$tmp/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
tty:x:5:
user:x:1000:
nogroup:x:65534:
EOF
chown 1000:1000 "$tmp/home/user"
echo "ecirun-test" >"$tmp/etc/hostname"
: >"$tmp/etc/hosts"
: >"$tmp/etc/resolv.conf"

touch "$tmp/$STAMP"
chmod 0755 "$tmp"
mv -T "$tmp" "$DEST"
trap - EXIT
