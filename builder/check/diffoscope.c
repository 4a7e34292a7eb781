/* See diffoscope.h. */
#define _GNU_SOURCE
#include "diffoscope.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../sandbox/sandbox.h"

int diffoscope_find(char *path, size_t len)
{
	const char *p = getenv("PATH");
	if (!p)
		p = "/usr/bin:/bin";
	while (*p) {
		size_t n = strcspn(p, ":");
		if (n > 0 && snprintf(path, len, "%.*s/diffoscope", (int)n, p) < (int)len &&
		    access(path, X_OK) == 0)
			return 1;
		p += n + (p[n] == ':');
	}
	return 0;
}

int diffoscope_run(const char *prog, const char *a_root, const char *b_root, const char *file,
		   const char *report, struct cl_err *err)
{
	char real[PATH_MAX], fa[PATH_MAX + 4], fb[PATH_MAX + 4];
	if (!realpath(prog, real))
		return cl_err_set(err, errno, "%s", prog);
	snprintf(fa, sizeof fa, "/a%s", file);
	snprintf(fb, sizeof fb, "/b%s", file);
	/* a diffoscope outside /usr (a local install) is bound in by itself */
	bool in_usr = !strncmp(real, "/usr/", 5);
	char *argv[] = { in_usr ? real : "/.cloister/diffoscope", fa, fb, NULL };

	_cleanup_close_ int out = open(report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	_cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (out < 0 || null < 0)
		return cl_err_set(err, errno, "%s", out < 0 ? report : "/dev/null");
	struct sandbox_config cfg;
	sandbox_config_init(&cfg);
	cfg.argv = argv;
	cfg.stdio[0] = null;
	cfg.stdio[1] = out;
	cfg.stdio[2] = null;
	cfg.timeout_sec = DIFFOSCOPE_TIMEOUT_SEC;
	/* the cap: no process inside may write a file past it, the report
	 * included (RLIMIT_FSIZE applies to inherited descriptors too) */
	cfg.max_file_size = DIFFOSCOPE_MAX_REPORT;
	cfg.max_procs = 256;
	int rc = sandbox_config_add_host_usr(&cfg, err);
	if (rc == 0 && !in_usr)
		rc = sandbox_config_add_op(&cfg, SB_OP_RO_BIND, real, "/.cloister/diffoscope", err);
	if (rc == 0)
		rc = sandbox_config_add_op(&cfg, SB_OP_RO_BIND, a_root, "/a", err);
	if (rc == 0)
		rc = sandbox_config_add_op(&cfg, SB_OP_RO_BIND, b_root, "/b", err);
	struct sandbox_result res;
	if (rc == 0)
		rc = sandbox_run(&cfg, &res, err);
	if (rc == 0)
		rc = res.status;
	sandbox_config_free(&cfg);
	if (rc < 0)
		return cl_err_prefix(err, "diffoscope's sandbox");
	return rc;
}
