/* What a machine adds to the build of one of its recipes, the one slot
 * through which machine settings reach a build and its input hash:
 *
 *   CFLAGS, CXXFLAGS      the host-c and host-cxx compiler flags
 *   LDFLAGS               the host-c flags again (the compiler driver links)
 *   BUILD_CFLAGS, BUILD_CXXFLAGS   the build-c and build-cxx flags
 *   package-configurations/RECIPE.config   its assignments, as environment
 *   package-configurations/RECIPE.mk       read-only at /machine/RECIPE.mk,
 *                         named by MACHINE_KCONFIG
 *
 * A variable whose file the machine does not have keeps the value a build
 * without a machine gets.  A recipe the machine adds nothing to is built
 * exactly as with `cloister build -r` (same environment, same input hash,
 * the same store entry). */
#ifndef CLOISTER_PLAN_RECIPE_SETTINGS_H
#define CLOISTER_PLAN_RECIPE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../store/hash.h"
#include "machine_settings.h"

/* Where a build finds its Kconfig fragment. */
#define RECIPE_SETTINGS_DIR "/machine"

struct recipe_settings {
	char **env;             /* "NAME=VALUE", in the order given to the build */
	size_t n_env;
	char mk_name[140];      /* "RECIPE.mk", or "" */
	const char *mk;         /* its bytes (borrowed from the machine settings) */
	size_t mk_len;
	char mk_sha256[SHA256_HEX_LEN + 1];
	char *text;             /* the canonical list that is hashed */
	size_t len;
	char hash[SHA256_HEX_LEN + 1];
};

/* The settings ms gives recipe; rs->n_env == 0 and no mk when none.
 * ms must outlive rs. */
int recipe_settings_for(const struct machine_settings *ms, const char *recipe, struct recipe_settings *rs,
			struct cl_err *err);
bool recipe_settings_empty(const struct recipe_settings *rs);
void recipe_settings_free(struct recipe_settings *rs);

/* Why a package configuration may not set the variable name (a static
 * sentence), or NULL when it may. */
const char *build_env_reserved(const char *name);

#endif
