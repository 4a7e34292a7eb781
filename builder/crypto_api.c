#include "crypto_api.h"

#include "dynlib.h"

const struct crypto_api *crypto_api(struct cl_err *err)
{
	static struct crypto_api api;
	static int loaded;
	static const char *const names[] = {
#define X(f) #f,
		CRYPTO_API_FUNCTIONS(X)
#undef X
	};

	if (!loaded) {
		if (dynlib_load("libcrypto.so.3", names, (void **)&api,
				sizeof names / sizeof *names, err) < 0)
			return NULL;
		loaded = 1;
	}
	return &api;
}
