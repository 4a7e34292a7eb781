#define _GNU_SOURCE
#include "preflight.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apt.h"
#include "cache.h"
#include "snapshot.h"
#include "suites.h"

const char *input_source_name(enum input_source s)
{
	static const char *const names[] = { "download cache", "mirror", "package archive",
					     "snapshot service", "nowhere" };
	return names[s];
}

/* Which of the inputs of kind apt still offers, in one apt-cache run for
 * all of them (per environment: binaries and sources have their own). */
static int ask_archive(struct apt_env *env, const struct closure_inputs *in, enum input_kind kind,
		       enum input_source *from, bool *updated, struct cl_err *err)
{
	size_t n = 0;
	const char **names = calloc(in->n + 1, sizeof *names);
	size_t *idx = calloc(in->n + 1, sizeof *idx);
	struct apt_offers offers = { 0 };
	int r = 0;
	if (!names || !idx) {
		r = cl_err_set(err, ENOMEM, "preflight");
		goto out;
	}
	for (size_t i = 0; i < in->n; i++)
		if (in->v[i].kind == kind && from[i] == FROM_NOWHERE) {
			names[n] = in->v[i].package;
			idx[n++] = i;
		}
	for (int pass = 0; n > 0 && pass < 2; pass++) {
		if ((r = apt_offers_get(env, names, n, kind == INPUT_DEBIAN_SRC, &offers, err)) < 0)
			goto out;
		size_t missing = 0;
		for (size_t k = 0; k < n; k++) {
			if (apt_offer_find(&offers, k, in->v[idx[k]].version))
				from[idx[k]] = FROM_ARCHIVE;
			else
				missing++;
		}
		apt_offers_free(&offers);
		/* only fresh lists may call a pin gone */
		if (missing == 0 || *updated)
			break;
		if ((r = apt_update(env, err)) < 0)
			goto out;
		*updated = true;
	}
out:
	free(names);
	free(idx);
	return r;
}

/* Lists never fetched (no Release file in them) are fetched first. */
static int lists_ready(struct apt_env *env, bool *updated, struct cl_err *err)
{
	char dir[PATH_MAX + 32];
	snprintf(dir, sizeof dir, "%s/state/lists", env->dir);
	bool any = false;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && !any && (e = readdir(d)))
		any = strstr(e->d_name, "Release") != NULL;
	if (d)
		closedir(d);
	if (any)
		return 0;
	TRY(apt_update(env, err));
	*updated = true;
	return 0;
}

int preflight_check(const char *home, const struct fetch_opts *fo, const struct closure_inputs *in,
		    struct preflight_result *res, struct cl_err *err)
{
	memset(res, 0, sizeof *res);
	res->from = calloc(in->n + 1, sizeof *res->from);
	res->mirror = calloc(in->n + 1, sizeof *res->mirror);
	if (!res->from || !res->mirror) {
		preflight_result_free(res);
		return cl_err_set(err, ENOMEM, "preflight");
	}
	bool need_bin = false, need_src = false;
	for (size_t i = 0; i < in->n; i++) {
		const struct closure_input *x = &in->v[i];
		res->from[i] = FROM_NOWHERE;
		if (x->moving)
			res->n_moving++;
		struct cl_err e = { 0 };
		int c = cache_verify(home, x->sha256, &e);
		if (c == 0) {
			res->from[i] = FROM_CACHE;
			continue;
		}
		if (c != -ENOENT && c != -EBADMSG) {
			preflight_result_free(res);
			return cl_err_msg(err, -c, "%s", e.msg);
		}
		int m = fetch_probe_mirrors(fo, x->sha256);
		if (m >= 0) {
			res->from[i] = FROM_MIRROR;
			res->mirror[i] = m;
			continue;
		}
		need_bin |= x->kind == INPUT_SEED_DEB;
		need_src |= x->kind == INPUT_DEBIAN_SRC;
	}
	int r = 0;
	if (!fo->offline && (need_bin || need_src)) {
		struct apt_env env;
		bool updated = false;
		if (need_bin && (r = apt_env_init(&env, home, err)) == 0 && (r = lists_ready(&env, &updated, err)) == 0)
			r = ask_archive(&env, in, INPUT_SEED_DEB, res->from, &updated, err);
		updated = false;
		if (r == 0 && need_src && (r = apt_env_init_src(&env, home, err)) == 0 &&
		    (r = lists_ready(&env, &updated, err)) == 0)
			r = ask_archive(&env, in, INPUT_DEBIAN_SRC, res->from, &updated, err);
	}
	for (size_t i = 0; r == 0 && i < in->n; i++) {
		const struct closure_input *x = &in->v[i];
		if (res->from[i] != FROM_NOWHERE)
			continue;
		struct cl_err e = { 0 };
		if (!fo->offline && fo->snapshot && x->kind != INPUT_CACHE &&
		    (x->kind == INPUT_SEED_DEB ? snapshot_probe_binary(fo, x->package, x->version, &e)
					       : snapshot_probe_source(fo, x->package, x->version, &e)) == 0) {
			res->from[i] = FROM_SNAPSHOT;
			continue;
		}
		res->n_gone++;
	}
	if (r < 0)
		preflight_result_free(res);
	return r;
}

void preflight_result_free(struct preflight_result *res)
{
	free(res->from);
	free(res->mirror);
	res->from = NULL;
	res->mirror = NULL;
}
