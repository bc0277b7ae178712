#include <config.h>
#include "mount_opts.h"

#include <string.h>
#include <sys/mount.h>

#include "utils.h"

/* Older C libraries lack the newest constants; the values are the kernel's ABI. */
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY      0x00000001
#define MOUNT_ATTR_NOSUID      0x00000002
#define MOUNT_ATTR_NODEV       0x00000004
#define MOUNT_ATTR_NOEXEC      0x00000008
#define MOUNT_ATTR__ATIME      0x00000070
#define MOUNT_ATTR_RELATIME    0x00000000
#define MOUNT_ATTR_NOATIME     0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME  0x00000080
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

enum opt_kind
{
  OPT_NONE,      /* accepted, no effect ("defaults") */
  OPT_SET,       /* set an MS_* flag */
  OPT_CLEAR,     /* clear an MS_* flag */
  OPT_PROPAGATE, /* MS_SHARED/... (| MS_REC) */
  OPT_REC_SET,   /* set a MOUNT_ATTR_* bit recursively */
  OPT_REC_CLEAR, /* clear a MOUNT_ATTR_* bit recursively */
  OPT_ATIME_SET, /* pick one access-time mode (MOUNT_ATTR__ATIME is an enum, not bits) */
  OPT_ATIME_CLEAR,
  OPT_BIND,
  OPT_RBIND,
  OPT_IDMAP,
  OPT_RIDMAP,
  OPT_TMPCOPYUP,
};

struct opt_entry
{
  const char *name;
  enum opt_kind kind;
  unsigned long value;
};

static const struct opt_entry opt_table[] = {
  { "defaults", OPT_NONE, 0 },
  { "ro", OPT_SET, MS_RDONLY },
  { "rw", OPT_CLEAR, MS_RDONLY },
  { "nosuid", OPT_SET, MS_NOSUID },
  { "suid", OPT_CLEAR, MS_NOSUID },
  { "nodev", OPT_SET, MS_NODEV },
  { "dev", OPT_CLEAR, MS_NODEV },
  { "noexec", OPT_SET, MS_NOEXEC },
  { "exec", OPT_CLEAR, MS_NOEXEC },
  { "sync", OPT_SET, MS_SYNCHRONOUS },
  { "async", OPT_CLEAR, MS_SYNCHRONOUS },
  { "dirsync", OPT_SET, MS_DIRSYNC },
  { "remount", OPT_SET, MS_REMOUNT },
  { "mand", OPT_SET, MS_MANDLOCK },
  { "nomand", OPT_CLEAR, MS_MANDLOCK },
  { "noatime", OPT_SET, MS_NOATIME },
  { "atime", OPT_CLEAR, MS_NOATIME },
  { "nodiratime", OPT_SET, MS_NODIRATIME },
  { "diratime", OPT_CLEAR, MS_NODIRATIME },
  { "relatime", OPT_SET, MS_RELATIME },
  { "norelatime", OPT_CLEAR, MS_RELATIME },
  { "strictatime", OPT_SET, MS_STRICTATIME },
  { "nostrictatime", OPT_CLEAR, MS_STRICTATIME },
  { "lazytime", OPT_SET, MS_LAZYTIME },
  { "nolazytime", OPT_CLEAR, MS_LAZYTIME },
  { "iversion", OPT_SET, MS_I_VERSION },
  { "noiversion", OPT_CLEAR, MS_I_VERSION },
  { "silent", OPT_SET, MS_SILENT },
  { "loud", OPT_CLEAR, MS_SILENT },
  { "nosymfollow", OPT_SET, MS_NOSYMFOLLOW },
  { "symfollow", OPT_CLEAR, MS_NOSYMFOLLOW },
  { "bind", OPT_BIND, MS_BIND },
  { "rbind", OPT_RBIND, MS_BIND | MS_REC },
  { "private", OPT_PROPAGATE, MS_PRIVATE },
  { "rprivate", OPT_PROPAGATE, MS_PRIVATE | MS_REC },
  { "shared", OPT_PROPAGATE, MS_SHARED },
  { "rshared", OPT_PROPAGATE, MS_SHARED | MS_REC },
  { "slave", OPT_PROPAGATE, MS_SLAVE },
  { "rslave", OPT_PROPAGATE, MS_SLAVE | MS_REC },
  { "unbindable", OPT_PROPAGATE, MS_UNBINDABLE },
  { "runbindable", OPT_PROPAGATE, MS_UNBINDABLE | MS_REC },
  { "rro", OPT_REC_SET, MOUNT_ATTR_RDONLY },
  { "rrw", OPT_REC_CLEAR, MOUNT_ATTR_RDONLY },
  { "rnosuid", OPT_REC_SET, MOUNT_ATTR_NOSUID },
  { "rsuid", OPT_REC_CLEAR, MOUNT_ATTR_NOSUID },
  { "rnodev", OPT_REC_SET, MOUNT_ATTR_NODEV },
  { "rdev", OPT_REC_CLEAR, MOUNT_ATTR_NODEV },
  { "rnoexec", OPT_REC_SET, MOUNT_ATTR_NOEXEC },
  { "rexec", OPT_REC_CLEAR, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", OPT_REC_SET, MOUNT_ATTR_NODIRATIME },
  { "rdiratime", OPT_REC_CLEAR, MOUNT_ATTR_NODIRATIME },
  { "rnosymfollow", OPT_REC_SET, MOUNT_ATTR_NOSYMFOLLOW },
  { "rsymfollow", OPT_REC_CLEAR, MOUNT_ATTR_NOSYMFOLLOW },
  { "rrelatime", OPT_ATIME_SET, MOUNT_ATTR_RELATIME },
  { "rnorelatime", OPT_ATIME_CLEAR, MOUNT_ATTR_RELATIME },
  { "rnoatime", OPT_ATIME_SET, MOUNT_ATTR_NOATIME },
  { "ratime", OPT_ATIME_CLEAR, MOUNT_ATTR_NOATIME },
  { "rstrictatime", OPT_ATIME_SET, MOUNT_ATTR_STRICTATIME },
  { "rnostrictatime", OPT_ATIME_CLEAR, MOUNT_ATTR_STRICTATIME },
  { "idmap", OPT_IDMAP, 0 },
  { "ridmap", OPT_RIDMAP, 0 },
  { "tmpcopyup", OPT_TMPCOPYUP, 0 },
};

static const struct opt_entry *
opt_lookup (const char *name)
{
  size_t i;

  for (i = 0; i < ARRAY_SIZE (opt_table); i++)
    if (strcmp (opt_table[i].name, name) == 0)
      return &opt_table[i];
  return NULL;
}

static void
data_append (char **data, size_t *len, const char *opt)
{
  size_t n = strlen (opt);
  size_t sep = *len ? 1 : 0;

  *data = xrealloc (*data, *len + sep + n + 1);
  if (sep)
    (*data)[(*len)++] = ',';
  memcpy (*data + *len, opt, n + 1);
  *len += n;
}

/* Options apply left to right and the last word wins, as with mount(8) and runc: "ro,rw" is
   read-write, "rnoatime,rrelatime" is relatime. */
int
mount_opts_parse (char *const *options, size_t n, struct mount_opts *ret, ecirun_error_t *err)
{
  size_t i, data_len = 0;
  char *data = NULL;

  memset (ret, 0, sizeof (*ret));
  for (i = 0; i < n; i++)
    {
      const char *o = options[i];
      const struct opt_entry *e;

      if (o == NULL)
        {
          free (data);
          return make_error (err, 0, "mount option %zu is missing", i);
        }
      if (*o == '\0')
        continue;
      e = opt_lookup (o);
      if (e == NULL)
        {
          data_append (&data, &data_len, o);
          continue;
        }
      switch (e->kind)
        {
        case OPT_NONE:
          break;
        case OPT_SET:
          ret->flags |= e->value;
          ret->clear_flags &= ~e->value;
          break;
        case OPT_CLEAR:
          ret->clear_flags |= e->value;
          ret->flags &= ~e->value;
          break;
        case OPT_BIND:
        case OPT_RBIND:
          ret->flags |= e->value;
          ret->bind = true;
          if (e->kind == OPT_RBIND)
            ret->recursive = true;
          break;
        case OPT_PROPAGATE:
          ret->propagation = e->value;
          break;
        case OPT_REC_SET:
          ret->rec_attr_set |= e->value;
          ret->rec_attr_clr &= ~(uint64_t)e->value;
          break;
        case OPT_REC_CLEAR:
          ret->rec_attr_clr |= e->value;
          ret->rec_attr_set &= ~(uint64_t)e->value;
          break;
        case OPT_ATIME_SET:
          /* mount_setattr(2): an access-time mode is chosen by clearing the whole
             MOUNT_ATTR__ATIME field and setting the mode in attr_set. */
          ret->rec_attr_set = (ret->rec_attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | e->value;
          ret->rec_attr_clr |= MOUNT_ATTR__ATIME;
          break;
        case OPT_ATIME_CLEAR:
          /* Dropping a mode falls back to the kernel default, relatime; the kernel refuses
             a partial MOUNT_ATTR__ATIME in attr_clr. */
          ret->rec_attr_set &= ~(uint64_t)e->value;
          ret->rec_attr_clr |= MOUNT_ATTR__ATIME;
          break;
        case OPT_IDMAP:
          ret->idmap = true;
          break;
        case OPT_RIDMAP:
          ret->idmap = true;
          ret->idmap_recursive = true;
          break;
        case OPT_TMPCOPYUP:
          ret->tmpcopyup = true;
          break;
        }
    }
  ret->data = data;
  return 0;
}

void
mount_opts_release (struct mount_opts *o)
{
  if (o == NULL)
    return;
  free (o->data);
  o->data = NULL;
}

long
mount_propagation_from_name (const char *name)
{
  const struct opt_entry *e;

  if (name == NULL || *name == '\0')
    return 0;
  e = opt_lookup (name);
  if (e == NULL || e->kind != OPT_PROPAGATE)
    return -1;
  return (long)e->value;
}
