#include "curl_api.h"

#include "dynlib.h"

/* once, before any handle: libcurl's own requirement */
static void curl_init(void **slots)
{
	((struct curl_api *)(void *)slots)->curl_global_init(CURL_GLOBAL_DEFAULT);
}

const struct curl_api *curl_api(struct cl_err *err)
{
	static struct curl_api api;
	static struct dynlib_once once = DYNLIB_ONCE_INIT;
	static const char *const names[] = {
#define X(f) #f,
		CURL_API_FUNCTIONS(X)
#undef X
	};

	if (dynlib_load_once(&once, "libcurl.so.4", names, (void **)&api, sizeof names / sizeof *names, curl_init, err) < 0)
		return NULL;
	return &api;
}
