/* Signing the machine image: the machine's code-signing key, a detached
 * CMS signature, and its verification.  docs/image.md describes it.
 *
 * The signature is CMS (PKCS#7) SignedData in DER, detached (the image
 * bytes are not changed or wrapped), RSA PKCS#1 v1.5 with SHA-256 over the
 * image itself, with no signed attributes (no signing time): the same key
 * and image give the same signature bytes every time.  That is the format
 * `openssl cms -sign -binary -noattr -md sha256 -outform DER` writes and
 * iPXE's imgverify reads.
 *
 * The key pair lives in machines/NAME/code-signing/ (git-ignored); it is
 * generated there when absent.  The key is read only here, to sign: it is
 * never an input of the image's hash nor copied into the store. */
#ifndef CLOISTER_IMAGE_SIGN_H
#define CLOISTER_IMAGE_SIGN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../store/hash.h"

/* RSA 3072: 128-bit strength, the level of SHA-256 (NIST SP 800-57). */
#define SIGN_RSA_BITS 3072

struct sign_keys {
	char key[PATH_MAX];   /* .../code-signing/NAME.vmlinuz.key.pem (mode 0600) */
	char cert[PATH_MAX];  /* .../code-signing/NAME.vmlinuz.certificate.pem */
};

/* In memory.  All buffers are malloc'd; the PEM strings NUL-terminated. */

/* A new RSA key (PKCS#8 PEM, unencrypted) and a self-signed X.509 v3
 * certificate for it (PEM): subject "CN=cloister code signing: NAME",
 * CA:FALSE, keyUsage digitalSignature (critical), extendedKeyUsage
 * codeSigning, valid from now to 9999-12-31 (RFC 5280's "no expiry"). */
int sign_generate(const char *name, char **key_pem, char **cert_pem, struct cl_err *err);

/* The detached signature of data (DER) by the key and certificate. */
int sign_data(const char *key_pem, const char *cert_pem, const void *data, size_t len,
	      unsigned char **sig, size_t *sig_len, struct cl_err *err);

/* 0 when sig is a detached signature of data by the certificate's key,
 * and the certificate (the trust anchor: nothing else is accepted as the
 * signer) is valid now; -EBADMSG with the reason otherwise. */
int sign_check(const char *cert_pem, const unsigned char *sig, size_t sig_len, const void *data,
	       size_t len, struct cl_err *err);

/* With files. */

/* The key pair's paths in machine_dir/code-signing/ for image name NAME. */
int sign_key_paths(const char *machine_dir, const char *name, struct sign_keys *k,
		   struct cl_err *err);

/* Fills k; generates the pair when both files are absent (*created then
 * true; the folder is made 0700, the key written 0600, under a lock so
 * two builds cannot mix two pairs).  Half a pair, or a key that does not
 * belong to the certificate, is refused (-EINVAL) rather than replaced. */
int sign_ensure_keys(const char *machine_dir, const char *name, struct sign_keys *k,
		     bool *created, struct cl_err *err);

/* Signs the file image: writes IMAGE.sig (DER) and IMAGE.sha256
 * ("HEX  BASENAME\n", as sha256sum writes it), each atomically; the
 * image's digest goes to sha256 when it is not NULL. */
int sign_image(const char *image, const struct sign_keys *k, char sha256[SHA256_HEX_LEN + 1],
	       struct cl_err *err);

/* Verifies the file image against the signature file sig and the
 * certificate file cert, and, when expected_sha256 is not NULL, that the
 * image's sha256 is expected_sha256: the digest the image stage recorded
 * for the build (its store entry / reproducibility.json), so a
 * validly signed image that is not the one built is refused too.
 * 0 when both hold; -EBADMSG naming what failed; another negative errno
 * when a file cannot be read. */
int sign_verify(const char *image, const char *sig, const char *cert, const char *expected_sha256,
		struct cl_err *err);

#endif
