/* The one error idiom of cloister.
 *
 * A function that can fail returns a negative errno and, if given a
 * struct cl_err, fills it with a message.  Callers add context as the
 * error travels up ("mounting /usr: open_tree: No such file or directory");
 * only main() prints and chooses an exit status.  The message lives in the
 * struct, so setting an error never allocates: it is safe in a child
 * between clone() and execve(). */
#ifndef CLOISTER_ERR_H
#define CLOISTER_ERR_H

#include <stddef.h>

struct cl_err {
	int code;            /* positive errno, or 0 when nothing is set */
	char msg[1024];
};

/* Sets the error to "MESSAGE: strerror(errnum)" (or just MESSAGE when
 * errnum is 0) and returns -errnum (or -EINVAL when errnum is 0). */
int cl_err_set(struct cl_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like cl_err_set, without the strerror suffix. */
int cl_err_msg(struct cl_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "CONTEXT: " to the message; returns the stored -code. */
int cl_err_prefix(struct cl_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void cl_err_clear(struct cl_err *err);

/* Returns early with a negative result. */
#define TRY(expr) do { int _r = (expr); if (_r < 0) return _r; } while (0)

#endif
