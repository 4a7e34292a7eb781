#define _GNU_SOURCE
#include "recipe.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../../common/lines.h"
#include "../../common/text.h"
#include "../seed/deb.h"
#include "debian_names.h"
#include "../seed/seed.h"

int recipe_version_valid(const char *v)
{
	/* it becomes part of file names (the store entry, logs): no '/' */
	if (!v[0] || strlen(v) > 100 || !isalnum((unsigned char)v[0]))
		return 0;
	for (; *v; v++)
		if (!(isalnum((unsigned char)*v) || strchr(".+-~:_", *v)))
			return 0;
	return 1;
}

int recipe_name_valid(const char *name)
{
	if (!name[0] || strlen(name) > 100 || !isalnum((unsigned char)name[0]))
		return 0;
	for (; *name; name++)
		if (!(islower((unsigned char)*name) || isdigit((unsigned char)*name) ||
		      strchr("-+.", *name)))
			return 0;
	return 1;
}

/* Copies src if it fits; -1 if it does not. */
static int set_str(char *dst, size_t size, const char *src)
{
	size_t l = strlen(src);
	if (l >= size)
		return -1;
	memcpy(dst, src, l + 1);
	return 0;
}

static int push_name(char ***v, size_t *n, const char *s)
{
	/* doubling at each power of two: a long line is read in linear time */
	if ((*n & (*n - 1)) == 0) {
		char **nv = realloc(*v, (*n ? 2 * *n : 1) * sizeof **v);
		if (!nv)
			return -ENOMEM;
		*v = nv;
	}
	char **nv = *v;
	if (!(nv[*n] = strdup(s)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t l = strlen(s);
	while (l > 0 && isspace((unsigned char)s[l - 1]))
		s[--l] = '\0';
	return s;
}

static int parse_digest(const char *tok, char out[SHA256_HEX_LEN + 1])
{
	if (strncmp(tok, "sha256:", 7) != 0 || !sha256_hex_valid(tok + 7))
		return -1;
	memcpy(out, tok + 7, SHA256_HEX_LEN + 1);
	return 0;
}

/* source: file PATH sha256:HEX
 * source: debian PACKAGE=VERSION FILE sha256:HEX [suite:SUITE [moving]]
 * source: cache NAME sha256:HEX
 * source: deb-file PACKAGE=VERSION sha256:HEX PATH [suite:SUITE [moving]]  (recipe_deb_file.c) */
static int parse_source(struct recipe *r, char *value, const char *where, int line,
			struct cl_err *err)
{
	char *tok[7];
	int n = 0;
	for (char *save = NULL, *t = strtok_r(value, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
		if (n < 7)
			tok[n++] = t;
		else
			return cl_err_msg(err, EINVAL, "%s:%d: too many words in source", where, line);
	struct recipe_source src;
	memset(&src, 0, sizeof src);
	src.line = line;
	const char *usage = "expected 'file PATH sha256:HEX', 'debian PACKAGE=VERSION FILE sha256:HEX "
			    "[suite:SUITE [moving]]', 'cache NAME sha256:HEX' "
			    "or 'deb-file PACKAGE=VERSION sha256:HEX PATH [suite:SUITE [moving]]'";
	if (n == 3 && !strcmp(tok[0], "file")) {
		char norm[PATH_MAX];
		src.kind = SRC_FILE;
		if (tok[1][0] == '/' || deb_path_normalize(tok[1], norm, sizeof norm) < 0 ||
		    strstr(tok[1], ".."))
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' must be a path inside the recipe folder",
					  where, line, tok[1]);
		const char *base = strrchr(norm, '/');
		if (set_str(src.path, sizeof src.path, norm) < 0 ||
		    set_str(src.name, sizeof src.name, base ? base + 1 : norm) < 0)
			goto too_long;
		if (parse_digest(tok[2], src.sha256) < 0)
			goto bad_digest;
	} else if (n >= 4 && n <= 6 && !strcmp(tok[0], "debian")) {
		char *eq = strchr(tok[1], '=');
		src.kind = SRC_DEBIAN;
		if (!eq || eq == tok[1] || !eq[1] || strlen(tok[1]) > 200)
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' should be PACKAGE=VERSION", where, line, tok[1]);
		*eq = '\0';
		char q[QUOTE_MAX];
		if (!debian_package_valid(tok[1]))
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a Debian package name (lowercase letters, "
					  "digits, + - .)", where, line, text_quote(q, tok[1]));
		if (!debian_version_valid(eq + 1))
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a Debian version (digits first, then "
					  "letters, digits, . + ~ - :)", where, line, text_quote(q, eq + 1));
		if (set_str(src.package, sizeof src.package, tok[1]) < 0 ||
		    set_str(src.version, sizeof src.version, eq + 1) < 0)
			goto too_long;
		if (strchr(tok[2], '/') || !strcmp(tok[2], ".") || !strcmp(tok[2], ".."))
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' should be a file name", where, line, tok[2]);
		if (set_str(src.name, sizeof src.name, tok[2]) < 0)
			goto too_long;
		if (parse_digest(tok[3], src.sha256) < 0)
			goto bad_digest;
		if (n >= 5 && (strncmp(tok[4], "suite:", 6) || !tok[4][6] ||
			       strspn(tok[4] + 6, "abcdefghijklmnopqrstuvwxyz0123456789.+-_/") != strlen(tok[4] + 6)))
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' should be suite:SUITE, the suite the pin comes "
					  "from (as `apt-cache madison` names it)", where, line, tok[4]);
		if (n == 6 && strcmp(tok[5], "moving"))
			return cl_err_msg(err, EINVAL, "%s:%d: after the suite only 'moving' may follow, not '%s'",
					  where, line, tok[5]);
		if (n >= 5 && set_str(src.suite, sizeof src.suite, tok[4] + 6) < 0)
			goto too_long;
		src.moving = n == 6;
	} else if (n == 3 && !strcmp(tok[0], "cache")) {
		src.kind = SRC_CACHE;
		if (strchr(tok[1], '/') || !strcmp(tok[1], ".") || !strcmp(tok[1], ".."))
			return cl_err_msg(err, EINVAL, "%s:%d: '%s' should be a file name", where, line, tok[1]);
		if (set_str(src.name, sizeof src.name, tok[1]) < 0)
			goto too_long;
		if (parse_digest(tok[2], src.sha256) < 0)
			goto bad_digest;
	} else if (n >= 1 && !strcmp(tok[0], "deb-file")) {
		TRY(recipe_parse_deb_file(tok + 1, n - 1, &src, where, line, err));
	} else {
		return cl_err_msg(err, EINVAL, "%s:%d: bad source: %s", where, line, usage);
	}
	for (size_t i = 0; i < r->n_sources; i++)
		if (!strcmp(r->sources[i].name, src.name))
			return cl_err_msg(err, EINVAL, "%s:%d: a second source named %s (first at line %d)",
					  where, line, src.name, r->sources[i].line);
	struct recipe_source *ns = realloc(r->sources, (r->n_sources + 1) * sizeof *ns);
	if (!ns)
		return cl_err_set(err, ENOMEM, "%s", where);
	r->sources = ns;
	ns[r->n_sources++] = src;
	return 0;
too_long:
	return cl_err_msg(err, EINVAL, "%s:%d: a name in this source is too long", where, line);
bad_digest:
	return cl_err_msg(err, EINVAL, "%s:%d: the source's digest must be sha256: followed by 64 "
			  "lowercase hex digits", where, line);
}

/* seed: SET...  Every build has the toolchain (base); kbuild adds what
 * kernel builds need, and the seed's "kbuild" selection includes base. */
static int parse_seed(struct recipe *r, char *value, const char *where, int line, struct cl_err *err)
{
	int n = 0;
	for (char *save = NULL, *t = strtok_r(value, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save), n++) {
		if (!strcmp(t, "kbuild"))
			snprintf(r->seed, sizeof r->seed, "kbuild");
		else if (strcmp(t, "base") != 0)
			return cl_err_msg(err, EINVAL, "%s:%d: unknown seed set '%s' (sets: base, kbuild; "
					  "rootfs-seed/seed.lock defines them)", where, line, t);
	}
	if (n == 0)
		return cl_err_msg(err, EINVAL, "%s:%d: 'seed' needs one or more sets: base, kbuild", where, line);
	return 0;
}

/* mode: MODE PATH.  Only read and execute bits: the store is read-only,
 * and setuid, setgid and sticky bits are never stored (the image's modes
 * come from the machine's initramfs.contents). */
static int parse_mode(struct recipe *r, char *value, const char *where, int line, struct cl_err *err)
{
	char *path = value + strcspn(value, " \t");
	if (*path)
		*path++ = '\0';
	path = trim(path);
	char *end;
	errno = 0;
	unsigned long m = strtoul(value, &end, 8);
	if (!*value || *end || errno || strspn(value, "01234567") != strlen(value) || !*path)
		return cl_err_msg(err, EINVAL, "%s:%d: expected 'mode: MODE PATH' (e.g. 'mode: 0500 /usr/libexec/x'), "
				  "MODE in octal", where, line);
	if ((m & ~0555UL) || !(m & 0400))
		return cl_err_msg(err, EINVAL, "%s:%d: mode %s for %s: only read and execute bits, the owner's read "
				  "among them (e.g. 0500, 0444): the store is read-only and never keeps setuid, setgid "
				  "or sticky bits", where, line, value, path);
	char norm[PATH_MAX];
	if (path[0] != '/' || !path[1] || deb_path_normalize(path + 1, norm, sizeof norm) < 0 || strcmp(norm, path + 1))
		return cl_err_msg(err, EINVAL, "%s:%d: '%s' should be an absolute path of the output, below / and "
				  "without '.', '..', '//' or a trailing '/'", where, line, path);
	for (size_t i = 0; i < r->n_modes; i++)
		if (!strcmp(r->modes[i].path, path))
			return cl_err_msg(err, EINVAL, "%s:%d: a second mode for %s (first at line %d)", where, line,
					  path, r->modes[i].line);
	struct path_mode *v = realloc(r->modes, (r->n_modes + 1) * sizeof *v);
	if (!v)
		return cl_err_set(err, ENOMEM, "%s", where);
	r->modes = v;
	snprintf(v[r->n_modes].path, sizeof v->path, "%s", path);
	v[r->n_modes].mode = (mode_t)m;
	v[r->n_modes].line = line;
	r->n_modes++;
	return 0;
}

void recipe_modes(const struct recipe *r, char *file, size_t len, struct path_modes *m)
{
	snprintf(file, len, "%s/recipe", r->dir);
	m->file = file;
	m->v = r->modes;
	m->n = r->n_modes;
}

int recipe_parse(const char *dir, const char *data, size_t len, struct recipe *r, struct cl_err *err)
{
	char where[PATH_MAX + 16];
	int seen[13] = { 0 };
	static const char *const keys[] = { "name", "version", "license", "source", "build-needs",
					    "depends", "source-date-epoch", "timeout", "prefer", "seed",
					    "allow-host-facts", "max-output", "mode" };

	memset(r, 0, sizeof *r);
	r->source_date_epoch = SEED_EPOCH;
	r->timeout_sec = 3600;
	snprintf(r->seed, sizeof r->seed, "base");
	recipe_limits_defaults(r);
	snprintf(r->dir, sizeof r->dir, "%s", dir);
	TRY(pathf(err, where, sizeof where, "%s/recipe", dir));
	/* the line reader cuts in place, after a NUL-terminated copy */
	_cleanup_free_ char *text = malloc(len + 1);
	if (!text)
		return cl_err_set(err, ENOMEM, "%s", where);
	memcpy(text, data, len);
	text[len] = '\0';

	int line = 0, rc = 0;
	struct lines it;
	TRY(lines_init(&it, text, len, where, err));
	for (char *s; rc == 0 && (s = lines_next(&it)); ) {
		line = it.line;
		char *colon = strchr(s, ':');
		if (!colon) {
			rc = cl_err_msg(err, EINVAL, "%s:%d: expected 'field: value'", where, line);
			break;
		}
		*colon = '\0';
		char *key = trim(s), *value = trim(colon + 1);
		size_t k;
		for (k = 0; k < sizeof keys / sizeof *keys; k++)
			if (!strcmp(key, keys[k]))
				break;
		if (k == sizeof keys / sizeof *keys) {
			rc = cl_err_msg(err, EINVAL, "%s:%d: unknown field '%s' (fields: name, version, license, "
					"source, build-needs, depends, prefer, seed, mode, source-date-epoch, timeout, "
					"allow-host-facts, max-output)", where, line, key);
			break;
		}
		if (seen[k] && strcmp(key, "source") != 0 && strcmp(key, "mode") != 0) {
			rc = cl_err_msg(err, EINVAL, "%s:%d: '%s' given twice (first at line %d)", where, line,
					key, seen[k]);
			break;
		}
		seen[k] = line;
		if (!strcmp(key, "name") || !strcmp(key, "version") || !strcmp(key, "license")) {
			char *field = !strcmp(key, "name") ? r->name : !strcmp(key, "version") ? r->version : r->license;
			if (field == r->version && !recipe_version_valid(value)) {
				char q[QUOTE_MAX];
				rc = cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a version (letters, digits and . + - ~ : _, "
						"starting with a letter or digit, at most 100)", where, line,
						text_quote(q, value));
				break;
			}
			if (!*value || strlen(value) >= sizeof r->name || strpbrk(value, " \t")) {
				rc = cl_err_msg(err, EINVAL, "%s:%d: '%s' needs one word", where, line, key);
				break;
			}
			strcpy(field, value);
		} else if (!strcmp(key, "source")) {
			rc = parse_source(r, value, where, line, err);
		} else if (!strcmp(key, "seed")) {
			rc = parse_seed(r, value, where, line, err);
		} else if (!strcmp(key, "allow-host-facts") || !strcmp(key, "max-output")) {
			rc = recipe_parse_limit(r, key, value, where, line, err);
		} else if (!strcmp(key, "mode")) {
			rc = parse_mode(r, value, where, line, err);
		} else if (!strcmp(key, "build-needs") || !strcmp(key, "depends") || !strcmp(key, "prefer")) {
			if (!strcmp(key, "depends"))
				r->depends_line = line;
			else if (!strcmp(key, "build-needs"))
				r->build_needs_line = line;
			char ***v = !strcmp(key, "depends") ? &r->depends : !strcmp(key, "prefer") ? &r->prefer
											: &r->build_needs;
			size_t *n = !strcmp(key, "depends") ? &r->n_depends : !strcmp(key, "prefer") ? &r->n_prefer
											  : &r->n_build_needs;
			for (char *save = NULL, *t = strtok_r(value, " \t,", &save); t && rc == 0;
			     t = strtok_r(NULL, " \t,", &save)) {
				if (!recipe_name_valid(t))
					rc = cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a recipe name", where, line, t);
				else if (push_name(v, n, t) < 0)
					rc = cl_err_set(err, ENOMEM, "%s", where);
			}
		} else {
			char *end;
			errno = 0;
			long long v = strtoll(value, &end, 10);
			/* every mtime of the output: at most what 32-bit unsigned time
			 * fields (newc cpio) hold, 2106-02-07 */
			if (errno || *end || !*value || v < 0 ||
			    (!strcmp(key, "timeout") && (v < 1 || v > 7 * 24 * 3600)) ||
			    (strcmp(key, "timeout") && v > 4294967295LL)) {
				rc = cl_err_msg(err, EINVAL, "%s:%d: '%s' needs a %s", where, line, key,
						!strcmp(key, "timeout") ? "number of seconds (1 to 604800)"
									: "Unix time in seconds (0 to 4294967295)");
				break;
			}
			if (!strcmp(key, "timeout"))
				r->timeout_sec = (unsigned)v;
			else
				r->source_date_epoch = v;
		}
	}
	if (rc == 0 && !r->name[0])
		rc = cl_err_msg(err, EINVAL, "%s: the 'name' field is missing", where);
	if (rc == 0 && !r->version[0])
		rc = cl_err_msg(err, EINVAL, "%s: the 'version' field is missing", where);
	if (rc == 0 && !r->license[0])
		rc = cl_err_msg(err, EINVAL, "%s: the 'license' field is missing", where);
	if (rc == 0 && !recipe_name_valid(r->name))
		rc = cl_err_msg(err, EINVAL, "%s:%d: '%s' is not a recipe name (lowercase letters, digits, - + .)",
				where, seen[0], r->name);
	for (size_t i = 0; rc == 0 && i < r->n_prefer; i++) {
		bool needed = false;
		for (size_t k = 0; k < r->n_build_needs; k++)
			needed = needed || !strcmp(r->prefer[i], r->build_needs[k]);
		if (!needed)
			rc = cl_err_msg(err, EINVAL, "%s:%d: prefer names '%s', which is not among the build-needs",
					where, seen[8], r->prefer[i]);
	}
	r->name_line = seen[0];
	if (rc < 0)
		recipe_free(r);
	return rc;
}

int recipe_load(const char *dir, struct recipe *r, struct cl_err *err)
{
	char where[PATH_MAX + 16];
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	memset(r, 0, sizeof *r);
	TRY(pathf(err, where, sizeof where, "%s/recipe", dir));
	if (read_input_file(where, &text, &len, err) < 0)
		return -err->code;
	TRY(recipe_parse(dir, text, len, r, err));

	int rc = 0;
	const char *base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	if (strcmp(base, r->name) != 0)
		rc = cl_err_msg(err, EINVAL, "%s:%d: the name '%s' differs from the folder '%s'",
				where, r->name_line, r->name, base);
	if (rc == 0) {
		char build[PATH_MAX + 16];
		struct stat st;
		snprintf(build, sizeof build, "%s/build", dir);
		/* not followed: a symlink would run whatever it names in the sandbox */
		if (lstat(build, &st) < 0)
			rc = cl_err_msg(err, ENOENT, "%s: the recipe has no build script (%s)", where, build);
		else if (!S_ISREG(st.st_mode))
			rc = cl_err_msg(err, EINVAL, "%s: the build script %s is %s; it must be a file of the recipe "
					"folder", where, build, S_ISLNK(st.st_mode) ? "a symlink" : "not a regular file");
	}
	if (rc < 0)
		recipe_free(r);
	return rc;
}

void recipe_free(struct recipe *r)
{
	for (size_t i = 0; i < r->n_build_needs; i++)
		free(r->build_needs[i]);
	for (size_t i = 0; i < r->n_depends; i++)
		free(r->depends[i]);
	for (size_t i = 0; i < r->n_prefer; i++)
		free(r->prefer[i]);
	free(r->build_needs);
	free(r->depends);
	free(r->prefer);
	free(r->sources);
	free(r->modes);
	r->modes = NULL;
	r->n_modes = 0;
	r->build_needs = r->depends = r->prefer = NULL;
	r->n_prefer = 0;
	r->sources = NULL;
	r->n_build_needs = r->n_depends = r->n_sources = 0;
}
