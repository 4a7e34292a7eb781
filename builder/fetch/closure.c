#define _GNU_SOURCE
#include "closure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plan/graph.h"
#include "../plan/recipe.h"
#include "../seed/seedlock.h"

static struct closure_input *add(struct closure_inputs *c, const char *sha256, struct cl_err *err)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].sha256, sha256))
			return NULL;   /* already listed: one download serves both */
	struct closure_input *nv = realloc(c->v, (c->n + 1) * sizeof *nv);
	if (!nv) {
		cl_err_set(err, ENOMEM, "listing inputs");
		return (struct closure_input *)-1;
	}
	c->v = nv;
	struct closure_input *in = &nv[c->n++];
	memset(in, 0, sizeof *in);
	memcpy(in->sha256, sha256, SHA256_HEX_LEN + 1);
	return in;
}

#define ADD_OR_FAIL(in, c, sha)                         \
	struct closure_input *in = add(c, sha, err);    \
	if (in == (struct closure_input *)-1)           \
		goto fail;                              \
	if (!in)                                        \
		continue

static int add_seed(struct closure_inputs *out, const struct seed_lock *sl, const char *lock, const char *set,
		    struct cl_err *err)
{
	for (size_t i = 0; i < sl->n; i++) {
		const struct seed_pkg *p = &sl->pkgs[i];
		if (!seed_pkg_selected(p, set))
			continue;
		struct closure_input *in = add(out, p->sha256, err);
		if (in == (struct closure_input *)-1)
			return -err->code;
		if (!in)
			continue;
		in->kind = INPUT_SEED_DEB;
		snprintf(in->where, sizeof in->where, "%s:%d", lock, p->line);
		snprintf(in->package, sizeof in->package, "%s", p->name);
		snprintf(in->version, sizeof in->version, "%s", p->version);
		snprintf(in->file, sizeof in->file, "%.120s_%.120s.deb", p->name, p->version);
		snprintf(in->suite, sizeof in->suite, "%s", p->suite);
		in->moving = p->moving;
		in->size = p->size;
	}
	return 0;
}

int closure_inputs_collect(const char *recipes_dir, const struct graph_root *roots, size_t n_roots,
			   const char *lock, const char *set, struct closure_inputs *out, struct cl_err *err)
{
	struct seed_lock sl;
	memset(out, 0, sizeof *out);
	TRY(seed_lock_read(lock, &sl, err));
	if (add_seed(out, &sl, lock, set, err) < 0)
		goto fail;
	if (n_roots == 0) {
		seed_lock_free(&sl);
		return 0;
	}

	struct graph g;
	if (graph_load(recipes_dir, roots, n_roots, &g, err) < 0)
		goto fail;
	for (size_t i = 0; i < g.n; i++) {
		const struct recipe *r = &g.nodes[i];
		/* the kernel-build set, when a recipe of the closure asks for it */
		if (strcmp(r->seed, "base") != 0 && add_seed(out, &sl, lock, r->seed, err) < 0) {
			graph_free(&g);
			goto fail;
		}
		for (size_t k = 0; k < r->n_sources; k++) {
			const struct recipe_source *s = &r->sources[k];
			if (s->kind == SRC_FILE)
				continue;   /* in the repository */
			ADD_OR_FAIL(in, out, s->sha256);
			/* a deb-file source is a binary package like the seed's */
			in->kind = s->kind == SRC_DEBIAN ? INPUT_DEBIAN_SRC : s->kind == SRC_DEB_FILE ? INPUT_SEED_DEB
												 : INPUT_CACHE;
			snprintf(in->where, sizeof in->where, "%s/recipe:%d", r->dir, s->line);
			snprintf(in->package, sizeof in->package, "%s", s->package);
			snprintf(in->version, sizeof in->version, "%s", s->version);
			if (s->kind == SRC_DEB_FILE)
				snprintf(in->file, sizeof in->file, "%.120s_%.120s.deb", s->package, s->version);
			else
				snprintf(in->file, sizeof in->file, "%s", s->name);
			snprintf(in->suite, sizeof in->suite, "%s", s->suite);
			in->moving = s->moving;
		}
	}
	graph_free(&g);
	seed_lock_free(&sl);
	return 0;
fail:
	seed_lock_free(&sl);
	closure_inputs_free(out);
	return -err->code;
}

void closure_inputs_free(struct closure_inputs *c)
{
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
