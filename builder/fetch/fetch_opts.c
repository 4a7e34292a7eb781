/* The fetch options: --mirror, CLOISTER_MIRRORS, CLOISTER_SNAPSHOT. */
#define _GNU_SOURCE
#include "fetch.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "http.h"

int fetch_add_mirror(struct fetch_opts *fo, const char *url, struct cl_err *err)
{
	if (!http_url_valid(url))
		return cl_err_msg(err, EINVAL, "mirror '%s': expected an http://, https:// or file:/// URL "
				  "(a folder laid out as URL/sha256/HEX)", url);
	if (fo->n_mirrors >= FETCH_MAX_MIRRORS)
		return cl_err_msg(err, EINVAL, "more than %d mirrors", FETCH_MAX_MIRRORS);
	fo->mirrors[fo->n_mirrors++] = url;
	return 0;
}

/* Debian's container images and cloud images write the snapshot URL they
 * were made from as a comment above each source: "# http://HOST/archive/
 * debian/20250520T000000Z".  Its scheme and host are the snapshot service
 * this machine's own configuration names, so no host is written here. */
static char *snapshot_from_sources(const char *path)
{
	_cleanup_free_ char *text = NULL;
	struct cl_err ignore;
	if (read_file(path, &text, NULL, &ignore) < 0)
		return NULL;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *p = line;
		while (*p == '#' || *p == ' ' || *p == '\t')
			p++;
		if (p == line || (strncmp(p, "http://", 7) && strncmp(p, "https://", 8)))
			continue;
		char *arch = strstr(p, "/archive/");
		if (!arch)
			continue;
		return strndup(p, (size_t)(arch - p));
	}
	return NULL;
}

static char *snapshot_from_apt(void)
{
	char *found = snapshot_from_sources("/etc/apt/sources.list");
	DIR *d = found ? NULL : opendir("/etc/apt/sources.list.d");
	struct dirent *e;
	while (d && !found && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if ((l > 8 && !strcmp(e->d_name + l - 8, ".sources")) ||
		    (l > 5 && !strcmp(e->d_name + l - 5, ".list"))) {
			char p[PATH_MAX];
			snprintf(p, sizeof p, "/etc/apt/sources.list.d/%s", e->d_name);
			found = snapshot_from_sources(p);
		}
	}
	if (d)
		closedir(d);
	return found;
}

int fetch_opts_from_env(struct fetch_opts *fo, struct cl_err *err)
{
	const char *m = getenv("CLOISTER_MIRRORS");
	/* --snapshot, when given, wins over the environment */
	const char *s = fo->snapshot ? fo->snapshot : getenv("CLOISTER_SNAPSHOT");
	fo->snapshot = NULL;
	size_t need = (m ? strlen(m) : 0) + (s ? strlen(s) : 0) + 2;
	char *derived = s ? NULL : snapshot_from_apt();
	if (derived)
		need += strlen(derived) + 1;
	char *own = calloc(1, need);
	if (!own) {
		free(derived);
		return cl_err_set(err, ENOMEM, "fetch options");
	}
	fo->owned = own;
	if (m) {
		strcpy(own, m);
		for (char *save = NULL, *t = strtok_r(own, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
			if (fetch_add_mirror(fo, t, err) < 0) {
				free(derived);
				return cl_err_prefix(err, "CLOISTER_MIRRORS");
			}
		own += strlen(m) + 1;
	}
	const char *snap = s ? s : derived;
	if (snap && strcmp(snap, "off") && *snap) {
		if (!http_url_valid(snap) || http_url_is_file(snap)) {
			cl_err_msg(err, EINVAL, "snapshot service '%s': expected an http:// or https:// base URL, "
				   "or off", snap);
			free(derived);
			return -EINVAL;
		}
		strcpy(own, snap);
		fo->snapshot = own;
	}
	free(derived);
	return 0;
}

void fetch_opts_release(struct fetch_opts *fo)
{
	free(fo->owned);
	fo->owned = NULL;
}
