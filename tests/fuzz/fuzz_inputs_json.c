/* libFuzzer: the reader of an entry's inputs.json, from memory: 0 with a
 * recipe name, version and input hash each as valid as the writer makes
 * them, or -EINVAL with "FILE: ...". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/plan/inputs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inputs_record rec;
	struct cl_err err = { 0 };
	int rc = inputs_json_parse((const char *)data, size, "fuzz/inputs.json", &rec, &err);
	if (rc < 0) {
		if (rc != -EINVAL || strncmp(err.msg, "fuzz/inputs.json", 16))
			abort();
		return 0;
	}
	if (!recipe_name_valid(rec.recipe) || !recipe_version_valid(rec.version) || !sha256_hex_valid(rec.input_hash))
		abort();
	/* each value is the one on its own top-level line */
	char line[300];
	size_t n = (size_t)snprintf(line, sizeof line, "\n  \"recipe\": \"%s\"", rec.recipe);
	if (!memmem(data, size, line, n))
		abort();
	return 0;
}
