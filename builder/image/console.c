#define _GNU_SOURCE
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fdio.h"

/* How long QEMU gets to end after SIGTERM before it is killed. */
#define GRACE_MS 5000

size_t visible_chunk(struct visible *v, const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = in[i];
		if (v->cr) {
			v->cr = false;
			if (c == '\n') {
				out[o++] = '\n';
				continue;
			}
			out[o++] = '^';
			out[o++] = 'M';
		}
		if (c == '\r')
			v->cr = true;
		else if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f))
			out[o++] = (char)c;
		else if (c < 0x20 || c == 0x7f) {
			out[o++] = '^';
			out[o++] = c == 0x7f ? '?' : (char)(c + 0x40);
		} else
			o += (size_t)sprintf(out + o, "\\x%02x", c);
	}
	return o;
}

size_t visible_end(struct visible *v, char *out)
{
	if (!v->cr)
		return 0;
	v->cr = false;
	out[0] = '^';
	out[1] = 'M';
	return 2;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The signals passed on to QEMU, taken through a signalfd. */
static void handled_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/* Forks and execs argv with the given stdin/stdout/stderr (-1: inherit).
 * A failed exec is reported through a close-on-exec pipe, so "QEMU is not
 * installed" is an error here and not a mysterious exit status. */
static int spawn(char *const argv[], int in, int out, int errfd, const sigset_t *old_mask, pid_t *pid,
		 struct cl_err *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cl_err_set(err, errno, "pipe");
	pid_t parent = getpid();
	pid_t c = fork();
	if (c < 0) {
		close(p[0]), close(p[1]);
		return cl_err_set(err, errno, "fork");
	}
	if (c == 0) {
		int e = 0;
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, old_mask, NULL);
		if ((in >= 0 && dup2(in, 0) < 0) || (out >= 0 && dup2(out, 1) < 0) ||
		    (errfd >= 0 && dup2(errfd, 2) < 0))
			e = errno;
		if (!e) {
			execvp(argv[0], argv);
			e = errno;
		}
		write_all(p[1], &e, sizeof e);
		_exit(127);
	}
	close(p[1]);
	int e = 0;
	ssize_t n = read_all(p[0], &e, sizeof e);
	close(p[0]);
	if (n == (ssize_t)sizeof e) {
		waitpid(c, NULL, 0);
		/* QEMU missing is the machine's trouble, not the user's input */
		if (e == ENOENT)
			return cl_err_in(err, CL_IO, ENOENT, "%s: not found (make deps installs it: qemu-system-x86)",
					 argv[0]);
		cl_err_set(err, e, "starting %s", argv[0]);
		return cl_err_as(err, CL_IO);
	}
	*pid = c;
	return 0;
}

struct run {
	const struct console_opts *o;
	struct console_result *res;
	pid_t pid;
	int pidfd, sigfd;
	int qin, qout, qerr;  /* cloister's ends; -1 when closed or unused */
	double start;
	bool forwarding;      /* the console is still passed on */
	bool exited;
	char *window;         /* console bytes not yet matched */
	size_t window_len;
	struct visible vis_out, vis_err;
};

static void forward(int fd, struct visible *v, const unsigned char *buf, size_t n)
{
	if (fd < 0)
		return;
	_cleanup_free_ char *out = malloc(4 * n + 2);
	if (out)
		write_all(fd, out, visible_chunk(v, buf, n, out));
}

/* Types the SEND steps due now; returns whether the next step (if any)
 * is an EXPECT still waiting. */
static void send_due(struct run *r)
{
	struct console_result *res = r->res;
	while (res->step < r->o->n_steps && r->o->steps[res->step].kind == CONSOLE_SEND) {
		const char *t = r->o->steps[res->step].text;
		/* a socket, not a pipe: MSG_NOSIGNAL, so a QEMU that is gone
		 * means EPIPE here rather than SIGPIPE for cloister */
		send(r->qin, t, strlen(t), MSG_NOSIGNAL);
		send(r->qin, "\r", 1, MSG_NOSIGNAL);
		res->step++;
	}
}

static int match(struct run *r, const unsigned char *buf, size_t n)
{
	struct console_result *res = r->res;
	char *w = realloc(r->window, r->window_len + n);
	if (!w)
		return -ENOMEM;
	r->window = w;
	memcpy(w + r->window_len, buf, n);
	r->window_len += n;
	send_due(r);
	while (res->step < r->o->n_steps) {
		struct console_step *s = &r->o->steps[res->step];
		size_t plen = strlen(s->text);
		char *hit = memmem(r->window, r->window_len, s->text, plen);
		if (!hit) {
			/* keep only what could still begin a match */
			size_t keep = plen > 0 ? plen - 1 : 0;
			if (r->window_len > keep) {
				memmove(r->window, r->window + r->window_len - keep, keep);
				r->window_len = keep;
			}
			break;
		}
		size_t used = (size_t)(hit - r->window) + plen;
		memmove(r->window, r->window + used, r->window_len - used);
		r->window_len -= used;
		s->seen_at = now() - r->start;
		res->step++;
		send_due(r);
	}
	return 0;
}

/* Reads what fd has; 0 at its end (fd closed), 1 otherwise. */
static int drain(struct run *r, int *fd, bool console)
{
	unsigned char buf[4096];
	ssize_t n = read(*fd, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	if (r->forwarding)
		forward(console ? r->o->out_fd : r->o->err_fd, console ? &r->vis_out : &r->vis_err, buf, (size_t)n);
	if (console)
		match(r, buf, (size_t)n);
	return 1;
}

static void reap(struct run *r)
{
	int status = 0;
	if (waitpid(r->pid, &status, 0) == r->pid)
		r->res->status = status;
	r->exited = true;
}

/* SIGTERM, a grace period, then SIGKILL. */
static void stop(struct run *r)
{
	r->forwarding = false;
	if (r->exited)
		return;
	pidfd_send_signal(r->pidfd, SIGTERM, NULL, 0);
	struct pollfd p = { r->pidfd, POLLIN, 0 };
	if (poll(&p, 1, GRACE_MS) <= 0)
		pidfd_send_signal(r->pidfd, SIGKILL, NULL, 0);
	reap(r);
}

static void loop(struct run *r)
{
	struct console_result *res = r->res;
	const struct console_opts *o = r->o;
	send_due(r);
	for (;;) {
		if (r->qout >= 0 && res->step == o->n_steps && !o->wait_exit && o->n_steps > 0) {
			res->end = CONSOLE_DONE;
			stop(r);
			return;
		}
		struct pollfd p[4] = {
			{ r->sigfd, POLLIN, 0 }, { r->pidfd, POLLIN, 0 }, { r->qout, POLLIN, 0 }, { r->qerr, POLLIN, 0 },
		};
		int ms = -1;
		if (o->timeout > 0) {
			double left = r->start + o->timeout - now();
			ms = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		int n = poll(p, 4, ms);
		if (n < 0 && errno != EINTR) {
			res->end = CONSOLE_TIMEOUT;
			stop(r);
			return;
		}
		if (n == 0) {
			res->end = CONSOLE_TIMEOUT;
			stop(r);
			return;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(r->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
				res->end = CONSOLE_SIGNAL;
				res->signal = (int)si.ssi_signo;
				stop(r);
				return;
			}
		}
		if (p[2].revents)
			drain(r, &r->qout, true);
		if (p[3].revents)
			drain(r, &r->qerr, false);
		if (p[1].revents & POLLIN) {
			/* QEMU is gone: what it wrote last is still in the pipes */
			while (r->qout >= 0 && drain(r, &r->qout, true))
				;
			while (r->qerr >= 0 && drain(r, &r->qerr, false))
				;
			reap(r);
			res->end = CONSOLE_EXITED;
			return;
		}
	}
}

static void finish(struct run *r)
{
	char tail[2];
	if (r->o->out_fd >= 0)
		write_all(r->o->out_fd, tail, visible_end(&r->vis_out, tail));
	if (r->o->err_fd >= 0)
		write_all(r->o->err_fd, tail, visible_end(&r->vis_err, tail));
	r->res->elapsed = now() - r->start;
	free(r->window);
	int fds[] = { r->pidfd, r->sigfd, r->qin, r->qout, r->qerr };
	for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static int start(struct run *r, char *const argv[], int in, int out, int errfd, sigset_t *old,
		 struct cl_err *err)
{
	sigset_t set;
	handled_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return cl_err_set(err, errno, "sigprocmask");
	r->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (r->sigfd < 0)
		return cl_err_set(err, errno, "signalfd");
	r->start = now();
	TRY(spawn(argv, in, out, errfd, old, &r->pid, err));
	r->pidfd = pidfd_open(r->pid, 0);
	if (r->pidfd < 0) {
		int e = errno;
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		return cl_err_set(err, e, "pidfd_open");
	}
	return 0;
}

static void init_run(struct run *r, const struct console_opts *o, struct console_result *res)
{
	memset(res, 0, sizeof *res);
	*r = (struct run){ .o = o, .res = res, .pidfd = -1, .sigfd = -1, .qin = -1, .qout = -1, .qerr = -1,
			   .forwarding = true };
	for (size_t i = 0; i < o->n_steps; i++)
		o->steps[i].seen_at = -1;
}

int console_run(char *const argv[], const struct console_opts *o, struct console_result *res,
		struct cl_err *err)
{
	struct run r;
	init_run(&r, o, res);
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
	sigset_t old;
	sigprocmask(SIG_SETMASK, NULL, &old);
	int rc = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(er, O_CLOEXEC) < 0)
		rc = cl_err_set(err, errno, "making QEMU's console pipes");
	if (rc == 0)
		rc = start(&r, argv, in[1], out[1], er[1], &old, err);
	int theirs[] = { in[1], out[1], er[1] };
	for (size_t i = 0; i < 3; i++)
		if (theirs[i] >= 0)
			close(theirs[i]);
	r.qin = in[0], r.qout = out[0], r.qerr = er[0];
	if (rc == 0)
		loop(&r);
	finish(&r);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int console_attach(char *const argv[], double timeout, struct console_result *res, struct cl_err *err)
{
	struct console_opts o = { .timeout = timeout, .out_fd = -1, .err_fd = -1 };
	struct run r;
	init_run(&r, &o, res);
	sigset_t old;
	sigprocmask(SIG_SETMASK, NULL, &old);
	int rc = start(&r, argv, -1, -1, -1, &old, err);
	if (rc == 0)
		loop(&r);
	finish(&r);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
