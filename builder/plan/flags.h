/* settings/compiler-flags/{build,host}-{c,cxx}.compiler-flags: one compiler flag a line, no
 * blank lines, no comments, a line feed after the last (Libertine's
 * format; docs/machine.md). */
#ifndef CLOISTER_PLAN_FLAGS_H
#define CLOISTER_PLAN_FLAGS_H

#include <stddef.h>

#include "../../common/err.h"

struct flag_list {
	char **v;   /* in the order of the file; owned */
	size_t n;
};

/* Parses text (len bytes) as file.  Every error is "FILE:LINE: ..." and
 * -EINVAL.  An empty file is no flags.  On failure f is empty. */
int flags_parse(const char *file, const char *text, size_t len, struct flag_list *f, struct cl_err *err);
/* The flags joined by single spaces (malloc'd), as CFLAGS carries them. */
char *flags_join(const struct flag_list *f);
void flags_free(struct flag_list *f);

#endif
