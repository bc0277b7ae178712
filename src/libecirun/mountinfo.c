/* The mountinfo parser: see mountinfo.h. */
#include <config.h>
#include "mountinfo.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include "utils.h"

void
mountinfo_unescape (char *s)
{
  char *w = s;
  for (char *r = s; *r; r++)
    {
      if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0'
          && r[3] <= '7')
        {
          *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
          r += 3;
        }
      else
        *w++ = *r;
    }
  *w = '\0';
}

/* One line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS". */
static bool
parse_line (char *line, struct mountinfo_entry *e)
{
  char *sep = strstr (line, " - "), *p = line, *f[5], *q;

  if (sep == NULL)
    return false;
  *sep = '\0';
  for (int i = 0; i < 5; i++)
    if ((f[i] = strsep (&p, " ")) == NULL)
      return false;
  q = sep + 3;
  e->fstype = strsep (&q, " ");
  e->source = strsep (&q, " ");
  e->super_opts = q ? q : (char *)"";
  if (e->source == NULL || sscanf (f[2], "%u:%u", &e->major, &e->minor) != 2)
    return false;
  e->id = atoi (f[0]);
  e->parent = atoi (f[1]);
  e->root = f[3];
  e->mount_point = f[4];
  mountinfo_unescape (e->root);
  mountinfo_unescape (e->mount_point);
  mountinfo_unescape (e->source);
  return true;
}

size_t
mountinfo_parse (char *text, struct mountinfo_entry **ret)
{
  size_t n = 0, cap = 0;
  struct mountinfo_entry *v = NULL;
  char *save = NULL;

  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      struct mountinfo_entry e;
      if (!parse_line (line, &e))
        continue;
      if (n + 1 >= cap)
        {
          cap = cap ? cap * 2 : 32;
          v = xrealloc (v, cap * sizeof (*v));
        }
      v[n++] = e;
    }
  /* A zeroed entry past the end: mountinfo_read keeps its text buffer there. */
  v = xrealloc (v, (n + 1) * sizeof (*v));
  memset (&v[n], 0, sizeof (v[n]));
  *ret = v;
  return n;
}

int
mountinfo_read (const char *path, struct mountinfo_entry **ret, size_t *ret_n, ecirun_error_t *err)
{
  char *text = NULL;
  struct mountinfo_entry *v;
  size_t n;

  if (read_file_at (AT_FDCWD, path, &text, NULL, 0, err) < 0)
    return -1;
  n = mountinfo_parse (text, &v);
  v[n].root = text;
  *ret = v;
  *ret_n = n;
  return 0;
}

void
mountinfo_free (struct mountinfo_entry *e, size_t n)
{
  if (e == NULL)
    return;
  free (e[n].root);
  free (e);
}
