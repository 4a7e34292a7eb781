/* See build_seeds.h. */
#define _GNU_SOURCE
#include "build_seeds.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../seed/seed.h"

static int resolve_seed(const struct build_opts *o, const char *set, char hash[SHA256_HEX_LEN + 1],
			char *tree, size_t len, struct cl_err *err)
{
	struct seed_ctx c = { .set = set, .fetch = &o->fetch, .quiet = true };
	snprintf(c.home, sizeof c.home, "%s", o->home);
	snprintf(c.lock, sizeof c.lock, "%s", o->seed_lock);
	snprintf(c.skeleton, sizeof c.skeleton, "%s", o->seed_skeleton);
	int r = seed_build(&c, hash, tree, len, err);
	/* offline, the cache and file:// mirrors may still have them */
	if (r == -ENOENT) {
		build_notef(o, NOTE_PROGRESS, "fetching the seed%s", strcmp(set, "base") ? " (kernel build set)" : "");
		TRY(seed_fetch(&c, err));
		r = seed_build(&c, hash, tree, len, err);
	}
	if (r < 0)
		return cl_err_prefix(err, "the seed");
	return 0;
}

int resolve_seeds(const struct build_opts *o, const struct graph *g, struct seeds *sd,
			 struct cl_err *err)
{
	sd->n = 0;
	for (size_t i = 0; i < g->n; i++) {
		const char *set = g->nodes[i].seed;
		size_t k = 0;
		while (k < sd->n && strcmp(sd->s[k].set, set) != 0)
			k++;
		if (k < sd->n)
			continue;
		if (k == sizeof sd->s / sizeof *sd->s)
			return cl_err_msg(err, EINVAL, "%s: too many seed sets", g->nodes[i].dir);
		snprintf(sd->s[k].set, sizeof sd->s[k].set, "%s", set);
		TRY(resolve_seed(o, set, sd->s[k].hash, sd->s[k].tree, sizeof sd->s[k].tree, err));
		sd->n++;
	}
	return 0;
}

size_t seed_of(const struct seeds *sd, const struct recipe *r)
{
	size_t k = 0;
	while (k + 1 < sd->n && strcmp(sd->s[k].set, r->seed) != 0)
		k++;
	return k;
}
