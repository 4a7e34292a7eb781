#define _GNU_SOURCE
#include "graph.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/fsutil.h"
#include "../../common/text.h"

/* A recipe on the way down, and the next of its edges (its build-needs,
 * then its depends) to follow. */
struct frame {
	size_t node, edge;
};

struct loader {
	const char *dir;
	struct recipe *all;     /* loaded so far, in any order */
	int *state;             /* 0 new, 1 on the stack, 2 done */
	size_t n, cap;
	size_t *slots;          /* open addressing: name -> index + 1 */
	size_t n_slots;
	struct frame *stack;    /* the walk: its path is a cycle's */
	size_t depth, stack_cap;
	size_t *order;          /* post-order: build order */
	size_t n_order;
};

static size_t name_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static long find(const struct loader *L, const char *name)
{
	if (!L->n_slots)
		return -1;
	for (size_t k = name_hash(name) & (L->n_slots - 1);; k = (k + 1) & (L->n_slots - 1)) {
		if (!L->slots[k])
			return -1;
		if (!strcmp(L->all[L->slots[k] - 1].name, name))
			return (long)(L->slots[k] - 1);
	}
}

static void index_add(struct loader *L, size_t i)
{
	size_t k = name_hash(L->all[i].name) & (L->n_slots - 1);
	while (L->slots[k])
		k = (k + 1) & (L->n_slots - 1);
	L->slots[k] = i + 1;
}

/* Room for one more recipe; every array doubles, and the index stays at
 * most half full. */
static int grow(struct loader *L)
{
	if (L->n == L->cap) {
		size_t cap = L->cap ? L->cap * 2 : 16;
		struct recipe *a = realloc(L->all, cap * sizeof *a);
		if (a)
			L->all = a;
		int *st = realloc(L->state, cap * sizeof *st);
		if (st)
			L->state = st;
		size_t *o = realloc(L->order, cap * sizeof *o);
		if (o)
			L->order = o;
		if (!a || !st || !o)
			return -ENOMEM;
		L->cap = cap;
	}
	if (2 * (L->n + 1) > L->n_slots) {
		size_t n_slots = L->n_slots ? L->n_slots * 2 : 32;
		size_t *slots = calloc(n_slots, sizeof *slots);
		if (!slots)
			return -ENOMEM;
		free(L->slots);
		L->slots = slots;
		L->n_slots = n_slots;
		for (size_t i = 0; i < L->n; i++)
			index_add(L, i);
	}
	if (L->depth == L->stack_cap) {
		size_t cap = L->stack_cap ? L->stack_cap * 2 : 16;
		struct frame *f = realloc(L->stack, cap * sizeof *f);
		if (!f)
			return -ENOMEM;
		L->stack = f;
		L->stack_cap = cap;
	}
	return 0;
}

/* The cycle from the stack's node from, back to it: every name when they
 * fit in a message, else the first and the last ones around how many were
 * left out. */
static void cycle_text(const struct loader *L, size_t from, char *out, size_t len)
{
	struct bounded b = { out, len, 0 };
	size_t half = len / 2 - 40, k = from, last = L->depth;
	size_t total = 0;
	for (size_t j = from; j < L->depth; j++)
		total += strlen(L->all[L->stack[j].node].name) + 4;
	bounded_put(&b, "", 0);
	if (total + strlen(L->all[L->stack[from].node].name) >= len) {
		/* the head up to half the room, and as many from the end */
		for (; k < L->depth && b.o + strlen(L->all[L->stack[k].node].name) + 4 < half; k++)
			bounded_printf(&b, "%s -> ", L->all[L->stack[k].node].name);
		size_t tail = 0;
		while (last > k + 1 && tail + strlen(L->all[L->stack[last - 1].node].name) + 4 < half)
			tail += strlen(L->all[L->stack[--last].node].name) + 4;
		bounded_printf(&b, "... (%zu more) -> ", last - k);
		k = last;
	}
	for (; k < L->depth; k++)
		bounded_printf(&b, "%s -> ", L->all[L->stack[k].node].name);
	bounded_printf(&b, "%s", L->all[L->stack[from].node].name);
}

/* Loads recipe name (needed by the recipe on top of the stack, or named
 * by a root at where:line) and puts it on the stack; 0 when it is there
 * already. */
static int enter(struct loader *L, const char *name, const char *where, int line, struct cl_err *err)
{
	const struct recipe *parent = L->depth ? &L->all[L->stack[L->depth - 1].node] : NULL;
	long i = find(L, name);
	if (i >= 0 && L->state[i] == 2)
		return 0;
	if (i >= 0 && L->state[i] == 1) {
		/* a cycle: printed from where it starts, at the edge that closes it */
		size_t from = 0;
		while (L->stack[from].node != (size_t)i)
			from++;
		char text[640];
		cycle_text(L, from, text, sizeof text);
		return cl_err_msg(err, ELOOP, "%s/recipe:%d: dependency cycle: %s", parent->dir, line, text);
	}
	char dir[PATH_MAX];
	if (pathf(err, dir, sizeof dir, "%s/%s", L->dir, name) < 0)
		return -err->code;
	if (access(dir, F_OK) < 0) {
		if (parent)
			return cl_err_msg(err, ENOENT, "recipe '%s' not found (needed by %s at %s/recipe:%d; "
					  "looked for %s)", name, parent->name, parent->dir, line, dir);
		if (where)
			return cl_err_msg(err, ENOENT, "%s:%d: recipe '%s' not found (looked for %s)", where, line,
					  name, dir);
		return cl_err_msg(err, ENOENT, "recipe '%s' not found (looked for %s)", name, dir);
	}
	TRY(grow(L) < 0 ? cl_err_set(err, ENOMEM, "loading recipes") : 0);
	i = (long)L->n;
	if (recipe_load(dir, &L->all[i], err) < 0)
		return -err->code;
	index_add(L, (size_t)i);
	L->n++;
	L->state[i] = 1;
	L->stack[L->depth++] = (struct frame){ (size_t)i, 0 };
	return 0;
}

/* A depth-first walk from one root, with an explicit stack: a chain of
 * any length costs memory, not the C stack. */
static int visit(struct loader *L, const char *name, const char *where, int line, struct cl_err *err)
{
	TRY(enter(L, name, where, line, err));
	while (L->depth > 0) {
		struct frame *f = &L->stack[L->depth - 1];
		const struct recipe *r = &L->all[f->node];
		if (f->edge < r->n_build_needs + r->n_depends) {
			size_t k = f->edge++;
			bool need = k < r->n_build_needs;
			/* L->all moves as it grows: enter() indexes it afresh */
			TRY(enter(L, need ? r->build_needs[k] : r->depends[k - r->n_build_needs], NULL,
				  need ? r->build_needs_line : r->depends_line, err));
			continue;
		}
		L->state[f->node] = 2;
		L->order[L->n_order++] = f->node;
		L->depth--;
	}
	return 0;
}

static int cmp_by_name(const void *a, const void *b, void *g)
{
	const struct recipe *nodes = ((const struct graph *)g)->nodes;
	return strcmp(nodes[*(const size_t *)a].name, nodes[*(const size_t *)b].name);
}

int graph_load(const char *recipes_dir, const struct graph_root *roots, size_t n_roots, struct graph *g,
	       struct cl_err *err)
{
	struct loader L = { .dir = recipes_dir };
	int r = 0;
	memset(g, 0, sizeof *g);
	for (size_t k = 0; r == 0 && k < n_roots; k++) {
		if (!recipe_name_valid(roots[k].name)) {
			char q[QUOTE_MAX];
			r = roots[k].where ? cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a recipe name", roots[k].where,
							roots[k].line, text_quote(q, roots[k].name))
					   : cl_err_msg(err, EINVAL, "'%s' is not a recipe name",
							text_quote(q, roots[k].name));
		} else {
			r = visit(&L, roots[k].name, roots[k].where, roots[k].line, err);
		}
	}
	if (r == 0) {
		g->nodes = calloc(L.n ? L.n : 1, sizeof *g->nodes);
		g->is_root = calloc(L.n ? L.n : 1, 1);
		g->by_name = calloc(L.n ? L.n : 1, sizeof *g->by_name);
		if (!g->nodes || !g->is_root || !g->by_name)
			r = cl_err_set(err, ENOMEM, "loading recipes");
	}
	if (r == 0) {
		for (size_t k = 0; k < L.n_order; k++) {
			g->nodes[k] = L.all[L.order[k]];
			g->by_name[k] = k;
		}
		g->n = L.n_order;
		qsort_r(g->by_name, g->n, sizeof *g->by_name, cmp_by_name, g);
		for (size_t k = 0; k < n_roots; k++)
			g->is_root[graph_find(g, roots[k].name)] = 1;
	} else {
		for (size_t k = 0; k < L.n; k++)
			recipe_free(&L.all[k]);
		free(g->nodes);
		free(g->is_root);
		free(g->by_name);
		memset(g, 0, sizeof *g);
	}
	free(L.all);
	free(L.state);
	free(L.slots);
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
	free(g->by_name);
	g->nodes = NULL;
	g->is_root = NULL;
	g->by_name = NULL;
	g->n = 0;
}

long graph_find(const struct graph *g, const char *name)
{
	size_t lo = 0, hi = g->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(g->nodes[g->by_name[mid]].name, name);
		if (c == 0)
			return (long)g->by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* j, unless marked, onto the work list */
static void mark_push(long j, char *mark, size_t *todo, size_t *nt)
{
	if (j >= 0 && !mark[j]) {
		mark[j] = 1;
		todo[(*nt)++] = (size_t)j;
	}
}

size_t graph_layers(const struct graph *g, size_t i, size_t *out)
{
	/* a work list, not recursion: each node enters it once */
	char *mark = calloc(g->n ? g->n : 1, 1);
	size_t *todo = malloc((g->n ? g->n : 1) * sizeof *todo);
	size_t n = 0, nt = 0;
	if (!mark || !todo) {
		free(mark);
		free(todo);
		return 0;
	}
	for (size_t k = 0; k < g->nodes[i].n_build_needs; k++)
		mark_push(graph_find(g, g->nodes[i].build_needs[k]), mark, todo, &nt);
	while (nt > 0) {
		const struct recipe *r = &g->nodes[todo[--nt]];
		for (size_t k = 0; k < r->n_depends; k++)
			mark_push(graph_find(g, r->depends[k]), mark, todo, &nt);
	}
	for (size_t j = 0; j < g->n; j++)
		if (mark[j])
			out[n++] = j;
	free(mark);
	free(todo);
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
