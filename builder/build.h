/* The build driver: recipe graph -> input hashes -> store hits or
 * sandboxed builds -> published store entries. */
#ifndef CLOISTER_BUILD_H
#define CLOISTER_BUILD_H

#include <limits.h>
#include <stdbool.h>

#include "../common/err.h"

struct build_opts {
	char home[PATH_MAX];
	char recipes[PATH_MAX];
	char seed_lock[PATH_MAX];
	char seed_skeleton[PATH_MAX];
	unsigned jobs;
	bool verbose;   /* stream build logs */
	bool offline;
	bool quiet;
};

/* Builds recipe and everything it needs; prints the store entry's path.
 * A failed build is -EIO with the message; bad input is -EINVAL/-EBADMSG/
 * -ENOENT/-ELOOP. */
int build_recipe(const struct build_opts *o, const char *recipe, struct cl_err *err);
/* Fetches every source of recipe's closure (the only network use). */
int fetch_recipe(const struct build_opts *o, const char *recipe, struct cl_err *err);

#endif
