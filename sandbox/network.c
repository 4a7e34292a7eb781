/* The network namespace: loopback up, nothing else exists. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "../common/cleanup.h"

int sandbox_loopback_up(struct cl_err *err)
{
	/* One ioctl is enough: bringing lo up makes the kernel add
	 * 127.0.0.1/8 and ::1 itself, so no netlink conversation is needed. */
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return cl_err_set(err, errno, "socket(AF_INET)");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return cl_err_set(err, errno, "reading the flags of lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return cl_err_set(err, errno, "bringing lo up");
	return 0;
}
