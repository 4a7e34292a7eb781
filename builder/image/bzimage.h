/* Reading a linked x86 bzImage back: the check that a link really embedded
 * what it was given, made on the image itself rather than trusted to
 * make's view of timestamps (a cpio changed in place, with its old mtime,
 * is silently left out by make). */
#ifndef CLOISTER_IMAGE_BZIMAGE_H
#define CLOISTER_IMAGE_BZIMAGE_H

#include <stddef.h>

#include "../../common/err.h"

/* Decodes the image's xz payload (CONFIG_KERNEL_XZ) and checks that the
 * kernel holds the cpio byte for byte (an uncompressed embedded
 * initramfs) and the command line as a NUL-terminated string.  -EBADMSG
 * names what is missing; -EINVAL when the file is no bzImage this can
 * read. */
int bzimage_check_embeds(const char *bzimage, const void *cpio, size_t cpio_len, const char *cmdline,
			 struct cl_err *err);

#endif
