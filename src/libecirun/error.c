#include <config.h>
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
make_verror (ecirun_error_t *err, int errnum, const char *fmt, va_list ap)
{
  char *msg = NULL, *full = NULL;

  if (err == NULL || *err != NULL)
    return -1;
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  if (msg && errnum != 0)
    {
      if (asprintf (&full, "%s: %s", msg, strerror (errnum)) < 0)
        full = NULL;
      free (msg);
      msg = full;
    }
  *err = calloc (1, sizeof (**err));
  if (*err == NULL)
    {
      free (msg);
      return -1;
    }
  (*err)->errnum = errnum;
  (*err)->msg = msg ? msg : strdup ("out of memory");
  return -1;
}

int
make_error (ecirun_error_t *err, int errnum, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  make_verror (err, errnum, fmt, ap);
  va_end (ap);
  return -1;
}

int
error_wrap (ecirun_error_t *err, const char *fmt, ...)
{
  va_list ap;
  char *prefix = NULL, *full = NULL;

  if (err == NULL || *err == NULL)
    return -1;
  va_start (ap, fmt);
  if (vasprintf (&prefix, fmt, ap) < 0)
    prefix = NULL;
  va_end (ap);
  if (prefix && asprintf (&full, "%s: %s", prefix, (*err)->msg) >= 0)
    {
      free ((*err)->msg);
      (*err)->msg = full;
    }
  free (prefix);
  return -1;
}

void
error_release (ecirun_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}
