/* Every input a closure downloads: the seed's .debs of the sets it needs
 * and the recipes' sources that are not in the repository.  One list for
 * the preflight (`cloister fetch --check`) and the export
 * (`cloister fetch --export`), so both cover exactly what a build fetches. */
#ifndef CLOISTER_CLOSURE_H
#define CLOISTER_CLOSURE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../store/hash.h"

enum input_kind {
	INPUT_SEED_DEB,     /* a binary .deb: of rootfs-seed/seed.lock, or a recipe's deb-file source */
	INPUT_DEBIAN_SRC,   /* a file of a Debian source package */
	INPUT_CACHE,        /* only ever in the download cache (or a mirror) */
};

struct closure_input {
	enum input_kind kind;
	char where[4200];      /* FILE:LINE of the pin */
	char package[128];     /* binary or source package (not INPUT_CACHE) */
	char version[128];
	char file[256];        /* the file's name */
	char suite[128];       /* as recorded ("" when not) */
	bool moving;
	char sha256[SHA256_HEX_LEN + 1];
	unsigned long long size;  /* 0 when not pinned */
};

struct closure_inputs {
	struct closure_input *v;
	size_t n;
};

struct graph_root;
/* The inputs of roots' closure (recipes_dir) and of the seed sets set
 * ("base", "kbuild", "all") in lock, and of the sets its recipes ask for
 * (`seed: base kbuild`); each digest once, in a fixed order. */
int closure_inputs_collect(const char *recipes_dir, const struct graph_root *roots, size_t n_roots,
			   const char *lock, const char *set, struct closure_inputs *out, struct cl_err *err);
void closure_inputs_free(struct closure_inputs *c);

#endif
