/* OpenSSL libcrypto, loaded on first use (see dynlib.h for why). */
#ifndef CLOISTER_CRYPTO_API_H
#define CLOISTER_CRYPTO_API_H

#include <openssl/evp.h>

#include "../common/err.h"

#define CRYPTO_API_FUNCTIONS(X) \
	X(EVP_MD_CTX_new) X(EVP_MD_CTX_free) X(EVP_sha256) \
	X(EVP_DigestInit_ex) X(EVP_DigestUpdate) X(EVP_DigestFinal_ex)

struct crypto_api {
#define X(f) __typeof__(&f) f;
	CRYPTO_API_FUNCTIONS(X)
#undef X
};

const struct crypto_api *crypto_api(struct cl_err *err);

#endif
