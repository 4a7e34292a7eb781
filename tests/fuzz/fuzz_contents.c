/* libFuzzer: the initramfs.contents parser, from memory.  Whatever the
 * bytes, it returns 0 with well-formed lines or -EINVAL with a
 * "FILE:LINE: ..." message, and never reads or writes out of bounds. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/image/contents.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct contents c;
	struct cl_err err = { 0 };
	int rc = contents_parse((const char *)data, size, "fuzz", &c, &err);
	if (rc == 0) {
		for (size_t i = 0; i < c.n; i++) {
			const struct contents_line *l = &c.v[i];
			if (l->name[0] != '/' || l->mode > 07777 || l->line < 1)
				abort();
			if ((l->type == CT_FILE || l->type == CT_SLINK) && !l->location)
				abort();
		}
		contents_free(&c);
	} else if (rc != -EINVAL && rc != -ENOMEM) {
		abort();
	} else if (strncmp(err.msg, "fuzz:", 5) != 0) {
		abort();
	}
	return 0;
}
