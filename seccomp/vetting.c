#include <config.h>
#include "vetting.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include "seccomp.h"
#include "vetting_abi.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

bool
vetting_wanted (const struct seccomp_config *cfg)
{
  return !seccomp_uses_notify (cfg);
}

/* Per ABI:  if (arch == A) { nr = data.nr; if (nr == n1 || ...) NOTIFY; ALLOW; }  then ALLOW
   for an ABI not in the table. */
size_t
vetting_build_filter (struct sock_filter *prog, size_t max)
{
  size_t n_abis, len = 0;
  const struct vetting_abi *abis = vetting_abis (&n_abis);

#define EMIT(insn)                                                                                 \
  do                                                                                               \
    {                                                                                              \
      if (len >= max)                                                                              \
        return 0;                                                                                  \
      prog[len++] = (struct sock_filter)insn;                                                      \
    }                                                                                              \
  while (0)

  EMIT (BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)));
  for (size_t i = 0; i < n_abis; i++)
    {
      uint32_t nrs[8];
      size_t m = 0;

      for (int c = VETTING_MOUNT; c <= VETTING_UMOUNT; c++)
        {
          if (abis[i].nr[c] < 0)
            continue;
          nrs[m++] = (uint32_t)abis[i].nr[c];
          if (abis[i].nr_bit)
            nrs[m++] = (uint32_t)abis[i].nr[c] | abis[i].nr_bit;
        }
      /* Not this ABI: skip its block (load, m compares, two returns). */
      EMIT (BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, abis[i].audit_arch, 0, (unsigned char)(m + 3)));
      EMIT (BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)));
      for (size_t k = 0; k < m; k++)
        EMIT (BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, nrs[k], (unsigned char)(m - k), 0));
      EMIT (BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
      EMIT (BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
      /* The skip lands here with the arch still loaded. */
    }
  EMIT (BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
#undef EMIT
  return len;
}

int
vetting_install (ecirun_error_t *err)
{
  struct sock_filter insns[64];
  struct sock_fprog prog;
  size_t len = vetting_build_filter (insns, sizeof (insns) / sizeof (insns[0]));
  long fd;

  if (len == 0)
    return make_error (err, 0, "build the mount-vetting seccomp filter");
  prog.len = (unsigned short)len;
  prog.filter = insns;
  fd = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
  /* Before 5.19: a signal to a caller whose call the sidecar has received cancels it and the
     kernel restarts the call; the sidecar's result is lost, never a host resource. */
  if (fd < 0 && errno == EINVAL)
    fd = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  if (fd < 0)
    return make_error (err, errno, "load the mount-vetting seccomp filter");
  if (fcntl ((int)fd, F_SETFD, FD_CLOEXEC) < 0)
    {
      int saved = errno;
      close ((int)fd);
      return make_error (err, saved, "set FD_CLOEXEC on the mount-vetting listener");
    }
  return (int)fd;
}
