#define _GNU_SOURCE
#include "export.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "cache.h"

static const char *kind_name(enum input_kind k)
{
	return k == INPUT_SEED_DEB ? "deb" : k == INPUT_DEBIAN_SRC ? "debian-source" : "file";
}

/* One index line: "SHA256 KIND PACKAGE VERSION FILE" (tabs; '-' for an
 * empty field), which is also how lines are matched when merging. */
static int index_line(const struct closure_input *x, char *out, size_t len)
{
	int n = snprintf(out, len, "%s\t%s\t%s\t%s\t%s\n", x->sha256, kind_name(x->kind),
			 x->package[0] ? x->package : "-", x->version[0] ? x->version : "-", x->file);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int export_inputs(const char *home, const struct closure_inputs *in, const char *dir, struct cl_err *err)
{
	char shadir[PATH_MAX], index[PATH_MAX];
	TRY(pathf(err, shadir, sizeof shadir, "%s/sha256", dir));
	TRY(pathf(err, index, sizeof index, "%s/index", dir));
	TRY(mkdir_p(shadir, 0755, err));

	/* what an earlier export left: kept, so one folder can carry several
	 * machines */
	_cleanup_free_ char *old = NULL;
	if (access(index, F_OK) == 0 && read_file(index, &old, NULL, err) < 0)
		return -err->code;
	size_t cap = in->n + 1, n = 0;
	for (const char *p = old; p && *p; p++)
		cap += *p == '\n';
	char **lines = calloc(cap, sizeof *lines);
	if (!lines)
		return cl_err_set(err, ENOMEM, "export index");
	int r = 0;
	for (char *l = old, *next; l && *l; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		if (*l && *l != '#' && !(lines[n++] = strdup(l)))
			r = cl_err_set(err, ENOMEM, "export index");
	}
	for (size_t i = 0; r == 0 && i < in->n; i++) {
		const struct closure_input *x = &in->v[i];
		char src[PATH_MAX], line[1024];
		cache_path(home, x->sha256, src, sizeof src);
		if ((r = cache_verify(home, x->sha256, err)) < 0) {
			if (r == -ENOENT)
				r = cl_err_msg(err, ENOENT, "%s: %s (sha256 %s) is not in the download cache; fetch it "
					       "first", x->where, x->file, x->sha256);
			break;
		}
		if ((r = cas_add(shadir, src, x->sha256, x->file, false, err)) < 0)
			break;
		if (index_line(x, line, sizeof line) < 0) {
			r = cl_err_msg(err, ENAMETOOLONG, "%s: names too long for the index", x->where);
			break;
		}
		line[strlen(line) - 1] = '\0';
		bool known = false;
		for (size_t k = 0; k < n && !known; k++)
			known = !strcmp(lines[k], line);
		if (!known && !(lines[n++] = strdup(line)))
			r = cl_err_set(err, ENOMEM, "export index");
	}
	if (r == 0) {
		qsort(lines, n, sizeof *lines, cmp_line);
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (!f)
			r = cl_err_set(err, errno, "export index");
		else {
			fputs("# cloister fetch --export: sha256\tkind\tpackage\tversion\tfile\n", f);
			for (size_t k = 0; k < n; k++)
				fprintf(f, "%s\n", lines[k]);
			fclose(f);
			r = write_file_atomic(index, buf, len, 0644, err);
			free(buf);
		}
	}
	for (size_t k = 0; k < n; k++)
		free(lines[k]);
	free(lines);
	return r;
}
