#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include "commands.h"
#include "container.h"

static void
print_json (struct container_list_entry *l, size_t n)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;
#define S(s) yajl_gen_string (g, (const unsigned char *)(s), strlen (s))

  yajl_gen_array_open (g);
  for (size_t i = 0; i < n; i++)
    {
      struct container_state *s = l[i].state;
      yajl_gen_map_open (g);
      S ("ociVersion");
      S ("1.1.0");
      S ("id");
      S (s->id);
      S ("pid");
      yajl_gen_integer (g, l[i].status == STATUS_STOPPED ? 0 : s->pid);
      S ("status");
      S (status_name (l[i].status));
      S ("bundle");
      S (s->bundle ? s->bundle : "");
      S ("rootfs");
      S (s->rootfs ? s->rootfs : "");
      S ("created");
      S (s->created ? s->created : "");
      S ("owner");
      S (s->owner ? s->owner : "");
      S ("annotations");
      yajl_gen_map_open (g);
      for (size_t k = 0; k < s->annotations.len; k++)
        {
          S (s->annotations.items[k].key);
          S (s->annotations.items[k].value);
        }
      yajl_gen_map_close (g);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
#undef S
  if (yajl_gen_get_buf (g, &buf, &len) == yajl_gen_status_ok)
    printf ("%.*s\n", (int)len, buf);
  yajl_gen_free (g);
}

static int
by_id (const void *a, const void *b)
{
  const struct container_list_entry *x = a, *y = b;
  return strcmp (x->state->id, y->state->id);
}

int
cmd_list (struct global_opts *g, int argc, char **argv, ecirun_error_t *err)
{
  static const struct option opts[] = {
    { "quiet", no_argument, NULL, 'q' },
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct container_list_entry *l = NULL;
  const char *format = "table";
  bool quiet = false;
  size_t n = 0;
  int c;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long_only (argc, argv, "qf:h", opts, NULL)) != -1)
    {
      if (c == 'h')
        {
          print_command_usage ("list");
          return 0;
        }
      if (c == 'q')
        quiet = true;
      else if (c == 'f')
        format = optarg;
      else
        return make_error (err, 0, "list: unknown option `%s`", argv[optind - 1]);
    }
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return make_error (err, 0, "list: invalid format `%s`: use table or json", format);
  if (container_list (g->root, &l, &n, err) < 0)
    return -1;
  /* In ID order, as runc lists them (its directory walk is sorted). */
  qsort (l, n, sizeof (*l), by_id);
  if (quiet)
    for (size_t i = 0; i < n; i++)
      printf ("%s\n", l[i].state->id);
  else if (strcmp (format, "json") == 0)
    print_json (l, n);
  else
    {
      int w = 2;
      for (size_t i = 0; i < n; i++)
        if ((int)strlen (l[i].state->id) > w)
          w = strlen (l[i].state->id);
      printf ("%-*s   %-8s %-10s %-40s %-30s %s\n", w, "ID", "PID", "STATUS", "BUNDLE", "CREATED",
              "OWNER");
      for (size_t i = 0; i < n; i++)
        {
          struct container_state *s = l[i].state;
          printf ("%-*s   %-8d %-10s %-40s %-30s %s\n", w, s->id,
                  l[i].status == STATUS_STOPPED ? 0 : (int)s->pid, status_name (l[i].status),
                  s->bundle ? s->bundle : "", s->created ? s->created : "",
                  s->owner ? s->owner : "");
        }
    }
  container_list_free (l, n);
  return 0;
}
