#include <config.h>
#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>

#include "fds.h"
#include "tap.h"

static bool
is_open (int fd)
{
  return fcntl (fd, F_GETFD) >= 0;
}

int
main (void)
{
  ecirun_error_t err = NULL;
  int a, b, later;

  /* What "the caller passed": fds 3 and 4 (the test's own, above stdio). */
  close_range (3, ~0U, 0);
  a = open ("/dev/null", O_RDONLY);
  b = open ("/dev/null", O_RDONLY);
  TAP_OK (a == 3 && b == 4, "fds 3 and 4 opened (%d, %d)", a, b);
  fds_record_inherited ();

  a = fds_check_preserved (0, &err);
  TAP_OK (a == 0, "--preserve-fds 0");
  a = fds_check_preserved (2, &err);
  TAP_OK (a == 0, "--preserve-fds 2: both passed");
  later = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  TAP_OK (later == 5, "the runtime's own fd is 5 (%d)", later);
  a = fds_check_preserved (3, &err);
  TAP_OK (a < 0 && err && strstr (err->msg, "fd 5"),
          "--preserve-fds 3: fd 5 is the runtime's, refused (%s)", err ? err->msg : "");
  error_release (&err);

  /* A passed fd closed and its number reused by the runtime is not the caller's any more. */
  close (4);
  later = open ("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  TAP_OK (later == 4, "fd 4 reused for /tmp (%d)", later);
  a = fds_check_preserved (2, &err);
  TAP_OK (a < 0 && err && strstr (err->msg, "fd 4"),
          "--preserve-fds 2: the reused fd 4 is refused");
  error_release (&err);

  /* Close all from 3 but 5 and 9. */
  for (int fd = 6; fd <= 12; fd++)
    dup2 (3, fd);
  {
    const int keep[] = { 9, -1, 5, 9 };
    int r = fds_close_from (3, keep, 4, &err);
    TAP_OK (r == 0, "fds_close_from 3, keeping 5 and 9");
  }
  TAP_OK (!is_open (3) && !is_open (4) && is_open (5) && !is_open (6) && !is_open (8) && is_open (9)
              && !is_open (10) && !is_open (12),
          "only 5 and 9 are left");
  {
    int r = fds_close_from (6, (const int[]){ 5 }, 1, &err);
    TAP_OK (r == 0 && is_open (5) && !is_open (9),
            "a kept fd below the first one stays, everything from 6 closes");
  }
  return tap_done ();
}
