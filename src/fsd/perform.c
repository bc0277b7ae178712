/* A vetted call performed for the caller: in its namespaces, root, cwd and credentials, with
   the arguments copied out of its memory, so the kernel judges it exactly as it would have
   judged the caller's own call (its locks, its capability checks, its path walk). */
#include <config.h>
#include "fsd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "utils.h"

/* The kernel reads a page of mount data: hand it a whole one. */
static char *
page_copy (const char *s, size_t page)
{
  char *p = xmalloc0 (page + 1);
  size_t len = strlen (s);
  memcpy (p, s, len < page ? len : page);
  return p;
}

static int
errno_of (ecirun_error_t *err, int fallback)
{
  int e = *err && (*err)->errnum ? (*err)->errnum : fallback;
  if (*err)
    fprintf (stderr, "ecirun-fsd: %s\n", (*err)->msg);
  error_release (err);
  return e;
}

static int
do_call (const struct mount_req *r, const char *data)
{
  int rc;

  switch (r->call)
    {
    case VETTING_MOUNT:
      rc = mount (r->source, r->target, r->fstype, r->flags, data);
      break;
    case VETTING_UMOUNT2:
      rc = umount2 (r->target, (int)r->flags);
      break;
    case VETTING_UMOUNT:
      rc = umount2 (r->target, 0);
      break;
    default:
      return ENOSYS;
    }
  return rc < 0 ? errno : 0;
}

/* Enter the caller: groups while still host root, the mount namespace and its root and cwd,
   the others, the user namespace last (host root may enter any of them; the caller's user
   namespace may not own them all), then its IDs and capabilities. Its pid namespace applies to
   children: the call is made from one (a FUSE connection belongs to the mounter's active pid
   namespace, /proc/self must be the process resolving a path). */
static int
become_caller (struct caller *c, ecirun_error_t *err)
{
  if (caller_set_groups (c, err) < 0 || caller_setns (c, CALLER_NS_MNT, err) < 0
      || caller_enter_root (c, err) < 0 || caller_setns (c, CALLER_NS_NET, err) < 0
      || caller_setns (c, CALLER_NS_IPC, err) < 0 || caller_setns (c, CALLER_NS_CGROUP, err) < 0
      || caller_setns (c, CALLER_NS_UTS, err) < 0 || caller_setns (c, CALLER_NS_PID, err) < 0
      || caller_setns (c, CALLER_NS_USER, err) < 0 || caller_become (c, err) < 0)
    return -1;
  return 0;
}

/* The child that makes the call shares the helper's memory (CLONE_VM | CLONE_VFORK: no copy
   of the address space, the helper waits): plain system calls only, on a stack of its own. */
struct call_ctx
{
  const struct mount_req *r;
  const char *data;
  const struct caller *c;
};

static char call_stack[64 << 10] __attribute__ ((aligned (16)));

static int
call_child (void *arg)
{
  struct call_ctx *x = arg;
  const struct caller *c = x->c;

  /* Dumpable is the address space's, already cleared; the death signal is per process. */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  /* From here on stderr may be the caller's: nothing is logged. */
  if (caller_install_fds (c) < 0)
    _exit (EPERM);
  _exit (do_call (x->r, x->data));
}

int
perform_call (const struct mount_req *r, struct caller *c)
{
  size_t page = (size_t)sysconf (_SC_PAGESIZE);
  ecirun_error_t err = NULL;
  cleanup_free char *data = NULL;
  const char *d = r->data;
  pid_t child;
  int status;

  if (r->call == VETTING_MOUNT && (r->flags & MS_REMOUNT) && !(r->flags & MS_BIND) && d)
    {
      cleanup_free char *t = vet_translate_ids (d, &c->uid_map, &c->gid_map);
      if (t)
        d = data = page_copy (t, page);
    }
  if (become_caller (c, &err) < 0)
    return errno_of (&err, EPERM);
  child = clone (call_child, call_stack + sizeof (call_stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
                 &(struct call_ctx){ r, d, c });
  if (child < 0)
    return errno;
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      return EPERM;
  return WIFEXITED (status) ? WEXITSTATUS (status) : EPERM;
}
