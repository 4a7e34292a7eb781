#define _GNU_SOURCE
#include "assign.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"
#include "text.h"

int assignment_name_valid(const char *name, size_t len)
{
	if (len == 0 || (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static int add(struct assignments *a, char *name, char *value, int line)
{
	struct kv *kv = realloc(a->kv, (a->n + 1) * sizeof *kv);
	if (!kv)
		return -ENOMEM;
	a->kv = kv;
	int *lines = realloc(a->lines, (a->n + 1) * sizeof *lines);
	if (!lines)
		return -ENOMEM;
	a->lines = lines;
	kv[a->n] = (struct kv){ name, value };
	lines[a->n++] = line;
	return 0;
}

/* The value after '=': single-quoted parts and \' between them, as sh
 * reads them; it stops at anything else.  Returns the number of bytes
 * read, or -1 with why set. */
static long read_value(const char *p, const char *end, char *out, const char **why)
{
	const char *s = p;
	size_t o = 0;
	for (;;) {
		if (s < end && *s == '\'') {
			const char *q = memchr(s + 1, '\'', (size_t)(end - s - 1));
			if (!q) {
				*why = "unterminated quote: a value is one line, and a ' inside it is written '\\''";
				return -1;
			}
			memcpy(out + o, s + 1, (size_t)(q - s - 1));
			o += (size_t)(q - s - 1);
			s = q + 1;
		} else if (s + 1 < end && s[0] == '\\' && s[1] == '\'') {
			out[o++] = '\'';
			s += 2;
		} else {
			break;
		}
	}
	out[o] = '\0';
	if (s == p && s < end && *s == '"') {
		*why = "double quotes are not supported (the file is parsed, never executed, and nothing "
		       "is expanded): use single quotes, NAME='value'";
		return -1;
	}
	if (s == p && s < end && *s != ' ' && *s != '\t' && *s != '#') {
		*why = "the value must be in single quotes: NAME='value'";
		return -1;
	}
	return s - p;
}

static int parse_line(const char *file, int line, const char *l, const char *end, struct assignments *a,
		      struct cl_err *err)
{
	while (l < end && (*l == ' ' || *l == '\t'))
		l++;
	if (l == end || *l == '#')
		return 0;
	const char *eq = memchr(l, '=', (size_t)(end - l));
	const char *name_end = l;
	while (name_end < end && *name_end != '=' && *name_end != ' ' && *name_end != '\t')
		name_end++;
	if (eq && name_end < eq && strspn(name_end, " \t") == (size_t)(eq - name_end))
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: no blanks around '=': write NAME='value'", file, line);
	if (!eq || name_end != eq) {
		int word = (int)(name_end - l);
		if (word == 6 && !strncmp(l, "export", 6))
			return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: 'export' is not supported: write NAME='value' (the "
					  "file is parsed, never executed)", file, line);
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: expected NAME='value', found '%.*s'", file, line,
				  (int)(end - l > 80 ? 80 : end - l), l);
	}
	if (!assignment_name_valid(l, (size_t)(eq - l)))
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: '%.*s' is not a variable name (letters, digits and _, "
				  "not starting with a digit)", file, line, (int)(eq - l > 80 ? 80 : eq - l), l);
	_cleanup_free_ char *name = strndup(l, (size_t)(eq - l));
	_cleanup_free_ char *value = malloc((size_t)(end - eq));
	if (!name || !value)
		return cl_err_set(err, ENOMEM, "%s", file);
	const char *why = NULL;
	long n = read_value(eq + 1, end, value, &why);
	if (n < 0)
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: %s: %s", file, line, name, why);
	const char *rest = eq + 1 + n;
	while (rest < end && (*rest == ' ' || *rest == '\t'))
		rest++;
	if (rest < end && *rest != '#')
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: %s: unexpected '%.*s' after the value; one assignment "
				  "a line, NAME='value'", file, line, name, (int)(end - rest > 80 ? 80 : end - rest),
				  rest);
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->kv[i].name, name))
			return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: %s is set twice (first at line %d); keep one",
					  file, line, name, a->lines[i]);
	if (add(a, name, value, line) < 0)
		return cl_err_set(err, ENOMEM, "%s", file);
	name = value = NULL;
	return 0;
}

int assignments_parse(const char *file, const char *text, size_t len, struct assignments *a,
		      struct cl_err *err)
{
	memset(a, 0, sizeof *a);
	int rc = text_check_bytes(file, text, len, err);
	const char *p = text, *end = text + len;
	for (int line = 1; rc == 0 && p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		rc = parse_line(file, line, p, le, a, err);
		p = nl ? nl + 1 : end;
	}
	if (rc < 0)
		assignments_free(a);
	return rc;
}

const char *assignments_get(const struct assignments *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->kv[i].name, name))
			return a->kv[i].value;
	return NULL;
}

void assignments_free(struct assignments *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free((char *)a->kv[i].name);
		free((char *)a->kv[i].value);
	}
	free(a->kv);
	free(a->lines);
	memset(a, 0, sizeof *a);
}
