/* The engine's own places: see engine.h. */
#include <config.h>
#include "engine.h"
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "utils.h"

static const struct
{
  const char *token, *dflt, *what;
} kinds[ENGINE_N_DIRS] = {
  [ENGINE_DOCKER_ROOT] = { "{dockerRoot}", "/var/lib/docker", "dockerd's data root" },
  [ENGINE_CONTAINERD_ROOT] = { "{containerdRoot}", "/var/lib/containerd", "containerd's root" },
  [ENGINE_CONTAINERD_STATE]
  = { "{containerdState}", "/run/containerd", "containerd's state directory" },
  [ENGINE_STORAGE_ROOT]
  = { "{storageRoot}", "/var/lib/containers/storage", "the containers/storage graph root" },
  [ENGINE_STORAGE_RUNROOT]
  = { "{storageRunRoot}", "/run/containers/storage", "the containers/storage run root" },
};

const char *
engine_dir_token (enum engine_dir d)
{
  return kinds[d].token;
}

const char *
engine_dir_default (enum engine_dir d)
{
  return kinds[d].dflt;
}

const char *
engine_dir_what (enum engine_dir d)
{
  return kinds[d].what;
}

/* The layouts: components after the engine's directory, '*' one component, '=' the container's
   id, and where the engine directory sits. A path matches when those components follow the
   directory at its end or anywhere before (the rest of the path below them is ignored). */
static const struct
{
  enum engine_dir kind;
  const char *const parts[5];
} layouts[] = {
  { ENGINE_DOCKER_ROOT, { "overlay2", "*", NULL } },
  { ENGINE_DOCKER_ROOT, { "vfs", "dir", "*", NULL } },
  { ENGINE_DOCKER_ROOT, { "containers", "=", NULL } },
  { ENGINE_CONTAINERD_ROOT, { "io.containerd.snapshotter.v1.*", "snapshots", "*", NULL } },
  { ENGINE_CONTAINERD_STATE, { "io.containerd.runtime.v2.task", "*", "=", NULL } },
  { ENGINE_CONTAINERD_STATE, { "io.containerd.runtime.v1.linux", "*", "=", NULL } },
  { ENGINE_STORAGE_ROOT, { "overlay-containers", "=", "userdata", NULL } },
  { ENGINE_STORAGE_ROOT, { "overlay", "*", "diff", NULL } },
  { ENGINE_STORAGE_ROOT, { "overlay", "*", "merged", NULL } },
};

static bool
component_is (const char *c, size_t len, const char *want, const char *id)
{
  char buf[256];

  if (len == 0 || len >= sizeof (buf))
    return false;
  memcpy (buf, c, len);
  buf[len] = '\0';
  if (strcmp (want, "=") == 0)
    return id && *id && strcmp (buf, id) == 0;
  if (strcmp (want, "*") == 0)
    return strcmp (buf, ".") && strcmp (buf, "..");
  return fnmatch (want, buf, 0) == 0;
}

static bool
has_id (const char *const *parts)
{
  for (size_t i = 0; parts[i]; i++)
    if (strcmp (parts[i], "=") == 0)
      return true;
  return false;
}

/* Do the components of path starting at p follow `parts`? */
static bool
follows (const char *p, const char *const *parts, const char *id)
{
  for (size_t i = 0; parts[i]; i++)
    {
      size_t len;
      if (*p != '/')
        return false;
      p++;
      len = strcspn (p, "/");
      if (!component_is (p, len, parts[i], id))
        return false;
      p += len;
    }
  return true;
}

static void
add_dir (struct engine_dirs *e, enum engine_dir kind, const char *dir, size_t len)
{
  char **v = e->dirs[kind];
  size_t n = strv_len (v);

  /* An engine directory of "/" would restrict every path: no engine keeps its data there. */
  if (len == 0)
    return;
  for (size_t i = 0; i < n; i++)
    if (strlen (v[i]) == len && strncmp (v[i], dir, len) == 0)
      return;
  v = xrealloc (v, (n + 2) * sizeof (*v));
  v[n] = strndup (dir, len);
  v[n + 1] = NULL;
  e->dirs[kind] = v;
}

void
engine_dirs_learn (struct engine_dirs *e, const char *path, const char *id, bool bind)
{
  if (path == NULL || path[0] != '/')
    return;
  for (size_t l = 0; l < ARRAY_SIZE (layouts); l++)
    if (bind && !has_id (layouts[l].parts))
      continue;
    else
      for (const char *p = path; p && *p; p = strchr (p + 1, '/'))
        if (follows (p, layouts[l].parts, id))
          {
            add_dir (e, layouts[l].kind, path, p - path);
            break;
          }
}

void
engine_dirs_release (struct engine_dirs *e)
{
  for (size_t i = 0; i < ENGINE_N_DIRS; i++)
    {
      strv_free (e->dirs[i]);
      e->dirs[i] = NULL;
    }
}

char **
engine_parse_listeners (const char *text)
{
  /* "Num RefCount Protocol Flags Type St Inode Path": __SO_ACCEPTCON (0x10000) in Flags. */
  cleanup_free char *copy = xstrdup (text ? text : "");
  char **v = xmalloc0 (sizeof (*v));
  size_t n = 0;
  char *save = NULL;

  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      unsigned long flags;
      int path_at = 0;

      if (sscanf (line, "%*s %*s %*s %lx %*s %*s %*s %n", &flags, &path_at) < 1 || path_at == 0
          || !(flags & 0x10000) || line[path_at] != '/')
        continue;
      v = xrealloc (v, (n + 2) * sizeof (*v));
      v[n++] = xstrdup (line + path_at);
      v[n] = NULL;
    }
  return v;
}
