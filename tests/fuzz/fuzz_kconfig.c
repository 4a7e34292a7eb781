/* libFuzzer: the package-configurations/NAME.mk Kconfig fragment parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/plan/kconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kconfig_fragment k;
	struct cl_err err = { 0 };
	if (kconfig_parse("fuzz.mk", (const char *)data, size, &k, &err) < 0) {
		if (k.n || k.v || strncmp(err.msg, "fuzz.mk:", 8))
			abort();
		return 0;
	}
	for (size_t i = 0; i < k.n; i++) {
		if (strncmp(k.v[i].symbol, "CONFIG_", 7) || strlen(k.v[i].symbol) < 8 ||
		    (k.v[i].value && (!k.v[i].value[0] || strchr(k.v[i].value, '\n'))))
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(k.v[i].symbol, k.v[j].symbol))
				abort();
	}
	kconfig_free(&k);
	return 0;
}
