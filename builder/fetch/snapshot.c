#define _GNU_SOURCE
#include "snapshot.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "cache.h"
#include "http.h"

/* The answers are a few KB; anything bigger is not the service. */
#define SNAPSHOT_INDEX_MAX (1u << 20)
#define SNAPSHOT_MAX_CANDIDATES 32

/* Percent-encodes what is not unreserved (RFC 3986): ':' of an epoch,
 * '+' and '~' of Debian versions. */
static int escape(const char *in, char *out, size_t len)
{
	size_t o = 0;
	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;
		if (o + 4 > len)
			return -1;
		if (isalnum(c) || c == '-' || c == '.' || c == '_')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, len - o, "%%%02X", c);
	}
	out[o] = '\0';
	return 0;
}

static int index_url(const struct fetch_opts *fo, const char *kind, const char *name,
		     const char *version, char *url, size_t len, struct cl_err *err)
{
	char n[512], v[512];
	if (escape(name, n, sizeof n) < 0 || escape(version, v, sizeof v) < 0)
		return cl_err_msg(err, ENAMETOOLONG, "%s %s: too long for a snapshot query", name, version);
	const char *tail = !strcmp(kind, "binary") ? "binfiles" : "srcfiles?fileinfo=1";
	int r = snprintf(url, len, "%s/mr/%s/%s/%s/%s", fo->snapshot, kind, n, v, tail);
	if (r < 0 || (size_t)r >= len)
		return cl_err_msg(err, ENAMETOOLONG, "%s: snapshot URL too long", name);
	return 0;
}

/* The 40-hex-digit values of "hash" keys, in order, without repeats.
 * A tolerant scan rather than a JSON parser: what is taken from the
 * answer is only a list of candidates, each checked by sha256. */
size_t snapshot_scan_hashes(const char *json, char (*out)[41], size_t max)
{
	size_t n = 0;
	for (const char *p = json; n < max && (p = strstr(p, "\"hash\"")); p += 6) {
		const char *q = p + 6;
		while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == ':')
			q++;
		if (*q++ != '"')
			continue;
		size_t l = strspn(q, "0123456789abcdef");
		if (l != 40 || q[40] != '"')
			continue;
		bool seen = false;
		for (size_t i = 0; i < n && !seen; i++)
			seen = !memcmp(out[i], q, 40);
		if (!seen) {
			memcpy(out[n], q, 40);
			out[n++][40] = '\0';
		}
	}
	return n;
}

/* With fileinfo, each hash is a key whose list names the file: a
 * candidate whose entry names another file is skipped. */
static bool names_other_file(const char *json, const char *hash, const char *file)
{
	char key[48], quoted[300];
	snprintf(key, sizeof key, "\"%s\"", hash);
	snprintf(quoted, sizeof quoted, "\"%s\"", file);
	for (const char *p = json; (p = strstr(p, key)); p += 42) {
		const char *q = p + 42;
		while (*q == ' ' || *q == ':')
			q++;
		if (*q != '[')
			continue;   /* a "hash": value, not the fileinfo key */
		const char *end = strchr(q, ']');
		if (!end)
			return false;
		const char *hit = strstr(q, quoted);
		return !hit || hit > end;
	}
	return false;
}

static int fetch_candidates(const struct fetch_opts *fo, const char *home, const char *index,
			    const char *file, const char *hex, unsigned long long size,
			    const char *what, struct cl_err *err)
{
	char (*hashes)[41] = calloc(SNAPSHOT_MAX_CANDIDATES, sizeof *hashes);
	if (!hashes)
		return cl_err_set(err, ENOMEM, "snapshot");
	size_t n = snapshot_scan_hashes(index, hashes, SNAPSHOT_MAX_CANDIDATES);
	int r = -ENOENT;
	for (size_t i = 0; i < n && r != 0; i++) {
		char url[4096], tmp[4096];
		struct cl_err e = { 0 };
		if (file && names_other_file(index, hashes[i], file))
			continue;
		snprintf(url, sizeof url, "%s/file/%s", fo->snapshot, hashes[i]);
		if ((r = fetch_tmpfile(home, tmp, sizeof tmp, err)) < 0)
			break;
		r = http_get_file(url, tmp, size, &e);
		if (r == 0)
			r = cache_add(home, tmp, hex, what, true, &e);
		unlink(tmp);
		if (r == -ENOSPC) {
			r = cl_err_msg(err, ENOSPC, "%s", e.msg);
			break;
		}
		if (r < 0)
			r = -ENOENT;   /* another file of the same package: the next one */
	}
	free(hashes);
	if (r == -ENOENT)
		return cl_err_msg(err, ENOENT, "%s (sha256 %s): the snapshot service has no file with that digest",
				  what, hex);
	return r;
}

static int get_index(const struct fetch_opts *fo, const char *kind, const char *name,
		     const char *version, char **index, struct cl_err *err)
{
	char url[4096];
	if (!fo->snapshot || fo->offline)
		return cl_err_msg(err, ENOENT, "the snapshot service is %s", fo->offline ? "off (--offline)" : "not configured");
	TRY(index_url(fo, kind, name, version, url, sizeof url, err));
	return http_get_mem(url, SNAPSHOT_INDEX_MAX, index, NULL, err);
}

int snapshot_fetch_binary(const struct fetch_opts *fo, const char *home, const char *name,
			  const char *version, const char *hex, unsigned long long size,
			  const char *what, struct cl_err *err)
{
	_cleanup_free_ char *index = NULL;
	int r = get_index(fo, "binary", name, version, &index, err);
	if (r == -EHOSTUNREACH || r == -EIO)
		fetch_note(fo, "warning: snapshot service: %s", err->msg);
	if (r < 0)
		return r == -ENOENT ? r : cl_err_msg(err, ENOENT, "%s", err->msg);
	return fetch_candidates(fo, home, index, NULL, hex, size, what, err);
}

int snapshot_fetch_source(const struct fetch_opts *fo, const char *home, const char *package,
			  const char *version, const char *file, const char *hex, const char *what,
			  struct cl_err *err)
{
	_cleanup_free_ char *index = NULL;
	int r = get_index(fo, "package", package, version, &index, err);
	if (r == -EHOSTUNREACH || r == -EIO)
		fetch_note(fo, "warning: snapshot service: %s", err->msg);
	if (r < 0)
		return r == -ENOENT ? r : cl_err_msg(err, ENOENT, "%s", err->msg);
	return fetch_candidates(fo, home, index, file, hex, 0, what, err);
}

int snapshot_probe_binary(const struct fetch_opts *fo, const char *name, const char *version,
			  struct cl_err *err)
{
	_cleanup_free_ char *index = NULL;
	TRY(get_index(fo, "binary", name, version, &index, err));
	char one[1][41];
	return snapshot_scan_hashes(index, one, 1) ? 0 : -ENOENT;
}

int snapshot_probe_source(const struct fetch_opts *fo, const char *package, const char *version,
			  struct cl_err *err)
{
	_cleanup_free_ char *index = NULL;
	TRY(get_index(fo, "package", package, version, &index, err));
	char one[1][41];
	return snapshot_scan_hashes(index, one, 1) ? 0 : -ENOENT;
}
