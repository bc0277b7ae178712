/* The container engine behind a create: where it keeps its data and state, found from the paths
   it hands us (the rootfs and its layers, the bundle, the engine's per-container files), and the
   unix sockets that host root listens on. Both are always restricted mount sources (mount_guard.h),
   wherever the engine was configured to put them. */
#ifndef ECIRUN_ENGINE_H
#define ECIRUN_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

enum engine_dir
{
  ENGINE_DOCKER_ROOT,      /* dockerd --data-root (/var/lib/docker) */
  ENGINE_CONTAINERD_ROOT,  /* containerd's root (/var/lib/containerd) */
  ENGINE_CONTAINERD_STATE, /* containerd's state (/run/containerd): bundles, shim sockets */
  ENGINE_STORAGE_ROOT,     /* containers/storage graph root of CRI-O and podman */
  ENGINE_STORAGE_RUNROOT,  /* its run root (/run/containers/storage) */
  ENGINE_N_DIRS,
};

struct engine_dirs
{
  /* Every directory found of each kind, NULL-terminated (NULL when none). */
  char **dirs[ENGINE_N_DIRS];
};

/* The pattern token of each kind ("{dockerRoot}"...), its default and a description. */
const char *engine_dir_token (enum engine_dir d);
const char *engine_dir_default (enum engine_dir d);
const char *engine_dir_what (enum engine_dir d);

/* Pure: learn the engine's directories from one absolute, resolved host path it gave us for
   container `id`: a layer or mount point of the rootfs (dockerd's .../overlay2/<x>/...,
   vfs/dir/<x>, containerd's .../io.containerd.snapshotter.v1.<name>/snapshots/<n>/...,
   containers/storage's
   .../overlay/<x>/{diff,merged,work}), the bundle (.../io.containerd.runtime.v2.task/<ns>/<id>,
   .../overlay-containers/<id>/userdata) or a bind source (dockerd's .../containers/<id>/hosts).
   Paths that match no layout teach nothing. A bind source (`bind`) is only matched against the
   layouts that hold the container's id, which nobody can name before the engine chose it. */
void engine_dirs_learn (struct engine_dirs *e, const char *path, const char *id, bool bind);
void engine_dirs_release (struct engine_dirs *e);

/* The paths of the listening unix sockets in /proc/net/unix text (abstract and unnamed ones
   skipped), NULL-terminated. Pure. */
char **engine_parse_listeners (const char *proc_net_unix);

#endif
