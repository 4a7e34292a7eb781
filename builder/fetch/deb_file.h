/* A recipe source that is one file inside a pinned Debian binary package:
 *
 *   source: deb-file PACKAGE=VERSION sha256:DEB_SHA256 PATH/IN/PACKAGE [suite:SUITE [moving]]
 *
 * The .deb is what is pinned and cached (downloads/sha256/DEB_SHA256,
 * fetched with cloister's private apt and verified like every download);
 * the file is taken out of it with libarchive when the build's sources are
 * put in place.  The kernel's source comes this way: Debian ships it as
 * usr/src/linux-source-6.1.tar.xz inside the linux-source-6.1 package.
 * docs/recipe.md describes the form; plan/recipe_deb_file.c parses it. */
#ifndef CLOISTER_FETCH_DEB_FILE_H
#define CLOISTER_FETCH_DEB_FILE_H

#include <stdbool.h>

#include "../../common/err.h"
#include "../plan/recipe.h"
#include "fetch.h"

/* Puts the pinned .deb into the download cache (the caller tried the
 * cache and the mirrors): looked up in the archive first (a wrong digest
 * is refused before anything is downloaded), then downloaded and
 * verified; when the archive no longer has that version, the snapshot
 * service.  -ENOENT when nothing has it. */
int deb_file_fetch(const char *home, const struct recipe *r, const struct recipe_source *s,
		   const struct fetch_opts *fo, bool quiet, struct cl_err *err);

/* Takes s's file out of the package deb (verified by the caller).  With
 * unpack, the file is an archive and is unpacked into dir with the
 * refusals of every source archive (deb.h), an xz one with liblzma's
 * parallel decoder; otherwise it is copied to dir/NAME. */
int deb_file_unpack(const char *deb, const struct recipe_source *s, const char *what, const char *dir,
		    bool unpack, struct cl_err *err);

#endif
