/* The build driver: recipe graph -> input hashes -> store hits or
 * sandboxed builds -> published store entries. */
#ifndef CLOISTER_BUILD_H
#define CLOISTER_BUILD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/err.h"
#include "fetch/fetch.h"
#include "graph.h"

struct build_opts {
	char home[PATH_MAX];
	char recipes[PATH_MAX];
	char seed_lock[PATH_MAX];
	char seed_skeleton[PATH_MAX];
	unsigned jobs;
	bool verbose;   /* stream build logs */
	struct fetch_opts fetch;  /* mirrors, snapshot, offline */
	bool quiet;
	bool no_check;  /* build once; the entry records that it was not checked */
	bool recheck;   /* `cloister check -r`: rebuild the recipe asked for even if stored */
	bool recheck_all;  /* `cloister check MACHINE`: rebuild every recipe of the graph */
	/* Building for a machine: every recipe of the graph gets what its
	 * settings add (plan/recipe_settings.h).  NULL for `-r`. */
	const struct machine_settings *machine;
};

struct recipe;
struct build_dep;
struct machine_settings;
struct inputs;

/* One recipe's build, as the reproducibility checker needs to redo it. */
struct build_job {
	const struct build_opts *o;
	const struct recipe *r;
	const char *seed_tree;
	const struct build_dep *deps;
	size_t n_deps;
	const struct inputs *in;
};

/* Builds job in a fresh stage (sources unpacked anew) under the given
 * variations (variations.h); stage gets its path.  The output is left
 * raw: not yet normalized. */
int build_variant(const struct build_job *job, unsigned vary, char *stage, size_t len,
		  struct cl_err *err);

/* Builds the roots and everything they need; prints the store entry of
 * each root, one per line.  A failed build is -EIO with the message; bad
 * input is -EINVAL/-EBADMSG/-ENOENT/-ELOOP/-EEXIST (a provider clash)/
 * -EPERM (a refused source archive); anything else is the machine's
 * trouble (-ENOSPC, -EACCES, ...). */
int build_targets(const struct build_opts *o, const struct graph_root *roots, size_t n_roots,
		  struct cl_err *err);

#endif
