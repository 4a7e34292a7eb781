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
	int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	if (with_strerror && errnum > 0 && n >= 0 && (size_t)n < sizeof err->msg)
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
		err->msg[0] = '\0';
	}
}
