#define _GNU_SOURCE
#include "recipe_settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"

const char *build_env_reserved(const char *name)
{
	static const char *const by_cloister[] = {
		"PATH", "HOME", "TMPDIR", "LC_ALL", "TZ", "SOURCE_DATE_EPOCH", "JOBS", "OUT", "SRC",
		"CFLAGS", "CXXFLAGS", "LDFLAGS", "BUILD_CFLAGS", "BUILD_CXXFLAGS", "MACHINE_KCONFIG",
	};
	static const char *const by_tools[] = {
		"IFS", "ENV", "BASH_ENV", "PS4", "PWD", "OLDPWD", "SHELL", "SHELLOPTS", "CDPATH",
		"MAKEFLAGS", "MFLAGS", "GNUMAKEFLAGS", "MAKELEVEL", "MAKEFILES",
	};
	for (size_t i = 0; i < sizeof by_cloister / sizeof *by_cloister; i++)
		if (!strcmp(name, by_cloister[i]))
			return "cloister sets it for every build (compiler flags come from settings/compiler-flags/)";
	for (size_t i = 0; i < sizeof by_tools / sizeof *by_tools; i++)
		if (!strcmp(name, by_tools[i]))
			return "the shell or make reads it, and it would change how every build script runs";
	if (!strncmp(name, "CLOISTER_", 9))
		return "CLOISTER_ names are cloister's own";
	if (!strncmp(name, "LD_", 3))
		return "the dynamic loader reads LD_ names";
	if (!strncmp(name, "LC_", 3))
		return "builds run in the C locale";
	return NULL;
}

static int push_env(struct recipe_settings *rs, const char *name, const char *value)
{
	char *s;
	if (asprintf(&s, "%s=%s", name, value) < 0)
		return -ENOMEM;
	char **v = realloc(rs->env, (rs->n_env + 1) * sizeof *v);
	if (!v) {
		free(s);
		return -ENOMEM;
	}
	rs->env = v;
	v[rs->n_env++] = s;
	return 0;
}

static int push_flags(struct recipe_settings *rs, const struct machine_settings *ms, enum flag_file f,
		      const char *var)
{
	if (!ms->has_flags[f])
		return 0;
	_cleanup_free_ char *joined = flags_join(&ms->flags[f]);
	return joined ? push_env(rs, var, joined) : -ENOMEM;
}

static int collect(const struct machine_settings *ms, const char *recipe, struct recipe_settings *rs)
{
	TRY(push_flags(rs, ms, FLAGS_HOST_C, "CFLAGS"));
	TRY(push_flags(rs, ms, FLAGS_HOST_CXX, "CXXFLAGS"));
	TRY(push_flags(rs, ms, FLAGS_HOST_C, "LDFLAGS"));
	TRY(push_flags(rs, ms, FLAGS_BUILD_C, "BUILD_CFLAGS"));
	TRY(push_flags(rs, ms, FLAGS_BUILD_CXX, "BUILD_CXXFLAGS"));
	const struct package_config *p = machine_settings_package(ms, recipe);
	for (size_t i = 0; p && p->has_config && i < p->config.n; i++)
		TRY(push_env(rs, p->config.kv[i].name, p->config.kv[i].value));
	if (p && p->has_mk) {
		char path[sizeof rs->mk_name + sizeof RECIPE_SETTINGS_DIR + 1];
		snprintf(rs->mk_name, sizeof rs->mk_name, "%s.mk", recipe);
		snprintf(path, sizeof path, "%s/%s", RECIPE_SETTINGS_DIR, rs->mk_name);
		rs->mk = p->mk;
		rs->mk_len = p->mk_len;
		TRY(push_env(rs, "MACHINE_KCONFIG", path));
	}
	return 0;
}

int recipe_settings_for(const struct machine_settings *ms, const char *recipe, struct recipe_settings *rs,
			struct cl_err *err)
{
	memset(rs, 0, sizeof *rs);
	int rc = collect(ms, recipe, rs);
	if (rc < 0) {
		recipe_settings_free(rs);
		return cl_err_set(err, -rc, "the settings of %s for %s", ms->name, recipe);
	}
	if (recipe_settings_empty(rs))
		return 0;
	/* The canonical list: the environment as the build gets it, and the
	 * fragment by digest (its bytes are bound into the build as hashed). */
	FILE *t = open_memstream(&rs->text, &rs->len);
	if (!t) {
		recipe_settings_free(rs);
		return cl_err_set(err, ENOMEM, "the settings of %s", recipe);
	}
	fprintf(t, "machine-settings 1\n");
	for (size_t i = 0; i < rs->n_env; i++)
		fprintf(t, "env %s\n", rs->env[i]);
	if (rs->mk)
		rc = sha256_bytes(rs->mk, rs->mk_len, rs->mk_sha256, err);
	if (rc == 0 && rs->mk)
		fprintf(t, "kconfig %s %s\n", rs->mk_name, rs->mk_sha256);
	fclose(t);
	if (rc == 0)
		rc = sha256_bytes(rs->text, rs->len, rs->hash, err);
	if (rc < 0)
		recipe_settings_free(rs);
	return rc;
}

bool recipe_settings_empty(const struct recipe_settings *rs)
{
	return rs->n_env == 0 && !rs->mk;
}

void recipe_settings_free(struct recipe_settings *rs)
{
	for (size_t i = 0; i < rs->n_env; i++)
		free(rs->env[i]);
	free(rs->env);
	free(rs->text);
	memset(rs, 0, sizeof *rs);
}
