#define _GNU_SOURCE
#include "home.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/fsutil.h"

int cloister_home(const char *override, char *out, size_t len, struct cl_err *err)
{
	const char *env = getenv("CLOISTER_HOME");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;

	if (override && *override)
		n = snprintf(out, len, "%s", override);
	else if (env && *env)
		n = snprintf(out, len, "%s", env);
	else if (xdg && xdg[0] == '/')
		n = snprintf(out, len, "%s/cloister", xdg);
	else if (home && home[0] == '/')
		n = snprintf(out, len, "%s/.cache/cloister", home);
	else
		return cl_err_msg(err, EINVAL, "cannot tell where to keep the store: set CLOISTER_HOME or HOME");
	if (n < 0 || (size_t)n >= len)
		return cl_err_msg(err, ENAMETOOLONG, "the store path is too long");
	if (out[0] != '/') {
		char cwd[PATH_MAX], tmp[2 * PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			return cl_err_set(err, errno, "getcwd");
		snprintf(tmp, sizeof tmp, "%s/%s", cwd, out);
		if (strlen(tmp) >= len)
			return cl_err_msg(err, ENAMETOOLONG, "the store path is too long");
		memcpy(out, tmp, strlen(tmp) + 1);
	}
	return mkdir_p(out, 0755, err);
}

int repo_file(const char *rel, char *out, size_t len, struct cl_err *err)
{
	if (access(rel, F_OK) == 0) {
		snprintf(out, len, "%s", rel);
		return 0;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		snprintf(out, len, "%s/%s", dirname(exe), rel);
		if (access(out, F_OK) == 0)
			return 0;
	}
	return cl_err_msg(err, ENOENT, "%s not found (run cloister from the repository, or name it with an option)",
			  rel);
}
