/* Name/value pairs: the machine's settings (architecture.config,
 * networking.config) as the assembly receives them, for ${NAME}
 * references in /etc snippets.  The parser that fills them is the
 * settings code's; the assembly only reads them. */
#ifndef CLOISTER_KV_H
#define CLOISTER_KV_H

#include <stddef.h>
#include <string.h>

struct kv {
	const char *name;
	const char *value;
};

/* The value of name (the first n bytes of it), or NULL.  The last pair of
 * that name wins, as the last assignment in a file would. */
static inline const char *kv_get(const struct kv *kv, size_t n_kv, const char *name, size_t n)
{
	for (size_t i = n_kv; i-- > 0; )
		if (strlen(kv[i].name) == n && !memcmp(kv[i].name, name, n))
			return kv[i].value;
	return NULL;
}

#endif
