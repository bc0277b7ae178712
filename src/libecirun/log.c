#include <config.h>
#include "log.h"
#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

static int log_fd = -1;
static enum log_format log_fmt = LOG_FORMAT_TEXT;
static bool log_debug_enabled;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int
log_init (const char *path, enum log_format format, bool debug, ecirun_error_t *err)
{
  log_fmt = format;
  log_debug_enabled = debug;
  if (path == NULL || path[0] == '\0')
    return 0;
  log_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd < 0)
    return make_error (err, errno, "open log file `%s`", path);
  return 0;
}

static void
write_all_fd (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, buf, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      buf += n;
      len -= n;
    }
}

static void
write_json_line (int fd, enum log_level level, const char *ts, const char *msg)
{
  yajl_gen gen = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;

  if (gen == NULL)
    return;
  yajl_gen_map_open (gen);
  yajl_gen_string (gen, (const unsigned char *)"level", 5);
  yajl_gen_string (gen, (const unsigned char *)level_names[level], strlen (level_names[level]));
  yajl_gen_string (gen, (const unsigned char *)"msg", 3);
  yajl_gen_string (gen, (const unsigned char *)msg, strlen (msg));
  yajl_gen_string (gen, (const unsigned char *)"time", 4);
  yajl_gen_string (gen, (const unsigned char *)ts, strlen (ts));
  yajl_gen_map_close (gen);
  if (yajl_gen_get_buf (gen, &buf, &len) == yajl_gen_status_ok)
    {
      write_all_fd (fd, (const char *)buf, len);
      write_all_fd (fd, "\n", 1);
    }
  yajl_gen_free (gen);
}

static void
write_text_line (int fd, enum log_level level, const char *ts, const char *msg)
{
  FILE *f;
  char *line = NULL;
  size_t len = 0;

  f = open_memstream (&line, &len);
  if (f == NULL)
    return;
  fprintf (f, "time=\"%s\" level=%s msg=\"", ts, level_names[level]);
  for (const char *p = msg; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        fputc ('\\', f);
      if (*p == '\n')
        fputs ("\\n", f);
      else
        fputc (*p, f);
    }
  fputs ("\"\n", f);
  fclose (f);
  write_all_fd (fd, line, len);
  free (line);
}

static void
log_emit (enum log_level level, const char *msg, bool to_stderr)
{
  char ts[64];

  format_rfc3339_now (ts, sizeof (ts));
  if (log_fd >= 0)
    {
      if (log_fmt == LOG_FORMAT_JSON)
        write_json_line (log_fd, level, ts, msg);
      else
        write_text_line (log_fd, level, ts, msg);
    }
  if (to_stderr && log_fd < 0 && log_fmt == LOG_FORMAT_JSON)
    /* --log-format json without --log: stderr is the log, in that format (as runc does). */
    write_json_line (STDERR_FILENO, level, ts, msg);
  else if (to_stderr && level >= LOG_LEVEL_INFO)
    /* --debug on stderr: runc's (logrus) text lines, which its users and tests read. */
    write_text_line (STDERR_FILENO, level, ts, msg);
  else if (to_stderr)
    {
      char *line = NULL;
      int n;

      if (level == LOG_LEVEL_ERROR)
        n = asprintf (&line, "ecirun: %s\n", msg);
      else
        n = asprintf (&line, "ecirun: %s: %s\n", level_names[level], msg);
      if (n > 0)
        write_all_fd (STDERR_FILENO, line, n);
      free (line);
    }
}

bool
log_debug_on (void)
{
  return log_debug_enabled;
}

void
log_msg (enum log_level level, const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;

  if (level == LOG_LEVEL_DEBUG && !log_debug_enabled)
    return;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    msg = NULL;
  va_end (ap);
  if (msg == NULL)
    return;
  /* With a log file, everything but the final error goes there only (as runc: an engine
     shows the container's stderr to users, and a warning there would look like the
     workload's). Without one, warnings go to stderr, and info/debug with --debug. */
  log_emit (level, msg, log_fd < 0 && (level <= LOG_LEVEL_WARNING || log_debug_enabled));
  free (msg);
}

void
log_error_final (const char *msg)
{
  log_emit (LOG_LEVEL_ERROR, msg, true);
}
