#define _GNU_SOURCE
#include "bzimage.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../lib/lzma_api.h"

/* The boot protocol's setup header (Documentation/x86/boot.rst). */
#define SETUP_SECTS 0x1f1
#define HDR_MAGIC 0x202      /* "HdrS" */
#define HDR_VERSION 0x206
#define PAYLOAD_OFFSET 0x248 /* from the protected-mode code, protocol 2.08+ */
#define PAYLOAD_LENGTH 0x24c

/* The decoded kernel is a raw vmlinux.bin: tens of MB for a small one. */
#define DECODED_MAX (512u << 20)

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int decode_xz(const struct lzma_api *L, const unsigned char *in, size_t len, unsigned char **out,
		     size_t *out_len, const char *what, struct cl_err *err)
{
	lzma_stream s = LZMA_STREAM_INIT;
	if (L->lzma_stream_decoder(&s, 1u << 30, 0) != LZMA_OK)
		return cl_err_set(err, ENOMEM, "%s: starting the xz decoder", what);
	size_t cap = 64u << 20, n = 0;
	unsigned char *buf = malloc(cap);
	int rc = buf ? 0 : cl_err_set(err, ENOMEM, "%s", what);
	s.next_in = in;
	s.avail_in = len;
	while (rc == 0) {
		if (n == cap) {
			unsigned char *nb = cap < DECODED_MAX ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				rc = cl_err_msg(err, EFBIG, "%s: the kernel decodes to more than %u MB", what,
						DECODED_MAX >> 20);
				break;
			}
			buf = nb;
			cap *= 2;
		}
		s.next_out = buf + n;
		s.avail_out = cap - n;
		lzma_ret r = L->lzma_code(&s, LZMA_FINISH);
		n = cap - s.avail_out;
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK)
			rc = cl_err_msg(err, EINVAL, "%s: the payload is not a readable xz stream (is the "
					"kernel built with CONFIG_KERNEL_XZ?)", what);
	}
	L->lzma_end(&s);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*out_len = n;
	return 0;
}

int bzimage_check_embeds(const char *bzimage, const void *cpio, size_t cpio_len, const char *cmdline,
			 struct cl_err *err)
{
	const struct lzma_api *L = lzma_api(err);
	if (!L)
		return -err->code;
	_cleanup_free_ char *img = NULL;
	size_t len = 0;
	TRY(read_file(bzimage, &img, &len, err));
	const unsigned char *p = (const unsigned char *)img;
	if (len < PAYLOAD_LENGTH + 4 || memcmp(p + HDR_MAGIC, "HdrS", 4) != 0 ||
	    (p[HDR_VERSION] | p[HDR_VERSION + 1] << 8) < 0x208)
		return cl_err_msg(err, EINVAL, "%s: not a bzImage (boot protocol 2.08 or later)", bzimage);
	size_t sects = p[SETUP_SECTS] ? p[SETUP_SECTS] : 4;
	size_t start = (sects + 1) * 512 + le32(p + PAYLOAD_OFFSET), plen = le32(p + PAYLOAD_LENGTH);
	if (start > len || plen > len - start)
		return cl_err_msg(err, EINVAL, "%s: its payload lies outside the file", bzimage);
	_cleanup_free_ unsigned char *kernel = NULL;
	size_t klen = 0;
	TRY(decode_xz(L, p + start, plen, &kernel, &klen, bzimage, err));
	if (!cpio_len || !memmem(kernel, klen, cpio, cpio_len))
		return cl_err_in(err, CL_BUILD_FAILED, EBADMSG, "%s: the kernel does not hold the initramfs it was linked "
				  "with (%zu bytes): make did not relink it", bzimage, cpio_len);
	size_t cl = strlen(cmdline) + 1;
	if (!memmem(kernel, klen, cmdline, cl))
		return cl_err_in(err, CL_BUILD_FAILED, EBADMSG, "%s: the kernel does not hold the command line '%s'", bzimage,
				  cmdline);
	return 0;
}
