/* `ecirun features`: what this build supports, as the OCI features document. */
#ifndef ECIRUN_OCI_FEATURES_H
#define ECIRUN_OCI_FEATURES_H

/* The document; *ret_policy_error (malloc'd) is set when the admin policy could not be loaded
   (the document then shows the error in place of the policy). */
char *features_json (char **ret_policy_error);

#endif
