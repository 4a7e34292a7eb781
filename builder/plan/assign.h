/* Shell-like assignments, parsed and never executed: the format of
 * settings/architecture.config, settings/networking.config and
 * package-configurations/NAME.config (docs/machine.md).
 *
 *   # a comment
 *   NAME='value'          # a comment may follow
 *   QUOTE='it'\''s'       # ' inside a value, as in sh
 *   EMPTY=
 *
 * Nothing is expanded: $ and ` are plain characters inside the quotes. */
#ifndef CLOISTER_PLAN_ASSIGN_H
#define CLOISTER_PLAN_ASSIGN_H

#include <stddef.h>

#include "../../common/err.h"
#include "../../common/kv.h"

struct assignments {
	struct kv *kv;   /* in the order of the file; strings owned */
	int *lines;      /* the line of each, for messages */
	size_t n;
};

/* Parses text (len bytes, NUL bytes included) as file.  Every error says
 * "FILE:LINE: what is wrong, and what to do" and is -EINVAL; a name set
 * twice is an error.  On failure a is empty. */
int assignments_parse(const char *file, const char *text, size_t len, struct assignments *a,
		      struct cl_err *err);
void assignments_free(struct assignments *a);
/* The value of name, or NULL. */
const char *assignments_get(const struct assignments *a, const char *name);
/* Variable names: letters, digits and '_', not starting with a digit. */
int assignment_name_valid(const char *name, size_t len);

#endif
