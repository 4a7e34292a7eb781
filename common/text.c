#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

size_t utf8_char_len(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned c = s[0];
	size_t len;
	unsigned min, cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* The length of the printable character at s, or 0. */
static size_t printable_len(const unsigned char *s, size_t n)
{
	size_t l = utf8_char_len(s, n);
	if (l == 1 && (s[0] < 0x20 || s[0] == 0x7f))
		return 0;
	if (l == 2 && s[0] == 0xc2 && s[1] < 0xa0)
		return 0; /* C1 controls, U+0080 to U+009F */
	return l;
}

int text_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	while (n > 0) {
		size_t l = printable_len(p, n);
		if (!l)
			return 0;
		p += l;
		n -= l;
	}
	return 1;
}

/* Escapes s[0..n) into out (room bytes with the NUL); returns the bytes
 * written.  Stops before a character that does not fit whole. */
static size_t escape(char *out, size_t room, const unsigned char *s, size_t n)
{
	size_t o = 0;
	while (n > 0) {
		size_t l = printable_len(s, n);
		size_t need = l ? l : 4;
		if (o + need + 1 > room)
			break;
		if (l)
			memcpy(out + o, s, l);
		else
			snprintf(out + o, 5, "\\x%02x", s[0]);
		o += need;
		s += l ? l : 1;
		n -= l ? l : 1;
	}
	out[o] = '\0';
	return o;
}

static size_t escaped_len(const unsigned char *s, size_t n)
{
	size_t o = 0;
	while (n > 0) {
		size_t l = printable_len(s, n);
		o += l ? l : 4;
		s += l ? l : 1;
		n -= l ? l : 1;
	}
	return o;
}

const char *text_quote(char out[QUOTE_MAX], const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	if (escaped_len(p, n) < QUOTE_MAX) {
		escape(out, QUOTE_MAX, p, n);
		return out;
	}
	/* head...tail (N bytes): the tail's 20 bytes escape to 80 at most,
	 * and start on a character */
	char len[32];
	int ll = snprintf(len, sizeof len, " (%zu bytes)", n);
	size_t head = escape(out, 150, p, n);
	memcpy(out + head, "...", 3);
	size_t from = n - 20;
	while (from < n && (p[from] & 0xc0) == 0x80)
		from++;
	size_t tail = escape(out + head + 3, QUOTE_MAX - head - 3 - (size_t)ll, p + from, n - from);
	memcpy(out + head + 3 + tail, len, (size_t)ll + 1);
	return out;
}

void bounded_put(struct bounded *b, const char *s, size_t n)
{
	if (b->o + 1 < b->len) {
		size_t room = b->len - 1 - b->o;
		memcpy(b->out + b->o, s, n < room ? n : room);
	}
	b->o += n;
	if (b->len)
		b->out[b->o < b->len ? b->o : b->len - 1] = '\0';
}

void bounded_printf(struct bounded *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = b->o < b->len ? b->len - b->o : 0;
	int n = vsnprintf(room ? b->out + b->o : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->o += (size_t)n;
}
