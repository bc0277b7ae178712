/* Unit tests of the sysctl table of a container's /proc/sys (proc-emul/pe_sysctl.h): which
   sysctls are the container's own namespaces', which are virtualised, which stay read-only, and
   the kernel's validation of what is written. */
#include <config.h>
#include "pe_sysctl.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

static const char *
class_name (enum pe_sysctl_class c)
{
  static const char *const names[] = { "host-ro", "ns", "ns-user", "ns-pid", "virtual", "hidden" };
  return names[c];
}

static void
expect_class (const char *path, enum pe_sysctl_class want)
{
  const struct pe_sysctl *s;
  enum pe_sysctl_class got = pe_sysctl_classify (path, &s);

  TAP_OK (got == want && (got == PE_SYSCTL_VIRTUAL) == (s != NULL), "classify %s: %s (got %s)",
          path, class_name (want), class_name (got));
}

static void
test_classify (void)
{
  expect_class ("net/ipv4/ip_forward", PE_SYSCTL_NS);
  expect_class ("net/core/somaxconn", PE_SYSCTL_NS);
  expect_class ("net", PE_SYSCTL_NS);
  expect_class ("kernel/hostname", PE_SYSCTL_NS);
  expect_class ("kernel/domainname", PE_SYSCTL_NS);
  expect_class ("kernel/shmmax", PE_SYSCTL_NS);
  expect_class ("kernel/sem", PE_SYSCTL_NS);
  expect_class ("kernel/msgmnb", PE_SYSCTL_NS);
  expect_class ("fs/mqueue/msg_max", PE_SYSCTL_NS);
  expect_class ("user/max_user_namespaces", PE_SYSCTL_NS_USER);
  expect_class ("kernel/ns_last_pid", PE_SYSCTL_NS_PID);
  expect_class ("vm/max_map_count", PE_SYSCTL_VIRTUAL);
  expect_class ("vm/overcommit_memory", PE_SYSCTL_VIRTUAL);
  expect_class ("fs/file-max", PE_SYSCTL_VIRTUAL);
  expect_class ("kernel/pid_max", PE_SYSCTL_VIRTUAL);
  expect_class ("kernel/panic", PE_SYSCTL_VIRTUAL);
  expect_class ("fs/inotify/max_user_watches", PE_SYSCTL_VIRTUAL);
  expect_class ("kernel/kptr_restrict", PE_SYSCTL_HOST_RO);
  expect_class ("kernel/dmesg_restrict", PE_SYSCTL_HOST_RO);
  expect_class ("kernel/modules_disabled", PE_SYSCTL_HOST_RO);
  expect_class ("kernel/yama/ptrace_scope", PE_SYSCTL_HOST_RO);
  expect_class ("vm/nr_hugepages", PE_SYSCTL_HOST_RO);
  expect_class ("vm/mmap_min_addr", PE_SYSCTL_HOST_RO);
  expect_class ("fs/protected_symlinks", PE_SYSCTL_HOST_RO);
  expect_class ("kernel", PE_SYSCTL_HOST_RO);
  expect_class ("", PE_SYSCTL_HOST_RO);
  expect_class ("fs/binfmt_misc", PE_SYSCTL_HOST_RO);
  expect_class ("fs/binfmt_misc/register", PE_SYSCTL_HIDDEN);
  expect_class ("networking", PE_SYSCTL_HOST_RO);
  expect_class ("vm/max_map_count2", PE_SYSCTL_HOST_RO);

  /* The table is sorted (the lookup is a binary search) and every entry finds itself. */
  size_t n;
  const struct pe_sysctl *t = pe_sysctl_table (&n);
  bool ok = n > 0;
  for (size_t i = 0; i < n; i++)
    {
      const struct pe_sysctl *s;
      ok = ok && (i == 0 || strcmp (t[i - 1].path, t[i].path) < 0)
           && pe_sysctl_classify (t[i].path, &s) == PE_SYSCTL_VIRTUAL && s == &t[i];
    }
  TAP_OK (ok, "the table is sorted and each of its %zu entries is found", n);
}

static const struct pe_sysctl *
entry (const char *path)
{
  const struct pe_sysctl *s;
  pe_sysctl_classify (path, &s);
  return s;
}

/* s with newlines and tabs as \n and \t, for one-line test names. */
static const char *
esc (const char *s, char *buf, size_t size)
{
  size_t n = 0;
  for (; *s && n + 3 < size; s++)
    {
      if (*s == '\n' || *s == '\t')
        {
          buf[n++] = '\\';
          buf[n++] = *s == '\n' ? 'n' : 't';
        }
      else
        buf[n++] = *s;
    }
  buf[n] = '\0';
  return buf;
}

static void
expect_write (const char *path, const char *in, const char *cur, const char *want)
{
  char e1[64], e2[64], e3[64];
  char out[PE_SYSCTL_VALUE_MAX] = "";
  const struct pe_sysctl *s = entry (path);
  int r = s ? pe_sysctl_parse (s, in, strlen (in), cur, out) : -ENOENT;

  if (want)
    TAP_OK (r == 0 && strcmp (out, want) == 0, "write %s <- \"%s\": \"%s\" (got %d \"%s\")", path,
            esc (in, e1, sizeof (e1)), esc (want, e2, sizeof (e2)), r, esc (out, e3, sizeof (e3)));
  else
    TAP_OK (r == -EINVAL, "write %s <- \"%s\": EINVAL (got %d \"%s\")", path,
            esc (in, e1, sizeof (e1)), r, esc (out, e3, sizeof (e3)));
}

static void
test_parse (void)
{
  expect_write ("vm/overcommit_memory", "1\n", NULL, "1\n");
  expect_write ("vm/overcommit_memory", "  2  \n", NULL, "2\n");
  expect_write ("vm/overcommit_memory", "0x2", NULL, "2\n");
  expect_write ("vm/overcommit_memory", "3", NULL, NULL);
  expect_write ("vm/overcommit_memory", "-1", NULL, NULL);
  expect_write ("vm/overcommit_memory", "abc", NULL, NULL);
  expect_write ("vm/overcommit_memory", "1x", NULL, NULL);
  expect_write ("vm/overcommit_memory", "", NULL, NULL);
  expect_write ("vm/overcommit_memory", "\n", NULL, NULL);
  expect_write ("vm/max_map_count", "262144\n", NULL, "262144\n");
  expect_write ("vm/max_map_count", "2147483647", NULL, "2147483647\n");
  expect_write ("vm/max_map_count", "2147483648", NULL, NULL);
  expect_write ("vm/max_map_count", "-5", NULL, NULL);
  expect_write ("vm/swappiness", "200", NULL, "200\n");
  expect_write ("vm/swappiness", "201", NULL, NULL);
  expect_write ("kernel/pid_max", "300", NULL, NULL);
  expect_write ("kernel/pid_max", "301", NULL, "301\n");
  expect_write ("kernel/pid_max", "4194304", NULL, "4194304\n");
  expect_write ("kernel/pid_max", "4194305", NULL, NULL);
  expect_write ("kernel/panic", "-2147483648", NULL, "-2147483648\n");
  expect_write ("kernel/panic", "-2147483649", NULL, NULL);
  expect_write ("kernel/panic", "010", NULL, "8\n");
  expect_write ("kernel/threads-max", "19", NULL, NULL);
  expect_write ("kernel/printk", "4 4 1 7\n", "7\t4\t1\t7\n", "4\t4\t1\t7\n");
  expect_write ("kernel/printk", "3", "7\t4\t1\t7\n", "3\t4\t1\t7\n");
  expect_write ("fs/file-max", "9223372036854775807", NULL, "9223372036854775807\n");
  expect_write ("fs/file-max", "9223372036854775808", NULL, NULL);
  expect_write ("fs/file-max", "-1", NULL, NULL);
  expect_write ("fs/nr_open", "63", NULL, NULL);
  expect_write ("fs/nr_open", "1048576", NULL, "1048576\n");
  expect_write ("fs/inotify/max_user_watches", "524288\n", NULL, "524288\n");
  expect_write ("vm/drop_caches", "3", NULL, "3\n");
  expect_write ("vm/drop_caches", "5", NULL, NULL);
  expect_write ("kernel/core_pattern", "core.%p\n", NULL, "core.%p\n");
  expect_write ("kernel/core_pattern", "|/bin/evil\nignored", NULL, "|/bin/evil\n");

  char long_pattern[300], out[PE_SYSCTL_VALUE_MAX];
  memset (long_pattern, 'a', sizeof (long_pattern) - 1);
  long_pattern[sizeof (long_pattern) - 1] = '\0';
  TAP_OK (pe_sysctl_parse (entry ("kernel/core_pattern"), long_pattern, strlen (long_pattern), NULL,
                           out)
                  == 0
              && strlen (out) == 127 + 1,
          "core_pattern: cut to CORENAME_MAX_SIZE - 1 bytes, as the kernel does");
  TAP_OK (entry ("vm/drop_caches")->mode == 0200 && entry ("vm/drop_caches")->no_store,
          "drop_caches: write-only, an action that is never stored");
}

static void
test_store (void)
{
  struct pe_sysctl_store st = { 0 };
  const struct pe_sysctl *a = entry ("vm/max_map_count"), *b = entry ("kernel/panic");

  TAP_OK (pe_sysctl_store_get (&st, a) == NULL, "store: nothing written, the host's value");
  pe_sysctl_store_set (&st, a, "262144\n");
  pe_sysctl_store_set (&st, b, "10\n");
  pe_sysctl_store_set (&st, a, "65530\n");
  TAP_OK (st.n == 2 && strcmp (pe_sysctl_store_get (&st, a), "65530\n") == 0
              && strcmp (pe_sysctl_store_get (&st, b), "10\n") == 0,
          "store: the last value written of each");
  pe_sysctl_store_release (&st);
}

int
main (void)
{
  test_classify ();
  test_parse ();
  test_store ();
  return tap_done ();
}
