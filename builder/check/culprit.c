#define _GNU_SOURCE
#include "culprit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../common/clock.h"
#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "compare.h"
#include "../plan/recipe.h"
#include "repro.h"
#include "../build/variations.h"
#include "../build/worker.h"

/* Below this (A and B together, wall clock) a build is cheap: the search
 * starts every build it may need at once (a dozen sandboxes cost less
 * than the rounds halving would take).  Above it, the variations are
 * halved round by round. */
#define CHEAP_SECONDS 2.0

/* The most builds a round may start together while the clock matters:
 * few enough that cheap builds end within the second they started in. */
#define CLOCK_WIDTH 4

/* Every comparison of the search is against builds with address
 * randomization off: it is the one variation that makes a build random
 * rather than different, so the others are tested without it. */
#define BASE VARY_ASLR



static unsigned popcount(unsigned v)
{
	return (unsigned)__builtin_popcount(v);
}

/* One build of the search. */
struct probe {
	unsigned vary;
	struct stage stage;  /* made before the fork: its lock is ours */
	double ended;        /* wall clock */
};

struct probe_args {
	const struct build_job *job;
	unsigned vary;
	double start_at;
	struct stage *stage;
};

static int probe_main(void *arg, FILE *result, struct cl_err *err)
{
	const struct probe_args *a = arg;
	char build[PATH_MAX + 16];
	clock_sleep_until_wall(a->start_at);
	TRY(build_variant(a->job, a->vary, a->stage, err));
	/* only out/ is compared: the build tree goes at once */
	struct cl_err ignore;
	if (pathf(&ignore, build, sizeof build, "%s/build", a->stage->path) == 0)
		remove_tree(build, &ignore);
	fprintf(result, "%.3f", clock_wall_s());
	return 0;
}

static void drop_all(struct probe *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		stage_drop(&p[i].stage);
}

struct search {
	const struct build_job *job;
	bool cheap;
	bool clock;          /* the wall clock matters: compare only builds started together */
	size_t width;        /* builds at once when the clock does not matter */
	struct stage base;   /* round 1's build under BASE, while the clock does not matter */
	unsigned rounds, builds;
};

/* Runs the probes, width at a time; synced, they start together on the
 * next second (width must cover them all) and *overran says whether one
 * ended after that second.  On failure no stage is left. */
static int run_round(struct search *s, struct probe *p, size_t n, size_t width, bool synced, bool *overran,
		     struct cl_err *err)
{
	struct worker *w = calloc(n, sizeof *w);
	struct probe_args *a = calloc(n, sizeof *a);
	if (!w || !a) {
		free(w);
		free(a);
		return cl_err_set(err, ENOMEM, "the culprit search");
	}
	/* a build that reads the clock once, at second resolution, sees the
	 * same second in every build of a synced round that ends in it */
	double start = synced ? (double)(time_t)clock_wall_s() + 1.01 : 0;
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		p[i].stage = (struct stage)STAGE_NONE;
	for (size_t i = 0; i < n && rc == 0; i += width) {
		size_t k = n - i < width ? n - i : width, started = 0;
		for (; started < k; started++) {
			a[i + started] = (struct probe_args){ s->job, p[i + started].vary, start, &p[i + started].stage };
			if ((rc = stage_make(s->job->o->home, &p[i + started].stage, err)) < 0)
				break;
			if ((rc = worker_start(&w[i + started], probe_main, &a[i + started], err)) < 0)
				break;
		}
		for (size_t j = 0; j < started; j++) {
			char *report = NULL;
			struct cl_err werr = { 0 };
			int r = worker_wait(&w[i + j], "a build of the culprit search", &report, &werr);
			char *end = report;
			if (r == 0 && report)
				p[i + j].ended = strtod(report, &end);
			if (r == 0 && end == report)
				r = cl_err_msg(&werr, EIO, "a build of the culprit search reported '%s'", report ? report : "");
			free(report);
			if (r < 0 && rc == 0) {
				*err = werr;
				rc = r;
			}
		}
		s->builds += (unsigned)started;
	}
	free(w);
	free(a);
	s->rounds++;
	if (rc < 0) {
		drop_all(p, n);
		cl_err_prefix(err, "%s %s: the culprit search", s->job->r->name, s->job->r->version);
		return rc;
	}
	*overran = false;
	for (size_t i = 0; synced && i < n; i++)
		*overran = *overran || p[i].ended >= (double)(time_t)start + 1;
	return 0;
}

/* 1 if the outputs of two stages differ, 0 if not. */
static int differ(struct search *s, const char *a, const char *b, struct cl_err *err)
{
	struct comparison c;
	TRY(repro_compare(s->job, a, b, &c, err));
	int d = c.n > 0;
	comparison_free(&c);
	return d;
}

/* Which of the conditions vary[] make a build differ from one under
 * BASE: differs[i].  While the clock matters each round has a base of its
 * own, started with it; a cheap round that overran its second is done
 * again, narrower, so that no clock reading can separate its builds. */
static int run_tests(struct search *s, const unsigned *vary, size_t n, bool *differs, struct cl_err *err)
{
	struct probe p[2 * N_VARIATIONS + 1];
	bool overran;
	if (n > 2 * N_VARIATIONS)
		return cl_err_msg(err, EINVAL, "the culprit search: %zu tests in one round", n);
	if (!s->clock) {
		for (size_t i = 0; i < n; i++)
			p[i].vary = vary[i];
		TRY(run_round(s, p, n, s->width, false, &overran, err));
		int r = 0;
		for (size_t i = 0; i < n && r >= 0; i++)
			differs[i] = (r = differ(s, p[i].stage.path, s->base.path, err)) > 0;
		drop_all(p, n);
		return r < 0 ? r : 0;
	}
	size_t width = CLOCK_WIDTH;
	for (size_t i = 0; i < n;) {
		size_t k = n - i < width - 1 ? n - i : width - 1;
		p[0].vary = BASE;
		for (size_t j = 0; j < k; j++)
			p[1 + j].vary = vary[i + j];
		TRY(run_round(s, p, k + 1, k + 1, true, &overran, err));
		if (overran && s->cheap && width > 2) {
			drop_all(p, k + 1);
			width = width / 2;
			continue;
		}
		int r = 0;
		for (size_t j = 0; j < k && r >= 0; j++)
			differs[i + j] = (r = differ(s, p[1 + j].stage.path, p[0].stage.path, err)) > 0;
		drop_all(p, k + 1);
		if (r < 0)
			return r;
		i += k;
	}
	return 0;
}

/* Halving: a group of variations that makes the build differ is split in
 * two and both halves are tested, until single variations remain.  A
 * group neither of whose halves differs alone is a combination. */
static int bisect(struct search *s, unsigned set, unsigned *culprits, unsigned *combos, struct cl_err *err)
{
	unsigned pos[N_VARIATIONS];
	size_t np = 0;
	pos[np++] = set;
	while (np) {
		unsigned tests[2 * N_VARIATIONS], vary[2 * N_VARIATIONS], parent[N_VARIATIONS];
		size_t nt = 0, npar = 0;
		for (size_t i = 0; i < np; i++) {
			if (popcount(pos[i]) == 1) {
				*culprits |= pos[i];
				continue;
			}
			/* the lower half of the set bits, and the rest */
			unsigned half = 0, want = popcount(pos[i]) / 2;
			for (unsigned b = 0; b < N_VARIATIONS && popcount(half) < want; b++)
				half |= pos[i] & (1u << b);
			parent[npar++] = pos[i];
			tests[nt++] = half;
			tests[nt++] = pos[i] & ~half;
		}
		if (!nt)
			break;
		char list[512] = "";
		for (size_t i = 0; i < nt; i++) {
			char names[256];
			variations_list(tests[i], names, sizeof names);
			size_t l = strlen(list);
			snprintf(list + l, sizeof list - l, "%s%s", i ? " | " : "", names);
			vary[i] = BASE | tests[i];
		}
		build_notef(s->job->o, NOTE_PROGRESS, "    round %u: %s", s->rounds + 1, list);
		bool d[2 * N_VARIATIONS];
		TRY(run_tests(s, vary, nt, d, err));
		np = 0;
		for (size_t i = 0; i < npar; i++) {
			if (d[2 * i])
				pos[np++] = tests[2 * i];
			if (d[2 * i + 1])
				pos[np++] = tests[2 * i + 1];
			if (!d[2 * i] && !d[2 * i + 1])
				*combos |= parent[i];
		}
	}
	return 0;
}

static void verdict_of(bool clock, unsigned culprits, unsigned combos, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	if (clock)
		o += (size_t)snprintf(out + o, len - o, "wall clock (build B ran later)");
	for (unsigned i = 0; i < N_VARIATIONS && o < len; i++)
		if (culprits & (1u << i))
			o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "; " : "", variation_name(1u << i));
	if (combos && o < len) {
		char names[512];
		variations_list(combos, names, sizeof names);
		o += (size_t)snprintf(out + o, len - o, "%sno single variation (only a combination of: %s)",
				      o ? "; " : "", names);
	}
	if (!o)
		snprintf(out, len, "no cause found: every build of the search agreed (a nondeterminism too rare "
			 "for two builds to show?)");
}

/* How much of each differing file the clues are looked for in. */
#define CLUE_BYTES (64u << 20)

/* Whether the file holds needle more often than the longer clue that
 * contains it (the hostname is part of the build path). */
static bool holds(const char *path, const char *needle, const char *longer)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return false;
	size_t n = (size_t)st.st_size < CLUE_BYTES ? (size_t)st.st_size : CLUE_BYTES;
	void *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return false;
	size_t count = 0, in_longer = 0, nl = strlen(needle);
	for (const char *at = p; (at = memmem(at, n - (size_t)(at - (const char *)p), needle, nl)); at++)
		count++;
	if (longer)
		for (const char *at = p; (at = memmem(at, n - (size_t)(at - (const char *)p), longer, strlen(longer))); at++)
			in_longer++;
	munmap(p, n);
	return count > in_longer;
}

/* The variations B's output points at: its build path or its hostname in
 * a file that differs (and whose A lacks it).  A dear build tests them
 * first. */
static unsigned clues(const struct comparison *c, const char *stage_a, const char *stage_b)
{
	static const struct { const char *token, *longer; unsigned vary; } clue[] = {
		{ VARIED_BUILD_PATH, NULL, VARY_PATH },
		{ VARIED_HOSTNAME, VARIED_BUILD_PATH, VARY_UNAME },
	};
	unsigned found = 0;
	for (size_t i = 0; i < c->n && i < 20; i++) {
		if (strcmp(c->diffs[i].what, "content") && strcmp(c->diffs[i].what, "size"))
			continue;
		char fa[PATH_MAX * 2], fb[PATH_MAX * 2];
		snprintf(fa, sizeof fa, "%s/out%s", stage_a, c->diffs[i].path);
		snprintf(fb, sizeof fb, "%s/out%s", stage_b, c->diffs[i].path);
		for (size_t k = 0; k < sizeof clue / sizeof *clue; k++)
			if (!(found & clue[k].vary) && holds(fb, clue[k].token, clue[k].longer) &&
			    !holds(fa, clue[k].token, clue[k].longer))
				found |= clue[k].vary;
	}
	return found;
}

int culprit_search(const struct build_job *job, const char *stage_a, const char *stage_b,
		   const struct comparison *c, double seconds, char *verdict, size_t len, struct cl_err *err)
{
	struct search s = { .job = job, .cheap = seconds < CHEAP_SECONDS, .base = STAGE_NONE };
	s.width = job->o->jobs > 2 ? job->o->jobs : 2;
	const unsigned others = VARY_ALL & ~BASE;
	double t0 = clock_wall_s();

	/* Round 1: two builds under BASE (is the build deterministic with
	 * address randomization off?), one with it on (does it matter?), one
	 * with every variation (compared with B, which ran earlier under the
	 * same conditions: does the clock matter?  compared with the base: do
	 * the other variations?) and, for a cheap build, one per variation. */
	struct probe r1[6 + N_VARIATIONS];
	size_t n = 0;
	r1[n++].vary = BASE;
	r1[n++].vary = BASE;
	r1[n++].vary = 0;
	r1[n++].vary = VARY_ALL;
	for (unsigned i = 0; s.cheap && i < N_VARIATIONS; i++)
		if (others & (1u << i))
			r1[n++].vary = BASE | (1u << i);
	/* a dear build starts from its clues: the suspects together, and
	 * every other variation together (nothing else matters if that one
	 * agrees with the base) */
	unsigned suspects = s.cheap ? 0 : clues(c, stage_a, stage_b);
	char names[300] = "";
	if (suspects) {
		r1[n++].vary = BASE | suspects;
		r1[n++].vary = BASE | (others & ~suspects);
		variations_list(suspects, names, sizeof names);
	}
	build_notef(job->o, NOTE_PROGRESS, "    searching for the cause: %zu builds at once (two with address "
		    "randomization off, one with it on, one with every variation%s%s%s)", n,
		    s.cheap ? ", one per variation" : "", suspects ? "; B's output points at: " : "", names);
	bool overran;
	TRY(run_round(&s, r1, n, n, true, &overran, err));
	int d[6 + N_VARIATIONS] = { 0 };
	/* d[0]: every variation now against B, earlier; d[i]: build i
	 * against the base */
	int r = d[0] = differ(&s, r1[3].stage.path, stage_b, err);
	for (size_t i = 1; i < n && r >= 0; i++)
		r = d[i] = differ(&s, r1[i].stage.path, r1[0].stage.path, err);
	if (r < 0) {
		drop_all(r1, n);
		return r;
	}
	s.clock = d[0];
	bool nondet = d[1], aslr = d[2], rest = d[3];
	/* the singles of a cheap round 1 count if the clock cannot have
	 * separated them from the base */
	bool singles = s.cheap && (!s.clock || !overran);
	unsigned culprits = 0, combos = 0, differed = 0;
	for (size_t i = 4, b = 0; s.cheap && i < n; i++, b++) {
		while (!(others & (1u << b)))
			b++;
		if (d[i])
			differed |= 1u << b;
	}
	if (singles)
		culprits = differed;
	/* the base build stays, lock and all */
	s.base = r1[0].stage;
	r1[0].stage = (struct stage)STAGE_NONE;
	drop_all(r1, n);
	bool decided = false;  /* the overrun path below settles the variations itself */
	if (s.clock && overran && s.cheap) {
		/* The clock matters and round 1 outlasted its second: its builds
		 * may have read different seconds.  Its controls are made again,
		 * with the singles that differed, in rounds that end within their
		 * second; a single that agreed is cleared (a clock read elsewhere
		 * adds differences, it takes none away). */
		unsigned v[2 + N_VARIATIONS] = { BASE, 0 }, bit[N_VARIATIONS];
		size_t k = 0;
		for (unsigned b = 0; b < N_VARIATIONS; b++)
			if (differed & (1u << b))
				bit[k] = 1u << b, v[2 + k++] = BASE | (1u << b);
		char names[300];
		variations_list(differed, names, sizeof names);
		build_notef(job->o, NOTE_PROGRESS, "    the clock matters and round 1 outlasted its second: the controls "
			    "again, a few builds at a time, and the singles that differed (%s)", names);
		bool dd[2 + N_VARIATIONS];
		if ((r = run_tests(&s, v, 2 + k, dd, err)) < 0) {
			stage_drop(&s.base);
			return r;
		}
		nondet = dd[0], aslr = dd[1];
		for (size_t i = 0; i < k; i++)
			if (dd[2 + i])
				culprits |= bit[i];
		if (!nondet && !culprits) {
			/* no single: do the others matter at all, together? */
			unsigned all = VARY_ALL;
			if ((r = run_tests(&s, &all, 1, dd, err)) < 0) {
				stage_drop(&s.base);
				return r;
			}
			if (dd[0])
				combos = others;
		}
		decided = true;
	}
	if (nondet) {
		stage_drop(&s.base);
		snprintf(verdict, len, "nondeterminism (two builds under the same conditions, started together with "
			 "address randomization off, differ: randomness, a race, or the clock below one second)");
		build_notef(job->o, NOTE_PROGRESS, "    %u builds in %u round%s, %.1f s", s.builds, s.rounds,
			    s.rounds == 1 ? "" : "s", clock_wall_s() - t0);
		return 0;
	}
	if (aslr)
		culprits |= VARY_ASLR;
	if (decided) {
		/* settled above */
	} else if (rest && suspects) {
		/* d[4]: the suspects against the base, d[5]: the rest */
		if (d[4])
			r = popcount(suspects) == 1 ? (culprits |= suspects, 0) : bisect(&s, suspects, &culprits, &combos, err);
		if (r >= 0 && d[5])
			r = bisect(&s, others & ~suspects, &culprits, &combos, err);
		if (r >= 0 && !d[4] && !d[5])
			combos = others;
	} else if (rest && !singles)
		r = bisect(&s, others, &culprits, &combos, err);
	else if (rest && !(culprits & others))
		combos = others;
	stage_drop(&s.base);
	if (r < 0)
		return r;
	verdict_of(s.clock, culprits, combos, verdict, len);
	build_notef(job->o, NOTE_PROGRESS, "    %u builds in %u round%s, %.1f s", s.builds, s.rounds,
		    s.rounds == 1 ? "" : "s", clock_wall_s() - t0);
	return 0;
}
