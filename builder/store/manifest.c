#define _GNU_SOURCE
#include "manifest.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/fsutil.h"
#include "../../common/text.h"
#include "hash.h"

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* What is wrong with s as tree.c's put_escaped() writes a name, or NULL:
 * printable ASCII but for the bytes it writes \xHH (lowercase), which
 * are exactly those <= 0x20, >= 0x7f and the backslash; never a NUL. */
static const char *escape_problem(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\') {
			int hi = hex_digit(s[1] == 'x' ? s[2] : 0), lo = hi < 0 ? -1 : hex_digit(s[3]);
			if (hi < 0 || lo < 0)
				return "has a backslash that is not \\xHH";
			unsigned b = (unsigned)(hi << 4 | lo);
			if (b == 0)
				return "holds a NUL byte";
			if (!(b <= 0x20 || b >= 0x7f || b == '\\'))
				return "escapes a byte that is written as it is";
			s += 3;
		} else if (c <= 0x20 || c >= 0x7f) {
			return "holds a byte that should be escaped";
		}
	}
	return NULL;
}

/* A path below the tree's root in the walk's form: "/a/b", no empty,
 * "." or ".." part, no trailing '/' ('/' and '.' are never escaped). */
static const char *path_problem(const char *s)
{
	const char *e = escape_problem(s);
	if (e)
		return e;
	size_t n = strlen(s);
	if (s[0] != '/' || n < 2)
		return "is not a path below the root (/NAME...)";
	if (strstr(s, "//") || s[n - 1] == '/' || strstr(s, "/./") || strstr(s, "/../") ||
	    (n >= 2 && !strcmp(s + n - 2, "/.")) || (n >= 3 && !strcmp(s + n - 3, "/..")))
		return "is not in normal form (an empty, '.' or '..' part, or a trailing '/')";
	return NULL;
}

/* One line (its line feed cut) into e. */
static int parse_line(char *line, int lineno, const char *where, struct manifest_entry *e, struct cl_err *err)
{
	char *f[7];
	int n = 0;
	char q[QUOTE_MAX];
	for (char *p = line;; ) {
		if (n == 7)
			return cl_err_msg(err, EINVAL, "%s:%d: more than 6 fields", where, lineno);
		f[n++] = p;
		char *sp = strchr(p, ' ');
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	for (int i = 0; i < n; i++)
		if (!f[i][0])
			return cl_err_msg(err, EINVAL, "%s:%d: an empty field (fields are separated by one space)",
					  where, lineno);
	if (strlen(f[0]) != 1 || !strchr("dflh", f[0][0]))
		return cl_err_msg(err, EINVAL, "%s:%d: unknown type '%s' (d, f, l or h)", where, lineno,
				  text_quote(q, f[0]));
	e->type = f[0][0];
	int want = e->type == 'l' || e->type == 'h' ? 6 : 5;
	if (n != want)
		return cl_err_msg(err, EINVAL, "%s:%d: %d fields, where a '%c' line has %d (TYPE MODE SIZE SHA256 "
				  "/PATH%s)", where, lineno, n, e->type, want, want == 6 ? " TARGET" : "");
	if (strlen(f[1]) != 4 || strspn(f[1], "01234567") != 4)
		return cl_err_msg(err, EINVAL, "%s:%d: the mode '%s' is not four octal digits", where, lineno,
				  text_quote(q, f[1]));
	e->mode = (unsigned)strtoul(f[1], NULL, 8);
	char *end;
	errno = 0;
	e->size = strtoull(f[2], &end, 10);
	if (errno || *end || strspn(f[2], "0123456789") != strlen(f[2]) || (f[2][0] == '0' && f[2][1]))
		return cl_err_msg(err, EINVAL, "%s:%d: the size '%s' is not a number of bytes", where, lineno,
				  text_quote(q, f[2]));
	if ((e->type == 'd' || e->type == 'l') && e->size)
		return cl_err_msg(err, EINVAL, "%s:%d: a '%c' line with a size (only files have one)", where,
				  lineno, e->type);
	e->sha256 = f[3];
	if (e->type == 'f' ? !sha256_hex_valid(f[3]) : strcmp(f[3], "-") != 0)
		return cl_err_msg(err, EINVAL, "%s:%d: the digest '%s' is not %s", where, lineno, text_quote(q, f[3]),
				  e->type == 'f' ? "a sha256 (64 lowercase hex digits)" : "'-' (only f lines have one)");
	const char *why = path_problem(f[4]);
	if (why)
		return cl_err_msg(err, EINVAL, "%s:%d: the path '%s' %s", where, lineno, text_quote(q, f[4]), why);
	e->path = f[4];
	e->target = NULL;
	if (n == 6) {
		/* a symlink's target may be anything but empty; a hard link's
		 * names a path of the tree */
		why = e->type == 'h' ? path_problem(f[5]) : escape_problem(f[5]);
		if (why)
			return cl_err_msg(err, EINVAL, "%s:%d: the target '%s' %s", where, lineno, text_quote(q, f[5]),
					  why);
		e->target = f[5];
	}
	e->line = lineno;
	return 0;
}

/* text (len bytes and a NUL) is m's from here on, whatever happens. */
static int parse_owned(char *text, size_t len, const char *where, struct manifest *m, struct cl_err *err)
{
	memset(m, 0, sizeof *m);
	m->text = text;
	int rc = 0, lineno = 0;
	size_t cap = 0;
	if (memchr(text, '\0', len))
		rc = cl_err_msg(err, EINVAL, "%s: a NUL byte, which no manifest holds", where);
	for (char *line = text; rc == 0 && line < text + len; ) {
		lineno++;
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		if (!nl) {
			rc = cl_err_msg(err, EINVAL, "%s:%d: the last line has no line feed (the file was cut)", where,
					lineno);
			break;
		}
		*nl = '\0';
		if (m->n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct manifest_entry *v = realloc(m->v, ncap * sizeof *v);
			if (!v) {
				rc = cl_err_set(err, ENOMEM, "%s", where);
				break;
			}
			m->v = v;
			cap = ncap;
		}
		rc = parse_line(line, lineno, where, &m->v[m->n], err);
		if (rc == 0)
			m->n++;
		line = nl + 1;
	}
	if (rc < 0)
		manifest_free(m);
	return rc;
}

int manifest_parse(const char *data, size_t len, const char *where, struct manifest *m, struct cl_err *err)
{
	memset(m, 0, sizeof *m);
	char *text = malloc(len + 1);
	if (!text)
		return cl_err_set(err, ENOMEM, "%s", where);
	memcpy(text, data, len);
	text[len] = '\0';
	return parse_owned(text, len, where, m, err);
}

int manifest_read(const char *path, struct manifest *m, struct cl_err *err)
{
	char *text = NULL;
	size_t len = 0;
	memset(m, 0, sizeof *m);
	TRY(read_file(path, &text, &len, err));
	return parse_owned(text, len, path, m, err);
}

void manifest_free(struct manifest *m)
{
	free(m->text);
	free(m->v);
	memset(m, 0, sizeof *m);
}

void manifest_entry_write(FILE *f, const struct manifest_entry *e)
{
	fprintf(f, "%c %04o %llu %s %s", e->type, e->mode, e->size, e->sha256, e->path);
	if (e->target)
		fprintf(f, " %s", e->target);
	fputc('\n', f);
}
