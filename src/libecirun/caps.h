/* Capability names and applying the five sets (libcap). */
#ifndef ECIRUN_CAPS_H
#define ECIRUN_CAPS_H

#include <stdint.h>
#include "config.h"
#include "error.h"

/* "CAP_SYS_ADMIN" -> 21 (case-insensitive, the "CAP_" prefix is required); -1 if unknown. */
int caps_from_name (const char *name);
/* 21 -> "CAP_SYS_ADMIN"; NULL if unknown. */
const char *caps_name (int cap);
/* Highest capability number this table knows (CAP_LAST_CAP of the headers we were built with). */
int caps_last_known (void);

/* In the container init, after setresuid/setresgid with PR_SET_KEEPCAPS: apply the bounding,
   ambient, then effective/permitted/inheritable sets. Capabilities the runtime itself lacks
   (not in its own bounding set, e.g. CAP_SYS_RESOURCE on some hosts) are left out with one
   warning naming them, never an error. The warning is returned in *ret_warning (malloc'ed,
   NULL if none) because the init cannot print: the caller forwards it. */
int caps_apply (const struct capabilities_config *caps, char **ret_warning, ecirun_error_t *err);

#endif
