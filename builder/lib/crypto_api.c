#include "crypto_api.h"

#include "dynlib.h"

const struct crypto_api *crypto_api(struct cl_err *err)
{
	static struct crypto_api api;
	static struct dynlib_once once = DYNLIB_ONCE_INIT;
	static const char *const names[] = {
#define X(f) #f,
		CRYPTO_API_FUNCTIONS(X)
#undef X
	};

	if (dynlib_load_once(&once, "libcrypto.so.3", names, (void **)&api, sizeof names / sizeof *names, NULL, err) < 0)
		return NULL;
	return &api;
}

int crypto_err(const struct crypto_api *C, struct cl_err *err, int errnum, const char *what)
{
	unsigned long e = C->ERR_get_error();
	char reason[256];
	if (!e) {
		C->ERR_clear_error();
		return cl_err_msg(err, errnum, "%s", what);
	}
	C->ERR_error_string_n(e, reason, sizeof reason);
	C->ERR_clear_error();
	return cl_err_msg(err, errnum, "%s: %s", what, reason);
}
