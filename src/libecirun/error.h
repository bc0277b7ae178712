/* Error values that travel from where a failure happens to the one place that reports it. */
#ifndef ECIRUN_ERROR_H
#define ECIRUN_ERROR_H

#include <stdarg.h>

struct ecirun_error
{
  int errnum; /* errno of the failure, 0 when it is not a system error */
  char *msg;  /* the full message, strerror appended when errnum != 0 */
};
typedef struct ecirun_error *ecirun_error_t;

/* Every fallible function takes `ecirun_error_t *err` last and returns a negative value on
   failure. make_error fills *err (when err is not NULL and still empty) and returns -1, so
   call sites read `return make_error (err, errno, "open `%s`", path);`. */
int make_error (ecirun_error_t *err, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
int make_verror (ecirun_error_t *err, int errnum, const char *fmt, va_list ap);

/* Prefix the message of an existing error: "context: old message". Returns -1. */
int error_wrap (ecirun_error_t *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

void error_release (ecirun_error_t *err);

#endif
