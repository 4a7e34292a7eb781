/* The recipe fields that bound what a build may publish: the host facts
 * it may embed by name (hostscan.h), and the size of its output. */
#include "recipe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../build/hostscan.h"

void recipe_limits_defaults(struct recipe *r)
{
	r->allow_host_facts = 0;
	r->max_output_bytes = RECIPE_MAX_OUTPUT_BYTES;
	r->max_output_files = RECIPE_MAX_OUTPUT_FILES;
}

/* "123", "4K", "2M", "3G", "1T" (powers of 1024) */
static int parse_size(const char *s, unsigned long long *out)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-')
		return -EINVAL;
	unsigned long long v = strtoull(s, &end, 10);
	int shift = 0;
	if (*end && !end[1])
		shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : *end == 'T' ? 40 : -1;
	else if (*end)
		shift = -1;
	if (errno || shift < 0 || v == 0 || v > (~0ULL >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

int recipe_parse_limit(struct recipe *r, const char *key, char *value, const char *where, int line,
		       struct cl_err *err)
{
	if (!strcmp(key, "allow-host-facts")) {
		for (char *save = NULL, *t = strtok_r(value, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
			unsigned bit = hostscan_kind_bit(t);
			if (!bit)
				return cl_err_msg(err, EINVAL, "%s:%d: allow-host-facts: unknown kind '%s' (kinds: "
						  "kernel-release, kernel-version, hostname, user, home, machine-id, "
						  "build-path, store-path, cloister-home, sandbox-path)", where, line, t);
			r->allow_host_facts |= bit;
		}
		return 0;
	}
	char *save = NULL, *size = strtok_r(value, " \t", &save), *files = strtok_r(NULL, " \t", &save);
	if (!size || parse_size(size, &r->max_output_bytes) < 0 ||
	    (files && parse_size(files, &r->max_output_files) < 0) || strtok_r(NULL, " \t", &save))
		return cl_err_msg(err, EINVAL, "%s:%d: max-output needs a size and optionally a number of "
				  "files, e.g. 'max-output: 8G 500000' (K, M, G, T: powers of 1024)", where, line);
	return 0;
}
