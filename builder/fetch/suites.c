#define _GNU_SOURCE
#include "suites.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"

struct suite {
	char dist[128];
	bool frozen;
};

/* "12.15" */
static bool point_release(const char *v)
{
	size_t a = strspn(v, "0123456789");
	if (a == 0 || v[a] != '.')
		return false;
	size_t b = strspn(v + a + 1, "0123456789");
	return b > 0 && (v[a + 1 + b] == '\0' || isspace((unsigned char)v[a + 1 + b]));
}

/* lists/HOST_PATH_dists_DIST_InRelease: DIST with '/' as '_' (apt's
 * URI-to-file-name rule), which is how madison names it too once the
 * underscores are turned back. */
bool apt_release_frozen(const char *text)
{
	/* InRelease is clear-signed: the armor's own header ends at the first
	 * blank line, the Release fields at the next one */
	const char *body = text;
	if (!strncmp(body, "-----BEGIN PGP SIGNED MESSAGE-----", 34)) {
		const char *blank = strstr(body, "\n\n");
		body = blank ? blank + 2 : body;
	}
	for (const char *line = body; line && *line && *line != '\n'; ) {
		if (!strncmp(line, "Version:", 8)) {
			const char *val = line + 8;
			while (*val == ' ')
				val++;
			return point_release(val);
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}

static int read_suites(const struct apt_env *env, struct suite **out, size_t *n, struct cl_err *err)
{
	char dir[PATH_MAX + 32];
	TRY(pathf(err, dir, sizeof dir, "%s/state/lists", env->dir));
	DIR *d = opendir(dir);
	if (!d)
		return cl_err_set(err, errno, "%s", dir);
	struct suite *v = NULL;
	size_t k = 0;
	struct dirent *e;
	int r = 0;
	while (r == 0 && (e = readdir(d))) {
		const char *name = e->d_name;
		size_t l = strlen(name);
		const char *tail = l > 10 && !strcmp(name + l - 10, "_InRelease") ? name + l - 10 :
				   l > 8 && !strcmp(name + l - 8, "_Release") ? name + l - 8 : NULL;
		const char *dists = tail ? strstr(name, "_dists_") : NULL;
		if (!dists)
			continue;
		char path[PATH_MAX * 2];
		snprintf(path, sizeof path, "%s/%s", dir, name);
		_cleanup_free_ char *text = NULL;
		if (read_file(path, &text, NULL, err) < 0) {
			r = -err->code;
			break;
		}
		struct suite *nv = realloc(v, (k + 1) * sizeof *nv);
		if (!nv) {
			r = cl_err_set(err, ENOMEM, "suites");
			break;
		}
		v = nv;
		struct suite *s = &v[k++];
		memset(s, 0, sizeof *s);
		size_t dl = (size_t)(tail - (dists + 7));
		if (dl >= sizeof s->dist)
			dl = sizeof s->dist - 1;
		memcpy(s->dist, dists + 7, dl);
		for (char *c = s->dist; *c; c++)
			if (*c == '_')
				*c = '/';
		s->frozen = apt_release_frozen(text);
	}
	closedir(d);
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	*n = k;
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t l = strlen(s);
	while (l > 0 && isspace((unsigned char)s[l - 1]))
		s[--l] = '\0';
	return s;
}

int apt_offers_get(struct apt_env *env, const char *const *names, size_t n, bool source,
		   struct apt_offers *out, struct cl_err *err)
{
	memset(out, 0, sizeof *out);
	struct suite *suites = NULL;
	size_t n_suites = 0;
	TRY(read_suites(env, &suites, &n_suites, err));
	const char **args = calloc(n + 2, sizeof *args);
	if (!args) {
		free(suites);
		return cl_err_set(err, ENOMEM, "apt-cache arguments");
	}
	args[0] = "madison";
	for (size_t i = 0; i < n; i++)
		args[1 + i] = names[i];
	_cleanup_free_ char *text = NULL, *errout = NULL;
	int st = apt_run(env, "apt-cache", NULL, args, &text, &errout, err);
	free(args);
	if (st < 0) {
		free(suites);
		return st;
	}
	/* madison exits 0 even when it knows nothing of a name */
	int r = 0;
	for (char *line = text, *next; r == 0 && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* " NAME | VERSION | URI DIST/COMPONENT ARCH Packages|Sources" */
		char *f1 = strchr(line, '|'), *f2 = f1 ? strchr(f1 + 1, '|') : NULL;
		if (!f2)
			continue;
		*f1 = *f2 = '\0';
		char *name = trim(line), *version = trim(f1 + 1), *rest = trim(f2 + 1);
		bool is_source = strstr(rest, " Sources") != NULL;
		if (is_source != source)
			continue;
		char uri[2048], distcomp[256];
		if (sscanf(rest, "%2047s %255s", uri, distcomp) != 2)
			continue;
		char *slash = strrchr(distcomp, '/');
		if (slash)
			*slash = '\0';   /* the component */
		for (size_t i = 0; i < n; i++) {
			if (strcmp(names[i], name))
				continue;
			struct apt_offer *nv = realloc(out->v, (out->n + 1) * sizeof *nv);
			if (!nv) {
				r = cl_err_set(err, ENOMEM, "apt offers");
				break;
			}
			out->v = nv;
			struct apt_offer *o = &nv[out->n++];
			memset(o, 0, sizeof *o);
			o->pkg = i;
			snprintf(o->version, sizeof o->version, "%s", version);
			snprintf(o->dist, sizeof o->dist, "%.127s", distcomp);
			for (size_t s = 0; s < n_suites; s++)
				if (!strcmp(suites[s].dist, o->dist))
					o->frozen = suites[s].frozen;
		}
	}
	free(suites);
	if (r < 0)
		apt_offers_free(out);
	return r;
}

void apt_offers_free(struct apt_offers *o)
{
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

const struct apt_offer *apt_offer_find(const struct apt_offers *o, size_t pkg, const char *version)
{
	const struct apt_offer *moving = NULL;
	for (size_t i = 0; i < o->n; i++) {
		if (o->v[i].pkg != pkg || strcmp(o->v[i].version, version))
			continue;
		/* the same version in two suites: the frozen one is the record */
		if (o->v[i].frozen)
			return &o->v[i];
		if (!moving)
			moving = &o->v[i];
	}
	return moving;
}

const struct apt_offer *apt_offer_preferred(const struct apt_offers *o, size_t pkg)
{
	const struct apt_offer *first = NULL;
	for (size_t i = 0; i < o->n; i++) {
		if (o->v[i].pkg != pkg)
			continue;
		if (o->v[i].frozen)
			return &o->v[i];
		if (!first)
			first = &o->v[i];
	}
	return first;
}
