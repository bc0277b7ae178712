/* Exclusive ID blocks: every live container on the host, whatever its --root, holds its own
   block of the policy's ID pool. One record per allocated block, <stateDir>/idblocks/<index>,
   created atomically (link of a complete, fsynced file: it fails when the index is taken).
   A container that joins the namespaces of another (and so its user namespace and IDs) is
   added to that block's record as a joiner: the block stays held until its last holder is
   gone. Each holder leaves the record at its delete; the record is removed with the last one,
   or reclaimed once every holder is provably gone (<root>/<id> no longer exists, or is another
   directory than the one recorded).

   Locking (flock on the idblocks directory): allocations take it shared (they race only through
   link(), which lets one win), reclaim and release take it exclusive, so a record is never
   judged and removed while someone else can re-create the same index. */
#ifndef ECIRUN_IDBLOCK_H
#define ECIRUN_IDBLOCK_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "policy.h"

struct id_block
{
  uint32_t index;    /* record name under <stateDir>/idblocks/ */
  uint32_t uid_base; /* host uid of container uid 0 */
  uint32_t gid_base; /* host gid of container gid 0 */
  uint32_t size;     /* IDs mapped: container IDs [0, size) */
};

/* The block with this index under the policy (no record involved); -1 when out of the pool. */
int idblock_at (const struct ecirun_policy *p, uint32_t index, struct id_block *ret);

/* Allocate a free block for the container <root>/<id>, whose state directory must already
   exist (its device and inode are recorded: they tell a later container of the same id apart).
   When none is free, stale records are reclaimed first; when none is stale either, the error
   is "ID pool exhausted: ..." and nothing is left behind. */
int idblock_allocate (const struct ecirun_policy *p, const char *root, const char *id,
                      struct id_block *ret, ecirun_error_t *err);

/* Take root+id out of the holders of block `index`, and remove the record when no live holder
   is left; a missing record, or one that root+id does not hold, is left alone and is success. */
int idblock_release (const struct ecirun_policy *p, uint32_t index, const char *root,
                     const char *id, ecirun_error_t *err);

/* Add the container <root>/<id> (its state directory must exist) to the holders of block
   `index`, which the live container <holder_root>/<holder_id> must hold: it joins that
   container's user namespace. Fails, adding nothing, when the holder no longer holds it. */
int idblock_join (const struct ecirun_policy *p, uint32_t index, const char *holder_root,
                  const char *holder_id, const char *root, const char *id, ecirun_error_t *err);

/* Remove every stale record (and temp files left by a crash); *ret_removed counts records. */
int idblock_reclaim (const struct ecirun_policy *p, size_t *ret_removed, ecirun_error_t *err);

#endif
