/* Unpacking Debian binary packages with libarchive, never with dpkg and
 * never running maintainer scripts.
 *
 * A .deb is an ar archive; its data.tar.* member is read as a nested
 * archive and written under root with libarchive's secure extraction plus
 * cloister's own refusals: no "..", no absolute path, no symlink leading
 * out of the tree, no device node or other special file, no setuid or
 * setgid file, no path provided by two packages.  Merged /usr is applied
 * while unpacking (bin, sbin, lib* go under usr/) and every symlink is
 * made relative, so the tree is right both inside the sandbox and seen
 * from the host.  docs/seed.md has the details. */
#ifndef CLOISTER_DEB_H
#define CLOISTER_DEB_H

#include "../../common/err.h"

#include <stdio.h>

/* Unpacks deb_path (package what, for messages) into the directory root.
 * With written non-NULL, every non-directory path written is listed there,
 * one per line, so that packages unpacked in parallel can be checked for
 * a path two of them provide. */
int deb_extract(const char *deb_path, const char *what, const char *root, FILE *written,
		struct cl_err *err);

/* Unpacks a source archive (tar, compressed or not, or zip), read from
 * fd, into root with the same refusals, no layout change, symlinks made
 * relative.  *budget is what the build may still unpack (start with
 * SOURCES_MAX_UNPACKED for all of one build's sources); it is decreased
 * by what this archive took. */
#define SOURCES_MAX_UNPACKED (4ULL << 30)
int archive_unpack(int fd, const char *what, const char *root, unsigned long long *budget,
		   struct cl_err *err);

/* The same for an archive opened elsewhere (a tarball inside a .deb,
 * read through a parallel decoder): reads a to its end. */
struct archive;
int archive_extract(struct archive *a, const char *what, const char *root, struct cl_err *err);

/* Lexical path helpers, exposed for the unit tests.  None writes past
 * len, and none cuts a path silently. */
/* Normalizes a relative path ("a/./b//c" -> "a/b/c"); ".." pops a
 * component.  Returns -EPERM if ".." climbs above the start,
 * -ENAMETOOLONG if the result does not fit in len, else 0. */
int deb_path_normalize(const char *in, char *out, size_t len);
/* Applies merged /usr: "bin/x" -> "usr/bin/x" (also sbin, lib, lib32, lib64, libx32).
 * Like snprintf, returns the length of the whole result: >= len means it
 * was cut. */
size_t deb_path_merge_usr(const char *in, char *out, size_t len);
/* The relative symlink target that leads from directory from_dir to path
 * to (both relative to the same root, normalized); returns its length
 * like snprintf. */
size_t deb_path_relative(const char *from_dir, const char *to, char *out, size_t len);

#endif
