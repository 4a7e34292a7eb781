/* What became of one recipe of a build: the build driver's result per
 * recipe, for the reporter (cloister build --json, docs/json.md).  A
 * recipe built in a worker process gets its outcome filled there, in
 * memory shared with the driver, which reads it once the worker is gone:
 * it holds no pointer, so it means the same in both. */
#ifndef CLOISTER_OUTCOME_H
#define CLOISTER_OUTCOME_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../store/hash.h"

struct comparison;

/* What was done. */
enum outcome_kind {
	OUTCOME_NOT_BUILT,        /* never started: a failure elsewhere stopped the build first */
	OUTCOME_CACHED,           /* in the store already: nothing was built */
	OUTCOME_BUILT,            /* built and published */
	OUTCOME_CHECKED,          /* rebuilt and held to the stored entry (cloister check, or a
				     --no-check entry checked now); nothing new was published */
	OUTCOME_FAILED,           /* the build, or what came before it, failed */
	OUTCOME_NOT_REPRODUCIBLE, /* the outputs differed; the pair is kept */
};

/* What is known of its reproducibility. */
enum outcome_verdict {
	VERDICT_NONE,       /* nothing: it failed before a comparison, or was not built */
	VERDICT_IDENTICAL,  /* built twice, B varied, and identical */
	VERDICT_UNCHECKED,  /* built once (--no-check) */
	VERDICT_DIFFERENT,  /* not reproducible */
};

/* The differences an outcome carries; reproducibility.json (in the kept
 * pair) has all of them. */
#define OUTCOME_DIFFS 20

struct outcome_diff {
	char path[PATH_MAX];   /* cut at PATH_MAX - 1 bytes */
	char what[16];
	char detail[512];      /* cut likewise */
	long long offset;
};

struct build_outcome {
	char name[128];
	char version[128];
	bool root;                               /* asked for */
	char input_hash[SHA256_HEX_LEN + 1];     /* "" when it was not planned */
	char entry[PATH_MAX];                    /* the store entry; "" when none */
	char output_hash[SHA256_HEX_LEN + 1];    /* "" when none */
	enum outcome_kind kind;
	enum outcome_verdict verdict;
	bool against_store;       /* the new build was also compared with the stored output */
	double seconds;           /* wall clock of its build, its downloads included; 0 when cached */
	double cpu_seconds;       /* user + system time of every process of its build */
	char log[PATH_MAX + 64];  /* the build's log; "" when none */
	char kept[PATH_MAX];      /* not reproducible: where A and B are kept */
	char differs_when[1024];  /* not reproducible: the culprit search's verdict */
	size_t n_differences;     /* all of them; the first OUTCOME_DIFFS are in diffs */
	struct outcome_diff diffs[OUTCOME_DIFFS];
	char error[1024];         /* failed, not reproducible: the message */
};

const char *outcome_kind_name(enum outcome_kind k);
/* NULL for VERDICT_NONE */
const char *outcome_verdict_name(enum outcome_verdict v);

/* An outcome for the recipe name and version, zeroed otherwise: in
 * memory shared with the children forked after it (MAP_SHARED), or NULL
 * when there is no memory. */
struct build_outcome *outcome_new_shared(const char *name, const char *version, bool root);
void outcome_free_shared(struct build_outcome *o);

/* The verdict "different" with c's differences (the first OUTCOME_DIFFS). */
void outcome_set_differences(struct build_outcome *o, const struct comparison *c);

#endif
