/* The download cache: every downloaded file, stored by its sha256 as
 * $CLOISTER_HOME/downloads/sha256/HEX, written atomically and verified
 * again on every use. */
#ifndef CLOISTER_CACHE_H
#define CLOISTER_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../store/hash.h"

void cache_path(const char *home, const char *hex, char *out, size_t len);

/* 0 when the cached file exists and still has its digest; -ENOENT when
 * absent; a corrupted entry is deleted and reported (-EBADMSG). */
int cache_verify(const char *home, const char *hex, struct cl_err *err);

/* Stores the file src under its digest, which must equal expected.  On a
 * mismatch src is left alone (it may be the user's) and the error names
 * what, the expected and the actual digest.  With consume, src is removed
 * once stored (or once found bad). */
int cache_add(const char *home, const char *src, const char *expected, const char *what,
	      bool consume, struct cl_err *err);

/* The same into any folder of files named by their sha256 (a mirror's
 * sha256/ folder). */
int cas_add(const char *dir, const char *src, const char *expected, const char *what,
	    bool consume, struct cl_err *err);

#endif
