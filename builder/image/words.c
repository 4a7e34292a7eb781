#define _GNU_SOURCE
#include "words.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int append(struct words *w, char *s, struct cl_err *err)
{
	if (!s)
		return cl_err_msg(err, ENOMEM, "a command line");
	if (w->n + 2 > w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		char **v = realloc(w->v, cap * sizeof *v);
		if (!v) {
			free(s);
			return cl_err_msg(err, ENOMEM, "a command line");
		}
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = s;
	w->v[w->n] = NULL;
	return 0;
}

int words_add(struct words *w, const char *word, long n, struct cl_err *err)
{
	return append(w, n < 0 ? strdup(word) : strndup(word, (size_t)n), err);
}

int words_addf(struct words *w, struct cl_err *err, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return append(w, r < 0 ? NULL : s, err);
}

void words_free(struct words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = w->cap = 0;
}
