#include <config.h>

#include <sys/capability.h>
#include "caps.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>

#include "utils.h"

/* The newest capabilities, for headers that predate them: the numbers are the kernel's ABI. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT           47
#define PR_CAP_AMBIENT_RAISE     2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static const char *const cap_names[] = {
  [CAP_CHOWN] = "CAP_CHOWN",
  [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
  [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
  [CAP_FOWNER] = "CAP_FOWNER",
  [CAP_FSETID] = "CAP_FSETID",
  [CAP_KILL] = "CAP_KILL",
  [CAP_SETGID] = "CAP_SETGID",
  [CAP_SETUID] = "CAP_SETUID",
  [CAP_SETPCAP] = "CAP_SETPCAP",
  [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
  [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
  [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
  [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
  [CAP_NET_RAW] = "CAP_NET_RAW",
  [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
  [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
  [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
  [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
  [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
  [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
  [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
  [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
  [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
  [CAP_SYS_NICE] = "CAP_SYS_NICE",
  [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
  [CAP_SYS_TIME] = "CAP_SYS_TIME",
  [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
  [CAP_MKNOD] = "CAP_MKNOD",
  [CAP_LEASE] = "CAP_LEASE",
  [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
  [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
  [CAP_SETFCAP] = "CAP_SETFCAP",
  [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
  [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
  [CAP_SYSLOG] = "CAP_SYSLOG",
  [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
  [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
  [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
  [CAP_PERFMON] = "CAP_PERFMON",
  [CAP_BPF] = "CAP_BPF",
  [CAP_CHECKPOINT_RESTORE] = "CAP_CHECKPOINT_RESTORE",
};

int
caps_from_name (const char *name)
{
  size_t i;

  if (name == NULL)
    return -1;
  for (i = 0; i < ARRAY_SIZE (cap_names); i++)
    if (cap_names[i] && strcasecmp (name, cap_names[i]) == 0)
      return (int)i;
  return -1;
}

const char *
caps_name (int cap)
{
  if (cap < 0 || (size_t)cap >= ARRAY_SIZE (cap_names))
    return NULL;
  return cap_names[cap];
}

int
caps_last_known (void)
{
  return (int)ARRAY_SIZE (cap_names) - 1;
}

/* The kernel's highest capability: /proc/sys/kernel/cap_last_cap, or probing the bounding set
   (PR_CAPBSET_READ fails with EINVAL past the last one) when /proc is not usable. */
static int
kernel_last_cap (void)
{
  cleanup_file FILE *f = NULL;
  int last = -1, i;

  f = fopen ("/proc/sys/kernel/cap_last_cap", "re");
  if (f && fscanf (f, "%d", &last) == 1 && last >= 0 && last < 64)
    return last;
  for (i = 0; i < 64; i++)
    if (prctl (PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0) < 0)
      break;
  return i > 0 ? i - 1 : caps_last_known ();
}

static uint64_t
cap_set_bits (cap_t c, cap_flag_t which, int last)
{
  uint64_t bits = 0;
  cap_flag_value_t v;
  int i;

  for (i = 0; i <= last; i++)
    if (cap_get_flag (c, (cap_value_t)i, which, &v) == 0 && v == CAP_SET)
      bits |= UINT64_C (1) << i;
  return bits;
}

static int
caps_fill_set (cap_t c, cap_flag_t which, uint64_t bits, int last)
{
  cap_value_t list[64];
  int i, n = 0;

  for (i = 0; i <= last; i++)
    if (bits & (UINT64_C (1) << i))
      list[n++] = (cap_value_t)i;
  if (n == 0)
    return 0;
  return cap_set_flag (c, which, n, list, CAP_SET);
}

static void
cleanup_capp (cap_t *c)
{
  if (*c)
    cap_free (*c);
}
#define cleanup_cap __attribute__ ((cleanup (cleanup_capp)))

static char *
missing_warning (uint64_t missing, int last)
{
  char *msg = xstrdup ("dropping capabilities the runtime does not hold:");
  const char *sep = " ";
  int i;

  for (i = 0; i < 64; i++)
    {
      const char *name;
      char *next;

      if (!(missing & (UINT64_C (1) << i)))
        continue;
      name = caps_name (i);
      if (name)
        next = xasprintf ("%s%s%s", msg, sep, name);
      else
        next = xasprintf ("%s%s%d%s", msg, sep, i, i > last ? " (unknown to the kernel)" : "");
      free (msg);
      msg = next;
      sep = ", ";
    }
  return msg;
}

/* Order matters: the bounding set can only be reduced with CAP_SETPCAP in the effective set
   (cleared by setresuid to a non-zero uid), so effective is raised to permitted first; the
   ambient set needs its capabilities in permitted and inheritable, so it comes last. */
int
caps_apply (const struct capabilities_config *caps, char **ret_warning, ecirun_error_t *err)
{
  cleanup_cap cap_t cur = NULL;
  cleanup_cap cap_t want = NULL;
  cleanup_free char *warning = NULL;
  uint64_t held = 0, cur_perm, cur_inh, avail, requested, kernel_mask;
  uint64_t bounding, permitted, effective, inheritable, ambient;
  int last, i;

  *ret_warning = NULL;
  last = kernel_last_cap ();
  kernel_mask = last >= 63 ? UINT64_MAX : (UINT64_C (1) << (last + 1)) - 1;

  for (i = 0; i <= last; i++)
    {
      int r = prctl (PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0);
      if (r < 0)
        return make_error (err, errno, "prctl(PR_CAPBSET_READ, %d)", i);
      if (r == 1)
        held |= UINT64_C (1) << i;
    }

  cur = cap_get_proc ();
  if (cur == NULL)
    return make_error (err, errno, "cap_get_proc");
  cur_perm = cap_set_bits (cur, CAP_PERMITTED, last);
  cur_inh = cap_set_bits (cur, CAP_INHERITABLE, last);

  /* What this process can hand on: in its bounding set and in its permitted set. */
  avail = held & cur_perm & kernel_mask;
  requested
      = caps->bounding | caps->effective | caps->inheritable | caps->permitted | caps->ambient;
  if (requested & ~avail)
    warning = missing_warning (requested & ~avail, last);

  bounding = caps->bounding & avail;
  permitted = caps->permitted & avail;
  effective = caps->effective & permitted;
  inheritable = caps->inheritable & avail & (bounding | cur_inh);

  if (held & ~bounding)
    {
      if (caps_fill_set (cur, CAP_EFFECTIVE, cur_perm, last) < 0 || cap_set_proc (cur) < 0)
        return make_error (err, errno, "raise the effective capabilities");
      for (i = 0; i <= last; i++)
        {
          if (!(held & (UINT64_C (1) << i)) || (bounding & (UINT64_C (1) << i)))
            continue;
          if (prctl (PR_CAPBSET_DROP, (unsigned long)i, 0, 0, 0) < 0)
            return make_error (err, errno, "drop %s from the bounding set",
                               caps_name (i) ? caps_name (i) : "capability");
        }
    }

  want = cap_init ();
  if (want == NULL)
    return make_error (err, errno, "cap_init");
  if (caps_fill_set (want, CAP_PERMITTED, permitted, last) < 0
      || caps_fill_set (want, CAP_EFFECTIVE, effective, last) < 0
      || caps_fill_set (want, CAP_INHERITABLE, inheritable, last) < 0)
    return make_error (err, errno, "cap_set_flag");
  if (cap_set_proc (want) < 0)
    return make_error (err, errno, "set the process capabilities");

  /* The kernel only keeps ambient capabilities that are both permitted and inheritable; like
     runc, others are left out rather than failing. */
  ambient = caps->ambient & permitted & inheritable;
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return make_error (err, errno, "clear the ambient capabilities");
  for (i = 0; i <= last; i++)
    {
      if (!(ambient & (UINT64_C (1) << i)))
        continue;
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)i, 0, 0) < 0)
        return make_error (err, errno, "raise the ambient capability %s",
                           caps_name (i) ? caps_name (i) : "?");
    }

  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return make_error (err, errno, "prctl(PR_SET_KEEPCAPS, 0)");
  *ret_warning = TAKE_PTR (warning);
  return 0;
}
