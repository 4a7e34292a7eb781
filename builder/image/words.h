/* A growing list of words: a command line being put together. */
#ifndef CLOISTER_IMAGE_WORDS_H
#define CLOISTER_IMAGE_WORDS_H

#include <stddef.h>

#include "../../common/err.h"

struct words {
	char **v;     /* NULL-terminated, ready for execvp() */
	size_t n, cap;
};

/* Appends a copy of word (of n bytes; the whole string when n is -1). */
int words_add(struct words *w, const char *word, long n, struct cl_err *err);
/* Appends printf's result. */
int words_addf(struct words *w, struct cl_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void words_free(struct words *w);

#endif
