#define _GNU_SOURCE
#include "build_env.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../../common/json.h"
#include "../store/hash.h"
#include "../plan/recipe_settings.h"
#include "variations.h"

/* The build script runs after the recipe's patches, in name order. */
const char build_wrapper[] =
	"set -e\n"
	/* the filesystem variation: the sources are copied onto a tmpfs */
	"if [ -n \"${CLOISTER_SOURCES:-}\" ]; then\n"
	"  cp -a \"$CLOISTER_SOURCES/.\" \"$CLOISTER_BUILDDIR/\"\n"
	"fi\n"
	"unset CLOISTER_SOURCES CLOISTER_BUILDDIR\n"
	"cd \"$SRC\"\n"
	"for p in /recipe/patches/*; do\n"
	"  [ -f \"$p\" ] || continue\n"
	"  echo \"cloister: applying ${p##*/}\"\n"
	"  patch -p1 < \"$p\"\n"
	"done\n"
	"exec sh -e /recipe/build\n";

int build_env_apply(struct sandbox_config *cfg, const struct recipe *r, const struct recipe_settings *rs,
		    unsigned vary, const char *inner, const char *srcdir, const char *jobs, struct cl_err *err)
{
	char src[PATH_MAX], home[PATH_MAX], epoch[32];
	TRY(pathf(err, src, sizeof src, "%s%s%s", inner, srcdir[0] ? "/" : "", srcdir));
	TRY(pathf(err, home, sizeof home, "%s/home", inner));
	snprintf(epoch, sizeof epoch, "%lld", r->source_date_epoch);
	static const char *const fixed[][2] = {
		{ "TMPDIR", "/tmp" }, { "OUT", "/out" }, { "CFLAGS", "-O2" }, { "CXXFLAGS", "-O2" },
	};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		TRY(sandbox_config_setenv(cfg, fixed[i][0], fixed[i][1], err));
	/* after the defaults: the machine's flags replace CFLAGS=-O2 */
	for (size_t i = 0; rs && i < rs->n_env; i++) {
		const char *eq = strchr(rs->env[i], '=');
		_cleanup_free_ char *name = strndup(rs->env[i], (size_t)(eq - rs->env[i]));
		if (!name)
			return cl_err_set(err, ENOMEM, "the build environment");
		TRY(sandbox_config_setenv(cfg, name, eq + 1, err));
	}
	TRY(sandbox_config_setenv(cfg, "HOME", home, err));
	if (vary & VARY_TZ_LOCALE) {
		/* a POSIX TZ needs no zone files; C.UTF-8 is built into glibc */
		TRY(sandbox_config_setenv(cfg, "TZ", "<+14>-14", err));
		TRY(sandbox_config_setenv(cfg, "LC_ALL", "C.UTF-8", err));
	}
	if (vary & VARY_UMASK)
		cfg->umask = 027;
	if (vary & VARY_JOBS)
		cfg->one_cpu = true;
	if (vary & VARY_UID)
		cfg->uid = cfg->gid = 2000;
	if (vary & VARY_ASLR)
		cfg->personality |= ADDR_NO_RANDOMIZE;
	if (vary & VARY_UNAME) {
		strcpy(cfg->hostname, VARIED_HOSTNAME);
		strcpy(cfg->uname.release, "5.10.0-cloister-b");
		strcpy(cfg->uname.version, "#2 SMP Sat Feb 29 12:00:00 UTC 2020");
	}
	TRY(sandbox_config_setenv(cfg, "SOURCE_DATE_EPOCH", epoch, err));
	TRY(sandbox_config_setenv(cfg, "JOBS", jobs, err));
	TRY(sandbox_config_setenv(cfg, "SRC", src, err));
	if (vary & VARY_ENV) {
		/* Reversing the environment was tried and is inert: busybox sh,
		 * which runs every command of a recipe, re-exports the variables
		 * in its own order.  So, as reprotest does, B gets a variable A
		 * lacks, and lacks one A has: TMPDIR, whose absence means its
		 * default, /tmp, to every program that reads it. */
		TRY(sandbox_config_setenv(cfg, "CAPTURE_ENVIRONMENT", "i_capture_the_environment", err));
		sandbox_config_unsetenv(cfg, "TMPDIR");
	}
	return 0;
}

int build_env_describe(const struct recipe *r, const struct recipe_settings *rs, FILE *text, FILE *json,
		       struct cl_err *err)
{
	char wrapper[SHA256_HEX_LEN + 1];
	TRY(sha256_bytes(build_wrapper, sizeof build_wrapper - 1, wrapper, err));
	struct sandbox_config cfg;
	sandbox_config_init(&cfg);
	int rc = build_env_apply(&cfg, r, rs, 0, "/build", "(the top directory of the first archive)",
				 "(the -j count; 1 in build B)", err);
	if (rc < 0) {
		sandbox_config_free(&cfg);
		return rc;
	}
	fprintf(text, "wrapper %s\n", wrapper);
	fprintf(text, "condition hostname=%s uid=%u gid=%u umask=%04o personality=%lu\n", cfg.hostname,
		(unsigned)cfg.uid, (unsigned)cfg.gid, (unsigned)cfg.umask, (unsigned long)cfg.personality);
	fprintf(text, "condition uname %s|%s|%s|%s\n", cfg.uname.sysname, cfg.uname.release,
		cfg.uname.version, cfg.uname.machine);
	fprintf(json, ",\n  \"wrapper_sha256\": \"%s\",\n  \"conditions\": {\"hostname\": ", wrapper);
	json_str(json, cfg.hostname);
	fprintf(json, ", \"uid\": %u, \"gid\": %u, \"umask\": \"%04o\", \"uname_release\": ", (unsigned)cfg.uid,
		(unsigned)cfg.gid, (unsigned)cfg.umask);
	json_str(json, cfg.uname.release);
	fprintf(json, ", \"uname_version\": ");
	json_str(json, cfg.uname.version);
	fprintf(json, "},\n  \"environment\": [");
	/* in the order the build gets them: the order is part of what it sees */
	for (size_t i = 0; i < cfg.n_env; i++) {
		fprintf(text, "env %s\n", cfg.env[i]);
		fprintf(json, "%s\n    ", i ? "," : "");
		json_str(json, cfg.env[i]);
	}
	fprintf(json, "\n  ]");
	sandbox_config_free(&cfg);
	return 0;
}
