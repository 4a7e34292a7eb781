/* libFuzzer: machines/NAME/qemu/qemu-command-line.config, split into
 * words without a shell, from len bytes that no NUL need follow: 0 with
 * the words (the list NULL-terminated for execvp), or -EINVAL with
 * "FILE:LINE: ...". */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/image/qemu_config.h"

static const struct qemu_var vars[] = { { "SETTINGS_PATH", "/m/settings" }, { "MACHINE", "tiny" } };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct words w = { 0 };
	struct cl_err err = { 0 };
	int rc = qemu_config_parse("fuzz.config", (const char *)data, size, vars, 2, &w, &err);
	if (rc < 0) {
		if ((rc != -EINVAL && rc != -ENOMEM) || strncmp(err.msg, "fuzz.config", 11))
			abort();
	} else if (w.n && (!w.v || w.v[w.n])) {
		abort();
	}
	words_free(&w);
	return 0;
}
