/* The supervisor: cloister's own process, outside the sandbox.  It answers
 * uname(2) for the sandbox, enforces the timeout, turns signals sent to
 * cloister into the sandbox's death, and reports how the command ended. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"

static void answer(int notify_fd, struct seccomp_notif_resp *resp, uint64_t id,
		   int error, uint32_t flags)
{
	resp->id = id;
	resp->val = 0;
	resp->error = error ? -error : 0;
	resp->flags = flags;
	/* ENOENT: the caller died meanwhile; nothing to answer. */
	(void)seccomp_notify_respond(notify_fd, resp);
}

static int write_uname(const struct sandbox_config *cfg, pid_t pid, int notify_fd,
		       uint64_t id, uint64_t addr)
{
	struct utsname u;
	memset(&u, 0, sizeof u);
	snprintf(u.sysname, sizeof u.sysname, "%s", cfg->uname.sysname);
	snprintf(u.nodename, sizeof u.nodename, "%s", cfg->hostname);
	snprintf(u.release, sizeof u.release, "%s", cfg->uname.release);
	snprintf(u.version, sizeof u.version, "%s", cfg->uname.version);
	snprintf(u.machine, sizeof u.machine, "%s", cfg->uname.machine);
	snprintf(u.domainname, sizeof u.domainname, "%s", cfg->uname.domainname);

	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	_cleanup_close_ int mem = open(path, O_WRONLY | O_CLOEXEC);
	if (mem < 0)
		return -EPERM;
	/* The pid could have been reused between the notification and the
	 * open: only write once the notification is known to be alive. */
	if (seccomp_notify_id_valid(notify_fd, id) < 0)
		return -ESRCH;
	ssize_t n = pwrite(mem, &u, sizeof u, (off_t)addr);
	if (n != (ssize_t)sizeof u)
		return -EFAULT;
	return 0;
}

static void handle_notification(const struct sandbox_config *cfg, int notify_fd)
{
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;

	if (seccomp_notify_alloc(&req, &resp) < 0)
		return;
	if (seccomp_notify_receive(notify_fd, req) == 0) {
		if (req->data.nr == __NR_uname) {
			int r = write_uname(cfg, (pid_t)req->pid, notify_fd, req->id,
					    req->data.args[0]);
			if (r != -ESRCH)
				answer(notify_fd, resp, req->id, r < 0 ? -r : 0, 0);
		} else if (req->data.nr == __NR_personality) {
			/* the kernel reads the persona as 32 bits */
			uint32_t persona = (uint32_t)req->data.args[0];
			if (persona == 0xffffffffu || persona == (uint32_t)cfg->personality)
				answer(notify_fd, resp, req->id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
			else
				answer(notify_fd, resp, req->id, EPERM, 0);
		} else {
			answer(notify_fd, resp, req->id, ENOSYS, 0);
		}
	}
	seccomp_notify_free(req, resp);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct supervision {
	int notify_fd;
	bool chan_open;
	bool setup_failed;
	int exit_status;     /* from pid 1's last report, or -1 */
	int exit_signal;     /* the signal that ended the command, from the same report */
};

/* Adds a line to what the caller is to show: the supervisor never prints
 * (a library's caller decides where messages go). */
static void add_message(struct sandbox_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_message(struct sandbox_result *res, const char *fmt, ...)
{
	size_t o = strlen(res->message);
	if (o && o + 1 < sizeof res->message)
		res->message[o++] = '\n';
	if (o + 1 >= sizeof res->message)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->message + o, sizeof res->message - o, fmt, ap);
	va_end(ap);
}

static void read_message(struct supervision *sv, int chan, struct sandbox_result *res, struct cl_err *err)
{
	char text[1100];
	int fd = -1;
	int type = chan_recv(chan, text, sizeof text, &fd);

	if (type <= 0) {
		sv->chan_open = false;
	} else if (type == CHAN_NOTIFY_FD && fd >= 0) {
		cl_closep(&sv->notify_fd);
		sv->notify_fd = steal_fd(&fd);
	} else if (type == CHAN_SETUP_ERROR) {
		sv->setup_failed = true;
		chan_take_error(text, err);
	} else if (type == CHAN_EXEC_ERROR) {
		char *end;
		long e = strtol(text, &end, 10);
		if (end != text && *end == ':' && e > 0)
			add_message(res, "cloister: %s: %s", end + 1, strerror((int)e));
		else
			add_message(res, "cloister: %s", text);
	} else if (type == CHAN_EXIT_STATUS) {
		int code = -1, sig = 0;
		if (sscanf(text, "%d %d", &code, &sig) >= 1) {
			sv->exit_status = code;
			sv->exit_signal = sig;
		}
	}
	cl_closep(&fd);
}

static double seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int sandbox_supervise(const struct sandbox_config *cfg, pid_t pid, int pidfd,
		      int chan, int sigfd, struct sandbox_result *res, struct cl_err *err)
{
	struct supervision sv = { .notify_fd = -1, .chan_open = true, .exit_status = -1 };
	int64_t deadline = cfg->timeout_sec ? now_ms() + (int64_t)cfg->timeout_sec * 1000 : -1;
	int killed_by = 0;        /* the signal that made us kill the sandbox */
	bool timed_out = false;
	int rc;

	(void)pid;
	for (;;) {
		struct pollfd p[4] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = sv.chan_open ? chan : -1, .events = POLLIN },
			{ .fd = sv.notify_fd, .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
		};
		int timeout = -1;
		if (deadline >= 0 && !timed_out) {
			int64_t left = deadline - now_ms();
			timeout = left > 0 ? (int)left : 0;
		}
		int n = poll(p, 4, timeout);
		if (n < 0 && errno != EINTR) {
			rc = cl_err_set(err, errno, "poll");
			goto out;
		}
		if (n == 0 && deadline >= 0 && !timed_out) {
			timed_out = true;
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			continue;
		}
		if (n <= 0)
			continue;
		if (p[1].revents)
			read_message(&sv, chan, res, err);
		if (p[2].revents & POLLIN)
			handle_notification(cfg, sv.notify_fd);
		else if (p[2].revents & (POLLHUP | POLLERR))
			cl_closep(&sv.notify_fd);
		if (p[3].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si && !killed_by) {
				killed_by = (int)si.ssi_signo;
				syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			}
		}
		if (p[0].revents & POLLIN)
			break;
		if (sv.exit_status >= 0 && cfg->async_teardown && !timed_out && !killed_by) {
			/* pid 1 is not reaped: no rusage */
			res->status = sv.exit_status;
			res->signal = sv.exit_signal;
			res->exit_code = sv.exit_signal ? -1 : sv.exit_status;
			rc = 0;
			goto out;
		}
	}

	/* A message may still be queued behind the exit. */
	for (;;) {
		struct pollfd c = { .fd = chan, .events = POLLIN };
		if (!sv.chan_open || poll(&c, 1, 0) <= 0)
			break;
		read_message(&sv, chan, res, err);
	}
	siginfo_t si;
	struct rusage ru;
	memset(&si, 0, sizeof si);
	memset(&ru, 0, sizeof ru);
	/* the raw waitid: glibc's has no rusage argument.  Pid 1 reaped every
	 * process inside, so its rusage counts them all. */
	if (syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, &ru) < 0) {
		rc = cl_err_set(err, errno, "waiting for the sandbox");
		goto out;
	}
	res->user_seconds = seconds(&ru.ru_utime);
	res->system_seconds = seconds(&ru.ru_stime);
	/* pid 1 exits with the command's status; its report says whether a
	 * signal ended the command.  Pid 1 itself is killed only by us. */
	bool init_killed = si.si_code != CLD_EXITED;
	res->timed_out = timed_out;
	res->interrupted_by = killed_by;
	res->signal = init_killed ? si.si_status : sv.exit_status >= 0 ? sv.exit_signal : 0;
	res->exit_code = res->signal ? -1 : si.si_status;
	rc = 0;
	if (sv.setup_failed)
		rc = -err->code;
	else if (timed_out) {
		add_message(res, "cloister: timed out after %u s; the sandbox was killed", cfg->timeout_sec);
		res->status = SANDBOX_EXIT_TIMEOUT;
	} else if (killed_by)
		res->status = 128 + killed_by;
	else if (!init_killed)
		res->status = si.si_status;
	else
		res->status = 128 + si.si_status;
out:
	cl_closep(&sv.notify_fd);
	return rc;
}
