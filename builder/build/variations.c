#include "variations.h"

#include <stdio.h>

const char *variation_name(unsigned bit)
{
	switch (bit) {
	case VARY_PATH: return "build path";
	case VARY_UMASK: return "umask";
	case VARY_TZ_LOCALE: return "timezone and locale";
	case VARY_ENV: return "environment";
	case VARY_JOBS: return "job count and CPUs";
	case VARY_UNAME: return "hostname and uname";
	case VARY_UID: return "user id";
	case VARY_ASLR: return "address randomization";
	case VARY_FS: return "filesystem and directory order";
	default: return "?";
	}
}

void variations_list(unsigned mask, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < N_VARIATIONS && o < len; i++)
		if (mask & (1u << i))
			o += (size_t)snprintf(out + o, len - o, "%s%s", o ? ", " : "", variation_name(1u << i));
	if (!o)
		snprintf(out, len, "none");
}
