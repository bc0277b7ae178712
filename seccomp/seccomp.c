#include <config.h>
#include "seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "../src/libecirun/utils.h"

#ifndef SECCOMP_SET_MODE_FILTER
#define SECCOMP_SET_MODE_FILTER 1
#endif
#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* libseccomp >= 2.6 sets SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV itself; older ones cannot, so
   then the filter is exported and loaded with seccomp(2) directly. */
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
#define HAVE_SCMP_WAITKILL 1
#endif

/* Linux system calls have at most 6 arguments. */
#define SECCOMP_MAX_ARGS 6

#define ERRNO_DEFAULT EPERM

/* Sorted, as `features` lists them. */
static const char *const known_actions[] = {
  "SCMP_ACT_ALLOW",       "SCMP_ACT_ERRNO",
  "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
  "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
  "SCMP_ACT_NOTIFY",      "SCMP_ACT_TRACE",
  "SCMP_ACT_TRAP",        NULL,
};

static const struct
{
  const char *name;
  enum scmp_compare op;
} operator_table[] = {
  { "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
  { "SCMP_CMP_NE", SCMP_CMP_NE },
};
static const char *const known_operators[] = {
  "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
  "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL,
};

/* The names libseccomp resolves (the lowercased suffix is its own name for the arch). */
static const char *const known_archs[] = {
  "SCMP_ARCH_AARCH64",
#ifdef SCMP_ARCH_LOONGARCH64
  "SCMP_ARCH_LOONGARCH64",
#endif
#ifdef SCMP_ARCH_M68K
  "SCMP_ARCH_M68K",
#endif
  "SCMP_ARCH_ARM",         "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",      "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",
  "SCMP_ARCH_PARISC64",    "SCMP_ARCH_PPC",      "SCMP_ARCH_PPC64",       "SCMP_ARCH_PPC64LE",
  "SCMP_ARCH_RISCV64",     "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",
#ifdef SCMP_ARCH_SHEB
  "SCMP_ARCH_SH",          "SCMP_ARCH_SHEB",
#endif
  "SCMP_ARCH_X32",         "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      NULL,
};

enum seccomp_flag
{
  FLAG_TSYNC = 1 << 0,
  FLAG_LOG = 1 << 1,
  FLAG_SPEC_ALLOW = 1 << 2,
  FLAG_WAIT_KILLABLE_RECV = 1 << 3,
};

static const struct
{
  const char *name;
  enum seccomp_flag flag;
} flag_table[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", FLAG_WAIT_KILLABLE_RECV },
};
static const char *const known_flags[] = {
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
  NULL,
};

const char *const *
seccomp_known_actions (void)
{
  return known_actions;
}

const char *const *
seccomp_known_operators (void)
{
  return known_operators;
}

const char *const *
seccomp_known_archs (void)
{
  return known_archs;
}

const char *const *
seccomp_known_flags (void)
{
  return known_flags;
}

/* An OCI action name (with its errnoRet) to libseccomp's action value; -1 if unknown. */
static int
action_resolve (const char *name, const struct opt_u64 *errno_ret, uint32_t *ret)
{
  uint32_t e = errno_ret && errno_ret->set ? (uint32_t)errno_ret->v : ERRNO_DEFAULT;

  if (name == NULL)
    return -1;
  if (strcmp (name, "SCMP_ACT_KILL") == 0 || strcmp (name, "SCMP_ACT_KILL_THREAD") == 0)
    *ret = SCMP_ACT_KILL_THREAD;
  else if (strcmp (name, "SCMP_ACT_KILL_PROCESS") == 0)
    *ret = SCMP_ACT_KILL_PROCESS;
  else if (strcmp (name, "SCMP_ACT_TRAP") == 0)
    *ret = SCMP_ACT_TRAP;
  else if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    *ret = SCMP_ACT_ERRNO (e);
  else if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    *ret = SCMP_ACT_TRACE (e);
  else if (strcmp (name, "SCMP_ACT_ALLOW") == 0)
    *ret = SCMP_ACT_ALLOW;
  else if (strcmp (name, "SCMP_ACT_LOG") == 0)
    *ret = SCMP_ACT_LOG;
  else if (strcmp (name, "SCMP_ACT_NOTIFY") == 0)
    *ret = SCMP_ACT_NOTIFY;
  else
    return -1;
  return 0;
}

static int
operator_resolve (const char *name, enum scmp_compare *ret)
{
  size_t i;

  if (name == NULL)
    return -1;
  for (i = 0; i < ARRAY_SIZE (operator_table); i++)
    if (strcmp (name, operator_table[i].name) == 0)
      {
        *ret = operator_table[i].op;
        return 0;
      }
  return -1;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64"; 0 if unknown. */
static uint32_t
arch_resolve (const char *name)
{
  char lower[32];
  size_t i, n;

  if (name == NULL || strncmp (name, "SCMP_ARCH_", 10) != 0)
    return 0;
  name += 10;
  n = strlen (name);
  if (n == 0 || n >= sizeof (lower))
    return 0;
  /* Only the upper-case spelling is the OCI name. */
  for (i = 0; i < n; i++)
    if (islower ((unsigned char)name[i]))
      return 0;
  for (i = 0; i <= n; i++)
    lower[i] = (char)tolower ((unsigned char)name[i]);
  return seccomp_arch_resolve_name (lower);
}

static int
flag_resolve (const char *name, enum seccomp_flag *ret)
{
  size_t i;

  if (name == NULL)
    return -1;
  for (i = 0; i < ARRAY_SIZE (flag_table); i++)
    if (strcmp (name, flag_table[i].name) == 0)
      {
        *ret = flag_table[i].flag;
        return 0;
      }
  return -1;
}

static bool
syscall_group_has_name (const struct seccomp_syscall_config *s, const char *name)
{
  size_t i;

  for (i = 0; i < s->n_names; i++)
    if (s->names[i] && strcmp (s->names[i], name) == 0)
      return true;
  return false;
}

bool
seccomp_uses_notify (const struct seccomp_config *cfg)
{
  size_t i;

  if (cfg == NULL)
    return false;
  if (cfg->default_action && strcmp (cfg->default_action, "SCMP_ACT_NOTIFY") == 0)
    return true;
  for (i = 0; i < cfg->n_syscalls; i++)
    if (cfg->syscalls[i].action && strcmp (cfg->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
      return true;
  return false;
}

static int
validate_errno_ret (const struct opt_u64 *e, const char *path, ecirun_error_t *err)
{
  if (e->set && e->v > 0xffff)
    return make_error (err, 0, "%s: errnoRet %llu is out of range", path, (unsigned long long)e->v);
  return 0;
}

int
seccomp_validate (const struct seccomp_config *cfg, ecirun_error_t *err)
{
  uint32_t action;
  size_t i, j;

  if (cfg == NULL)
    return 0;
  if (cfg->default_action == NULL)
    return make_error (err, 0, "linux.seccomp.defaultAction: missing");
  if (action_resolve (cfg->default_action, NULL, &action) < 0)
    return make_error (err, 0, "linux.seccomp.defaultAction: unknown action \"%s\"",
                       cfg->default_action);
  /* The init reports back to the runtime with write(2) after loading the filter: the default
     must not send that to an agent that has not got the listener yet (runc's rule too). */
  if (action == SCMP_ACT_NOTIFY)
    return make_error (err, 0,
                       "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  if (validate_errno_ret (&cfg->default_errno_ret, "linux.seccomp.defaultErrnoRet", err) < 0)
    return -1;

  for (i = 0; i < cfg->n_architectures; i++)
    if (arch_resolve (cfg->architectures[i]) == 0)
      return make_error (err, 0, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i,
                         cfg->architectures[i] ? cfg->architectures[i] : "");

  for (i = 0; i < cfg->n_flags; i++)
    {
      enum seccomp_flag f;
      if (flag_resolve (cfg->flags[i], &f) < 0)
        return make_error (err, 0, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i,
                           cfg->flags[i] ? cfg->flags[i] : "");
    }

  for (i = 0; i < cfg->n_syscalls; i++)
    {
      const struct seccomp_syscall_config *s = &cfg->syscalls[i];
      cleanup_free char *path = xasprintf ("linux.seccomp.syscalls[%zu]", i);

      if (s->action == NULL)
        return make_error (err, 0, "%s.action: missing", path);
      if (action_resolve (s->action, NULL, &action) < 0)
        return make_error (err, 0, "%s.action: unknown action \"%s\"", path, s->action);
      if (s->n_names == 0)
        return make_error (err, 0, "%s.names: must list at least one syscall", path);
      for (j = 0; j < s->n_names; j++)
        if (s->names[j] == NULL || s->names[j][0] == '\0')
          return make_error (err, 0, "%s.names[%zu]: empty syscall name", path, j);
      if (action == SCMP_ACT_NOTIFY && syscall_group_has_name (s, "write"))
        return make_error (err, 0, "%s: SCMP_ACT_NOTIFY cannot be used for the write syscall",
                           path);
      {
        cleanup_free char *epath = xasprintf ("%s.errnoRet", path);
        if (validate_errno_ret (&s->errno_ret, epath, err) < 0)
          return -1;
      }
      for (j = 0; j < s->n_args; j++)
        {
          const struct seccomp_arg_config *a = &s->args[j];
          enum scmp_compare op;

          if (a->index >= SECCOMP_MAX_ARGS)
            return make_error (err, 0, "%s.args[%zu].index: %u is out of range (0-%d)", path, j,
                               a->index, SECCOMP_MAX_ARGS - 1);
          if (a->op == NULL)
            return make_error (err, 0, "%s.args[%zu].op: missing", path, j);
          if (operator_resolve (a->op, &op) < 0)
            return make_error (err, 0, "%s.args[%zu].op: unknown operator \"%s\"", path, j, a->op);
        }
    }
  return 0;
}

static void
cleanup_seccomp_ctx (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}

/* Add the rules of one entry of linux.seccomp.syscalls. When several conditions test the same
   argument, libseccomp cannot AND them in one rule: like runc, each condition then becomes a
   rule of its own (so they OR). */
static int
add_syscall_rules (scmp_filter_ctx ctx, const struct seccomp_syscall_config *s, uint32_t action,
                   size_t idx, bool *notify_used, ecirun_error_t *err)
{
  struct scmp_arg_cmp conds[SECCOMP_MAX_ARGS * 4];
  struct scmp_arg_cmp *cv = conds;
  cleanup_free struct scmp_arg_cmp *heap = NULL;
  unsigned int counts[SECCOMP_MAX_ARGS] = { 0 };
  bool split = false;
  size_t i, j;
  int rc;

  if (s->n_args > ARRAY_SIZE (conds))
    cv = heap = xmalloc0 (s->n_args * sizeof (*heap));
  for (j = 0; j < s->n_args; j++)
    {
      enum scmp_compare op = SCMP_CMP_EQ;

      operator_resolve (s->args[j].op, &op);
      cv[j].arg = s->args[j].index;
      cv[j].op = op;
      cv[j].datum_a = s->args[j].value;
      cv[j].datum_b = s->args[j].value_two;
      if (++counts[s->args[j].index] > 1)
        split = true;
    }

  for (i = 0; i < s->n_names; i++)
    {
      const char *name = s->names[i];
      int nr = seccomp_syscall_resolve_name (name);

      /* Unknown to libseccomp: a syscall newer than it, or of another architecture. */
      if (nr == __NR_SCMP_ERROR)
        continue;
      if (s->n_args == 0)
        rc = seccomp_rule_add (ctx, action, nr, 0);
      else if (!split)
        rc = seccomp_rule_add_array (ctx, action, nr, (unsigned int)s->n_args, cv);
      else
        {
          rc = 0;
          for (j = 0; j < s->n_args && rc == 0; j++)
            rc = seccomp_rule_add_array (ctx, action, nr, 1, &cv[j]);
        }
      if (rc < 0)
        return make_error (err, -rc, "linux.seccomp.syscalls[%zu]: add the rule for `%s`", idx,
                           name);
      if (action == SCMP_ACT_NOTIFY)
        *notify_used = true;
    }
  return 0;
}

/* runc's rule for syscalls newer than a profile: a profile lists what its author knew, so a
   syscall whose number is above every one it names (on that architecture) was unknown to it, and
   gets ENOSYS (what programs probe for, falling back to older calls) instead of the default
   action (EPERM would make them give up). Only for profiles whose default refuses. The stub
   goes before libseccomp's program: per architecture, load the arch, then the number; x32
   numbers (bit 30) are left to the filter. Returns the number of instructions written to out
   (room for 6 per architecture + 2), 0 when there is nothing to add. */
static size_t
enosys_stub (const struct seccomp_config *cfg, uint32_t def_action, struct sock_filter *out,
             size_t room)
{
  uint32_t archs[8];
  size_t n_archs = 0, len = 0;

  if (def_action == SCMP_ACT_ALLOW || def_action == SCMP_ACT_LOG)
    return 0;
  archs[n_archs++] = seccomp_arch_native ();
  for (size_t i = 0; i < cfg->n_architectures && n_archs < ARRAY_SIZE (archs); i++)
    {
      uint32_t a = arch_resolve (cfg->architectures[i]);
      bool seen = false;
      for (size_t k = 0; k < n_archs; k++)
        seen |= archs[k] == a;
      if (!seen && a != 0)
        archs[n_archs++] = a;
    }
  if (room < n_archs * 6 + 2)
    return 0;
  for (size_t k = 0; k < n_archs; k++)
    {
      int max = -1;
      for (size_t i = 0; i < cfg->n_syscalls; i++)
        for (size_t j = 0; j < cfg->syscalls[i].n_names; j++)
          {
            int nr = seccomp_syscall_resolve_name_arch (archs[k], cfg->syscalls[i].names[j]);
            if (nr > max)
              max = nr;
          }
      if (max < 0)
        continue;
      out[len++] = (struct sock_filter)BPF_STMT (BPF_LD | BPF_W | BPF_ABS,
                                                 offsetof (struct seccomp_data, arch));
      out[len++] = (struct sock_filter)BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, archs[k], 0, 3);
      out[len++] = (struct sock_filter)BPF_STMT (BPF_LD | BPF_W | BPF_ABS,
                                                 offsetof (struct seccomp_data, nr));
      out[len++] = (struct sock_filter)BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, 0x40000000, 1, 0);
      /* jt filled in below: the ENOSYS return */
      out[len++] = (struct sock_filter)BPF_JUMP (BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, 0, 0);
    }
  if (len == 0)
    return 0;
  out[len++] = (struct sock_filter)BPF_STMT (BPF_JMP | BPF_JA, 1);
  out[len++] = (struct sock_filter)BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
  for (size_t i = 0; i + 2 < len; i++)
    if (out[i].code == (BPF_JMP | BPF_JGT | BPF_K))
      out[i].jt = (uint8_t)(len - 1 - (i + 1));
  return len;
}

/* Export the program, put `stub` before it, and load it with seccomp(2) (seccomp_load cannot
   prepend, nor ask for SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV before libseccomp 2.6). Returns
   the listener fd (flags with NEW_LISTENER) or 0, or -1 with *err set. */
static int
load_filter_raw (scmp_filter_ctx ctx, unsigned long flags, const struct sock_filter *stub,
                 size_t n_stub, ecirun_error_t *err)
{
  cleanup_close int mfd = -1;
  cleanup_free char *buf = NULL;
  struct sock_fprog prog;
  struct stat st;
  ssize_t n;
  long r;
  int rc;

  mfd = memfd_create ("ecirun-seccomp", MFD_CLOEXEC);
  if (mfd < 0)
    return make_error (err, errno, "memfd_create");
  rc = seccomp_export_bpf (ctx, mfd);
  if (rc < 0)
    return make_error (err, -rc, "export the seccomp filter");
  if (fstat (mfd, &st) < 0)
    return make_error (err, errno, "fstat");
  if (st.st_size == 0 || st.st_size % sizeof (struct sock_filter) != 0
      || st.st_size / sizeof (struct sock_filter) > 0xffff)
    return make_error (err, 0, "the exported seccomp filter has a bad size %lld",
                       (long long)st.st_size);
  if (st.st_size / sizeof (struct sock_filter) + n_stub > 0xffff)
    return make_error (err, 0, "the seccomp filter is too long");
  buf = xmalloc0 (st.st_size + n_stub * sizeof (struct sock_filter));
  memcpy (buf, stub, n_stub * sizeof (struct sock_filter));
  n = pread (mfd, buf + n_stub * sizeof (struct sock_filter), st.st_size, 0);
  if (n != st.st_size)
    return make_error (err, n < 0 ? errno : EIO, "read the exported seccomp filter");
  prog.len = (unsigned short)(st.st_size / sizeof (struct sock_filter) + n_stub);
  prog.filter = (struct sock_filter *)buf;
  r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0)
    return make_error (err, errno, "load the seccomp filter");
  return (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? (int)r : 0;
}

static int
set_attr (scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value, const char *what,
          ecirun_error_t *err)
{
  int rc = seccomp_attr_set (ctx, attr, value);
  if (rc < 0)
    return make_error (err, -rc, "seccomp: %s", what);
  return 0;
}

int
seccomp_install (const struct seccomp_config *cfg, int *ret_notify_fd, ecirun_error_t *err)
{
  __attribute__ ((cleanup (cleanup_seccomp_ctx))) scmp_filter_ctx ctx = NULL;
  unsigned int flags = 0;
  uint32_t def_action;
  bool notify_used = false;
  struct sock_filter stub[6 * 8 + 2];
  size_t i, n_stub;
  int rc, fd = -1;

  *ret_notify_fd = -1;
  if (cfg == NULL)
    return 0;
  if (seccomp_validate (cfg, err) < 0)
    return -1;
  action_resolve (cfg->default_action, &cfg->default_errno_ret, &def_action);

  ctx = seccomp_init (def_action);
  if (ctx == NULL)
    return make_error (err, 0, "seccomp_init failed");

  for (i = 0; i < cfg->n_architectures; i++)
    {
      rc = seccomp_arch_add (ctx, arch_resolve (cfg->architectures[i]));
      if (rc < 0 && rc != -EEXIST)
        return make_error (err, -rc, "linux.seccomp.architectures[%zu]: add `%s`", i,
                           cfg->architectures[i]);
    }

  for (i = 0; i < cfg->n_flags; i++)
    {
      enum seccomp_flag f = 0;
      flag_resolve (cfg->flags[i], &f);
      flags |= f;
    }
  /* SECCOMP_FILTER_FLAG_TSYNC is accepted and ignored, as runc does: the init is single-threaded
     and execs right after, and asking for it can only make loading fail (libseccomp refuses it
     where it cannot probe the seccomp syscall, older kernels refuse it with a listener). */
  if ((flags & FLAG_LOG) && set_attr (ctx, SCMP_FLTATR_CTL_LOG, 1, "LOG flag", err) < 0)
    return -1;
  if ((flags & FLAG_SPEC_ALLOW) && set_attr (ctx, SCMP_FLTATR_CTL_SSB, 1, "SPEC_ALLOW", err) < 0)
    return -1;
#ifdef HAVE_SCMP_WAITKILL
  if ((flags & FLAG_WAIT_KILLABLE_RECV)
      && set_attr (ctx, SCMP_FLTATR_CTL_WAITKILL, 1, "WAIT_KILLABLE_RECV", err) < 0)
    return -1;
#endif

  /* Loading without no_new_privs needs CAP_SYS_ADMIN (in the container's user namespace),
     which the init has; no_new_privs is the config's choice (process.noNewPrivileges). */
  if (set_attr (ctx, SCMP_FLTATR_CTL_NNP, 0, "clear the NNP attribute", err) < 0)
    return -1;
  /* A binary tree pays off on long rule sets; libseccomp <= 2.5.4 misbehaves on empty ones. */
  if (cfg->n_syscalls > 32)
    seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

  for (i = 0; i < cfg->n_syscalls; i++)
    {
      const struct seccomp_syscall_config *s = &cfg->syscalls[i];
      uint32_t action;

      action_resolve (s->action, &s->errno_ret, &action);
      /* A rule that does what the default does is redundant, and libseccomp refuses it. */
      if (action == def_action)
        continue;
      if (add_syscall_rules (ctx, s, action, i, &notify_used, err) < 0)
        return -1;
    }

  n_stub = enosys_stub (cfg, def_action, stub, ARRAY_SIZE (stub));
  /* The kernel accepts WAIT_KILLABLE_RECV only together with a listener; libseccomp before 2.6
     cannot ask for it. */
  if (n_stub > 0
#ifndef HAVE_SCMP_WAITKILL
      || ((flags & FLAG_WAIT_KILLABLE_RECV) && notify_used)
#endif
  )
    {
      unsigned long kflags = notify_used ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
      if ((flags & FLAG_WAIT_KILLABLE_RECV) && notify_used)
        kflags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
      if (flags & FLAG_LOG)
        kflags |= SECCOMP_FILTER_FLAG_LOG;
      if (flags & FLAG_SPEC_ALLOW)
        kflags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
      fd = load_filter_raw (ctx, kflags, stub, n_stub, err);
      if (fd < 0)
        return -1;
      if (!notify_used)
        fd = -1;
    }
  else
    {
      rc = seccomp_load (ctx);
      if (rc < 0)
        return make_error (err, -rc, "load the seccomp filter");
      if (notify_used)
        {
          fd = seccomp_notify_fd (ctx);
          if (fd < 0)
            return make_error (err, fd < -1 ? -fd : 0, "get the seccomp listener fd");
        }
    }

  if (fd >= 0)
    {
      int fl = fcntl (fd, F_GETFD);
      if (fl < 0 || fcntl (fd, F_SETFD, fl | FD_CLOEXEC) < 0)
        return make_error (err, errno, "set FD_CLOEXEC on the seccomp listener");
      *ret_notify_fd = fd;
    }
  return 0;
}
