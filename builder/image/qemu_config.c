#define _GNU_SOURCE
#include "qemu_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"

/* One word being built: a buffer that grows. */
struct word {
	char *s;
	size_t n, cap;
	bool started;   /* "" is a word, nothing is not */
};

static int put(struct word *w, const char *s, size_t n, struct cl_err *err)
{
	if (w->n + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 64;
		while (cap < w->n + n + 1)
			cap *= 2;
		char *p = realloc(w->s, cap);
		if (!p)
			return cl_err_msg(err, ENOMEM, "reading the QEMU settings");
		w->s = p;
		w->cap = cap;
	}
	memcpy(w->s + w->n, s, n);
	w->n += n;
	w->s[w->n] = '\0';
	w->started = true;
	return 0;
}

struct line_ctx {
	const char *file;
	int line;
	const struct qemu_var *vars;
	size_t n_vars;
};

/* At *p a '$': substitutes ${NAME} or $NAME and moves *p past it. */
static int variable(const struct line_ctx *c, const char **p, struct word *w, struct cl_err *err)
{
	const char *s = *p + 1, *name = s;
	bool braced = *s == '{';
	if (braced)
		name = ++s;
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	size_t n = (size_t)(s - name);
	if (braced && *s != '}')
		return cl_err_msg(err, EINVAL, "%s:%d: '${' without a closing '}' after a name", c->file, c->line);
	if (n == 0)
		return cl_err_msg(err, EINVAL, "%s:%d: a '$' that starts no ${NAME}; write \\$ or '$' for a "
				  "literal dollar", c->file, c->line);
	for (size_t i = 0; i < c->n_vars; i++)
		if (strlen(c->vars[i].name) == n && !memcmp(c->vars[i].name, name, n)) {
			*p = s + braced;
			return put(w, c->vars[i].value, strlen(c->vars[i].value), err);
		}
	return cl_err_msg(err, EINVAL, "%s:%d: unknown variable '%.*s': only ${SETTINGS_PATH}, ${MACHINE_PATH} "
			  "and ${MACHINE_NAME} are replaced", c->file, c->line, (int)n, name);
}

static int end_word(struct word *w, struct words *out, struct cl_err *err)
{
	if (!w->started)
		return 0;
	int r = words_add(out, w->s ? w->s : "", -1, err);
	w->n = 0;
	w->started = false;
	return r;
}

static int split_line(const struct line_ctx *c, const char *p, struct word *w, struct words *out,
		      struct cl_err *err)
{
	while (*p) {
		char ch = *p;
		if (ch == ' ' || ch == '\t') {
			TRY(end_word(w, out, err));
			p++;
		} else if (ch == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (!end)
				return cl_err_msg(err, EINVAL, "%s:%d: a ' without its closing ' (quotes do not span "
						  "lines)", c->file, c->line);
			TRY(put(w, p + 1, (size_t)(end - p - 1), err));
			p = end + 1;
		} else if (ch == '"') {
			p++;
			TRY(put(w, "", 0, err));
			while (*p != '"') {
				if (!*p)
					return cl_err_msg(err, EINVAL, "%s:%d: a \" without its closing \" (quotes do not "
							  "span lines)", c->file, c->line);
				if (*p == '\\' && p[1] && strchr("\"\\$`", p[1])) {
					TRY(put(w, p + 1, 1, err));
					p += 2;
				} else if (*p == '$') {
					TRY(variable(c, &p, w, err));
				} else if (*p == '`') {
					return cl_err_msg(err, EINVAL, "%s:%d: command substitution (`) is not supported",
							  c->file, c->line);
				} else {
					TRY(put(w, p++, 1, err));
				}
			}
			p++;
		} else if (ch == '\\') {
			if (!p[1])
				return cl_err_msg(err, EINVAL, "%s:%d: a line may not end in a backslash; a switch "
						  "may simply continue on the next line", c->file, c->line);
			TRY(put(w, p + 1, 1, err));
			p += 2;
		} else if (ch == '$') {
			TRY(variable(c, &p, w, err));
		} else if (ch == '#' && !w->started) {
			/* Libertine joins the lines and evals them: a # here would
			 * make the shell ignore the rest of the whole file */
			return cl_err_msg(err, EINVAL, "%s:%d: '#' starts a comment only at the start of a line; "
					  "quote it ('#') to pass it to QEMU", c->file, c->line);
		} else if (strchr(";&|<>()`*?[~", ch) && !(ch == '~' && w->started)) {
			return cl_err_msg(err, EINVAL, "%s:%d: '%c' means something to a shell, and this file is "
					  "never run by one: quote it ('%c') to pass it to QEMU as it is", c->file,
					  c->line, ch, ch);
		} else if ((unsigned char)ch < 0x20 || ch == 0x7f) {
			return cl_err_msg(err, EINVAL, "%s:%d: a control character (0x%02x)", c->file, c->line,
					  (unsigned char)ch);
		} else {
			TRY(put(w, p++, 1, err));
		}
	}
	return end_word(w, out, err);
}

int qemu_config_parse(const char *file, const char *text, size_t len, const struct qemu_var *vars,
		      size_t n_vars, struct words *out, struct cl_err *err)
{
	/* len bytes, with or without a NUL after them: nothing past len is read */
	if (memchr(text, '\0', len))
		return cl_err_msg(err, EINVAL, "%s: contains a NUL byte; it must be text", file);
	_cleanup_free_ char *copy = strndup(text, len);
	if (!copy)
		return cl_err_msg(err, ENOMEM, "%s", file);
	struct line_ctx c = { file, 0, vars, n_vars };
	struct word w = { 0 };
	int r = 0;
	for (char *l = copy, *next; r == 0 && l; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		c.line++;
		size_t n = strlen(l);
		if (n && l[n - 1] == '\r')
			l[--n] = '\0';
		while (*l == ' ' || *l == '\t')
			l++;
		if (*l && *l != '#')
			r = split_line(&c, l, &w, out, err);
	}
	free(w.s);
	return r;
}

int qemu_config_read(const char *file, const struct qemu_var *vars, size_t n_vars, struct words *out,
		     struct cl_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_file(file, &text, &len, err);
	if (r == -ENOENT) {
		cl_err_clear(err);
		return 0;
	}
	TRY(r);
	return qemu_config_parse(file, text, len, vars, n_vars, out, err);
}
