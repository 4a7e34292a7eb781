/* Reading a manifest (tree.h's tree_manifest() writes them): the store
 * entry's list of its out/ tree, the seed's, a recipe folder's.  One
 * reader for every use, strict: a line that tree_manifest() could not
 * have written is an error naming FILE:LINE, never skipped.
 *
 *   TYPE MODE SIZE SHA256 /PATH [TARGET]
 *
 * TYPE d, f, l or h; MODE four octal digits; SIZE the file's (f, h), 0
 * for d and l; SHA256 64 lowercase hex digits for f, "-" otherwise;
 * TARGET for l (the symlink's) and h (the earlier path of the same
 * file).  PATH and TARGET keep their escapes (\xHH for bytes outside
 * printable ASCII, space and backslash), so each is one word. */
#ifndef CLOISTER_MANIFEST_H
#define CLOISTER_MANIFEST_H

#include <stddef.h>
#include <stdio.h>

#include "../../common/err.h"

struct manifest_entry {
	char type;                 /* 'd', 'f', 'l' or 'h' */
	unsigned mode;             /* permission bits, at most 07777 */
	unsigned long long size;
	const char *sha256;        /* "-" but for f */
	const char *path;          /* "/a/b", escaped as written */
	const char *target;        /* l, h (escaped); NULL for d and f */
	int line;
};

struct manifest {
	char *text;                /* the lines, cut in place: the entries point into it */
	struct manifest_entry *v;
	size_t n;
};

/* Parses len bytes of data (a NUL need not follow); where names it in
 * messages ("where:LINE: ...", -EINVAL).  On an error nothing is left to
 * free. */
int manifest_parse(const char *data, size_t len, const char *where, struct manifest *m, struct cl_err *err);
/* Reads the file path and parses it. */
int manifest_read(const char *path, struct manifest *m, struct cl_err *err);
void manifest_free(struct manifest *m);

/* The entry's line, as tree_manifest() writes it (with its line feed). */
void manifest_entry_write(FILE *f, const struct manifest_entry *e);

#endif
