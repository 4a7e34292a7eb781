/* The seed: the pinned toolchain every build's root starts from.
 * docs/seed.md describes it; rootfs-seed/ holds the lock and skeleton. */
#ifndef CLOISTER_SEED_H
#define CLOISTER_SEED_H

#include <limits.h>
#include <stdbool.h>

#include "../../common/err.h"
#include "../fetch/fetch.h"
#include "../store/hash.h"

/* 2023-06-10, Debian 12's release: every mtime in a seed. */
#define SEED_EPOCH 1686355200

struct seed_ctx {
	char home[PATH_MAX];      /* CLOISTER_HOME */
	char lock[PATH_MAX];      /* rootfs-seed/seed.lock */
	char skeleton[PATH_MAX];  /* rootfs-seed/skeleton */
	const char *set;          /* base, kbuild or all */
	const char *from;         /* a folder of .debs by name, or NULL */
	const struct fetch_opts *fetch;  /* mirrors, snapshot, offline */
	bool quiet;
};

/* Progress, unless quiet: a note of c->fetch (FETCH_PROGRESS), which
 * the command renders (seed.c). */
void seed_say(const struct seed_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Puts every pinned .deb of the set into the download cache, verified
 * (seed_fetch.c, with seed_update). */
int seed_fetch(const struct seed_ctx *c, struct cl_err *err);
/* Unpacks the set into seeds/HASH/ (once); hash and the tree's path out. */
int seed_build(const struct seed_ctx *c, char hash[SHA256_HEX_LEN + 1], char *tree,
	       size_t treelen, struct cl_err *err);
/* One package whose pin seed_update changed: before and after. */
struct seed_change {
	char name[128];
	char old_version[128], old_suite[128];
	bool old_moving;
	char new_version[128], new_suite[128];
	bool new_moving;
};

/* Rewrites the lock: each package at the newest version of a frozen suite
 * that has it, else the archive's candidate, marked moving.  *changes
 * (malloc'd, the caller frees it; NULL when none) gets what changed, in
 * the lock's order, for the command to show. */
int seed_update(const struct seed_ctx *c, struct seed_change **changes, size_t *n_changes, struct cl_err *err);

#endif
