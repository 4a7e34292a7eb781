/* The reproducibility check: every build is done twice, B under varied
 * conditions (variations.h) and later than A, and the two outputs are
 * compared before anything is published.  When they differ, the culprit
 * search rebuilds with one variation at a time and names the factors. */
#ifndef CLOISTER_REPRO_H
#define CLOISTER_REPRO_H

#include "../common/err.h"
#include "build.h"
#include "store.h"

/* Builds A (normal conditions) and B (every variation, one CPU, started a
 * second later) at the same time, into stage_a and stage_b. */
int repro_build_ab(const struct build_job *job, struct stage *stage_a, struct stage *stage_b,
		   double *b_later, struct cl_err *err);
/* Compares A and B.  Identical: writes stage_a/reproducibility.json, drops
 * B, returns 0.  With stored (cloister check), A is also compared with the
 * stored output.  Different: keeps both trees under store/tmp/, prints the
 * report and the culprits, and fails (-EIO). */
int repro_check(const struct build_job *job, struct stage *stage_a, struct stage *stage_b, double b_later,
		const struct store_entry *stored, struct cl_err *err);
/* Checks an entry published with --no-check: one new build under varied
 * conditions, compared with the stored output; the entry's
 * reproducibility.json is upgraded when they are equal. */
int repro_check_stored(const struct build_job *job, struct store_entry *e, struct cl_err *err);

#endif
