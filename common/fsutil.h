/* Filesystem chores shared by the builder's stages. */
#ifndef CLOISTER_FSUTIL_H
#define CLOISTER_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* snprintf for paths: -ENAMETOOLONG (with err set) instead of a
 * silently truncated path. */
int pathf(struct cl_err *err, char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode, struct cl_err *err);

/* rm -rf that also removes read-only trees (it makes directories writable
 * on the way down).  A missing path is fine. */
int remove_tree(const char *path, struct cl_err *err);

/* Writes data to path atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory.  A crash leaves the old file or
 * the new one, never a mixture. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      struct cl_err *err);

/* Reads a whole file into a malloc'd NUL-terminated buffer. */
int read_file(const char *path, char **data, size_t *len, struct cl_err *err);

/* Reads a file the user wrote (a recipe, a lock, a list): a missing one,
 * or one that is not a regular file (a directory, a FIFO), is bad input
 * (CL_BAD_INPUT) that names it. */
int read_input_file(const char *path, char **data, size_t *len, struct cl_err *err);

/* openat2(RESOLVE_BENEATH): path below dirfd, where no "..", absolute
 * path or symlink (in the name or on its way) may lead outside dirfd.
 * The descriptor, or -errno (-EXDEV for a way out). */
int openat_beneath(int dirfd, const char *path, int flags);

/* fsync of a directory, so a rename in it is durable. */
int fsync_dir(const char *dir, struct cl_err *err);

/* The names in directory dfd (not . and ..), sorted by bytes: a
 * malloc'd array of malloc'd strings, freed with free_names(). */
int list_dir_sorted(int dfd, char ***names, size_t *n, struct cl_err *err);
void free_names(char **names, size_t n);

/* Calls remove(path) for every entry of dir whose name starts with prefix
 * (every entry, with NULL), which returns 1 when it removed it; tells
 * removed(ctx, path) (may be NULL) of each; returns how many went.  Errors
 * are skipped: what cannot be removed now is left for the next sweep. */
long remove_entries(const char *dir, const char *prefix, int (*remove)(const char *path, struct cl_err *err),
		    void (*removed)(void *ctx, const char *path), void *ctx);

#endif
