/* A recipe: recipes/NAME/recipe (declarative, parsed, never executed),
 * recipes/NAME/build (POSIX sh, run in the sandbox), optional patches/
 * and files/.  docs/recipe.md is the format's reference. */
#ifndef CLOISTER_RECIPE_H
#define CLOISTER_RECIPE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../store/hash.h"
#include "../store/tree.h"

enum source_kind {
	SRC_FILE,    /* a file of the recipe folder */
	SRC_DEBIAN,  /* a file of a Debian source package */
	SRC_CACHE,   /* a file already in the download cache */
	SRC_DEB_FILE, /* a file inside a Debian binary package (fetch/deb_file.h) */
};

struct recipe_source {
	enum source_kind kind;
	char name[256];       /* the file's name in /build */
	char path[PATH_MAX];  /* SRC_FILE: relative to the recipe folder;
				 SRC_DEB_FILE: the file's path in the package */
	char package[128];    /* SRC_DEBIAN: source package; SRC_DEB_FILE: binary package */
	char version[128];    /* SRC_DEBIAN, SRC_DEB_FILE: its version */
	char suite[128];      /* SRC_DEBIAN, SRC_DEB_FILE: the suite it was pinned from ("" unrecorded) */
	bool moving;          /* SRC_DEBIAN, SRC_DEB_FILE: that suite drops old versions */
	char sha256[SHA256_HEX_LEN + 1];  /* SRC_DEB_FILE: of the .deb */
	int line;
};

struct recipe {
	char dir[PATH_MAX];   /* recipes/NAME */
	char name[128];
	char version[128];
	char license[128];
	struct recipe_source *sources;
	size_t n_sources;
	char **build_needs;
	size_t n_build_needs;
	char **depends;
	size_t n_depends;
	char **prefer;       /* build-needs whose files win when two provide a path */
	size_t n_prefer;
	int name_line, build_needs_line, depends_line;
	char seed[16];      /* the seed set its root starts from: "base" (the default) or
			       "kbuild" (base and what kernel builds add) */
	struct path_mode *modes;     /* `mode:` lines: the output's modes that are not canonical */
	size_t n_modes;
	long long source_date_epoch;  /* default: the seed epoch */
	unsigned timeout_sec;         /* default 3600 */
	/* recipe_limits.c */
	unsigned allow_host_facts;            /* hostscan kinds allowed, as bits */
	unsigned long long max_output_bytes;  /* default RECIPE_MAX_OUTPUT_BYTES */
	unsigned long long max_output_files;  /* default RECIPE_MAX_OUTPUT_FILES */
};

#define RECIPE_MAX_OUTPUT_BYTES (4ULL << 30)
#define RECIPE_MAX_OUTPUT_FILES 200000ULL

/* recipe_limits.c: the fields `allow-host-facts: KIND...` and
 * `max-output: SIZE [FILES]`; errors say "where:line: ...". */
void recipe_limits_defaults(struct recipe *r);
int recipe_parse_limit(struct recipe *r, const char *key, char *value, const char *where, int line,
		       struct cl_err *err);

/* recipe_deb_file.c: the words after "source: deb-file" (n of them) into
 * src; errors say "where:line: ...". */
int recipe_parse_deb_file(char *const *words, int n, struct recipe_source *src, const char *where, int line,
			  struct cl_err *err);

/* Parses the len bytes of data (a NUL need not follow) as dir/recipe,
 * without looking at the folder: every error says "dir/recipe:LINE: what
 * is wrong".  On an error nothing is left to free. */
int recipe_parse(const char *dir, const char *data, size_t len, struct recipe *r, struct cl_err *err);
/* Reads and parses dir/recipe, then checks the folder: its name is the
 * recipe's, and its build script a regular file. */
int recipe_load(const char *dir, struct recipe *r, struct cl_err *err);
/* The recipe's `mode:` lines, for tree_canonical_modes(); file holds
 * "dir/recipe" for its messages. */
void recipe_modes(const struct recipe *r, char *file, size_t len, struct path_modes *m);
void recipe_free(struct recipe *r);
/* Recipe names: lowercase letters, digits, '-', '+', '.'. */
int recipe_name_valid(const char *name);
/* Versions: letters, digits, '.', '+', '-', '~', ':', '_', starting with a
 * letter or digit, at most 100 bytes: never a path. */
int recipe_version_valid(const char *version);

#endif
