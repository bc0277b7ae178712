/* One vetted call, in a process of its own forked by the loop: it reads the caller's
   arguments, checks that the notification is still the caller's, closes the listener, and
   performs the call (or refuses it). Its exit status is the errno to answer, 0 for success:
   however it ends, the loop answers. */
#include <config.h>
#include "fsd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "fds.h"
#include "utils.h"

#ifndef SECCOMP_IOCTL_NOTIF_ID_VALID
#define SECCOMP_IOCTL_NOTIF_ID_VALID _IOW ('!', 2, __u64)
#endif

static char source_buf[PATH_MAX], target_buf[PATH_MAX], fstype_buf[PATH_MAX];

__attribute__ ((noreturn)) static void
finish (ecirun_error_t *err, int e)
{
  if (*err)
    fprintf (stderr, "ecirun-fsd: %s\n", (*err)->msg);
  _exit (e);
}

/* Copy the call's arguments as the kernel would: strings of at most PATH_MAX (source and
   fstype longer: EINVAL, a longer target: ENAMETOOLONG), a page of data. */
static int
read_request (struct caller *c, const struct seccomp_notif *n, size_t page, struct mount_req *r,
              ecirun_error_t *err)
{
  const __u64 *a = n->data.args;
  bool null;

  memset (r, 0, sizeof (*r));
  r->call = vetting_classify (n->data.arch, n->data.nr);
  if (r->call == VETTING_NONE)
    return ENOSYS;
  if (r->call == VETTING_MOUNT)
    {
      if (caller_read_string (c, a[0], source_buf, sizeof (source_buf), &null, err) < 0)
        return (*err)->errnum == ENAMETOOLONG ? EINVAL : EFAULT;
      r->source = null ? NULL : source_buf;
      if (caller_read_string (c, a[2], fstype_buf, sizeof (fstype_buf), &null, err) < 0)
        return (*err)->errnum == ENAMETOOLONG ? EINVAL : EFAULT;
      r->fstype = null ? NULL : fstype_buf;
      r->flags = (unsigned long)a[3];
      if (a[4])
        {
          r->data = xmalloc0 (page + 1);
          if (caller_read_data (c, a[4], r->data, page, &r->data_len, err) < 0)
            return EFAULT;
        }
    }
  else if (r->call == VETTING_UMOUNT2)
    r->flags = (unsigned long)(int)a[1];
  /* The target: mount's second argument, the first of the others. */
  if (caller_read_string (c, r->call == VETTING_MOUNT ? a[1] : a[0], target_buf,
                          sizeof (target_buf), &null, err)
      < 0)
    return (*err)->errnum == ENAMETOOLONG ? ENAMETOOLONG : EFAULT;
  if (null)
    return EFAULT;
  r->target = target_buf;
  return 0;
}

void
helper_run (struct fsd *f, int listener, const struct seccomp_notif *n)
{
  ecirun_error_t err = NULL;
  struct caller c;
  struct mount_req r;
  enum vet_verdict v;
  __u64 id = n->id;
  int e;

  /* Nothing of the loop's (other listeners, helpers, the socket) but this listener. */
  if (fds_close_from (3, &listener, 1, &err) < 0 || fsd_harden (&err) < 0)
    finish (&err, EPERM);
  if (caller_open (&c, (pid_t)n->pid, &err) < 0)
    finish (&err, ESRCH);
  e = read_request (&c, n, f->page_size, &r, &err);
  /* What was read, and the /proc/<tid> it was read through, are the caller's only if its
     notification is still pending: its pid cannot have been reused meanwhile. */
  if (ioctl (listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
    _exit (ENOENT);
  close (listener);
  if (e)
    finish (&err, e);
  error_release (&err);

  if (r.call == VETTING_MOUNT && r.fstype)
    {
      error_release (&err);
      if (read_file_at (AT_FDCWD, "/proc/filesystems", &f->fstypes.text, NULL, 1 << 20, &err) < 0)
        finish (&err, EPERM);
    }
  v = vet_request (&r, &f->fstypes, &e);
  if (v == VET_REFUSE)
    _exit (e);
  if (caller_load (&c, &err) < 0)
    finish (&err, EPERM);
  if (v == VET_PERFORM)
    _exit (perform_call (&r, &c));
  _exit (kernfs_mount (&r, &c, &f->conf, f->state_dir, v == VET_SYSFS));
}
