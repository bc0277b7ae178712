/* ecirun check [PATH...]: whether this host supports every isolation feature ecirun uses, one
   line each with what to fix; exit status 0 only when all hold. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include "commands.h"
#include "hostcheck.h"

int
cmd_check (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  static const char *const label[]
      = { [CHECK_OK] = "ok", [CHECK_WARN] = "warn", [CHECK_FAIL] = "FAIL" };
  struct check_result *r = NULL;
  size_t n = 0, failed = 0;

  for (int i = 1; i < argc; i++)
    if (argv[i][0] == '-')
      {
        if (argv[i][1] == 'h' || argv[i][2] == 'h')
          {
            print_command_usage ("check");
            return 0;
          }
        return make_error (err, 0, "check: unknown option `%s`", argv[i]);
      }
    else if (argv[i][0] != '/')
      return make_error (err, 0, "check: `%s`: give absolute paths", argv[i]);
  hostcheck_run (argc > 1 ? argv + 1 : NULL, &r, &n);
  for (size_t i = 0; i < n; i++)
    {
      printf ("%-5s %s: %s", label[r[i].verdict], r[i].what, r[i].detail ? r[i].detail : "");
      if (r[i].verdict != CHECK_OK && r[i].fix)
        printf ("; fix: %s", r[i].fix);
      putchar ('\n');
      failed += r[i].verdict == CHECK_FAIL;
    }
  if (failed)
    printf ("%zu of %zu checks failed: this host cannot give every container ecirun's "
            "isolation\n",
            failed, n);
  else
    printf ("all %zu checks hold\n", n);
  hostcheck_free (r, n);
  fflush (stdout);
  return failed ? 1 : 0;
}
