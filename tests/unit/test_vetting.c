/* ecirun's mount-vetting filter against the kernel: mount(2) and umount2(2) reach the
   listener, other calls do not, and once the listener is closed they fail with ENOSYS
   rather than hang or run unvetted. */
#include <config.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "tap.h"
#include "utils.h"
#include "vetting.h"
#include "vetting_abi.h"

static void
test_filter_shape (void)
{
  struct sock_filter prog[64];
  size_t n = vetting_build_filter (prog, 64);

  TAP_OK (n > 4 && n < 64, "the filter has %zu instructions", n);
  TAP_OK (vetting_build_filter (prog, 3) == 0, "a too small buffer is refused");
}

/* The child loads the filter (with no_new_privs: no privilege needed), sends the listener,
   and reports what its calls returned. */
static void
child (int sock)
{
  ecirun_error_t err = NULL;
  int fd, r[4];

  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || (fd = vetting_install (&err)) < 0)
    _exit (2);
  send_with_fd (sock, "l", 1, fd);
  close (fd);
  r[0] = mount ("none", "/nonexistent-ecirun", "tmpfs", 0, NULL) < 0 ? errno : 0;
  r[1] = umount2 ("/nonexistent-ecirun", 0) < 0 ? errno : 0;
  r[2] = getppid () > 0 ? 0 : 1; /* not trapped: would hang below otherwise */
  /* The parent has closed the listener by now. */
  read (sock, &r[3], 1);
  r[3] = mount ("none", "/nonexistent-ecirun", "tmpfs", 0, NULL) < 0 ? errno : 0;
  write (sock, r, sizeof (r));
  _exit (0);
}

static int
answer_one (int listener, uint32_t *ret_arch, int *ret_nr, int e)
{
  struct seccomp_notif n = { 0 };
  struct seccomp_notif_resp resp = { 0 };
  struct pollfd p = { .fd = listener, .events = POLLIN };

  if (poll (&p, 1, 10000) != 1 || ioctl (listener, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0)
    return -1;
  *ret_arch = n.data.arch;
  *ret_nr = n.data.nr;
  resp.id = n.id;
  resp.error = -e;
  return ioctl (listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static void
test_kernel (void)
{
  int sp[2], listener = -1, r[4] = { -1, -1, -1, -1 }, nr = -1, status;
  uint32_t arch = 0;
  bool ok;
  char byte;
  pid_t pid;

  socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp);
  pid = fork ();
  if (pid == 0)
    child (sp[1]);
  recv_with_fd (sp[0], &byte, 1, &listener);
  TAP_OK (listener >= 0, "the listener arrived");
  /* TAP_OK evaluates its condition twice: answer outside it. */
  ok = answer_one (listener, &arch, &nr, ENOTBLK) == 0
       && vetting_classify (arch, nr) == VETTING_MOUNT;
  TAP_OK (ok, "mount(2) reached the listener (nr %d)", nr);
  ok = answer_one (listener, &arch, &nr, ESTALE) == 0
       && vetting_classify (arch, nr) == VETTING_UMOUNT2;
  TAP_OK (ok, "umount2(2) reached the listener (nr %d)", nr);
  close (listener);
  write (sp[0], "c", 1);
  read (sp[0], r, sizeof (r));
  waitpid (pid, &status, 0);
  TAP_OK (r[0] == ENOTBLK, "the caller got the listener's answer to mount (%d)", r[0]);
  TAP_OK (r[1] == ESTALE, "and to umount2 (%d)", r[1]);
  TAP_OK (r[2] == 0, "getppid was not trapped");
  TAP_OK (r[3] == ENOSYS, "with the listener gone, mount fails with ENOSYS (%d)", r[3]);
}

int
main (void)
{
  size_t n;

  test_filter_shape ();
  TAP_OK (vetting_abis (&n) && n >= 1, "%zu ABIs", n);
  TAP_OK (vetting_classify (0, 165) == VETTING_NONE, "an unknown arch is no vetted call");
  test_kernel ();
  return tap_done ();
}
