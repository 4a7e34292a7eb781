#include "archive_api.h"

#include "dynlib.h"

const struct archive_api *archive_api(struct cl_err *err)
{
	/* Filled once, then only read: a lazily bound import table. */
	static struct archive_api api;
	static int loaded;
	static const char *const names[] = {
#define X(f) #f,
		ARCHIVE_API_FUNCTIONS(X)
#undef X
	};

	if (!loaded) {
		if (dynlib_load("libarchive.so.13", names, (void **)&api,
				sizeof names / sizeof *names, err) < 0)
			return NULL;
		loaded = 1;
	}
	return &api;
}
