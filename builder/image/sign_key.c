/* The machine's code-signing key pair: generated once, then only read. */
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../lib/crypto_api.h"
#include "sign_internal.h"

char *sign_bio_copy(const struct crypto_api *C, BIO *b, size_t *len)
{
	char *p = NULL;
	long n = C->BIO_ctrl(b, BIO_CTRL_INFO, 0, &p);
	if (n < 0 || !p)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (s) {
		memcpy(s, p, (size_t)n);
		s[n] = '\0';
		if (len)
			*len = (size_t)n;
	}
	return s;
}

/* A password prompt on the terminal would hang a build: an encrypted key
 * simply fails to load. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

EVP_PKEY *sign_read_key(const struct crypto_api *C, const char *pem, struct cl_err *err)
{
	BIO *b = C->BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = b ? C->PEM_read_bio_PrivateKey(b, NULL, no_password, NULL) : NULL;
	if (b)
		C->BIO_free(b);
	if (!k)
		crypto_err(C, err, EINVAL, "not an unencrypted PEM private key");
	return k;
}

X509 *sign_read_cert(const struct crypto_api *C, const char *pem, struct cl_err *err)
{
	BIO *b = C->BIO_new_mem_buf(pem, -1);
	X509 *x = b ? C->PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	if (b)
		C->BIO_free(b);
	if (!x)
		crypto_err(C, err, EINVAL, "not a PEM certificate");
	return x;
}

static EVP_PKEY *rsa_key(const struct crypto_api *C, struct cl_err *err)
{
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *ctx = C->EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!ctx || C->EVP_PKEY_keygen_init(ctx) <= 0 ||
	    C->EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, SIGN_RSA_BITS) <= 0 ||
	    C->EVP_PKEY_generate(ctx, &k) <= 0) {
		crypto_err(C, err, EIO, "generating an RSA key");
		k = NULL;
	}
	if (ctx)
		C->EVP_PKEY_CTX_free(ctx);
	return k;
}

/* What iPXE's imgverify and OpenSSL look for in a code-signing
 * certificate; the subject key identifier lets a chain name it. */
static const struct {
	int nid;
	const char *value;
} extensions[] = {
	{ NID_basic_constraints, "critical,CA:FALSE" },
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "codeSigning" },
	{ NID_subject_key_identifier, "hash" },
};

static int fill_cert(const struct crypto_api *C, X509 *x, EVP_PKEY *k, const char *name,
		     struct cl_err *err)
{
	char cn[200];
	snprintf(cn, sizeof cn, "cloister code signing: %s", name);
	BIGNUM *serial = C->BN_new();
	/* a random 127-bit serial: positive, and unique across regenerations */
	int ok = serial && C->BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
		 C->BN_to_ASN1_INTEGER(serial, C->X509_get_serialNumber(x)) != NULL;
	if (serial)
		C->BN_free(serial);
	ok = ok && C->X509_set_version(x, X509_VERSION_3) == 1 &&
	     C->X509_gmtime_adj(C->X509_getm_notBefore(x), 0) &&
	     C->ASN1_TIME_set_string(C->X509_getm_notAfter(x), "99991231235959Z") == 1 &&
	     C->X509_set_pubkey(x, k) == 1 &&
	     C->X509_NAME_add_entry_by_txt(C->X509_get_subject_name(x), "CN", MBSTRING_UTF8,
					   (const unsigned char *)cn, -1, -1, 0) == 1 &&
	     C->X509_set_issuer_name(x, C->X509_get_subject_name(x)) == 1;
	if (!ok)
		return crypto_err(C, err, EIO, "making the certificate");
	X509V3_CTX ctx;
	C->X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	for (size_t i = 0; i < sizeof extensions / sizeof *extensions; i++) {
		X509_EXTENSION *e = C->X509V3_EXT_nconf_nid(NULL, &ctx, extensions[i].nid, extensions[i].value);
		ok = e && C->X509_add_ext(x, e, -1) == 1;
		if (e)
			C->X509_EXTENSION_free(e);
		if (!ok)
			return crypto_err(C, err, EIO, "adding a certificate extension");
	}
	if (C->X509_sign(x, k, C->EVP_sha256()) <= 0)
		return crypto_err(C, err, EIO, "self-signing the certificate");
	return 0;
}

int sign_generate(const char *name, char **key_pem, char **cert_pem, struct cl_err *err)
{
	const struct crypto_api *C = crypto_api(err);
	if (!C)
		return -err->code;
	EVP_PKEY *k = rsa_key(C, err);
	if (!k)
		return -err->code;
	X509 *x = C->X509_new();
	BIO *kb = C->BIO_new(C->BIO_s_mem()), *cb = C->BIO_new(C->BIO_s_mem());
	int r = x && kb && cb ? fill_cert(C, x, k, name, err) : cl_err_msg(err, ENOMEM, "making a key pair");
	if (r == 0 && (C->PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL) != 1 ||
		       C->PEM_write_bio_X509(cb, x) != 1))
		r = crypto_err(C, err, EIO, "writing the key pair as PEM");
	if (r == 0) {
		*key_pem = sign_bio_copy(C, kb, NULL);
		*cert_pem = sign_bio_copy(C, cb, NULL);
		if (!*key_pem || !*cert_pem) {
			free(*key_pem);
			free(*cert_pem);
			r = cl_err_msg(err, ENOMEM, "making a key pair");
		}
	}
	if (kb)
		C->BIO_free(kb);
	if (cb)
		C->BIO_free(cb);
	if (x)
		C->X509_free(x);
	C->EVP_PKEY_free(k);
	return r;
}

int sign_key_paths(const char *machine_dir, const char *name, struct sign_keys *k,
		   struct cl_err *err)
{
	TRY(pathf(err, k->key, sizeof k->key, "%s/code-signing/%s.vmlinuz.key.pem", machine_dir, name));
	return pathf(err, k->cert, sizeof k->cert, "%s/code-signing/%s.vmlinuz.certificate.pem",
		     machine_dir, name);
}

/* The key must belong to the certificate: a mismatched pair would sign
 * images nobody can verify. */
static int check_pair(const struct sign_keys *k, struct cl_err *err)
{
	const struct crypto_api *C = crypto_api(err);
	if (!C)
		return -err->code;
	_cleanup_free_ char *kp = NULL, *cp = NULL;
	TRY(read_file(k->key, &kp, NULL, err));
	TRY(read_file(k->cert, &cp, NULL, err));
	EVP_PKEY *key = sign_read_key(C, kp, err);
	if (!key)
		return cl_err_prefix(err, "%s", k->key);
	X509 *x = sign_read_cert(C, cp, err);
	int r = x ? 0 : cl_err_prefix(err, "%s", k->cert);
	if (r == 0 && C->X509_check_private_key(x, key) != 1) {
		C->ERR_clear_error();
		r = cl_err_msg(err, EINVAL, "%s does not belong to %s: restore the right pair, or remove "
			       "both to have a new one generated", k->key, k->cert);
	}
	if (x)
		C->X509_free(x);
	C->EVP_PKEY_free(key);
	return r;
}

int sign_ensure_keys(const char *machine_dir, const char *name, struct sign_keys *k,
		     bool *created, struct cl_err *err)
{
	char dir[PATH_MAX];
	*created = false;
	TRY(sign_key_paths(machine_dir, name, k, err));
	TRY(pathf(err, dir, sizeof dir, "%s/code-signing", machine_dir));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return cl_err_set(err, errno, "creating %s", dir);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", dir);
	if (flock(dfd, LOCK_EX) < 0)
		return cl_err_set(err, errno, "locking %s", dir);
	bool have_key = access(k->key, F_OK) == 0, have_cert = access(k->cert, F_OK) == 0;
	if (have_key && have_cert)
		return check_pair(k, err);
	if (have_key || have_cert)
		return cl_err_msg(err, EINVAL, "%s exists without %s: restore it, or remove %s to have a "
				  "new pair generated", have_key ? k->key : k->cert,
				  have_key ? k->cert : k->key, have_key ? k->key : k->cert);
	_cleanup_free_ char *kp = NULL, *cp = NULL;
	TRY(sign_generate(name, &kp, &cp, err));
	/* the key first: a crash between the two leaves a key without a
	 * certificate, which is refused above, never a certificate whose key
	 * is lost without a word */
	TRY(write_file_atomic(k->key, kp, strlen(kp), 0600, err));
	TRY(write_file_atomic(k->cert, cp, strlen(cp), 0644, err));
	*created = true;
	return 0;
}
