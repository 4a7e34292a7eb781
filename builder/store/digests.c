#define _GNU_SOURCE
#include "digests.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/text.h"
#include "hash.h"

/* The names store.c lists are its own (manifest, inputs.json, log, ...):
 * printable ASCII without '/' or the backslash sha256sum would escape. */
#define DIGESTS_MAX 256

static int name_valid(const char *s)
{
	if (!s[0] || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == '/' || *s == '\\')
			return 0;
	return 1;
}

static int parse_line(char *l, int lineno, const char *where, struct digests *d, struct cl_err *err)
{
	char q[QUOTE_MAX];
	if (strlen(l) < SHA256_HEX_LEN + 3 || l[SHA256_HEX_LEN] != ' ' || l[SHA256_HEX_LEN + 1] != ' ')
		return cl_err_msg(err, EINVAL, "%s:%d: expected 'SHA256  NAME' (two spaces between)", where, lineno);
	l[SHA256_HEX_LEN] = '\0';
	const char *name = l + SHA256_HEX_LEN + 2;
	if (!sha256_hex_valid(l))
		return cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a sha256 (64 lowercase hex digits)", where, lineno,
				  text_quote(q, l));
	if (!name_valid(name))
		return cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a file name of the entry", where, lineno,
				  text_quote(q, name));
	/* an entry has a handful of files: a bound keeps the search for a
	 * repeat below linear in the file's size */
	if (d->n == DIGESTS_MAX)
		return cl_err_msg(err, EINVAL, "%s:%d: more than %d files listed, where an entry has a handful",
				  where, lineno, DIGESTS_MAX);
	const struct digest *first = digests_find(d, name);
	if (first)
		return cl_err_msg(err, EINVAL, "%s:%d: %s is listed twice (first at line %d)", where, lineno, name,
				  first->line);
	struct digest *v = realloc(d->v, (d->n + 1) * sizeof *v);
	if (!v)
		return cl_err_set(err, ENOMEM, "%s", where);
	d->v = v;
	v[d->n++] = (struct digest){ .sha256 = l, .name = name, .line = lineno };
	return 0;
}

int digests_parse(const char *data, size_t len, const char *where, struct digests *d, struct cl_err *err)
{
	memset(d, 0, sizeof *d);
	if (memchr(data, '\0', len))
		return cl_err_msg(err, EINVAL, "%s: a NUL byte, which no digests file holds", where);
	if (!(d->text = malloc(len + 1)))
		return cl_err_set(err, ENOMEM, "%s", where);
	memcpy(d->text, data, len);
	d->text[len] = '\0';
	int rc = 0, lineno = 0;
	for (char *l = d->text; rc == 0 && *l; ) {
		lineno++;
		char *nl = strchr(l, '\n');
		if (!nl) {
			rc = cl_err_msg(err, EINVAL, "%s:%d: the last line has no line feed (the file was cut)", where,
					lineno);
			break;
		}
		*nl = '\0';
		rc = parse_line(l, lineno, where, d, err);
		l = nl + 1;
	}
	if (rc < 0)
		digests_free(d);
	return rc;
}

const struct digest *digests_find(const struct digests *d, const char *name)
{
	/* a handful of lines: a search would cost more than it saves */
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].name, name))
			return &d->v[i];
	return NULL;
}

void digests_free(struct digests *d)
{
	free(d->text);
	free(d->v);
	memset(d, 0, sizeof *d);
}
