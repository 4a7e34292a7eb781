/* The reproducibility check: every build is done twice, B under varied
 * conditions (variations.h) and later than A, and the two outputs are
 * compared before anything is published.  When they differ, the culprit
 * search rebuilds with one variation at a time and names the factors. */
#ifndef CLOISTER_REPRO_H
#define CLOISTER_REPRO_H

#include "../common/err.h"
#include "build.h"
#include "store.h"

/* stage_a holds build A (raw).  Builds B and compares.  Identical: writes
 * stage_a/reproducibility.json and returns 0.  With stored (cloister
 * check), A is also compared with the stored output.  Different: keeps
 * both trees under store/tmp/, prints the report, and fails (-EIO). */
int repro_check(const struct build_job *job, const char *stage_a, double a_started,
		const struct store_entry *stored, struct cl_err *err);
/* Checks an entry published with --no-check: one new build under varied
 * conditions, compared with the stored output; the entry's
 * reproducibility.json is upgraded when they are equal. */
int repro_check_stored(const struct build_job *job, struct store_entry *e, struct cl_err *err);

#endif
