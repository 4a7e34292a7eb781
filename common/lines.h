/* The line reader shared by cloister's text formats (recipe, seed.lock,
 * packages.list): '#' starts a comment, surrounding blanks are ignored,
 * blank lines are skipped, and each line keeps its number for messages.
 *
 * The whole text is checked first, so no format can be cut short or
 * smuggle bytes past its parser: a NUL byte, a byte that is not UTF-8
 * (overlong forms and surrogates included), a control character other
 * than tab, or a carriage return is an error naming FILE:LINE. */
#ifndef CLOISTER_LINES_H
#define CLOISTER_LINES_H

#include <stddef.h>

#include "err.h"

struct lines {
	char *next;  /* the rest of the text, edited in place */
	int line;    /* number of the line last returned, from 1 */
};

/* text holds len bytes (and a NUL after them); path names it in messages. */
int lines_init(struct lines *it, char *text, size_t len, const char *path, struct cl_err *err);

/* The next line with content, trimmed and without its comment, or NULL
 * at the end.  The text is cut in place. */
char *lines_next(struct lines *it);

#endif
