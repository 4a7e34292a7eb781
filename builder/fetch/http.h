/* GET and HEAD through libcurl, for mirrors (http, https, file) and the
 * snapshot archive.  Every transfer has a connect timeout and a
 * low-speed cut-off instead of a total timeout: a 139 MB kernel source
 * may take minutes on a slow line, a dead server must not take any. */
#ifndef CLOISTER_HTTP_H
#define CLOISTER_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"

/* Seconds to connect; bytes a second below which, for HTTP_STALL_SEC
 * seconds, a transfer is abandoned. */
#define HTTP_CONNECT_SEC 5
#define HTTP_STALL_BPS 1024
#define HTTP_STALL_SEC 20

/* The URL's body into the file path (created 0644, replaced).  At most
 * max_bytes (0: no limit).  -ENOENT when the server says the file is not
 * there (404, 410, a missing file:// path); -EHOSTUNREACH when it cannot
 * be reached or stalls; -EIO for anything else; err says which. */
int http_get_file(const char *url, const char *path, unsigned long long max_bytes,
		  struct cl_err *err);
/* The same into memory: *buf is malloc'd and NUL-terminated. */
int http_get_mem(const char *url, size_t max_bytes, char **buf, size_t *len, struct cl_err *err);
/* Whether the URL is there, without downloading it (HEAD). */
int http_exists(const char *url, struct cl_err *err);
/* http://, https:// or file:// (the schemes cloister accepts). */
bool http_url_valid(const char *url);
bool http_url_is_file(const char *url);

#endif
