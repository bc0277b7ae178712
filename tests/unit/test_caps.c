#include <config.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "tap.h"

#define BIT(c) (UINT64_C (1) << (c))

static void
test_names (void)
{
  int i, j, ok = 1;

  TAP_OK (caps_last_known () == 40, "caps_last_known is CAP_CHECKPOINT_RESTORE (40)");
  TAP_OK (caps_last_known () >= CAP_LAST_CAP, "table covers the kernel headers (CAP_LAST_CAP %d)",
          CAP_LAST_CAP);
  for (i = 0; i <= caps_last_known (); i++)
    {
      const char *n = caps_name (i);
      if (n == NULL || strncmp (n, "CAP_", 4) != 0 || caps_from_name (n) != i)
        {
          printf ("# capability %d: %s\n", i, n ? n : "(null)");
          ok = 0;
        }
    }
  TAP_OK (ok, "every capability 0..40 has a name that round-trips");
  ok = 1;
  for (i = 0; i <= caps_last_known (); i++)
    for (j = i + 1; j <= caps_last_known (); j++)
      if (caps_name (i) && caps_name (j) && strcmp (caps_name (i), caps_name (j)) == 0)
        ok = 0;
  TAP_OK (ok, "no duplicate names");

  TAP_OK (caps_from_name ("CAP_CHOWN") == CAP_CHOWN, "CAP_CHOWN");
  TAP_OK (caps_from_name ("CAP_SETPCAP") == CAP_SETPCAP, "CAP_SETPCAP");
  TAP_OK (caps_from_name ("CAP_NET_BIND_SERVICE") == CAP_NET_BIND_SERVICE, "CAP_NET_BIND_SERVICE");
  TAP_OK (caps_from_name ("CAP_SYS_ADMIN") == 21, "CAP_SYS_ADMIN is 21");
  TAP_OK (caps_from_name ("CAP_SYS_RESOURCE") == CAP_SYS_RESOURCE, "CAP_SYS_RESOURCE");
  TAP_OK (caps_from_name ("CAP_AUDIT_READ") == CAP_AUDIT_READ, "CAP_AUDIT_READ");
  TAP_OK (caps_from_name ("CAP_PERFMON") == 38, "CAP_PERFMON is 38");
  TAP_OK (caps_from_name ("CAP_BPF") == 39, "CAP_BPF is 39");
  TAP_OK (caps_from_name ("CAP_CHECKPOINT_RESTORE") == 40, "CAP_CHECKPOINT_RESTORE is 40");
  TAP_OK (caps_from_name ("cap_sys_admin") == 21, "names are case-insensitive");
  TAP_OK (caps_from_name ("Cap_Net_Raw") == CAP_NET_RAW, "mixed case");
  TAP_OK (caps_from_name ("SYS_ADMIN") == -1, "the CAP_ prefix is required");
  TAP_OK (caps_from_name ("CAP_FOO") == -1, "unknown name");
  TAP_OK (caps_from_name ("CAP_") == -1, "bare prefix");
  TAP_OK (caps_from_name ("") == -1, "empty name");
  TAP_OK (caps_from_name (NULL) == -1, "NULL name");
  TAP_OK (caps_from_name ("CAP_SYS_ADMIN ") == -1, "trailing blank");
  TAP_OK (caps_from_name ("21") == -1, "numbers are not names");
  TAP_STR_EQ (caps_name (CAP_SYS_ADMIN), "CAP_SYS_ADMIN", "caps_name (21)");
  TAP_STR_EQ (caps_name (0), "CAP_CHOWN", "caps_name (0)");
  TAP_STR_EQ (caps_name (40), "CAP_CHECKPOINT_RESTORE", "caps_name (40)");
  TAP_OK (caps_name (41) == NULL, "caps_name (41) is NULL");
  TAP_OK (caps_name (-1) == NULL, "caps_name (-1) is NULL");
  TAP_OK (caps_name (63) == NULL, "caps_name (63) is NULL");
}

struct child_result
{
  int ret;
  int keepcaps;
  char warning[512];
  char error[512];
  uint64_t inh, prm, eff, bnd, amb;
};

static uint64_t
status_field (const char *status, const char *key)
{
  const char *p = strstr (status, key);
  if (p == NULL)
    return UINT64_MAX;
  return strtoull (p + strlen (key), NULL, 16);
}

static int
read_status (char *buf, size_t size)
{
  FILE *f = fopen ("/proc/self/status", "re");
  size_t n;
  if (f == NULL)
    return -1;
  n = fread (buf, 1, size - 1, f);
  buf[n] = '\0';
  fclose (f);
  return 0;
}

/* Run caps_apply in a child (it changes the process for good) and report what it left. */
static int
run_child (const struct capabilities_config *cfg, uid_t uid, struct child_result *res)
{
  int p[2], status;
  pid_t pid;

  memset (res, 0, sizeof (*res));
  if (pipe (p) < 0)
    return -1;
  pid = fork ();
  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      struct child_result r;
      ecirun_error_t err = NULL;
      char *warning = NULL;
      char status_buf[8192];

      memset (&r, 0, sizeof (r));
      close (p[0]);
      if (uid != 0)
        {
          if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresgid (uid, uid, uid) < 0
              || setresuid (uid, uid, uid) < 0)
            _exit (2);
        }
      r.ret = caps_apply (cfg, &warning, &err);
      if (warning)
        snprintf (r.warning, sizeof (r.warning), "%s", warning);
      if (err)
        snprintf (r.error, sizeof (r.error), "%s", err->msg);
      r.keepcaps = prctl (PR_GET_KEEPCAPS, 0, 0, 0, 0);
      if (read_status (status_buf, sizeof (status_buf)) < 0)
        _exit (3);
      r.inh = status_field (status_buf, "CapInh:");
      r.prm = status_field (status_buf, "CapPrm:");
      r.eff = status_field (status_buf, "CapEff:");
      r.bnd = status_field (status_buf, "CapBnd:");
      r.amb = status_field (status_buf, "CapAmb:");
      if (write (p[1], &r, sizeof (r)) != (ssize_t)sizeof (r))
        _exit (4);
      _exit (0);
    }
  close (p[1]);
  if (read (p[0], res, sizeof (*res)) != (ssize_t)sizeof (*res))
    res->ret = -100;
  close (p[0]);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return -1;
  return 0;
}

static void
show (const char *what, const struct child_result *r)
{
  printf ("# %s: ret=%d err=%s warning=%s\n#   inh=%016" PRIx64 " prm=%016" PRIx64
          " eff=%016" PRIx64 " bnd=%016" PRIx64 " amb=%016" PRIx64 "\n",
          what, r->ret, r->error, r->warning, r->inh, r->prm, r->eff, r->bnd, r->amb);
}

static void
test_apply (void)
{
  struct capabilities_config cfg;
  struct child_result r;
  char status_buf[8192];
  uint64_t held, all = (BIT (caps_last_known ()) << 1) - 1;
  int ok;

  if (geteuid () != 0 || read_status (status_buf, sizeof (status_buf)) < 0)
    {
      TAP_OK (1, "# SKIP caps_apply needs root");
      return;
    }
  held = status_field (status_buf, "CapBnd:") & status_field (status_buf, "CapPrm:");

  /* --privileged: everything, in every set but ambient. */
  memset (&cfg, 0, sizeof (cfg));
  cfg.present = true;
  cfg.bounding = cfg.effective = cfg.permitted = cfg.inheritable = all;
  ok = run_child (&cfg, 0, &r) == 0;
  TAP_OK (ok && r.ret == 0, "privileged: caps_apply succeeds");
  if (!(ok && r.ret == 0))
    show ("privileged", &r);
  TAP_OK (r.bnd == (all & held) && r.prm == (all & held) && r.eff == (all & held)
              && r.inh == (all & held),
          "privileged: every set is what the runtime holds");
  if ((all & held) != all)
    {
      TAP_OK (strncmp (r.warning, "dropping capabilities the runtime does not hold: ", 49) == 0,
              "privileged: warning names the missing capabilities: %s", r.warning);
      if (!(held & BIT (CAP_SYS_RESOURCE)))
        TAP_OK (strstr (r.warning, "CAP_SYS_RESOURCE") != NULL,
                "privileged: CAP_SYS_RESOURCE (absent on this host) is in the warning");
    }
  else
    TAP_OK (r.warning[0] == '\0', "privileged: no warning when the runtime holds everything");
  TAP_OK (r.keepcaps == 0, "PR_SET_KEEPCAPS is cleared");

  /* Docker's default set. */
  memset (&cfg, 0, sizeof (cfg));
  cfg.present = true;
  cfg.bounding = BIT (CAP_CHOWN) | BIT (CAP_DAC_OVERRIDE) | BIT (CAP_FSETID) | BIT (CAP_FOWNER)
                 | BIT (CAP_MKNOD) | BIT (CAP_NET_RAW) | BIT (CAP_SETGID) | BIT (CAP_SETUID)
                 | BIT (CAP_SETFCAP) | BIT (CAP_SETPCAP) | BIT (CAP_NET_BIND_SERVICE)
                 | BIT (CAP_SYS_CHROOT) | BIT (CAP_KILL) | BIT (CAP_AUDIT_WRITE);
  cfg.effective = cfg.permitted = cfg.bounding;
  ok = run_child (&cfg, 0, &r) == 0;
  TAP_OK (ok && r.ret == 0, "docker default: caps_apply succeeds");
  TAP_OK (r.bnd == cfg.bounding && r.prm == cfg.bounding && r.eff == cfg.bounding && r.inh == 0
              && r.amb == 0,
          "docker default: sets match");
  if (r.bnd != cfg.bounding)
    show ("docker default", &r);
  TAP_OK (r.warning[0] == '\0', "docker default: no warning");

  /* Nothing at all. */
  memset (&cfg, 0, sizeof (cfg));
  ok = run_child (&cfg, 0, &r) == 0;
  TAP_OK (ok && r.ret == 0 && r.bnd == 0 && r.prm == 0 && r.eff == 0 && r.inh == 0 && r.amb == 0
              && r.warning[0] == '\0',
          "empty sets: everything dropped, no warning");

  /* A non-root user keeping a capability through the ambient set. CAP_SYS_ADMIN is asked as
     ambient without being inheritable: skipped, like runc. */
  memset (&cfg, 0, sizeof (cfg));
  cfg.present = true;
  cfg.bounding = BIT (CAP_NET_BIND_SERVICE) | BIT (CAP_CHOWN) | BIT (CAP_SYS_ADMIN);
  cfg.permitted = cfg.bounding;
  cfg.effective = BIT (CAP_NET_BIND_SERVICE) | BIT (CAP_CHOWN);
  cfg.inheritable = BIT (CAP_NET_BIND_SERVICE) | BIT (CAP_CHOWN);
  cfg.ambient = BIT (CAP_NET_BIND_SERVICE) | BIT (CAP_SYS_ADMIN);
  ok = run_child (&cfg, 1000, &r) == 0;
  TAP_OK (ok && r.ret == 0, "uid 1000 with ambient: caps_apply succeeds");
  if (!(ok && r.ret == 0))
    show ("uid 1000", &r);
  TAP_OK (r.amb == BIT (CAP_NET_BIND_SERVICE), "ambient raised, non-inheritable one skipped");
  TAP_OK (r.eff == cfg.effective && r.prm == cfg.permitted && r.inh == cfg.inheritable
              && r.bnd == cfg.bounding,
          "uid 1000: other sets match");
  TAP_OK (r.keepcaps == 0, "uid 1000: PR_SET_KEEPCAPS is cleared");

  /* Only an unavailable capability. */
  if (!(held & BIT (CAP_SYS_RESOURCE)))
    {
      memset (&cfg, 0, sizeof (cfg));
      cfg.present = true;
      cfg.bounding = cfg.permitted = cfg.effective = BIT (CAP_SYS_RESOURCE) | BIT (CAP_KILL);
      ok = run_child (&cfg, 0, &r) == 0;
      TAP_OK (ok && r.ret == 0, "missing CAP_SYS_RESOURCE is not an error");
      TAP_STR_EQ (r.warning, "dropping capabilities the runtime does not hold: CAP_SYS_RESOURCE",
                  "exact warning text");
      TAP_OK (r.bnd == BIT (CAP_KILL) && r.eff == BIT (CAP_KILL), "the rest is applied");
    }
  else
    TAP_OK (1, "# SKIP the runtime holds CAP_SYS_RESOURCE here");
}

int
main (void)
{
  test_names ();
  test_apply ();
  return tap_done ();
}
