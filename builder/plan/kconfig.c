#define _GNU_SOURCE
#include "kconfig.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static bool sym_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* The length of the symbol at l ("CONFIG_" and at least one more
 * character), or 0. */
static size_t symbol_len(const char *l, const char *end)
{
	if (end - l < 8 || strncmp(l, "CONFIG_", 7))
		return 0;
	size_t n = 7;
	while (l + n < end && sym_char(l[n]))
		n++;
	return n > 7 ? n : 0;
}

static bool all_of(const char *s, const char *end, const char *set)
{
	if (s == end)
		return false;
	for (; s < end; s++)
		if (!strchr(set, *s))
			return false;
	return true;
}

/* The values Kconfig writes: a tristate, a decimal or hex number, or a
 * double-quoted string with \" and \\ escapes. */
static bool value_valid(const char *v, const char *end)
{
	size_t n = (size_t)(end - v);
	if (n == 1 && strchr("ynm", *v))
		return true;
	if (n > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		return all_of(v + 2, end, "0123456789abcdefABCDEF");
	if (n > 0 && (v[0] == '-' ? all_of(v + 1, end, "0123456789") : all_of(v, end, "0123456789")))
		return true;
	if (n < 2 || v[0] != '"')
		return false;
	for (const char *s = v + 1; s < end; s++) {
		if (*s == '\\') {
			if (++s == end)
				return false;
		} else if (*s == '"') {
			return s + 1 == end;
		}
	}
	return false;
}

static int add(const char *file, int line, struct kconfig_fragment *k, const char *sym, size_t sn,
	       const char *val, size_t vn, struct cl_err *err)
{
	for (size_t i = 0; i < k->n; i++)
		if (strlen(k->v[i].symbol) == sn && !strncmp(k->v[i].symbol, sym, sn))
			return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: %.*s is set twice (first at line %d); keep one",
					  file, line, (int)sn, sym, k->v[i].line);
	struct kconfig_setting *v = realloc(k->v, (k->n + 1) * sizeof *v);
	if (!v)
		return cl_err_set(err, ENOMEM, "%s", file);
	k->v = v;
	v[k->n] = (struct kconfig_setting){ strndup(sym, sn), val ? strndup(val, vn) : NULL, line };
	if (!v[k->n].symbol || (val && !v[k->n].value)) {
		free(v[k->n].symbol);
		free(v[k->n].value);
		return cl_err_set(err, ENOMEM, "%s", file);
	}
	k->n++;
	return 0;
}

static int parse_line(const char *file, int line, const char *l, const char *end, struct kconfig_fragment *k,
		      struct cl_err *err)
{
	int shown = end - l > 80 ? 80 : (int)(end - l);
	if (l == end)
		return 0;
	if (end[-1] == ' ' || end[-1] == '\t')
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: trailing blanks; Kconfig would keep them in the value",
				  file, line);
	if (l[0] == '#') {
		static const char unset[] = " is not set";
		const char *s = l + 1;
		if (s < end && *s == ' ')
			s++;
		size_t sn = symbol_len(s, end);
		size_t tail = (size_t)(end - s) - sn;
		/* "# CONFIG_FOO is not set" sets FOO to n; any other comment is one */
		if (s == l + 2 && sn && tail == sizeof unset - 1 && !memcmp(s + sn, unset, tail))
			return add(file, line, k, s, sn, NULL, 0, err);
		return 0;
	}
	size_t sn = symbol_len(l, end);
	if (!sn || l + sn == end || l[sn] != '=')
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: expected CONFIG_NAME=VALUE or '# CONFIG_NAME is not "
				  "set', found '%.*s'", file, line, shown, l);
	const char *v = l + sn + 1;
	if (!value_valid(v, end))
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: '%.*s' is not a Kconfig value (y, n, m, a number, "
				  "0x and hex digits, or a \"string\")", file, line,
				  end - v > 80 ? 80 : (int)(end - v), v);
	return add(file, line, k, l, sn, v, (size_t)(end - v), err);
}

int kconfig_parse(const char *file, const char *text, size_t len, struct kconfig_fragment *k,
		  struct cl_err *err)
{
	memset(k, 0, sizeof *k);
	int rc = text_check_bytes(file, text, len, err);
	const char *p = text, *end = text + len;
	for (int line = 1; rc == 0 && p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		rc = parse_line(file, line, p, le, k, err);
		p = nl ? nl + 1 : end;
	}
	if (rc < 0)
		kconfig_free(k);
	return rc;
}

void kconfig_free(struct kconfig_fragment *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].symbol);
		free(k->v[i].value);
	}
	free(k->v);
	memset(k, 0, sizeof *k);
}
