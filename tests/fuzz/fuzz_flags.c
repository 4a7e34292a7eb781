/* libFuzzer: the settings/compiler-flags/NAME.compiler-flags parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/plan/flags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flag_list f;
	struct cl_err err = { 0 };
	if (flags_parse("fuzz.compiler-flags", (const char *)data, size, &f, &err) < 0) {
		if (f.n || f.v || strncmp(err.msg, "fuzz.compiler-flags:", 20))
			abort();
		return 0;
	}
	/* what reaches CFLAGS splits back into the same flags */
	size_t total = 0;
	for (size_t i = 0; i < f.n; i++) {
		if (f.v[i][0] != '-' || strpbrk(f.v[i], " \t\n'\"\\$`"))
			abort();
		total += strlen(f.v[i]) + 1;
	}
	char *joined = flags_join(&f);
	if (!joined || (f.n && strlen(joined) + 1 != total))
		abort();
	free(joined);
	flags_free(&f);
	return 0;
}
