#define _GNU_SOURCE
#include "machine_settings.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "recipe.h"
#include "recipe_settings.h"

static const char *const flag_names[N_FLAG_FILES] = { "build-c", "build-cxx", "host-c", "host-cxx" };

const char *flag_file_name(enum flag_file f)
{
	return flag_names[f];
}

/* A missing file is absent (0 with *present false), not an error. */
static int read_optional(const char *path, char **text, size_t *len, bool *present, struct cl_err *err)
{
	*present = false;
	*text = NULL;
	if (read_file(path, text, len, err) < 0) {
		if (err->code == ENOENT) {
			cl_err_clear(err);
			return 0;
		}
		return -err->code;
	}
	*present = true;
	return 0;
}

static bool hostname_label_valid(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-'))
			return false;
	return true;
}

static int line_of(const struct assignments *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->kv[i].name, name))
			return a->lines[i];
	return 0;
}

int settings_check_architecture(const char *file, const struct assignments *a, struct cl_err *err)
{
	const char *arch = assignments_get(a, "machine_architecture");
	if (!arch)
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s: sets no machine_architecture; add machine_architecture='x86_64'",
				  file);
	if (strcmp(arch, "x86_64"))
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: machine_architecture '%s' is not supported; cloister "
				  "builds x86_64 machines only", file, line_of(a, "machine_architecture"), arch);
	return 0;
}

int settings_check_networking(const char *file, const struct assignments *a, struct cl_err *err)
{
	const char *host = assignments_get(a, "machine_hostname");
	if (!host)
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s: sets no machine_hostname; add machine_hostname='NAME'", file);
	if (!hostname_label_valid(host, strlen(host)))
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: machine_hostname '%s' is not a host name (letters, digits "
				  "and -, at most 63, not starting or ending with -; the domain goes in "
				  "machine_domain)", file, line_of(a, "machine_hostname"), host);
	const char *domain = assignments_get(a, "machine_domain");
	if (domain) {
		bool ok = strlen(domain) <= 253;
		for (const char *s = domain; ok;) {
			const char *dot = strchr(s, '.');
			size_t n = dot ? (size_t)(dot - s) : strlen(s);
			ok = hostname_label_valid(s, n);
			if (!dot)
				break;
			s = dot + 1;
		}
		if (!ok)
			return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: machine_domain '%s' is not a domain name (labels of "
					  "letters, digits and - joined by dots)", file, line_of(a, "machine_domain"),
					  domain);
	}
	return 0;
}

static int load_assignments(const char *path, bool *present, struct assignments *a, struct cl_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	TRY(read_optional(path, &text, &len, present, err));
	if (!*present)
		return 0;
	return assignments_parse(path, text, len, a, err);
}

static int push_kv(struct machine_settings *ms, const char *name, const char *value, struct cl_err *err)
{
	struct kv *kv = realloc(ms->kv, (ms->n_kv + 1) * sizeof *kv);
	if (!kv)
		return cl_err_set(err, ENOMEM, "%s", ms->dir);
	ms->kv = kv;
	kv[ms->n_kv++] = (struct kv){ name, value };
	return 0;
}

/* One name space for ${NAME}: a name in both files is an error. */
static int build_kv(struct machine_settings *ms, struct cl_err *err)
{
	TRY(push_kv(ms, "machine_name", ms->name, err));
	const struct assignments *files[] = { &ms->architecture, &ms->networking };
	const char *paths[] = { ms->architecture_file, ms->networking_file };
	for (size_t f = 0; f < 2; f++) {
		for (size_t i = 0; i < files[f]->n; i++) {
			const struct kv *e = &files[f]->kv[i];
			if (!strcmp(e->name, "machine_name"))
				return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: machine_name is the machine's folder name, "
						  "set by cloister; choose another name", paths[f], files[f]->lines[i]);
			if (f == 1 && assignments_get(&ms->architecture, e->name))
				return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: %s is already set in %s:%d; set it in one "
						  "file", paths[f], files[f]->lines[i], e->name, paths[0],
						  line_of(&ms->architecture, e->name));
			TRY(push_kv(ms, e->name, e->value, err));
		}
	}
	return 0;
}

static int load_flags(struct machine_settings *ms, struct cl_err *err)
{
	for (int f = 0; f < N_FLAG_FILES; f++) {
		char path[PATH_MAX + 64];
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		TRY(pathf(err, path, sizeof path, "%s/settings/compiler-flags/%s.compiler-flags", ms->dir,
			  flag_names[f]));
		TRY(read_optional(path, &text, &len, &ms->has_flags[f], err));
		if (ms->has_flags[f])
			TRY(flags_parse(path, text, len, &ms->flags[f], err));
	}
	return 0;
}

static struct package_config *package_for(struct machine_settings *ms, const char *recipe, struct cl_err *err)
{
	for (size_t i = 0; i < ms->n_packages; i++)
		if (!strcmp(ms->packages[i].recipe, recipe))
			return &ms->packages[i];
	struct package_config *p = realloc(ms->packages, (ms->n_packages + 1) * sizeof *p);
	if (!p) {
		cl_err_set(err, ENOMEM, "%s", ms->dir);
		return NULL;
	}
	ms->packages = p;
	p = &p[ms->n_packages++];
	memset(p, 0, sizeof *p);
	snprintf(p->recipe, sizeof p->recipe, "%s", recipe);
	return p;
}

/* A configuration may not set what cloister sets or what the shell and
 * make read: a build's environment is defined by cloister. */
static int check_config(const struct package_config *p, struct cl_err *err)
{
	for (size_t i = 0; i < p->config.n; i++) {
		const char *why = build_env_reserved(p->config.kv[i].name);
		if (why)
			return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: %s cannot be set here: %s", p->config_file,
					  p->config.lines[i], p->config.kv[i].name, why);
	}
	return 0;
}

static int load_package(struct machine_settings *ms, const char *dir, const char *entry, struct cl_err *err)
{
	size_t n = strlen(entry);
	bool is_mk = n > 3 && !strcmp(entry + n - 3, ".mk");
	bool is_config = n > 7 && !strcmp(entry + n - 7, ".config");
	if (entry[0] == '.' || (!is_mk && !is_config))
		return 0; /* other files (headers, README, *.disabled) are the recipes' business */
	char recipe[128];
	size_t stem = n - (is_mk ? 3 : 7);
	snprintf(recipe, sizeof recipe, "%.*s", (int)(stem < sizeof recipe ? stem : sizeof recipe - 1), entry);
	if (stem >= sizeof recipe || !recipe_name_valid(recipe))
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s/%s: '%.*s' is not a recipe name (lowercase letters, digits, "
				  "- + .); a package configuration is named RECIPE.config or RECIPE.mk", dir, entry,
				  (int)(stem > 100 ? 100 : stem), entry);
	struct package_config *p = package_for(ms, recipe, err);
	if (!p)
		return -err->code;
	char *path = is_mk ? p->mk_file : p->config_file;
	TRY(pathf(err, path, PATH_MAX, "%s/%s", dir, entry));
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	TRY(read_file(path, &text, &len, err));
	if (is_config) {
		p->has_config = true;
		TRY(assignments_parse(path, text, len, &p->config, err));
		return check_config(p, err);
	}
	p->has_mk = true;
	TRY(kconfig_parse(path, text, len, &p->kconfig, err));
	p->mk = steal_ptr(&text);
	p->mk_len = len;
	return 0;
}

static int cmp_package(const void *a, const void *b)
{
	return strcmp(((const struct package_config *)a)->recipe, ((const struct package_config *)b)->recipe);
}

static int load_packages(struct machine_settings *ms, struct cl_err *err)
{
	char dir[PATH_MAX + 32];
	TRY(pathf(err, dir, sizeof dir, "%s/package-configurations", ms->dir));
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : cl_err_set(err, errno, "%s", dir);
	char **names = NULL;
	size_t n = 0;
	TRY(list_dir_sorted(fd, &names, &n, err));
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = load_package(ms, dir, names[i], err);
	free_names(names, n);
	if (rc == 0 && ms->n_packages > 1)
		qsort(ms->packages, ms->n_packages, sizeof *ms->packages, cmp_package);
	return rc;
}

static int load(struct machine_settings *ms, struct cl_err *err)
{
	TRY(pathf(err, ms->architecture_file, sizeof ms->architecture_file, "%s/settings/architecture.config",
		  ms->dir));
	TRY(pathf(err, ms->networking_file, sizeof ms->networking_file, "%s/settings/networking.config", ms->dir));
	TRY(load_assignments(ms->architecture_file, &ms->has_architecture, &ms->architecture, err));
	if (ms->has_architecture)
		TRY(settings_check_architecture(ms->architecture_file, &ms->architecture, err));
	TRY(load_assignments(ms->networking_file, &ms->has_networking, &ms->networking, err));
	if (ms->has_networking)
		TRY(settings_check_networking(ms->networking_file, &ms->networking, err));
	TRY(build_kv(ms, err));
	TRY(load_flags(ms, err));
	return load_packages(ms, err);
}

int machine_settings_load(const char *dir, const char *name, struct machine_settings *ms, struct cl_err *err)
{
	memset(ms, 0, sizeof *ms);
	int rc = pathf(err, ms->dir, sizeof ms->dir, "%s", dir);
	if (rc == 0)
		rc = pathf(err, ms->name, sizeof ms->name, "%s", name);
	if (rc == 0)
		rc = load(ms, err);
	if (rc < 0)
		machine_settings_free(ms);
	return rc;
}

int machine_settings_require_image(const struct machine_settings *ms, struct cl_err *err)
{
	if (!ms->has_architecture)
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s: missing; an image needs it (machine_architecture='x86_64'; "
				  "see docs/machine.md)", ms->architecture_file);
	if (!ms->has_networking)
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s: missing; an image needs it (machine_hostname='NAME' at "
				  "least; see docs/machine.md)", ms->networking_file);
	return 0;
}

const struct package_config *machine_settings_package(const struct machine_settings *ms, const char *recipe)
{
	for (size_t i = 0; i < ms->n_packages; i++)
		if (!strcmp(ms->packages[i].recipe, recipe))
			return &ms->packages[i];
	return NULL;
}

void machine_settings_free(struct machine_settings *ms)
{
	assignments_free(&ms->architecture);
	assignments_free(&ms->networking);
	free(ms->kv);
	for (int f = 0; f < N_FLAG_FILES; f++)
		flags_free(&ms->flags[f]);
	for (size_t i = 0; i < ms->n_packages; i++) {
		assignments_free(&ms->packages[i].config);
		kconfig_free(&ms->packages[i].kconfig);
		free(ms->packages[i].mk);
	}
	free(ms->packages);
	ms->kv = NULL;
	ms->n_kv = 0;
	ms->packages = NULL;
	ms->n_packages = 0;
}
