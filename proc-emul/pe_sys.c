/* /sys files of a container: its own DMI product UUID. */
#include <config.h>
#include "pe_render.h"

#include <string.h>

/* 64 bits of FNV-1a over s, seeded, then splitmix64's finaliser so that ids differing in one
   character differ in about half the bits. Not cryptographic: the UUID only has to be stable
   and distinct per container id, and says nothing of the host. */
static uint64_t
hash64 (const char *s, uint64_t seed)
{
  uint64_t h = 0xcbf29ce484222325ull ^ seed;

  for (; *s; s++)
    {
      h ^= (unsigned char)*s;
      h *= 0x100000001b3ull;
    }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

void
pe_render_product_uuid (struct pe_buf *out, const char *container_id)
{
  uint64_t hi = hash64 (container_id, 0x65636972756e2d31ull /* "ecirun-1" */);
  uint64_t lo = hash64 (container_id, 0x65636972756e2d32ull /* "ecirun-2" */);

  /* RFC 9562 version 8 (vendor-specific), variant 10. */
  hi = (hi & ~0xf000ull) | 0x8000ull;
  lo = (lo & ~(3ull << 62)) | (2ull << 62);
  pe_buf_printf (out, "%08x-%04x-%04x-%04x-%012llx\n", (unsigned)(hi >> 32),
                 (unsigned)(hi >> 16) & 0xffff, (unsigned)hi & 0xffff, (unsigned)(lo >> 48),
                 (unsigned long long)(lo & 0xffffffffffffull));
}
