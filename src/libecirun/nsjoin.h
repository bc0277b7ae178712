/* Namespaces a config joins by path, matched with the live ecirun containers under one --root
   by namespace identity (st_dev and st_ino of /proc/PID/ns/X of their init), never by a path
   or a pid someone else chose. */
#ifndef ECIRUN_NSJOIN_H
#define ECIRUN_NSJOIN_H

#include <stdbool.h>
#include <stddef.h>
#include "config.h"
#include "error.h"

struct nsjoin_match
{
  char *id;           /* the container under --root */
  long long id_block; /* the ID block its state records (-1: none) */
  bool created;       /* its config made this namespace (the others in it joined it) */
};

/* Per namespace type: the live containers whose init is in the namespace looked for, those
   that created it first; n[t] == 0 (m[t] NULL) when none is, or the type was not asked. */
struct nsjoin_owners
{
  struct nsjoin_match *m[NS__MAX];
  size_t n[NS__MAX];
};

/* For every namespace that lc joins by path (linux.namespaces[].path: net, ipc, pid, uts,
   user...), the live ecirun containers under `root` whose init is in it. A path that cannot be
   opened is an error naming it; a root that does not exist matches nothing. */
int nsjoin_find_owners (const char *root, const struct linux_config *lc, struct nsjoin_owners *ret,
                        ecirun_error_t *err);

/* The same for one namespace of type t, given as an open fd (an nsfs file). */
int nsjoin_find_fd (const char *root, enum ns_type t, int ns_fd, struct nsjoin_owners *ret,
                    ecirun_error_t *err);

void nsjoin_owners_free (struct nsjoin_owners *o);

#endif
