/* The default config.json that `ecirun spec` writes (like runc spec). */
#ifndef ECIRUN_SPEC_H
#define ECIRUN_SPEC_H

#include <stdbool.h>

/* A malloc'ed, pretty-printed config.json for a busybox-style rootfs at "rootfs", running "sh"
   with a terminal, the runc default mounts, masked/readonly paths, capabilities and
   namespaces. rootless: add a user namespace mapping the caller's uid/gid and drop what a
   rootless container cannot do (as runc spec --rootless). */
char *spec_generate (bool rootless);

#endif
