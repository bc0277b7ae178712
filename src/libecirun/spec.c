/* The default config.json of `ecirun spec`: the content of `runc spec` (and `--rootless`),
   generated from the small tables below. */
#include <config.h>
#include "spec.h"
#include "utils.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

/* The runtime-spec version this runtime implements (runc 1.1 writes its vendored "1.0.2-dev"). */
#define SPEC_OCI_VERSION "1.1.0"

struct spec_mount
{
  const char *destination;
  const char *type;
  const char *source;
  const char *const *options; /* NULL-terminated, NULL for none */
};

#define STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *const default_caps[]
    = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };

/* runc spec omits "inheritable". */
static const char *const cap_sets[] = { "bounding", "effective", "permitted", "ambient" };

static const char *const default_env[]
    = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL };

/* Index SPEC_MOUNT_PTS and SPEC_MOUNT_SYS differ for rootless containers. */
enum
{
  SPEC_MOUNT_PTS = 2,
  SPEC_MOUNT_SYS = 5,
};

static const struct spec_mount default_mounts[] = {
  { "/proc", "proc", "proc", NULL },
  { "/dev", "tmpfs", "tmpfs", STRV ("nosuid", "strictatime", "mode=755", "size=65536k") },
  { "/dev/pts", "devpts", "devpts",
    STRV ("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5") },
  { "/dev/shm", "tmpfs", "shm", STRV ("nosuid", "noexec", "nodev", "mode=1777", "size=65536k") },
  { "/dev/mqueue", "mqueue", "mqueue", STRV ("nosuid", "noexec", "nodev") },
  { "/sys", "sysfs", "sysfs", STRV ("nosuid", "noexec", "nodev", "ro") },
  { "/sys/fs/cgroup", "cgroup", "cgroup", STRV ("nosuid", "noexec", "nodev", "relatime", "ro") },
};

/* Without a gid 5 mapped, and without the right to mount a fresh sysfs. */
static const struct spec_mount rootless_pts
    = { "/dev/pts", "devpts", "devpts",
        STRV ("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620") };
static const struct spec_mount rootless_sys
    = { "/sys", "none", "/sys", STRV ("rbind", "nosuid", "noexec", "nodev", "ro") };

static const char *const default_namespaces[] = { "pid", "network", "ipc", "uts", "mount", NULL };
static const char *const rootless_namespaces[] = { "pid", "ipc", "uts", "mount", "user", NULL };

static const char *const masked_paths[] = { "/proc/acpi",
                                            "/proc/asound",
                                            "/proc/kcore",
                                            "/proc/keys",
                                            "/proc/latency_stats",
                                            "/proc/timer_list",
                                            "/proc/timer_stats",
                                            "/proc/sched_debug",
                                            "/sys/firmware",
                                            "/proc/scsi",
                                            NULL };

static const char *const readonly_paths[]
    = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };

static void
gen_str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

static void
gen_kv_str (yajl_gen g, const char *key, const char *value)
{
  gen_str (g, key);
  gen_str (g, value);
}

static void
gen_kv_int (yajl_gen g, const char *key, long long value)
{
  gen_str (g, key);
  yajl_gen_integer (g, value);
}

static void
gen_kv_bool (yajl_gen g, const char *key, bool value)
{
  gen_str (g, key);
  yajl_gen_bool (g, value);
}

static void
gen_kv_strv (yajl_gen g, const char *key, const char *const *v)
{
  gen_str (g, key);
  yajl_gen_array_open (g);
  for (; v && *v; v++)
    gen_str (g, *v);
  yajl_gen_array_close (g);
}

static void
gen_process (yajl_gen g)
{
  gen_str (g, "process");
  yajl_gen_map_open (g);
  gen_kv_bool (g, "terminal", true);
  gen_str (g, "user");
  yajl_gen_map_open (g);
  gen_kv_int (g, "uid", 0);
  gen_kv_int (g, "gid", 0);
  yajl_gen_map_close (g);
  gen_kv_strv (g, "args", STRV ("sh"));
  gen_kv_strv (g, "env", default_env);
  gen_kv_str (g, "cwd", "/");
  gen_str (g, "capabilities");
  yajl_gen_map_open (g);
  for (size_t i = 0; i < ARRAY_SIZE (cap_sets); i++)
    gen_kv_strv (g, cap_sets[i], default_caps);
  yajl_gen_map_close (g);
  gen_str (g, "rlimits");
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  gen_kv_str (g, "type", "RLIMIT_NOFILE");
  gen_kv_int (g, "hard", 1024);
  gen_kv_int (g, "soft", 1024);
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
  gen_kv_bool (g, "noNewPrivileges", true);
  yajl_gen_map_close (g);
}

static void
gen_mounts (yajl_gen g, bool rootless)
{
  gen_str (g, "mounts");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < ARRAY_SIZE (default_mounts); i++)
    {
      const struct spec_mount *m = &default_mounts[i];
      if (rootless && i == SPEC_MOUNT_PTS)
        m = &rootless_pts;
      else if (rootless && i == SPEC_MOUNT_SYS)
        m = &rootless_sys;
      yajl_gen_map_open (g);
      gen_kv_str (g, "destination", m->destination);
      gen_kv_str (g, "type", m->type);
      gen_kv_str (g, "source", m->source);
      if (m->options)
        gen_kv_strv (g, "options", m->options);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
}

static void
gen_id_mapping (yajl_gen g, const char *key, uint32_t host_id)
{
  gen_str (g, key);
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  gen_kv_int (g, "containerID", 0);
  gen_kv_int (g, "hostID", host_id);
  gen_kv_int (g, "size", 1);
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
}

static void
gen_linux (yajl_gen g, bool rootless)
{
  gen_str (g, "linux");
  yajl_gen_map_open (g);
  if (rootless)
    {
      gen_id_mapping (g, "uidMappings", getuid ());
      gen_id_mapping (g, "gidMappings", getgid ());
    }
  else
    {
      /* Deny every device by default; the runtime adds the default set back. */
      gen_str (g, "resources");
      yajl_gen_map_open (g);
      gen_str (g, "devices");
      yajl_gen_array_open (g);
      yajl_gen_map_open (g);
      gen_kv_bool (g, "allow", false);
      gen_kv_str (g, "access", "rwm");
      yajl_gen_map_close (g);
      yajl_gen_array_close (g);
      yajl_gen_map_close (g);
    }
  gen_str (g, "namespaces");
  yajl_gen_array_open (g);
  for (const char *const *ns = rootless ? rootless_namespaces : default_namespaces; *ns; ns++)
    {
      yajl_gen_map_open (g);
      gen_kv_str (g, "type", *ns);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  gen_kv_strv (g, "maskedPaths", masked_paths);
  gen_kv_strv (g, "readonlyPaths", readonly_paths);
  yajl_gen_map_close (g);
}

char *
spec_generate (bool rootless)
{
  const unsigned char *buf = NULL;
  size_t len = 0;
  char *ret;
  yajl_gen g;

  g = yajl_gen_alloc (NULL);
  if (g == NULL)
    return NULL;
  yajl_gen_config (g, yajl_gen_beautify, 1);
  yajl_gen_config (g, yajl_gen_indent_string, "\t");

  yajl_gen_map_open (g);
  gen_kv_str (g, "ociVersion", SPEC_OCI_VERSION);
  gen_process (g);
  gen_str (g, "root");
  yajl_gen_map_open (g);
  gen_kv_str (g, "path", "rootfs");
  gen_kv_bool (g, "readonly", true);
  yajl_gen_map_close (g);
  gen_kv_str (g, "hostname", "ecirun");
  gen_mounts (g, rootless);
  gen_linux (g, rootless);
  yajl_gen_map_close (g);

  if (yajl_gen_get_buf (g, &buf, &len) != yajl_gen_status_ok)
    {
      yajl_gen_free (g);
      return NULL;
    }
  ret = xmalloc0 (len + 1);
  memcpy (ret, buf, len);
  yajl_gen_free (g);
  return ret;
}
