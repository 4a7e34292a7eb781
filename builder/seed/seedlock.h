/* rootfs-seed/seed.lock: the pinned Debian packages of the seed.
 *
 *   # comment
 *   SET   NAME   VERSION   SHA256   SIZE   SUITE   [moving]
 *
 * SET is "base" (the toolchain every build gets) or "kbuild" (what kernel
 * builds add).  docs/seed.md describes the format. */
#ifndef CLOISTER_SEEDLOCK_H
#define CLOISTER_SEEDLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../store/hash.h"

struct seed_pkg {
	char set[16];
	char name[128];
	char version[128];
	char sha256[SHA256_HEX_LEN + 1];
	unsigned long long size;
	char suite[128];      /* where apt found the pin */
	bool moving;          /* that suite drops old versions */
	int line;
};

struct seed_lock {
	struct seed_pkg *pkgs;
	size_t n;
};

/* Parses path; errors say "path:line: what is wrong, and what to do". */
int seed_lock_read(const char *path, struct seed_lock *lock, struct cl_err *err);
/* The same from memory (len bytes of data; path names it in messages). */
int seed_lock_parse(const char *data, size_t len, const char *path, struct seed_lock *lock,
		    struct cl_err *err);
/* Writes it sorted by set and name, atomically. */
int seed_lock_write(const char *path, const struct seed_lock *lock, struct cl_err *err);
void seed_lock_free(struct seed_lock *lock);
/* Is the package in the selected set?  "all" selects every set; "kbuild"
 * includes "base", since kernel builds need the toolchain too. */
int seed_pkg_selected(const struct seed_pkg *p, const char *set);

/* -EINVAL (file: message) when no package of lock is in set. */
int seed_lock_require_set(const struct seed_lock *lock, const char *path, const char *set,
			  struct cl_err *err);

#endif
