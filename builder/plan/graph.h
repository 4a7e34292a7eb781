/* The dependency graph of a build: the recipes asked for (one, or a
 * machine's packages), and the closure of their build-needs and depends, loaded from the recipes folder, checked
 * (missing recipes and cycles are errors that print the path) and put in
 * build order. */
#ifndef CLOISTER_GRAPH_H
#define CLOISTER_GRAPH_H

#include <stddef.h>
#include <stdio.h>

#include "../../common/err.h"
#include "recipe.h"

struct graph {
	struct recipe *nodes;  /* in build order: every node after what it needs */
	char *is_root;         /* per node: 1 when it was asked for */
	size_t *by_name;       /* node indices sorted by name, for graph_find */
	size_t n;
};

/* A recipe asked for, and where it was named (a file and line, or the
 * command line when where is NULL), for the message when it is missing. */
struct graph_root {
	const char *name;
	const char *where;
	int line;
};

int graph_load(const char *recipes_dir, const struct graph_root *roots, size_t n_roots, struct graph *g,
	       struct cl_err *err);
void graph_free(struct graph *g);
/* Index of name in g, or -1. */
long graph_find(const struct graph *g, const char *name);
/* The nodes whose outputs form node i's build root over the seed: its
 * build-needs and, transitively, their depends.  out gets indices (sorted
 * by build order); returns the count. */
size_t graph_layers(const struct graph *g, size_t i, size_t *out);
/* Graphviz DOT. */
void graph_dot(const struct graph *g, FILE *f);

#endif
