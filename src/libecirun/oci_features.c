#include <config.h>
#include "oci_features.h"

#include <string.h>
#include <yajl/yajl_gen.h>
#include "caps.h"
#include "config.h"
#include "eci.h"
#include "policy.h"
#include "seccomp.h"
#include "utils.h"

static const char *const mount_options[] = {
  "async",
  "atime",
  "bind",
  "defaults",
  "dev",
  "diratime",
  "dirsync",
  "exec",
  "iversion",
  "lazytime",
  "loud",
  "mand",
  "noatime",
  "nodev",
  "nodiratime",
  "noexec",
  "noiversion",
  "nolazytime",
  "nomand",
  "norelatime",
  "nostrictatime",
  "nosuid",
  "nosymfollow",
  "private",
  "ratime",
  "rbind",
  "rdev",
  "rdiratime",
  "relatime",
  "remount",
  "rexec",
  "rnoatime",
  "rnodev",
  "rnodiratime",
  "rnoexec",
  "rnorelatime",
  "rnostrictatime",
  "rnosuid",
  "rnosymfollow",
  "ro",
  "rprivate",
  "rrelatime",
  "rro",
  "rrw",
  "rshared",
  "rslave",
  "rstrictatime",
  "rsuid",
  "rsymfollow",
  "runbindable",
  "rw",
  "shared",
  "silent",
  "slave",
  "strictatime",
  "suid",
  "symfollow",
  "sync",
  "tmpcopyup",
  "unbindable",
  "idmap",
  "ridmap",
  NULL,
};

static void
str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

static void
str_array (yajl_gen g, const char *key, const char *const *v)
{
  str (g, key);
  yajl_gen_array_open (g);
  for (; v && *v; v++)
    str (g, *v);
  yajl_gen_array_close (g);
}

static void
enabled (yajl_gen g, const char *key, bool on)
{
  str (g, key);
  yajl_gen_map_open (g);
  str (g, "enabled");
  yajl_gen_bool (g, on);
  yajl_gen_map_close (g);
}

char *
features_json (char **ret_policy_error)
{
  struct ecirun_policy pol;
  ecirun_error_t e = NULL;
  const struct ecirun_policy *policy = NULL;
  const char *policy_err = "";
  yajl_gen g = yajl_gen_alloc (NULL);
  const unsigned char *buf;
  size_t len;
  char *r = NULL;
  static const char *const hooks[]
      = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
          NULL };

  *ret_policy_error = NULL;
  if (policy_load (&pol, &e) == 0)
    policy = &pol;
  else
    {
      policy_err = e->msg;
      *ret_policy_error = xstrdup (e->msg);
    }
  yajl_gen_config (g, yajl_gen_beautify, 1);
  yajl_gen_config (g, yajl_gen_indent_string, "    ");
  yajl_gen_map_open (g);
  str (g, "ociVersionMin");
  str (g, "1.0.0");
  str (g, "ociVersionMax");
  str (g, "1.1.0");
  str_array (g, "hooks", hooks);
  str_array (g, "mountOptions", mount_options);
  str (g, "linux");
  yajl_gen_map_open (g);
  str (g, "namespaces");
  yajl_gen_array_open (g);
  for (int t = 0; t < NS__MAX; t++)
    str (g, ns_type_name (t));
  yajl_gen_array_close (g);
  str (g, "capabilities");
  yajl_gen_array_open (g);
  for (int cap = 0; cap <= caps_last_known (); cap++)
    if (caps_name (cap))
      str (g, caps_name (cap));
  yajl_gen_array_close (g);
  str (g, "cgroup");
  yajl_gen_map_open (g);
  str (g, "v1");
  yajl_gen_bool (g, 1);
  str (g, "v2");
  yajl_gen_bool (g, 1);
  str (g, "systemd");
  yajl_gen_bool (g, 0);
  str (g, "systemdUser");
  yajl_gen_bool (g, 0);
  yajl_gen_map_close (g);
  str (g, "seccomp");
  yajl_gen_map_open (g);
  str (g, "enabled");
  yajl_gen_bool (g, 1);
  str_array (g, "actions", seccomp_known_actions ());
  str_array (g, "operators", seccomp_known_operators ());
  str_array (g, "archs", seccomp_known_archs ());
  str_array (g, "knownFlags", seccomp_known_flags ());
  str_array (g, "supportedFlags", seccomp_known_flags ());
  yajl_gen_map_close (g);
  enabled (g, "apparmor", false);
  enabled (g, "selinux", false);
  enabled (g, "intelRdt", false);
  enabled (g, "mountExtensions", true);
  yajl_gen_map_close (g);
  str (g, "annotations");
  yajl_gen_map_open (g);
  str (g, "org.opencontainers.runc.checkpoint.enabled");
  str (g, "false");
  str (g, "io.github.ecirun.version");
  str (g, PACKAGE_VERSION);
  str (g, "io.github.ecirun.isolation");
  str (g, "enforced");
  yajl_gen_map_close (g);
  /* ecirun's own section: the isolation every container gets and the admin policy in force. */
  str (g, "ecirun");
  yajl_gen_map_open (g);
  str (g, "isolation");
  yajl_gen_map_open (g);
  str (g, "userNamespace");
  str (g, "always");
  str (g, "hostNamespaces");
  str (g, "refused");
  str (g, "idMappedMounts");
  str (g, "rootfs, bind mounts, devices");
  str (g, "restrictedMounts");
  str (g, "refused (policy restrictedMounts, allowedMounts)");
  str (g, "creationMounts");
  str (g, "locked (except with --no-pivot)");
  str (g, "cgroup");
  str (g, "delegated to the container's root");
  str (g, "hostDevices");
  str (g, "policy allowedDevices, by type and major:minor, others refused (--privileged: "
          "withheld); never raw block devices, SCSI/NVMe generic, /dev/mem, /dev/kmem, /dev/port");
  str (g, "deviceCgroup");
  str (g, "the default devices and those given only");
  str (g, "hostOriginMounts");
  str (g, "nodev (rootfs, layers, bind mounts)");
  yajl_gen_map_close (g);
  /* ECI mode (contrib/ecirun-eci): the runtime paths that are ecirun now. */
  {
    char **replaced = eci_replaced_paths ();
    str (g, "eci");
    yajl_gen_map_open (g);
    str (g, "enabled");
    yajl_gen_bool (g, replaced != NULL);
    str (g, "replacedRuntimes");
    yajl_gen_array_open (g);
    for (size_t i = 0; replaced && replaced[i]; i++)
      str (g, replaced[i]);
    yajl_gen_array_close (g);
    yajl_gen_map_close (g);
    strv_free (replaced);
  }
  str (g, "policy");
  if (policy)
    policy_gen (g, policy);
  else
    {
      yajl_gen_map_open (g);
      str (g, "error");
      str (g, policy_err);
      yajl_gen_map_close (g);
    }
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
  if (yajl_gen_get_buf (g, &buf, &len) == yajl_gen_status_ok)
    {
      r = xmalloc0 (len + 2);
      memcpy (r, buf, len);
      r[len] = '\n';
    }
  yajl_gen_free (g);
  if (policy)
    policy_release (&pol);
  error_release (&e);
  return r;
}
