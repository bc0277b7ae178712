/* hooks_run: exit status, stdin delivery, args/env, output capture, timeout, no fd leaks. */
#include <config.h>
#include "hooks.h"
#include "utils.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/ecirun-test-hooks-XXXXXX";

/* Run one hook; returns hooks_run's result and leaves the message (or "") in msg. */
static int
run (struct hook_config *h, enum hook_kind kind, const char *state, char *msg, size_t msg_len)
{
  struct hook_list list = { h, 1 };
  ecirun_error_t err = NULL;
  int ret = hooks_run (&list, kind, state, &err);

  snprintf (msg, msg_len, "%s", err ? err->msg : "");
  if (err)
    printf ("#   error: %.300s\n", err->msg);
  error_release (&err);
  return ret;
}

static char *
slurp (const char *path)
{
  char *buf = NULL;
  ecirun_error_t err = NULL;
  if (read_file_at (AT_FDCWD, path, &buf, NULL, 0, &err) < 0)
    {
      error_release (&err);
      return NULL;
    }
  return buf;
}

static bool
exists (const char *path)
{
  return access (path, F_OK) == 0;
}

int
main (void)
{
  char msg[8192];
  int rc;
  const char *state = "{\"ociVersion\":\"1.1.0\",\"id\":\"ctr1\",\"status\":\"creating\"}";

  if (mkdtemp (tmpdir) == NULL)
    {
      perror ("mkdtemp");
      return 1;
    }

  {
    struct hook_config h = { .path = "/bin/true" };
    rc = run (&h, HOOK_PRESTART, state, msg, sizeof (msg));
    TAP_OK (rc == 0, "/bin/true succeeds");
  }
  {
    struct hook_list empty = { NULL, 0 };
    ecirun_error_t err = NULL;
    rc = hooks_run (&empty, HOOK_POSTSTOP, state, &err);
    TAP_OK (rc == 0 && err == NULL, "an empty hook list is a no-op");
  }
  {
    struct hook_config h = { .path = "/bin/false" };
    rc = run (&h, HOOK_CREATE_RUNTIME, state, msg, sizeof (msg));
    TAP_OK (rc < 0, "/bin/false fails");
    TAP_OK (strstr (msg, "error running createRuntime hook #0 (`/bin/false`): exit status 1") != NULL,
            "the error names the kind, index, path and exit status");
  }
  {
    /* The second hook fails: its index is in the message and the third does not run. */
    cleanup_free char *marker = xasprintf ("%s/third-ran", tmpdir);
    cleanup_free char *script = xasprintf ("touch %s", marker);
    char *third_args[] = { "sh", "-c", script, NULL };
    struct hook_config hs[3] = { { .path = "/bin/true" },
                                 { .path = "/bin/false" },
                                 { .path = "/bin/sh", .args = third_args } };
    struct hook_list list = { hs, 3 };
    ecirun_error_t err = NULL;
    rc = hooks_run (&list, HOOK_POSTSTART, state, &err);
    TAP_OK (rc < 0 && err && strstr (err->msg, "poststart hook #1 (`/bin/false`)"),
            "the first failure stops the list and is named by its index");
    TAP_OK (!exists (marker), "hooks after a failure do not run");
    error_release (&err);
  }
  {
    cleanup_free char *out = xasprintf ("%s/stdin", tmpdir);
    cleanup_free char *script = xasprintf ("cat > %s", out);
    cleanup_free char *got = NULL;
    char *args[] = { "sh", "-c", script, NULL };
    struct hook_config h = { .path = "/bin/sh", .args = args };
    rc = run (&h, HOOK_CREATE_CONTAINER, state, msg, sizeof (msg));
    TAP_OK (rc == 0, "sh -c 'cat > file' succeeds");
    got = slurp (out);
    TAP_STR_EQ (got, state, "the state JSON arrives on the hook's stdin");
  }
  {
    /* A large state (beyond a pipe buffer) is delivered whole. */
    size_t big_len = 300 * 1024;
    cleanup_free char *big = xmalloc0 (big_len + 1);
    cleanup_free char *out = xasprintf ("%s/big", tmpdir);
    cleanup_free char *script = xasprintf ("cat > %s", out);
    cleanup_free char *got = NULL;
    char *args[] = { "sh", "-c", script, NULL };
    struct hook_config h = { .path = "/bin/sh", .args = args };
    memset (big, 'x', big_len);
    rc = run (&h, HOOK_PRESTART, big, msg, sizeof (msg));
    TAP_OK (rc == 0, "a 300 KiB state is written");
    got = slurp (out);
    TAP_OK (got && strlen (got) == big_len, "all of it arrives");
  }
  {
    /* A hook that never reads its stdin must not kill the runtime with SIGPIPE. */
    size_t big_len = 1024 * 1024;
    cleanup_free char *big = xmalloc0 (big_len + 1);
    struct hook_config h = { .path = "/bin/true" };
    memset (big, 'y', big_len);
    rc = run (&h, HOOK_PRESTART, big, msg, sizeof (msg));
    TAP_OK (rc == 0, "a hook that ignores its stdin succeeds (no SIGPIPE)");
  }
  {
    cleanup_free char *out = xasprintf ("%s/argsenv", tmpdir);
    cleanup_free char *script = xasprintf ("printf '%%s|%%s|%%s|%%s' \"$0\" \"$1\" \"$FOO\" "
                                           "\"${HOME-unset}\" > %s",
                                           out);
    cleanup_free char *got = NULL;
    char *args[] = { "sh", "-c", script, "my-name", "arg1", NULL };
    char *env[] = { "FOO=bar baz", NULL };
    struct hook_config h = { .path = "/bin/sh", .args = args, .env = env };
    rc = run (&h, HOOK_START_CONTAINER, state, msg, sizeof (msg));
    TAP_OK (rc == 0, "a hook with args and env succeeds");
    got = slurp (out);
    TAP_STR_EQ (got, "my-name|arg1|bar baz|unset",
                "args are passed as given and env replaces the runtime's");
  }
  {
    /* args NULL: argv[0] is the path; env NULL: an empty environment. */
    cleanup_free char *out = xasprintf ("%s/envcount", tmpdir);
    cleanup_free char *script = xasprintf ("#!/bin/sh\necho \"$0 $(env | wc -l)\" > %s\n", out);
    cleanup_free char *path = xasprintf ("%s/hook.sh", tmpdir);
    cleanup_free char *got = NULL, *want = NULL;
    ecirun_error_t err = NULL;
    write_file_at (AT_FDCWD, path, script, strlen (script), 0755, &err);
    error_release (&err);
    struct hook_config h = { .path = path };
    rc = run (&h, HOOK_PRESTART, state, msg, sizeof (msg));
    TAP_OK (rc == 0, "a script hook runs");
    got = slurp (out);
    want = xasprintf ("%s 1\n", path); /* sh itself sets PWD */
    TAP_STR_EQ (got, want, "args NULL gives argv[0] = path; env NULL gives an empty env");
  }
  {
    char *args[] = { "sh", "-c", "echo to-stdout; echo 'boom: it broke' >&2; exit 3", NULL };
    struct hook_config h = { .path = "/bin/sh", .args = args };
    rc = run (&h, HOOK_POSTSTOP, state, msg, sizeof (msg));
    TAP_OK (rc < 0, "exit 3 fails");
    TAP_OK (strstr (msg, "poststop hook #0 (`/bin/sh`): exit status 3: boom: it broke")
                != NULL,
            "stderr is appended, trimmed");
    TAP_OK (strstr (msg, "stdout: to-stdout") != NULL, "stdout is included too");
  }
  {
    /* Output is bounded. */
    char *args[] = { "sh", "-c", "head -c 100000 /dev/zero | tr '\\0' e >&2; exit 1", NULL };
    struct hook_config h = { .path = "/bin/sh", .args = args };
    rc = run (&h, HOOK_PRESTART, state, msg, sizeof (msg));
    TAP_OK (rc < 0 && strlen (msg) < 4096 + 200,
            "a hook's stderr is capped in the message (%zu bytes)", strlen (msg));
  }
  {
    char *args[] = { "sh", "-c", "kill -9 $$", NULL };
    struct hook_config h = { .path = "/bin/sh", .args = args };
    rc = run (&h, HOOK_PRESTART, state, msg, sizeof (msg));
    TAP_OK (rc < 0 && strstr (msg, "killed by signal 9"),
            "a hook killed by a signal is reported as such");
  }
  {
    struct timespec t0, t1;
    char *args[] = { "sleep", "30", NULL };
    struct hook_config h
        = { .path = "/bin/sleep", .args = args, .timeout = { .set = true, .v = 1 } };
    double elapsed;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    rc = run (&h, HOOK_PRESTART, state, msg, sizeof (msg));
    clock_gettime (CLOCK_MONOTONIC, &t1);
    TAP_OK (rc < 0, "sleep 30 with timeout 1 fails");
    elapsed = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    TAP_STR_EQ (msg, "hook prestart[0] `/bin/sleep` timed out after 1s", "the timeout message");
    TAP_OK (elapsed >= 0.9 && elapsed < 3, "the hook is killed at the timeout (%.2fs)", elapsed);
  }
  {
    char *args[] = { "sleep", "0.2", NULL };
    struct hook_config h
        = { .path = "/bin/sleep", .args = args, .timeout = { .set = true, .v = 5 } };
    rc = run (&h, HOOK_PRESTART, state, msg, sizeof (msg));
    TAP_OK (rc == 0, "a hook finishing within its timeout succeeds");
  }
  {
    /* A hook that leaves a background child holding its stdout/stderr: no waiting for EOF. */
    cleanup_free char *pidfile = xasprintf ("%s/bg.pid", tmpdir);
    cleanup_free char *script = xasprintf ("sleep 10 & echo $! > %s; exit 0", pidfile);
    cleanup_free char *bg = NULL;
    char *args[] = { "sh", "-c", script, NULL };
    struct hook_config h = { .path = "/bin/sh", .args = args };
    struct timespec t0, t1;
    double elapsed;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    rc = run (&h, HOOK_POSTSTART, state, msg, sizeof (msg));
    clock_gettime (CLOCK_MONOTONIC, &t1);
    elapsed = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    TAP_OK (rc == 0 && elapsed < 3,
            "a hook whose background child keeps the pipes open returns at once (%.2fs)", elapsed);
    bg = slurp (pidfile);
    if (bg && atoi (bg) > 0)
      kill (atoi (bg), SIGKILL);
  }
  {
    struct hook_config h = { .path = "/nonexistent/hook" };
    rc = run (&h, HOOK_PRESTART, state, msg, sizeof (msg));
    TAP_OK (rc < 0 && strstr (msg, "prestart hook #0 (`/nonexistent/hook`): exec")
                && strstr (msg, "No such file or directory"),
            "a missing executable is reported with the exec error");
  }
  {
    struct hook_config h = { .path = "true" };
    rc = run (&h, HOOK_PRESTART, state, msg, sizeof (msg));
    TAP_OK (rc < 0 && strstr (msg, "not absolute"), "a relative hook path is refused");
  }
  {
    /* No runtime fd leaks into the hook: only 0, 1, 2 are open (ls itself opens one more). */
    int leak = open ("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */
    cleanup_free char *out = xasprintf ("%s/fds", tmpdir);
    cleanup_free char *script = xasprintf ("ls /proc/self/fd > %s", out);
    cleanup_free char *got = NULL;
    char *args[] = { "sh", "-c", script, NULL };
    struct hook_config h = { .path = "/bin/sh", .args = args };
    rc = run (&h, HOOK_PRESTART, state, msg, sizeof (msg));
    TAP_OK (rc == 0, "fd listing hook runs");
    got = slurp (out);
    TAP_STR_EQ (got, "0\n1\n2\n3\n", "the hook sees only its stdio (fd 3 is ls's own)");
    close (leak);
  }

  {
    cleanup_free char *cmd = xasprintf ("rm -rf %s", tmpdir);
    (void)!system (cmd);
  }
  return tap_done ();
}
