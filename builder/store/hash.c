#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../lib/crypto_api.h"

int sha256_init(struct sha256 *h, struct cl_err *err)
{
	const struct crypto_api *C = crypto_api(err);
	if (!C)
		return -err->code;
	EVP_MD_CTX *ctx = C->EVP_MD_CTX_new();
	if (!ctx || C->EVP_DigestInit_ex(ctx, C->EVP_sha256(), NULL) != 1) {
		if (ctx)
			C->EVP_MD_CTX_free(ctx);
		return cl_err_msg(err, ENOMEM, "OpenSSL: cannot start a SHA-256 digest");
	}
	h->ctx = ctx;
	h->api = C;
	return 0;
}

int sha256_update(struct sha256 *h, const void *data, size_t len, struct cl_err *err)
{
	const struct crypto_api *C = h->api;
	if (C->EVP_DigestUpdate(h->ctx, data, len) != 1)
		return cl_err_msg(err, EIO, "OpenSSL: SHA-256 update failed");
	return 0;
}

int sha256_final(struct sha256 *h, char hex[SHA256_HEX_LEN + 1], struct cl_err *err)
{
	const struct crypto_api *C = h->api;
	unsigned char md[32];
	unsigned int n = 0;
	int ok = C->EVP_DigestFinal_ex(h->ctx, md, &n) == 1 && n == 32;
	sha256_abort(h);
	if (!ok)
		return cl_err_msg(err, EIO, "OpenSSL: SHA-256 final failed");
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

void sha256_abort(struct sha256 *h)
{
	if (h->ctx) {
		((const struct crypto_api *)h->api)->EVP_MD_CTX_free(h->ctx);
		h->ctx = NULL;
	}
}

int sha256_fd(int fd, char hex[SHA256_HEX_LEN + 1], struct cl_err *err)
{
	struct sha256 h;
	char buf[1 << 16];
	if (sha256_init(&h, err) < 0)
		return -err->code;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			sha256_abort(&h);
			return cl_err_set(err, e, "reading");
		}
		if (n == 0)
			break;
		if (sha256_update(&h, buf, (size_t)n, err) < 0) {
			sha256_abort(&h);
			return -err->code;
		}
	}
	return sha256_final(&h, hex, err);
}

int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1], struct cl_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cl_err_set(err, errno, "%s", path);
	if (sha256_fd(fd, hex, err) < 0)
		return cl_err_prefix(err, "%s", path);
	return 0;
}

int sha256_bytes(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1], struct cl_err *err)
{
	struct sha256 h;
	if (sha256_init(&h, err) < 0)
		return -err->code;
	if (sha256_update(&h, data, len, err) < 0) {
		sha256_abort(&h);
		return -err->code;
	}
	return sha256_final(&h, hex, err);
}

int sha256_hex_valid(const char *s)
{
	size_t i;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == SHA256_HEX_LEN;
}
