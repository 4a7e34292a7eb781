/* `cloister build -r`, `cloister fetch -r`, `cloister graph -r`, `cloister verify`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "cli.h"
#include "graph.h"
#include "home.h"
#include "store.h"

const char build_usage[] =
	"usage: cloister build -r RECIPE [OPTIONS]     build RECIPE and what it needs\n"
	"       cloister fetch -r RECIPE [OPTIONS]     download every source of its closure\n"
	"       cloister graph -r RECIPE [OPTIONS]     print the dependency graph (Graphviz DOT)\n"
	"       cloister check -r RECIPE [OPTIONS]     rebuild it twice, varied, even if stored, and compare\n"
	"                                              both with each other and with the stored output\n"
	"       cloister verify [OPTIONS]              re-check every store entry against its manifest\n"
	"       cloister gc [OPTIONS]                  remove kept unreproducible pairs, dead stages, old logs\n"
	"\n"
	"Options:\n"
	"  -r RECIPE          the recipe (a folder of --recipes)\n"
	"  -j N               jobs a build may use ($JOBS inside; default: the CPUs)\n"
	"  -v, --verbose      stream build logs\n"
	"  -q, --quiet        no progress lines\n"
	"  --offline          never touch the network; say which digest is missing\n"
	"  --no-check         build once instead of twice; the entry records it was not checked\n"
	"  --recipes DIR      the recipes folder (default ./recipes)\n"
	"  --store DIR        CLOISTER_HOME (default ${XDG_CACHE_HOME:-$HOME/.cache}/cloister)\n"
	"  --seed-lock FILE, --seed-skeleton DIR   the seed (default rootfs-seed/...)\n"
	"\n"
	"Exit status: 0 done; 1 a build failed; 2 bad usage or bad input (recipe syntax, a\n"
	"missing recipe, a cycle, a wrong sha256).\n";

int cmd_build(int argc, char **argv)
{
	const char *cmd = argv[0];
	struct build_opts o = { 0 };
	struct cl_err err = { 0 };
	const char *recipe = NULL, *store = NULL, *recipes = NULL, *lock = NULL, *skel = NULL;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	o.jobs = cpus > 0 ? (unsigned)cpus : 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(build_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o.verbose = true;
			continue;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o.quiet = true;
			continue;
		} else if (!strcmp(a, "--offline")) {
			o.offline = true;
			continue;
		} else if (!strcmp(a, "--no-check")) {
			o.no_check = true;
			continue;
		} else if (!strcmp(a, "-r")) {
			val = &recipe;
		} else if (!strcmp(a, "--store")) {
			val = &store;
		} else if (!strcmp(a, "--recipes")) {
			val = &recipes;
		} else if (!strcmp(a, "--seed-lock")) {
			val = &lock;
		} else if (!strcmp(a, "--seed-skeleton")) {
			val = &skel;
		} else if (!strcmp(a, "-j")) {
			if (i + 1 >= argc || atoi(argv[i + 1]) < 1 || atoi(argv[i + 1]) > 1024) {
				fprintf(stderr, "cloister %s: -j needs a number from 1 to 1024\n", cmd);
				return EXIT_USAGE;
			}
			o.jobs = (unsigned)atoi(argv[++i]);
			continue;
		} else {
			fprintf(stderr, "cloister %s: unknown option '%s' (see cloister %s --help)\n", cmd, a, cmd);
			return EXIT_USAGE;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "cloister %s: %s needs an argument\n", cmd, a);
			return EXIT_USAGE;
		}
		*val = argv[++i];
	}
	if (!strcmp(cmd, "check")) {
		if (o.no_check) {
			fprintf(stderr, "cloister check: --no-check makes no sense here\n");
			return EXIT_USAGE;
		}
		o.recheck = true;
	}
	if (strcmp(cmd, "verify") != 0 && strcmp(cmd, "gc") != 0 && !recipe) {
		fprintf(stderr, "cloister %s: which recipe? (-r RECIPE; machines come later)\n", cmd);
		return EXIT_USAGE;
	}
	int r = cloister_home(store, o.home, sizeof o.home, &err);
	if (r == 0 && !strcmp(cmd, "gc")) {
		r = store_gc(o.home, o.quiet, &err);
		if (r >= 0)
			return EXIT_OK;
		fprintf(stderr, "cloister gc: %s\n", err.msg);
		return EXIT_FAILED;
	}
	if (r == 0 && !strcmp(cmd, "verify")) {
		r = store_verify(o.home, o.quiet, &err);
		if (r >= 0)
			return r > 0 ? EXIT_FAILED : EXIT_OK;
		fprintf(stderr, "cloister verify: %s\n", err.msg);
		return EXIT_FAILED;
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
	if (r == 0 && !strcmp(cmd, "graph")) {
		struct graph g;
		r = graph_load(o.recipes, recipe, &g, &err);
		if (r == 0) {
			graph_dot(&g, stdout);
			graph_free(&g);
		}
	} else if (r == 0 && !strcmp(cmd, "fetch")) {
		r = fetch_recipe(&o, recipe, &err);
	} else if (r == 0) {
		r = build_recipe(&o, recipe, &err);
	}
	if (r < 0) {
		fprintf(stderr, "cloister %s: %s\n", cmd, err.msg);
		/* a failed build is 1; anything the user must fix in the input is 2 */
		return err.code == EIO ? EXIT_FAILED : EXIT_USAGE;
	}
	return EXIT_OK;
}
