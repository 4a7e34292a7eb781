/* The seeds a build starts from (build_seeds.c): each seed set the
 * graph's recipes name, built (fetched first when missing) once. */
#ifndef CLOISTER_BUILD_SEEDS_H
#define CLOISTER_BUILD_SEEDS_H

#include <limits.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../plan/graph.h"
#include "../store/hash.h"
#include "build.h"

/* The seeds a graph's recipes start from, one per set they name
 * (recipe.h: "base" or "kbuild"), each resolved once. */
struct seeds {
	struct {
		char set[16];
		char hash[SHA256_HEX_LEN + 1];
		char tree[PATH_MAX + 128];
	} s[2];
	size_t n;
};

int resolve_seeds(const struct build_opts *o, const struct graph *g, struct seeds *sd,
		  struct cl_err *err);
/* The index in sd of r's seed set. */
size_t seed_of(const struct seeds *sd, const struct recipe *r);

#endif
