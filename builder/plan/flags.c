#define _GNU_SOURCE
#include "flags.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Flags travel in CFLAGS and the like, which make and sh split at blanks
 * and never unquote: a character they would interpret cannot reach the
 * compiler as written. */
static const char *bad_char(const char *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr(" \t'\"\\$`", l[i]))
			return l + i;
	return NULL;
}

static int parse_line(const char *file, int line, const char *l, size_t n, struct flag_list *f,
		      struct cl_err *err)
{
	int shown = n > 80 ? 80 : (int)n;
	if (n == 0)
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: a blank line; compiler-flags files have one flag a "
				  "line and no blank lines", file, line);
	if (l[0] == '#')
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: comments are not allowed in compiler-flags files "
				  "(one flag a line, nothing else)", file, line);
	const char *bad = bad_char(l, n);
	if (bad && (*bad == ' ' || *bad == '\t'))
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: '%.*s' contains a blank; write one flag a line", file,
				  line, shown, l);
	if (bad)
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: '%.*s' contains %c, which make and sh would interpret "
				  "(flags reach builds in CFLAGS, split at blanks and never unquoted)", file, line,
				  shown, l, *bad);
	if (l[0] != '-')
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: '%.*s' is not a flag (a flag starts with -)", file, line,
				  shown, l);
	char **v = realloc(f->v, (f->n + 1) * sizeof *v);
	if (!v)
		return cl_err_set(err, ENOMEM, "%s", file);
	f->v = v;
	if (!(v[f->n] = strndup(l, n)))
		return cl_err_set(err, ENOMEM, "%s", file);
	f->n++;
	return 0;
}

int flags_parse(const char *file, const char *text, size_t len, struct flag_list *f, struct cl_err *err)
{
	memset(f, 0, sizeof *f);
	int rc = text_check_bytes(file, text, len, err);
	const char *p = text, *end = text + len;
	int line = 1;
	for (; rc == 0 && p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			rc = cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: the last line has no line feed; end the file with one",
					file, line);
			break;
		}
		rc = parse_line(file, line, p, (size_t)(nl - p), f, err);
		p = nl + 1;
	}
	if (rc < 0)
		flags_free(f);
	return rc;
}

char *flags_join(const struct flag_list *f)
{
	size_t len = 1;
	for (size_t i = 0; i < f->n; i++)
		len += strlen(f->v[i]) + 1;
	char *s = malloc(len), *o = s;
	if (!s)
		return NULL;
	*o = '\0';
	for (size_t i = 0; i < f->n; i++) {
		if (i)
			*o++ = ' ';
		o = stpcpy(o, f->v[i]);
	}
	return s;
}

void flags_free(struct flag_list *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	memset(f, 0, sizeof *f);
}
