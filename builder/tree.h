/* Whole-tree operations on an unpacked tree (a seed, later a store
 * entry): its manifest and digest, fixed mtimes, read-only modes. */
#ifndef CLOISTER_TREE_H
#define CLOISTER_TREE_H

#include <stddef.h>
#include <time.h>

#include "../common/err.h"
#include "hash.h"

/* The manifest: one line per path below root, in walk order (by name
 * within each directory, a directory before its contents), never cut:
 *   TYPE MODE SIZE SHA256 /PATH [TARGET]
 * TYPE is d, f, l or h; SHA256 is "-" except for f; TARGET is a symlink's
 * (l), or for h, the earlier path of the same file: a second name of it
 * (the hard-link structure within the tree; links to files outside it
 * are not part of the tree).  Bytes outside printable ASCII, space and
 * backslash are written \xHH. */
int tree_manifest(const char *root, char **text, size_t *len, struct cl_err *err);
/* The same without the hard-link structure (no h lines: every file is an
 * f line with its digest), for trees whose copies keep no links. */
int tree_manifest_unlinked(const char *root, char **text, size_t *len, struct cl_err *err);

/* Clears what a build may leave on its files that neither the manifest
 * nor the comparator sees: inode flags an owner may set (chattr +d +A +S
 * +D and the like) and user.* extended attributes.  An immutable or
 * append-only file is an error. */
int tree_clear_attributes(const char *root, struct cl_err *err);

/* Sets every mtime (symlinks included) to epoch. */
int tree_clamp_mtimes(const char *root, time_t epoch, struct cl_err *err);

/* Removes every write bit. */
int tree_make_readonly(const char *root, struct cl_err *err);

/* Copying a tree (the seed's skeleton, a recipe folder's snapshot): every
 * directory, file and symlink below src into the directory dst, at any
 * depth; existing directories are merged.  Files get mode 0755 or 0644
 * after their executable bit (what git keeps), directories made 0755.  Before each entry, check
 * (if given) may refuse it (<0), skip it (1) or let it be copied (0); it
 * sees the entry, the directory it goes to and, for a symlink, its target. */
struct walk_entry;
typedef int (*tree_copy_check)(const struct walk_entry *e, int dst_dir, const char *target, void *ctx,
			       struct cl_err *err);
int tree_copy(const char *src, const char *dst, tree_copy_check check, void *ctx, struct cl_err *err);

#endif
