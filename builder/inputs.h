/* A build's inputs: every one is listed, with its digest, and the input
 * hash is the sha256 of that list.  Equal input hashes mean the same
 * build; the store is indexed by it. */
#ifndef CLOISTER_INPUTS_H
#define CLOISTER_INPUTS_H

#include <stddef.h>

#include "../common/err.h"
#include "hash.h"
#include "recipe.h"

/* Bumped when the way a recipe is built changes (environment, layout,
 * normalization): part of every input hash. */
#define BUILD_PROTOCOL_VERSION 2

struct build_dep {
	const char *name;
	const char *version;
	char output_hash[SHA256_HEX_LEN + 1];
	char out_dir[4096];
};

struct recipe_settings;

struct inputs {
	/* what the machine adds to the build (plan/recipe_settings.h), or
	 * NULL; borrowed: the build reads its environment and files here */
	const struct recipe_settings *settings;
	char *text;   /* the canonical list that is hashed */
	size_t len;
	char *json;   /* the same, as inputs.json */
	size_t json_len;
	char hash[SHA256_HEX_LEN + 1];
};

/* Dependencies enter by their output hash, not their input hash: a
 * dependency rebuilt bit for bit changes nothing downstream.  A machine's
 * settings enter through one line, the digest of their canonical list;
 * settings NULL or empty (a build without a machine, or one the machine
 * adds nothing to) leave the list as it is without a machine. */
int inputs_compute(const struct recipe *r, const char *seed_hash, const struct build_dep *deps,
		   size_t n_deps, const struct recipe_settings *settings, struct inputs *in,
		   struct cl_err *err);
void inputs_free(struct inputs *in);

#endif
