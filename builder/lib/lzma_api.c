#include "lzma_api.h"

#include "dynlib.h"

const struct lzma_api *lzma_api(struct cl_err *err)
{
	/* Filled once, then only read: a lazily bound import table. */
	static struct lzma_api api;
	static struct dynlib_once once = DYNLIB_ONCE_INIT;
	static const char *const names[] = {
#define X(f) #f,
		LZMA_API_FUNCTIONS(X)
#undef X
	};

	if (dynlib_load_once(&once, "liblzma.so.5", names, (void **)&api, sizeof names / sizeof *names, NULL, err) < 0)
		return NULL;
	return &api;
}
