#include <config.h>
#include <stdlib.h>
#include <sys/mount.h>

#include "mount_opts.h"
#include "tap.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

#define N(a) (sizeof (a) / sizeof ((a)[0]))

static int
parse (char *const *opts, size_t n, struct mount_opts *o)
{
  ecirun_error_t err = NULL;
  int ret = mount_opts_parse (opts, n, o, &err);
  if (ret < 0)
    {
      printf ("# error: %s\n", err && err->msg ? err->msg : "?");
      error_release (&err);
    }
  return ret;
}

int
main (void)
{
  struct mount_opts o;
  int r;

  {
    r = parse (NULL, 0, &o);
    TAP_OK (r == 0, "no options");
    TAP_OK (o.flags == 0 && o.clear_flags == 0 && o.propagation == 0 && o.data == NULL && !o.bind
                && !o.recursive && !o.idmap && !o.tmpcopyup && o.rec_attr_set == 0
                && o.rec_attr_clr == 0,
            "no options: everything zero");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "nosuid", "noexec", "nodev", "ro" };
    r = parse (opts, N (opts), &o);
    TAP_OK (r == 0, "nosuid,noexec,nodev,ro");
    TAP_OK (o.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY), "flags");
    TAP_OK (o.clear_flags == 0, "nothing cleared");
    TAP_OK (o.data == NULL, "no data");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "nosuid", "strictatime", "mode=755", "size=65536k" };
    r = parse (opts, N (opts), &o);
    TAP_OK (r == 0, "typical /dev tmpfs options");
    TAP_OK (o.flags == (MS_NOSUID | MS_STRICTATIME), "flags nosuid|strictatime");
    TAP_STR_EQ (o.data, "mode=755,size=65536k", "data joined in order");
    mount_opts_release (&o);
    TAP_OK (o.data == NULL, "release clears data");
  }
  {
    char *opts[]
        = { "nosuid", "noexec", "nodev", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" };
    r = parse (opts, N (opts), &o);
    TAP_OK (r == 0, "devpts options");
    TAP_STR_EQ (o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5", "devpts data");
    TAP_OK (o.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV), "devpts flags");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "ro", "rw" };
    parse (opts, N (opts), &o);
    TAP_OK (!(o.flags & MS_RDONLY) && (o.clear_flags & MS_RDONLY), "ro,rw: last wins (rw)");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "rw", "ro" };
    parse (opts, N (opts), &o);
    TAP_OK ((o.flags & MS_RDONLY) && !(o.clear_flags & MS_RDONLY), "rw,ro: last wins (ro)");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "suid",  "dev",       "exec",       "async",         "nomand",
                     "atime", "diratime",  "norelatime", "nostrictatime", "nolazytime",
                     "loud",  "symfollow", "noiversion" };
    parse (opts, N (opts), &o);
    TAP_OK (o.flags == 0, "clearing options set nothing");
    TAP_OK (o.clear_flags
                == (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_MANDLOCK | MS_NOATIME
                    | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_LAZYTIME | MS_SILENT
                    | MS_NOSYMFOLLOW | MS_I_VERSION),
            "clearing options fill clear_flags");
    TAP_OK (o.data == NULL, "no data for known options");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "sync",     "dirsync",  "remount", "mand",        "noatime",  "nodiratime",
                     "relatime", "lazytime", "silent",  "nosymfollow", "iversion", "defaults" };
    parse (opts, N (opts), &o);
    TAP_OK (o.flags
                == (MS_SYNCHRONOUS | MS_DIRSYNC | MS_REMOUNT | MS_MANDLOCK | MS_NOATIME
                    | MS_NODIRATIME | MS_RELATIME | MS_LAZYTIME | MS_SILENT | MS_NOSYMFOLLOW
                    | MS_I_VERSION),
            "setting options fill flags");
    TAP_OK (o.clear_flags == 0 && o.data == NULL, "defaults is a no-op");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "bind" };
    parse (opts, N (opts), &o);
    TAP_OK (o.bind && !o.recursive && o.flags == MS_BIND, "bind");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "rbind", "ro" };
    parse (opts, N (opts), &o);
    TAP_OK (o.bind && o.recursive && o.flags == (MS_BIND | MS_REC | MS_RDONLY), "rbind,ro");
    mount_opts_release (&o);
  }
  {
    static const struct
    {
      const char *name;
      unsigned long want;
    } props[] = {
      { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
      { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
      { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
      { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
    };
    size_t i;
    for (i = 0; i < N (props); i++)
      {
        char *opts[] = { "rbind", (char *)props[i].name };
        parse (opts, N (opts), &o);
        TAP_OK (o.propagation == props[i].want && o.flags == (MS_BIND | MS_REC),
                "propagation option %s", props[i].name);
        mount_opts_release (&o);
        TAP_OK (mount_propagation_from_name (props[i].name) == (long)props[i].want,
                "rootfsPropagation %s", props[i].name);
      }
    TAP_OK (mount_propagation_from_name ("") == 0, "rootfsPropagation empty -> 0");
    TAP_OK (mount_propagation_from_name (NULL) == 0, "rootfsPropagation NULL -> 0");
    TAP_OK (mount_propagation_from_name ("bogus") == -1, "rootfsPropagation bogus -> -1");
    TAP_OK (mount_propagation_from_name ("ro") == -1, "rootfsPropagation ro -> -1");
    TAP_OK (mount_propagation_from_name ("Shared") == -1, "rootfsPropagation is case-sensitive");
  }
  {
    char *opts[] = { "rprivate", "shared" };
    parse (opts, N (opts), &o);
    TAP_OK (o.propagation == MS_SHARED, "last propagation wins");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow" };
    parse (opts, N (opts), &o);
    TAP_OK (o.rec_attr_set
                == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
                    | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW),
            "recursive attributes set");
    TAP_OK (o.rec_attr_clr == 0, "recursive attributes: nothing cleared");
    TAP_OK (o.flags == 0 && o.data == NULL, "recursive attributes leave flags and data alone");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "rrw", "rsuid", "rdev", "rexec", "rdiratime", "rsymfollow" };
    parse (opts, N (opts), &o);
    TAP_OK (o.rec_attr_clr
                == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
                    | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW),
            "recursive attributes cleared");
    TAP_OK (o.rec_attr_set == 0, "recursive clear: nothing set");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "rro", "rrw" };
    parse (opts, N (opts), &o);
    TAP_OK (o.rec_attr_set == 0 && o.rec_attr_clr == MOUNT_ATTR_RDONLY, "rro,rrw: last wins");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "rnoatime" };
    parse (opts, N (opts), &o);
    TAP_OK (o.rec_attr_set == MOUNT_ATTR_NOATIME && o.rec_attr_clr == MOUNT_ATTR__ATIME,
            "rnoatime sets the mode and clears the whole atime field");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "rnoatime", "rstrictatime" };
    parse (opts, N (opts), &o);
    TAP_OK (o.rec_attr_set == MOUNT_ATTR_STRICTATIME && o.rec_attr_clr == MOUNT_ATTR__ATIME,
            "rnoatime,rstrictatime: one atime mode, the last");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "rnoatime", "rrelatime" };
    parse (opts, N (opts), &o);
    TAP_OK (o.rec_attr_set == MOUNT_ATTR_RELATIME && o.rec_attr_clr == MOUNT_ATTR__ATIME,
            "rnoatime,rrelatime: relatime");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "rnoatime", "ratime" };
    parse (opts, N (opts), &o);
    TAP_OK (o.rec_attr_set == 0 && o.rec_attr_clr == MOUNT_ATTR__ATIME,
            "rnoatime,ratime: back to the default mode, whole field cleared");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "rnorelatime", "rnostrictatime" };
    parse (opts, N (opts), &o);
    TAP_OK (o.rec_attr_set == 0 && o.rec_attr_clr == MOUNT_ATTR__ATIME,
            "rnorelatime,rnostrictatime clear the atime field");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "rro", "rnoatime", "rnodev" };
    parse (opts, N (opts), &o);
    TAP_OK (o.rec_attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOATIME | MOUNT_ATTR_NODEV)
                && o.rec_attr_clr == MOUNT_ATTR__ATIME,
            "atime mode mixed with other attributes");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "idmap" };
    parse (opts, N (opts), &o);
    TAP_OK (o.idmap && !o.idmap_recursive, "idmap");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "rbind", "ridmap" };
    parse (opts, N (opts), &o);
    TAP_OK (o.idmap && o.idmap_recursive && o.bind && o.recursive, "rbind,ridmap");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "tmpcopyup", "mode=1777" };
    parse (opts, N (opts), &o);
    TAP_OK (o.tmpcopyup, "tmpcopyup");
    TAP_STR_EQ (o.data, "mode=1777", "tmpcopyup is not data");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "lowerdir=/a:/b", "", "upperdir=/u", "workdir=/w", "userxattr", "ro" };
    parse (opts, N (opts), &o);
    TAP_STR_EQ (o.data, "lowerdir=/a:/b,upperdir=/u,workdir=/w,userxattr",
                "overlay data, empty option skipped");
    TAP_OK (o.flags == MS_RDONLY, "overlay ro");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "RO", "Bind", "x-foo", "nosuid" };
    parse (opts, N (opts), &o);
    TAP_STR_EQ (o.data, "RO,Bind,x-foo", "option names are case-sensitive (unknown -> data)");
    TAP_OK (o.flags == MS_NOSUID && !o.bind, "only nosuid recognised");
    mount_opts_release (&o);
  }
  {
    char *opts[] = { "size=1", NULL };
    ecirun_error_t err = NULL;
    r = mount_opts_parse (opts, N (opts), &o, &err);
    TAP_OK (r < 0 && err != NULL, "a NULL option is an error");
    TAP_OK (o.data == NULL, "no data left behind on error");
    error_release (&err);
  }
  {
    /* Reuse of a struct: parse resets it. */
    char *a[] = { "ro", "bind", "size=1" };
    char *b[] = { "nodev" };
    parse (a, N (a), &o);
    mount_opts_release (&o);
    parse (b, N (b), &o);
    TAP_OK (o.flags == MS_NODEV && !o.bind && o.data == NULL, "parse resets the struct");
    mount_opts_release (&o);
  }
  mount_opts_release (NULL);
  TAP_OK (1, "release NULL is harmless");

  return tap_done ();
}
