/* `cloister fetch`: download, check (--check) or export (--export DIR)
 * every input of a closure.  This file is the reporter of the preflight:
 * the stages (fetch/closure.c, fetch/preflight.c, fetch/export.c) return
 * what they found and only this prints it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/fsutil.h"
#include "../../common/json.h"
#include "../build/build.h"
#include "cli.h"
#include "../fetch/closure.h"
#include "../fetch/export.h"
#include "../fetch/preflight.h"
#include "../plan/graph.h"
#include "../plan/recipe.h"
#include "../seed/seed.h"
#include "../fetch/sources.h"

/* --all: every folder of the recipes folder that holds a recipe file. */
static int all_recipes(const char *dir, struct graph_root **roots, size_t *n, char ***names,
		       struct cl_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cl_err_set(err, errno, "%s", dir);
	size_t k = 0, total;
	int r = list_dir_sorted(fd, names, &total, err);
	close(fd);
	if (r < 0)
		return r;
	*roots = calloc(total + 1, sizeof **roots);
	if (!*roots)
		return cl_err_set(err, ENOMEM, "listing recipes");
	for (size_t i = 0; i < total; i++) {
		char f[PATH_MAX * 2];
		snprintf(f, sizeof f, "%s/%s/recipe", dir, (*names)[i]);
		if (recipe_name_valid((*names)[i]) && access(f, F_OK) == 0)
			(*roots)[k++] = (struct graph_root){ (*names)[i], NULL, 0 };
	}
	*n = k;
	return (int)total;
}

static const char *kind_word(enum input_kind k)
{
	return k == INPUT_SEED_DEB ? "seed package" : k == INPUT_DEBIAN_SRC ? "source" : "cached file";
}

static void print_input(FILE *f, const char *lead, const struct closure_input *x)
{
	if (x->kind == INPUT_CACHE)
		fprintf(f, "%s%s: %s %s (sha256 %s)", lead, x->where, kind_word(x->kind), x->file, x->sha256);
	else
		fprintf(f, "%s%s: %s %s %s (sha256 %s)", lead, x->where, kind_word(x->kind), x->package,
			x->version, x->sha256);
	if (x->kind == INPUT_DEBIAN_SRC)
		fprintf(f, " file %s", x->file);
	if (x->suite[0])
		fprintf(f, ", pinned from %s%s", x->suite, x->moving ? " (a suite that drops old versions)" : "");
	else if (x->kind == INPUT_DEBIAN_SRC)
		fprintf(f, ", suite not recorded");
	fputc('\n', f);
}

static const char *kind_key(enum input_kind k)
{
	return k == INPUT_SEED_DEB ? "seed-deb" : k == INPUT_DEBIAN_SRC ? "debian-source" : "cache";
}

static const char *from_key(enum input_source s)
{
	static const char *const keys[] = { "cache", "mirror", "archive", "snapshot", "nowhere" };
	return keys[s];
}

/* --json: every input with where it comes from (docs/json.md). */
static void report_json(const struct build_opts *o, const struct fetch_request *fr, const char *mode,
			const struct closure_inputs *in, const struct preflight_result *res,
			const struct cl_err *err, int r)
{
	struct json_out j = { .f = stdout };
	json_begin(&j, '{');
	json_field_str(&j, "command", "fetch");
	json_field_str(&j, "mode", mode);
	json_field_str(&j, "what", fr->what);
	json_field_bool(&j, "ok", r == 0);
	if (fr->export_dir)
		json_field_str(&j, "export", fr->export_dir);
	json_key(&j, "inputs");
	json_begin(&j, '[');
	for (size_t i = 0; i < in->n; i++) {
		const struct closure_input *x = &in->v[i];
		json_begin(&j, '{');
		json_field_str(&j, "kind", kind_key(x->kind));
		json_field_str(&j, "where", x->where);
		json_field_str(&j, "package", x->package[0] ? x->package : NULL);
		json_field_str(&j, "version", x->version[0] ? x->version : NULL);
		json_field_str(&j, "file", x->file);
		json_field_str(&j, "sha256", x->sha256);
		json_field_int(&j, "size", (long long)x->size);
		json_field_str(&j, "suite", x->suite[0] ? x->suite : NULL);
		json_field_bool(&j, "moving", x->moving);
		if (res && res->from) {
			json_field_str(&j, "from", from_key(res->from[i]));
			if (res->from[i] == FROM_MIRROR)
				json_field_str(&j, "mirror", o->fetch.mirrors[res->mirror[i]]);
		}
		json_end(&j, '}');
	}
	json_end(&j, ']');
	if (res && res->from)
		json_field_int(&j, "gone", (long long)res->n_gone);
	if (r < 0) {
		json_key(&j, "error");
		json_begin(&j, '{');
		json_field_str(&j, "class", cl_class_name(cl_err_class(err)));
		json_field_str(&j, "message", err->msg);
		json_field_int(&j, "exit", cl_exit_status(err));
		json_end(&j, '}');
	}
	json_end(&j, '}');
}

/* The one block a user reads before anything fails many times over. */
static void report(const struct build_opts *o, const struct fetch_request *fr, const struct closure_inputs *in,
		   const struct preflight_result *res)
{
	size_t count[FROM_NOWHERE + 1] = { 0 };
	for (size_t i = 0; i < in->n; i++)
		count[res->from[i]]++;
	printf("%s: %zu inputs: %zu in the download cache, %zu on mirrors, %zu in the package archive, "
	       "%zu only in the snapshot service, %zu nowhere\n", fr->what, in->n, count[FROM_CACHE],
	       count[FROM_MIRROR], count[FROM_ARCHIVE], count[FROM_SNAPSHOT], count[FROM_NOWHERE]);
	for (size_t i = 0; i < in->n; i++) {
		const struct closure_input *x = &in->v[i];
		if (res->from[i] == FROM_MIRROR && o->verbose)
			printf("  on mirror %s: %s\n", o->fetch.mirrors[res->mirror[i]], x->file);
		else if (res->from[i] == FROM_SNAPSHOT)
			print_input(stdout, "  only in the snapshot service: ", x);
		else if (x->moving && res->from[i] != FROM_NOWHERE)
			print_input(stdout, "  moving pin: ", x);
	}
	if (res->n_gone == 0)
		return;
	fprintf(stderr, "\n%zu pinned input%s can no longer be fetched%s:\n", res->n_gone,
		res->n_gone == 1 ? "" : "s", o->fetch.offline ? " offline" : "");
	for (size_t i = 0; i < in->n; i++)
		if (res->from[i] == FROM_NOWHERE)
			print_input(stderr, "  ", &in->v[i]);
	fprintf(stderr,
		"Ways forward:\n"
		"  - update the pin to a version of the frozen suite: `cloister seed update` rewrites\n"
		"    rootfs-seed/seed.lock; for a recipe, `apt-cache madison PACKAGE` lists the versions\n"
		"    (edit its source line); review the change, since it changes what is built\n"
		"  - add a mirror that has the files: --mirror URL or CLOISTER_MIRRORS (laid out as\n"
		"    URL/sha256/HEX; `cloister fetch --export DIR` on a machine that has them makes one)\n"
		"  - for the seed, a folder with the .debs: `cloister seed fetch --from DIR`\n"
		"docs/seed.md, \"When a pin vanishes\", explains each.\n");
}

static int fetch_all(const struct build_opts *o, const char *set, const struct graph_root *roots,
		     size_t n_roots, struct cl_err *err)
{
	struct seed_ctx c = { .set = set, .fetch = &o->fetch, .quiet = o->quiet };
	snprintf(c.home, sizeof c.home, "%s", o->home);
	snprintf(c.lock, sizeof c.lock, "%s", o->seed_lock);
	TRY(seed_fetch(&c, err));
	if (n_roots == 0)
		return 0;
	struct graph g;
	TRY(graph_load(o->recipes, roots, n_roots, &g, err));
	int r = 0;
	/* the kernel-build set too, when a recipe asks for it (`seed: base kbuild`) */
	for (size_t i = 0; r == 0 && i < g.n; i++)
		if (strcmp(g.nodes[i].seed, "base") != 0 && strcmp(set, "all") != 0 && strcmp(set, g.nodes[i].seed) != 0) {
			c.set = set = g.nodes[i].seed;
			r = seed_fetch(&c, err);
		}
	for (size_t i = 0; r == 0 && i < g.n; i++)
		r = sources_fetch(o->home, &g.nodes[i], &o->fetch, o->quiet, err);
	graph_free(&g);
	return r;
}

int cmd_fetch(const struct build_opts *o, const struct fetch_request *fr, const struct graph_root *roots,
	      size_t n_roots, struct cl_err *err)
{
	struct graph_root *every = NULL;
	char **names = NULL;
	int listed = 0;
	/* --all is what the test suite needs: the whole seed */
	const char *set = fr->all ? "all" : "base";
	if (fr->all) {
		listed = all_recipes(o->recipes, &every, &n_roots, &names, err);
		if (listed < 0)
			return listed;
		roots = every;
	}
	struct closure_inputs in = { 0 };
	struct preflight_result res = { 0 };
	int r = closure_inputs_collect(o->recipes, roots, n_roots, o->seed_lock, set, &in, err);
	if (r < 0 && o->json)
		report_json(o, fr, fr->check ? "check" : fr->export_dir ? "export" : "fetch", &in, NULL, err, r);
	if (r == 0 && fr->check) {
		r = preflight_check(o->home, &o->fetch, &in, &res, err);
		if (r < 0 && o->json)
			report_json(o, fr, "check", &in, NULL, err, r);
		if (r == 0) {
			if (!o->json)
				report(o, fr, &in, &res);
			if (res.n_gone)
				r = cl_err_msg(err, ENOENT, "%zu pinned input%s of %s can no longer be fetched%s",
					       res.n_gone, res.n_gone == 1 ? "" : "s", fr->what,
					       o->json ? "" : " (above)");
			if (o->json)
				report_json(o, fr, "check", &in, &res, err, r);
			preflight_result_free(&res);
		}
	} else if (r == 0) {
		r = fetch_all(o, set, roots, n_roots, err);
		if (r == 0 && fr->export_dir)
			r = export_inputs(o->home, &in, fr->export_dir, err);
		if (o->json)
			report_json(o, fr, fr->export_dir ? "export" : "fetch", &in, NULL, err, r);
		if (r == 0 && !o->quiet && !o->json)
			fprintf(stderr, "every input of %s (%zu file%s) is in the download cache%s%s\n", fr->what,
				in.n, in.n == 1 ? "" : "s", fr->export_dir ? " and in " : "",
				fr->export_dir ? fr->export_dir : "");
	}
	closure_inputs_free(&in);
	free(every);
	free_names(names, listed > 0 ? (size_t)listed : 0);
	return r;
}
