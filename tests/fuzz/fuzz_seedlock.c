/* libFuzzer: rootfs-seed/seed.lock's parser, from memory: 0 with pins
 * that are each what apt may be handed, or -EINVAL with "FILE:LINE: ..."
 * and nothing left to free. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/seed/seedlock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seed_lock lock;
	struct cl_err err = { 0 };
	int rc = seed_lock_parse((const char *)data, size, "fuzz.lock", &lock, &err);
	if (rc < 0) {
		if ((rc != -EINVAL && rc != -ENOMEM) || strncmp(err.msg, "fuzz.lock", 9) || lock.pkgs || lock.n)
			abort();
		return 0;
	}
	if (lock.n == 0)
		abort();
	for (size_t i = 0; i < lock.n; i++) {
		const struct seed_pkg *p = &lock.pkgs[i];
		if ((strcmp(p->set, "base") && strcmp(p->set, "kbuild")) || strlen(p->name) < 2 || p->name[0] == '-' ||
		    p->version[0] < '0' || p->version[0] > '9' || !sha256_hex_valid(p->sha256) || !p->size ||
		    !p->suite[0] || p->line < 1 || strpbrk(p->name, " \t=") || strpbrk(p->version, " \t"))
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->name, lock.pkgs[j].name) || p->line <= lock.pkgs[j].line)
				abort();
	}
	seed_lock_free(&lock);
	return 0;
}
