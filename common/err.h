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

/* What kind of failure it is, set where the error is made (cl_err_in);
 * the exit status follows from it alone (cl_exit_status), the same for
 * every command.  CL_UNSET errors are classed by their errno, the rule
 * of the commands before classes existed. */
enum cl_class {
	CL_UNSET = 0,
	CL_USAGE,           /* the command line: exit 2 */
	CL_BAD_INPUT,       /* a recipe, lock, machine, source or archive to fix: exit 2 */
	CL_BUILD_FAILED,    /* a build script failed or timed out: exit 1 */
	CL_UNREPRODUCIBLE,  /* A and B differ: exit 1 */
	CL_SANDBOX,         /* the sandbox could not be set up: exit 125 */
	CL_IO,              /* the machine's trouble (permissions, I/O, network): exit 1 */
	CL_RESOURCE,        /* a full disk, no memory, too many files: exit 1 */
	CL_INTERRUPTED,     /* SIGINT or SIGTERM: exit 128 + the signal */
};

#define CL_ERR_DEFER_STRERROR 0x64656672u

struct cl_err {
	int code;            /* positive errno, or 0 when nothing is set */
	enum cl_class cls;
	int signal;          /* CL_INTERRUPTED: which */
	/* CL_ERR_DEFER_STRERROR, set by a child between clone() and
	 * execve(): cl_err_set then leaves the strerror() suffix to whoever
	 * receives the error (strerror may take the locale's lock or
	 * allocate, which a child of a threaded process must not), and
	 * records the errno in strerror_due.  A number, not a flag: many a
	 * cl_err is never initialized before it is set ("struct cl_err
	 * ignore;"), and an indeterminate unsigned is merely some value,
	 * where an indeterminate bool may be none. */
	unsigned defer;
	int strerror_due;    /* with defer: the errno whose text is still to be appended */
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

/* Like cl_err_msg, with the class of the failure. */
int cl_err_in(struct cl_err *err, enum cl_class cls, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Classes an error already set, unless it has a class; returns -code. */
int cl_err_as(struct cl_err *err, enum cl_class cls);
/* The class: the one set, else the one errno implies. */
enum cl_class cl_err_class(const struct cl_err *err);
const char *cl_class_name(enum cl_class cls);
/* The exit status every command uses for a failure of this class. */
int cl_exit_status(const struct cl_err *err);

/* Returns early with a negative result. */
#define TRY(expr) do { int _r = (expr); if (_r < 0) return _r; } while (0)

#endif
