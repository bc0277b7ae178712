#include <config.h>
#include "pe_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
reserve (struct pe_buf *b, size_t more)
{
  size_t want = b->len + more + 1;

  if (want <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < want)
    cap *= 2;
  char *p = realloc (b->data, cap);
  if (p == NULL)
    abort ();
  b->data = p;
  b->cap = cap;
}

void
pe_buf_reset (struct pe_buf *b)
{
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

void
pe_buf_free (struct pe_buf *b)
{
  free (b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void
pe_buf_add (struct pe_buf *b, const char *s, size_t len)
{
  reserve (b, len);
  memcpy (b->data + b->len, s, len);
  b->len += len;
  b->data[b->len] = '\0';
}

void
pe_buf_puts (struct pe_buf *b, const char *s)
{
  pe_buf_add (b, s, strlen (s));
}

void
pe_buf_printf (struct pe_buf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  reserve (b, 64);
  va_start (ap, fmt);
  n = vsnprintf (b->data + b->len, b->cap - b->len, fmt, ap);
  va_end (ap);
  if (n < 0)
    abort ();
  if ((size_t)n >= b->cap - b->len)
    {
      reserve (b, (size_t)n);
      va_start (ap, fmt);
      vsnprintf (b->data + b->len, b->cap - b->len, fmt, ap);
      va_end (ap);
    }
  b->len += (size_t)n;
}

char *
pe_buf_steal (struct pe_buf *b, size_t *ret_len)
{
  char *r;

  reserve (b, 0);
  r = b->data;
  if (ret_len)
    *ret_len = b->len;
  b->data = NULL;
  b->len = b->cap = 0;
  return r;
}
