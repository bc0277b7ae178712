#!/usr/bin/env bats
# Overlay root file systems with many layers, laid out as dockerd's overlay2 keeps them
# (<dir>/l/<26-character link> -> ../<id>/diff, <dir>/<id>/{diff,work,merged}): ecirun
# re-mounts the overlay over ID-mapped layers from inside the user namespace, one layer at a
# time (the kernel takes at most 256 bytes of one fsconfig string: ~9 docker layers). With
# many layers dockerd mounts with paths relative to its overlay2 directory (the option string
# would not fit a page otherwise), and so does this test.
#
# runc passes: it never re-mounts the overlay. ecirun 97248e4 fails from 9 layers on.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# overlay2_rootfs N: $D/overlay2 with N lower layers (the last one the busybox rootfs, each
# other one adding /layer-K), mounted at $D/overlay2/top/merged; sets ROOTFS_PATH.
overlay2_rootfs() {
	local n=$1 d="$TESTDIR/data/overlay2" i id link lower=""
	mkdir -p "$d/l"
	for ((i = 1; i <= n; i++)); do
		id=$(printf 'layer%059d' "$i")
		link=$(printf 'L%025d' "$i")
		mkdir -p "$d/$id/diff"
		if [ "$i" -eq "$n" ]; then
			cp -a "$BUNDLE/rootfs/." "$d/$id/diff/"
		else
			echo "$i" >"$d/$id/diff/layer-$i"
		fi
		ln -s "../$id/diff" "$d/l/$link"
		lower+="${lower:+:}l/$link"
	done
	mkdir -p "$d/top/diff" "$d/top/work" "$d/top/merged"
	(cd "$d" && mount -t overlay overlay -o "lowerdir=$lower,upperdir=top/diff,workdir=top/work" top/merged) ||
		fail "mount the $n-layer overlay"
	ROOTFS_PATH="$d/top/merged"
	update_config '.root.path = $p' --arg p "$ROOTFS_PATH"
}

@test "an overlay rootfs of 2, 8, 30 and 128 layers (dockerd's overlay2 layout, relative paths) starts" {
	local n
	for n in 2 8 30 128; do
		overlay2_rootfs "$n"
		set_cmd 'ls / | grep -c "^layer-"; cat /layer-1; echo new > /new-file && cat /new-file'
		ecirun run "ct$n"
		assert_ok
		assert_out_eq "$((n - 1))"$'\n'"$(if [ "$n" -gt 1 ]; then echo 1; fi)"$'\nnew'
		[ -f "$TESTDIR/data/overlay2/top/diff/new-file" ] || fail "$n layers: the file is not in the upper dir"
		assert_nothing_left
		umount "$ROOTFS_PATH"
		rm -rf "$TESTDIR/data"
	done
}

@test "an overlay rootfs whose layers are relative to an unknown directory is one clear error" {
	local d="$TESTDIR/o"
	mkdir -p "$d/a" "$d/b/lower" "$d/b/up" "$d/b/wk" "$d/m"
	cp -a "$BUNDLE/rootfs/." "$d/b/lower/"
	(cd "$d/b" && mount -t overlay overlay -o lowerdir=lower,upperdir=up,workdir=wk "$d/m") || fail "mount"
	update_config '.root.path = $p' --arg p "$d/m"
	ecirun run ct1
	assert_fail
	assert_out_contains "overlay rootfs \`$d/m\`: its layers are relative paths" "cannot tell where they are"
	assert_nothing_left
}
