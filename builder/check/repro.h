/* The reproducibility check: every build is done twice, B under varied
 * conditions (variations.h) and later than A, and the two outputs are
 * compared before anything is published.  When they differ, the culprit
 * search (culprit.h) names the factors. */
#ifndef CLOISTER_REPRO_H
#define CLOISTER_REPRO_H

#include <limits.h>

#include "../../common/err.h"
#include "../build/build.h"
#include "compare.h"
#include "../store/store.h"

/* What the double build measured, and what the checks after it reuse. */
struct repro_ab {
	double b_later;                  /* seconds B started after A */
	double seconds;                  /* A and B, wall clock */
	struct stage sources_stage;      /* the sources, unpacked once (empty: none) */
	char sources[PATH_MAX + 16];     /* its build/ */
	char srcdir[PATH_MAX];
};

/* Builds A (normal conditions) and B (every variation, one CPU, started a
 * second later) at the same time, into stage_a and stage_b.  On success
 * ab holds the unpacked sources until repro_check releases them. */
int repro_build_ab(const struct build_job *job, struct stage *stage_a, struct stage *stage_b,
		   struct repro_ab *ab, struct cl_err *err);
/* Runs the output pass (publish_pass) over A, into pa, which the caller
 * publishes from and frees, and over B, and compares them.  Identical:
 * writes stage_a/reproducibility.json, drops B, returns 0.  With stored
 * (cloister check), A is also compared with the stored output.
 * Different: keeps both trees under store/tmp/, reports the differences
 * and the culprits (through job->o->note), and fails (-EIO).  Releases ab
 * either way. */
struct output_pass;
int repro_check(const struct build_job *job, struct stage *stage_a, struct stage *stage_b, struct repro_ab *ab,
		const struct store_entry *stored, struct output_pass *pa, struct cl_err *err);
void repro_ab_release(struct repro_ab *ab);
/* Checks an entry published with --no-check: one new build under varied
 * conditions, compared with the stored output; the entry's
 * reproducibility.json is upgraded when they are equal. */
int repro_check_stored(const struct build_job *job, struct store_entry *e, struct cl_err *err);

/* Normalizes both stages' out/ as publishing would (the output pass:
 * mtimes, canonical modes with the recipe's mode: lines) and compares
 * them. */
int repro_compare(const struct build_job *job, const char *stage_a, const char *stage_b, struct comparison *c,
		  struct cl_err *err);

#endif
