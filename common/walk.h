/* Walking a directory tree without recursion: any depth, any path length,
 * one directory descriptor open at a time (a tree deeper than the
 * descriptor limit is walked as easily as a flat one).
 *
 * Entries come in sorted order (by name bytes within each directory),
 * each directory before its contents and, with WALK_POST, once more after
 * them.  Symlinks are never followed.  On the way back up, the parent is
 * reopened through ".." and checked against the device and inode it had on
 * the way down: a directory moved during the walk is an error, never a
 * walk of some other tree. */
#ifndef CLOISTER_WALK_H
#define CLOISTER_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "err.h"

enum {
	WALK_POST = 1,  /* directories again after their contents (entry.post) */
};

struct walk_entry {
	int dfd;           /* the directory holding it; valid until the next walk_next() */
	const char *name;  /* its name there */
	const char *path;  /* "/a/b", from the root; NUL-terminated, never cut */
	size_t path_len;
	size_t depth;      /* 1 for the root's own entries */
	struct stat st;    /* lstat */
	bool post;         /* a directory seen again, after its contents */
};

struct walk;

/* Walks the tree below root_fd (which stays the caller's). */
int walk_open(int root_fd, unsigned flags, struct walk **w, struct cl_err *err);
/* 1 with *e set, 0 at the end, or a negative errno. */
int walk_next(struct walk *w, const struct walk_entry **e, struct cl_err *err);
/* Do not enter the directory the last walk_next() returned (before its
 * contents): it may have been removed, or is not of interest. */
void walk_skip(struct walk *w);
void walk_close(struct walk *w);

/* The order walk_next() returns paths in: component by component, a
 * directory before what it holds ("/a/b" before "/a-c").  <0, 0, >0. */
int walk_path_cmp(const char *a, const char *b);

#endif
