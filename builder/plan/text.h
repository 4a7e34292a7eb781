/* What every machine settings file must be: text, with line feeds. */
#ifndef CLOISTER_PLAN_TEXT_H
#define CLOISTER_PLAN_TEXT_H

#include <stddef.h>

#include "../../common/err.h"

/* Refuses NUL bytes, carriage returns and control characters other than
 * tab and line feed, naming file and line (-EINVAL). */
int text_check_bytes(const char *file, const char *text, size_t len, struct cl_err *err);

#endif
