#include <config.h>
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>
#include "cgroup.h"
#include "utils.h"

#define STATE_FILE  "state.json"
#define OCI_VERSION "1.1.0"

const char *
status_name (enum container_status s)
{
  switch (s)
    {
    case STATUS_CREATING:
      return "creating";
    case STATUS_CREATED:
      return "created";
    case STATUS_RUNNING:
      return "running";
    case STATUS_PAUSED:
      return "paused";
    case STATUS_STOPPED:
    default:
      return "stopped";
    }
}

int
state_validate_id (const char *id, ecirun_error_t *err)
{
  if (id == NULL || *id == '\0')
    return make_error (err, 0, "container id cannot be empty");
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0 || strlen (id) > 1024)
    return make_error (err, 0, "invalid container id format: %s", id);
  for (const char *p = id; *p; p++)
    {
      char c = *p;
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
            || c == '+' || c == '-' || c == '.'))
        return make_error (err, 0, "invalid container id format: %s", id);
    }
  return 0;
}

int
state_open_root (const char *root, bool create, ecirun_error_t *err)
{
  int fd;

  if (create && mkdir_p (root, 0700, err) < 0)
    return -1;
  fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return make_error (err, errno, "open state directory `%s`", root);
  return fd;
}

static int
lock_dir (int dirfd, const char *id, ecirun_error_t *err)
{
  while (flock (dirfd, LOCK_EX) < 0)
    if (errno != EINTR)
      return make_error (err, errno, "lock container `%s`", id);
  return 0;
}

int
state_create_dir (int rootfd, const char *id, int *ret_dirfd, ecirun_error_t *err)
{
  int fd;

  if (mkdirat (rootfd, id, 0711) < 0)
    {
      if (errno == EEXIST)
        return make_error (err, 0, "container with id exists: %s", id);
      return make_error (err, errno, "create state directory for `%s`", id);
    }
  fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || lock_dir (fd, id, err) < 0)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      unlinkat (rootfd, id, AT_REMOVEDIR);
      return make_error (err, saved, "open state directory for `%s`", id);
    }
  *ret_dirfd = fd;
  return 0;
}

int
state_open_dir (int rootfd, const char *id, int *ret_dirfd, ecirun_error_t *err)
{
  int fd;

  if (state_validate_id (id, err) < 0)
    return -1;
  fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return make_error (err, 0, "container `%s` does not exist", id);
      return make_error (err, errno, "open state of container `%s`", id);
    }
  if (lock_dir (fd, id, err) < 0)
    {
      close (fd);
      return -1;
    }
  *ret_dirfd = fd;
  return 0;
}

static void
gen_str (yajl_gen g, const char *s)
{
  if (s == NULL)
    s = "";
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

static void
gen_kv_str (yajl_gen g, const char *k, const char *v)
{
  gen_str (g, k);
  gen_str (g, v);
}

static void
gen_annotations (yajl_gen g, const struct kv_list *l)
{
  gen_str (g, "annotations");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < l->len; i++)
    gen_kv_str (g, l->items[i].key, l->items[i].value);
  yajl_gen_map_close (g);
}

static char *
gen_finish (yajl_gen g)
{
  const unsigned char *buf;
  size_t len;
  char *r = NULL;

  if (yajl_gen_get_buf (g, &buf, &len) == yajl_gen_status_ok)
    {
      r = xmalloc0 (len + 1);
      memcpy (r, buf, len);
    }
  yajl_gen_free (g);
  return r;
}

int
state_write (int dirfd, const struct container_state *s, ecirun_error_t *err)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  cleanup_free char *json = NULL;

  yajl_gen_map_open (g);
  gen_kv_str (g, "id", s->id);
  gen_str (g, "pid");
  yajl_gen_integer (g, s->pid);
  gen_str (g, "startTime");
  yajl_gen_integer (g, (long long)s->start_time);
  gen_kv_str (g, "bundle", s->bundle);
  gen_kv_str (g, "rootfs", s->rootfs);
  gen_kv_str (g, "created", s->created);
  gen_kv_str (g, "owner", s->owner);
  gen_kv_str (g, "cgroupPath", s->cgroup_path);
  gen_str (g, "systemdCgroup");
  yajl_gen_bool (g, s->systemd_cgroup);
  gen_str (g, "idBlock");
  yajl_gen_integer (g, s->id_block);
  gen_annotations (g, &s->annotations);
  gen_str (g, "sidecar");
  yajl_gen_map_open (g);
  gen_str (g, "pid");
  yajl_gen_integer (g, s->sidecar.pid);
  gen_str (g, "startTime");
  yajl_gen_integer (g, (long long)s->sidecar.start_time);
  gen_kv_str (g, "cgroupPath", s->sidecar.cgroup_path);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  json = gen_finish (g);
  if (json == NULL)
    return make_error (err, ENOMEM, "generate state.json");
  return write_file_atomic_at (dirfd, STATE_FILE, json, strlen (json), 0600, err);
}

static char *
tree_str (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_string);
  return v ? xstrdup (YAJL_GET_STRING (v)) : NULL;
}

static long long
tree_int (yajl_val root, const char *key)
{
  const char *path[] = { key, NULL };
  yajl_val v = yajl_tree_get (root, path, yajl_t_number);
  return v && YAJL_IS_INTEGER (v) ? YAJL_GET_INTEGER (v) : 0;
}

int
state_read (int dirfd, struct container_state **ret, ecirun_error_t *err)
{
  cleanup_free char *buf = NULL;
  char errbuf[256];
  yajl_val root, ann;
  struct container_state *s;
  const char *ann_path[] = { "annotations", NULL };
  const char *sd_path[] = { "systemdCgroup", NULL };

  if (read_file_at (dirfd, STATE_FILE, &buf, NULL, 1 << 20, err) < 0)
    return -1;
  root = yajl_tree_parse (buf, errbuf, sizeof (errbuf));
  if (root == NULL)
    return make_error (err, 0, "corrupt state.json: %s", errbuf);
  s = xmalloc0 (sizeof (*s));
  s->id = tree_str (root, "id");
  s->pid = (pid_t)tree_int (root, "pid");
  s->start_time = (unsigned long long)tree_int (root, "startTime");
  s->bundle = tree_str (root, "bundle");
  s->rootfs = tree_str (root, "rootfs");
  s->created = tree_str (root, "created");
  s->owner = tree_str (root, "owner");
  s->cgroup_path = tree_str (root, "cgroupPath");
  {
    const char *p[] = { "idBlock", NULL };
    yajl_val v = yajl_tree_get (root, p, yajl_t_number);
    s->id_block = v && YAJL_IS_INTEGER (v) ? YAJL_GET_INTEGER (v) : -1;
  }
  s->systemd_cgroup = YAJL_IS_TRUE (yajl_tree_get (root, sd_path, yajl_t_true));
  {
    const char *pid[] = { "sidecar", "pid", NULL }, *st[] = { "sidecar", "startTime", NULL },
               *cg[] = { "sidecar", "cgroupPath", NULL };
    yajl_val v = yajl_tree_get (root, pid, yajl_t_number);
    s->sidecar.pid = v && YAJL_IS_INTEGER (v) ? (pid_t)YAJL_GET_INTEGER (v) : 0;
    v = yajl_tree_get (root, st, yajl_t_number);
    s->sidecar.start_time = v && YAJL_IS_INTEGER (v) ? (unsigned long long)YAJL_GET_INTEGER (v) : 0;
    v = yajl_tree_get (root, cg, yajl_t_string);
    s->sidecar.cgroup_path = v && *YAJL_GET_STRING (v) ? xstrdup (YAJL_GET_STRING (v)) : NULL;
  }
  ann = yajl_tree_get (root, ann_path, yajl_t_object);
  if (ann && YAJL_GET_OBJECT (ann)->len > 0)
    {
      size_t n = YAJL_GET_OBJECT (ann)->len;
      s->annotations.items = xmalloc0 (n * sizeof (struct kv));
      for (size_t i = 0; i < n; i++)
        {
          yajl_val v = YAJL_GET_OBJECT (ann)->values[i];
          s->annotations.items[s->annotations.len].key = xstrdup (YAJL_GET_OBJECT (ann)->keys[i]);
          s->annotations.items[s->annotations.len].value
              = xstrdup (YAJL_IS_STRING (v) ? YAJL_GET_STRING (v) : "");
          s->annotations.len++;
        }
    }
  yajl_tree_free (root);
  if (s->id == NULL)
    {
      state_free (s);
      return make_error (err, 0, "corrupt state.json: no id");
    }
  *ret = s;
  return 0;
}

void
state_free (struct container_state *s)
{
  if (s == NULL)
    return;
  free (s->id);
  free (s->bundle);
  free (s->rootfs);
  free (s->created);
  free (s->owner);
  free (s->cgroup_path);
  free (s->sidecar.cgroup_path);
  for (size_t i = 0; i < s->annotations.len; i++)
    {
      free (s->annotations.items[i].key);
      free (s->annotations.items[i].value);
    }
  free (s->annotations.items);
  free (s);
}

enum container_status
state_status (int dirfd, const struct container_state *s)
{
  bool zombie = false;
  unsigned long long st;
  struct stat sb;

  if (s->pid <= 0)
    return STATUS_STOPPED;
  st = proc_start_time (s->pid, &zombie);
  if (st == 0 || zombie || (s->start_time && st != s->start_time))
    return STATUS_STOPPED;
  if (fstatat (dirfd, "exec.fifo", &sb, AT_SYMLINK_NOFOLLOW) == 0)
    return STATUS_CREATED;
  if (s->cgroup_path && *s->cgroup_path)
    {
      struct cgroup *cg = NULL;
      ecirun_error_t e = NULL;
      bool frozen = false;

      if (cgroup_open (s->cgroup_path, &cg, &e) == 0 && cgroup_is_frozen (cg, &frozen, &e) == 0
          && frozen)
        {
          cgroup_free (cg);
          return STATUS_PAUSED;
        }
      cgroup_free (cg);
      error_release (&e);
    }
  return STATUS_RUNNING;
}

char *
state_to_json (const struct container_state *s, enum container_status st, bool pretty)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  pid_t pid = st == STATUS_STOPPED ? 0 : s->pid;

  if (pretty)
    {
      yajl_gen_config (g, yajl_gen_beautify, 1);
      yajl_gen_config (g, yajl_gen_indent_string, "  ");
    }
  yajl_gen_map_open (g);
  gen_kv_str (g, "ociVersion", OCI_VERSION);
  gen_kv_str (g, "id", s->id);
  gen_kv_str (g, "status", status_name (st));
  gen_str (g, "pid");
  yajl_gen_integer (g, pid);
  gen_kv_str (g, "bundle", s->bundle);
  gen_kv_str (g, "rootfs", s->rootfs);
  gen_kv_str (g, "created", s->created);
  gen_kv_str (g, "owner", s->owner);
  gen_annotations (g, &s->annotations);
  if (pretty)
    {
      gen_str (g, "sidecar");
      if (s->sidecar.pid > 0)
        {
          yajl_gen_map_open (g);
          gen_str (g, "pid");
          yajl_gen_integer (g, s->sidecar.pid);
          gen_str (g, "alive");
          yajl_gen_bool (g, s->sidecar.alive);
          yajl_gen_map_close (g);
        }
      else
        yajl_gen_null (g);
    }
  yajl_gen_map_close (g);
  return gen_finish (g);
}

int
state_remove_dir (int rootfd, const char *id, ecirun_error_t *err)
{
  return remove_tree_at (rootfd, id, err);
}
