/* The image's detached CMS signature: writing it and checking it. */
#include "sign.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../lib/crypto_api.h"
#include "sign_internal.h"

/* CMS_NOATTR leaves out the signed attributes (signing time, content
 * type, message digest), so RSA's deterministic PKCS#1 v1.5 padding makes
 * the whole signature a function of key and image; CMS_BINARY hashes the
 * bytes as they are (no MIME canonicalization); CMS_DETACHED keeps the
 * image out of the signature. */
#define SIGN_FLAGS (CMS_BINARY | CMS_NOATTR | CMS_DETACHED)

static BIO *mem_bio(const struct crypto_api *C, const void *data, size_t len, struct cl_err *err)
{
	if (len > INT_MAX) {
		cl_err_msg(err, EFBIG, "%zu bytes is too large to sign", len);
		return NULL;
	}
	BIO *b = C->BIO_new_mem_buf(data, (int)len);
	if (!b)
		cl_err_msg(err, ENOMEM, "OpenSSL: a memory buffer");
	return b;
}

static int cms_sign(const struct crypto_api *C, EVP_PKEY *key, X509 *cert, BIO *in,
		    unsigned char **sig, size_t *sig_len, struct cl_err *err)
{
	int r = 0;
	BIO *out = NULL;
	/* CMS_PARTIAL, then one signer with an explicit digest: the default
	 * digest is the library's choice, SHA-256 is the format's */
	CMS_ContentInfo *cms = C->CMS_sign(NULL, NULL, NULL, NULL, SIGN_FLAGS | CMS_PARTIAL);
	if (!cms || !C->CMS_add1_signer(cms, cert, key, C->EVP_sha256(), SIGN_FLAGS) ||
	    C->CMS_final(cms, in, NULL, SIGN_FLAGS) != 1 || !(out = C->BIO_new(C->BIO_s_mem())) ||
	    C->i2d_CMS_bio(out, cms) != 1)
		r = crypto_err(C, err, EIO, "signing");
	if (r == 0 && !(*sig = (unsigned char *)sign_bio_copy(C, out, sig_len)))
		r = cl_err_msg(err, ENOMEM, "signing");
	if (out)
		C->BIO_free(out);
	if (cms)
		C->CMS_ContentInfo_free(cms);
	return r;
}

int sign_data(const char *key_pem, const char *cert_pem, const void *data, size_t len,
	      unsigned char **sig, size_t *sig_len, struct cl_err *err)
{
	const struct crypto_api *C = crypto_api(err);
	if (!C)
		return -err->code;
	EVP_PKEY *key = sign_read_key(C, key_pem, err);
	if (!key)
		return -err->code;
	X509 *cert = sign_read_cert(C, cert_pem, err);
	BIO *in = cert ? mem_bio(C, data, len, err) : NULL;
	int r = in ? cms_sign(C, key, cert, in, sig, sig_len, err) : -err->code;
	if (in)
		C->BIO_free(in);
	if (cert)
		C->X509_free(cert);
	C->EVP_PKEY_free(key);
	return r;
}

/* One DER element at *p, within end, of the given tag and class: *p moves
 * into its contents (enter) or past it.  OpenSSL's own header reader. */
static bool der_step(const struct crypto_api *C, const unsigned char **p, const unsigned char *end, int tag,
		     int cls, bool enter)
{
	const unsigned char *q = *p;
	long n;
	int t, c;
	if (end <= q || (C->ASN1_get_object(&q, &n, &t, &c, end - q) & 0x80) || n > end - q || t != tag || c != cls)
		return false;
	*p = enter ? q : q + n;
	return true;
}

static bool der_is(const struct crypto_api *C, const unsigned char *p, const unsigned char *end, int tag, int cls)
{
	return der_step(C, &p, end, tag, cls, false);
}

/* Bytes DER writes one way only. */
static bool der_exact(const unsigned char **p, const unsigned char *end, const char *bytes, size_t n)
{
	if (end - *p < (long)n || memcmp(*p, bytes, n) != 0)
		return false;
	*p += n;
	return true;
}

/* INTEGER 1 */
#define DER_VERSION_1 "\x02\x01\x01", 3
/* SET { AlgorithmIdentifier { sha256 } }: the digest algorithms of the
 * SignedData (OpenSSL 3.0 leaks a buffer in CMS_verify when one is
 * unknown, and nothing else but sha256 is right anyway) */
#define DER_DIGESTS_SHA256 "\x31\x0d\x30\x0b\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01", 15

/* Without signed attributes a few fields of a CMS signature are covered
 * by no signature: the two version numbers, the content type, the
 * digest and signature algorithms' names.  OpenSSL ignores them when it verifies; they
 * are held here to the one form cloister (and `openssl cms -sign -noattr`)
 * writes, so that every byte of a signature file matters. */
static int strict_form(const struct crypto_api *C, CMS_ContentInfo *cms, const unsigned char *der,
		       size_t der_len, struct cl_err *err)
{
	OPENSSL_STACK *infos = (OPENSSL_STACK *)C->CMS_get0_SignerInfos(cms);
	if (!infos || C->OPENSSL_sk_num(infos) != 1)
		return cl_err_msg(err, EBADMSG, "the signature must have exactly one signer");
	X509_ALGOR *dig = NULL, *alg = NULL;
	const ASN1_OBJECT *dobj, *sobj;
	int dtype, stype;
	const void *param;
	C->CMS_SignerInfo_get0_algs(C->OPENSSL_sk_value(infos, 0), NULL, NULL, &dig, &alg);
	C->X509_ALGOR_get0(&dobj, &dtype, &param, dig);
	C->X509_ALGOR_get0(&sobj, &stype, &param, alg);
	int snid = C->OBJ_obj2nid(sobj);
	if (C->OBJ_obj2nid(C->CMS_get0_eContentType(cms)) != NID_pkcs7_data ||
	    C->OBJ_obj2nid(dobj) != NID_sha256 || (dtype != V_ASN1_UNDEF && dtype != V_ASN1_NULL) ||
	    (snid != NID_rsaEncryption && snid != NID_sha256WithRSAEncryption) || stype != V_ASN1_NULL)
		return cl_err_msg(err, EBADMSG, "the signature is not RSA with SHA-256 over plain data");
	/* ContentInfo { OID, [0] { SignedData { version, digestAlgorithms,
	 * encapContentInfo, [0] certificates OPTIONAL, [1] crls OPTIONAL,
	 * signerInfos { SignerInfo { version, ... } } } } } */
	const unsigned char *p = der, *end = der + der_len;
	const int U = V_ASN1_UNIVERSAL, X = V_ASN1_CONTEXT_SPECIFIC;
	bool ok = der_step(C, &p, end, V_ASN1_SEQUENCE, U, true) && der_step(C, &p, end, V_ASN1_OBJECT, U, false) &&
		  der_step(C, &p, end, 0, X, true) && der_step(C, &p, end, V_ASN1_SEQUENCE, U, true) &&
		  der_exact(&p, end, DER_VERSION_1) && der_exact(&p, end, DER_DIGESTS_SHA256) &&
		  der_step(C, &p, end, V_ASN1_SEQUENCE, U, false);
	if (ok && der_is(C, p, end, 0, X))
		ok = der_step(C, &p, end, 0, X, false);
	if (ok && der_is(C, p, end, 1, X))
		ok = der_step(C, &p, end, 1, X, false);
	ok = ok && der_step(C, &p, end, V_ASN1_SET, U, true) && der_step(C, &p, end, V_ASN1_SEQUENCE, U, true) &&
	     der_exact(&p, end, DER_VERSION_1);
	if (!ok)
		return cl_err_msg(err, EBADMSG, "the signature is not in cloister's one form (CMS version 1, "
				  "SHA-256 as its only digest algorithm)");
	return 0;
}

/* The certificate is the only trust anchor, and the signer must be that
 * very certificate: a signature by any other key fails even if it carries
 * a valid chain.  The signer is looked up among the certificates the
 * signature carries, as `openssl cms -verify` does, so a changed byte in
 * the copy it carries fails too.  The purpose is "any" as in `openssl cms
 * -verify -purpose any`: OpenSSL 3.0's default (S/MIME signing) rejects a
 * code-signing certificate. */
static int cms_check(const struct crypto_api *C, X509 *cert, const unsigned char *der, size_t der_len,
		     BIO *sig, BIO *content, struct cl_err *err)
{
	CMS_ContentInfo *cms = C->d2i_CMS_bio(sig, NULL);
	if (!cms)
		return crypto_err(C, err, EBADMSG, "the signature is not a DER CMS (PKCS#7) structure");
	int r = 0;
	X509_STORE *store = C->X509_STORE_new();
	if (C->CMS_is_detached(cms) != 1)
		r = cl_err_msg(err, EBADMSG, "the signature is not detached: it carries content of its own");
	else if (strict_form(C, cms, der, der_len, err) < 0)
		r = -EBADMSG;
	else if (!store || C->X509_STORE_add_cert(store, cert) != 1 ||
		 C->X509_STORE_set_purpose(store, X509_PURPOSE_ANY) != 1)
		r = crypto_err(C, err, ENOMEM, "OpenSSL: a certificate store");
	else if (C->CMS_verify(cms, NULL, store, content, NULL, CMS_BINARY) != 1)
		r = crypto_err(C, err, EBADMSG, "the signature does not verify with this certificate");
	if (r == 0) {
		OPENSSL_STACK *signers = (OPENSSL_STACK *)C->CMS_get0_signers(cms);
		int n = signers ? C->OPENSSL_sk_num(signers) : 0;
		for (int i = 0; r == 0 && i < n; i++)
			if (C->X509_cmp(C->OPENSSL_sk_value(signers, i), cert) != 0)
				r = cl_err_msg(err, EBADMSG, "the signature is by another certificate");
		if (n == 0)
			r = cl_err_msg(err, EBADMSG, "the signature has no signer");
		if (signers)
			C->OPENSSL_sk_free(signers);
	}
	if (store)
		C->X509_STORE_free(store);
	C->CMS_ContentInfo_free(cms);
	return r;
}

int sign_check(const char *cert_pem, const unsigned char *sig, size_t sig_len, const void *data,
	       size_t len, struct cl_err *err)
{
	const struct crypto_api *C = crypto_api(err);
	if (!C)
		return -err->code;
	X509 *cert = sign_read_cert(C, cert_pem, err);
	if (!cert)
		return -err->code;
	BIO *s = mem_bio(C, sig, sig_len, err);
	BIO *d = s ? mem_bio(C, data, len, err) : NULL;
	int r = d ? cms_check(C, cert, sig, sig_len, s, d, err) : -err->code;
	if (d)
		C->BIO_free(d);
	if (s)
		C->BIO_free(s);
	C->X509_free(cert);
	return r;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int sign_image(const char *image, const struct sign_keys *k, char sha256[SHA256_HEX_LEN + 1],
	       struct cl_err *err)
{
	_cleanup_free_ char *data = NULL, *key = NULL, *cert = NULL;
	_cleanup_free_ unsigned char *sig = NULL;
	size_t len, sig_len;
	char path[PATH_MAX], hex[SHA256_HEX_LEN + 1], line[SHA256_HEX_LEN + PATH_MAX + 4];
	TRY(read_file(image, &data, &len, err));
	TRY(read_file(k->key, &key, NULL, err));
	TRY(read_file(k->cert, &cert, NULL, err));
	int r = sign_data(key, cert, data, len, &sig, &sig_len, err);
	if (r < 0)
		return cl_err_prefix(err, "%s", image);
	TRY(sha256_bytes(data, len, hex, err));
	TRY(pathf(err, path, sizeof path, "%s.sig", image));
	TRY(write_file_atomic(path, sig, sig_len, 0644, err));
	TRY(pathf(err, path, sizeof path, "%s.sha256", image));
	int n = snprintf(line, sizeof line, "%s  %s\n", hex, base_name(image));
	TRY(write_file_atomic(path, line, (size_t)n, 0644, err));
	if (sha256)
		memcpy(sha256, hex, sizeof hex);
	return 0;
}

int sign_verify(const char *image, const char *sig, const char *cert, const char *expected_sha256,
		struct cl_err *err)
{
	_cleanup_free_ char *data = NULL, *sigdata = NULL, *pem = NULL;
	size_t len, sig_len;
	char hex[SHA256_HEX_LEN + 1];
	TRY(read_file(image, &data, &len, err));
	TRY(read_file(sig, &sigdata, &sig_len, err));
	TRY(read_file(cert, &pem, NULL, err));
	int r = sign_check(pem, (unsigned char *)sigdata, sig_len, data, len, err);
	if (r < 0)
		return r == -EBADMSG ? cl_err_prefix(err, "%s (signature %s, certificate %s)", image, sig, cert)
				     : cl_err_prefix(err, "%s", cert);
	if (!expected_sha256)
		return 0;
	TRY(sha256_bytes(data, len, hex, err));
	if (strcmp(hex, expected_sha256) != 0)
		return cl_err_msg(err, EBADMSG, "%s: sha256 %s, but the build recorded %s: the signature is "
				  "valid, the image is not the one that was built", image, hex, expected_sha256);
	return 0;
}
