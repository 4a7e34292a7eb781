/* libFuzzer: the manifest reader (store entries, seeds, recipe folders),
 * from memory.  It accepts exactly what tree_manifest() writes: what it
 * reads, written back line by line, is the input byte for byte; anything
 * else is -EINVAL with "FILE:LINE: ..." and nothing left to free. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/store/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest m;
	struct cl_err err = { 0 };
	int rc = manifest_parse((const char *)data, size, "fuzz/manifest", &m, &err);
	if (rc < 0) {
		if ((rc != -EINVAL && rc != -ENOMEM) || strncmp(err.msg, "fuzz/manifest", 13) || m.text || m.v || m.n)
			abort();
		return 0;
	}
	char *again = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&again, &len);
	if (!f)
		abort();
	for (size_t i = 0; i < m.n; i++) {
		const struct manifest_entry *e = &m.v[i];
		if (!strchr("dflh", e->type) || e->mode > 07777 || e->path[0] != '/' ||
		    (e->target == NULL) != (e->type == 'd' || e->type == 'f') || e->line != (int)i + 1)
			abort();
		manifest_entry_write(f, e);
	}
	if (fclose(f) != 0 || len != size || (size && memcmp(again, data, size)))
		abort();
	free(again);
	manifest_free(&m);
	return 0;
}
