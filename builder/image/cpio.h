/* The initramfs: a newc cpio written with libarchive from the root
 * filesystem index, and its listing in gen_init_cpio syntax.
 *
 * Deterministic by construction: entries in path-byte order (parents
 * first), every mtime the epoch, inode numbers counted in that order,
 * owners, modes and device numbers from the index (never from the disk),
 * no padding after the trailer.  Hard links: the names of one inode share
 * its number, and the data goes with the last name, as gen_init_cpio and
 * the kernel's unpacker expect. */
#ifndef CLOISTER_CPIO_H
#define CLOISTER_CPIO_H

#include <stdio.h>

#include "../../common/err.h"
#include "fstree.h"

struct cpio_stats {
	size_t entries;
	unsigned long long bytes;   /* of the cpio */
};

/* Sorts t, then writes it to cpio_fd and, when listing is not NULL, one
 * gen_init_cpio line per inode to listing (a file's LOCATION is its path
 * relative to the tree the cpio unpacks to: the listing names nothing of
 * the build host). */
int cpio_write(struct fstree *t, long long epoch, int cpio_fd, FILE *listing, struct cpio_stats *stats,
	       struct cl_err *err);

#endif
