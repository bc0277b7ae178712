/* A tiny TAP producer for the unit tests: `ok N - name` / `not ok N - name`, plan at the end. */
#ifndef ECIRUN_TAP_H
#define ECIRUN_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

#define TAP_OK(cond, ...)                                                                          \
  do                                                                                               \
    {                                                                                              \
      tap_count++;                                                                                 \
      if (cond)                                                                                    \
        printf ("ok %d - ", tap_count);                                                            \
      else                                                                                         \
        {                                                                                          \
          tap_failed++;                                                                            \
          printf ("not ok %d - ", tap_count);                                                      \
        }                                                                                          \
      printf (__VA_ARGS__);                                                                        \
      printf ("\n");                                                                               \
      if (!(cond))                                                                                 \
        printf ("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);                           \
    }                                                                                              \
  while (0)

#define TAP_STR_EQ(got, want, ...)                                                                 \
  do                                                                                               \
    {                                                                                              \
      const char *_g = (got), *_w = (want);                                                        \
      TAP_OK (_g &&_w &&strcmp (_g, _w) == 0, __VA_ARGS__);                                        \
      if (!(_g && _w && strcmp (_g, _w) == 0))                                                     \
        printf ("#   got: %s\n#   want: %s\n", _g ? _g : "(null)", _w ? _w : "(null)");            \
    }                                                                                              \
  while (0)

static inline int
tap_done (void)
{
  printf ("1..%d\n", tap_count);
  return tap_failed ? 1 : 0;
}

#endif
