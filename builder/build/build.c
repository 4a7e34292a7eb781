#define _GNU_SOURCE
#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdbool.h>

#include "../../common/clock.h"
#include "../../common/thread.h"
#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../../common/fsutil.h"
#include "../../sandbox/sandbox.h"
#include "../plan/graph.h"
#include "../plan/inputs.h"
#include "outcome.h"
#include "../seed/seed.h"
#include "../fetch/sources.h"
#include "../store/store.h"
#include "../store/manifest.h"
#include "../store/tree.h"
#include "../check/repro.h"
#include "variations.h"
#include "build_run.h"
#include "../plan/recipe_settings.h"
#include "build_seeds.h"
#include "output_pass.h"
#include "providers.h"
#include "ticker.h"
#include "publish_check.h"
#include "worker.h"


static void progress(const struct build_opts *o, size_t i, size_t n, const char *name,
		     const char *version, const char *what, double secs)
{
	struct build_event ev = { .kind = NOTE_STEP,
				  .step = { .i = i, .n = n, .name = name, .version = version, .what = what,
					    .secs = secs } };
	build_note(o, &ev);
}


/* `cloister check` rebuilds what it was asked for even when stored: the
 * recipe named, or every recipe of a machine. */
static bool wants_recheck(const struct build_opts *o, const struct graph *g, size_t i)
{
	return o->recheck_all || (o->recheck && g->is_root[i]);
}

static int plan_one(const struct build_opts *o, const struct graph *g, size_t i, const char *seed_hash,
		    struct build_dep *results, struct build_dep *deps, size_t *n_deps,
		    struct recipe_settings *rs, struct inputs *in, struct store_entry *e, struct cl_err *err)
{
	const struct recipe *r = &g->nodes[i];
	if (o->machine)
		TRY(recipe_settings_for(o->machine, r->name, rs, err));
	size_t *layer = calloc(g->n ? g->n : 1, sizeof *layer);
	if (!layer)
		return cl_err_set(err, ENOMEM, "building");
	size_t nl = graph_layers(g, i, layer);
	/* preferred build-needs last: later --root layers lie over earlier ones */
	size_t k2 = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < nl; k++)
			if (preferred(r, g->nodes[layer[k]].name) == (pass == 1))
				deps[k2++] = results[layer[k]];
	free(layer);
	*n_deps = nl;
	TRY(check_providers(r, deps, nl, err));
	TRY(inputs_compute(r, seed_hash, deps, nl, o->machine ? rs : NULL, in, err));
	int rc = store_lookup(o->home, in->hash, r->name, r->version, e, err);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	/* a worker must check an unchecked entry, or redo the one asked for */
	if ((!o->no_check && !store_checked(e)) || wants_recheck(o, g, i))
		return 0;
	results[i].name = r->name;
	results[i].version = r->version;
	memcpy(results[i].output_hash, e->output_hash, sizeof results[i].output_hash);
	TRY(pathf(err, results[i].out_dir, sizeof results[i].out_dir, "%s/out", e->path));
	return 1;
}

int build_variant(const struct build_job *job, unsigned vary, struct stage *s, struct cl_err *err)
{
	char build[PATH_MAX + 16], srcdir[PATH_MAX], file[PATH_MAX + 32], recipe[PATH_MAX + 16];
	const char *stage = s->path;
	int rc;
	if (!s->path[0] && (rc = stage_make(job->o->home, s, err)) < 0)
		return rc;
	/* the build reads its recipe folder from a snapshot, checked to be
	 * what the input hash is of */
	if ((rc = pathf(err, build, sizeof build, "%s/build", stage)) < 0 ||
	    (rc = pathf(err, recipe, sizeof recipe, "%s/recipe", stage)) < 0 ||
	    (rc = inputs_snapshot(job->r, job->in, recipe, err)) < 0 ||
	    (rc = job->unpacked ? tree_clone(job->unpacked, build, err) :
				  sources_unpack(job->o->home, job->r, recipe, build, srcdir, sizeof srcdir, err)) < 0 ||
	    (rc = job->unpacked ? pathf(err, srcdir, sizeof srcdir, "%s", job->unpacked_srcdir) : 0) < 0 ||
	    (rc = pathf(err, file, sizeof file, "%s/inputs.json", stage)) < 0 ||
	    (rc = write_file_atomic(file, job->in->json, job->in->json_len, 0444, err)) < 0 ||
	    (rc = build_run_sandboxed(job, stage, srcdir, vary, err)) < 0) {
		stage_drop(s);
		return rc;
	}
	return 0;
}

static int write_unchecked(const char *stage, struct cl_err *err)
{
	static const char text[] = "{\n  \"checked\": false\n}\n";
	char file[PATH_MAX + 32];
	TRY(pathf(err, file, sizeof file, "%s/reproducibility.json", stage));
	return write_file_atomic(file, text, sizeof text - 1, 0444, err);
}

/* The entry an outcome is about: its path, output hash and log. */
static void outcome_entry(struct build_outcome *out, const struct store_entry *e)
{
	snprintf(out->entry, sizeof out->entry, "%s", e->path);
	memcpy(out->output_hash, e->output_hash, sizeof out->output_hash);
	snprintf(out->log, sizeof out->log, "%s/log", e->path);
}

/* Builds node i (under the lock of its input hash; another build may have
 * published it meanwhile) and fills e, and out with what was done. */
static int build_one(const struct build_opts *o, const struct graph *g, size_t i, size_t seq,
		     const char *seed_tree, const struct build_dep *deps, size_t nl,
		     const struct inputs *in, struct build_outcome *out, struct store_entry *e, struct cl_err *err)
{
	const struct recipe *r = &g->nodes[i];
	struct build_job job = { .o = o, .r = r, .seed_tree = seed_tree, .deps = deps, .n_deps = nl, .in = in,
				 .outcome = out };
	struct output_pass pass = { 0 };
	struct stage stage = STAGE_NONE;
	char build[PATH_MAX + 16];
	int rc;
	int lock = store_lock(o->home, in->hash, err);
	if (lock < 0)
		return lock;
	rc = store_lookup(o->home, in->hash, r->name, r->version, e, err);
	if (rc == 0 && !wants_recheck(o, g, i)) {
		outcome_entry(out, e);
		if (!o->no_check && !store_checked(e)) {
			/* built with --no-check before: check it now */
			progress(o, seq, g->n, r->name, r->version, "checking the stored build", -1);
			out->kind = OUTCOME_CHECKED;
			out->against_store = true;
			rc = repro_check_stored(&job, e, err);
		} else {
			progress(o, seq, g->n, r->name, r->version, "cached", -1);
			out->kind = OUTCOME_CACHED;
			out->verdict = store_checked(e) ? VERDICT_IDENTICAL : VERDICT_UNCHECKED;
		}
		goto out;
	}
	if (rc != 0 && rc != -ENOENT)
		goto out;
	bool stored = rc == 0;
	if (stored) {
		/* `cloister check`: the entry is what the new builds are held to */
		outcome_entry(out, e);
		out->kind = OUTCOME_CHECKED;
		out->against_store = true;
	}
	if ((rc = sources_fetch(o->home, r, &o->fetch, o->quiet, err)) < 0)
		goto out;
	double t0 = clock_mono_s();
	job.started = t0;
	struct ticker tick;
	if (o->no_check) {
		ticker_start(&tick, o, seq, g->n, r->name, r->version, "building");
		rc = build_variant(&job, 0, &stage, err);
		ticker_stop(&tick);
		if (rc == 0)
			rc = publish_pass(&job, stage.path, t0, true, &pass, err);
		if (rc == 0)
			rc = write_unchecked(stage.path, err);
		if (rc == 0)
			out->verdict = VERDICT_UNCHECKED;
	} else {
		struct stage stage_b = STAGE_NONE;
		struct repro_ab ab;
		ticker_start(&tick, o, seq, g->n, r->name, r->version, "building twice (A, and B varied)");
		rc = repro_build_ab(&job, &stage, &stage_b, &ab, err);
		ticker_stop(&tick);
		if (rc == 0)
			rc = repro_check(&job, &stage, &stage_b, &ab, stored ? e : NULL, &pass, err);
	}
	if (rc < 0)
		goto out;
	if (rc < 0 || stored)
		goto out; /* `cloister check` of a stored entry publishes nothing */
	if ((rc = publish_check(&job, &pass, err)) < 0 ||
	    (rc = pathf(err, build, sizeof build, "%s/build", stage.path)) < 0 ||
	    (rc = remove_tree(build, err)) < 0 ||
	    (rc = store_publish_made(o->home, stage.path, in->hash, r->name, r->version, r->source_date_epoch,
				     pass.manifest, pass.len, e, err)) < 0)
		goto out;
	stage_release(&stage);
	outcome_entry(out, e);
	out->kind = OUTCOME_BUILT;
	progress(o, seq, g->n, r->name, r->version, o->no_check ? "built (not checked) in" :
		 "built twice, identical, in", clock_mono_s() - t0);
out:
	output_pass_free(&pass);
	stage_drop(&stage);
	close(lock);
	return rc;
}

struct job {
	struct worker w;  /* reports "OUTPUT_HASH OUT_DIR" */
	size_t node;
	struct build_outcome *out;  /* shared with the worker */
	double t0;
};

/* What a build worker needs: everything is the parent's, read-only. */
struct job_args {
	const struct build_opts *o;
	const struct graph *g;
	size_t i, seq;
	const char *seed_tree;
	const struct build_dep *deps;
	size_t nl;
	const struct inputs *in;
	struct build_outcome *out;
};

static int job_main(void *arg, FILE *result, struct cl_err *err)
{
	const struct job_args *a = arg;
	struct store_entry e;
	TRY(build_one(a->o, a->g, a->i, a->seq, a->seed_tree, a->deps, a->nl, a->in, a->out, &e, err));
	fprintf(result, "%s %s/out", e.output_hash, e.path);
	return 0;
}

/* What the worker's outcome cannot say itself: its time, and how it ended. */
static void finish_outcome(struct build_outcome *out, const struct rusage *ru, double t0, int rc,
			   const struct cl_err *err)
{
	out->seconds = clock_mono_s() - t0;
	out->cpu_seconds = (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) +
			   (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6;
	if (rc < 0) {
		out->kind = cl_err_class(err) == CL_UNREPRODUCIBLE ? OUTCOME_NOT_REPRODUCIBLE : OUTCOME_FAILED;
		snprintf(out->error, sizeof out->error, "%s", err->msg);
	}
}

static int finish_job(struct job *j, int status, const struct graph *g, struct build_dep *results,
		      struct cl_err *err)
{
	const struct recipe *r = &g->nodes[j->node];
	char what[300], *report;
	snprintf(what, sizeof what, "the build of %s", r->name);
	TRY(worker_result(&j->w, status, what, &report, err));
	struct build_dep *d = &results[j->node];
	int rc = 0;
	if (strlen(report) < SHA256_HEX_LEN + 2 || report[SHA256_HEX_LEN] != ' ')
		rc = cl_err_msg(err, EIO, "%s reported '%s'", what, report);
	if (rc == 0) {
		d->name = r->name;
		d->version = r->version;
		memcpy(d->output_hash, report, SHA256_HEX_LEN);
		d->output_hash[SHA256_HEX_LEN] = '\0';
		rc = pathf(err, d->out_dir, sizeof d->out_dir, "%s", report + SHA256_HEX_LEN + 1);
	}
	free(report);
	return rc;
}

/* Appends node i after what it depends on at run time, each node once:
 * a depth-first walk with a stack of its own (a depends chain of any
 * length costs memory, not the C stack). */
static int image_order(const struct graph *g, size_t i, char *seen, size_t *order, size_t *n,
		       struct cl_err *err)
{
	if (seen[i])
		return 0;
	struct step {
		size_t node, edge;
	};
	_cleanup_free_ struct step *stack = malloc((g->n ? g->n : 1) * sizeof *stack);
	if (!stack)
		return cl_err_set(err, ENOMEM, "building");
	size_t depth = 0;
	seen[i] = 1;
	stack[depth++] = (struct step){ i, 0 };
	while (depth > 0) {
		struct step *top = &stack[depth - 1];
		const struct recipe *r = &g->nodes[top->node];
		if (top->edge < r->n_depends) {
			const char *name = r->depends[top->edge++];
			long d = graph_find(g, name);
			if (d < 0)
				return cl_err_msg(err, ENOENT, "%s depends on %s, which is not in the graph", r->name, name);
			if (!seen[d]) {
				seen[d] = 1;
				stack[depth++] = (struct step){ (size_t)d, 0 };
			}
			continue;
		}
		order[(*n)++] = top->node;
		depth--;
	}
	return 0;
}

static int collect_results(const struct graph *g, const struct graph_root *roots, size_t n_roots,
			   const struct build_dep *results, struct build_result **out, size_t *n_out,
			   struct cl_err *err)
{
	_cleanup_free_ char *seen = calloc(g->n ? g->n : 1, 1);
	_cleanup_free_ size_t *order = calloc(g->n ? g->n : 1, sizeof *order);
	size_t n = 0;
	if (!seen || !order)
		return cl_err_set(err, ENOMEM, "building");
	for (size_t k = 0; k < n_roots; k++) {
		long i = graph_find(g, roots[k].name);
		if (i < 0)
			return cl_err_msg(err, ENOENT, "recipe '%s' not found", roots[k].name);
		TRY(image_order(g, (size_t)i, seen, order, &n, err));
	}
	struct build_result *v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return cl_err_set(err, ENOMEM, "building");
	for (size_t k = 0; k < n; k++) {
		const struct recipe *r = &g->nodes[order[k]];
		const struct build_dep *d = &results[order[k]];
		size_t len = strlen(d->out_dir);
		snprintf(v[k].name, sizeof v[k].name, "%s", r->name);
		snprintf(v[k].version, sizeof v[k].version, "%s", r->version);
		/* out_dir is ENTRY/out */
		snprintf(v[k].entry, sizeof v[k].entry, "%.*s", (int)(len >= 4 ? len - 4 : len), d->out_dir);
		memcpy(v[k].output_hash, d->output_hash, sizeof v[k].output_hash);
		v[k].source_date_epoch = r->source_date_epoch;
		v[k].root = g->is_root[order[k]];
	}
	*out = v;
	*n_out = n;
	return 0;
}

static void emit(const struct build_opts *o, const struct build_outcome *out)
{
	if (o->outcome)
		o->outcome(o->outcome_ctx, out);
}

/* The outcome of node i decided here, not by a worker: found in the
 * store (e), not planned (err), or never started (neither). */
static int emit_here(const struct build_opts *o, const struct graph *g, size_t i, const char *input_hash,
		     const struct store_entry *e, const struct cl_err *failed, struct cl_err *err)
{
	if (!o->outcome)
		return 0;
	struct build_outcome *out = outcome_new_shared(g->nodes[i].name, g->nodes[i].version, g->is_root[i]);
	if (!out)
		return cl_err_set(err, ENOMEM, "building");
	snprintf(out->input_hash, sizeof out->input_hash, "%s", input_hash ? input_hash : "");
	if (e) {
		outcome_entry(out, e);
		out->kind = OUTCOME_CACHED;
		out->verdict = store_checked(e) ? VERDICT_IDENTICAL : VERDICT_UNCHECKED;
	} else if (failed) {
		out->kind = OUTCOME_FAILED;
		snprintf(out->error, sizeof out->error, "%s", failed->msg);
	}
	emit(o, out);
	outcome_free_shared(out);
	return 0;
}

int build_targets(const struct build_opts *o, const struct graph_root *roots, size_t n_roots,
		  struct build_result **out, size_t *n_out, struct cl_err *err)
{
	*out = NULL;
	*n_out = 0;
	struct graph g;
	struct seeds seeds;
	TRY(graph_load(o->recipes, roots, n_roots, &g, err));
	size_t n = g.n;
	struct build_dep *results = calloc(n, sizeof *results);
	char *state = calloc(n, 1); /* 0 waiting, 1 building, 2 done, 3 failed before it started */
	struct job *jobs = calloc(o->jobs ? o->jobs : 1, sizeof *jobs);
	struct build_dep *deps = calloc(n, sizeof *deps);
	size_t *layer = calloc(n, sizeof *layer);
	size_t running = 0, done = 0, seq = 0, max_jobs = o->jobs ? o->jobs : 1;
	int rc = results && state && jobs && deps && layer ? 0 : cl_err_set(err, ENOMEM, "building");

	if (rc == 0)
		rc = resolve_seeds(o, &g, &seeds, err);
	if (rc == 0)
		store_remove_dead_stages(o->home);
	while (done < n) {
		bool progressed = false;
		for (size_t i = 0; rc == 0 && i < n && running < max_jobs; i++) {
			if (state[i] != 0)
				continue;
			size_t nl = graph_layers(&g, i, layer);
			bool ready = true;
			for (size_t k = 0; k < nl; k++)
				ready = ready && state[layer[k]] == 2;
			if (!ready)
				continue;
			struct inputs in = { 0 };
			struct recipe_settings rs = { 0 };
			size_t nd = 0;
			size_t sk = seed_of(&seeds, &g.nodes[i]);
			struct store_entry e = { 0 };
			int p = plan_one(o, &g, i, seeds.s[sk].hash, results, deps, &nd, &rs, &in, &e, err);
			if (p < 0) {
				state[i] = 3;
				struct cl_err ignore;
				emit_here(o, &g, i, in.hash[0] ? in.hash : NULL, NULL, err, &ignore);
				inputs_free(&in);
				recipe_settings_free(&rs);
				rc = p;
				break;
			}
			seq++;
			if (p == 1) {
				progress(o, seq, n, g.nodes[i].name, g.nodes[i].version, "cached", -1);
				state[i] = 2;
				done++;
				rc = emit_here(o, &g, i, in.hash, &e, NULL, err);
			} else {
				struct job *j = &jobs[running];
				j->node = i;
				j->t0 = clock_mono_s();
				j->out = outcome_new_shared(g.nodes[i].name, g.nodes[i].version, g.is_root[i]);
				if (!j->out)
					rc = cl_err_set(err, ENOMEM, "building");
				else
					snprintf(j->out->input_hash, sizeof j->out->input_hash, "%s", in.hash);
				/* a worker process builds one recipe; independent
				 * recipes build in parallel, up to -j of them */
				struct job_args a = { o, &g, i, seq, seeds.s[sk].tree, deps, nd, &in, j->out };
				int sr = rc < 0 ? rc : worker_start(&j->w, job_main, &a, err);
				if (sr < 0) {
					rc = sr;
					state[i] = 3;
					if (j->out) {
						j->out->kind = OUTCOME_FAILED;
						snprintf(j->out->error, sizeof j->out->error, "%s", err->msg);
						emit(o, j->out);
					}
					outcome_free_shared(j->out);
				} else {
					state[i] = 1;
					running++;
				}
			}
			inputs_free(&in);
			recipe_settings_free(&rs);
			progressed = true;
		}
		if (running == 0) {
			if (rc < 0 || !progressed)
				break;
			continue;
		}
		int status;
		/* wait4: the worker's CPU time is its own and that of every
		 * process it waited for (its sandboxes, the varied build) */
		struct rusage ru;
		pid_t pid = wait4(-1, &status, 0, &ru);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			rc = rc < 0 ? rc : cl_err_set(err, errno, "waiting for builds");
			break;
		}
		for (size_t k = 0; k < running; k++) {
			if (jobs[k].w.pid != pid)
				continue;
			struct cl_err jerr = { 0 };
			int jr = finish_job(&jobs[k], status, &g, results, &jerr);
			finish_outcome(jobs[k].out, &ru, jobs[k].t0, jr, &jerr);
			emit(o, jobs[k].out);
			outcome_free_shared(jobs[k].out);
			state[jobs[k].node] = 2;
			done++;
			/* the first failure is the one reported; running builds finish */
			if (jr < 0 && rc == 0) {
				rc = jr;
				*err = jerr;
			}
			jobs[k] = jobs[--running];
			break;
		}
	}
	/* what a failure kept from starting is said too */
	for (size_t i = 0; state && i < n; i++) {
		struct cl_err ignore;
		if (state[i] == 0)
			emit_here(o, &g, i, NULL, NULL, NULL, &ignore);
	}
	if (rc == 0 && done == n)
		rc = collect_results(&g, roots, n_roots, results, out, n_out, err);
	else if (rc == 0)
		rc = cl_err_msg(err, EIO, "not every recipe could be built");
	free(results);
	free(state);
	free(jobs);
	free(deps);
	free(layer);
	graph_free(&g);
	return rc;
}
