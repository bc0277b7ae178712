#include <config.h>
#include "sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "utils.h"

struct sync_wire
{
  unsigned int stage;
  char payload[32768];
};

const char *
sync_stage_name (enum sync_stage s)
{
  static const char *const names[] = {
    [SYNC_INIT_PID] = "init-pid",
    [SYNC_ROOTFS_FD] = "rootfs-fd",
    [SYNC_MOUNT_FD] = "mount-fd",
    [SYNC_OVERLAY] = "overlay",
    [SYNC_OVERLAY_DIR] = "overlay-dir",
    [SYNC_DEVICE_FD] = "device-fd",
    [SYNC_MAPPED] = "mapped",
    [SYNC_TIMENS] = "timens",
    [SYNC_TIMENS_DONE] = "timens-done",
    [SYNC_MOUNTS_DONE] = "mounts-done",
    [SYNC_HOOKS_DONE] = "hooks-done",
    [SYNC_CONSOLE_FD] = "console-fd",
    [SYNC_SECCOMP_FD] = "seccomp-fd",
    [SYNC_VETTING_FD] = "vetting-fd",
    [SYNC_FD_RECEIVED] = "fd-received",
    [SYNC_WARNING] = "warning",
    [SYNC_LOCK_MOUNTS] = "lock-mounts",
    [SYNC_MNTNS_FD] = "mntns-fd",
    [SYNC_HOST_FS] = "host-fs",
    [SYNC_HOST_FS_FD] = "host-fs-fd",
    [SYNC_HOST_FS_END] = "host-fs-end",
    [SYNC_READY] = "ready",
    [SYNC_ERROR] = "error",
  };
  if ((unsigned)s < ARRAY_SIZE (names) && names[s])
    return names[s];
  return "unknown";
}

int
sync_send (int sock, enum sync_stage stage, const char *payload, int fd, ecirun_error_t *err)
{
  struct sync_wire w = { .stage = stage };
  size_t len = 0;

  if (payload)
    {
      len = strnlen (payload, sizeof (w.payload) - 1);
      memcpy (w.payload, payload, len);
    }
  if (send_with_fd (sock, &w, offsetof (struct sync_wire, payload) + len + 1, fd) < 0)
    return make_error (err, errno, "sync: send %s", sync_stage_name (stage));
  return 0;
}

int
sync_recv (int sock, struct sync_msg *ret, ecirun_error_t *err)
{
  struct sync_wire w;
  struct iovec iov = { .iov_base = &w, .iov_len = sizeof (w) };
  struct msghdr mh = { 0 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } ctl;
  struct cmsghdr *c;
  ssize_t n;

  memset (&w, 0, sizeof (w));
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctl.buf;
  mh.msg_controllen = sizeof (ctl.buf);
  do
    n = recvmsg (sock, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return make_error (err, errno, "sync: receive");
  if (n == 0)
    return make_error (err, 0, "the container init exited during setup");
  if ((size_t)n < offsetof (struct sync_wire, payload))
    return make_error (err, 0, "sync: short message");
  ret->stage = w.stage;
  w.payload[sizeof (w.payload) - 1] = '\0';
  memcpy (ret->payload, w.payload, sizeof (ret->payload));
  ret->fd = -1;
  for (c = CMSG_FIRSTHDR (&mh); c; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy (&ret->fd, CMSG_DATA (c), sizeof (int));
  return 0;
}

int
sync_expect (int sock, enum sync_stage stage, struct sync_msg *ret, ecirun_error_t *err)
{
  struct sync_msg local;
  struct sync_msg *m = ret ? ret : &local;

  if (sync_recv (sock, m, err) < 0)
    return -1;
  if (m->stage == SYNC_ERROR)
    return make_error (err, 0, "%s", m->payload);
  if (m->stage != stage)
    {
      if (m->fd >= 0)
        close (m->fd);
      return make_error (err, 0, "sync: expected stage %s, got %s", sync_stage_name (stage),
                         sync_stage_name (m->stage));
    }
  return 0;
}
