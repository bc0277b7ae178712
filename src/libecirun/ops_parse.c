/* Pure helpers of the ps and update commands. */
#include <config.h>
#include "ops_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "utils.h"

int
parse_ram_in_bytes (const char *s, int64_t *ret, ecirun_error_t *err)
{
  static const char units[] = "kmgtp";
  const char *p = s, *sfx;
  cleanup_free char *num = NULL;
  double size, mul = 1;
  char *end;

  /* The number: digits with an optional fraction (no sign, no exponent). */
  while (isdigit ((unsigned char)*p) || *p == '.')
    p++;
  if (p == s || !isdigit ((unsigned char)s[0]))
    return make_error (err, 0, "invalid size: '%s'", s);
  num = xasprintf ("%.*s", (int)(p - s), s);
  errno = 0;
  size = strtod (num, &end);
  if (errno != 0 || *end != '\0')
    return make_error (err, 0, "invalid size: '%s'", s);
  sfx = *p == ' ' ? p + 1 : p;
  if (*sfx != '\0')
    {
      size_t len = strlen (sfx);
      char u = (char)tolower ((unsigned char)sfx[0]);
      const char *k = strchr (units, u);

      if (len > 3)
        goto bad_suffix;
      if (u == 'b')
        {
          if (len > 1)
            goto bad_suffix;
        }
      else
        {
          if (u == '\0' || k == NULL)
            goto bad_suffix;
          if (len == 2 && tolower ((unsigned char)sfx[1]) != 'b')
            goto bad_suffix;
          if (len == 3
              && (tolower ((unsigned char)sfx[1]) != 'i' || tolower ((unsigned char)sfx[2]) != 'b'))
            goto bad_suffix;
          for (const char *q = units; q <= k; q++)
            mul *= 1024;
        }
    }
  size *= mul;
  if (!(size < 9223372036854775808.0))
    return make_error (err, 0, "invalid size: '%s' (too large)", s);
  *ret = (int64_t)size;
  return 0;
bad_suffix:
  return make_error (err, 0, "invalid size: '%s' (unknown suffix '%s')", s, sfx);
}

/* The index of the whitespace-separated field named PID in line, or -1. */
static int
pid_column (const char *line, size_t len)
{
  int idx = 0;

  for (size_t i = 0; i < len;)
    {
      size_t start;
      while (i < len && isspace ((unsigned char)line[i]))
        i++;
      if (i >= len)
        break;
      start = i;
      while (i < len && !isspace ((unsigned char)line[i]))
        i++;
      if (i - start == 3 && memcmp (line + start, "PID", 3) == 0)
        return idx;
      idx++;
    }
  return -1;
}

/* Field idx of line as a pid, or -1. */
static long
field_pid (const char *line, size_t len, int idx)
{
  size_t i = 0;

  for (int f = 0;; f++)
    {
      size_t start;
      while (i < len && isspace ((unsigned char)line[i]))
        i++;
      if (i >= len)
        return -1;
      start = i;
      while (i < len && !isspace ((unsigned char)line[i]))
        i++;
      if (f == idx)
        {
          char buf[24];
          char *end;
          long v;
          if (i - start >= sizeof (buf))
            return -1;
          memcpy (buf, line + start, i - start);
          buf[i - start] = '\0';
          errno = 0;
          v = strtol (buf, &end, 10);
          return errno == 0 && *end == '\0' && end != buf ? v : -1;
        }
    }
}

int
ps_filter_output (const char *output, const pid_t *pids, size_t n_pids, char **ret,
                  ecirun_error_t *err)
{
  const char *nl = strchrnul (output, '\n');
  size_t hlen = (size_t)(nl - output), cap, used;
  int idx = pid_column (output, hlen);
  char *out;

  if (idx < 0)
    return make_error (err, 0, "ps: couldn't find the PID field in the ps output");
  cap = strlen (output) + 2;
  out = xmalloc0 (cap);
  memcpy (out, output, hlen);
  out[hlen] = '\n';
  used = hlen + 1;
  for (const char *p = *nl ? nl + 1 : nl; *p;)
    {
      const char *e = strchrnul (p, '\n');
      size_t len = (size_t)(e - p);
      long pid = field_pid (p, len, idx);

      for (size_t i = 0; pid > 0 && i < n_pids; i++)
        if (pids[i] == (pid_t)pid)
          {
            memcpy (out + used, p, len);
            used += len;
            out[used++] = '\n';
            break;
          }
      p = *e ? e + 1 : e;
    }
  out[used] = '\0';
  *ret = out;
  return 0;
}
