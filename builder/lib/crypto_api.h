/* OpenSSL libcrypto, loaded on first use (see dynlib.h for why).
 *
 * Only real functions can be in the table: OpenSSL macros that expand to
 * calls (sk_X509_*, BIO_get_mem_data, OPENSSL_free, EVP_RSA_gen) would
 * link libcrypto directly, so callers use the functions behind them. */
#ifndef CLOISTER_CRYPTO_API_H
#define CLOISTER_CRYPTO_API_H

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../../common/err.h"

#define CRYPTO_API_FUNCTIONS(X) \
	X(EVP_MD_CTX_new) X(EVP_MD_CTX_free) X(EVP_sha256) \
	X(EVP_DigestInit_ex) X(EVP_DigestUpdate) X(EVP_DigestFinal_ex) \
	/* errors */ \
	X(ERR_get_error) X(ERR_error_string_n) X(ERR_clear_error) \
	/* memory BIOs */ \
	X(BIO_new) X(BIO_s_mem) X(BIO_new_mem_buf) X(BIO_ctrl) X(BIO_free) \
	/* keys */ \
	X(EVP_PKEY_CTX_new_from_name) X(EVP_PKEY_keygen_init) X(EVP_PKEY_CTX_set_rsa_keygen_bits) \
	X(EVP_PKEY_generate) X(EVP_PKEY_CTX_free) X(EVP_PKEY_free) X(EVP_PKEY_get_id) \
	X(PEM_write_bio_PrivateKey) X(PEM_read_bio_PrivateKey) \
	/* certificates */ \
	X(X509_new) X(X509_free) X(X509_set_version) X(X509_get_serialNumber) \
	X(BN_new) X(BN_free) X(BN_rand) X(BN_to_ASN1_INTEGER) \
	X(X509_getm_notBefore) X(X509_getm_notAfter) X(X509_gmtime_adj) X(ASN1_TIME_set_string) \
	X(X509_set_pubkey) X(X509_get_subject_name) X(X509_set_issuer_name) \
	X(X509_NAME_add_entry_by_txt) X(X509V3_set_ctx) X(X509V3_EXT_nconf_nid) X(X509_add_ext) \
	X(X509_EXTENSION_free) X(X509_sign) X(X509_check_private_key) \
	X(PEM_write_bio_X509) X(PEM_read_bio_X509) \
	/* CMS */ \
	X(CMS_sign) X(CMS_add1_signer) X(CMS_final) X(i2d_CMS_bio) X(d2i_CMS_bio) \
	X(CMS_ContentInfo_free) X(CMS_verify) X(CMS_is_detached) X(CMS_get0_signers) X(X509_cmp) \
	X(CMS_get0_SignerInfos) X(CMS_SignerInfo_get0_algs) X(CMS_get0_eContentType) X(X509_ALGOR_get0) \
	X(OBJ_obj2nid) X(ASN1_get_object) \
	X(X509_STORE_new) X(X509_STORE_free) X(X509_STORE_add_cert) X(X509_STORE_set_purpose) \
	X(OPENSSL_sk_num) X(OPENSSL_sk_value) X(OPENSSL_sk_free)

struct crypto_api {
#define X(f) __typeof__(&f) f;
	CRYPTO_API_FUNCTIONS(X)
#undef X
};

const struct crypto_api *crypto_api(struct cl_err *err);

/* Sets err to "WHAT: REASON" with OpenSSL's oldest queued reason (or
 * just WHAT), empties the queue and returns -errnum. */
int crypto_err(const struct crypto_api *C, struct cl_err *err, int errnum, const char *what);

#endif
