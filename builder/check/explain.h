/* Where two differing files differ, in the terms of their format: for ELF
 * files the section (and the symbol, where there are symbols) of each
 * differing region; for cpio, tar and ar archives, compressed or not
 * (gzip, xz, bzip2, zstd), the member and what of it differs (and inside
 * a member, the same again); for a gzip file its header's fields; for a
 * bzImage, the setup or the compressed payload; for anything else the
 * differing regions.  It is the built-in structural view of the formats
 * cloister produces; diffoscope, where installed, goes deeper.
 *
 * Bounded: at most EXPLAIN_MAX_BYTES of each file (mapped) and
 * EXPLAIN_MAX_UNPACKED of an archive's members (in memory),
 * EXPLAIN_MAX_LINES lines per file, EXPLAIN_MAX_SECONDS per file; a region
 * count stops at EXPLAIN_MAX_COUNT. */
#ifndef CLOISTER_EXPLAIN_H
#define CLOISTER_EXPLAIN_H

#include <stdio.h>

#include "../../common/err.h"

#define EXPLAIN_MAX_BYTES (256u << 20)
#define EXPLAIN_MAX_UNPACKED (64u << 20)
#define EXPLAIN_MAX_LINES 12
#define EXPLAIN_MAX_SECONDS 2.0
#define EXPLAIN_MAX_COUNT 10000

/* Writes the explanation of files a and b to f, one line per finding,
 * each line starting with indent.  Returns the number of lines written,
 * or a negative errno when a file cannot be read. */
int explain_files(const char *a, const char *b, const char *indent, FILE *f, struct cl_err *err);

#endif
