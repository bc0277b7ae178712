/* rtnetlink through libmnl. */
#ifndef ECIRUN_NETLINK_H
#define ECIRUN_NETLINK_H

#include "error.h"

/* Bring the loopback interface of the calling process's network namespace up. */
int netlink_loopback_up (ecirun_error_t *err);

#endif
