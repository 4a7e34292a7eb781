/* SHA-256, through OpenSSL's libcrypto: streaming, of a file, of bytes.
 * Digests travel as 64 lowercase hex characters plus NUL. */
#ifndef CLOISTER_HASH_H
#define CLOISTER_HASH_H

#include <stddef.h>

#include "../../common/err.h"

#define SHA256_HEX_LEN 64

struct sha256 {
	void *ctx; /* EVP_MD_CTX */
	const void *api;
};

int sha256_init(struct sha256 *h, struct cl_err *err);
int sha256_update(struct sha256 *h, const void *data, size_t len, struct cl_err *err);
/* Writes the hex digest and releases h. */
int sha256_final(struct sha256 *h, char hex[SHA256_HEX_LEN + 1], struct cl_err *err);
void sha256_abort(struct sha256 *h);

/* Digest of a whole file, read from fd (from its current offset). */
int sha256_fd(int fd, char hex[SHA256_HEX_LEN + 1], struct cl_err *err);
int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1], struct cl_err *err);
int sha256_bytes(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1], struct cl_err *err);

/* True when s is 64 lowercase hex characters. */
int sha256_hex_valid(const char *s);

#endif
