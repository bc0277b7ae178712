/* Runtime logging: to stderr and, with --log, to a file in text or JSON (one object per line
   with msg, level, time, as containerd reads it). */
#ifndef ECIRUN_LOG_H
#define ECIRUN_LOG_H

#include <stdbool.h>
#include "error.h"

enum log_level
{
  LOG_LEVEL_ERROR,
  LOG_LEVEL_WARNING,
  LOG_LEVEL_INFO,
  LOG_LEVEL_DEBUG,
};

enum log_format
{
  LOG_FORMAT_TEXT,
  LOG_FORMAT_JSON,
};

/* path NULL: log to stderr only. Returns -1 with err set when the file cannot be opened. */
int log_init (const char *path, enum log_format format, bool debug, ecirun_error_t *err);
void log_msg (enum log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Whether --debug was given. */
bool log_debug_on (void);
/* Report a final error: to the log file (if any) and to stderr. */
void log_error_final (const char *msg);

#define log_warning(...) log_msg (LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...)    log_msg (LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg (LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
