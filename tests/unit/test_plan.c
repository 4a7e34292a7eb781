/* The plan's units: the recipe graph (order, cycles, missing recipes)
 * and the input hash (equal for equal inputs; changed by every input),
 * over recipe folders written here. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../builder/plan/graph.h"
#include "../../builder/plan/inputs.h"
#include "test.h"

static char top[] = "/tmp/test_plan.XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[512], cmd[600];
	snprintf(path, sizeof path, "%s/%s", top, rel);
	snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd) != 0)
		printf("  mkdir failed for %s\n", path);
	FILE *f = fopen(path, "w");
	if (!f) {
		printf("  cannot write %s\n", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

static void recipe(const char *dir, const char *name, const char *needs)
{
	char rel[256], text[512];
	snprintf(rel, sizeof rel, "%s/%s/recipe", dir, name);
	snprintf(text, sizeof text, "name: %s\nversion: 1\nlicense: MIT\n%s%s%s", name, needs ? "build-needs: " : "",
		 needs ? needs : "", needs ? "\n" : "");
	put(rel, text);
	snprintf(rel, sizeof rel, "%s/%s/build", dir, name);
	put(rel, "mkdir -p \"$OUT/usr\"\n");
}

static long index_of(const struct graph *g, const char *name)
{
	return graph_find(g, name);
}

static void the_graph_orders_dependencies_first(void)
{
	/* a diamond: app needs lib and tool, both need base */
	recipe("r1", "base", NULL);
	recipe("r1", "lib", "base");
	recipe("r1", "tool", "base");
	recipe("r1", "app", "lib tool");
	recipe("r1", "unrelated", NULL);
	char dir[300];
	snprintf(dir, sizeof dir, "%s/r1", top);
	struct graph_root root = { .name = "app", .where = "test", .line = 1 };
	struct graph g = { 0 };
	struct cl_err err = { 0 };
	int r = graph_load(dir, &root, 1, &g, &err);
	CHECK(r == 0);
	if (r < 0) {
		printf("  %s\n", err.msg);
		return;
	}
	CHECK(g.n == 4); /* each once; unrelated is not in the closure */
	long b = index_of(&g, "base"), l = index_of(&g, "lib"), t = index_of(&g, "tool"), a = index_of(&g, "app");
	CHECK(b >= 0 && l >= 0 && t >= 0 && a >= 0);
	CHECK(b < l && b < t && l < a && t < a);
	CHECK(index_of(&g, "unrelated") < 0);
	CHECK(g.is_root[a] && !g.is_root[b] && !g.is_root[l]);
	graph_free(&g);
}

static void a_cycle_and_a_missing_recipe_are_bad_input(void)
{
	recipe("r2", "x", "y");
	recipe("r2", "y", "z");
	recipe("r2", "z", "x");
	recipe("r2", "w", "nosuch");
	char dir[300];
	snprintf(dir, sizeof dir, "%s/r2", top);
	struct graph_root root = { .name = "x", .where = "test", .line = 1 };
	struct graph g = { 0 };
	struct cl_err err = { 0 };
	CHECK(graph_load(dir, &root, 1, &g, &err) < 0);
	CHECK(strstr(err.msg, "cycle") != NULL);
	CHECK(cl_err_class(&err) == CL_BAD_INPUT || cl_exit_status(&err) == 2);
	if (test_current_failed)
		printf("  %s\n", err.msg);
	struct graph_root root_w = { .name = "w", .where = "test", .line = 1 };
	struct cl_err err2 = { 0 };
	CHECK(graph_load(dir, &root_w, 1, &g, &err2) < 0);
	CHECK(strstr(err2.msg, "nosuch") != NULL);
	CHECK(cl_exit_status(&err2) == 2);
	if (test_current_failed)
		printf("  %s\n", err2.msg);
}

static const char seed_a[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char seed_b[] = "2222222222222222222222222222222222222222222222222222222222222222";

/* The input hash of recipes/NAME in dir r3, with one dependency whose
 * output hash is dep_hash. */
static int hash_of(const char *name, const char *seed, const char *dep_hash, char out[SHA256_HEX_LEN + 1])
{
	char dir[400];
	snprintf(dir, sizeof dir, "%s/r3/%s", top, name);
	struct recipe r;
	struct cl_err err = { 0 };
	if (recipe_load(dir, &r, &err) < 0) {
		printf("  %s\n", err.msg);
		return -1;
	}
	struct build_dep dep = { .name = "base", .version = "1" };
	snprintf(dep.output_hash, sizeof dep.output_hash, "%s", dep_hash);
	snprintf(dep.out_dir, sizeof dep.out_dir, "/nonexistent");
	struct inputs in = { 0 };
	int rc = inputs_compute(&r, seed, &dep, 1, NULL, &in, &err);
	if (rc == 0)
		memcpy(out, in.hash, SHA256_HEX_LEN + 1);
	else
		printf("  %s\n", err.msg);
	inputs_free(&in);
	recipe_free(&r);
	return rc;
}

static void the_input_hash_follows_every_input(void)
{
	recipe("r3", "app", "base");
	char h0[65], h1[65], h[65];
	CHECK(hash_of("app", seed_a, seed_a, h0) == 0);
	CHECK(hash_of("app", seed_a, seed_a, h1) == 0);
	CHECK(strcmp(h0, h1) == 0); /* the same inputs, the same hash */
	CHECK(hash_of("app", seed_b, seed_a, h) == 0 && strcmp(h, h0) != 0);  /* another seed */
	CHECK(hash_of("app", seed_a, seed_b, h) == 0 && strcmp(h, h0) != 0);  /* a dependency's output */
	put("r3/app/build", "mkdir -p \"$OUT/usr\" \n");                        /* one byte of the script */
	CHECK(hash_of("app", seed_a, seed_a, h) == 0 && strcmp(h, h0) != 0);
	put("r3/app/build", "mkdir -p \"$OUT/usr\"\n");
	CHECK(hash_of("app", seed_a, seed_a, h) == 0 && strcmp(h, h0) == 0);  /* and back */
	put("r3/app/patches/01-fix.patch", "--- a\n+++ b\n");                 /* a new file of the folder */
	CHECK(hash_of("app", seed_a, seed_a, h) == 0 && strcmp(h, h0) != 0);
	char p[400];
	snprintf(p, sizeof p, "%s/r3/app/patches/01-fix.patch", top);
	CHECK(chmod(p, 0755) == 0);                                            /* its executable bit */
	char h2[65];
	CHECK(hash_of("app", seed_a, seed_a, h2) == 0 && strcmp(h2, h) != 0);
	unlink(p);
	put("r3/app/recipe", "name: app\nversion: 2\nlicense: MIT\nbuild-needs: base\n");
	CHECK(hash_of("app", seed_a, seed_a, h) == 0 && strcmp(h, h0) != 0);  /* the recipe's fields */
}

int main(void)
{
	if (!mkdtemp(top))
		return 1;
	RUN(the_graph_orders_dependencies_first);
	RUN(a_cycle_and_a_missing_recipe_are_bad_input);
	RUN(the_input_hash_follows_every_input);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	return system(cmd) != 0 || test_failures != 0;
}
