/* /proc/sys of a container: which sysctls belong to the container's own namespaces (passed
   through in them), which host-global ones it may set for itself (virtualised: the host's value
   until the container writes one, then that value for this container only, never the host's),
   and the rest, which it sees read-only. Pure: a table and the kernel's validation rules. */
#ifndef PE_SYSCTL_H
#define PE_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pe_sysctl_class
{
  PE_SYSCTL_HOST_RO, /* host-global, not virtualised: the host's value, read-only */
  PE_SYSCTL_NS,      /* the container's network, IPC or UTS namespace: read and written there */
  PE_SYSCTL_NS_USER, /* the container's user namespace (user.*) */
  PE_SYSCTL_NS_PID,  /* the container's pid namespace (kernel.ns_last_pid) */
  PE_SYSCTL_VIRTUAL, /* host-global, virtualised per container (pe_sysctl_table) */
  PE_SYSCTL_HIDDEN,  /* not shown at all: another file system below /proc/sys (binfmt_misc) */
};

enum pe_sysctl_type
{
  PE_SYSCTL_INT,    /* proc_dointvec(_minmax): int vector of n values, each in [min, max] */
  PE_SYSCTL_ULONG,  /* proc_doulongvec_minmax: unsigned long in [min, max] */
  PE_SYSCTL_STRING, /* proc_dostring: at most n - 1 bytes, up to the first newline */
};

struct pe_sysctl
{
  const char *path; /* below /proc/sys: "vm/max_map_count" */
  enum pe_sysctl_type type;
  unsigned n;       /* INT: values in the vector (1 for a plain int); STRING: maxlen */
  int64_t min, max; /* INT, ULONG: the kernel's extra1 / extra2 */
  unsigned mode;    /* 0644, or 0200 for the write-only ones (vm.drop_caches) */
  bool no_store;    /* a write-only action (drop_caches): validated, then forgotten */
};

/* The class of a path below /proc/sys ("net/ipv4/ip_forward"; "" is /proc/sys itself); *ret
   is its table entry for PE_SYSCTL_VIRTUAL, else NULL. */
enum pe_sysctl_class pe_sysctl_classify (const char *path, const struct pe_sysctl **ret);
/* The virtualised sysctls, sorted by path. */
const struct pe_sysctl *pe_sysctl_table (size_t *ret_n);

/* Validate what a writer gives (buf, len) as the kernel would for this sysctl, and store its
   normalised text ("65530\n", "4\t4\t1\t7\n", "core\n") in ret (size >= PE_SYSCTL_VALUE_MAX).
   Integers may be decimal, 0x hex or 0 octal, one or more separated by blanks; strings end at
   the first newline and are cut to n - 1 bytes. cur is the current text (for a vector
   written only in part). 0, or -EINVAL. */
#define PE_SYSCTL_VALUE_MAX 256
int pe_sysctl_parse (const struct pe_sysctl *s, const char *buf, size_t len, const char *cur,
                     char *ret);

/* The values a container wrote, one per sysctl. */
struct pe_sysctl_store
{
  struct
  {
    const struct pe_sysctl *s;
    char value[PE_SYSCTL_VALUE_MAX];
  } * v;
  size_t n;
};
/* The container's own value, or NULL (never written: the host's value applies). */
const char *pe_sysctl_store_get (const struct pe_sysctl_store *st, const struct pe_sysctl *s);
void pe_sysctl_store_set (struct pe_sysctl_store *st, const struct pe_sysctl *s, const char *value);
void pe_sysctl_store_release (struct pe_sysctl_store *st);

#endif
