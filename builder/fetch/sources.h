/* A recipe's sources: fetched into the download cache (or read from the
 * recipe folder), verified against the recipe's sha256, and put into the
 * build's scratch directory: archives unpacked with libarchive's secure
 * extraction, other files copied. */
#ifndef CLOISTER_SOURCES_H
#define CLOISTER_SOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "fetch.h"
#include "../plan/recipe.h"

/* Every source available and verified: from the download cache, fo's
 * mirrors, apt (deb-src) and the snapshot service, in that order; offline,
 * the cache and file:// mirrors only, and the error names the missing
 * digest.  A digest mismatch is -EBADMSG. */
int sources_fetch(const char *home, const struct recipe *r, const struct fetch_opts *fo, bool quiet,
		  struct cl_err *err);
/* Into build_dir, each checked against its digest as it is read; file
 * sources come from recipe_dir (the snapshot of r's folder the build
 * sees), opened beneath it.  srcdir gets the single top-level directory
 * the first archive unpacked to (relative), or "" when there is none. */
int sources_unpack(const char *home, const struct recipe *r, const char *recipe_dir, const char *build_dir,
		   char *srcdir, size_t len, struct cl_err *err);

#endif
