#define _GNU_SOURCE
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../lib/curl_api.h"

bool http_url_is_file(const char *url)
{
	return !strncmp(url, "file://", 7);
}

bool http_url_valid(const char *url)
{
	static const char *const schemes[] = { "http://", "https://", "file://" };
	for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++) {
		size_t l = strlen(schemes[i]);
		/* file:///abs needs the third slash; the others a host */
		bool file = !strcmp(schemes[i], "file://");
		if (!strncmp(url, schemes[i], l) && url[l] && (!file || url[l] == '/'))
			return !strpbrk(url, " \t\n\r");
	}
	return false;
}

struct sink {
	int fd;             /* or -1: into mem */
	char *mem;
	size_t len, cap;
	unsigned long long got, max;
	int error;          /* errno of a failed write */
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t bytes = size * n;
	if (s->max && s->got + bytes > s->max) {
		s->error = EFBIG;
		return 0;
	}
	s->got += bytes;
	if (s->fd >= 0) {
		if (write_all(s->fd, p, bytes) < 0) {
			s->error = errno;
			return 0;
		}
		return bytes;
	}
	if (s->len + bytes + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + bytes + 1)
			cap *= 2;
		char *m = realloc(s->mem, cap);
		if (!m) {
			s->error = ENOMEM;
			return 0;
		}
		s->mem = m;
		s->cap = cap;
	}
	memcpy(s->mem + s->len, p, bytes);
	s->len += bytes;
	s->mem[s->len] = '\0';
	return bytes;
}

/* One transfer; head: only ask whether it is there. */
static int transfer(const char *url, struct sink *s, bool head, struct cl_err *err)
{
	const struct curl_api *C = curl_api(err);
	if (!C)
		return -err->code;
	CURL *h = C->curl_easy_init();
	if (!h)
		return cl_err_msg(err, ENOMEM, "%s: curl_easy_init failed", url);
	char why[CURL_ERROR_SIZE] = "";
	C->curl_easy_setopt(h, CURLOPT_URL, url);
	C->curl_easy_setopt(h, CURLOPT_ERRORBUFFER, why);
	C->curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	C->curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	C->curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	/* a redirect must not turn an http mirror into a local file read */
	C->curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	C->curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
	C->curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)HTTP_CONNECT_SEC);
	C->curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)HTTP_STALL_BPS);
	C->curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)HTTP_STALL_SEC);
	C->curl_easy_setopt(h, CURLOPT_USERAGENT, "cloister");
	if (head)
		C->curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else {
		C->curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
		C->curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
	}
	CURLcode rc = C->curl_easy_perform(h);
	long code = 0;
	C->curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	C->curl_easy_cleanup(h);

	const char *msg = why[0] ? why : C->curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_FILE_COULDNT_READ_FILE:
		return cl_err_msg(err, ENOENT, "%s: not there", url);
	case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_RESOLVE_PROXY: case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT: case CURLE_RECV_ERROR: case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING: case CURLE_PARTIAL_FILE:
		return cl_err_msg(err, EHOSTUNREACH, "%s: %s", url, msg);
	case CURLE_WRITE_ERROR:
		if (s && s->error == EFBIG)
			return cl_err_msg(err, EFBIG, "%s: larger than the %llu bytes expected", url, s->max);
		return cl_err_set(err, s && s->error ? s->error : EIO, "%s: writing the download", url);
	default:
		return cl_err_msg(err, EIO, "%s: %s", url, msg);
	}
	/* file:// reports no response code */
	if (code == 404 || code == 410)
		return cl_err_msg(err, ENOENT, "%s: not there (HTTP %ld)", url, code);
	if (code != 0 && (code < 200 || code > 299))
		return cl_err_msg(err, EIO, "%s: HTTP %ld", url, code);
	return 0;
}

int http_get_file(const char *url, const char *path, unsigned long long max_bytes,
		  struct cl_err *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return cl_err_set(err, errno, "creating %s", path);
	struct sink s = { .fd = fd, .max = max_bytes };
	return transfer(url, &s, false, err);
}

int http_get_mem(const char *url, size_t max_bytes, char **buf, size_t *len, struct cl_err *err)
{
	struct sink s = { .fd = -1, .max = max_bytes };
	int r = transfer(url, &s, false, err);
	if (r < 0) {
		free(s.mem);
		return r;
	}
	if (!s.mem && !(s.mem = calloc(1, 1)))
		return cl_err_set(err, ENOMEM, "%s", url);
	*buf = s.mem;
	if (len)
		*len = s.len;
	return 0;
}

int http_exists(const char *url, struct cl_err *err)
{
	return transfer(url, NULL, true, err);
}
