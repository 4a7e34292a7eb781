/* See providers.h. */
#define _GNU_SOURCE
#include "providers.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/fsutil.h"
#include "../store/manifest.h"

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The non-directory paths of a store entry's manifest, sorted: pointers
 * into m, which the caller frees. */
static int manifest_files(const char *out_dir, struct manifest *m, const char ***paths, size_t *n,
			  struct cl_err *err)
{
	char file[PATH_MAX + 32];
	*paths = NULL;
	*n = 0;
	TRY(pathf(err, file, sizeof file, "%s/../manifest", out_dir));
	TRY(manifest_read(file, m, err));
	const char **v = malloc((m->n ? m->n : 1) * sizeof *v);
	if (!v) {
		manifest_free(m);
		return cl_err_set(err, ENOMEM, "reading %s", file);
	}
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].type != 'd')
			v[(*n)++] = m->v[i].path;
	/* the manifest is in walk order ("/a/b" before "/a-c"): sort for the merge */
	if (*n > 1)
		qsort(v, *n, sizeof *v, cmp_cstr);
	*paths = v;
	return 0;
}

/* Two layers may not provide the same file: which one a build would see
 * would depend on their order.  Manifests are sorted, so each pair is a
 * merge. */
bool preferred(const struct recipe *r, const char *name)
{
	for (size_t i = 0; i < r->n_prefer; i++)
		if (!strcmp(r->prefer[i], name))
			return true;
	return false;
}

int check_providers(const struct recipe *r, const struct build_dep *deps, size_t n,
			   struct cl_err *err)
{
	struct manifest *mans = calloc(n ? n : 1, sizeof *mans);
	const char ***paths = calloc(n ? n : 1, sizeof *paths);
	size_t *counts = calloc(n ? n : 1, sizeof *counts);
	int rc = mans && paths && counts ? 0 : cl_err_set(err, ENOMEM, "checking providers");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = manifest_files(deps[i].out_dir, &mans[i], &paths[i], &counts[i], err);
	for (size_t a = 0; rc == 0 && a < n; a++) {
		for (size_t b = a + 1; rc == 0 && b < n; b++) {
			/* the recipe said which wins: its files lie on top */
			if (preferred(r, deps[a].name) != preferred(r, deps[b].name))
				continue;
			size_t i = 0, j = 0;
			while (rc == 0 && i < counts[a] && j < counts[b]) {
				int c = strcmp(paths[a][i], paths[b][j]);
				if (c == 0)
					rc = cl_err_msg(err, EEXIST, "%s and %s both provide %s; say which wins "
							"with 'prefer: NAME' in %s/recipe", deps[a].name, deps[b].name,
							paths[a][i], r->dir);
				else if (c < 0)
					i++;
				else
					j++;
			}
		}
	}
	for (size_t i = 0; mans && paths && i < n; i++) {
		manifest_free(&mans[i]);
		free(paths[i]);
	}
	free(mans);
	free(paths);
	free(counts);
	return rc;
}
