/* libFuzzer: the NAME='value' parser of architecture.config,
 * networking.config and package-configurations/NAME.config. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/plan/assign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct assignments a;
	struct cl_err err = { 0 };
	if (assignments_parse("fuzz.config", (const char *)data, size, &a, &err) < 0) {
		/* a refusal says where, and leaves nothing behind */
		if (a.n || a.kv || strncmp(err.msg, "fuzz.config:", 12))
			abort();
		return 0;
	}
	for (size_t i = 0; i < a.n; i++) {
		const char *name = a.kv[i].name, *value = a.kv[i].value;
		if (!assignment_name_valid(name, strlen(name)) || strchr(value, '\n') || assignments_get(&a, name) != value)
			abort();
	}
	assignments_free(&a);
	return 0;
}
