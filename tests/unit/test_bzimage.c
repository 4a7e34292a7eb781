/* The image check after a kernel link (builder/image/bzimage.c): a
 * bzImage whose payload lacks the initramfs or the command line it was
 * linked with is caught.  The images here are made by the test: a setup
 * header and an xz payload (xz(1)). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../builder/image/bzimage.h"
#include "test.h"

static char dir[] = "/tmp/test-bzimage.XXXXXX";

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/* A bzImage at path whose kernel (the xz payload) is the bytes given. */
static int make_image(const char *path, const void *kernel, size_t len)
{
	char raw[300], xz[300], cmd[700];
	snprintf(raw, sizeof raw, "%s/kernel", dir);
	snprintf(xz, sizeof xz, "%s/kernel.xz", dir);
	FILE *f = fopen(raw, "wb");
	if (!f || fwrite(kernel, 1, len, f) != len || fclose(f) != 0)
		return -1;
	snprintf(cmd, sizeof cmd, "xz --check=crc32 -c %s > %s", raw, xz);
	if (system(cmd) != 0)
		return -1;
	f = fopen(xz, "rb");
	static unsigned char payload[1 << 20];
	size_t plen = f ? fread(payload, 1, sizeof payload, f) : 0;
	if (f)
		fclose(f);
	static unsigned char img[1024 + sizeof payload];
	memset(img, 0, sizeof img);
	img[0x1f1] = 1; /* one setup sector: the payload's code starts at 1024 */
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	put32(img + 0x248, 0);
	put32(img + 0x24c, (uint32_t)plen);
	memcpy(img + 1024, payload, plen);
	f = fopen(path, "wb");
	if (!f || fwrite(img, 1, 1024 + plen, f) != 1024 + plen || fclose(f) != 0)
		return -1;
	return 0;
}

static const char cpio[] = "070701 pretend this is the machine's initramfs";
static char image[300];

static void test_holds_both(void)
{
	char kernel[4096];
	memset(kernel, 0xcc, sizeof kernel);
	memcpy(kernel + 100, cpio, sizeof cpio - 1);
	memcpy(kernel + 2000, "console=ttyS0 quiet", 20);
	CHECK(make_image(image, kernel, sizeof kernel) == 0);
	struct cl_err err = { 0 };
	CHECK(bzimage_check_embeds(image, cpio, sizeof cpio - 1, "console=ttyS0 quiet", &err) == 0);
}

static void test_another_initramfs_is_caught(void)
{
	struct cl_err err = { 0 };
	static const char other[] = "070701 the cpio of yesterday";
	CHECK(bzimage_check_embeds(image, other, sizeof other - 1, "console=ttyS0 quiet", &err) == -EBADMSG);
	CHECK(strstr(err.msg, "does not hold the initramfs") != NULL);
}

static void test_another_cmdline_is_caught(void)
{
	struct cl_err err = { 0 };
	/* a prefix of the real one is no match: the string ends with NUL */
	CHECK(bzimage_check_embeds(image, cpio, sizeof cpio - 1, "console=ttyS0", &err) == -EBADMSG);
	CHECK(strstr(err.msg, "does not hold the command line 'console=ttyS0'") != NULL);
}

static void test_not_a_bzimage(void)
{
	char path[300];
	snprintf(path, sizeof path, "%s/junk", dir);
	FILE *f = fopen(path, "wb");
	for (int i = 0; f && i < 4096; i++)
		fputc(i & 0xff, f);
	if (f)
		fclose(f);
	struct cl_err err = { 0 };
	CHECK(bzimage_check_embeds(path, cpio, sizeof cpio - 1, "x", &err) == -EINVAL);
	CHECK(strstr(err.msg, "not a bzImage") != NULL);
}

static void test_payload_not_xz(void)
{
	unsigned char img[4096] = { 0 };
	img[0x1f1] = 1;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	put32(img + 0x24c, 1000);
	memset(img + 1024, 'z', 1000);
	char path[300];
	snprintf(path, sizeof path, "%s/gzip-kernel", dir);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(img, 1, sizeof img, f);
		fclose(f);
	}
	struct cl_err err = { 0 };
	CHECK(bzimage_check_embeds(path, cpio, sizeof cpio - 1, "x", &err) == -EINVAL);
	CHECK(strstr(err.msg, "CONFIG_KERNEL_XZ") != NULL);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(image, sizeof image, "%s/bzImage", dir);
	RUN(test_holds_both);
	RUN(test_another_initramfs_is_caught);
	RUN(test_another_cmdline_is_caught);
	RUN(test_not_a_bzimage);
	RUN(test_payload_not_xz);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return test_failures ? 1 : 0;
}
