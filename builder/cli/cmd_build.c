/* `cloister build`, `fetch`, `graph`, `check`, `gc` (`verify` is cmd_verify.c). */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/clock.h"
#include "../../common/fsutil.h"
#include "../build/build.h"
#include "interrupt.h"
#include "report_json.h"
#include "cli.h"
#include "cli_opts.h"
#include "../plan/graph.h"
#include "../store/home.h"
#include "../plan/machine.h"
#include "../image/machine_image.h"
#include "../image/rootfs.h"
#include "../plan/machine_settings.h"
#include "../store/store.h"
#include "../../common/termsafe.h"

const char build_usage[] =
	"usage: cloister build MACHINE [OPTIONS]       build every package of machines/MACHINE with its\n"
	"                                              settings, then its initramfs: OUTPUT/machines/\n"
	"                                              MACHINE/initramfs.cpio and initramfs.list; prints\n"
	"                                              the packages' store entries, then that folder\n"
	"       cloister build -r RECIPE [OPTIONS]     build RECIPE and what it needs\n"
	"       cloister fetch -r RECIPE|MACHINE [OPTIONS]\n"
	"                                              download every input of its closure (seed, sources)\n"
	"       cloister fetch --check -r RECIPE|MACHINE|--all\n"
	"                                              say whether every input can still be had, and\n"
	"                                              where from, without downloading (exit 2: some cannot)\n"
	"       cloister fetch --export DIR -r RECIPE|MACHINE|--all\n"
	"                                              copy every input into DIR as a mirror (DIR/sha256/HEX,\n"
	"                                              DIR/index), for a machine without network\n"
	"       cloister graph -r RECIPE|MACHINE [OPTIONS]\n"
	"                                              print the dependency graph (Graphviz DOT)\n"
	"       cloister check -r RECIPE [OPTIONS]     rebuild it twice, varied, even if stored, and compare\n"
	"                                              both with each other and with the stored output\n"
	"       cloister check MACHINE [OPTIONS]       the same for every recipe of machines/MACHINE\n"
	"       cloister gc [OPTIONS]                  remove kept pairs, dead stages and download folders, old logs\n"
	"\n"
	"Options:\n"
	"  -r RECIPE          the recipe (a folder of --recipes)\n"
	"  --for MACHINE      with -r: build the recipe as MACHINE's build of it (its compiler\n"
	"                     flags, package configuration and fragment; the same store entry)\n"
	"  MACHINE            a machine (a folder of --machines): the recipes its\n"
	"                     settings/packages.list names, and their closure, each built\n"
	"                     with the machine's compiler flags and package configurations\n"
	"  -j N               jobs a build may use ($JOBS inside; default: the CPUs)\n"
	"  -v, --verbose      stream build logs (escape sequences shown as text)\n"
	"  -q, --quiet        no progress lines\n"
	"  --offline          never touch the network (file:// mirrors still count); say which\n"
	"                     digest is missing\n"
	"  --mirror URL       look for a missing input at URL/sha256/HEX first (http://, https://,\n"
	"                     file://; repeatable; also CLOISTER_MIRRORS, space-separated)\n"
	"  --snapshot URL     Debian's snapshot service, the last resort (also CLOISTER_SNAPSHOT;\n"
	"                     default: the one the machine's apt sources name; 'off')\n"
	"  --all              fetch: every recipe of --recipes and the whole seed\n"
	"  --json             one JSON document on stdout instead of the report (docs/json.md):\n"
	"                     a build's every recipe with its entry, hashes, verdict,\n"
	"                     differences, timings and log; progress stays on stderr\n"
	"  --no-check         build once instead of twice; the entry records it was not checked\n"
	"  --recipes DIR      the recipes folder (default ./recipes)\n"
	"  --machines DIR     the machines folder (default ./machines)\n"
	"  --output DIR       where `build MACHINE` writes machines/MACHINE/ (default ./output)\n"
	"  --initramfs-only   build MACHINE: stop after the initramfs (no kernel link, no\n"
	"                     signature); for booting the cpio with another kernel\n"
	"  --store DIR        CLOISTER_HOME (default ${XDG_CACHE_HOME:-$HOME/.cache}/cloister)\n"
	"  --seed-lock FILE, --seed-skeleton DIR   the seed (default rootfs-seed/...)\n"
	"\n"
	"A build's stdin is /dev/null and it has no terminal.  Before publishing, its\n"
	"output is checked against the recipe's max-output and scanned for facts of\n"
	"the host (kernel release, hostname, user, paths; allow-host-facts: in the\n"
	"recipe); see docs/recipe.md.  Run as root, builds run as uid 1879048192.\n"
	"\n"
	"Exit status: 0 done; 1 a build failed or was not reproducible; 2 bad usage or bad\n"
	"input (recipe, machine settings, combine.d or initramfs.contents syntax, a missing\n"
	"recipe, a cycle, a wrong sha256, a setuid file in the image).\n"
	"The initramfs's mtimes are SOURCE_DATE_EPOCH when set, else the latest of the recipes'.\n";

/* The reporter of the builder's notes, on stderr: progress unless -q,
 * findings always.  Notes quote what builds wrote, so text passes
 * through termsafe (the builder escapes each name already: this is the
 * last guard). */
static void print_step(const char *fmt, const struct build_event *ev)
{
	fprintf(stderr, fmt, ev->step.i, ev->step.n, ev->step.name, ev->step.version, ev->step.what);
	if (ev->step.secs >= 0)
		fprintf(stderr, " %d:%02d", (int)ev->step.secs / 60, (int)ev->step.secs % 60);
}

static void print_note(void *ctx, const struct build_event *ev)
{
	const struct build_opts *o = ctx;
	bool progress = ev->kind == NOTE_PROGRESS || ev->kind == NOTE_STEP || ev->kind == NOTE_TICK ||
			ev->kind == NOTE_TICK_END;
	if (progress && o->quiet)
		return;
	struct termsafe st = { 0 };
	switch (ev->kind) {
	case NOTE_STEP:
		print_step("[%zu/%zu] %s %s %s", ev);
		fputc('\n', stderr);
		return;
	case NOTE_TICK:
		/* the live line, rewritten in place once a second */
		print_step("\r[%zu/%zu] %s %s %s", ev);
		fputc(' ', stderr);
		fflush(stderr);
		return;
	case NOTE_TICK_END:
		fprintf(stderr, "\r\033[K");
		return;
	case NOTE_OUTPUT:
		termsafe_write(ev->stream ? ev->stream : &st, 2, ev->text, ev->len, ev->last || !ev->stream);
		return;
	case NOTE_FAILURE_TAIL:
		fputs("--- last lines of the build's output ---\n", stderr);
		fflush(stderr);
		termsafe_write(&st, 2, ev->text, ev->len, true);
		fprintf(stderr, "%s---\n", ev->len && ev->text[ev->len - 1] != '\n' ? "\n" : "");
		return;
	case NOTE_PROGRESS:
	case NOTE_FINDING:
		break;
	}
	fflush(stderr);
	termsafe_write(&st, 2, ev->text, strlen(ev->text), true);
	termsafe_write(&st, 2, "\n", 1, true);
}

/* `cloister check busybox` most likely means the recipe: when there is
 * no such machine but such a recipe, the message says to use -r. */
static void hint_recipe(struct cl_err *err, const char *cmd, const char *machines, const char *name,
			const char *recipes)
{
	char mdir[PATH_MAX + 130], rfile[PATH_MAX + 130];
	if (machine_name_valid(name) &&
	    snprintf(mdir, sizeof mdir, "%s/%s", machines, name) < (int)sizeof mdir && access(mdir, F_OK) < 0 &&
	    snprintf(rfile, sizeof rfile, "%s/%s/recipe", recipes, name) < (int)sizeof rfile &&
	    access(rfile, F_OK) == 0)
		cl_err_msg(err, ENOENT, "no machine '%s' (looked for %s), but a recipe of that name: "
			   "cloister %s -r %s", name, mdir, cmd, name);
}

/* SOURCE_DATE_EPOCH when it is set (reproducible-builds.org's
 * convention), else the latest epoch of the machine's recipes. */
static int image_epoch(const struct build_result *res, size_t n, long long *epoch, struct cl_err *err)
{
	const char *env = getenv("SOURCE_DATE_EPOCH");
	if (env) {
		char *end;
		errno = 0;
		long long v = strtoll(env, &end, 10);
		if (!*env || *end || errno || v < 0 || v > 0xffffffffLL)
			return cl_err_msg(err, EINVAL, "SOURCE_DATE_EPOCH='%s' is not a number of seconds since 1970", env);
		*epoch = v;
		return 0;
	}
	*epoch = 0;
	for (size_t i = 0; i < n; i++)
		if (res[i].source_date_epoch > *epoch)
			*epoch = res[i].source_date_epoch;
	return 0;
}

/* The machine's kernel linked with its initramfs, signed, into dir. */
static int link_machine(const struct build_opts *o, const struct machine *m, const struct build_result *res,
			size_t n_res, struct image_result *img, const char *dir, struct machine_image_result *mi_out,
			struct cl_err *err)
{
	struct machine_image_opts mo = { .build = o, .machine_dir = m->dir, .machine_name = m->name,
					 .packages = res, .n_packages = n_res, .initramfs = img, .out_dir = dir };
	struct machine_image_result *mi = mi_out;
	TRY(machine_image(&mo, mi, err));
	if (!o->quiet) {
		if (mi->keys_created)
			fprintf(stderr, "[image] %s: a new code-signing key pair in %s/code-signing/ (git-ignored: "
				"keep it, or every build is signed by another key)\n", m->name, m->dir);
		if (mi->link_cached)
			fprintf(stderr, "[image] %s kernel link cached\n", m->name);
		else
			fprintf(stderr, "[image] %s kernel linked twice, identical, in %d:%02d\n", m->name,
				(int)mi->link_seconds / 60, (int)mi->link_seconds % 60);
		fprintf(stderr, "[image] %s signed: sha256 %s\n", m->name, mi->sha256);
	}
	if (!o->json)
		printf("%s\n%s\n", dir, mi->image);
	return 0;
}

/* What build_machine made, for the report (report_json.h points into it). */
struct machine_made {
	char dir[PATH_MAX];
	char abs_dir[PATH_MAX];
	struct image_result img;
	struct machine_image_result mi;
	struct machine_report report;
};

/* `cloister build MACHINE`: its packages, then its initramfs into
 * OUTPUT/machines/MACHINE/, then (unless initramfs_only) the kernel. */
static int build_machine(const struct build_opts *o, const struct machine *m, const struct graph_root *roots,
			 size_t n_roots, const char *output, bool initramfs_only, struct machine_made *made,
			 struct cl_err *err)
{
	const struct machine_settings *ms = o->machine;
	struct build_result *res = NULL;
	size_t n_res = 0;
	struct image_layer *layers = NULL;
	char *dir = made->dir;
	made->report = (struct machine_report){ .name = m->name };
	int r = machine_settings_require_image(ms, err);
	if (r == 0)
		r = build_targets(o, roots, n_roots, &res, &n_res, err);
	/* the store entries of the recipes listed, as `build -r` prints them */
	for (size_t i = 0; r == 0 && !o->json && i < n_res; i++)
		if (res[i].root)
			printf("%s\n", res[i].entry);
	if (r == 0 && !(layers = calloc(n_res ? n_res : 1, sizeof *layers)))
		r = cl_err_set(err, ENOMEM, "assembling %s", m->name);
	char (*outs)[PATH_MAX + 8] = r == 0 ? calloc(n_res ? n_res : 1, sizeof *outs) : NULL;
	if (r == 0 && !outs)
		r = cl_err_set(err, ENOMEM, "assembling %s", m->name);
	/* the kernel is linked, not unpacked into the root filesystem */
	size_t n_layers = 0;
	for (size_t i = 0; r == 0 && i < n_res; i++) {
		if (!strcmp(res[i].name, MACHINE_KERNEL_RECIPE))
			continue;
		res[n_layers] = res[i];
		snprintf(outs[n_layers], sizeof outs[n_layers], "%s/out", res[i].entry);
		layers[n_layers] = (struct image_layer){ res[i].name, res[i].version, res[i].output_hash,
							 outs[n_layers] };
		n_layers++;
	}
	n_res = n_layers;
	struct image_inputs in = { .home = o->home, .machine_dir = m->dir, .machine_name = m->name,
				   .layers = layers, .n_layers = n_res, .settings = ms->kv, .n_settings = ms->n_kv };
	struct image_result *img = &made->img;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (r == 0)
		r = image_epoch(res, n_res, &in.epoch, err);
	if (r == 0)
		r = image_assemble(&in, img, err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (r == 0)
		r = pathf(err, dir, sizeof made->dir, "%s/machines/%s", output, m->name);
	if (r == 0)
		r = image_install(img, dir, err);
	if (r == 0) {
		/* absolute in the report: a script may run from anywhere */
		char abs[PATH_MAX];
		if (realpath(dir, abs))
			snprintf(made->abs_dir, sizeof made->abs_dir, "%s", abs);
		made->report.dir = made->abs_dir[0] ? made->abs_dir : dir;
		made->report.initramfs = img;
		made->report.initramfs_seconds = secs;
	}
	if (r == 0 && !o->quiet) {
		if (img->cached)
			fprintf(stderr, "[image] %s initramfs cached\n", m->name);
		else
			fprintf(stderr, "[image] %s initramfs assembled: %zu entries, %llu bytes, in %.2f s\n", m->name,
				img->entries, img->bytes, secs);
	}
	/* --initramfs-only: for booting the cpio under another kernel */
	if (r == 0 && initramfs_only && !o->json)
		printf("%s\n", dir);
	else if (r == 0 && !initramfs_only && (r = link_machine(o, m, res, n_res, img, dir, &made->mi, err)) == 0)
		made->report.image = &made->mi;
	free(outs);
	free(layers);
	free(res);
	return r;
}

static void release_opts(struct build_opts *o)
{
	fetch_opts_release(&o->fetch);
}


/* The human report of gc: its counts. */
static void print_gc(const long counts[GC_KINDS])
{
	printf("removed");
	for (int k = 0; k < GC_KINDS; k++)
		printf("%s %ld %s%s", k ? "," : "", counts[k], store_gc_kind_name((enum store_gc_kind)k),
		       counts[k] == 1 ? "" : "s");
	printf("\n");
}

static int cmd_gc(const struct build_opts *o)
{
	struct cl_err err = { 0 };
	long counts[GC_KINDS] = { 0 };
	struct json_out j = { .f = stdout };
	if (o->json)
		report_json_gc_begin(&j, o->home);
	int r = store_gc(o->home, o->json ? report_json_gc_removed : NULL, &j, counts, &err);
	if (o->json)
		report_json_gc_end(&j, counts, r < 0 ? &err : NULL);
	else if (r >= 0 && !o->quiet)
		print_gc(counts);
	if (r >= 0)
		return EXIT_OK;
	fprintf(stderr, "cloister gc: %s\n", err.msg);
	return cl_exit_status(&err);
}

int cmd_build(int argc, char **argv)
{
	const char *cmd = argv[0];
	/* released on every return, the early ones of bad usage too */
	__attribute__((cleanup(release_opts))) struct build_opts o = { .note = print_note };
	o.note_ctx = &o;
	double t0 = clock_mono_s();
	struct cl_err err = { 0 };
	const char *recipe = NULL, *machine = NULL, *machines = NULL, *store = NULL, *recipes = NULL,
		   *lock = NULL, *skel = NULL, *output = "output";
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	o.jobs = cpus > 0 ? (unsigned)cpus : 1;

	const char *jobs = NULL, *snapshot = NULL, *export_dir = NULL, *for_machine = NULL;
	bool offline = false, fetch_check = false, all = false, initramfs_only = false;
	struct cli_list mirrors = { 0 };
	const struct cli_opt opts[] = {
		{ "--verbose", "-v", &o.verbose, NULL },
		{ "--quiet", "-q", &o.quiet, NULL },
		{ "--offline", NULL, &offline, NULL },
		{ "--snapshot", NULL, NULL, &snapshot },
		{ "--check", NULL, &fetch_check, NULL },
		{ "--export", NULL, NULL, &export_dir },
		{ "--all", NULL, &all, NULL },
		{ "--json", NULL, &o.json, NULL },
		{ "--no-check", NULL, &o.no_check, NULL },
		{ "--initramfs-only", NULL, &initramfs_only, NULL },
		{ "-r", NULL, NULL, &recipe },
		{ "--for", NULL, NULL, &for_machine },
		{ "-j", NULL, NULL, &jobs },
		{ "--store", NULL, NULL, &store },
		{ "--recipes", NULL, NULL, &recipes },
		{ "--machines", NULL, NULL, &machines },
		{ "--seed-lock", NULL, NULL, &lock },
		{ "--seed-skeleton", NULL, NULL, &skel },
		{ "--output", NULL, NULL, &output },
		{ 0 },
	};
	const struct cli_list_opt lists[] = { { "--mirror", &mirrors }, { 0 } };
	int p = cli_parse_lists(cmd, argc, argv, opts, lists, &machine);
	if (p != 0) {
		if (p > 0)
			fputs(build_usage, stdout);
		return p > 0 ? EXIT_OK : EXIT_USAGE;
	}
	/* the live line is for a terminal, and not in the middle of -v's log */
	o.live = !o.quiet && !o.verbose && isatty(2);
	if ((fetch_check || export_dir || all) && strcmp(cmd, "fetch")) {
		fprintf(stderr, "cloister %s: --check, --export and --all belong to cloister fetch\n", cmd);
		return EXIT_USAGE;
	}
	if (fetch_check && export_dir) {
		fprintf(stderr, "cloister fetch: --check or --export, not both\n");
		return EXIT_USAGE;
	}
	if (all && (recipe || machine)) {
		fprintf(stderr, "cloister fetch: --all or a recipe or machine, not both\n");
		return EXIT_USAGE;
	}
	if (jobs) {
		char *end;
		long j = strtol(jobs, &end, 10);
		if (*end || end == jobs || j < 1 || j > 1024) {
			fprintf(stderr, "cloister %s: -j needs a number from 1 to 1024, not '%s'\n", cmd, jobs);
			return EXIT_USAGE;
		}
		o.jobs = (unsigned)j;
	}
	if (!strcmp(cmd, "check")) {
		if (o.no_check) {
			fprintf(stderr, "cloister check: --no-check makes no sense here\n");
			return EXIT_USAGE;
		}
		o.recheck = true;
		o.recheck_all = machine != NULL;
	}
	bool needs_target = strcmp(cmd, "gc") != 0;
	if (needs_target && !recipe && !machine && !all) {
		fprintf(stderr, "cloister %s: which recipe or machine? (-r RECIPE, or MACHINE)\n", cmd);
		return EXIT_USAGE;
	}
	if (initramfs_only && (strcmp(cmd, "build") || !machine)) {
		fprintf(stderr, "cloister %s: --initramfs-only belongs to `cloister build MACHINE`\n", cmd);
		return EXIT_USAGE;
	}
	if (recipe && machine) {
		fprintf(stderr, "cloister %s: a recipe or a machine, not both (-r %s, %s)\n", cmd, recipe, machine);
		return EXIT_USAGE;
	}
	if (!needs_target && (recipe || machine)) {
		fprintf(stderr, "cloister %s: takes no recipe or machine (it works on the whole store)\n", cmd);
		return EXIT_USAGE;
	}
	/* after the usage checks, which return without freeing it */
	if (cli_fetch_opts(cmd, &mirrors, snapshot, offline, &o.fetch) < 0)
		return EXIT_USAGE;
	int r = cloister_home(store, o.home, sizeof o.home, &err);
	if (r == 0 && (!strcmp(cmd, "build") || !strcmp(cmd, "check"))) {
		char what[300];
		snprintf(what, sizeof what, "cloister %s %s%s", cmd, recipe ? "-r " : "",
			 recipe ? recipe : machine ? machine : "");
		int g = interrupt_guard(o.home, what);
		if (g >= 0) {
			/* the guard parent is done: what it holds is freed (LSan) */
			fetch_opts_release(&o.fetch);
			/* a child killed (the interrupt, or anything else) wrote no
			 * document: the guard writes the one that says so */
			if (o.json && g > 128) {
				/* what was done is not known here */
				struct outcome_list none = { .lost = true };
				struct cl_err ie = { 0 };
				if (g == 128 + SIGINT || g == 128 + SIGTERM) {
					cl_err_in(&ie, CL_INTERRUPTED, EINTR, "%s: interrupted by %s", what,
						  g == 128 + SIGINT ? "SIGINT" : "SIGTERM");
					ie.signal = g - 128;
				} else {
					cl_err_in(&ie, CL_IO, EIO, "%s: died of signal %d", what, g - 128);
				}
				report_json_build(cmd, recipe ? recipe : machine, machine != NULL, &none, NULL,
						  clock_mono_s() - t0, &ie);
			}
			return g;
		}
	}
	if (r == 0 && !strcmp(cmd, "gc")) {
		fetch_opts_release(&o.fetch); /* it touches no network */
		return cmd_gc(&o);
	}
	if (r == 0)
		r = recipes ? (snprintf(o.recipes, sizeof o.recipes, "%s", recipes), 0)
			    : repo_file("recipes", o.recipes, sizeof o.recipes, &err);
	if (r == 0)
		r = lock ? (snprintf(o.seed_lock, sizeof o.seed_lock, "%s", lock), 0)
			 : repo_file("rootfs-seed/seed.lock", o.seed_lock, sizeof o.seed_lock, &err);
	if (r == 0)
		r = skel ? (snprintf(o.seed_skeleton, sizeof o.seed_skeleton, "%s", skel), 0)
			 : repo_file("rootfs-seed/skeleton", o.seed_skeleton, sizeof o.seed_skeleton, &err);
	struct machine m = { 0 };
	struct machine_settings ms = { 0 };
	struct graph_root one = { recipe, NULL, 0 }, *roots = &one;
	size_t n_roots = 1;
	if (r == 0 && machine) {
		char dir[PATH_MAX];
		r = machines ? (snprintf(dir, sizeof dir, "%s", machines), 0)
			     : repo_file("machines", dir, sizeof dir, &err);
		if (r == 0 && (r = machine_load(dir, machine, &m, &err)) == -ENOENT)
			hint_recipe(&err, cmd, dir, machine, o.recipes);
		if (r == 0 && (r = machine_settings_load(m.dir, m.name, &ms, &err)) == 0)
			o.machine = &ms;
		if (r == 0 && !(roots = calloc(m.n_packages, sizeof *roots)))
			r = cl_err_set(&err, ENOMEM, "loading %s", machine);
		for (size_t k = 0; r == 0 && k < m.n_packages; k++)
			roots[k] = (struct graph_root){ m.packages[k].name, m.packages_list, m.packages[k].line };
		n_roots = m.n_packages;
		/* a machine's image needs its kernel, which is linked rather than
		 * listed in packages.list: fetching the machine (and its
		 * preflight) covers the kernel's source and seed sets too, where
		 * the recipes have one (without, only --initramfs-only builds) */
		char kernel[PATH_MAX + 32];
		if (r == 0 && !strcmp(cmd, "fetch") &&
		    snprintf(kernel, sizeof kernel, "%s/%s/recipe", o.recipes, MACHINE_KERNEL_RECIPE) < (int)sizeof kernel &&
		    access(kernel, F_OK) == 0) {
			struct graph_root *more = realloc(roots, (n_roots + 1) * sizeof *roots);
			if (!more)
				r = cl_err_set(&err, ENOMEM, "loading %s", machine);
			else
				roots = more, roots[n_roots++] = (struct graph_root){ MACHINE_KERNEL_RECIPE, NULL, 0 };
		}
	}
	/* -r RECIPE --for MACHINE: the recipe as that machine's build of it
	 * (its settings in the environment and the input hash) */
	if (r == 0 && for_machine && !machine) {
		char dir[PATH_MAX];
		if (!recipe)
			r = cl_err_in(&err, CL_USAGE, EINVAL, "--for MACHINE goes with -r RECIPE");
		if (r == 0)
			r = machines ? (snprintf(dir, sizeof dir, "%s", machines), 0)
				     : repo_file("machines", dir, sizeof dir, &err);
		if (r == 0)
			r = machine_load(dir, for_machine, &m, &err);
		if (r == 0 && (r = machine_settings_load(m.dir, m.name, &ms, &err)) == 0)
			o.machine = &ms;
	} else if (r == 0 && for_machine)
		r = cl_err_in(&err, CL_USAGE, EINVAL, "--for goes with -r RECIPE, not with a machine");
	struct outcome_list outcomes = { 0 };
	struct machine_made *made = NULL;
	if (o.json) {
		o.outcome = outcome_list_add;
		o.outcome_ctx = &outcomes;
	}
	if (r == 0 && !strcmp(cmd, "graph")) {
		struct graph g;
		r = graph_load(o.recipes, roots, n_roots, &g, &err);
		if (r == 0) {
			if (o.json)
				report_json_graph(recipe ? recipe : machine, &g);
			else
				graph_dot(&g, stdout);
			graph_free(&g);
		}
	} else if (r == 0 && !strcmp(cmd, "fetch")) {
		struct fetch_request fr = { .check = fetch_check, .export_dir = export_dir, .all = all,
					    .what = all ? "every recipe" : machine ? machine : recipe };
		r = cmd_fetch(&o, &fr, all ? NULL : roots, all ? 0 : n_roots, &err);
	} else if (r == 0 && machine && !strcmp(cmd, "build")) {
		build_limits_setup(&o);
		if (!(made = calloc(1, sizeof *made)))
			r = cl_err_set(&err, ENOMEM, "building %s", machine);
		if (r == 0)
			r = build_machine(&o, &m, roots, n_roots, output, initramfs_only, made, &err);
	} else if (r == 0) {
		struct build_result *res = NULL;
		size_t n_res = 0;
		build_limits_setup(&o);
		r = build_targets(&o, roots, n_roots, &res, &n_res, &err);
		/* the store entries of what was asked for, in the order asked */
		for (size_t k = 0; r == 0 && !o.json && k < n_res; k++)
			if (res[k].root)
				printf("%s\n", res[k].entry);
		free(res);
	}
	if (roots != &one)
		free(roots);
	machine_free(&m);
	machine_settings_free(&ms);
	fetch_opts_release(&o.fetch);
	/* cmd_fetch writes its JSON document whatever the outcome; build
	 * and check theirs with every recipe's outcome; graph's failure is
	 * one error document */
	bool builds = !strcmp(cmd, "build") || !strcmp(cmd, "check");
	if (o.json && builds)
		report_json_build(cmd, recipe ? recipe : machine, machine != NULL, &outcomes,
				  made ? &made->report : NULL, clock_mono_s() - t0, r < 0 ? &err : NULL);
	else if (r < 0 && o.json && strcmp(cmd, "fetch"))
		cli_json_error(cmd, &err);
	outcome_list_free(&outcomes);
	free(made);
	if (r < 0) {
		/* the message may carry names a build chose */
		char msg[termsafe_room(sizeof err.msg)];
		fprintf(stderr, "cloister %s: %s\n", cmd, termsafe_str(err.msg, msg, sizeof msg));
		return cl_exit_status(&err);
	}
	return EXIT_OK;
}
