/* fsd.conf: what the container's own /proc and /sys hide (fsd_proto.h). */
#include <config.h>
#include "fsd.h"

#include <string.h>
#include "fsd_proto.h"
#include "utils.h"

static void
push (char ***v, size_t *n, const char *s)
{
  *v = xrealloc (*v, (*n + 1) * sizeof (char *));
  (*v)[(*n)++] = xstrdup (s);
}

int
conf_parse (const char *text, struct fsd_conf *ret, ecirun_error_t *err)
{
  cleanup_free char *copy = xstrdup (text);
  char *save = NULL;
  size_t lineno = 0;

  memset (ret, 0, sizeof (*ret));
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *arg = strchr (line, ' ');

      lineno++;
      if (arg == NULL)
        return make_error (err, 0, "%s line %zu: no argument: `%s`", FSD_CONF, lineno, line);
      *arg++ = '\0';
      if (strcmp (line, "masked") == 0 && arg[0] == '/')
        push (&ret->masked, &ret->n_masked, arg);
      else if (strcmp (line, "readonly") == 0 && arg[0] == '/')
        push (&ret->readonly, &ret->n_readonly, arg);
      else if (strcmp (line, "readonly-fs") == 0 && strcmp (arg, "proc") == 0)
        ret->proc_ro = true;
      else if (strcmp (line, "readonly-fs") == 0 && strcmp (arg, "sysfs") == 0)
        ret->sys_ro = true;
      else
        return make_error (err, 0, "%s line %zu: unknown directive `%s %s`", FSD_CONF, lineno, line,
                           arg);
    }
  return 0;
}

int
conf_load (int dirfd, struct fsd_conf *ret, ecirun_error_t *err)
{
  cleanup_free char *text = NULL;

  if (read_file_at (dirfd, FSD_CONF, &text, NULL, 1 << 20, err) < 0)
    return -1;
  return conf_parse (text, ret, err);
}
