#include "lzma_api.h"

#include "dynlib.h"

const struct lzma_api *lzma_api(struct cl_err *err)
{
	/* Filled once, then only read: a lazily bound import table. */
	static struct lzma_api api;
	static int loaded;
	static const char *const names[] = {
#define X(f) #f,
		LZMA_API_FUNCTIONS(X)
#undef X
	};

	if (!loaded) {
		if (dynlib_load("liblzma.so.5", names, (void **)&api, sizeof names / sizeof *names, err) < 0)
			return NULL;
		loaded = 1;
	}
	return &api;
}
