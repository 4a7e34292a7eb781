#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int set_va(struct cl_err *err, int errnum, int with_strerror,
		  const char *fmt, va_list ap)
{
	int rc = errnum > 0 ? -errnum : -EINVAL;

	if (!err)
		return rc;
	err->code = -rc;
	err->cls = CL_UNSET;
	err->signal = 0;
	err->strerror_due = 0;
	int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	if (with_strerror && errnum > 0 && err->defer == CL_ERR_DEFER_STRERROR)
		err->strerror_due = errnum;
	else if (with_strerror && errnum > 0 && n >= 0 && (size_t)n < sizeof err->msg)
		snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s",
			 strerror(errnum));
	return rc;
}

int cl_err_set(struct cl_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = set_va(err, errnum, 1, fmt, ap);
	va_end(ap);
	return rc;
}

int cl_err_msg(struct cl_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = set_va(err, errnum, 0, fmt, ap);
	va_end(ap);
	return rc;
}

int cl_err_prefix(struct cl_err *err, const char *fmt, ...)
{
	char old[sizeof err->msg];
	char ctx[256];
	va_list ap;

	if (!err)
		return -EINVAL;
	if (!err->code)
		err->code = EINVAL;
	memcpy(old, err->msg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof ctx, fmt, ap);
	va_end(ap);
	snprintf(err->msg, sizeof err->msg, "%s: %s", ctx, old);
	return -err->code;
}

void cl_err_clear(struct cl_err *err)
{
	if (err) {
		err->code = 0;
		err->cls = CL_UNSET;
		err->signal = 0;
		err->strerror_due = 0;
		err->msg[0] = '\0';
	}
}

int cl_err_in(struct cl_err *err, enum cl_class cls, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = set_va(err, errnum, 0, fmt, ap);
	va_end(ap);
	if (err)
		err->cls = cls;
	return rc;
}

int cl_err_as(struct cl_err *err, enum cl_class cls)
{
	if (!err)
		return -EINVAL;
	if (!err->code)
		err->code = EIO;
	if (err->cls == CL_UNSET)
		err->cls = cls;
	return -err->code;
}

enum cl_class cl_err_class(const struct cl_err *err)
{
	if (err->cls != CL_UNSET)
		return err->cls;
	switch (err->code) {
	case EINVAL: case EBADMSG: case ENOENT: case ELOOP: case EEXIST: case EFBIG: case ENAMETOOLONG:
	case EPERM:   /* a refused archive entry or file; the sandbox classes its own */
		return CL_BAD_INPUT;
	case ENOSPC: case EDQUOT: case ENOMEM: case EMFILE: case ENFILE:
		return CL_RESOURCE;
	case EINTR:
		return CL_INTERRUPTED;
	default:
		/* EACCES among them: a folder's mode is the machine's trouble */
		return CL_IO;
	}
}

const char *cl_class_name(enum cl_class cls)
{
	static const char *const names[] = {
		[CL_UNSET] = "unset", [CL_USAGE] = "usage", [CL_BAD_INPUT] = "bad input",
		[CL_BUILD_FAILED] = "build failed", [CL_UNREPRODUCIBLE] = "not reproducible",
		[CL_SANDBOX] = "sandbox setup", [CL_IO] = "i/o", [CL_RESOURCE] = "resource exhausted",
		[CL_INTERRUPTED] = "interrupted",
	};
	return (unsigned)cls < sizeof names / sizeof *names ? names[cls] : "unknown";
}

int cl_exit_status(const struct cl_err *err)
{
	switch (cl_err_class(err)) {
	case CL_USAGE: case CL_BAD_INPUT:
		return 2;
	case CL_SANDBOX:
		return 125;
	case CL_INTERRUPTED:
		return 128 + (err->signal > 0 ? err->signal : 2);
	default:
		return 1;
	}
}
