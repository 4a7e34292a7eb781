/* A private apt: Debian's own client, with its state and cache under
 * $CLOISTER_HOME/apt and the machine's own package sources, so fetching
 * works unprivileged, changes nothing global, and names no archive host
 * in this repository. */
#ifndef CLOISTER_APT_H
#define CLOISTER_APT_H

#include <limits.h>

#include "../../common/err.h"
#include "../store/hash.h"

struct apt_env {
	char dir[PATH_MAX];
	char sourcelist[PATH_MAX];   /* Dir::Etc::SourceList */
	char sourceparts[PATH_MAX];  /* Dir::Etc::SourceParts */
};

struct apt_pkg_info {
	char version[128];
	char filename[256];
	char sha256[SHA256_HEX_LEN + 1];
	unsigned long long size;
};

/* Runs program (apt-get or apt-cache) with the private configuration,
 * under cloister's lock of that configuration; stdout and stderr are
 * captured (malloc'd, NUL-terminated; either may be NULL).  Returns the
 * exit status. */
int apt_run(struct apt_env *env, const char *program, const char *cwd, const char *const *args,
	    char **out, char **errout, struct cl_err *err);

int apt_env_init(struct apt_env *env, const char *home, struct cl_err *err);
/* The same for source packages: under $CLOISTER_HOME/apt-src, with the
 * machine's `deb` entries turned into `deb-src` ones in a private copy of
 * its source lists. */
int apt_env_init_src(struct apt_env *env, const char *home, struct cl_err *err);
/* apt-get source --download-only package=version into dir. */
int apt_source_download(struct apt_env *env, const char *package, const char *version,
			const char *dir, struct cl_err *err);
/* apt-get update into the private lists. */
int apt_update(struct apt_env *env, struct cl_err *err);
/* What the archive offers for name (version NULL: the candidate).
 * -ENOENT when that version or package is not there. */
int apt_lookup(struct apt_env *env, const char *name, const char *version,
	       struct apt_pkg_info *info, struct cl_err *err);
/* The same for n packages in one apt run (apt reads its lists once per
 * run, a second or more each time).  versions may be NULL (candidates).
 * -ENOENT when any is missing; apt_lookup then tells which. */
int apt_lookup_many(struct apt_env *env, const char *const *names,
		    const char *const *versions, size_t n, struct apt_pkg_info *infos,
		    struct cl_err *err);
/* Downloads name[i]=version[i] into dir, in one apt run. */
int apt_download_many(struct apt_env *env, const char *const *names,
		      const char *const *versions, size_t n, const char *dir,
		      struct cl_err *err);

#endif
