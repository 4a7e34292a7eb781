#define _GNU_SOURCE
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/cleanup.h"

__attribute__((noreturn))
static void worker_main(int fd, pid_t parent, worker_fn fn, void *arg)
{
	/* cloister killed, even by SIGKILL: the worker and whatever sandbox
	 * it runs go too (a stage left behind is swept by the next build) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	FILE *f = fdopen(fd, "w");
	if (!f)
		_exit(1);
	struct cl_err e = { 0 };
	fputc('+', f);
	int r = fn(arg, f, &e);
	if (r < 0) {
		/* the partial result goes: only the error is reported */
		if (fflush(f) != 0 || ftruncate(fd, 0) < 0 || fseek(f, 0, SEEK_SET) < 0)
			_exit(1);
		/* "-CODE,CLASS,SIGNAL:message": the class crosses with it */
		fprintf(f, "-%d,%d,%d:%s", e.code > 0 ? e.code : EIO, (int)e.cls, e.signal, e.msg);
	}
	_exit(fclose(f) == 0 && r >= 0 ? 0 : 1);
}

int worker_start(struct worker *w, worker_fn fn, void *arg, struct cl_err *err)
{
	w->pid = -1;
	w->fd = memfd_create("cloister-worker", MFD_CLOEXEC);
	if (w->fd < 0)
		return cl_err_set(err, errno, "memfd_create");
	/* nothing buffered may be written twice, by the parent and the child */
	fflush(NULL);
	pid_t parent = getpid();
	w->pid = fork();
	if (w->pid < 0) {
		int saved = errno;
		close(w->fd);
		w->fd = -1;
		return cl_err_set(err, saved, "fork");
	}
	if (w->pid == 0)
		worker_main(w->fd, parent, fn, arg);
	return 0;
}

/* The largest errno the kernel has room for (its MAX_ERRNO). */
#define ERRNO_MAX 4095

/* A decimal number of the report and the separator after it; p moves past both. */
static int report_number(const char **p, char sep, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(*p, &end, 10);
	if (end == *p || *end != sep || errno)
		return -1;
	*out = v;
	*p = end + 1;
	return 0;
}

int worker_report_parse(const char *data, size_t len, int status, const char *what, char **result,
			struct cl_err *err)
{
	*result = NULL;
	_cleanup_free_ char *report = malloc(len + 1);
	if (!report)
		return cl_err_set(err, ENOMEM, "reading the report of %s", what);
	memcpy(report, data, len);
	report[len] = '\0';
	if (report[0] == '+' && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		memmove(report, report + 1, strlen(report));
		*result = steal_ptr(&report);
		return 0;
	}
	char *colon = strchr(report, ':');
	long code = 0, cls = CL_UNSET, sig = 0;
	const char *p = report + 1;
	if (report[0] == '-' && colon && report_number(&p, ',', &code) == 0 && report_number(&p, ',', &cls) == 0 &&
	    report_number(&p, ':', &sig) == 0) {
		/* whatever the numbers: an errno, a class and a signal cloister
		 * can have, so the exit status stays 128 + a signal at most */
		int rc = cl_err_in(err, cls >= CL_UNSET && cls <= CL_INTERRUPTED ? (enum cl_class)cls : CL_UNSET,
				   code > 0 && code <= ERRNO_MAX ? (int)code : EIO, "%s", colon + 1);
		err->signal = sig > 0 && sig < NSIG ? (int)sig : 0;
		return rc;
	}
	p = report + 1;
	if (report[0] == '-' && colon)
		return cl_err_msg(err, report_number(&p, ':', &code) == 0 && code > 0 && code <= ERRNO_MAX ? (int)code : EIO,
				  "%s", colon + 1);
	if (WIFSIGNALED(status))
		return cl_err_msg(err, EIO, "%s died of signal %d", what, WTERMSIG(status));
	return cl_err_msg(err, EIO, "%s failed without a report (exit status %d)", what,
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int worker_result(struct worker *w, int status, const char *what, char **result, struct cl_err *err)
{
	*result = NULL;
	off_t size = lseek(w->fd, 0, SEEK_END);
	_cleanup_free_ char *report = size >= 0 ? malloc((size_t)size + 1) : NULL;
	ssize_t n = report ? pread(w->fd, report, (size_t)size, 0) : -1;
	close(w->fd);
	w->fd = -1;
	w->pid = -1;
	if (!report)
		return cl_err_set(err, size < 0 ? errno : ENOMEM, "reading the report of %s", what);
	return worker_report_parse(report, n > 0 ? (size_t)n : 0, status, what, result, err);
}

int worker_wait(struct worker *w, const char *what, char **result, struct cl_err *err)
{
	int status = 0;
	while (waitpid(w->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = W_EXITCODE(1, 0);
			break;
		}
	}
	return worker_result(w, status, what, result, err);
}
