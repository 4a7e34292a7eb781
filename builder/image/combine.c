#define _GNU_SOURCE
#include "combine.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"

/* A line of a snippet: [p, p+len) without its line feed. */
struct line {
	const char *p;
	size_t len;
};

/* Cuts text into lines; the last needs no line feed. */
static int split_lines(const char *text, size_t len, struct line **v, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < len; ) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (text + i)) : len - i;
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 64;
			struct line *nv = realloc(*v, c * sizeof *nv);
			if (!nv)
				return -ENOMEM;
			*v = nv;
			*cap = c;
		}
		(*v)[(*n)++] = (struct line){ text + i, l };
		i += l + 1;
	}
	return 0;
}

/* The snippets one after another; each ends with a line feed, so the
 * last line of one never runs into the first of the next. */
static int concatenate(const struct snippet *s, size_t n, char **out, size_t *len, struct cl_err *err)
{
	FILE *f = open_memstream(out, len);
	if (!f)
		return cl_err_set(err, errno, "combining");
	for (size_t i = 0; i < n; i++) {
		fwrite(s[i].text, 1, s[i].len, f);
		if (s[i].len && s[i].text[s[i].len - 1] != '\n')
			fputc('\n', f);
	}
	if (fclose(f) != 0)
		return cl_err_set(err, ENOMEM, "combining");
	return 1;
}

int combine_nosort(const struct snippet *s, size_t n, char **out, size_t *len, struct cl_err *err)
{
	return concatenate(s, n, out, len, err);
}

int combine_hasfiles(const struct snippet *s, size_t n, char **out, size_t *len, struct cl_err *err)
{
	if (n == 0) {
		*out = NULL;
		*len = 0;
		return 0;
	}
	return concatenate(s, n, out, len, err);
}

int combine_nocombine(const struct snippet *s, size_t n, char **out, size_t *len, struct cl_err *err)
{
	(void)s, (void)n, (void)err;
	*out = NULL;
	*len = 0;
	return 0;
}

static int cmp_lines(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

int combine_default(const struct snippet *s, size_t n, char **out, size_t *len, struct cl_err *err)
{
	_cleanup_free_ struct line *v = NULL;
	size_t nl = 0, cap = 0;
	for (size_t i = 0; i < n; i++)
		if (split_lines(s[i].text, s[i].len, &v, &nl, &cap) < 0)
			return cl_err_set(err, ENOMEM, "combining");
	if (nl > 1)
		qsort(v, nl, sizeof *v, cmp_lines);
	FILE *f = open_memstream(out, len);
	if (!f)
		return cl_err_set(err, errno, "combining");
	for (size_t i = 0; i < nl; i++) {
		fwrite(v[i].p, 1, v[i].len, f);
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		return cl_err_set(err, ENOMEM, "combining");
	return 1;
}

/* passwd, shadow and group: one entry per name, in the order names first
 * appear; a later snippet's entry replaces an earlier one of that name. */
struct entry_rules {
	const char *what;     /* "passwd" */
	int min_fields, max_fields;
	int numeric[2];       /* fields (from 0) that must be numbers, or -1 */
	const char *format;   /* for messages */
};

static int count_fields(struct line l)
{
	int n = 1;
	for (size_t i = 0; i < l.len; i++)
		n += l.p[i] == ':';
	return n;
}

/* Field k of l (k from 0), or an empty line past the end. */
static struct line field(struct line l, int k)
{
	const char *p = l.p, *end = l.p + l.len;
	for (; k > 0 && p < end; k--) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		p = c ? c + 1 : end;
	}
	const char *c = memchr(p, ':', (size_t)(end - p));
	return (struct line){ p, c ? (size_t)(c - p) : (size_t)(end - p) };
}

static bool all_digits(struct line f)
{
	if (f.len == 0)
		return false;
	for (size_t i = 0; i < f.len; i++)
		if (!isdigit((unsigned char)f.p[i]))
			return false;
	return true;
}

static bool same_name(struct line a, struct line b)
{
	return a.len == b.len && !memcmp(a.p, b.p, a.len);
}

static int check_entry(const struct entry_rules *R, const struct snippet *s, int lineno, struct line l,
		       struct cl_err *err)
{
	int nf = count_fields(l);
	if (nf < R->min_fields || nf > R->max_fields)
		return cl_err_msg(err, EINVAL, "%s:%d: a %s entry is %s; found %d field%s", s->where, lineno,
				  R->what, R->format, nf, nf == 1 ? "" : "s");
	struct line name = field(l, 0);
	if (name.len == 0)
		return cl_err_msg(err, EINVAL, "%s:%d: the %s entry has no name (%s)", s->where, lineno, R->what,
				  R->format);
	for (size_t i = 0; i < name.len; i++)
		if (isspace((unsigned char)name.p[i]))
			return cl_err_msg(err, EINVAL, "%s:%d: the name '%.*s' has a blank", s->where, lineno,
					  (int)name.len, name.p);
	for (int k = 0; k < 2; k++)
		if (R->numeric[k] >= 0 && !all_digits(field(l, R->numeric[k])))
			return cl_err_msg(err, EINVAL, "%s:%d: field %d of the %s entry '%.*s' must be a number (%s)",
					  s->where, lineno, R->numeric[k] + 1, R->what, (int)name.len, name.p, R->format);
	return 0;
}

static int merge_entries(const struct entry_rules *R, const struct snippet *s, size_t n, char **out,
			 size_t *len, struct cl_err *err)
{
	_cleanup_free_ struct line *all = NULL;
	size_t nall = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t first = nall, dummy_n = 0, dummy_cap = 0;
		_cleanup_free_ struct line *v = NULL;
		if (split_lines(s[i].text, s[i].len, &v, &dummy_n, &dummy_cap) < 0)
			return cl_err_set(err, ENOMEM, "combining");
		for (size_t k = 0; rc == 0 && k < dummy_n; k++) {
			struct line l = v[k];
			if (l.len == 0 || l.p[0] == '#')
				continue;
			if ((rc = check_entry(R, &s[i], (int)k + 1, l, err)) < 0)
				break;
			struct line name = field(l, 0);
			/* a name twice in one snippet is a mistake; across snippets,
			 * the later one overrides */
			size_t j;
			for (j = 0; j < nall; j++)
				if (same_name(field(all[j], 0), name))
					break;
			if (j < nall && j >= first) {
				rc = cl_err_msg(err, EINVAL, "%s:%zu: '%.*s' is already defined in this snippet; keep one "
						"entry", s[i].where, k + 1, (int)name.len, name.p);
				break;
			}
			if (j < nall) {
				all[j] = l;
				continue;
			}
			if (nall == cap) {
				size_t c = cap ? cap * 2 : 32;
				struct line *nv = realloc(all, c * sizeof *nv);
				if (!nv)
					return cl_err_set(err, ENOMEM, "combining");
				all = nv;
				cap = c;
			}
			all[nall++] = l;
		}
	}
	if (rc < 0)
		return rc;
	FILE *f = open_memstream(out, len);
	if (!f)
		return cl_err_set(err, errno, "combining");
	for (size_t i = 0; i < nall; i++) {
		fwrite(all[i].p, 1, all[i].len, f);
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		return cl_err_set(err, ENOMEM, "combining");
	return 1;
}

int combine_passwd(const struct snippet *s, size_t n, char **out, size_t *len, struct cl_err *err)
{
	static const struct entry_rules R = { "passwd", 7, 7, { 2, 3 }, "name:password:uid:gid:gecos:home:shell" };
	return merge_entries(&R, s, n, out, len, err);
}

int combine_shadow(const struct snippet *s, size_t n, char **out, size_t *len, struct cl_err *err)
{
	/* /etc/shadow has 9 fields and /etc/gshadow 4: both are name:password:... */
	static const struct entry_rules R = { "shadow", 2, 9, { -1, -1 }, "name:password:..., as in shadow(5) or gshadow(5)" };
	return merge_entries(&R, s, n, out, len, err);
}

int combine_group(const struct snippet *s, size_t n, char **out, size_t *len, struct cl_err *err)
{
	static const struct entry_rules R = { "group", 4, 4, { 2, -1 }, "name:password:gid:members" };
	return merge_entries(&R, s, n, out, len, err);
}

static const struct combine_type types[] = {
	{ "nosort", combine_nosort, false, true },
	{ "default", combine_default, false, true },
	{ "hasfiles", combine_hasfiles, false, true },
	{ "nocombine", combine_nocombine, false, false },
	{ "passwd", combine_passwd, true, true },
	{ "shadow", combine_shadow, true, true },
	{ "group", combine_group, true, true },
};

const struct combine_type *combine_type(const char *name)
{
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (!strcmp(types[i].name, name))
			return &types[i];
	return NULL;
}

/* The value of the name of n bytes, or NULL; the last pair of that name
 * wins, as the last assignment in a file would. */
static const char *kv_get(const struct kv *kv, size_t n_kv, const char *name, size_t n)
{
	for (size_t i = n_kv; i-- > 0; )
		if (strlen(kv[i].name) == n && !memcmp(kv[i].name, name, n))
			return kv[i].value;
	return NULL;
}

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

int combine_substitute(const char *text, size_t len, const struct kv *kv, size_t n_kv, const char *where,
		       char **out, size_t *out_len, struct cl_err *err)
{
	FILE *f = open_memstream(out, out_len);
	if (!f)
		return cl_err_set(err, errno, "substituting %s", where);
	int line = 1, rc = 0;
	for (size_t i = 0; i < len && rc == 0; i++) {
		char c = text[i];
		if (c == '\n')
			line++;
		if (c == '\\' && i + 2 < len && text[i + 1] == '$' && text[i + 2] == '{') {
			fputs("${", f);
			i += 2;
			continue;
		}
		if (c != '$' || i + 1 >= len || text[i + 1] != '{') {
			fputc(c, f);
			continue;
		}
		size_t start = i + 2, k = start;
		while (k < len && (k == start ? name_start(text[k]) : (name_start(text[k]) || isdigit((unsigned char)text[k]))))
			k++;
		if (k == start || k >= len || text[k] != '}') {
			rc = cl_err_msg(err, EINVAL, "%s:%d: '${' must start a reference ${NAME} (letters, digits, _); "
					"write \\${ for a literal '${'", where, line);
			break;
		}
		const char *v = kv_get(kv, n_kv, text + start, k - start);
		if (!v) {
			rc = cl_err_msg(err, EINVAL, "%s:%d: ${%.*s} is not defined; set %.*s in "
					"settings/architecture.config or settings/networking.config", where, line,
					(int)(k - start), text + start, (int)(k - start), text + start);
			break;
		}
		fputs(v, f);
		i = k;
	}
	if (fclose(f) != 0 && rc == 0)
		rc = cl_err_set(err, ENOMEM, "substituting %s", where);
	if (rc < 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* A relative path of one or more normal components. */
static bool relative_ok(const char *p)
{
	char abs[FS_PATH_MAX + 1];
	if (p[0] == '/' || snprintf(abs, sizeof abs, "/%s", p) >= (int)sizeof abs)
		return false;
	return fstree_path_problem(abs) == NULL;
}

static int parse_mode(const char *s, unsigned *mode)
{
	size_t n = strlen(s);
	if (n < 3 || n > 4 || strspn(s, "01234567") != n)
		return -1;
	*mode = (unsigned)strtoul(s, NULL, 8);
	return 0;
}

int combine_parse(const char *text, size_t len, const char *where, struct combine_rule **rules, size_t *n,
		  struct cl_err *err)
{
	_cleanup_free_ struct line *v = NULL;
	size_t nl = 0, cap = 0;
	if (split_lines(text, len, &v, &nl, &cap) < 0)
		return cl_err_set(err, ENOMEM, "reading %s", where);
	for (size_t k = 0; k < nl; k++) {
		char buf[4 * FS_PATH_MAX];
		if (v[k].len >= sizeof buf)
			return cl_err_msg(err, EINVAL, "%s:%zu: the line is too long", where, k + 1);
		memcpy(buf, v[k].p, v[k].len);
		buf[v[k].len] = '\0';
		if (memchr(v[k].p, '\0', v[k].len))
			return cl_err_msg(err, EINVAL, "%s:%zu: a NUL byte", where, k + 1);
		char *f[5], *save = NULL;
		int nf = 0;
		for (char *w = strtok_r(buf, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save))
			if (nf < 5)
				f[nf++] = w;
			else
				nf++;
		if (nf == 0 || f[0][0] == '#')
			continue;
		if (nf != 4)
			return cl_err_msg(err, EINVAL, "%s:%zu: expected ROOT FILE MODE TYPE (e.g. '/etc passwd 0644 "
					  "passwd'), found %d field%s", where, k + 1, nf, nf == 1 ? "" : "s");
		const char *bad = strcmp(f[0], "/") ? fstree_path_problem(f[0]) : NULL;
		if (bad)
			return cl_err_msg(err, EINVAL, "%s:%zu: the ROOT '%s' %s", where, k + 1, f[0], bad);
		if (!relative_ok(f[1]))
			return cl_err_msg(err, EINVAL, "%s:%zu: the FILE '%s' must be a relative path below ROOT "
					  "(no '/' first, no '.' or '..')", where, k + 1, f[1]);
		unsigned mode;
		if (parse_mode(f[2], &mode) < 0)
			return cl_err_msg(err, EINVAL, "%s:%zu: the MODE '%s' must be octal, like 0644", where, k + 1,
					  f[2]);
		const struct combine_type *type = combine_type(f[3]);
		if (!type)
			return cl_err_msg(err, EINVAL, "%s:%zu: unknown TYPE '%s'; one of nosort default hasfiles "
					  "nocombine passwd shadow group", where, k + 1, f[3]);
		struct combine_rule *nr = realloc(*rules, (*n + 1) * sizeof *nr);
		if (!nr)
			return cl_err_set(err, ENOMEM, "reading %s", where);
		*rules = nr;
		struct combine_rule *r = &nr[(*n)++];
		snprintf(r->root, sizeof r->root, "%s", strcmp(f[0], "/") ? f[0] : "");
		snprintf(r->file, sizeof r->file, "%s", f[1]);
		r->mode = mode;
		r->type = type;
		snprintf(r->where, sizeof r->where, "%s:%zu", where, k + 1);
		if (strlen(r->root) + strlen(r->file) + 4 >= FS_PATH_MAX)
			return cl_err_msg(err, EINVAL, "%s: the path is too long", r->where);
	}
	return 0;
}

/* passwd, shadow and group read snippets in input order, then by name. */
static int cmp_by_input(const void *a, const void *b)
{
	const struct fs_entry *x = *(struct fs_entry *const *)a, *y = *(struct fs_entry *const *)b;
	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	return strcmp(x->path, y->path);
}

struct loaded {
	struct snippet *s;
	char **texts;
	char **wheres;
	size_t n;
};

static void loaded_free(struct loaded *L)
{
	for (size_t i = 0; i < L->n; i++) {
		free(L->texts[i]);
		free(L->wheres[i]);
	}
	free(L->s);
	free(L->texts);
	free(L->wheres);
}

/* The snippets of ROOT/FILE.d, read (and substituted) in the type's
 * order; each takes the rule's mode. */
static int load_snippets(struct fstree *t, const struct combine_rule *r, const char *dir, const struct kv *kv,
			 size_t n_kv, struct loaded *L, struct cl_err *err)
{
	struct fs_entry *d = fstree_find(t, dir);
	memset(L, 0, sizeof *L);
	if (!d)
		return 0;
	if (d->type != FS_DIR)
		return cl_err_msg(err, EINVAL, "%s (from %s) must be a folder of snippets for %s", dir,
				  fstree_layer_name(t, d->layer), r->where);
	_cleanup_free_ struct fs_entry **kids = NULL;
	size_t n = 0;
	TRY(fstree_children(t, dir, &kids, &n, err));
	if (r->type->by_input && n > 1)
		qsort(kids, n, sizeof *kids, cmp_by_input);
	L->s = calloc(n ? n : 1, sizeof *L->s);
	L->texts = calloc(n ? n : 1, sizeof *L->texts);
	L->wheres = calloc(n ? n : 1, sizeof *L->wheres);
	if (!L->s || !L->texts || !L->wheres)
		return cl_err_set(err, ENOMEM, "combining %s", dir);
	for (size_t i = 0; i < n; i++) {
		struct fs_entry *e = kids[i];
		if (asprintf(&L->wheres[i], "%s (from %s)", e->path, fstree_layer_name(t, e->layer)) < 0) {
			L->wheres[i] = NULL;
			return cl_err_set(err, ENOMEM, "combining %s", dir);
		}
		L->n = i + 1;
		if (e->type != FS_FILE)
			return cl_err_msg(err, EINVAL, "%s: a snippet must be a file (%s combines the files of %s)",
					  L->wheres[i], r->where, dir);
		e->perm = r->mode;
		char *raw = NULL;
		size_t rlen = 0;
		TRY(fstree_read(e, &raw, &rlen, err));
		if (r->type->substitute) {
			int rc = combine_substitute(raw, rlen, kv, n_kv, L->wheres[i], &L->texts[i], &L->s[i].len, err);
			free(raw);
			TRY(rc);
		} else {
			L->texts[i] = raw;
			L->s[i].len = rlen;
		}
		L->s[i].text = L->texts[i];
		L->s[i].where = L->wheres[i];
	}
	return 0;
}

static int apply_rule(struct fstree *t, const struct combine_rule *r, unsigned layer, const struct kv *kv,
		      size_t n_kv, struct cl_err *err)
{
	char target[FS_PATH_MAX], dir[FS_PATH_MAX + 4];
	if (snprintf(target, sizeof target, "%s/%s", r->root, r->file) >= (int)sizeof target ||
	    snprintf(dir, sizeof dir, "%s.d", target) >= (int)sizeof dir)
		return cl_err_msg(err, EINVAL, "%s: the path is too long", r->where);
	struct loaded L;
	int rc = load_snippets(t, r, dir, kv, n_kv, &L, err);
	char *out = NULL;
	size_t len = 0;
	if (rc == 0)
		rc = r->type->fn(L.s, L.n, &out, &len, err);
	loaded_free(&L);
	if (rc <= 0)
		return rc;
	struct fs_entry *old = fstree_find(t, target);
	if (old) {
		free(out);
		return cl_err_msg(err, EEXIST, "%s is shipped by %s and also combined from %s by %s; ship a snippet "
				  "in %s instead", target, fstree_layer_name(t, old->layer), dir, r->where, dir);
	}
	struct fs_entry e = { .path = target, .type = FS_FILE, .perm = r->mode, .data = out, .size = len,
			      .layer = layer };
	rc = fstree_parents(t, target, layer, err);
	if (rc == 0)
		rc = fstree_put(t, &e, NULL, err);
	free(out);
	return rc;
}

int combine_tree(struct fstree *t, const struct kv *kv, size_t n_kv, struct cl_err *err)
{
	static const char master[] = "/etc/combine.d";
	struct fs_entry *d = fstree_find(t, master);
	if (!d)
		return 0;
	if (d->type != FS_DIR)
		return cl_err_msg(err, EINVAL, "%s (from %s) must be a folder", master, fstree_layer_name(t, d->layer));
	_cleanup_free_ struct fs_entry **files = NULL;
	_cleanup_free_ struct combine_rule *rules = NULL;
	_cleanup_free_ unsigned *layers = NULL;
	size_t nf = 0, nr = 0;
	TRY(fstree_children(t, master, &files, &nf, err));
	for (size_t i = 0; i < nf; i++) {
		char where[FS_PATH_MAX + 300];
		snprintf(where, sizeof where, "%s (from %s)", files[i]->path, fstree_layer_name(t, files[i]->layer));
		if (files[i]->type != FS_FILE)
			return cl_err_msg(err, EINVAL, "%s: %s holds files of ROOT FILE MODE TYPE lines only", where,
					  master);
		_cleanup_free_ char *text = NULL;
		size_t len = 0, before = nr;
		TRY(fstree_read(files[i], &text, &len, err));
		TRY(combine_parse(text, len, where, &rules, &nr, err));
		unsigned *nl = realloc(layers, (nr ? nr : 1) * sizeof *nl);
		if (!nl)
			return cl_err_set(err, ENOMEM, "combining");
		layers = nl;
		for (size_t k = before; k < nr; k++)
			layers[k] = files[i]->layer;
	}
	/* one rule per combined file: which of two would win is no order anyone chose */
	for (size_t a = 0; a < nr; a++)
		for (size_t b = a + 1; b < nr; b++)
			if (!strcmp(rules[a].root, rules[b].root) && !strcmp(rules[a].file, rules[b].file))
				return cl_err_msg(err, EEXIST, "%s: %s/%s is combined already by %s; a downstream "
						  "package overrides that combine.d file by shipping the same name",
						  rules[b].where, rules[b].root, rules[b].file, rules[a].where);
	for (size_t i = 0; i < nr; i++)
		TRY(apply_rule(t, &rules[i], layers[i], kv, n_kv, err));
	return 0;
}
