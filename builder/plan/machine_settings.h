/* A machine's settings, beyond its packages.list (machine.h): the files
 * of the Libertine layout that cloister parses, never executes
 * (docs/machine.md):
 *
 *   settings/architecture.config      NAME='value' (machine_architecture)
 *   settings/networking.config        NAME='value' (machine_hostname, ...)
 *   settings/compiler-flags/{build,host}-{c,cxx}.compiler-flags
 *   package-configurations/RECIPE.config   NAME='value', the recipe's environment
 *   package-configurations/RECIPE.mk       a Kconfig fragment for the recipe
 *
 * Every file is optional here (a machine may be only a packages.list);
 * the image stages ask for what they need with machine_settings_require_image(). */
#ifndef CLOISTER_PLAN_MACHINE_SETTINGS_H
#define CLOISTER_PLAN_MACHINE_SETTINGS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../../common/kv.h"
#include "assign.h"
#include "flags.h"
#include "kconfig.h"

enum flag_file {
	FLAGS_BUILD_C,    /* tools that run on the build machine */
	FLAGS_BUILD_CXX,
	FLAGS_HOST_C,     /* what goes into the image */
	FLAGS_HOST_CXX,
	N_FLAG_FILES,
};

/* "build-c", "build-cxx", "host-c", "host-cxx" */
const char *flag_file_name(enum flag_file f);

struct package_config {
	char recipe[128];
	bool has_config;
	char config_file[PATH_MAX];
	struct assignments config;      /* RECIPE.config */
	bool has_mk;
	char mk_file[PATH_MAX];
	char *mk;                       /* RECIPE.mk, the bytes the build sees */
	size_t mk_len;
	struct kconfig_fragment kconfig;
};

struct machine_settings {
	char dir[PATH_MAX];             /* machines/NAME */
	char name[128];
	bool has_architecture, has_networking;
	char architecture_file[PATH_MAX], networking_file[PATH_MAX];
	struct assignments architecture, networking;
	/* ${NAME} substitution: machine_name (the folder's name), then
	 * architecture.config, then networking.config, in file order */
	struct kv *kv;
	size_t n_kv;
	bool has_flags[N_FLAG_FILES];
	struct flag_list flags[N_FLAG_FILES];
	struct package_config *packages;  /* sorted by recipe name */
	size_t n_packages;
};

/* Loads the settings of the machine folder dir (named name).  Errors
 * name FILE:LINE and are -EINVAL (bad syntax or values) or the errno of
 * a file that exists but cannot be read. */
int machine_settings_load(const char *dir, const char *name, struct machine_settings *ms,
			  struct cl_err *err);
void machine_settings_free(struct machine_settings *ms);

/* The checks of the values cloister itself reads, from memory:
 * machine_architecture (x86_64) and machine_hostname (a host name),
 * machine_domain (a domain name, optional). */
int settings_check_architecture(const char *file, const struct assignments *a, struct cl_err *err);
int settings_check_networking(const char *file, const struct assignments *a, struct cl_err *err);

/* What building an image needs beyond packages: architecture.config and
 * networking.config. */
int machine_settings_require_image(const struct machine_settings *ms, struct cl_err *err);

/* The configuration of recipe, or NULL. */
const struct package_config *machine_settings_package(const struct machine_settings *ms, const char *recipe);

#endif
