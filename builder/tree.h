/* Whole-tree operations on an unpacked tree (a seed, later a store
 * entry): its manifest and digest, fixed mtimes, read-only modes. */
#ifndef CLOISTER_TREE_H
#define CLOISTER_TREE_H

#include <stddef.h>
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

#endif
