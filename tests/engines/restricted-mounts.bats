#!/usr/bin/env bats
# dockerd (private instance) with `--runtime=ecirun` and restricted host mounts
# (docs/policy.md): the engine's socket and data directory, the host's /etc and
# the whole host cannot be bind-mounted into a container, and docker's own
# per-container files and named volumes keep working. The private dockerd's
# data-root and socket are not the default /var/lib/docker and
# /run/docker.sock, so the admin policy names them, as docs/policy.md says to.
#
# With ENG_RUNTIME=runc every refusal test fails: runc mounts what it is given.

load helpers

IMG=ecirun-busybox:test

engines_before_start() {
	local data="$ENG_DIR/docker/data"
	ENG_POLICY="$ENG_DIR/ecirun-policy.json"
	jq -n --arg data "$data" --arg sock "$ENG_DOCKER_SOCK" --arg ctrd "$ENG_DIR/containerd" '{
		restrictedMounts: ["/boot", "/dev", "/etc", "/proc", "/root", "/sys", "/run/docker.sock",
			"/run/containerd", "/var/lib/docker", "/var/lib/containerd", $data, $sock, $ctrd],
		allowedMounts: [($data + "/containers/{id}"), ($data + "/containers/*/hosts"),
			($data + "/containers/*/hostname"), ($data + "/containers/*/resolv.conf"),
			($data + "/containers/*/mounts/shm"), ($data + "/volumes/*/_data")]
	}' >"$ENG_POLICY"
	chmod 0644 "$ENG_POLICY"
	export ECIRUN_POLICY=$ENG_POLICY
}

docker_hooks

# refused SOURCE DEST RULE: `docker run -v SOURCE:DEST` fails with ecirun's
# message naming RULE, and no container is left running.
refused() {
	local before
	before=$(inspect_running)
	drun -v "$1:$2" "$IMG" true
	assert_fail
	assert_out_contains "restricted host path $3" "containers may not mount it"
	assert_eq "$(inspect_running)" "$before" "running containers after the refusal"
}

# The ids of the running containers.
inspect_running() {
	timeout 20 "$DOCKER_BIN" --config "$ENG_DIR/docker/config" -H "unix://$ENG_DOCKER_SOCK" ps -q --no-trunc
}

@test "the engine's socket cannot be mounted into a container" {
	refused "$ENG_DOCKER_SOCK" /var/run/docker.sock "$ENG_DOCKER_SOCK"
}

@test "the engine's data directory, the host's /etc and the whole host cannot be mounted" {
	refused "$ENG_DIR/docker/data" /x "$ENG_DIR/docker/data"
	refused /etc /host-etc /etc
	refused / /host /boot
}

@test "another container's private files cannot be mounted, its network files can" {
	dstart "$IMG" sleep 1000
	local other=$CID
	refused "$ENG_DIR/docker/data/containers/$other/config.v2.json" /x "$ENG_DIR/docker/data"
	drun -v "$ENG_DIR/docker/data/containers/$other/hosts:/other-hosts:ro" "$IMG" cat /other-hosts
	assert_ok
}

@test "docker's own files, named volumes, host directories and --ipc container: keep working" {
	TESTDIR=$(mktemp -d /tmp/ecirun-rm.XXXXXX)
	chmod 0755 "$TESTDIR"
	echo from-host >"$TESTDIR/f"
	drun -v ecirun-vol:/data -v "$TESTDIR:/mnt" "$IMG" sh -c '
		grep -q localhost /etc/hosts && echo hosts-ok; cat /etc/hostname >/dev/null && echo hostname-ok
		cat /mnt/f; echo in-volume > /data/v; cat /data/v'
	assert_ok
	assert_out_contains hosts-ok hostname-ok from-host in-volume

	dstart --ipc shareable "$IMG" sleep 1000
	local owner=$CID
	drun --ipc "container:$owner" "$IMG" sh -c 'echo shared > /dev/shm/x && echo shm-ok'
	assert_ok
	assert_out_contains shm-ok
	docker_ volume rm ecirun-vol
}
