/* The comparator: two trees, path by path.  Reports missing and extra
 * paths, and per path the type, the mode, a symlink's target, the hard-link
 * structure, the size and the content (with the first differing byte and
 * its context).  Symlinks are never followed. */
#ifndef CLOISTER_COMPARE_H
#define CLOISTER_COMPARE_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "../../common/err.h"

struct difference {
	char *path;            /* "/usr/bin/x", whole */
	char what[16];         /* "missing in B", "extra in B", "type", "mode", "target", "size", "content", "hard links" */
	char *detail;          /* "0755 vs 0644", "first difference at byte 1234: ..." */
	long long offset;      /* first differing byte, or -1 */
};

struct comparison {
	struct difference *diffs;
	size_t n;
	size_t paths;                /* compared */
	unsigned long long bytes;    /* of file content read, both sides */
};

int compare_trees(const char *a, const char *b, struct comparison *c, struct cl_err *err);
void comparison_free(struct comparison *c);
/* Human-readable, at most limit differences (0: all). */
void comparison_print(const struct comparison *c, const char *a, const char *b, size_t limit, FILE *f);
/* As a JSON array of {"path", "what", "detail", "offset"}. */
void comparison_json(const struct comparison *c, FILE *f);

#endif
