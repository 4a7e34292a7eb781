/* Messages from inside the sandbox to the supervisor: one datagram each,
 * so a message is never split or merged with the next. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int chan_send(int sock, enum chan_msg type, const char *text, int fd)
{
	char buf[1100];
	size_t tl = text ? strlen(text) : 0;
	if (tl > sizeof buf - 1)
		tl = sizeof buf - 1;
	buf[0] = (char)type;
	if (tl)
		memcpy(buf + 1, text, tl);
	struct iovec iov = { .iov_base = buf, .iov_len = tl + 1 };
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&ctl, 0, sizeof ctl);
		msg.msg_control = ctl.space;
		msg.msg_controllen = sizeof ctl.space;
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int chan_recv(int sock, char *text, size_t len, int *fd)
{
	char buf[1100];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.space, .msg_controllen = sizeof ctl.space,
	};
	ssize_t n;

	*fd = -1;
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (n == 0)
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof *fd);
	}
	size_t tl = (size_t)n - 1;
	if (tl >= len)
		tl = len - 1;
	memcpy(text, buf + 1, tl);
	text[tl] = '\0';
	return (unsigned char)buf[0];
}
