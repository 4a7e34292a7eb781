#define _GNU_SOURCE
#include "graph.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/fsutil.h"

struct loader {
	const char *dir;
	struct recipe *all;     /* loaded so far, in any order */
	size_t n;
	int *state;             /* 0 new, 1 on the DFS stack, 2 done */
	size_t *stack;          /* indices on the DFS stack, for cycle messages */
	size_t depth;
	size_t *order;          /* post-order: build order */
	size_t n_order;
};

static long find(const struct loader *L, const char *name)
{
	for (size_t i = 0; i < L->n; i++)
		if (!strcmp(L->all[i].name, name))
			return (long)i;
	return -1;
}

static int grow(struct loader *L)
{
	size_t cap = L->n + 1;
	struct recipe *a = realloc(L->all, cap * sizeof *a);
	if (a)
		L->all = a;
	int *st = realloc(L->state, cap * sizeof *st);
	if (st)
		L->state = st;
	size_t *sk = realloc(L->stack, cap * sizeof *sk);
	if (sk)
		L->stack = sk;
	size_t *o = realloc(L->order, cap * sizeof *o);
	if (o)
		L->order = o;
	return a && st && sk && o ? 0 : -ENOMEM;
}

/* Loads name (needed by parent at its recipe's line, or named by a root
 * at where:line) and everything it needs. */
static int visit(struct loader *L, const char *name, const char *parent, const char *where, int line,
		 struct cl_err *err)
{
	long i = find(L, name);
	if (i >= 0 && L->state[i] == 2)
		return 0;
	if (i >= 0 && L->state[i] == 1) {
		/* a cycle: print it from where it starts */
		char path[2048] = "";
		size_t o = 0, from = 0;
		for (size_t k = 0; k < L->depth; k++)
			if ((long)L->stack[k] == i)
				from = k;
		for (size_t k = from; k < L->depth && o < sizeof path; k++)
			o += (size_t)snprintf(path + o, sizeof path - o, "%s -> ", L->all[L->stack[k]].name);
		snprintf(path + o, sizeof path - o > 0 ? sizeof path - o : 0, "%s", name);
		return cl_err_msg(err, ELOOP, "dependency cycle: %s", path);
	}
	char dir[PATH_MAX];
	if (pathf(err, dir, sizeof dir, "%s/%s", L->dir, name) < 0)
		return -err->code;
	if (access(dir, F_OK) < 0) {
		if (parent)
			return cl_err_msg(err, ENOENT, "recipe '%s' not found (needed by %s at %s/%s/recipe:%d; "
					  "looked for %s)", name, parent, L->dir, parent, line, dir);
		if (where)
			return cl_err_msg(err, ENOENT, "%s:%d: recipe '%s' not found (looked for %s)", where, line,
					  name, dir);
		return cl_err_msg(err, ENOENT, "recipe '%s' not found (looked for %s)", name, dir);
	}
	TRY(grow(L) < 0 ? cl_err_set(err, ENOMEM, "loading recipes") : 0);
	i = (long)L->n;
	if (recipe_load(dir, &L->all[i], err) < 0)
		return -err->code;
	L->n++;
	L->state[i] = 1;
	L->stack[L->depth++] = (size_t)i;
	/* L->all moves as it grows: index it afresh after every visit */
	for (size_t k = 0; k < L->all[i].n_build_needs; k++)
		TRY(visit(L, L->all[i].build_needs[k], L->all[i].name, NULL, L->all[i].build_needs_line, err));
	for (size_t k = 0; k < L->all[i].n_depends; k++)
		TRY(visit(L, L->all[i].depends[k], L->all[i].name, NULL, L->all[i].depends_line, err));
	L->depth--;
	L->state[i] = 2;
	L->order[L->n_order++] = (size_t)i;
	return 0;
}



int graph_load(const char *recipes_dir, const struct graph_root *roots, size_t n_roots, struct graph *g,
	       struct cl_err *err)
{
	struct loader L = { .dir = recipes_dir };
	int r = 0;
	memset(g, 0, sizeof *g);
	for (size_t k = 0; r == 0 && k < n_roots; k++) {
		if (!recipe_name_valid(roots[k].name))
			r = roots[k].where ? cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a recipe name", roots[k].where,
							roots[k].line, roots[k].name)
					   : cl_err_msg(err, EINVAL, "'%s' is not a recipe name", roots[k].name);
		else
			r = visit(&L, roots[k].name, NULL, roots[k].where, roots[k].line, err);
	}
	if (r == 0) {
		g->nodes = calloc(L.n ? L.n : 1, sizeof *g->nodes);
		g->is_root = calloc(L.n ? L.n : 1, 1);
		if (!g->nodes || !g->is_root)
			r = cl_err_set(err, ENOMEM, "loading recipes");
	}
	if (r == 0) {
		for (size_t k = 0; k < L.n_order; k++)
			g->nodes[k] = L.all[L.order[k]];
		g->n = L.n_order;
		for (size_t k = 0; k < n_roots; k++)
			g->is_root[graph_find(g, roots[k].name)] = 1;
	} else {
		for (size_t k = 0; k < L.n; k++)
			recipe_free(&L.all[k]);
		free(g->nodes);
		free(g->is_root);
		memset(g, 0, sizeof *g);
	}
	free(L.all);
	free(L.state);
	free(L.stack);
	free(L.order);
	return r;
}

void graph_free(struct graph *g)
{
	for (size_t i = 0; i < g->n; i++)
		recipe_free(&g->nodes[i]);
	free(g->nodes);
	free(g->is_root);
	g->nodes = NULL;
	g->is_root = NULL;
	g->n = 0;
}

long graph_find(const struct graph *g, const char *name)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->nodes[i].name, name))
			return (long)i;
	return -1;
}

static void add_with_depends(const struct graph *g, long j, char *mark)
{
	if (j < 0 || mark[j])
		return;
	mark[j] = 1;
	for (size_t k = 0; k < g->nodes[j].n_depends; k++)
		add_with_depends(g, graph_find(g, g->nodes[j].depends[k]), mark);
}

size_t graph_layers(const struct graph *g, size_t i, size_t *out)
{
	char *mark = calloc(g->n, 1);
	size_t n = 0;
	if (!mark)
		return 0;
	for (size_t k = 0; k < g->nodes[i].n_build_needs; k++)
		add_with_depends(g, graph_find(g, g->nodes[i].build_needs[k]), mark);
	for (size_t j = 0; j < g->n; j++)
		if (mark[j])
			out[n++] = j;
	free(mark);
	return n;
}

void graph_dot(const struct graph *g, FILE *f)
{
	fprintf(f, "digraph cloister {\n\trankdir=LR;\n\tnode [shape=box];\n");
	for (size_t i = 0; i < g->n; i++)
		fprintf(f, "\t\"%s\" [label=\"%s\\n%s\"];\n", g->nodes[i].name, g->nodes[i].name,
			g->nodes[i].version);
	for (size_t i = 0; i < g->n; i++) {
		for (size_t k = 0; k < g->nodes[i].n_build_needs; k++)
			fprintf(f, "\t\"%s\" -> \"%s\" [label=\"build-needs\"];\n", g->nodes[i].name,
				g->nodes[i].build_needs[k]);
		for (size_t k = 0; k < g->nodes[i].n_depends; k++)
			fprintf(f, "\t\"%s\" -> \"%s\" [label=\"depends\", style=dashed];\n",
				g->nodes[i].name, g->nodes[i].depends[k]);
	}
	fprintf(f, "}\n");
}
