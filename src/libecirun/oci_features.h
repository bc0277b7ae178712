/* `ecirun features`: what this build supports, as the OCI features document. */
#ifndef ECIRUN_OCI_FEATURES_H
#define ECIRUN_OCI_FEATURES_H

char *features_json (void);

#endif
