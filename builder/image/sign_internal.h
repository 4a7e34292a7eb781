/* Shared by sign.c and sign_key.c. */
#ifndef CLOISTER_IMAGE_SIGN_INTERNAL_H
#define CLOISTER_IMAGE_SIGN_INTERNAL_H

#include "../lib/crypto_api.h"

/* A malloc'd copy of a memory BIO's contents, NUL-terminated; its length
 * (without the NUL) goes to len when len is not NULL. */
char *sign_bio_copy(const struct crypto_api *C, BIO *b, size_t *len);
/* Parsed from PEM text; NULL with err set. */
EVP_PKEY *sign_read_key(const struct crypto_api *C, const char *pem, struct cl_err *err);
X509 *sign_read_cert(const struct crypto_api *C, const char *pem, struct cl_err *err);

#endif
