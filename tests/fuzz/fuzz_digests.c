/* libFuzzer: a store entry's digests file, from memory: 0 with lines
 * that written back are the input byte for byte, or -EINVAL with
 * "FILE:LINE: ..." and nothing left to free. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/store/digests.h"
#include "../../builder/store/hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digests d;
	struct cl_err err = { 0 };
	int rc = digests_parse((const char *)data, size, "fuzz/digests", &d, &err);
	if (rc < 0) {
		if ((rc != -EINVAL && rc != -ENOMEM) || strncmp(err.msg, "fuzz/digests", 12) || d.text || d.v || d.n)
			abort();
		return 0;
	}
	char *again = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&again, &len);
	if (!f)
		abort();
	for (size_t i = 0; i < d.n; i++) {
		if (!sha256_hex_valid(d.v[i].sha256) || !d.v[i].name[0] || strchr(d.v[i].name, '/') ||
		    digests_find(&d, d.v[i].name) != &d.v[i])
			abort();
		fprintf(f, "%s  %s\n", d.v[i].sha256, d.v[i].name);
	}
	if (fclose(f) != 0 || len != size || (size && memcmp(again, data, size)))
		abort();
	free(again);
	digests_free(&d);
	return 0;
}
