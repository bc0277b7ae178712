/* ECI mode: ecirun standing in for the host's runc (and crun), put there by contrib/ecirun-eci,
   which records each replaced path and where its original is kept in
   /var/lib/ecirun/eci/replaced ($ECIRUN_ECI_DIR for tests). When ecirun was executed through
   such a path, two kinds of containers still go to the original runtime:
   - containers that runtime made (before ECI was enabled): every command on them, so that
     engines can still stop and delete them;
   - the admin's explicit exceptions (eciExceptions in the policy): a create whose --root and
     config.json annotations match one.
   Everything else, and every invocation not through a replaced path, is ecirun's. */
#ifndef ECIRUN_ECI_H
#define ECIRUN_ECI_H

#include <stdbool.h>
#include "error.h"

#define ECI_DIR_DEFAULT "/var/lib/ecirun/eci"
#define ECI_REPLACED    "replaced"

/* argv is main's, argv[cmd_index] the command, root the --root in force. Execs the original
   runtime (with the same arguments) when this invocation is its; returns 0 to go on as ecirun,
   -1 with err when the original runtime cannot be run. */
int eci_delegate (const char *root, int argc, char **argv, int cmd_index, ecirun_error_t *err);

/* Pure: the original of `path` in the text of a `replaced` record (lines PATH \t BACKUP \t
   METHOD), malloc'd, or NULL. */
char *eci_record_lookup (const char *record, const char *path);

/* Pure: the container id among a command's arguments (argv[0] the command): its first operand,
   skipping options and the values of those that take one. NULL when there is none. */
const char *eci_command_id (int argc, char **argv);

/* Is the state in a container directory (the text of its state.json, or NULL when it has none,
   and whether a crun `status` file is there) another runtime's? Pure. */
bool eci_state_is_foreign (const char *state_json, bool has_crun_status);

/* What ECI mode is in force, for `ecirun features`: is a record there, the replaced paths
   (NULL-terminated, malloc'd; NULL when none). */
char **eci_replaced_paths (void);

#endif
