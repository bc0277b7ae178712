#include <config.h>
#include "vetting_abi.h"

#include <linux/audit.h>

#define NO_CALL (-1)

/* Numbers from the kernel's syscall tables (arch/x86/entry/syscalls/syscall_{64,32}.tbl,
   include/uapi/asm-generic/unistd.h, arch/arm/tools/syscall.tbl): an ABI's numbers never change. */
static const struct vetting_abi abis[] = {
#if defined(__x86_64__)
  { AUDIT_ARCH_X86_64, 0x40000000u, { NO_CALL, 165, 166, NO_CALL } },
  { AUDIT_ARCH_I386, 0, { NO_CALL, 21, 52, 22 } },
#elif defined(__i386__)
  { AUDIT_ARCH_I386, 0, { NO_CALL, 21, 52, 22 } },
#elif defined(__aarch64__)
  { AUDIT_ARCH_AARCH64, 0, { NO_CALL, 40, 39, NO_CALL } },
  { AUDIT_ARCH_ARM, 0, { NO_CALL, 21, 52, NO_CALL } },
#else
#error "ecirun: add this architecture's mount/umount2 numbers to seccomp/vetting_abi.c"
#endif
};

const struct vetting_abi *
vetting_abis (size_t *ret_n)
{
  *ret_n = sizeof (abis) / sizeof (abis[0]);
  return abis;
}

enum vetting_call
vetting_classify (uint32_t arch, int nr)
{
  for (size_t i = 0; i < sizeof (abis) / sizeof (abis[0]); i++)
    {
      const struct vetting_abi *a = &abis[i];
      uint32_t n = (uint32_t)nr;

      if (a->audit_arch != arch)
        continue;
      if (a->nr_bit)
        n &= ~a->nr_bit;
      for (int c = VETTING_MOUNT; c <= VETTING_UMOUNT; c++)
        if (a->nr[c] >= 0 && (uint32_t)a->nr[c] == n)
          return (enum vetting_call)c;
      return VETTING_NONE;
    }
  return VETTING_NONE;
}
