#!/usr/bin/env bats
# Real images through dockerd (the compatibility issue): images of 2 to 125 layers (dockerd's
# layer store refuses deeper images; with its init layer and the container's upper dir that is
# the 127 layers overlay2 mounts; tests/integration/layers.bats mounts 128), and a 30-step
# Dockerfile built with the classic builder, whose RUN steps run on dockerd's default runtime,
# here the runtime under test.
#
# runc passes. ecirun 97248e4 fails from 9 layers on (the whole layer list went to fsconfig as
# one string, which the kernel caps at 256 bytes), and its classic builds die at step 9.

load helpers

IMG=ecirun-busybox:test

engines_before_start() {
	export ENG_DEFAULT_RUNTIME=$ENG_RUNTIME
}

docker_hooks

@test "images of 2, 8, 30 and 125 layers (dockerd's maximum: it refuses more with \"max depth exceeded\") run" {
	local n archive
	for n in 2 8 30 125; do
		archive=$(eng_make_layered_archive "$n" "layers:$n") || fail "make the $n-layer archive"
		docker_ load -i "$archive"
		assert_ok "docker load ($n layers)"
		rm -f "$archive"
		drun "layers:$n" sh -c 'ls / | grep -c "^layer-"; echo ok > /written && cat /written'
		assert_ok "$n layers"
		assert_out_eq "$((n - 1))"$'\nok'
		docker_ rmi "layers:$n"
	done
}

@test "a 30-step Dockerfile builds with the classic builder, its RUN steps isolated" {
	make_testdir
	{
		echo "FROM $IMG"
		for i in $(seq 1 29); do echo "RUN echo $i > /step-$i"; done
		echo 'RUN cat /proc/self/uid_map > /uid_map'
	} >"$TESTDIR/Dockerfile"
	LAST_CMD="DOCKER_BUILDKIT=0 docker build -t steps:30 $TESTDIR"
	run env DOCKER_BUILDKIT=0 timeout 600 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" \
		-H "unix://$ENG_DOCKER_SOCK" build -t steps:30 "$TESTDIR"
	echo "$output" >&2
	assert_ok "docker build"
	drun steps:30 sh -c 'ls / | grep -c "^step-"; cat /step-29; cat /uid_map'
	assert_ok
	assert_eq "${lines[0]}" 29 "step files"
	assert_eq "${lines[1]}" 29 "the last step's file"
	if [ "$ENG_RUNTIME" != runc ]; then
		# A RUN step in its own user namespace: container root is not host uid 0.
		read -r inside host count <<<"${lines[2]}"
		[ "$inside" = 0 ] && [ "$host" != 0 ] && [ "$count" = 65536 ] ||
			fail "the RUN step's uid_map is '${lines[2]}', not a 65536-ID block"
	fi
	docker_ rmi steps:30
}
