/* A build's inputs: every one is listed, with its digest, and the input
 * hash is the sha256 of that list.  Equal input hashes mean the same
 * build; the store is indexed by it. */
#ifndef CLOISTER_INPUTS_H
#define CLOISTER_INPUTS_H

#include <stddef.h>

#include "../../common/err.h"
#include "../store/hash.h"
#include "recipe.h"

/* Bumped when the way a recipe is built changes (layout, normalization)
 * in ways the hashed inputs do not show: part of every input hash.  The
 * wrapper script and the environment are hashed themselves. */
#define BUILD_PROTOCOL_VERSION 3

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
	char recipe_digest[SHA256_HEX_LEN + 1];  /* of the recipe folder's part of text */
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

/* Copies the recipe folder into dest (created), for the build to read at
 * /recipe (mounted read-only): modes 0755 or 0644 as git gives them,
 * mtimes at the recipe's epoch.  The copy's files
 * must be those inputs_compute hashed; a folder edited since then is an
 * error (CL_BAD_INPUT), so an entry's input hash always says what the
 * build read. */
int inputs_snapshot(const struct recipe *r, const struct inputs *in, const char *dest, struct cl_err *err);

/* What cloister reads back of an entry's inputs.json (inputs_read.c): the
 * top-level fields it wrote, one "key": value a line at two spaces'
 * indent.  The document is cloister's own; the reader holds it to that
 * layout and refuses anything else (-EINVAL, "where: ..."). */
struct inputs_record {
	char recipe[128];
	char version[128];
	char input_hash[SHA256_HEX_LEN + 1];
};
int inputs_json_parse(const char *data, size_t len, const char *where, struct inputs_record *rec,
		      struct cl_err *err);
int inputs_json_read(const char *path, struct inputs_record *rec, struct cl_err *err);

#endif
