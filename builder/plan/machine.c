#define _GNU_SOURCE
#include "machine.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../../common/lines.h"
#include "../../common/text.h"
#include "recipe.h"

int machine_name_valid(const char *name)
{
	if (!name[0] || name[0] == '.' || strlen(name) > 100)
		return 0;
	for (; *name; name++)
		if (!(isalnum((unsigned char)*name) || strchr("-_.", *name)))
			return 0;
	return 1;
}

static int add_package(struct machine *m, const char *name, int line, struct cl_err *err)
{
	/* doubling at each power of two: a long list is read in linear time */
	if ((m->n_packages & (m->n_packages - 1)) == 0) {
		struct machine_package *p = realloc(m->packages, (m->n_packages ? 2 * m->n_packages : 1) * sizeof *p);
		if (!p)
			return cl_err_set(err, ENOMEM, "%s", m->packages_list);
		m->packages = p;
	}
	struct machine_package *p = &m->packages[m->n_packages++];
	/* recipe_name_valid bounds the length */
	snprintf(p->name, sizeof p->name, "%s", name);
	p->line = line;
	return 0;
}

static int cmp_name_line(const void *a, const void *b)
{
	const struct machine_package *x = *(const struct machine_package *const *)a,
				     *y = *(const struct machine_package *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : x->line - y->line;
}

/* A name listed twice, found by sorting (not by comparing each line with
 * every other): the repeat on the earliest line is reported. */
static int check_twice(const struct machine *m, struct cl_err *err)
{
	if (m->n_packages < 2)
		return 0;
	const struct machine_package **v = malloc(m->n_packages * sizeof *v);
	if (!v)
		return cl_err_set(err, ENOMEM, "%s", m->packages_list);
	for (size_t i = 0; i < m->n_packages; i++)
		v[i] = &m->packages[i];
	qsort(v, m->n_packages, sizeof *v, cmp_name_line);
	/* in each run of one name, the lowest line is the first and the next
	 * its repeat; reading in order stops at the earliest repeat */
	const struct machine_package *again = NULL, *first = NULL;
	for (size_t i = 1; i < m->n_packages; i++)
		if (!strcmp(v[i]->name, v[i - 1]->name) && (i < 2 || strcmp(v[i - 2]->name, v[i]->name)) &&
		    (!again || v[i]->line < again->line)) {
			again = v[i];
			first = v[i - 1];
		}
	int r = 0;
	if (again)
		r = cl_err_msg(err, EINVAL, "%s:%d: '%s' is listed twice (first at line %d); keep one line",
			       m->packages_list, again->line, again->name, first->line);
	free(v);
	return r;
}

static int parse_packages(struct machine *m, const char *data, size_t len, struct cl_err *err)
{
	/* the line reader cuts in place, after a NUL-terminated copy */
	_cleanup_free_ char *text = malloc(len + 1);
	if (!text)
		return cl_err_set(err, ENOMEM, "%s", m->packages_list);
	memcpy(text, data, len);
	text[len] = '\0';
	struct lines it;
	TRY(lines_init(&it, text, len, m->packages_list, err));
	for (char *l; (l = lines_next(&it)); ) {
		char q[QUOTE_MAX];
		if (strpbrk(l, " \t"))
			return cl_err_msg(err, EINVAL, "%s:%d: expected one recipe name per line, found '%s'",
					  m->packages_list, it.line, text_quote(q, l));
		if (!recipe_name_valid(l))
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a recipe name (lowercase letters, "
					  "digits, - + .)", m->packages_list, it.line, text_quote(q, l));
		TRY(add_package(m, l, it.line, err));
	}
	if (m->n_packages == 0)
		return cl_err_msg(err, EINVAL, "%s: lists no package; name at least one recipe",
				  m->packages_list);
	return check_twice(m, err);
}

int machine_packages_parse(struct machine *m, const char *data, size_t len, struct cl_err *err)
{
	m->packages = NULL;
	m->n_packages = 0;
	int rc = parse_packages(m, data, len, err);
	if (rc < 0)
		machine_free(m);
	return rc;
}

static int read_packages(struct machine *m, struct cl_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (read_input_file(m->packages_list, &text, &len, err) < 0) {
		if (err->code == ENOENT)
			return cl_err_msg(err, ENOENT, "%s: missing; a machine lists the recipes it is made of "
					  "there, one per line (see docs/machine.md)", m->packages_list);
		return -err->code;
	}
	return machine_packages_parse(m, text, len, err);
}

int machine_load(const char *machines_dir, const char *name, struct machine *m, struct cl_err *err)
{
	struct stat st;
	memset(m, 0, sizeof *m);
	if (!machine_name_valid(name))
		return cl_err_msg(err, EINVAL, "'%s' is not a machine name (letters, digits, - _ ., "
				  "not starting with .)", name);
	snprintf(m->name, sizeof m->name, "%s", name);
	TRY(pathf(err, m->dir, sizeof m->dir, "%s/%s", machines_dir, name));
	if (stat(m->dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return cl_err_msg(err, ENOENT, "no machine '%s' (looked for the folder %s)", name, m->dir);
	TRY(pathf(err, m->packages_list, sizeof m->packages_list, "%s/settings/packages.list", m->dir));
	return read_packages(m, err);
}

void machine_free(struct machine *m)
{
	free(m->packages);
	m->packages = NULL;
	m->n_packages = 0;
}
