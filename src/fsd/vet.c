/* What the sidecar does with a mount call: pure rules, unit-tested (tests/unit/test_fsd_vet). */
#include <config.h>
#include "fsd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/mount.h>
#include "syscalls.h"
#include "utils.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* File systems whose instances show host-global kernel state: no container gets one, even
   where a kernel would allow it (none of them can be mounted in a user namespace today). */
static const char *const host_fs[] = {
  "debugfs",  "tracefs",  "securityfs", "pstore",  "bpf",  "configfs",   "fusectl",
  "efivarfs", "devtmpfs", "selinuxfs",  "smackfs", "nfsd", "rpc_pipefs",
};

bool
fs_types_known (const struct fs_types *t, const char *name, bool *ret_needs_dev)
{
  size_t len = strlen (name);

  /* Lines are "nodev\t<name>" or "\t<name>". */
  for (const char *p = t->text; p && *p;)
    {
      const char *eol = strchrnul (p, '\n');
      const char *tab = memchr (p, '\t', eol - p);

      if (tab && (size_t)(eol - tab - 1) == len && memcmp (tab + 1, name, len) == 0)
        {
          *ret_needs_dev = tab == p;
          return true;
        }
      p = *eol ? eol + 1 : eol;
    }
  return false;
}

enum vet_verdict
vet_request (const struct mount_req *r, const struct fs_types *t, int *ret_errno)
{
  const unsigned long not_new
      = MS_REMOUNT | MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;
  bool needs_dev = false;

  *ret_errno = 0;
  /* Unmounts, remounts, binds, moves and propagation changes: the kernel's locks and rules
     decide, for the caller's credentials (remount options are translated by perform_call). */
  if (r->call != VETTING_MOUNT || (r->flags & not_new) || r->fstype == NULL)
    return VET_PERFORM;
  /* As the kernel answers: EPERM for a type it has, ENODEV for one it has not (never loading
     a module for a container). */
  for (size_t i = 0; i < ARRAY_SIZE (host_fs); i++)
    if (strcmp (r->fstype, host_fs[i]) == 0)
      {
        *ret_errno = fs_types_known (t, r->fstype, &needs_dev) ? EPERM : ENODEV;
        return VET_REFUSE;
      }
  if (strcmp (r->fstype, "proc") == 0)
    return VET_PROCFS;
  if (strcmp (r->fstype, "sysfs") == 0)
    return VET_SYSFS;
  /* A file system on a block device: the host's disks. None can be mounted in a user
     namespace, so this is the kernel's own answer, given without touching the device. */
  if (fs_types_known (t, r->fstype, &needs_dev) && needs_dev)
    {
      *ret_errno = EPERM;
      return VET_REFUSE;
    }
  return VET_PERFORM;
}

int
id_map_parse (const char *text, struct id_map *ret)
{
  const char *p = text;

  ret->n = 0;
  while (*p)
    {
      unsigned long long in, out, count;
      int used = 0;

      if (sscanf (p, " %llu %llu %llu%n", &in, &out, &count, &used) != 3)
        break;
      if (ret->n >= ID_RANGES_MAX || in > UINT32_MAX || out > UINT32_MAX || count > UINT32_MAX)
        return -1;
      ret->r[ret->n++] = (struct id_range){ (uint32_t)in, (uint32_t)out, (uint32_t)count };
      p += used;
    }
  return 0;
}

bool
id_map_to_inside (const struct id_map *m, uint32_t host, uint32_t *ret)
{
  for (size_t i = 0; i < m->n; i++)
    if (host >= m->r[i].outside && host - m->r[i].outside < m->r[i].count)
      {
        *ret = m->r[i].inside + (host - m->r[i].outside);
        return true;
      }
  return false;
}

bool
id_map_to_host (const struct id_map *m, uint32_t inside, uint32_t *ret)
{
  for (size_t i = 0; i < m->n; i++)
    if (inside >= m->r[i].inside && inside - m->r[i].inside < m->r[i].count)
      {
        *ret = m->r[i].outside + (inside - m->r[i].inside);
        return true;
      }
  return false;
}

/* The option `key` in opts: its value's start and length, or NULL. */
static const char *
opts_find (const char *opts, const char *key, size_t *ret_len)
{
  size_t klen = strlen (key);

  for (const char *p = opts; p && *p;)
    {
      const char *end = strchrnul (p, ',');
      if ((size_t)(end - p) > klen && strncmp (p, key, klen) == 0 && p[klen] == '=')
        {
          *ret_len = end - p - klen - 1;
          return p + klen + 1;
        }
      p = *end ? end + 1 : end;
    }
  return NULL;
}

bool
opts_get_uint (const char *opts, const char *key, unsigned long *ret)
{
  size_t len = 0;
  const char *v = opts_find (opts, key, &len);
  char buf[24];
  uint64_t n;

  if (v == NULL || len == 0 || len >= sizeof (buf))
    return false;
  memcpy (buf, v, len);
  buf[len] = '\0';
  if (parse_u64 (buf, &n) < 0 || n > UINT32_MAX)
    return false;
  *ret = (unsigned long)n;
  return true;
}

char *
opts_replace (const char *opts, const char *key, const char *value)
{
  size_t len = 0;
  const char *v = opts_find (opts, key, &len);

  if (v == NULL)
    return xstrdup (opts);
  return xasprintf ("%.*s%s%s", (int)(v - opts), opts, value, v + len);
}

static char *
translate_one (char *opts, const char *key, const struct id_map *m)
{
  unsigned long n;
  uint32_t unused, inside;
  char buf[16];
  char *r;

  if (!opts_get_uint (opts, key, &n) || id_map_to_host (m, (uint32_t)n, &unused)
      || !id_map_to_inside (m, (uint32_t)n, &inside))
    return opts;
  snprintf (buf, sizeof (buf), "%" PRIu32, inside);
  r = opts_replace (opts, key, buf);
  free (opts);
  return r;
}

char *
vet_translate_ids (const char *opts, const struct id_map *uids, const struct id_map *gids)
{
  char *r = xstrdup (opts);

  r = translate_one (r, "uid", uids);
  r = translate_one (r, "gid", gids);
  if (strcmp (r, opts) == 0)
    {
      free (r);
      return NULL;
    }
  return r;
}

unsigned
vet_mount_attrs (unsigned long flags)
{
  unsigned a = 0;

  if (flags & MS_RDONLY)
    a |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID)
    a |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV)
    a |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC)
    a |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NODIRATIME)
    a |= MOUNT_ATTR_NODIRATIME;
  if (flags & MS_NOSYMFOLLOW)
    a |= MOUNT_ATTR_NOSYMFOLLOW;
  /* As mount(2): relatime unless asked otherwise. */
  if (flags & MS_NOATIME)
    a |= MOUNT_ATTR_NOATIME;
  else if (flags & MS_STRICTATIME)
    a |= MOUNT_ATTR_STRICTATIME;
  return a;
}
