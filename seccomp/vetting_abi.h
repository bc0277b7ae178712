/* The system calls ecirun vets through its sidecar (mount(2), umount2(2) and the 32-bit
   umount(2)), by ABI: one table, used to build the init's notify filter and to read the
   notifications. libc only: the sidecar links it. */
#ifndef ECIRUN_VETTING_ABI_H
#define ECIRUN_VETTING_ABI_H

#include <stddef.h>
#include <stdint.h>

enum vetting_call
{
  VETTING_NONE = 0,
  VETTING_MOUNT,   /* mount(source, target, fstype, flags, data) */
  VETTING_UMOUNT2, /* umount2(target, flags) */
  VETTING_UMOUNT,  /* umount(target): umount2(target, 0) */
};

struct vetting_abi
{
  uint32_t audit_arch; /* AUDIT_ARCH_*, as in seccomp_data.arch */
  uint32_t nr_bit;     /* x32 calls are the x86_64 numbers with this bit set; 0: none */
  int nr[4];           /* indexed by enum vetting_call; -1: no such call on this ABI */
};

/* The ABIs a process of the host's architecture can make calls through (native first). */
const struct vetting_abi *vetting_abis (size_t *ret_n);

/* Which vetted call (arch, nr) of a notification is; VETTING_NONE for any other. */
enum vetting_call vetting_classify (uint32_t arch, int nr);

#endif
