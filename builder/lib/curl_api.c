#include "curl_api.h"

#include "dynlib.h"

const struct curl_api *curl_api(struct cl_err *err)
{
	static struct curl_api api;
	static int loaded;
	static const char *const names[] = {
#define X(f) #f,
		CURL_API_FUNCTIONS(X)
#undef X
	};

	if (!loaded) {
		if (dynlib_load("libcurl.so.4", names, (void **)&api, sizeof names / sizeof *names, err) < 0)
			return NULL;
		/* once, before any handle: libcurl's own requirement */
		api.curl_global_init(CURL_GLOBAL_DEFAULT);
		loaded = 1;
	}
	return &api;
}
