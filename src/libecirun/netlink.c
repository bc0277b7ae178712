/* rtnetlink through libmnl: bring the loopback interface up. */
#include <config.h>
#include "netlink.h"
#include "utils.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

static void
cleanup_mnlp (struct mnl_socket **nl)
{
  if (*nl)
    mnl_socket_close (*nl);
  *nl = NULL;
}

int
netlink_loopback_up (ecirun_error_t *err)
{
  __attribute__ ((cleanup (cleanup_mnlp))) struct mnl_socket *nl = NULL;
  char buf[MNL_SOCKET_BUFFER_SIZE];
  struct nlmsghdr *nlh;
  struct ifinfomsg *ifm;
  unsigned int seq = (unsigned int)time (NULL), portid, ifindex;
  ssize_t n;
  int ret;

  /* In a fresh network namespace lo is always index 1. */
  ifindex = if_nametoindex ("lo");
  if (ifindex == 0)
    ifindex = 1;

  nl = mnl_socket_open2 (NETLINK_ROUTE, SOCK_CLOEXEC);
  if (nl == NULL)
    return make_error (err, errno, "netlink: open rtnetlink socket");
  if (mnl_socket_bind (nl, 0, MNL_SOCKET_AUTOPID) < 0)
    return make_error (err, errno, "netlink: bind");
  portid = mnl_socket_get_portid (nl);

  nlh = mnl_nlmsg_put_header (buf);
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = seq;
  ifm = mnl_nlmsg_put_extra_header (nlh, sizeof (*ifm));
  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_index = (int)ifindex;
  ifm->ifi_flags = IFF_UP;
  ifm->ifi_change = IFF_UP;

  if (mnl_socket_sendto (nl, nlh, nlh->nlmsg_len) < 0)
    return make_error (err, errno, "netlink: send RTM_NEWLINK (lo up)");

  /* The kernel answers with one NLMSG_ERROR: error 0 is the ACK. */
  for (;;)
    {
      n = mnl_socket_recvfrom (nl, buf, sizeof (buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return make_error (err, errno, "netlink: receive the answer to RTM_NEWLINK (lo up)");
      ret = mnl_cb_run (buf, n, seq, portid, NULL, NULL);
      if (ret < 0)
        return make_error (err, errno, "netlink: set lo (index %u) up", ifindex);
      if (ret == MNL_CB_STOP)
        return 0;
    }
}
