/* /proc/diskstats of a container: the host's devices, with the I/O counters of the
   container's cgroup (v2 io.stat, v1 blkio.throttle.*) in place of the host's. */
#include <config.h>
#include "pe_render.h"

#include <inttypes.h>

void
pe_render_diskstats (struct pe_buf *out, const struct pe_host_diskstats *host,
                     const struct pe_io *io)
{
  for (size_t i = 0; i < host->n; i++)
    {
      const struct pe_disk_line *d = &host->lines[i];
      const struct pe_io_dev *c = NULL;
      static const struct pe_io_dev none;
      uint64_t f[17] = { 0 };
      unsigned nf = d->nfields > 17 ? 17 : d->nfields;

      for (size_t j = 0; io && j < io->n && !c; j++)
        if (io->devs[j].major == d->major && io->devs[j].minor == d->minor)
          c = &io->devs[j];
      if (c == NULL)
        c = &none;
      /* reads, merged, sectors, ms; writes, merged, sectors, ms; in flight, io ms, weighted ms;
         discards, merged, sectors, ms; flushes, ms. The cgroup counts requests and bytes:
         times, merges and the queue are not the container's to show. */
      f[0] = c->rios;
      f[2] = c->rbytes / 512;
      f[4] = c->wios;
      f[6] = c->wbytes / 512;
      f[11] = c->dios;
      f[13] = c->dbytes / 512;
      /* The kernel's diskstats_show: "%4d %7d %pg" then the counters. */
      pe_buf_printf (out, "%4u %7u %s", d->major, d->minor, d->name);
      for (unsigned k = 0; k < nf; k++)
        pe_buf_printf (out, " %" PRIu64, f[k]);
      pe_buf_puts (out, "\n");
    }
}
