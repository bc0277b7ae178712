/* Device rules on cgroup v2: there is no devices controller, so the rules become a
   BPF_PROG_TYPE_CGROUP_DEVICE program attached to the container's cgroup (as runc and crun do).
   Raw instructions and the bpf(2) syscall, no libbpf. */
#include <config.h>
#include "cgroup_internal.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

/* The name ecirun gives its programs, so that an update replaces only ours. */
#define DEVICES_PROG_NAME "ecirun_devices"

static struct bpf_insn
insn (uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  struct bpf_insn i = { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
  return i;
}

/* Registers: r1 scratch (the context on entry), r2 device type, r3 requested access bits still
   undecided, r4 major, r5 minor. */
enum
{
  R0,
  R1,
  R2,
  R3,
  R4,
  R5
};

static int
access_bits (const char *access, uint32_t *ret, ecirun_error_t *err)
{
  uint32_t bits = 0;

  if (access == NULL || access[0] == '\0')
    access = "rwm";
  for (const char *p = access; *p; p++)
    {
      if (*p == 'r')
        bits |= BPF_DEVCG_ACC_READ;
      else if (*p == 'w')
        bits |= BPF_DEVCG_ACC_WRITE;
      else if (*p == 'm')
        bits |= BPF_DEVCG_ACC_MKNOD;
      else
        return make_error (err, 0, "cgroup: invalid device rule access \"%s\"", access);
    }
  *ret = bits;
  return 0;
}

/* The decision is made per access bit, as the spec's ordered list means it: for each requested
   bit, the LAST rule that matches the device and names that bit decides (v1's devices cgroup
   differs only in corner cases: there a deny carves nothing out of a wider earlier allow).
   Walking the rules backwards, a matching deny that names any undecided bit denies; a matching
   allow settles the bits it names, and once none is left the access is allowed. Bits no rule
   settles fall through to the default: deny (the runtime always starts from a deny-all). */
int
cgroup_devices_bpf_generate (const struct device_cgroup_rule *rules, size_t n,
                             struct bpf_insn **ret, size_t *ret_n, ecirun_error_t *err)
{
  /* 6 to read the context, per rule at most 3 matches + 3 access test + 4 decision, 2 to end. */
  size_t cap = 8 + n * 10, len = 0;
  cleanup_free struct bpf_insn *p = xmalloc0 (cap * sizeof (*p));

  p[len++] = insn (BPF_LDX | BPF_MEM | BPF_W, R2, R1,
                   offsetof (struct bpf_cgroup_dev_ctx, access_type), 0);
  p[len++] = insn (BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
  p[len++] = insn (BPF_LDX | BPF_MEM | BPF_W, R3, R1,
                   offsetof (struct bpf_cgroup_dev_ctx, access_type), 0);
  p[len++] = insn (BPF_ALU | BPF_RSH | BPF_K, R3, 0, 0, 16);
  p[len++]
      = insn (BPF_LDX | BPF_MEM | BPF_W, R4, R1, offsetof (struct bpf_cgroup_dev_ctx, major), 0);
  p[len++]
      = insn (BPF_LDX | BPF_MEM | BPF_W, R5, R1, offsetof (struct bpf_cgroup_dev_ctx, minor), 0);

  for (size_t k = n; k-- > 0;)
    {
      const struct device_cgroup_rule *r = &rules[k];
      char type = r->type ? r->type : 'a';
      size_t skips[5], n_skips = 0;
      uint32_t bits = 0;

      if (type != 'a' && type != 'c' && type != 'b')
        return make_error (err, 0, "cgroup: invalid device rule type '%c'", type);
      if (access_bits (r->access, &bits, err) < 0)
        return -1;
      if (r->major > INT32_MAX || r->minor > INT32_MAX)
        return make_error (err, 0, "cgroup: invalid device number %" PRId64 ":%" PRId64, r->major,
                           r->minor);

      /* Each test jumps to the end of this rule's block when the rule does not apply. */
      if (type != 'a')
        {
          skips[n_skips++] = len;
          p[len++] = insn (BPF_JMP | BPF_JNE | BPF_K, R2, 0, 0,
                           type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
        }
      if (r->major >= 0)
        {
          skips[n_skips++] = len;
          p[len++] = insn (BPF_JMP | BPF_JNE | BPF_K, R4, 0, 0, (int32_t)r->major);
        }
      if (r->minor >= 0)
        {
          skips[n_skips++] = len;
          p[len++] = insn (BPF_JMP | BPF_JNE | BPF_K, R5, 0, 0, (int32_t)r->minor);
        }
      /* Only a rule naming an undecided bit has a say. */
      p[len++] = insn (BPF_ALU | BPF_MOV | BPF_X, R1, R3, 0, 0);
      p[len++] = insn (BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, (int32_t)bits);
      skips[n_skips++] = len;
      p[len++] = insn (BPF_JMP | BPF_JEQ | BPF_K, R1, 0, 0, 0);
      if (r->allow)
        {
          p[len++] = insn (BPF_ALU | BPF_AND | BPF_K, R3, 0, 0, (int32_t)~bits);
          skips[n_skips++] = len;
          p[len++] = insn (BPF_JMP | BPF_JNE | BPF_K, R3, 0, 0, 0);
        }
      p[len++] = insn (BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, r->allow ? 1 : 0);
      p[len++] = insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
      for (size_t s = 0; s < n_skips; s++)
        p[skips[s]].off = (int16_t)(len - skips[s] - 1);
    }
  p[len++] = insn (BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
  p[len++] = insn (BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  *ret_n = len;
  *ret = TAKE_PTR (p);
  return 0;
}

static int
sys_bpf (int cmd, union bpf_attr *attr)
{
  return (int)syscall (SYS_bpf, cmd, attr, sizeof (*attr));
}

int
cgroup_devices_bpf_load (const struct bpf_insn *prog, size_t n, ecirun_error_t *err)
{
  union bpf_attr attr;
  cleanup_free char *log = NULL;
  int fd, saved;

  memset (&attr, 0, sizeof (attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)prog;
  attr.insn_cnt = (uint32_t)n;
  /* No GPL-only helper is called, so any license string is accepted. */
  attr.license = (uint64_t)(uintptr_t) "Apache";
  strncpy (attr.prog_name, DEVICES_PROG_NAME, sizeof (attr.prog_name) - 1);
  fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  saved = errno;
  if (saved != EINVAL && saved != EACCES)
    return make_error (err, saved, "cgroup: load the BPF device program");
  /* Rejected by the verifier: load again with its log to say why. */
  log = xmalloc0 (16384);
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = 16384;
  attr.log_level = 1;
  fd = sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  return make_error (err, saved, "cgroup: load the BPF device program (%s)",
                     log[0] ? log : "no verifier log");
}

/* The ids of the device programs attached to the cgroup itself (not inherited ones). */
static int
query_progs (int dirfd, const char *dir, uint32_t **ret, uint32_t *ret_n, uint32_t *ret_flags,
             ecirun_error_t *err)
{
  uint32_t cap = 16;

  for (;;)
    {
      cleanup_free uint32_t *ids = xmalloc0 (cap * sizeof (*ids));
      union bpf_attr attr;

      memset (&attr, 0, sizeof (attr));
      attr.query.target_fd = dirfd;
      attr.query.attach_type = BPF_CGROUP_DEVICE;
      attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
      attr.query.prog_cnt = cap;
      if (sys_bpf (BPF_PROG_QUERY, &attr) == 0)
        {
          *ret_n = attr.query.prog_cnt;
          *ret_flags = attr.query.attach_flags;
          *ret = TAKE_PTR (ids);
          return 0;
        }
      if (errno != ENOSPC || attr.query.prog_cnt <= cap)
        return make_error (err, errno, "cgroup: query the BPF device programs of %s", dir);
      cap = attr.query.prog_cnt;
    }
}

/* An fd on program `id` when it is one of ecirun's device programs, else -1. */
static int
open_own_prog (uint32_t id)
{
  struct bpf_prog_info info;
  union bpf_attr attr;
  cleanup_close int fd = -1;

  memset (&attr, 0, sizeof (attr));
  attr.prog_id = id;
  fd = sys_bpf (BPF_PROG_GET_FD_BY_ID, &attr);
  if (fd < 0)
    return -1;
  memset (&info, 0, sizeof (info));
  memset (&attr, 0, sizeof (attr));
  attr.info.bpf_fd = fd;
  attr.info.info_len = sizeof (info);
  attr.info.info = (uint64_t)(uintptr_t)&info;
  if (sys_bpf (BPF_OBJ_GET_INFO_BY_FD, &attr) < 0
      || strncmp (info.name, DEVICES_PROG_NAME, sizeof (info.name) - 1) != 0)
    return -1;
  return TAKE_FD (fd);
}

int
cgroup_devices_bpf_apply (const char *dir, const struct device_cgroup_rule *rules, size_t n,
                          ecirun_error_t *err)
{
  cleanup_free struct bpf_insn *prog = NULL;
  cleanup_free uint32_t *old = NULL;
  cleanup_close int dirfd = -1, progfd = -1;
  uint32_t n_old = 0, old_flags = 0, flags = BPF_F_ALLOW_MULTI;
  size_t n_prog = 0;
  union bpf_attr attr;

  if (cgroup_devices_bpf_generate (rules, n, &prog, &n_prog, err) < 0)
    return -1;
  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return make_error (err, errno, "cgroup: open %s", dir);
  if (query_progs (dirfd, dir, &old, &n_old, &old_flags, err) < 0)
    return -1;
  progfd = cgroup_devices_bpf_load (prog, n_prog, err);
  if (progfd < 0)
    return -1;
  /* A single program attached without ALLOW_MULTI cannot be joined, only replaced: attaching
     with the same flags swaps it atomically. */
  if (n_old > 0 && !(old_flags & BPF_F_ALLOW_MULTI))
    flags = old_flags;

  /* Attach the new program before detaching the old ones: the cgroup is never without one. */
  memset (&attr, 0, sizeof (attr));
  attr.target_fd = dirfd;
  attr.attach_bpf_fd = progfd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = flags;
  if (sys_bpf (BPF_PROG_ATTACH, &attr) < 0)
    return make_error (err, errno, "cgroup: attach the BPF device program to %s", dir);
  if (flags != BPF_F_ALLOW_MULTI)
    return 0;
  for (uint32_t i = 0; i < n_old; i++)
    {
      cleanup_close int fd = open_own_prog (old[i]);

      if (fd < 0)
        continue;
      memset (&attr, 0, sizeof (attr));
      attr.target_fd = dirfd;
      attr.attach_bpf_fd = fd;
      attr.attach_type = BPF_CGROUP_DEVICE;
      /* Already gone (a concurrent update) is fine. */
      if (sys_bpf (BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
        return make_error (err, errno, "cgroup: detach the previous BPF device program from %s",
                           dir);
    }
  return 0;
}
