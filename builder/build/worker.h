/* A child process that does one job for cloister and reports back: the
 * seed's unpacking workers, the parallel recipe builds, the varied build
 * beside build A.  The child dies with its parent, even when the parent is
 * killed with SIGKILL, and its report travels through a memfd, which holds
 * any size without a reader draining it. */
#ifndef CLOISTER_WORKER_H
#define CLOISTER_WORKER_H

#include <stdio.h>
#include <sys/types.h>

#include "../../common/err.h"

struct worker {
	pid_t pid;
	int fd;      /* the report: "+" and the result, or "-CODE,CLASS,SIGNAL:message" */
};

/* The job, run in the child: what it writes to result is handed to the
 * parent if it returns >= 0; otherwise err is. */
typedef int (*worker_fn)(void *arg, FILE *result, struct cl_err *err);

/* Forks a worker running fn(arg).  The caller must collect it with
 * worker_wait() or, after its own waitpid(), worker_result(). */
int worker_start(struct worker *w, worker_fn fn, void *arg, struct cl_err *err);
/* Reads the report of a worker that has ended with wait status `status`
 * and closes it.  Returns 0 with *result (malloc'd, NUL-terminated) or the
 * worker's error; a worker that died without a report is -EIO naming it
 * with `what`. */
int worker_result(struct worker *w, int status, const char *what, char **result, struct cl_err *err);
/* The parsing of worker_result(), from memory: len bytes of the report
 * (a NUL need not follow) of a worker that ended with wait status
 * `status`. */
int worker_report_parse(const char *report, size_t len, int status, const char *what, char **result,
			struct cl_err *err);
/* waitpid() and worker_result(). */
int worker_wait(struct worker *w, const char *what, char **result, struct cl_err *err);

#endif
