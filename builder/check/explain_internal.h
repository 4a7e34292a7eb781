/* Between the files of the structural view (explain.h). */
#ifndef CLOISTER_EXPLAIN_INTERNAL_H
#define CLOISTER_EXPLAIN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Where the findings go, with the bounds of one file's explanation. */
struct xout {
	FILE *f;
	const char *indent;
	size_t lines;
	double deadline;     /* CLOCK_MONOTONIC seconds */
	bool cut;            /* a bound was reached: said once, at the end */
};

/* One finding: indent, prefix ("cpio member ./init: "), the text.  Once
 * EXPLAIN_MAX_LINES are written, further findings are only counted. */
void xline(struct xout *o, const char *prefix, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Past the deadline (then o->cut is set). */
bool xexpired(struct xout *o);

/* A run of differing bytes, [start, end). */
struct xregion {
	size_t start, end;
};

/* The differing regions of a and b over their first n bytes (runs closer
 * than 8 equal bytes are one region): the first max of them in r; the
 * number of all, counted up to EXPLAIN_MAX_COUNT, is returned. */
size_t xregions(const unsigned char *a, const unsigned char *b, size_t n, struct xregion *r, size_t max);

/* "3 differing regions: 0x10-0x1b, 0x40-0x47, ..." for regions at
 * offsets relative to base, naming each region's location with name_of
 * when given (returns "" for none). */
typedef const char *(*xname_fn)(void *ctx, size_t offset, char *buf, size_t len);
void xregions_line(struct xout *o, const char *prefix, const unsigned char *a, const unsigned char *b, size_t n,
		   size_t base, xname_fn name_of, void *ctx);

/* The dispatcher: two buffers, explained by the format they share;
 * depth limits the recursion into members. */
void xbuffers(struct xout *o, const char *prefix, const unsigned char *a, size_t na, const unsigned char *b,
	      size_t nb, int depth);

bool xelf_is(const unsigned char *p, size_t n);
void xelf(struct xout *o, const char *prefix, const unsigned char *a, size_t na, const unsigned char *b,
	  size_t nb);

bool xarchive_is(const unsigned char *p, size_t n);
void xarchive(struct xout *o, const char *prefix, const unsigned char *a, size_t na, const unsigned char *b,
	      size_t nb, int depth);

#endif
