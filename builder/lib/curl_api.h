/* libcurl, loaded on first use like libarchive and libcrypto (see
 * ../dynlib.h): only the commands that reach a mirror or the snapshot
 * archive pay for it. */
#ifndef CLOISTER_CURL_API_H
#define CLOISTER_CURL_API_H

/* the type-checking macros would replace the table's member names */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "../../common/err.h"

#define CURL_API_FUNCTIONS(X) \
	X(curl_global_init) X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_setopt) \
	X(curl_easy_perform) X(curl_easy_getinfo) X(curl_easy_strerror)

struct curl_api {
#define X(f) __typeof__(&f) f;
	CURL_API_FUNCTIONS(X)
#undef X
};

const struct curl_api *curl_api(struct cl_err *err);

#endif
