/* The preflight: is every input of a closure still obtainable?  Asks the
 * download cache, the mirrors (HEAD), apt's lists (refreshed before a pin
 * is called gone) and the snapshot service, without downloading, so one
 * block can name every vanished pin before a build or a test suite starts
 * and fails on it many times over. */
#ifndef CLOISTER_PREFLIGHT_H
#define CLOISTER_PREFLIGHT_H

#include "closure.h"
#include "fetch.h"

enum input_source {
	FROM_CACHE,
	FROM_MIRROR,
	FROM_ARCHIVE,
	FROM_SNAPSHOT,
	FROM_NOWHERE,
};

struct preflight_result {
	enum input_source *from;   /* per input of the list */
	int *mirror;               /* FROM_MIRROR: which */
	size_t n_gone;
	size_t n_moving;           /* pins from suites that drop old versions */
};

int preflight_check(const char *home, const struct fetch_opts *fo, const struct closure_inputs *in,
		    struct preflight_result *res, struct cl_err *err);
void preflight_result_free(struct preflight_result *res);
const char *input_source_name(enum input_source s);

#endif
