/* The recipe line `source: deb-file PACKAGE=VERSION sha256:HEX PATH
 * [suite:SUITE [moving]]`: a file inside a pinned Debian binary package
 * (fetch/deb_file.c fetches and unpacks it). */
#include "recipe.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../seed/deb.h"
#include "debian_names.h"

/* suite:SUITE [moving], as `source: debian` records them (recipe.c) */
static int parse_suite(char *const *words, int n, struct recipe_source *src, const char *where, int line,
		       struct cl_err *err)
{
	if (n == 0)
		return 0;
	const char *suite = words[0] + 6;
	if (strncmp(words[0], "suite:", 6) || !*suite ||
	    strspn(suite, "abcdefghijklmnopqrstuvwxyz0123456789.+-_/") != strlen(suite) ||
	    strlen(suite) >= sizeof src->suite)
		return cl_err_msg(err, EINVAL, "%s:%d: '%s' should be suite:SUITE, the suite the pin comes "
				  "from (as `apt-cache madison` names it)", where, line, words[0]);
	if (n == 2 && strcmp(words[1], "moving"))
		return cl_err_msg(err, EINVAL, "%s:%d: after the suite only 'moving' may follow, not '%s'",
				  where, line, words[1]);
	snprintf(src->suite, sizeof src->suite, "%s", suite);
	src->moving = n == 2;
	return 0;
}

int recipe_parse_deb_file(char *const *words, int n, struct recipe_source *src, const char *where, int line,
			  struct cl_err *err)
{
	if (n < 3 || n > 5)
		return cl_err_msg(err, EINVAL, "%s:%d: expected 'deb-file PACKAGE=VERSION sha256:HEX PATH "
				  "[suite:SUITE [moving]]' (PATH: the file inside the binary package)", where, line);
	src->kind = SRC_DEB_FILE;
	char *eq = strchr(words[0], '=');
	if (!eq || strlen(words[0]) > 200)
		return cl_err_msg(err, EINVAL, "%s:%d: '%s' should be PACKAGE=VERSION", where, line, words[0]);
	*eq = '\0';
	/* both become one apt-get argument "NAME=VERSION" (a leading '-'
	 * would make it an option), and fit their fields (at most 127) */
	if (!debian_package_valid(words[0]) || !debian_version_valid(eq + 1)) {
		*eq = '=';
		return cl_err_msg(err, EINVAL, "%s:%d: '%s' should be PACKAGE=VERSION with a Debian package "
				  "name and version", where, line, words[0]);
	}
	snprintf(src->package, sizeof src->package, "%s", words[0]);
	snprintf(src->version, sizeof src->version, "%s", eq + 1);
	*eq = '=';
	if (strncmp(words[1], "sha256:", 7) != 0 || !sha256_hex_valid(words[1] + 7))
		return cl_err_msg(err, EINVAL, "%s:%d: the package's digest must be sha256: followed by 64 "
				  "lowercase hex digits", where, line);
	memcpy(src->sha256, words[1] + 7, SHA256_HEX_LEN + 1);
	char norm[PATH_MAX];
	if (words[2][0] == '/' || strstr(words[2], "..") || deb_path_normalize(words[2], norm, sizeof norm) < 0 ||
	    !norm[0])
		return cl_err_msg(err, EINVAL, "%s:%d: '%s' should be a path inside the package, like "
				  "usr/src/NAME.tar.xz", where, line, words[2]);
	const char *base = strrchr(norm, '/');
	base = base ? base + 1 : norm;
	if (strlen(norm) >= sizeof src->path || strlen(base) >= sizeof src->name)
		return cl_err_msg(err, EINVAL, "%s:%d: the path '%s' is too long", where, line, words[2]);
	snprintf(src->path, sizeof src->path, "%s", norm);
	snprintf(src->name, sizeof src->name, "%s", base);
	return parse_suite(words + 3, n - 3, src, where, line, err);
}
