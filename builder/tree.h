/* Whole-tree operations on an unpacked tree (a seed, later a store
 * entry): its manifest and digest, fixed mtimes, read-only modes. */
#ifndef CLOISTER_TREE_H
#define CLOISTER_TREE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "../common/err.h"
#include "hash.h"

/* The manifest: one line per path below root, sorted by path bytes:
 *   TYPE MODE SIZE SHA256 /PATH [TARGET]
 * TYPE is d, f or l; SHA256 is "-" except for files; TARGET only for l.
 * Bytes outside printable ASCII, space and backslash are written \xHH. */
int tree_manifest(const char *root, char **text, size_t *len, struct cl_err *err);

/* Sets every mtime (symlinks included) to epoch. */
int tree_clamp_mtimes(const char *root, time_t epoch, struct cl_err *err);

/* Removes every write bit. */
int tree_make_readonly(const char *root, struct cl_err *err);

/* A mode a recipe sets for one path of its output (`mode:`, recipe(5)). */
struct path_mode {
	char path[PATH_MAX];   /* "/usr/libexec/x": absolute, normalized, below / */
	mode_t mode;           /* read and execute bits only, the owner's r always */
	int line;
};

/* The modes a recipe declares, and where (recipes/NAME/recipe), for messages. */
struct path_modes {
	const char *file;
	const struct path_mode *v;
	size_t n;
};

/* The store's modes, decided by the owner's bits alone (as Debian's
 * dh_fixperms and Nix's store do): directories and files the owner may
 * execute 0555, other files 0444; symlinks have none.  Then each of
 * modes (may be NULL), resolved without following symlinks; a path that is
 * missing, a symlink, or a directory the owner could not enter is -EIO
 * naming modes->file:LINE. */
int tree_canonical_modes(const char *root, const struct path_modes *modes, struct cl_err *err);

/* Copies the tree below from into the existing directory to (merging into
 * directories already there):
 * directories, files (cloned where the filesystem can), symlinks and hard
 * links, with their modes and mtimes; anything else is refused.  The
 * culprit search copies the sources it unpacked once for every build. */
int tree_copy(const char *from, const char *to, struct cl_err *err);

#endif
