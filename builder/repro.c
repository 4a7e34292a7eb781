#define _GNU_SOURCE
#include "repro.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/fdio.h"
#include "../common/fsutil.h"
#include "compare.h"
#include "inputs.h"
#include "termsafe.h"
#include "diffoscope.h"
#include "../sandbox/sandbox.h"
#include "recipe.h"
#include "sources.h"
#include "tree.h"
#include "variations.h"
#include "worker.h"


static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	double d = t - now_s();
	if (d > 0) {
		struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

/* Outputs are compared as the store would publish them: mtimes fixed,
 * modes canonical (with the recipe's `mode:` lines).  What publishing
 * erases is no difference. */
static int normalize_out(const struct recipe *r, const char *stage, struct cl_err *err)
{
	char out[PATH_MAX + 16], file[PATH_MAX + 16];
	struct path_modes modes;
	recipe_modes(r, file, sizeof file, &modes);
	TRY(pathf(err, out, sizeof out, "%s/out", stage));
	TRY(tree_clamp_mtimes(out, (time_t)r->source_date_epoch, err));
	return tree_canonical_modes(out, &modes, err);
}

static int compare_outs_of(const struct recipe *r, const char *stage_a, const char *stage_b,
			   struct comparison *c, struct cl_err *err)
{
	char a[PATH_MAX + 16], b[PATH_MAX + 16];
	TRY(normalize_out(r, stage_a, err));
	TRY(normalize_out(r, stage_b, err));
	TRY(pathf(err, a, sizeof a, "%s/out", stage_a));
	TRY(pathf(err, b, sizeof b, "%s/out", stage_b));
	return compare_trees(a, b, c, err);
}
#define compare_outs(a, b, c, err) compare_outs_of(job->r, a, b, c, err)

static void drop(char *stage)
{
	struct cl_err ignore;
	if (stage[0])
		remove_tree(stage, &ignore);
	stage[0] = '\0';
}

/* One variant built in a worker while the caller builds another; it
 * reports the stage it built. */
struct variant_args {
	const struct build_job *job;
	unsigned vary;
	double delay;
	int nice;
};

static int variant_main(void *arg, FILE *result, struct cl_err *err)
{
	const struct variant_args *a = arg;
	char stage[PATH_MAX] = "";
	/* lowering our own priority needs no privilege; the sandbox inherits
	 * it.  Under a cloister already niced further, setting the lower
	 * value would raise the priority, which needs privilege: keep it. */
	errno = 0;
	int current = getpriority(PRIO_PROCESS, 0);
	bool lower = a->nice > 0 && !(errno == 0 && current >= a->nice);
	if (lower && setpriority(PRIO_PROCESS, 0, a->nice) < 0)
		return cl_err_set(err, errno, "setpriority");
	if (a->delay > 0)
		sleep_until(now_s() + a->delay);
	TRY(build_variant(a->job, a->vary, stage, sizeof stage, err));
	fputs(stage, result);
	return 0;
}

static int collect_variant(const struct build_job *job, struct worker *w, char *stage, size_t len,
			   struct cl_err *err)
{
	char *report;
	stage[0] = '\0';
	int r = worker_wait(w, "a varied build", &report, err);
	if (r < 0) {
		/* whatever failed inside, for the user it is a failed build */
		cl_err_prefix(err, "%s %s: a varied build failed", job->r->name, job->r->version);
		err->code = EIO;
		return -EIO;
	}
	r = pathf(err, stage, len, "%s", report);
	free(report);
	return r;
}

/* The niceness of a build that runs beside one confined to a single CPU
 * (the job-count variation).  The confined build is the long pole: at
 * equal priority the other build's jobs share its CPU, and it ends alone
 * on one CPU while the rest idle.  Yielding, the other build's jobs move
 * to the other CPUs and fill the idle time of the confined one. */
#define YIELD_NICE 10

/* Two builds at once, the first started after delay: one in a child
 * process, the other here.  On failure both stages are gone and the first
 * error wins. */
static int build_two(const struct build_job *job, unsigned vary1, double delay1, char *stage1,
		     unsigned vary2, char *stage2, size_t len, struct cl_err *err)
{
	/* the build that yields must be the child: a process cannot take back
	 * the priority it gave up */
	bool yield2 = (vary1 & VARY_JOBS) && !(vary2 & VARY_JOBS);
	bool yield1 = (vary2 & VARY_JOBS) && !(vary1 & VARY_JOBS);
	unsigned child_vary = yield2 ? vary2 : vary1, here_vary = yield2 ? vary1 : vary2;
	char *child_stage = yield2 ? stage2 : stage1, *here_stage = yield2 ? stage1 : stage2;
	double child_delay = yield2 ? 0 : delay1;
	struct variant_args a = { job, child_vary, child_delay, yield1 || yield2 ? YIELD_NICE : 0 };
	struct worker w;

	TRY(worker_start(&w, variant_main, &a, err));
	if (yield2 && delay1 > 0)
		sleep_until(now_s() + delay1);
	int r = build_variant(job, here_vary, here_stage, len, err);
	struct cl_err cerr = { 0 };
	int rc = collect_variant(job, &w, child_stage, len, &cerr);
	if (r == 0 && rc < 0) {
		*err = cerr;
		r = rc;
	}
	if (r < 0) {
		drop(child_stage);
		drop(here_stage);
	}
	return r;
}

/* Two builds at the same moment: their outputs can differ only by the
 * variations between them, or by chance. */
static int build_pair(const struct build_job *job, unsigned v1, unsigned v2, char *s1, char *s2,
		      size_t len, struct cl_err *err)
{
	/* start on a fresh second, so that a build reading the clock once
	 * sees the same second in both */
	sleep_until((double)(time_t)now_s() + 1.01);
	return build_two(job, v1, 0, s1, v2, s2, len, err);
}

/* Does the pair (v1, v2) differ?  1 yes, 0 no, negative on error. */
static int pair_differs(const struct build_job *job, unsigned v1, unsigned v2, char *keep, size_t len,
			struct cl_err *err)
{
	char s1[PATH_MAX] = "", s2[PATH_MAX] = "";
	struct comparison c;
	TRY(build_pair(job, v1, v2, s1, s2, sizeof s1, err));
	int r = compare_outs(s1, s2, &c, err);
	int differs = r == 0 && c.n > 0;
	if (r == 0)
		comparison_free(&c);
	if (keep && r == 0) {
		/* the caller wants one of the baseline builds (v1) */
		snprintf(keep, len, "%s", s1);
		s1[0] = '\0';
	}
	drop(s1);
	drop(s2);
	return r < 0 ? r : differs;
}

/* Which factors make A and B differ; appended to out ("build path; umask"). */
static int find_culprits(const struct build_job *job, const char *stage_a, char *out, size_t len,
			 struct cl_err *err)
{
	size_t o = 0;
	out[0] = '\0';
	if (!job->o->quiet)
		fprintf(stderr, "    searching for the cause: one variation at a time\n");
	char c[PATH_MAX] = "";
	int d = pair_differs(job, 0, 0, c, sizeof c, err);
	if (d < 0)
		return d;
	if (d) {
		drop(c);
		snprintf(out, len, "nondeterminism (two identical builds at the same time differ: "
			 "randomness, a race, or the clock below one second)");
		return 0;
	}
	/* C: A's conditions, later: only the clock differs from A */
	struct comparison cmp;
	int r = compare_outs(stage_a, c, &cmp, err);
	drop(c);
	if (r < 0)
		return r;
	if (cmp.n)
		o += (size_t)snprintf(out + o, len - o, "%swall clock (build B ran later)", o ? "; " : "");
	comparison_free(&cmp);
	for (unsigned i = 0; i < N_VARIATIONS; i++) {
		d = pair_differs(job, 0, 1u << i, NULL, 0, err);
		if (d < 0)
			return d;
		if (d && o < len)
			o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "; " : "", variation_name(1u << i));
	}
	if (!o)
		snprintf(out, len, "no single variation (only their combination)");
	return 0;
}

static void write_json(const char *path, const struct comparison *c, const char *culprits,
		       double b_later, bool checked_stored)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	fprintf(f, "{\n  \"checked\": true,\n  \"identical\": %s,\n  \"variations\": [", c->n ? "false" : "true");
	for (unsigned i = 0; i < N_VARIATIONS; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", variation_name(1u << i));
	fprintf(f, ", \"wall clock\"],\n  \"b_ran_later_by_seconds\": %.1f,\n  \"paths_compared\": %zu,\n",
		b_later, c->paths);
	if (checked_stored)
		fprintf(f, "  \"checked_against\": \"the stored output\",\n");
	if (culprits)
		fprintf(f, "  \"differs_when\": \"%s\",\n", culprits);
	fprintf(f, "  \"differences\": ");
	comparison_json(c, f);
	fprintf(f, "\n}\n");
	fclose(f);
	struct cl_err ignore;
	write_file_atomic(path, buf, len, 0444, &ignore);
	free(buf);
}

/* diffoscope, where it is installed: its report for each differing file,
 * made in a sandbox (diffoscope.h).  Without it, no report file at all. */
static void run_diffoscope(const struct comparison *c, const char *a, const char *b, const char *dir)
{
	char prog[PATH_MAX];
	if (!diffoscope_find(prog, sizeof prog))
		return;
	size_t done = 0;
	for (size_t i = 0; i < c->n && done < 5; i++) {
		if (strcmp(c->diffs[i].what, "content") && strcmp(c->diffs[i].what, "size"))
			continue;
		char ta[PATH_MAX + 8], tb[PATH_MAX + 8], out[PATH_MAX + 64];
		struct cl_err e = { 0 };
		if (pathf(&e, ta, sizeof ta, "%s/out", a) < 0 || pathf(&e, tb, sizeof tb, "%s/out", b) < 0 ||
		    pathf(&e, out, sizeof out, "%s/diffoscope-%zu.txt", dir, done + 1) < 0)
			continue;
		char name[termsafe_room(sizeof c->diffs[i].path)];
		termsafe_str(c->diffs[i].path, name, sizeof name);
		int r = diffoscope_run(prog, ta, tb, c->diffs[i].path, out, &e);
		if (r < 0) {
			fprintf(stderr, "    diffoscope could not run for %s: %s\n", name, e.msg);
			unlink(out);
			return;
		}
		fprintf(stderr, "    diffoscope's report for %s: %s%s\n", name, out,
			r == SANDBOX_EXIT_TIMEOUT ? " (cut short: it timed out)" : "");
		done++;
	}
}

/* Keeps A and B under store/tmp/NAME-VERSION-HASH/ for inspection. */
static int keep_pair(const struct build_job *job, const char *stage_a, const char *stage_b, char *dir,
		     size_t len, struct cl_err *err)
{
	char base[PATH_MAX], a[PATH_MAX + 8], b[PATH_MAX + 8];
	TRY(pathf(err, base, sizeof base, "%s/store/tmp", job->o->home));
	TRY(mkdir_p(base, 0755, err));
	TRY(pathf(err, dir, len, "%s/%s-%s-%.16s", base, job->r->name, job->r->version, job->in->hash));
	struct cl_err ignore;
	remove_tree(dir, &ignore);
	if (mkdir(dir, 0755) < 0)
		return cl_err_set(err, errno, "creating %s", dir);
	TRY(pathf(err, a, sizeof a, "%s/a", dir));
	TRY(pathf(err, b, sizeof b, "%s/b", dir));
	if (rename(stage_a, a) < 0 || rename(stage_b, b) < 0)
		return cl_err_set(err, errno, "keeping the pair in %s", dir);
	return 0;
}

int repro_build_ab(const struct build_job *job, char *stage_a, char *stage_b, size_t len,
		   double *b_later, struct cl_err *err)
{
	/* B runs alongside A, started a second later (the wall clock is a
	 * variation) and confined to one CPU (the job count is another): on a
	 * machine with CPUs to spare the second build costs little time. */
	*b_later = 1.1;
	return build_two(job, VARY_ALL, *b_later, stage_b, 0, stage_a, len, err);
}

int repro_check(const struct build_job *job, const char *stage_a, char *stage_b, double b_later,
		const struct store_entry *stored, struct cl_err *err)
{
	struct comparison c;

	int r = compare_outs(stage_a, stage_b, &c, err);
	if (r < 0) {
		drop(stage_b);
		return r;
	}
	char json[PATH_MAX + 32];
	if (c.n == 0) {
		drop(stage_b);
		if (stored) {
			/* `cloister check`: A (normalized above) against the stored output */
			char out[PATH_MAX + 16], sout[PATH_MAX + 16];
			struct comparison s;
			if ((r = pathf(err, out, sizeof out, "%s/out", stage_a)) < 0 ||
			    (r = pathf(err, sout, sizeof sout, "%s/out", stored->path)) < 0 ||
			    (r = compare_trees(sout, out, &s, err)) < 0) {
				comparison_free(&c);
				return r;
			}
			if (s.n) {
				comparison_print(&s, sout, out, 20, stderr);
				comparison_free(&s);
				comparison_free(&c);
				return cl_err_in(err, CL_UNREPRODUCIBLE, EIO, "%s %s: the two new builds agree, but differ from the stored "
						  "output %s", job->r->name, job->r->version, stored->path);
			}
			fprintf(stderr, "    %s %s: A, B and the stored output are identical (%zu paths)\n",
				job->r->name, job->r->version, c.paths);
			comparison_free(&s);
		}
		if ((r = pathf(err, json, sizeof json, "%s/reproducibility.json", stage_a)) == 0)
			write_json(json, &c, NULL, b_later, stored != NULL);
		comparison_free(&c);
		return r;
	}

	/* different: say where, find why, keep both */
	fprintf(stderr, "%s %s is NOT reproducible:\n", job->r->name, job->r->version);
	comparison_print(&c, "build A", "build B (varied)", 20, stderr);
	char culprits[1024];
	r = find_culprits(job, stage_a, culprits, sizeof culprits, err);
	if (r < 0) {
		comparison_free(&c);
		drop(stage_b);
		return r;
	}
	fprintf(stderr, "    differs when: %s\n", culprits);
	char dir[PATH_MAX];
	if ((r = keep_pair(job, stage_a, stage_b, dir, sizeof dir, err)) < 0) {
		comparison_free(&c);
		drop(stage_b);
		return r;
	}
	char a[PATH_MAX + 8], b[PATH_MAX + 8];
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	if (pathf(err, json, sizeof json, "%s/reproducibility.json", dir) == 0)
		write_json(json, &c, culprits, b_later, false);
	run_diffoscope(&c, a, b, dir);
	size_t n = c.n;
	comparison_free(&c);
	/* the stage_a path is gone now: tell the caller not to remove it */
	((char *)stage_a)[0] = '\0';
	return cl_err_in(err, CL_UNREPRODUCIBLE, EIO, "%s %s is not reproducible: %zu difference%s; differs when: %s. Both builds "
			  "are kept in %s (a/ and b/, with reproducibility.json); `cloister gc` removes them",
			  job->r->name, job->r->version, n, n == 1 ? "" : "s", culprits, dir);
}

int repro_check_stored(const struct build_job *job, struct store_entry *e, struct cl_err *err)
{
	char stage_b[PATH_MAX] = "", out[PATH_MAX + 16], sout[PATH_MAX + 16], json[PATH_MAX + 32];
	struct comparison c;
	TRY(sources_fetch(job->o->home, job->r, &job->o->fetch, job->o->quiet, err));
	TRY(build_variant(job, VARY_ALL, stage_b, sizeof stage_b, err));
	int r;
	if ((r = normalize_out(job->r, stage_b, err)) < 0 ||
	    (r = pathf(err, out, sizeof out, "%s/out", stage_b)) < 0 ||
	    (r = pathf(err, sout, sizeof sout, "%s/out", e->path)) < 0 ||
	    (r = compare_trees(sout, out, &c, err)) < 0) {
		drop(stage_b);
		return r;
	}
	if (c.n) {
		fprintf(stderr, "%s %s is NOT reproducible (stored build vs a varied rebuild):\n", job->r->name,
			job->r->version);
		comparison_print(&c, sout, out, 20, stderr);
		comparison_free(&c);
		drop(stage_b);
		return cl_err_in(err, CL_UNREPRODUCIBLE, EIO, "%s %s: a varied rebuild differs from the unchecked stored output %s",
				  job->r->name, job->r->version, e->path);
	}
	drop(stage_b);
	/* the entry's one mutable file: its verdict, replaced atomically */
	if ((r = pathf(err, json, sizeof json, "%s/reproducibility.json", e->path)) == 0)
		write_json(json, &c, NULL, 0, true);
	comparison_free(&c);
	return r;
}
