/* libFuzzer: combine.d lines, ${NAME} substitution and the passwd,
 * shadow, group and default combiners, from memory.  The first byte picks
 * which; snippets are separated by NUL bytes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/image/combine.h"

static const struct kv kv[] = { { "machine_hostname", "tiny" }, { "machine_domain", "example.test" } };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	struct cl_err err = { 0 };
	char *out = NULL;
	size_t olen = 0;
	int rc;
	switch (data[0] % 6) {
	case 0: {
		struct combine_rule *rules = NULL;
		size_t n = 0;
		rc = combine_parse(text, len, "fuzz", &rules, &n, &err);
		for (size_t i = 0; rc == 0 && i < n; i++)
			if (!rules[i].type || rules[i].mode > 07777)
				abort();
		free(rules);
		break;
	}
	case 1:
		rc = combine_substitute(text, len, kv, 2, "fuzz", &out, &olen, &err);
		if (rc == 0 && strlen(out) > olen)
			abort();
		break;
	default: {
		static combine_fn *const fns[] = { combine_passwd, combine_shadow, combine_group, combine_default };
		struct snippet s[16];
		size_t n = 0;
		for (size_t i = 0; i <= len && n < 16; ) {
			const char *nul = memchr(text + i, '\0', len - i);
			size_t l = nul ? (size_t)(nul - (text + i)) : len - i;
			s[n++] = (struct snippet){ "fuzz", text + i, l };
			i += l + 1;
		}
		rc = fns[data[0] % 6 - 2](s, n, &out, &olen, &err);
		if (rc == 1 && olen && out[olen - 1] != '\n')
			abort();
		break;
	}
	}
	if (rc < 0 && rc != -EINVAL && rc != -ENOMEM)
		abort();
	free(out);
	return 0;
}
