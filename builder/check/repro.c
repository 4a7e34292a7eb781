#define _GNU_SOURCE
#include "repro.h"

#include <errno.h>
#include <pthread.h>
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

#include "../../common/clock.h"
#include "../../common/thread.h"
#include "../../common/fdio.h"
#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../../common/lockdir.h"
#include "compare.h"
#include "culprit.h"
#include "explain.h"
#include "../plan/inputs.h"
#include "../build/outcome.h"
#include "../../common/termsafe.h"
#include "diffoscope.h"
#include "../../sandbox/sandbox.h"
#include "../plan/recipe.h"
#include "../fetch/sources.h"
#include "../store/tree.h"
#include "../build/variations.h"
#include "../build/worker.h"
#include "../build/output_pass.h"
#include "../build/publish_check.h"





/* One variant built in a worker while the caller builds another, into a
 * stage the caller made (and owns: its lock outlives the worker). */
struct variant_args {
	const struct build_job *job;
	unsigned vary;
	double delay;
	int nice;
	struct stage *stage;
};

static int variant_main(void *arg, FILE *result, struct cl_err *err)
{
	(void)result;
	const struct variant_args *a = arg;
	/* lowering our own priority needs no privilege; the sandbox inherits
	 * it.  Already lower (cloister run under nice 15), it stays: raising
	 * it back would need CAP_SYS_NICE. */
	errno = 0;
	int now = getpriority(PRIO_PROCESS, 0);
	if (a->nice > 0 && (errno || now < a->nice) && setpriority(PRIO_PROCESS, 0, a->nice) < 0)
		return cl_err_set(err, errno, "setpriority");
	if (a->delay > 0)
		clock_sleep_until_wall(clock_wall_s() + a->delay);
	return build_variant(a->job, a->vary, a->stage, err);
}

static int collect_variant(const struct build_job *job, struct worker *w, struct cl_err *err)
{
	char *report;
	int r = worker_wait(w, "a varied build", &report, err);
	if (r < 0) {
		/* whatever failed inside, for the user it is a failed build */
		cl_err_prefix(err, "%s %s: a varied build failed", job->r->name, job->r->version);
		err->code = EIO;
		return -EIO;
	}
	free(report);
	return 0;
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
static int build_two(const struct build_job *job, unsigned vary1, double delay1, struct stage *stage1,
		     unsigned vary2, struct stage *stage2, struct cl_err *err)
{
	/* the build that yields must be the child: a process cannot take back
	 * the priority it gave up */
	bool yield2 = (vary1 & VARY_JOBS) && !(vary2 & VARY_JOBS);
	bool yield1 = (vary2 & VARY_JOBS) && !(vary1 & VARY_JOBS);
	unsigned child_vary = yield2 ? vary2 : vary1, here_vary = yield2 ? vary1 : vary2;
	struct stage *child_stage = yield2 ? stage2 : stage1, *here_stage = yield2 ? stage1 : stage2;
	double child_delay = yield2 ? 0 : delay1;
	struct variant_args a = { job, child_vary, child_delay, yield1 || yield2 ? YIELD_NICE : 0, child_stage };
	struct worker w;

	/* the child's stage is made here, before the fork: its lock is ours
	 * too, and stays when the child exits */
	TRY(stage_make(job->o->home, child_stage, err));
	int r = worker_start(&w, variant_main, &a, err);
	if (r < 0) {
		stage_drop(child_stage);
		return r;
	}
	if (yield2 && delay1 > 0)
		clock_sleep_until_wall(clock_wall_s() + delay1);
	r = build_variant(job, here_vary, here_stage, err);
	struct cl_err cerr = { 0 };
	int rc = collect_variant(job, &w, &cerr);
	if (r == 0 && rc < 0) {
		*err = cerr;
		r = rc;
	}
	if (r < 0) {
		stage_drop(child_stage);
		stage_drop(here_stage);
	}
	return r;
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
static void run_diffoscope(const struct build_job *job, const struct comparison *c, const char *a, const char *b,
			   const char *dir)
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
			build_notef(job->o, NOTE_FINDING, "    diffoscope could not run for %s: %s", name, e.msg);
			unlink(out);
			return;
		}
		build_notef(job->o, NOTE_FINDING, "    diffoscope's report for %s: %s%s", name, out,
			    r == SANDBOX_EXIT_TIMEOUT ? " (cut short: it timed out)" : "");
		done++;
	}
}

/* Keeps A and B under store/tmp/NAME-VERSION-HASH/ for inspection; the
 * stages are moved there (and given up). */
static int keep_pair(const struct build_job *job, struct stage *stage_a, struct stage *stage_b, char *dir,
		     size_t len, struct cl_err *err)
{
	char base[PATH_MAX], a[PATH_MAX + 8], b[PATH_MAX + 8];
	if (!recipe_name_valid(job->r->name) || !recipe_version_valid(job->r->version))
		return cl_err_msg(err, EINVAL, "%s: not a name and version to keep a pair under", job->r->dir);
	TRY(pathf(err, base, sizeof base, "%s/store/tmp", job->o->home));
	TRY(mkdir_p(base, 0755, err));
	TRY(pathf(err, dir, len, "%s/%s-%s-%.16s", base, job->r->name, job->r->version, job->in->hash));
	struct cl_err ignore;
	remove_tree(dir, &ignore);
	/* locked while it fills: gc leaves a pair being kept alone */
	_cleanup_close_ int lock = lockdir_create_named(dir, err);
	if (lock < 0)
		return lock;
	TRY(pathf(err, a, sizeof a, "%s/a", dir));
	TRY(pathf(err, b, sizeof b, "%s/b", dir));
	if (rename(stage_a->path, a) < 0 || rename(stage_b->path, b) < 0)
		return cl_err_set(err, errno, "keeping the pair in %s", dir);
	stage_release(stage_a);
	stage_release(stage_b);
	return 0;
}

/* The sources, unpacked once for A, B and the culprit search: each build
 * clones them (sharing blocks where the filesystem can) instead of
 * unpacking.  File sources are read from a snapshot of the recipe folder,
 * checked against the input hash like every build's. */
static int unpack_once(const struct build_job *job, struct repro_ab *ab, struct cl_err *err)
{
	char recipe[PATH_MAX + 16];
	ab->sources_stage = (struct stage)STAGE_NONE;
	ab->sources[0] = ab->srcdir[0] = '\0';
	if (job->r->n_sources == 0)
		return 0;
	TRY(stage_make(job->o->home, &ab->sources_stage, err));
	int r = pathf(err, ab->sources, sizeof ab->sources, "%s/build", ab->sources_stage.path);
	if (r == 0)
		r = pathf(err, recipe, sizeof recipe, "%s/recipe", ab->sources_stage.path);
	if (r == 0)
		r = inputs_snapshot(job->r, job->in, recipe, err);
	if (r == 0)
		r = sources_unpack(job->o->home, job->r, recipe, ab->sources, ab->srcdir, sizeof ab->srcdir, err);
	if (r < 0)
		repro_ab_release(ab);
	return r;
}

void repro_ab_release(struct repro_ab *ab)
{
	stage_drop(&ab->sources_stage);
	ab->sources[0] = '\0';
}

/* The job, with the sources from the unpacked copy when there is one. */
static struct build_job with_sources(const struct build_job *job, const struct repro_ab *ab)
{
	struct build_job j = *job;
	if (ab->sources[0]) {
		j.unpacked = ab->sources;
		j.unpacked_srcdir = ab->srcdir;
	}
	return j;
}

int repro_build_ab(const struct build_job *job, struct stage *stage_a, struct stage *stage_b, struct repro_ab *ab,
		   struct cl_err *err)
{
	/* B runs alongside A, started a second later (the wall clock is a
	 * variation) and confined to one CPU (the job count is another): on a
	 * machine with CPUs to spare the second build costs little time. */
	TRY(unpack_once(job, ab, err));
	struct build_job j = with_sources(job, ab);
	double t0 = clock_wall_s();
	ab->b_later = 1.1;
	int r = build_two(&j, VARY_ALL, ab->b_later, stage_b, 0, stage_a, err);
	ab->seconds = clock_wall_s() - t0;
	if (r < 0)
		repro_ab_release(ab);
	return r;
}

static const char label_a[] = "A (as built normally)";

/* "B (varied: build path, ...; 1.1 s later)" */
static void label_b(const struct repro_ab *ab, char *out, size_t len)
{
	char names[512];
	variations_list(VARY_ALL, names, sizeof names);
	snprintf(out, len, "B (varied: %s; started %.1f s later)", names, ab->b_later);
}

/* Files whose content differs get the structural view (explain.h), the
 * first few of them: each is bounded, but not their number. */
#define EXPLAINED_FILES 5

/* The report of a difference: the differing paths, at most limit, each
 * with what differs and, given the two trees, where in the file's
 * structure. */
static void note_differences(const struct build_job *job, const struct comparison *c, const char *la,
			     const char *lb, size_t limit, const char *header, const char *tree_a, const char *tree_b)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	if (!f)
		return;
	fprintf(f, "%s%s%zu difference%s between\n  %s\n  %s\n", header, *header ? " " : "", c->n,
		c->n == 1 ? "" : "s", la, lb);
	size_t explained = 0;
	for (size_t i = 0; i < c->n && (!limit || i < limit); i++) {
		char path[termsafe_room(sizeof c->diffs[i].path)], detail[termsafe_room(sizeof c->diffs[i].detail)];
		fprintf(f, "  %s: %s: %s\n", termsafe_str(c->diffs[i].path, path, sizeof path), c->diffs[i].what,
			termsafe_str(c->diffs[i].detail, detail, sizeof detail));
		if (!tree_a || explained == EXPLAINED_FILES ||
		    (strcmp(c->diffs[i].what, "content") && strcmp(c->diffs[i].what, "size")))
			continue;
		char fa[PATH_MAX * 2], fb[PATH_MAX * 2];
		struct cl_err ignore;
		if (pathf(&ignore, fa, sizeof fa, "%s%s", tree_a, c->diffs[i].path) == 0 &&
		    pathf(&ignore, fb, sizeof fb, "%s%s", tree_b, c->diffs[i].path) == 0 &&
		    explain_files(fa, fb, "      ", f, &ignore) >= 0)
			explained++;
	}
	if (limit && c->n > limit)
		fprintf(f, "  ... and %zu more (all of them in reproducibility.json)\n", c->n - limit);
	if (fclose(f) == 0 && blen && buf[blen - 1] == '\n')
		buf[blen - 1] = '\0';
	if (buf)
		build_notef(job->o, NOTE_FINDING, "%s", buf);
	free(buf);
}

/* Two trees the output pass went over: equal manifests are equal trees
 * (every path, type, mode, size, digest, link target and hard link), and
 * nothing is read again; otherwise the comparator says where they differ. */
static int compare_made(const char *tree_a, const char *tree_b, const char *ma, size_t la, const char *mb,
			size_t lb, unsigned long long files, unsigned long long bytes, struct comparison *c,
			struct cl_err *err)
{
	if (la == lb && memcmp(ma, mb, la) == 0) {
		*c = (struct comparison){ .paths = (size_t)files, .bytes = 2 * bytes };
		return 0;
	}
	return compare_trees(tree_a, tree_b, c, err);
}

/* The stored entry's manifest, made anew from its out/: the check is
 * against what the store holds, not against what its manifest file says
 * (which a changed entry would not have changed). */
static int stored_manifest(const struct store_entry *e, char **text, size_t *len, struct cl_err *err)
{
	char out[PATH_MAX + 16];
	TRY(pathf(err, out, sizeof out, "%s/out", e->path));
	return tree_manifest(out, text, len, err);
}

/* The culprit search's pairs: compared as the store would publish them
 * (the output pass: mtimes fixed, modes canonical with the recipe's
 * `mode:` lines; what publishing erases is no difference), without the
 * limits, the deadline or the host-facts scan, which concern what is
 * published, not what is searched. */
static int pass_only(const struct build_job *job, const char *out, struct output_pass *p, struct cl_err *err)
{
	char file[PATH_MAX + 16];
	struct path_modes modes;
	recipe_modes(job->r, file, sizeof file, &modes);
	const struct output_pass_opts o = { .epoch = (time_t)job->r->source_date_epoch, .modes = &modes };
	return output_pass_run(out, &o, p, err);
}

int repro_compare(const struct build_job *job, const char *stage_a, const char *stage_b, struct comparison *c,
		  struct cl_err *err)
{
	char a[PATH_MAX + 16], b[PATH_MAX + 16];
	struct output_pass pa = { 0 }, pb = { 0 };
	int r = pathf(err, a, sizeof a, "%s/out", stage_a);
	if (r == 0)
		r = pathf(err, b, sizeof b, "%s/out", stage_b);
	if (r == 0)
		r = pass_only(job, a, &pa, err);
	if (r == 0)
		r = pass_only(job, b, &pb, err);
	if (r == 0)
		r = compare_made(a, b, pa.manifest, pa.len, pb.manifest, pb.len, pa.files, pa.bytes, c, err);
	output_pass_free(&pa);
	output_pass_free(&pb);
	return r;
}

/* B's output pass, in a thread of its own beside A's */
struct pass_b {
	const struct build_job *job;
	const char *stage;
	struct output_pass *p;
	int rc;
	struct cl_err err;
};

static void *pass_b_main(void *arg)
{
	struct pass_b *b = arg;
	b->rc = publish_pass(b->job, b->stage, b->job->started, false, b->p, &b->err);
	return NULL;
}

static int check_pair(const struct build_job *job, struct stage *stage_a, struct stage *stage_b, const struct repro_ab *ab,
		      const struct store_entry *stored, struct output_pass *pa, struct cl_err *err)
{
	struct comparison c;
	struct output_pass pb = { 0 };
	char out_a[PATH_MAX + 16], out_b[PATH_MAX + 16];

	/* one pass over each output, both at once (each is CPU-bound: hashing
	 * and, for A, the scan); A's is the one published, so A alone is
	 * scanned for the host's facts */
	struct pass_b pbj = { .job = job, .stage = stage_b->path, .p = &pb };
	pthread_t th;
	bool threaded = cl_thread_start(&th, pass_b_main, &pbj) == 0;
	if (!threaded)
		pass_b_main(&pbj);
	int r = publish_pass(job, stage_a->path, job->started, true, pa, err);
	if (threaded)
		pthread_join(th, NULL);
	if (r == 0 && pbj.rc < 0) {
		*err = pbj.err;
		r = cl_err_prefix(err, "the varied build (B)");
	}
	if (r == 0 && (r = pathf(err, out_a, sizeof out_a, "%s/out", stage_a->path)) == 0 &&
	    (r = pathf(err, out_b, sizeof out_b, "%s/out", stage_b->path)) == 0)
		r = compare_made(out_a, out_b, pa->manifest, pa->len, pb.manifest, pb.len, pa->files, pa->bytes, &c,
				 err);
	output_pass_free(&pb);
	if (r < 0) {
		stage_drop(stage_b);
		return r;
	}
	char json[PATH_MAX + 32];
	if (c.n == 0) {
		stage_drop(stage_b);
		if (stored) {
			/* `cloister check`: A (normalized above) against the stored output */
			char *out = out_a, sout[PATH_MAX + 16];
			struct comparison s;
			char *ms = NULL;
			size_t ls = 0;
			if ((r = pathf(err, sout, sizeof sout, "%s/out", stored->path)) < 0 ||
			    (r = stored_manifest(stored, &ms, &ls, err)) < 0 ||
			    (r = compare_made(sout, out, ms, ls, pa->manifest, pa->len, pa->files, pa->bytes, &s,
					      err)) < 0) {
				free(ms);
				comparison_free(&c);
				return r;
			}
			free(ms);
			if (s.n) {
				char ls[PATH_MAX * 2], ln[PATH_MAX * 2];
				snprintf(ls, sizeof ls, "the stored output %s", sout);
				snprintf(ln, sizeof ln, "the new builds (A and B agree) %s", out);
				note_differences(job, &s, ls, ln, 20, "", sout, out);
				if (job->outcome)
					outcome_set_differences(job->outcome, &s);
				comparison_free(&s);
				comparison_free(&c);
				return cl_err_in(err, CL_UNREPRODUCIBLE, EIO, "%s %s: the two new builds agree, but differ from the stored "
						  "output %s", job->r->name, job->r->version, stored->path);
			}
			build_notef(job->o, NOTE_FINDING, "    %s %s: A, B and the stored output are identical (%zu paths)",
				    job->r->name, job->r->version, c.paths);
			comparison_free(&s);
		}
		if ((r = pathf(err, json, sizeof json, "%s/reproducibility.json", stage_a->path)) == 0)
			write_json(json, &c, NULL, ab->b_later, stored != NULL);
		if (r == 0 && job->outcome)
			job->outcome->verdict = VERDICT_IDENTICAL;
		comparison_free(&c);
		return r;
	}

	/* different: say where, find why, keep both */
	char lb[700], header[300];
	label_b(ab, lb, sizeof lb);
	snprintf(header, sizeof header, "%s %s is NOT reproducible:", job->r->name, job->r->version);
	note_differences(job, &c, label_a, lb, 20, header, out_a, out_b);
	char culprits[1024];
	struct build_job j = with_sources(job, ab);
	r = culprit_search(&j, stage_a->path, stage_b->path, &c, ab->seconds - ab->b_later, culprits, sizeof culprits,
			   err);
	if (r < 0) {
		comparison_free(&c);
		stage_drop(stage_b);
		return r;
	}
	build_notef(job->o, NOTE_FINDING, "    differs when: %s", culprits);
	char dir[PATH_MAX];
	if ((r = keep_pair(job, stage_a, stage_b, dir, sizeof dir, err)) < 0) {
		comparison_free(&c);
		stage_drop(stage_b);
		return r;
	}
	char a[PATH_MAX + 8], b[PATH_MAX + 8];
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	if (pathf(err, json, sizeof json, "%s/reproducibility.json", dir) == 0)
		write_json(json, &c, culprits, ab->b_later, false);
	run_diffoscope(job, &c, a, b, dir);
	if (job->outcome) {
		outcome_set_differences(job->outcome, &c);
		snprintf(job->outcome->differs_when, sizeof job->outcome->differs_when, "%s", culprits);
		snprintf(job->outcome->kept, sizeof job->outcome->kept, "%s", dir);
		snprintf(job->outcome->log, sizeof job->outcome->log, "%s/log", a);
	}
	size_t n = c.n;
	comparison_free(&c);
	/* stage_a is kept now: keep_pair emptied it, so the caller removes nothing */
	return cl_err_in(err, CL_UNREPRODUCIBLE, EIO, "%s %s is not reproducible: %zu difference%s; differs when: %s. Both builds "
			  "are kept in %s (a/ and b/, with reproducibility.json); `cloister gc` removes them",
			  job->r->name, job->r->version, n, n == 1 ? "" : "s", culprits, dir);
}

int repro_check(const struct build_job *job, struct stage *stage_a, struct stage *stage_b, struct repro_ab *ab,
		const struct store_entry *stored, struct output_pass *pa, struct cl_err *err)
{
	int r = check_pair(job, stage_a, stage_b, ab, stored, pa, err);
	repro_ab_release(ab);
	return r;
}

int repro_check_stored(const struct build_job *job, struct store_entry *e, struct cl_err *err)
{
	struct stage stage_b = STAGE_NONE;
	char out[PATH_MAX + 16], sout[PATH_MAX + 16], json[PATH_MAX + 32];
	struct comparison c;
	TRY(sources_fetch(job->o->home, job->r, &job->o->fetch, job->o->quiet, err));
	struct build_job timed = *job;
	timed.started = clock_mono_s();
	TRY(build_variant(job, VARY_ALL, &stage_b, err));
	struct output_pass pb = { 0 };
	char *ms = NULL;
	size_t ls = 0;
	int r = publish_pass(&timed, stage_b.path, timed.started, false, &pb, err);
	if (r < 0)
		r = cl_err_prefix(err, "the varied build (B)");
	if (r < 0 ||
	    (r = pathf(err, out, sizeof out, "%s/out", stage_b.path)) < 0 ||
	    (r = pathf(err, sout, sizeof sout, "%s/out", e->path)) < 0 ||
	    (r = stored_manifest(e, &ms, &ls, err)) < 0 ||
	    (r = compare_made(sout, out, ms, ls, pb.manifest, pb.len, pb.files, pb.bytes, &c, err)) < 0) {
		free(ms);
		output_pass_free(&pb);
		stage_drop(&stage_b);
		return r;
	}
	free(ms);
	output_pass_free(&pb);
	if (c.n) {
		char header[600], ls[PATH_MAX * 2], lb[PATH_MAX * 2];
		snprintf(header, sizeof header, "%s %s is NOT reproducible (stored build vs a varied rebuild):",
			 job->r->name, job->r->version);
		snprintf(ls, sizeof ls, "the stored output %s", sout);
		snprintf(lb, sizeof lb, "B (every variation) %s", out);
		note_differences(job, &c, ls, lb, 20, header, sout, out);
		if (job->outcome)
			outcome_set_differences(job->outcome, &c);
		comparison_free(&c);
		stage_drop(&stage_b);
		return cl_err_in(err, CL_UNREPRODUCIBLE, EIO, "%s %s: a varied rebuild differs from the unchecked stored output %s",
				  job->r->name, job->r->version, e->path);
	}
	stage_drop(&stage_b);
	/* the entry's one mutable file: its verdict, replaced atomically, and
	 * the digest verify checks it against */
	if ((r = pathf(err, json, sizeof json, "%s/reproducibility.json", e->path)) == 0)
		write_json(json, &c, NULL, 0, true);
	comparison_free(&c);
	if (r == 0)
		r = store_rewrite_digests(e->path, err);
	if (r == 0 && job->outcome)
		job->outcome->verdict = VERDICT_IDENTICAL;
	return r;
}
