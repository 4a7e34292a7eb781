#define _GNU_SOURCE
#include "seedlock.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../../common/lines.h"

static int valid_name(const char *s)
{
	/* Debian policy 5.6.1: lowercase letters, digits, + - . ; at least two */
	if (strlen(s) < 2 || !isalnum((unsigned char)s[0]))
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
		      *s == '+' || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

static int valid_suite(const char *s)
{
	if (!isalnum((unsigned char)s[0]))
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr(".+-_/", *s)))
			return 0;
	return 1;
}

static int valid_version(const char *s)
{
	if (!isdigit((unsigned char)s[0]))
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr(".+-~:", *s)))
			return 0;
	return 1;
}

int seed_lock_read(const char *path, struct seed_lock *lock, struct cl_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	memset(lock, 0, sizeof *lock);
	if (read_input_file(path, &text, &len, err) < 0)
		return cl_err_prefix(err, "reading the seed lock");
	return seed_lock_parse(text, len, path, lock, err);
}

int seed_lock_parse(const char *data, size_t len, const char *path, struct seed_lock *lock,
		    struct cl_err *err)
{
	int lineno = 0;
	memset(lock, 0, sizeof *lock);
	/* the line reader works in place on a NUL-terminated copy */
	_cleanup_free_ char *text = malloc(len + 1);
	if (!text)
		return cl_err_set(err, ENOMEM, "%s", path);
	memcpy(text, data, len);
	text[len] = '\0';
	/* a NUL byte, bytes that are not UTF-8: refused by the line reader */
	struct lines it;
	TRY(lines_init(&it, text, len, path, err));
	for (char *line; (line = lines_next(&it)); ) {
		lineno = it.line;
		char f[8][256];
		int n = 0;
		for (char *save = NULL, *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
			if (n == 8)
				break;   /* counted as too many below */
			if (strlen(t) >= sizeof f[0]) {
				seed_lock_free(lock);
				return cl_err_msg(err, EINVAL, "%s:%d: field %d is longer than %zu characters", path,
						  lineno, n + 1, sizeof f[0] - 1);
			}
			memcpy(f[n++], t, strlen(t) + 1);
		}
		if (n != 6 && n != 7) {
			seed_lock_free(lock);
			return cl_err_msg(err, EINVAL, "%s:%d: expected 6 fields (set name version sha256 size suite) "
					  "and an optional 'moving', found %d", path, lineno, n);
		}
		if (!valid_suite(f[5]) || strlen(f[5]) >= sizeof lock->pkgs->suite) {
			seed_lock_free(lock);
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a suite name (the suite apt found the pin "
					  "in, as `apt-cache madison` names it)", path, lineno, f[5]);
		}
		if (n == 7 && strcmp(f[6], "moving")) {
			seed_lock_free(lock);
			return cl_err_msg(err, EINVAL, "%s:%d: the seventh field can only be 'moving' (a pin from a "
					  "suite that drops old versions), not '%s'", path, lineno, f[6]);
		}
		if (strcmp(f[0], "base") && strcmp(f[0], "kbuild")) {
			seed_lock_free(lock);
			return cl_err_msg(err, EINVAL, "%s:%d: unknown set '%s': use base or kbuild", path, lineno, f[0]);
		}
		if (!valid_name(f[1]) || strlen(f[1]) >= sizeof lock->pkgs->name) {
			seed_lock_free(lock);
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a Debian package name", path, lineno, f[1]);
		}
		if (!valid_version(f[2]) || strlen(f[2]) >= sizeof lock->pkgs->version) {
			seed_lock_free(lock);
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a Debian version", path, lineno, f[2]);
		}
		if (!sha256_hex_valid(f[3])) {
			seed_lock_free(lock);
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a sha256 digest (64 lowercase hex digits)",
					  path, lineno, f[3]);
		}
		char *end;
		errno = 0;
		unsigned long long size = strtoull(f[4], &end, 10);
		if (errno || *end || !isdigit((unsigned char)f[4][0]) || size == 0) {
			seed_lock_free(lock);
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a size in bytes", path, lineno, f[4]);
		}
		for (size_t i = 0; i < lock->n; i++) {
			if (!strcmp(lock->pkgs[i].name, f[1])) {
				int first = lock->pkgs[i].line;
				seed_lock_free(lock);
				return cl_err_msg(err, EINVAL, "%s:%d: %s is pinned twice (first at line %d); keep one line",
						  path, lineno, f[1], first);
			}
		}
		struct seed_pkg *np = realloc(lock->pkgs, (lock->n + 1) * sizeof *np);
		if (!np) {
			seed_lock_free(lock);
			return cl_err_set(err, ENOMEM, "%s", path);
		}
		lock->pkgs = np;
		struct seed_pkg *p = &np[lock->n++];
		memset(p, 0, sizeof *p);
		/* lengths were checked above */
		memcpy(p->set, f[0], strlen(f[0]) + 1);
		memcpy(p->name, f[1], strlen(f[1]) + 1);
		memcpy(p->version, f[2], strlen(f[2]) + 1);
		memcpy(p->sha256, f[3], SHA256_HEX_LEN + 1);
		memcpy(p->suite, f[5], strlen(f[5]) + 1);
		p->moving = n == 7;
		p->size = size;
		p->line = lineno;
	}
	if (lock->n == 0)
		return cl_err_msg(err, EINVAL, "%s: no package is pinned", path);
	return 0;
}

static int cmp_pkg(const void *a, const void *b)
{
	const struct seed_pkg *x = a, *y = b;
	int c = strcmp(x->set, y->set);
	return c ? c : strcmp(x->name, y->name);
}

int seed_lock_write(const char *path, const struct seed_lock *lock, struct cl_err *err)
{
	struct seed_pkg *sorted = malloc(lock->n * sizeof *sorted);
	if (!sorted)
		return cl_err_set(err, ENOMEM, "%s", path);
	memcpy(sorted, lock->pkgs, lock->n * sizeof *sorted);
	qsort(sorted, lock->n, sizeof *sorted, cmp_pkg);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		free(sorted);
		return cl_err_set(err, errno, "%s", path);
	}
	fprintf(f, "# The seed: Debian 12 binary packages, pinned by version, sha256 and size.\n"
		   "# base: the toolchain every build gets; kbuild: what kernel builds add.\n"
		   "# suite: where apt found the pin; 'moving' marks a suite that drops old versions\n"
		   "# (security, updates): such a pin vanishes when the suite moves on.\n"
		   "# Rewritten by `cloister seed update`; see docs/seed.md.\n"
		   "# set\tname\tversion\tsha256\tsize\tsuite\n");
	for (size_t i = 0; i < lock->n; i++)
		fprintf(f, "%s\t%s\t%s\t%s\t%llu\t%s%s\n", sorted[i].set, sorted[i].name, sorted[i].version,
			sorted[i].sha256, sorted[i].size, sorted[i].suite, sorted[i].moving ? "\tmoving" : "");
	fclose(f);
	free(sorted);
	int r = write_file_atomic(path, buf, len, 0644, err);
	free(buf);
	return r;
}

void seed_lock_free(struct seed_lock *lock)
{
	free(lock->pkgs);
	lock->pkgs = NULL;
	lock->n = 0;
}

int seed_pkg_selected(const struct seed_pkg *p, const char *set)
{
	if (!strcmp(set, "all") || !strcmp(p->set, set))
		return 1;
	return !strcmp(set, "kbuild") && !strcmp(p->set, "base");
}

int seed_lock_require_set(const struct seed_lock *lock, const char *path, const char *set,
			  struct cl_err *err)
{
	for (size_t i = 0; i < lock->n; i++)
		if (seed_pkg_selected(&lock->pkgs[i], set))
			return 0;
	/* a seed of only the skeleton would build nothing, and say so late */
	return cl_err_msg(err, EINVAL, "%s: no package is in the set '%s': add its packages or choose "
			  "another set (base, kbuild, all)", path, set);
}
