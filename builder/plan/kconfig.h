/* package-configurations/NAME.mk: a Kconfig fragment (busybox, the
 * kernel), the lines a .config is made of:
 *
 *   CONFIG_FOO=y            (y, n, m, a number, 0x hex, or a "string")
 *   # CONFIG_BAR is not set
 *   # any other comment, and blank lines
 *
 * The recipe merges it over its base configuration; cloister checks its
 * syntax so a typo fails with FILE:LINE before any build. */
#ifndef CLOISTER_PLAN_KCONFIG_H
#define CLOISTER_PLAN_KCONFIG_H

#include <stddef.h>

#include "../../common/err.h"

struct kconfig_setting {
	char *symbol;  /* CONFIG_FOO */
	char *value;   /* as written ("y", "\"text\""); NULL for "is not set" */
	int line;
};

struct kconfig_fragment {
	struct kconfig_setting *v;  /* in the order of the file */
	size_t n;
};

/* Parses text (len bytes) as file; a symbol set twice is an error.
 * Every error is "FILE:LINE: ..." and -EINVAL.  On failure k is empty. */
int kconfig_parse(const char *file, const char *text, size_t len, struct kconfig_fragment *k,
		  struct cl_err *err);
void kconfig_free(struct kconfig_fragment *k);

#endif
