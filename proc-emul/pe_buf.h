/* A growable text buffer that the renderers print into. Allocation failure aborts (as xmalloc
   does): a renderer never returns half a file. */
#ifndef PE_BUF_H
#define PE_BUF_H

#include <stddef.h>

struct pe_buf
{
  char *data; /* NUL-terminated once anything was added */
  size_t len, cap;
};

void pe_buf_reset (struct pe_buf *b); /* empty, keeps the memory */
void pe_buf_free (struct pe_buf *b);
void pe_buf_add (struct pe_buf *b, const char *s, size_t len);
void pe_buf_puts (struct pe_buf *b, const char *s);
void pe_buf_printf (struct pe_buf *b, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Hand the text over (malloc'd, NUL-terminated, never NULL); b is left empty. */
char *pe_buf_steal (struct pe_buf *b, size_t *ret_len);

#endif
