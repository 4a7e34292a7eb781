#define _GNU_SOURCE
#include "outcome.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "../check/compare.h"

const char *outcome_kind_name(enum outcome_kind k)
{
	switch (k) {
	case OUTCOME_CACHED: return "cached";
	case OUTCOME_BUILT: return "built";
	case OUTCOME_CHECKED: return "checked";
	case OUTCOME_FAILED: return "failed";
	case OUTCOME_NOT_REPRODUCIBLE: return "not reproducible";
	case OUTCOME_NOT_BUILT: break;
	}
	return "not built";
}

const char *outcome_verdict_name(enum outcome_verdict v)
{
	switch (v) {
	case VERDICT_IDENTICAL: return "identical";
	case VERDICT_UNCHECKED: return "not checked";
	case VERDICT_DIFFERENT: return "not reproducible";
	case VERDICT_NONE: break;
	}
	return NULL;
}

struct build_outcome *outcome_new_shared(const char *name, const char *version, bool root)
{
	/* anonymous and shared: zeroed, and a forked worker's writes are the
	 * driver's to read */
	struct build_outcome *o = mmap(NULL, sizeof *o, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (o == MAP_FAILED)
		return NULL;
	snprintf(o->name, sizeof o->name, "%s", name);
	snprintf(o->version, sizeof o->version, "%s", version);
	o->root = root;
	return o;
}

void outcome_free_shared(struct build_outcome *o)
{
	if (o)
		munmap(o, sizeof *o);
}

void outcome_set_differences(struct build_outcome *o, const struct comparison *c)
{
	o->verdict = VERDICT_DIFFERENT;
	o->n_differences = c->n;
	for (size_t i = 0; i < c->n && i < OUTCOME_DIFFS; i++) {
		struct outcome_diff *d = &o->diffs[i];
		snprintf(d->path, sizeof d->path, "%s", c->diffs[i].path);
		snprintf(d->what, sizeof d->what, "%s", c->diffs[i].what);
		snprintf(d->detail, sizeof d->detail, "%s", c->diffs[i].detail ? c->diffs[i].detail : "");
		d->offset = c->diffs[i].offset;
	}
}
