/* Text as cloister's formats and messages need it: UTF-8 checked byte by
 * byte, and bad input quoted so that it can be shown safely. */
#ifndef CLOISTER_TEXT_H
#define CLOISTER_TEXT_H

#include <stddef.h>

/* The length (1 to 4) of the well-formed UTF-8 character at s (n bytes
 * available), or 0 when it is not one: a stray continuation byte, an
 * overlong form, a surrogate, beyond U+10FFFF or cut short. */
size_t utf8_char_len(const unsigned char *s, size_t n);

/* Whether s is well-formed UTF-8 without control characters (C0, DEL,
 * C1): text a terminal shows as it is. */
int text_printable(const char *s);

/* s for a message: bytes that are not printable UTF-8 as \xHH, and a long
 * string shortened visibly to its head and tail with its length in bytes,
 * "a/a/a...a/link (3006 bytes)".  Returns out. */
#define QUOTE_MAX 256
const char *text_quote(char out[QUOTE_MAX], const char *s);

/* Appending to a fixed buffer as snprintf does: what fits is written and
 * terminated, and o counts the whole, so the caller can tell (o >= len)
 * that it was cut. */
struct bounded {
	char *out;
	size_t len, o;
};
void bounded_put(struct bounded *b, const char *s, size_t n);
void bounded_printf(struct bounded *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
