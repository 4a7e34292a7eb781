/* libFuzzer: a machine's settings/packages.list, from memory: 0 with one
 * or more recipe names, each once, or -EINVAL with "FILE:LINE: ..." and
 * nothing left to free. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/plan/machine.h"
#include "../../builder/plan/recipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct machine m;   /* PATH_MAX-sized fields: not on the stack */
	struct cl_err err = { 0 };
	memset(&m, 0, sizeof m);
	snprintf(m.packages_list, sizeof m.packages_list, "fuzz/packages.list");
	int rc = machine_packages_parse(&m, (const char *)data, size, &err);
	if (rc < 0) {
		if ((rc != -EINVAL && rc != -ENOMEM) || strncmp(err.msg, "fuzz/packages.list", 18) || m.packages ||
		    m.n_packages)
			abort();
		return 0;
	}
	if (m.n_packages == 0)
		abort();
	for (size_t i = 0; i < m.n_packages; i++) {
		if (!recipe_name_valid(m.packages[i].name) || (i && m.packages[i].line <= m.packages[i - 1].line))
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(m.packages[i].name, m.packages[j].name))
				abort();
	}
	machine_free(&m);
	return 0;
}
