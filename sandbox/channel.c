/* Messages from inside the sandbox to the supervisor: one datagram each,
 * so a message is never split or merged with the next. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

int chan_send_error(int sock, const struct cl_err *err)
{
	/* "ERRNO:DUE:message": DUE is the errno whose strerror() text the
	 * receiver appends (the child defers it: see cl_err). */
	char msg[1100];
	snprintf(msg, sizeof msg, "%d:%d:%s", err->code ? err->code : EIO, err->strerror_due, err->msg);
	return chan_send(sock, CHAN_SETUP_ERROR, msg, -1);
}

const char *chan_error_head(const char *text, int *code, int *due)
{
	/* strtol, not sscanf: pid 1 relays the network helper's errors */
	char *end;
	long c = strtol(text, &end, 10);
	if (end == text || *end != ':' || c <= 0 || c > 4095)
		return NULL;
	const char *p = end + 1;
	long d = strtol(p, &end, 10);
	if (end == p || *end != ':' || d < 0 || d > 4095)
		return NULL;
	*code = (int)c;
	*due = (int)d;
	return end + 1;
}

int chan_take_error(const char *text, struct cl_err *err)
{
	int code = 0, due = 0;
	const char *msg = chan_error_head(text, &code, &due);
	if (!msg)
		return cl_err_msg(err, EPROTO, "a malformed error report from the sandbox: %.200s", text);
	if (due > 0)
		return cl_err_msg(err, code, "%s: %s", msg, strerror(due));
	return cl_err_msg(err, code, "%s", msg);
}
