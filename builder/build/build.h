/* The build driver: recipe graph -> input hashes -> store hits or
 * sandboxed builds -> published store entries. */
#ifndef CLOISTER_BUILD_H
#define CLOISTER_BUILD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../fetch/fetch.h"
#include "../plan/graph.h"
#include "../store/hash.h"
#include "../store/store.h"

/* What the builder has to tell while it works.  The builder never
 * prints: it hands each note to o->note, and the command's reporter
 * decides how (and whether) to show it. */
enum build_note {
	NOTE_PROGRESS,      /* text: a line of progress (the culprit search's rounds, fetching the seed) */
	NOTE_FINDING,       /* text: a finding or warning (differences, the verdict, host facts) */
	NOTE_STEP,          /* step: a recipe's progress line ("cached", "built ... in", secs >= 0) */
	NOTE_TICK,          /* step: a recipe still building, secs so far; once a second, only
			       with o->live, from a thread of its own */
	NOTE_TICK_END,      /* the recipe that ticked is done: its live line goes */
	NOTE_OUTPUT,        /* text, len: the build's output as it comes (-v), raw bytes,
			       from the log writer's thread; last: the stream ends */
	NOTE_FAILURE_TAIL,  /* text, len: the last lines of a failed build's output, raw bytes */
};

/* One note.  text and the step's strings live only during the call. */
struct build_event {
	enum build_note kind;
	const char *text;   /* NUL-terminated, but for NOTE_OUTPUT and NOTE_FAILURE_TAIL: len bytes */
	size_t len;
	bool last;          /* NOTE_OUTPUT: the build's output ends */
	/* NOTE_OUTPUT: the stream's escaping state (a UTF-8 sequence cut
	 * between two reads), kept by the builder for the reporter: builds
	 * that run at once each have their own */
	struct termsafe *stream;
	struct {
		size_t i, n;        /* the recipe's place in the graph's order, of n */
		const char *name, *version;
		const char *what;   /* "cached", "building", "built twice, identical, in", ... */
		double secs;        /* how long it took or has taken; < 0: no time */
	} step;                     /* NOTE_STEP, NOTE_TICK */
};

struct build_outcome;
struct termsafe;

struct build_opts {
	char home[PATH_MAX];
	char recipes[PATH_MAX];
	char seed_lock[PATH_MAX];
	char seed_skeleton[PATH_MAX];
	unsigned jobs;
	bool verbose;   /* stream build logs */
	struct fetch_opts fetch;  /* mirrors, snapshot, offline */
	bool quiet;
	bool live;      /* the reporter wants NOTE_TICK while a recipe builds (a terminal) */
	bool json;      /* one JSON document on stdout instead of the human report */
	bool no_check;  /* build once; the entry records that it was not checked */
	bool recheck;   /* `cloister check -r`: rebuild the recipe asked for even if stored */
	bool recheck_all;  /* `cloister check MACHINE`: rebuild every recipe of the graph */
	/* Building for a machine: every recipe of the graph gets what its
	 * settings add (plan/recipe_settings.h).  NULL for `-r`. */
	const struct machine_settings *machine;
	/* build_limits.c: the delegated cgroup v2 the builds' cgroups go
	 * under ("" without one: rlimits only), and each build's memory.max */
	char cgroup[PATH_MAX];
	unsigned long long memory_max;
	/* Where notes go (cmd_build.c renders them); NULL: nowhere.  Called
	 * from the process that builds (a worker), one whole line or block
	 * per call; NOTE_TICK and NOTE_OUTPUT from threads of their own. */
	void (*note)(void *ctx, const struct build_event *ev);
	void *note_ctx;
	/* Where each recipe's outcome goes (outcome.h: what was done, the
	 * verdict, the timings; the reporter of --json collects them), once
	 * per recipe of the graph, each after what it needs, in the process
	 * that called build_targets; NULL: nowhere. */
	void (*outcome)(void *ctx, const struct build_outcome *out);
	void *outcome_ctx;
};

/* Finds a delegated cgroup v2 and moves cloister into it (before any
 * worker starts); without one, says what is then unbounded, on stderr,
 * unless quiet: builds never fall back to weaker limits silently. */
void build_limits_setup(struct build_opts *o);

/* Formats a note (NOTE_PROGRESS or NOTE_FINDING) and hands it to o->note. */
void build_notef(const struct build_opts *o, enum build_note kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Hands ev to o->note, if any. */
void build_note(const struct build_opts *o, const struct build_event *ev);

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
	/* A directory whose contents are the sources already unpacked, with
	 * the top-level directory srcdir: copied instead of unpacking anew
	 * (the checker unpacks once for A, B and the culprit search). */
	const char *unpacked;
	const char *unpacked_srcdir;
	/* What the build finds out (the verdict, the differences, the log
	 * kept), in memory the driver reads (outcome.h); NULL: not recorded. */
	struct build_outcome *outcome;
	/* When the build began (CLOCK_MONOTONIC seconds): the recipe's
	 * timeout covers the output pass as well (publish_pass). */
	double started;
};

/* Builds job in stage s (sources unpacked anew, or cloned from
 * job->unpacked) under the given variations (variations.h): a stage
 * already made (and owned: its lock held), or a fresh one when s is
 * empty.  On failure the stage is gone.  The output is left raw: not yet
 * normalized. */
int build_variant(const struct build_job *job, unsigned vary, struct stage *s, struct cl_err *err);

/* One recipe that went into the targets, built or found in the store. */
struct build_result {
	char name[128];
	char version[128];
	char entry[PATH_MAX];     /* store/INPUTHASH-NAME-VERSION; its out/ is the output */
	char output_hash[SHA256_HEX_LEN + 1];
	long long source_date_epoch;
	bool root;                /* asked for; false for a runtime dependency one of them pulls in */
};

/* Builds the roots and everything they need, each recipe's outcome
 * handed to o->outcome whether it succeeds or not.  *results (malloc'd, the
 * caller frees it) gets what an image of the roots is made of: each root
 * in the order asked, each after the recipes it depends on at run time
 * (`depends`, transitively), every recipe once; build-needs are not in it.
 * A failed build is -EIO with the message; bad input is -EINVAL/-EBADMSG/
 * -ENOENT/-ELOOP/-EEXIST (a provider clash)/-EPERM (a refused source
 * archive); anything else is the machine's trouble (-ENOSPC, -EACCES, ...). */
int build_targets(const struct build_opts *o, const struct graph_root *roots, size_t n_roots,
		  struct build_result **results, size_t *n_results, struct cl_err *err);

#endif
