/* Whole-tree operations on an unpacked tree (a seed, later a store
 * entry): its manifest and digest, fixed mtimes, read-only modes. */
#ifndef CLOISTER_TREE_H
#define CLOISTER_TREE_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "../../common/err.h"
#include "../../common/inomap.h"
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

/* The manifest, a line at a time, for a walk of one's own (the output
 * pass hashes each file while it reads it for other reasons): the line
 * of e with mode, as the first name of its file or (leader) a second
 * name; digest is the file's SHA-256, or NULL to have it read here. */
struct manifest_writer {
	FILE *f;
	struct inomap links;   /* for the caller's inomap_leader() */
	const char *root;      /* for messages */
};
struct walk_entry;
int manifest_writer_entry(struct manifest_writer *m, const struct walk_entry *e, mode_t mode,
			  const char *leader, const char *digest, struct cl_err *err);
/* The error for a FIFO, socket or device node in a tree. */
int tree_refuse_special(const char *root, const struct walk_entry *e, struct cl_err *err);

/* Clears what a build may leave on its files that neither the manifest
 * nor the comparator sees: inode flags an owner may set (chattr +d +A +S
 * +D and the like) and user.* extended attributes.  An immutable or
 * append-only file is an error. */
int tree_clear_attributes(const char *root, struct cl_err *err);
/* The same for one entry of a walk. */
int tree_clear_entry(const struct walk_entry *e, struct cl_err *err);

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
/* Its parts: the canonical mode of st; one declared mode, set below the
 * tree root_fd (file names the recipe, for messages). */
mode_t tree_canonical_mode(const struct stat *st);
int tree_set_declared_mode(int root_fd, const char *file, const struct path_mode *m, struct cl_err *err);

/* Clones the tree below from into the existing directory to (merging into
 * directories already there), at any depth: directories, files (sharing
 * blocks where the filesystem can), symlinks and hard links, with their
 * modes and mtimes; anything else is refused.  The checker unpacks the
 * sources once and clones them for A, B and every build of the culprit
 * search (tree_clone.c). */
int tree_clone(const char *from, const char *to, struct cl_err *err);

#endif
