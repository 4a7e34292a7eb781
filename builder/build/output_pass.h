/* The output pass: the one walk of a build's output after the build.
 *
 * Everything publishing and the comparison need is done entry by entry
 * in a single walk, each file's bytes read once (mapped, then hashed and
 * scanned for the host's facts from the same pages): the limits of
 * max-output counted as it goes (so a 1 TiB sparse file stops the walk
 * before anything reads it), inode flags and user xattrs cleared, modes
 * made canonical (the recipe's `mode:` lines first), mtimes clamped, and
 * the manifest line written.  The manifest then serves the comparison of
 * A and B (equal manifests: equal trees, nothing more is read) and is the
 * one the store publishes. */
#ifndef CLOISTER_OUTPUT_PASS_H
#define CLOISTER_OUTPUT_PASS_H

#include <stddef.h>
#include <time.h>

#include "../../common/err.h"
#include "../store/hash.h"
#include "../store/tree.h"

struct hostscan;

struct output_pass_opts {
	time_t epoch;                      /* every mtime */
	const struct path_modes *modes;    /* the recipe's mode: lines, or NULL */
	const struct hostscan *hs;         /* NULL: no host-facts scan */
	unsigned allowed;                  /* host-fact kinds the recipe allows (bits) */
	double deadline;                   /* CLOCK_MONOTONIC seconds; 0: none */
	unsigned long long max_bytes;      /* 0: no limit */
	unsigned long long max_files;      /* 0: no limit */
};

enum output_over { OUTPUT_WITHIN = 0, OUTPUT_OVER_BYTES, OUTPUT_OVER_FILES };

struct output_pass {
	char *manifest;                    /* tree.h's format */
	size_t len;
	char output_hash[SHA256_HEX_LEN + 1];  /* of the manifest: the store's output hash */
	unsigned long long files, bytes;   /* entries, and the stat sizes of regular files */
	enum output_over over;             /* why the walk stopped early (-EFBIG) */
	long hits;                         /* host-fact hits */
	char *report;                      /* one line per hit, "" when none */
};

/* Runs the pass over the tree out.  0, or a negative errno: -EFBIG with
 * p->over set when a limit was passed, -ETIME when the deadline passed.
 * p is to be freed with output_pass_free() either way. */
int output_pass_run(const char *out, const struct output_pass_opts *o, struct output_pass *p,
		    struct cl_err *err);
void output_pass_free(struct output_pass *p);

#endif
