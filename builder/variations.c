#include "variations.h"

const char *variation_name(unsigned bit)
{
	switch (bit) {
	case VARY_PATH: return "build path";
	case VARY_UMASK: return "umask";
	case VARY_TZ_LOCALE: return "timezone and locale";
	case VARY_ENV_ORDER: return "environment order";
	case VARY_JOBS: return "job count and CPUs";
	case VARY_UNAME: return "hostname and uname";
	case VARY_UID: return "user id";
	case VARY_ASLR: return "address randomization";
	case VARY_FS: return "filesystem and directory order";
	default: return "?";
	}
}
