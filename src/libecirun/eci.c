/* ECI mode: hand the original runtime's containers and the admin's exceptions back to it (eci.h,
   docs/eci.md). */
#include <config.h>
#include "eci.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>
#include "config_internal.h"
#include "log.h"
#include "policy.h"
#include "state.h"
#include "utils.h"

#define ECI_MAX_RECORD (1u << 20)
#define ECI_MAX_STATE  (16u << 20)
#define ECI_MAX_LINKS  8

static bool
in_list (const char *const *v, const char *s)
{
  for (; *v; v++)
    if (strcmp (*v, s) == 0)
      return true;
  return false;
}

static const char *
eci_dir (void)
{
  const char *d = getenv ("ECIRUN_ECI_DIR");
  return d && *d ? d : ECI_DIR_DEFAULT;
}

char *
eci_record_lookup (const char *record, const char *path)
{
  size_t plen = strlen (path);

  for (const char *line = record; line && *line;)
    {
      const char *end = strchr (line, '\n'), *tab = strchr (line, '\t'), *tab2;
      if (end == NULL)
        end = line + strlen (line);
      if (tab && tab < end && (size_t)(tab - line) == plen && strncmp (line, path, plen) == 0)
        {
          tab2 = memchr (tab + 1, '\t', end - tab - 1);
          if (tab2 == NULL)
            tab2 = end;
          if (tab2 > tab + 1 && tab[1] == '/')
            return strndup (tab + 1, tab2 - tab - 1);
        }
      line = *end ? end + 1 : end;
    }
  return NULL;
}

/* The record, if there is one that root wrote (as the policy: nobody else may decide which
   binary ecirun runs). NULL when there is none or it cannot be trusted (with a warning). */
static char *
read_record (void)
{
  cleanup_free char *path = xasprintf ("%s/%s", eci_dir (), ECI_REPLACED);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
  char *buf = NULL;
  struct stat st;

  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode)
      || (geteuid () == 0 && (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))))
    {
      log_warning ("%s: not a regular file owned by root and writable by root only: ignored", path);
      return NULL;
    }
  if (st.st_size > ECI_MAX_RECORD)
    return NULL;
  buf = xmalloc0 ((size_t)st.st_size + 1);
  if (read_all (fd, buf, (size_t)st.st_size) < 0)
    {
      free (buf);
      return NULL;
    }
  return buf;
}

/* path with its directory resolved (not its last component), or NULL. */
static char *
canon_dir (const char *path)
{
  cleanup_free char *copy = xstrdup (path);
  char *slash = strrchr (copy, '/');
  cleanup_free char *dir = NULL;

  if (slash == NULL)
    return NULL;
  *slash = '\0';
  dir = realpath (*copy ? copy : "/", NULL);
  if (dir == NULL)
    return NULL;
  return xasprintf ("%s/%s", strcmp (dir, "/") == 0 ? "" : dir, slash + 1);
}

/* The original runtime of the path this process was executed by (AT_EXECFN), following the
   symlinks that lead to a replaced path (/usr/bin/runc -> ../sbin/runc). */
static char *
original_runtime (const char *record)
{
  const char *execfn = (const char *)getauxval (AT_EXECFN);
  cleanup_free char *p = NULL;

  if (execfn == NULL || *execfn == '\0')
    return NULL;
  if (execfn[0] == '/')
    p = canon_dir (execfn);
  else
    {
      char cwd[PATH_MAX];
      if (getcwd (cwd, sizeof (cwd)) == NULL)
        return NULL;
      cleanup_free char *abs = xasprintf ("%s/%s", cwd, execfn);
      p = canon_dir (abs);
    }
  for (int i = 0; p && i < ECI_MAX_LINKS; i++)
    {
      char target[PATH_MAX];
      char *orig = eci_record_lookup (record, p);
      ssize_t n;

      if (orig)
        return orig;
      n = readlink (p, target, sizeof (target) - 1);
      if (n <= 0)
        return NULL;
      target[n] = '\0';
      if (target[0] == '/')
        {
          free (p);
          p = canon_dir (target);
        }
      else
        {
          char *slash = strrchr (p, '/');
          cleanup_free char *abs = NULL;
          *slash = '\0';
          abs = xasprintf ("%s/%s", p, target);
          free (p);
          p = canon_dir (abs);
        }
    }
  return NULL;
}

/* runc's options that take a value (the rest are flags): enough to find the id operand. An
   option read wrongly only means no hand-over: ecirun then says the container does not exist. */
static bool
takes_value (const char *opt)
{
  static const char *const valued[] = {
    "--bundle",
    "-b",
    "--pid-file",
    "--console-socket",
    "--process",
    "-p",
    "--cwd",
    "--env",
    "-e",
    "--user",
    "-u",
    "--additional-gids",
    "-g",
    "--cap",
    "-c",
    "--preserve-fds",
    "--format",
    "-f",
    "--resources",
    "-r",
    "--interval",
    "--apparmor",
    "--process-label",
    "--memory",
    "-m",
    "--memory-reservation",
    "--memory-swap",
    "--kernel-memory",
    "--kernel-memory-tcp",
    "--cpu-share",
    "--cpu-period",
    "--cpu-quota",
    "--cpu-rt-period",
    "--cpu-rt-runtime",
    "--cpuset-cpus",
    "--cpuset-mems",
    "--pids-limit",
    "--blkio-weight",
    "--l3-cache-schema",
    "--mem-bw-schema",
    "--image-path",
    "--work-path",
    "--parent-path",
    "--page-server",
    "--manage-cgroups-mode",
    "--empty-ns",
    "--status-fd",
    "--lazy-pages",
    "--signal",
    "-s",
    NULL,
  };
  return strchr (opt, '=') == NULL && in_list (valued, opt);
}

const char *
eci_command_id (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      if (strcmp (a, "--") == 0)
        return i + 1 < argc ? argv[i + 1] : NULL;
      if (a[0] == '-' && a[1] != '\0')
        {
          if (takes_value (a))
            i++;
          continue;
        }
      return a;
    }
  return NULL;
}

bool
eci_state_is_foreign (const char *state_json, bool has_crun_status)
{
  yajl_val root;
  bool foreign;

  if (state_json == NULL)
    return has_crun_status;
  root = yajl_tree_parse (state_json, NULL, 0);
  if (root == NULL || !YAJL_IS_OBJECT (root))
    {
      yajl_tree_free (root);
      return false;
    }
  /* runc's state: init_process_pid; ecirun's always has its ID block. */
  foreign = cfg_get (root, "init_process_pid") != NULL && cfg_get (root, "idBlock") == NULL;
  yajl_tree_free (root);
  return foreign;
}

/* Is container `id` under root another runtime's? */
static bool
container_is_foreign (const char *root, const char *id)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_free char *state = NULL;
  ecirun_error_t err = NULL;
  struct stat st;
  bool crun_status;

  if (state_validate_id (id, &err) < 0)
    {
      error_release (&err);
      return false;
    }
  rootfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return false;
  dirfd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd < 0)
    return false;
  crun_status = fstatat (dirfd, "status", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode);
  if (fstatat (dirfd, "state.json", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode)
      && read_file_at (dirfd, "state.json", &state, NULL, ECI_MAX_STATE, &err) < 0)
    {
      error_release (&err);
      return false;
    }
  return eci_state_is_foreign (state, crun_status);
}

/* The bundle of a create/run: --bundle/-b, default the working directory. */
static const char *
command_bundle (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if ((strcmp (argv[i], "--bundle") == 0 || strcmp (argv[i], "-b") == 0) && i + 1 < argc)
        return argv[i + 1];
      if (strncmp (argv[i], "--bundle=", 9) == 0)
        return argv[i] + 9;
      if (strcmp (argv[i], "--") == 0)
        break;
    }
  return ".";
}

static bool
same_root (const char *root, const char *want)
{
  cleanup_free char *real = realpath (root, NULL);
  size_t n = strlen (root);

  while (n > 1 && root[n - 1] == '/')
    n--;
  return (strlen (want) == n && strncmp (root, want, n) == 0) || (real && strcmp (real, want) == 0);
}

/* Does the create match an exception of the admin policy? */
static bool
create_is_exception (const char *root, int argc, char **argv)
{
  struct ecirun_policy pol;
  ecirun_error_t err = NULL;
  cleanup_free char *path = NULL, *json = NULL;
  yajl_val cfg = NULL, ann;
  bool match = false;

  if (policy_load (&pol, &err) < 0)
    {
      /* The create itself reports the broken policy. */
      error_release (&err);
      return false;
    }
  if (pol.n_eci_exceptions == 0)
    goto out;
  path = xasprintf ("%s/config.json", command_bundle (argc, argv));
  if (read_file_at (AT_FDCWD, path, &json, NULL, ECI_MAX_STATE, &err) < 0)
    {
      error_release (&err);
      goto out;
    }
  cfg = yajl_tree_parse (json, NULL, 0);
  ann = cfg && YAJL_IS_OBJECT (cfg) ? cfg_get (cfg, "annotations") : NULL;
  for (size_t i = 0; i < pol.n_eci_exceptions && !match; i++)
    {
      const struct policy_eci_exception *x = &pol.eci_exceptions[i];
      if (!same_root (root, x->root))
        continue;
      match = true;
      for (size_t k = 0; k < x->annotations.len && match; k++)
        {
          yajl_val v
              = ann && YAJL_IS_OBJECT (ann) ? cfg_get (ann, x->annotations.items[k].key) : NULL;
          const char *got = v && YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : NULL;
          match = got && strcmp (got, x->annotations.items[k].value) == 0;
        }
      if (match)
        log_debug ("eciExceptions[%zu] (root %s) matches: the container runs on the original "
                   "runtime",
                   i, x->root);
    }
out:
  yajl_tree_free (cfg);
  policy_release (&pol);
  return match;
}

int
eci_delegate (const char *root, int argc, char **argv, int cmd_index, ecirun_error_t *err)
{
  static const char *const own[] = { "spec", "list", "features", "check", "help", NULL };
  cleanup_free char *record = NULL, *orig = NULL;
  const char *cmd = argv[cmd_index], *id;
  struct stat st_orig, st_self;
  bool hand_over;

  if (in_list (own, cmd))
    return 0;
  record = read_record ();
  if (record == NULL)
    return 0;
  orig = original_runtime (record);
  if (orig == NULL)
    return 0;
  if (strcmp (cmd, "create") == 0 || strcmp (cmd, "run") == 0)
    hand_over = create_is_exception (root, argc - cmd_index, argv + cmd_index);
  else
    {
      id = eci_command_id (argc - cmd_index, argv + cmd_index);
      hand_over = id && container_is_foreign (root, id);
      if (hand_over)
        log_debug ("container %s under %s is %s's: handed over", id, root, orig);
    }
  if (!hand_over)
    return 0;
  /* Never ourselves again (a record pointing back at ecirun would loop). */
  if (stat (orig, &st_orig) < 0)
    return make_error (err, errno, "the original runtime %s (ECI mode, %s/%s)", orig, eci_dir (),
                       ECI_REPLACED);
  if (stat ("/proc/self/exe", &st_self) == 0 && st_self.st_dev == st_orig.st_dev
      && st_self.st_ino == st_orig.st_ino)
    return make_error (err, 0, "the original runtime %s recorded in %s/%s is ecirun itself", orig,
                       eci_dir (), ECI_REPLACED);
  argv[0] = orig;
  execv (orig, argv);
  return make_error (err, errno, "execute the original runtime %s", orig);
}

char **
eci_replaced_paths (void)
{
  cleanup_free char *record = read_record ();
  char **v = NULL;
  size_t n = 0;

  for (const char *line = record; line && *line;)
    {
      const char *end = strchr (line, '\n'), *tab = strchr (line, '\t');
      if (end == NULL)
        end = line + strlen (line);
      if (tab && tab < end && line[0] == '/')
        {
          v = xrealloc (v, (n + 2) * sizeof (*v));
          v[n++] = strndup (line, tab - line);
          v[n] = NULL;
        }
      line = *end ? end + 1 : end;
    }
  return v;
}
