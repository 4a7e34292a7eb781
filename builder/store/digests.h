/* A store entry's digests file: the sha256 of each of its files besides
 * out/ (which the manifest covers), in sha256sum's format, one line each:
 *
 *   SHA256  NAME
 *
 * store.c writes it and `cloister verify` checks an entry against it. */
#ifndef CLOISTER_DIGESTS_H
#define CLOISTER_DIGESTS_H

#include <stddef.h>

#include "../../common/err.h"

struct digest {
	const char *sha256;   /* 64 lowercase hex digits */
	const char *name;     /* a file name of the entry: no '/', not . or .. */
	int line;
};

struct digests {
	char *text;           /* cut in place: the lines point into it */
	struct digest *v;
	size_t n;
};

/* Parses len bytes of data (a NUL need not follow); every error says
 * "where:LINE: what is wrong" (-EINVAL), and leaves nothing to free.
 * A name is listed once. */
int digests_parse(const char *data, size_t len, const char *where, struct digests *d, struct cl_err *err);
/* The line of name, or NULL. */
const struct digest *digests_find(const struct digests *d, const char *name);
void digests_free(struct digests *d);

#endif
