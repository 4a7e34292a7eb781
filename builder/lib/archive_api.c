#include "archive_api.h"

#include "dynlib.h"

const struct archive_api *archive_api(struct cl_err *err)
{
	/* Filled once, then only read: a lazily bound import table. */
	static struct archive_api api;
	static struct dynlib_once once = DYNLIB_ONCE_INIT;
	static const char *const names[] = {
#define X(f) #f,
		ARCHIVE_API_FUNCTIONS(X)
#undef X
	};

	if (dynlib_load_once(&once, "libarchive.so.13", names, (void **)&api, sizeof names / sizeof *names, NULL, err) < 0)
		return NULL;
	return &api;
}
