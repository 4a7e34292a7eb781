/* Directories owned by a lock, not by a pid: a stage, a download's
 * scratch folder, a kept pair.  The owner holds an flock on the directory
 * itself for the directory's whole life; the lock belongs to the open
 * file description, so a worker forked after the directory was made
 * shares it, and it ends only when every holder has closed it or died
 * (a SIGKILL included).  Whoever removes dead directories takes the lock
 * first, without waiting: a held one is in use and stays. */
#ifndef CLOISTER_LOCKDIR_H
#define CLOISTER_LOCKDIR_H

#include <stddef.h>

#include "err.h"

/* Makes a directory from template (mkdtemp's, ending in XXXXXX; filled
 * in) and returns the descriptor that holds its lock.  A directory
 * removed by a sweep before its lock was taken is made again. */
int lockdir_create(char *template, struct cl_err *err);

/* The same for a directory of a fixed name, made if missing. */
int lockdir_create_named(const char *path, struct cl_err *err);

/* Removes path unless its lock is held: 1 removed, 0 in use (or gone),
 * or a negative errno. */
int lockdir_remove_if_dead(const char *path, struct cl_err *err);

/* lockdir_remove_if_dead on every entry of dir whose name starts with
 * prefix (every entry, with NULL); returns how many were removed. */
long lockdir_sweep(const char *dir, const char *prefix);
/* The same, telling removed(ctx, path) of each (removed may be NULL). */
long lockdir_sweep_each(const char *dir, const char *prefix, void (*removed)(void *ctx, const char *path),
			void *ctx);

#endif
