/* Content-addressed mirrors: any static web server (or folder) laid out
 * as cloister's downloads/ is one: URL/sha256/HEX. */
#define _GNU_SOURCE
#include "fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/fsutil.h"
#include "cache.h"
#include "http.h"

static void note_v(const struct fetch_opts *fo, enum fetch_note_kind kind, const char *fmt, va_list ap)
{
	if (!fo || !fo->note)
		return;
	char msg[2048];
	vsnprintf(msg, sizeof msg, fmt, ap);
	fo->note(fo->note_arg, kind, msg);
}

void fetch_note(const struct fetch_opts *fo, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note_v(fo, FETCH_WARNING, fmt, ap);
	va_end(ap);
}

void fetch_progress(const struct fetch_opts *fo, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note_v(fo, FETCH_PROGRESS, fmt, ap);
	va_end(ap);
}

int fetch_tmpfile(const char *home, char *path, size_t len, struct cl_err *err)
{
	TRY(pathf(err, path, len, "%s/tmp", home));
	TRY(mkdir_p(path, 0755, err));
	TRY(pathf(err, path, len, "%s/tmp/download.XXXXXX", home));
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return cl_err_set(err, errno, "creating %s", path);
	close(fd);
	return 0;
}

static int mirror_url(const char *base, const char *hex, char *out, size_t len)
{
	size_t l = strlen(base);
	while (l > 0 && base[l - 1] == '/')
		l--;
	int n = snprintf(out, len, "%.*s/sha256/%s", (int)l, base, hex);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static bool usable(const struct fetch_opts *fo, const char *base)
{
	return !fo->offline || http_url_is_file(base);
}

int fetch_from_mirrors(const struct fetch_opts *fo, const char *home, const char *hex,
		       unsigned long long size, const char *what, struct cl_err *err)
{
	for (size_t i = 0; i < fo->n_mirrors; i++) {
		char url[4096], tmp[4096];
		struct cl_err e = { 0 };
		if (!usable(fo, fo->mirrors[i]) || mirror_url(fo->mirrors[i], hex, url, sizeof url) < 0)
			continue;
		if (fetch_tmpfile(home, tmp, sizeof tmp, err) < 0)
			return -err->code;
		int r = http_get_file(url, tmp, size, &e);
		if (r == 0 && (r = cache_add(home, tmp, hex, what, true, &e)) == 0)
			return 0;
		unlink(tmp);
		if (r == -ENOSPC)
			return cl_err_msg(err, ENOSPC, "%s", e.msg);
		/* a missing file is the normal case of a partial mirror */
		if (r != -ENOENT)
			fetch_note(fo, "warning: mirror %s: %s; trying the next source", fo->mirrors[i], e.msg);
	}
	return cl_err_msg(err, ENOENT, "%s (sha256 %s) is on no mirror", what, hex);
}

int fetch_probe_mirrors(const struct fetch_opts *fo, const char *hex)
{
	for (size_t i = 0; i < fo->n_mirrors; i++) {
		char url[4096];
		struct cl_err e = { 0 };
		if (usable(fo, fo->mirrors[i]) && mirror_url(fo->mirrors[i], hex, url, sizeof url) == 0 &&
		    http_exists(url, &e) == 0)
			return (int)i;
	}
	return -ENOENT;
}
