/* liblzma, loaded on first use (see dynlib.h for why): its multi-threaded
 * xz decoder, since libarchive 3.6 decodes xz on one thread and the
 * kernel's source tarball is xz in 55 blocks; and the plain decoder, to
 * read a linked bzImage's payload back.  Call through the table, as with
 * archive_api.h. */
#ifndef CLOISTER_LZMA_API_H
#define CLOISTER_LZMA_API_H

#include <lzma.h>

#include "../../common/err.h"

#define LZMA_API_FUNCTIONS(X) \
	X(lzma_stream_decoder_mt) X(lzma_stream_decoder) X(lzma_code) X(lzma_end) \
	X(lzma_physmem)

struct lzma_api {
#define X(f) __typeof__(&f) f;
	LZMA_API_FUNCTIONS(X)
#undef X
};

/* The loaded table, or NULL with err set. */
const struct lzma_api *lzma_api(struct cl_err *err);

#endif
