/* The store: $CLOISTER_HOME/store/INPUTHASH-NAME-VERSION/, each entry
 *   out/          the output, read-only, mtimes fixed
 *   manifest      the output's manifest; its sha256 is the output hash
 *   output-hash   that hash
 *   inputs.json   every input with its digest
 *   log           the build's log
 * An entry is built under store/.tmp-*, published with one rename, and
 * never changed after. */
#ifndef CLOISTER_STORE_H
#define CLOISTER_STORE_H

#include <limits.h>
#include <stdbool.h>

#include "../../common/err.h"
#include "hash.h"
#include "tree.h"

struct store_entry {
	char path[PATH_MAX];
	char output_hash[SHA256_HEX_LEN + 1];
};

void store_entry_path(const char *home, const char *input_hash, const char *name,
		      const char *version, char *out, size_t len);
/* 0 and e filled when the entry is there (complete by construction);
 * -ENOENT otherwise. */
int store_lookup(const char *home, const char *input_hash, const char *name, const char *version,
		 struct store_entry *e, struct cl_err *err);
/* Whether the entry's reproducibility.json says it was built twice and
 * compared. */
bool store_checked(const struct store_entry *e);
/* An exclusive lock for one input hash: concurrent builds of the same
 * inputs wait for each other and the second finds the entry.  Returns the
 * lock's fd (close it to release). */
int store_lock(const char *home, const char *input_hash, struct cl_err *err);
/* A staging directory, store/.tmp-XXXXXX with out/ and build/: its
 * owner's for its whole life through an flock on the directory
 * (common/lockdir.h).  gc and other builds remove only stages whose lock
 * no one holds; a worker forked after the stage was made shares it.
 * store_stage makes one at dir and returns the descriptor holding its
 * lock: keep it open as long as the stage is in use (close it once the
 * stage is published or removed; exiting closes it too). */
int store_stage(const char *home, char *dir, size_t len, struct cl_err *err);
/* The same, path and lock in one. */
struct stage {
	char path[PATH_MAX];  /* "" when there is none */
	int lock;             /* -1 when there is none */
};
#define STAGE_NONE { "", -1 }
int stage_make(const char *home, struct stage *s, struct cl_err *err);
/* Removes the stage, if there is one, then gives up its lock. */
void stage_drop(struct stage *s);
/* Gives up the lock of a stage published or moved away (s empties). */
void stage_release(struct stage *s);
/* Removes the stages no one holds (of builds killed, even by SIGKILL);
 * returns how many. */
long store_remove_dead_stages(const char *home);
/* Finishes a staged build: fixes mtimes to epoch, gives out/ the store's
 * canonical, read-only modes (tree_canonical_modes), writes manifest and
 * output-hash, syncs, and renames to the entry. */
int store_publish(const char *home, const char *stage, const char *input_hash, const char *name,
		  const char *version, long long epoch, struct store_entry *e, struct cl_err *err);
/* The same for a stage whose writer fsynced every file of out/ and of the
 * stage itself: only the folders are synced, not the whole filesystem. */
int store_publish_synced(const char *home, const char *stage, const char *input_hash, const char *name,
			 const char *version, long long epoch, struct store_entry *e, struct cl_err *err);
/* store_publish of a tree the output pass (builder/build/output_pass.h)
 * has normalized already, with the manifest it wrote: nothing of the
 * tree is walked or read again. */
int store_publish_made(const char *home, const char *stage, const char *input_hash, const char *name,
		       const char *version, long long epoch, const char *manifest, size_t len,
		       struct store_entry *e, struct cl_err *err);
/* Rewrites an entry's digests after its reproducibility.json changed. */
int store_rewrite_digests(const char *entry, struct cl_err *err);
/* One entry as store_verify found it. */
struct store_check {
	const char *name;     /* INPUTHASH-NAME-VERSION */
	const char *path;
	const char *problem;  /* what is wrong with it; NULL when it is whole */
	const char *near;     /* out/ differs from its manifest: the manifest's first line that
				 differs (which file); NULL otherwise */
};
/* Re-checks every file of every entry and hands each, in name order, to
 * each(ctx, check).  Returns the number of bad entries, or a negative
 * errno. */
int store_verify(const char *home, void (*each)(void *ctx, const struct store_check *c), void *ctx,
		 struct cl_err *err);

/* What store_gc removes, each told to removed(ctx, kind, path). */
enum store_gc_kind {
	GC_KEPT_PAIR,      /* store/tmp/NAME-VERSION-HASH: A and B of a build not reproducible */
	GC_STAGE,          /* store/.tmp-*: the stage of a build that was killed */
	GC_DOWNLOAD,       /* tmp/source.*: the folder of a download that was killed */
	GC_LOG,            /* logs/NAME-VERSION.failed.log: a failed build's log */
	GC_KINDS
};
const char *store_gc_kind_name(enum store_gc_kind k);
/* Removes what only inspection needed, and what killed builds left:
 * kept unreproducible pairs (store/tmp/), stages and download folders
 * (tmp/source.*) no one holds, failed builds' logs.  Store entries stay:
 * until machines refer to them, nothing says which are unused.  counts
 * (indexed by kind) gets how many of each went. */
int store_gc(const char *home, void (*removed)(void *ctx, enum store_gc_kind kind, const char *path), void *ctx,
	     long counts[GC_KINDS], struct cl_err *err);

#endif
