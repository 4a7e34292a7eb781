/* Where inputs come from, in order: the download cache, the
 * content-addressed mirrors (URL/sha256/HEX: the layout of cloister's own
 * downloads/ folder), Debian's archive through apt, and Debian's snapshot
 * archive as the last resort.  Every byte is verified by its sha256
 * before it enters the cache (docs/seed.md, "Where inputs come from"). */
#ifndef CLOISTER_FETCH_H
#define CLOISTER_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"

#define FETCH_MAX_MIRRORS 16

/* What a fetch has to tell: a warning (a dead mirror, a bad file) or
 * progress ("fetching source busybox=1:1.35.0-4"). */
enum fetch_note_kind {
	FETCH_WARNING,
	FETCH_PROGRESS,
};

struct fetch_opts {
	const char *mirrors[FETCH_MAX_MIRRORS];  /* base URLs, in order */
	size_t n_mirrors;
	const char *snapshot;   /* base URL of Debian's snapshot service, or NULL: off */
	bool offline;           /* no network: the cache and file:// mirrors only */
	/* A warning or a progress note: the fetch code never prints, the
	 * command decides how to show it.  NULL: dropped.  Called from the
	 * process that fetches (a build's worker too). */
	void (*note)(void *arg, enum fetch_note_kind kind, const char *msg);
	void *note_arg;
	char *owned;            /* storage of the strings taken from the environment */
};

/* Adds a --mirror URL; -EINVAL (bad usage) for another scheme or too many. */
int fetch_add_mirror(struct fetch_opts *fo, const char *url, struct cl_err *err);
/* CLOISTER_MIRRORS (space-separated URLs, after the --mirror ones) and the
 * snapshot service: fo->snapshot as given by --snapshot, else
 * CLOISTER_SNAPSHOT, else the one named in the machine's own apt sources,
 * if any; "off" turns it off. */
int fetch_opts_from_env(struct fetch_opts *fo, struct cl_err *err);
void fetch_opts_release(struct fetch_opts *fo);

/* fo's note, formatted: a warning, or progress (the callers' quiet
 * says whether there is any). */
void fetch_note(const struct fetch_opts *fo, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fetch_progress(const struct fetch_opts *fo, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Tries each mirror for HEX: 0 once it is in home's download cache,
 * verified; -ENOENT when no mirror has it (each bad or dead one noted).
 * size: the expected size, or 0 when unknown. */
int fetch_from_mirrors(const struct fetch_opts *fo, const char *home, const char *hex,
		       unsigned long long size, const char *what, struct cl_err *err);
/* Which mirror has HEX, without downloading: its index, or -ENOENT. */
int fetch_probe_mirrors(const struct fetch_opts *fo, const char *hex);

/* A fresh download target under home/tmp (the caller removes it). */
int fetch_tmpfile(const char *home, char *path, size_t len, struct cl_err *err);

#endif
