/* What a build runs with besides its files: the wrapper script (patches,
 * then build), the environment and the conditions of the sandbox, build
 * A's and, with variations, B's.  inputs.c hashes A's as they are given. */
#ifndef CLOISTER_BUILD_ENV_H
#define CLOISTER_BUILD_ENV_H

#include <stdio.h>

#include "../../common/err.h"
#include "../../sandbox/sandbox.h"
#include "../plan/recipe.h"

extern const char build_wrapper[];

struct recipe_settings;

/* Sets the build's variables and conditions on cfg (over the sandbox's
 * defaults) for the variations vary: the machine's settings rs (or NULL)
 * after the defaults they replace, inner the build directory inside
 * (/build for A), srcdir the one to work in below it ("" for inner
 * itself), jobs the value of $JOBS. */
int build_env_apply(struct sandbox_config *cfg, const struct recipe *r, const struct recipe_settings *rs,
		    unsigned vary, const char *inner, const char *srcdir, const char *jobs, struct cl_err *err);

/* Build A's wrapper (its sha256), conditions and environment, in the
 * input hash's text (lines "wrapper", "condition", "env") and as JSON
 * members.  Two values are not inputs: $JOBS (-j; B runs with 1, so an
 * output cannot depend on it) and $SRC's last part (the top directory of
 * the first archive, which its digest fixes). */
int build_env_describe(const struct recipe *r, const struct recipe_settings *rs, FILE *text, FILE *json,
		       struct cl_err *err);

#endif
