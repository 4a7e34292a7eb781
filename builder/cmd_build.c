/* `cloister build`, `fetch`, `graph`, `check`, `verify`, `gc`. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "cli/interrupt.h"
#include "cli.h"
#include "cli_opts.h"
#include "graph.h"
#include "home.h"
#include "machine.h"
#include "plan/machine_settings.h"
#include "store.h"

const char build_usage[] =
	"usage: cloister build -r RECIPE [OPTIONS]     build RECIPE and what it needs\n"
	"       cloister build MACHINE [OPTIONS]       build every recipe of machines/MACHINE with its settings\n"
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
	"       cloister verify [OPTIONS]              re-check every store entry against its manifest\n"
	"       cloister gc [OPTIONS]                  remove kept unreproducible pairs, dead stages, old logs\n"
	"\n"
	"Options:\n"
	"  -r RECIPE          the recipe (a folder of --recipes)\n"
	"  MACHINE            a machine (a folder of --machines): the recipes its\n"
	"                     settings/packages.list names, and their closure, each built\n"
	"                     with the machine's compiler flags and package configurations\n"
	"  -j N               jobs a build may use ($JOBS inside; default: the CPUs)\n"
	"  -v, --verbose      stream build logs\n"
	"  -q, --quiet        no progress lines\n"
	"  --offline          never touch the network (file:// mirrors still count); say which\n"
	"                     digest is missing\n"
	"  --mirror URL       look for a missing input at URL/sha256/HEX first (http://, https://,\n"
	"                     file://; repeatable; also CLOISTER_MIRRORS, space-separated)\n"
	"  --snapshot URL     Debian's snapshot service, the last resort (also CLOISTER_SNAPSHOT;\n"
	"                     default: the one the machine's apt sources name; 'off')\n"
	"  --all              fetch: every recipe of --recipes and the whole seed\n"
	"  --no-check         build once instead of twice; the entry records it was not checked\n"
	"  --recipes DIR      the recipes folder (default ./recipes)\n"
	"  --machines DIR     the machines folder (default ./machines)\n"
	"  --store DIR        CLOISTER_HOME (default ${XDG_CACHE_HOME:-$HOME/.cache}/cloister)\n"
	"  --seed-lock FILE, --seed-skeleton DIR   the seed (default rootfs-seed/...)\n"
	"\n"
	"Exit status: 0 done; 1 a build failed or was not reproducible; 2 bad usage or bad\n"
	"input (recipe or machine settings syntax, a missing recipe, a cycle, a wrong sha256).\n";

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

int cmd_build(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct build_opts o = { 0 };
	struct cl_err err = { 0 };
	const char *recipe = NULL, *machine = NULL, *machines = NULL, *store = NULL, *recipes = NULL,
		   *lock = NULL, *skel = NULL;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	o.jobs = cpus > 0 ? (unsigned)cpus : 1;

	const char *jobs = NULL, *snapshot = NULL, *export_dir = NULL;
	bool offline = false, fetch_check = false, all = false;
	struct cli_list mirrors = { 0 };
	const struct cli_opt opts[] = {
		{ "--verbose", "-v", &o.verbose, NULL },
		{ "--quiet", "-q", &o.quiet, NULL },
		{ "--offline", NULL, &offline, NULL },
		{ "--snapshot", NULL, NULL, &snapshot },
		{ "--check", NULL, &fetch_check, NULL },
		{ "--export", NULL, NULL, &export_dir },
		{ "--all", NULL, &all, NULL },
		{ "--no-check", NULL, &o.no_check, NULL },
		{ "-r", NULL, NULL, &recipe },
		{ "-j", NULL, NULL, &jobs },
		{ "--store", NULL, NULL, &store },
		{ "--recipes", NULL, NULL, &recipes },
		{ "--machines", NULL, NULL, &machines },
		{ "--seed-lock", NULL, NULL, &lock },
		{ "--seed-skeleton", NULL, NULL, &skel },
		{ 0 },
	};
	const struct cli_list_opt lists[] = { { "--mirror", &mirrors }, { 0 } };
	int p = cli_parse_lists(cmd, argc, argv, opts, lists, &machine);
	if (p != 0) {
		if (p > 0)
			fputs(build_usage, stdout);
		return p > 0 ? EXIT_OK : EXIT_USAGE;
	}
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
	if (cli_fetch_opts(cmd, &mirrors, snapshot, offline, &o.fetch) < 0)
		return EXIT_USAGE;
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
	bool needs_target = strcmp(cmd, "verify") != 0 && strcmp(cmd, "gc") != 0;
	if (needs_target && !recipe && !machine && !all) {
		fprintf(stderr, "cloister %s: which recipe or machine? (-r RECIPE, or MACHINE)\n", cmd);
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
	int r = cloister_home(store, o.home, sizeof o.home, &err);
	if (r == 0 && (!strcmp(cmd, "build") || !strcmp(cmd, "check"))) {
		char what[300];
		snprintf(what, sizeof what, "cloister %s %s%s", cmd, recipe ? "-r " : "",
			 recipe ? recipe : machine ? machine : "");
		int g = interrupt_guard(o.home, what);
		if (g >= 0)
			return g;
	}
	if (r == 0 && !strcmp(cmd, "gc")) {
		r = store_gc(o.home, o.quiet, &err);
		if (r >= 0)
			return EXIT_OK;
		fprintf(stderr, "cloister gc: %s\n", err.msg);
		return cl_exit_status(&err);
	}
	if (r == 0 && !strcmp(cmd, "verify")) {
		r = store_verify(o.home, o.quiet, &err);
		if (r >= 0)
			return r > 0 ? EXIT_FAILED : EXIT_OK;
		fprintf(stderr, "cloister verify: %s\n", err.msg);
		return cl_exit_status(&err);
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
	}
	if (r == 0 && !strcmp(cmd, "graph")) {
		struct graph g;
		r = graph_load(o.recipes, roots, n_roots, &g, &err);
		if (r == 0) {
			graph_dot(&g, stdout);
			graph_free(&g);
		}
	} else if (r == 0 && !strcmp(cmd, "fetch")) {
		struct fetch_request fr = { .check = fetch_check, .export_dir = export_dir, .all = all,
					    .what = all ? "every recipe" : machine ? machine : recipe };
		r = cmd_fetch(&o, &fr, all ? NULL : roots, all ? 0 : n_roots, &err);
	} else if (r == 0) {
		r = build_targets(&o, roots, n_roots, &err);
	}
	if (roots != &one)
		free(roots);
	machine_free(&m);
	fetch_opts_release(&o.fetch);
	machine_settings_free(&ms);
	if (r < 0) {
		fprintf(stderr, "cloister %s: %s\n", cmd, err.msg);
		return cl_exit_status(&err);
	}
	return EXIT_OK;
}
