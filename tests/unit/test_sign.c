/* Signing the image, in memory and with files: the key pair is made once
 * and kept, signatures are deterministic, and every tampering fails. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../builder/image/sign.h"
#include "../../common/fsutil.h"
#include "test.h"

static char dir[64];
static char *key_a, *cert_a, *key_b, *cert_b;
static unsigned char image[100000];

static void generate(void)
{
	struct cl_err err = { 0 };
	CHECK(sign_generate("a", &key_a, &cert_a, &err) == 0);
	CHECK(sign_generate("b", &key_b, &cert_b, &err) == 0);
	CHECK(key_a && strstr(key_a, "-----BEGIN PRIVATE KEY-----"));
	CHECK(cert_a && strstr(cert_a, "-----BEGIN CERTIFICATE-----"));
	CHECK(cert_a && cert_b && strcmp(cert_a, cert_b) != 0);
	for (size_t i = 0; i < sizeof image; i++)
		image[i] = (unsigned char)(i * 7 + i / 251);
}

static void signs_and_verifies(void)
{
	struct cl_err err = { 0 };
	unsigned char *sig = NULL;
	size_t n = 0;
	CHECK(sign_data(key_a, cert_a, image, sizeof image, &sig, &n, &err) == 0);
	CHECK(n > 256);
	CHECK(sign_check(cert_a, sig, n, image, sizeof image, &err) == 0);
	free(sig);
}

static void deterministic(void)
{
	struct cl_err err = { 0 };
	unsigned char *s1 = NULL, *s2 = NULL;
	size_t n1 = 0, n2 = 0;
	CHECK(sign_data(key_a, cert_a, image, sizeof image, &s1, &n1, &err) == 0);
	CHECK(sign_data(key_a, cert_a, image, sizeof image, &s2, &n2, &err) == 0);
	CHECK(n1 == n2 && s1 && s2 && memcmp(s1, s2, n1) == 0);
	free(s1);
	free(s2);
}

static void flipped_image_byte_fails(void)
{
	struct cl_err err = { 0 };
	unsigned char *sig = NULL;
	size_t n = 0;
	CHECK(sign_data(key_a, cert_a, image, sizeof image, &sig, &n, &err) == 0);
	size_t where[] = { 0, sizeof image / 2, sizeof image - 1 };
	for (size_t i = 0; i < 3; i++) {
		image[where[i]] ^= 0x01;
		CHECK(sign_check(cert_a, sig, n, image, sizeof image, &err) == -EBADMSG);
		image[where[i]] ^= 0x01;
	}
	CHECK(sign_check(cert_a, sig, n, image, sizeof image - 1, &err) == -EBADMSG);
	free(sig);
}

/* Every single byte of the signature matters: the signature value, the
 * structure, the signer's identifiers and the certificate it carries. */
static void every_flipped_signature_byte_fails(void)
{
	struct cl_err err = { 0 };
	unsigned char *sig = NULL;
	size_t n = 0, passed = 0;
	CHECK(sign_data(key_a, cert_a, image, 4096, &sig, &n, &err) == 0);
	for (size_t i = 0; sig && i < n; i++) {
		sig[i] ^= 0x01;
		if (sign_check(cert_a, sig, n, image, 4096, &err) == 0) {
			printf("  flipping byte %zu of %zu still verifies\n", i, n);
			passed++;
		}
		sig[i] ^= 0x01;
	}
	CHECK(passed == 0);
	CHECK(sign_check(cert_a, sig, n - 1, image, 4096, &err) < 0);
	free(sig);
}

static void other_certificate_fails(void)
{
	struct cl_err err = { 0 };
	unsigned char *sig = NULL;
	size_t n = 0;
	CHECK(sign_data(key_a, cert_a, image, sizeof image, &sig, &n, &err) == 0);
	CHECK(sign_check(cert_b, sig, n, image, sizeof image, &err) == -EBADMSG);
	free(sig);
	sig = NULL;
	/* b's key with a's certificate: the signer is not who it claims */
	CHECK(sign_data(key_b, cert_a, image, sizeof image, &sig, &n, &err) < 0 ||
	      sign_check(cert_a, sig, n, image, sizeof image, &err) == -EBADMSG);
	free(sig);
}

static void garbage_is_not_a_signature(void)
{
	struct cl_err err = { 0 };
	CHECK(sign_check(cert_a, image, 512, image, sizeof image, &err) == -EBADMSG);
	CHECK(strstr(err.msg, "not a DER CMS") != NULL);
	CHECK(sign_check("not a certificate", image, 512, image, sizeof image, &err) == -EINVAL);
}

static mode_t mode_of(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static int file_equal(const char *p, const char *q)
{
	char *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	struct cl_err err = { 0 };
	int same = read_file(p, &a, &na, &err) == 0 && read_file(q, &b, &nb, &err) == 0 && na == nb &&
		   memcmp(a, b, na) == 0;
	free(a);
	free(b);
	return same;
}

static void keys_made_once_and_kept(void)
{
	struct cl_err err = { 0 };
	struct sign_keys k;
	bool created = false;
	char m[128], saved[160];
	snprintf(m, sizeof m, "%s/machine", dir);
	CHECK(mkdir(m, 0755) == 0);
	CHECK(sign_ensure_keys(m, "machine", &k, &created, &err) == 0);
	CHECK(created);
	CHECK(strstr(k.key, "/code-signing/machine.vmlinuz.key.pem") != NULL);
	CHECK(strstr(k.cert, "/code-signing/machine.vmlinuz.certificate.pem") != NULL);
	CHECK(mode_of(k.key) == 0600);
	snprintf(saved, sizeof saved, "%s/machine/code-signing", dir);
	CHECK(mode_of(saved) == 0700);
	snprintf(saved, sizeof saved, "%s/cert.copy", dir);
	char *pem = NULL;
	CHECK(read_file(k.cert, &pem, NULL, &err) == 0);
	CHECK(pem && write_file_atomic(saved, pem, strlen(pem), 0644, &err) == 0);
	free(pem);
	CHECK(sign_ensure_keys(m, "machine", &k, &created, &err) == 0);
	CHECK(!created);
	CHECK(file_equal(k.cert, saved));
}

static void half_a_pair_is_refused(void)
{
	struct cl_err err = { 0 };
	struct sign_keys k;
	bool created;
	char m[128];
	snprintf(m, sizeof m, "%s/machine", dir);
	CHECK(sign_key_paths(m, "machine", &k, &err) == 0);
	char *cert = NULL;
	CHECK(read_file(k.cert, &cert, NULL, &err) == 0);
	CHECK(unlink(k.cert) == 0);
	CHECK(sign_ensure_keys(m, "machine", &k, &created, &err) == -EINVAL);
	CHECK(strstr(err.msg, "exists without") != NULL);
	CHECK(access(k.cert, F_OK) < 0);
	/* another machine's certificate beside this key */
	CHECK(write_file_atomic(k.cert, cert_b, strlen(cert_b), 0644, &err) == 0);
	CHECK(sign_ensure_keys(m, "machine", &k, &created, &err) == -EINVAL);
	CHECK(strstr(err.msg, "does not belong to") != NULL);
	CHECK(cert && write_file_atomic(k.cert, cert, strlen(cert), 0644, &err) == 0);
	CHECK(sign_ensure_keys(m, "machine", &k, &created, &err) == 0 && !created);
	free(cert);
}

static void files_sign_and_verify(void)
{
	struct cl_err err = { 0 };
	struct sign_keys k;
	bool created;
	char m[128], img[160], sig[170], sum[170], hex[SHA256_HEX_LEN + 1], want[SHA256_HEX_LEN + 1];
	snprintf(m, sizeof m, "%s/machine", dir);
	snprintf(img, sizeof img, "%s/machine.vmlinuz", dir);
	snprintf(sig, sizeof sig, "%s.sig", img);
	snprintf(sum, sizeof sum, "%s.sha256", img);
	CHECK(sign_ensure_keys(m, "machine", &k, &created, &err) == 0);
	CHECK(write_file_atomic(img, image, sizeof image, 0644, &err) == 0);
	CHECK(sign_image(img, &k, hex, &err) == 0);
	CHECK(sha256_bytes(image, sizeof image, want, &err) == 0);
	CHECK_STR(hex, want);
	char *line = NULL, expect[200];
	snprintf(expect, sizeof expect, "%s  machine.vmlinuz\n", want);
	CHECK(read_file(sum, &line, NULL, &err) == 0);
	CHECK_STR(line, expect);
	free(line);
	CHECK(sign_verify(img, sig, k.cert, want, &err) == 0);
	CHECK(sign_verify(img, sig, k.cert, NULL, &err) == 0);
	char wrong[SHA256_HEX_LEN + 1];
	memcpy(wrong, want, sizeof wrong);
	wrong[0] = wrong[0] == '0' ? '1' : '0';
	CHECK(sign_verify(img, sig, k.cert, wrong, &err) == -EBADMSG);
	CHECK(strstr(err.msg, "not the one that was built") != NULL);
	CHECK(sign_verify(img, "/nonexistent.sig", k.cert, want, &err) == -ENOENT);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/cloister-test-sign.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	RUN(generate);
	RUN(signs_and_verifies);
	RUN(deterministic);
	RUN(flipped_image_byte_fails);
	RUN(every_flipped_signature_byte_fails);
	RUN(other_certificate_fails);
	RUN(garbage_is_not_a_signature);
	RUN(keys_made_once_and_kept);
	RUN(half_a_pair_is_refused);
	RUN(files_sign_and_verify);
	struct cl_err err = { 0 };
	remove_tree(dir, &err);
	free(key_a), free(cert_a), free(key_b), free(cert_b);
	return test_failures ? 1 : 0;
}
