/* Two build dependencies may not provide the same file (providers.c):
 * which one a build would see would depend on the layers' order, unless
 * the recipe says which wins ('prefer: NAME'). */
#ifndef CLOISTER_PROVIDERS_H
#define CLOISTER_PROVIDERS_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../plan/inputs.h"
#include "../plan/recipe.h"
#include "build.h"

/* Whether r names name in a 'prefer:' line. */
bool preferred(const struct recipe *r, const char *name);
/* -EEXIST naming the path and both providers, or 0. */
int check_providers(const struct recipe *r, const struct build_dep *deps, size_t n,
		    struct cl_err *err);

#endif
