/* /proc/<pid>/mountinfo, parsed once into entries (proc(5)): the one parser every module uses,
   with the octal escapes of paths (\040 for a space...) undone. */
#ifndef ECIRUN_MOUNTINFO_H
#define ECIRUN_MOUNTINFO_H

#include <stddef.h>
#include "error.h"

struct mountinfo_entry
{
  int id, parent;
  unsigned int major, minor;
  char *root;        /* the mount's root within its file system */
  char *mount_point; /* where it is mounted */
  char *fstype;
  char *source;
  char *super_opts;
};

/* Read and parse a mountinfo file ("/proc/self/mountinfo"). Malformed lines are skipped. */
int mountinfo_read (const char *path, struct mountinfo_entry **ret, size_t *ret_n,
                    ecirun_error_t *err);
/* Parse mountinfo text (modified in place: the entries point into it; free them with
   mountinfo_free, the text separately). Pure; for the tests. */
size_t mountinfo_parse (char *text, struct mountinfo_entry **ret);
void mountinfo_free (struct mountinfo_entry *e, size_t n);

/* Undo the octal escapes of mountinfo in place. */
void mountinfo_unescape (char *s);

#endif
