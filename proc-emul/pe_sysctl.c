/* The sysctl table of a container's /proc/sys (pe_sysctl.h). Ranges are the kernel's
   (extra1/extra2 of each ctl_table, kernel 6.x). */
#include <config.h>
#include "pe_sysctl.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define I(p, lo, hi)                                                                               \
  {                                                                                                \
    p, PE_SYSCTL_INT, 1, lo, hi, 0644, false                                                       \
  }
#define IV(p, n)                                                                                   \
  {                                                                                                \
    p, PE_SYSCTL_INT, n, INT_MIN, INT_MAX, 0644, false                                             \
  }
#define UL(p, lo, hi)                                                                              \
  {                                                                                                \
    p, PE_SYSCTL_ULONG, 1, lo, hi, 0644, false                                                     \
  }
#define S(p, n)                                                                                    \
  {                                                                                                \
    p, PE_SYSCTL_STRING, n, 0, 0, 0644, false                                                      \
  }
#define WO(p, lo, hi)                                                                              \
  {                                                                                                \
    p, PE_SYSCTL_INT, 1, lo, hi, 0200, true                                                        \
  }

/* Host-global sysctls that programs set (databases, JVMs, search engines, init systems,
   crash handlers): a container may set them for itself. Security switches (kptr_restrict,
   dmesg_restrict, yama, protected_*, mmap_min_addr, unprivileged_bpf_disabled, ...) and
   reservations (nr_hugepages) are deliberately absent: the container sees them read-only, as
   it must not believe it changed the host's protection. Sorted by path. */
static const struct pe_sysctl table[] = {
  UL ("fs/aio-max-nr", 0, LONG_MAX),
  UL ("fs/epoll/max_user_watches", 0, LONG_MAX),
  UL ("fs/fanotify/max_user_groups", 0, INT_MAX),
  UL ("fs/fanotify/max_user_marks", 0, INT_MAX),
  UL ("fs/file-max", 0, LONG_MAX),
  I ("fs/inotify/max_queued_events", 0, INT_MAX),
  UL ("fs/inotify/max_user_instances", 0, INT_MAX),
  UL ("fs/inotify/max_user_watches", 0, INT_MAX),
  I ("fs/nr_open", 64, 2147483584), /* sysctl_nr_open_min .. sysctl_nr_open_max (64-bit) */
  S ("kernel/core_pattern", 128),   /* CORENAME_MAX_SIZE */
  I ("kernel/core_pipe_limit", 0, INT_MAX),
  I ("kernel/core_uses_pid", INT_MIN, INT_MAX),
  I ("kernel/nmi_watchdog", 0, 1),
  I ("kernel/panic", INT_MIN, INT_MAX),
  I ("kernel/panic_on_oops", INT_MIN, INT_MAX),
  I ("kernel/panic_on_warn", 0, 1),
  I ("kernel/perf_event_paranoid", INT_MIN, INT_MAX),
  I ("kernel/pid_max", 301, 4194304), /* RESERVED_PIDS + 1 .. PID_MAX_LIMIT (64-bit) */
  IV ("kernel/printk", 4),
  I ("kernel/randomize_va_space", INT_MIN, INT_MAX),
  I ("kernel/softlockup_panic", 0, 1),
  I ("kernel/sysrq", INT_MIN, INT_MAX),
  I ("kernel/threads-max", 20, 0x3fffffff), /* MIN_THREADS .. MAX_THREADS (FUTEX_TID_MASK) */
  I ("kernel/watchdog", 0, 1),
  WO ("vm/compact_memory", 1, 1),
  I ("vm/dirty_background_ratio", 0, 100),
  I ("vm/dirty_expire_centisecs", 0, INT_MAX),
  I ("vm/dirty_ratio", 0, 100),
  I ("vm/dirty_writeback_centisecs", INT_MIN, INT_MAX),
  WO ("vm/drop_caches", 1, 4),
  I ("vm/max_map_count", 0, INT_MAX),
  I ("vm/min_free_kbytes", 0, INT_MAX),
  I ("vm/oom_dump_tasks", 0, 1),
  I ("vm/oom_kill_allocating_task", INT_MIN, INT_MAX),
  I ("vm/overcommit_memory", 0, 2),
  I ("vm/overcommit_ratio", INT_MIN, INT_MAX),
  I ("vm/panic_on_oom", 0, 2),
  I ("vm/swappiness", 0, 200),
  I ("vm/vfs_cache_pressure", 0, INT_MAX),
  I ("vm/zone_reclaim_mode", 0, INT_MAX),
};

#undef I
#undef IV
#undef UL
#undef S
#undef WO

/* Sysctls of the container's own namespaces below kernel/ and fs/ (everything below net/ is
   per network namespace, user/ per user namespace). */
static const char *const ns_kernel[] = {
  /* UTS */
  "kernel/domainname",
  "kernel/hostname",
  /* IPC */
  "kernel/auto_msgmni",
  "kernel/msg_next_id",
  "kernel/msgmax",
  "kernel/msgmnb",
  "kernel/msgmni",
  "kernel/sem",
  "kernel/sem_next_id",
  "kernel/shm_next_id",
  "kernel/shm_rmid_forced",
  "kernel/shmall",
  "kernel/shmmax",
  "kernel/shmmni",
  NULL,
};

const struct pe_sysctl *
pe_sysctl_table (size_t *ret_n)
{
  *ret_n = sizeof (table) / sizeof (table[0]);
  return table;
}

static bool
under (const char *path, const char *dir)
{
  size_t n = strlen (dir);
  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

enum pe_sysctl_class
pe_sysctl_classify (const char *path, const struct pe_sysctl **ret)
{
  size_t lo = 0, hi = sizeof (table) / sizeof (table[0]);

  *ret = NULL;
  if (under (path, "net") || under (path, "fs/mqueue"))
    return PE_SYSCTL_NS;
  if (under (path, "user"))
    return PE_SYSCTL_NS_USER;
  if (strcmp (path, "kernel/ns_last_pid") == 0)
    return PE_SYSCTL_NS_PID;
  /* binfmt_misc is its own file system, mounted there on most hosts: never the container's. */
  if (under (path, "fs/binfmt_misc") && strcmp (path, "fs/binfmt_misc") != 0)
    return PE_SYSCTL_HIDDEN;
  for (size_t i = 0; ns_kernel[i]; i++)
    if (strcmp (path, ns_kernel[i]) == 0)
      return PE_SYSCTL_NS;
  while (lo < hi)
    {
      size_t mid = (lo + hi) / 2;
      int c = strcmp (path, table[mid].path);
      if (c == 0)
        {
          *ret = &table[mid];
          return PE_SYSCTL_VIRTUAL;
        }
      if (c < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  return PE_SYSCTL_HOST_RO;
}

/* The kernel's proc_get_long: optional '-', then a number in base 0 (decimal, 0x, 0), that
   must end at a blank, a newline or the end. */
static int
get_long (const char **p, const char *end, bool *ret_neg, uint64_t *ret)
{
  char tmp[24];
  const char *s = *p;
  size_t n = 0;
  char *e;

  *ret_neg = false;
  if (s < end && *s == '-')
    {
      *ret_neg = true;
      s++;
    }
  while (s + n < end && n < sizeof (tmp) - 1 && !isspace ((unsigned char)s[n]))
    n++;
  if (n == 0 || n >= sizeof (tmp) - 1 || !isdigit ((unsigned char)s[0]))
    return -EINVAL;
  memcpy (tmp, s, n);
  tmp[n] = '\0';
  errno = 0;
  *ret = strtoull (tmp, &e, 0);
  if (errno || *e)
    return -EINVAL;
  *p = s + n;
  return 0;
}

static void
skip_spaces (const char **p, const char *end)
{
  while (*p < end && isspace ((unsigned char)**p))
    (*p)++;
}

int
pe_sysctl_parse (const struct pe_sysctl *s, const char *buf, size_t len, const char *cur, char *ret)
{
  const char *p = buf, *end = buf + len;

  if (s->type == PE_SYSCTL_STRING)
    {
      size_t n = 0;
      while (n < len && buf[n] != '\n' && buf[n] != '\0')
        n++;
      if (n > s->n - 1)
        n = s->n - 1;
      if (n > PE_SYSCTL_VALUE_MAX - 2)
        n = PE_SYSCTL_VALUE_MAX - 2;
      memcpy (ret, buf, n);
      strcpy (ret + n, "\n");
      return 0;
    }

  if (s->type == PE_SYSCTL_ULONG)
    {
      bool neg;
      uint64_t v;

      skip_spaces (&p, end);
      if (p == end || get_long (&p, end, &neg, &v) < 0 || neg || (int64_t)v < s->min
          || v > (uint64_t)s->max)
        return -EINVAL;
      snprintf (ret, PE_SYSCTL_VALUE_MAX, "%" PRIu64 "\n", v);
      return 0;
    }

  /* INT vectors: values given replace the first ones, the others keep cur's. */
  int64_t vals[16];
  unsigned nv = s->n > 16 ? 16 : s->n, given = 0;
  const char *c = cur ? cur : "";

  for (unsigned i = 0; i < nv; i++)
    {
      char *e;
      vals[i] = strtoll (c, &e, 10);
      c = e;
    }
  for (; given < nv; given++)
    {
      bool neg;
      uint64_t v;
      int64_t sv;

      skip_spaces (&p, end);
      if (p == end)
        break;
      if (get_long (&p, end, &neg, &v) < 0)
        return -EINVAL;
      if (neg ? v > (uint64_t)INT_MAX + 1 : v > (uint64_t)INT_MAX)
        return -EINVAL;
      sv = neg ? -(int64_t)v : (int64_t)v;
      if (sv < s->min || sv > s->max)
        return -EINVAL;
      vals[given] = sv;
    }
  if (given == 0)
    return -EINVAL;
  /* The kernel separates the values of a vector with tabs. */
  ret[0] = '\0';
  for (unsigned i = 0; i < nv; i++)
    snprintf (ret + strlen (ret), PE_SYSCTL_VALUE_MAX - strlen (ret), "%s%" PRId64, i ? "\t" : "",
              vals[i]);
  strcat (ret, "\n");
  return 0;
}

const char *
pe_sysctl_store_get (const struct pe_sysctl_store *st, const struct pe_sysctl *s)
{
  for (size_t i = 0; i < st->n; i++)
    if (st->v[i].s == s)
      return st->v[i].value;
  return NULL;
}

void
pe_sysctl_store_set (struct pe_sysctl_store *st, const struct pe_sysctl *s, const char *value)
{
  size_t i;

  for (i = 0; i < st->n && st->v[i].s != s; i++)
    ;
  if (i == st->n)
    {
      void *p = realloc (st->v, (st->n + 1) * sizeof (*st->v));
      if (p == NULL)
        abort ();
      st->v = p;
      st->v[st->n++].s = s;
    }
  snprintf (st->v[i].value, sizeof (st->v[i].value), "%s", value);
}

void
pe_sysctl_store_release (struct pe_sysctl_store *st)
{
  free (st->v);
  st->v = NULL;
  st->n = 0;
}
