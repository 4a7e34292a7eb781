/* Hard links seen during a walk: the first path found for each inode
 * that has more than one name.  A hash table, so that a tree of 40,000
 * linked files costs 40,000 look-ups, not 40,000 squared. */
#ifndef CLOISTER_INOMAP_H
#define CLOISTER_INOMAP_H

#include <stddef.h>
#include <sys/stat.h>

#include "err.h"

struct inomap {
	struct inomap_slot *slots;
	size_t n, cap;
};

/* For a regular file with two names or more: the first path recorded
 * for its inode, or NULL when path is the first (it is recorded).  Also
 * NULL, recording nothing, for anything else. */
int inomap_leader(struct inomap *m, const struct stat *st, const char *path, const char **leader,
		  struct cl_err *err);
void inomap_free(struct inomap *m);

#endif
