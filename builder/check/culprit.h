/* The culprit search: when A and B differ, which of B's variations (or
 * the wall clock, or chance) makes them differ.  Builds started together
 * differ only by their variations, by chance, or by a clock read at
 * different seconds; docs/reproducibility.md, "The culprit search", says
 * how the builds are grouped and what each comparison decides. */
#ifndef CLOISTER_CULPRIT_H
#define CLOISTER_CULPRIT_H

#include <stddef.h>

#include "../../common/err.h"
#include "../build/build.h"
#include "compare.h"

/* The search's verdict for a pair A (stage_a) and B (stage_b, built
 * under every variation, later) whose outputs differ as c says.  seconds
 * is what building A and B took: cheap builds are searched in one wide
 * round, dear ones by halving the variations, starting from what B's
 * differing files point at.  verdict gets "build path; umask", or
 * "nondeterminism (...)", or similar. */
int culprit_search(const struct build_job *job, const char *stage_a, const char *stage_b,
		   const struct comparison *c, double seconds, char *verdict, size_t len, struct cl_err *err);

#endif
