/* The network namespace: loopback up, nothing else exists.
 *
 * Creating a network namespace is the most expensive step of the sandbox
 * (about 0.7 ms: per-namespace sysctl tables, the loopback device), so a
 * helper process creates it while pid 1 builds the filesystem, and pid 1
 * joins it afterwards.  The helper lives in the new user namespace, so the
 * network namespace belongs to it exactly as if clone() had made it. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/cleanup.h"

static int loopback_up(struct cl_err *err)
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

__attribute__((noreturn))
static void helper_main(int sock)
{
	struct cl_err err = { .defer = CL_ERR_DEFER_STRERROR };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		cl_err_set(&err, errno, "prctl(PR_SET_PDEATHSIG)");
	else if (unshare(CLONE_NEWNET) < 0)
		cl_err_set(&err, errno, "creating the network namespace");
	else if (loopback_up(&err) == 0) {
		int ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (ns < 0)
			cl_err_set(&err, errno, "opening the new network namespace");
		else if (chan_send(sock, CHAN_NETNS_FD, NULL, ns) == 0)
			_exit(0);
	}
	chan_send_error(sock, &err);
	_exit(1);
}

int sandbox_net_start(struct net_helper *h, struct cl_err *err)
{
	int sv[2];

	h->pid = -1;
	h->sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cl_err_set(err, errno, "socketpair");
	/* A raw fork: glibc's fork() runs its atfork handlers, which take
	 * malloc's and stdio's locks, and another thread of the caller may
	 * have held those when the sandbox was cloned: they stay held here. */
	pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return cl_err_set(err, errno, "fork");
	}
	if (pid == 0) {
		close(sv[0]);
		helper_main(sv[1]);
	}
	close(sv[1]);
	h->pid = pid;
	h->sock = sv[0];
	return 0;
}

int sandbox_net_join(struct net_helper *h, struct cl_err *err)
{
	char text[1100];
	_cleanup_close_ int ns = -1;
	int type = chan_recv(h->sock, text, sizeof text, &ns);

	cl_closep(&h->sock);
	waitpid(h->pid, NULL, 0);
	h->pid = -1;
	if (type == CHAN_SETUP_ERROR) {
		/* relayed as it came: the supervisor appends the strerror() */
		int code = 0, due = 0;
		const char *msg = chan_error_head(text, &code, &due);
		if (!msg)
			return cl_err_msg(err, EIO, "the network namespace helper failed");
		cl_err_msg(err, code, "%s", msg);
		err->strerror_due = due;
		return -code;
	}
	if (type != CHAN_NETNS_FD || ns < 0)
		return cl_err_msg(err, EIO, "the network namespace helper died");
	if (setns(ns, CLONE_NEWNET) < 0)
		return cl_err_set(err, errno, "joining the network namespace");
	return 0;
}

void sandbox_net_abandon(struct net_helper *h)
{
	cl_closep(&h->sock);
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		h->pid = -1;
	}
}
