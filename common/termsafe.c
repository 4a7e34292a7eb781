/* See termsafe.h. */
#include "termsafe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fdio.h"

static size_t hex(unsigned char c, char *out)
{
	static const char digits[] = "0123456789abcdef";
	out[0] = '\\';
	out[1] = 'x';
	out[2] = digits[c >> 4];
	out[3] = digits[c & 15];
	return 4;
}

/* Length of a complete, valid, harmless UTF-8 sequence at p (of n bytes
 * available): 0 when it is invalid or to be escaped, -1 when it may be
 * valid but is cut short. */
static int utf8_len(const unsigned char *p, size_t n)
{
	int len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (len == 0 || p[0] > 0xf4)
		return 0;
	uint32_t cp = p[0] & (0x7f >> len);
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp <= 0x9f)                                   /* C1 controls */
		return 0;
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;                                 /* bidi overrides */
	return len;
}

static size_t escape(const struct termsafe *st, const unsigned char *p, size_t n, char *out,
		     bool last, size_t *used)
{
	size_t o = 0, i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if ((c >= 0x20 && c < 0x7f) || (!st->name && (c == '\n' || c == '\t'))) {
			out[o++] = (char)c;
			i++;
			continue;
		}
		if (c >= 0x80) {
			int len = utf8_len(p + i, n - i);
			if (len < 0 && !last)
				break;                    /* wait for the rest */
			if (len > 0) {
				memcpy(out + o, p + i, (size_t)len);
				o += (size_t)len;
				i += (size_t)len;
				continue;
			}
		}
		o += hex(c, out + o);
		i++;
	}
	*used = i;
	return o;
}

size_t termsafe_chunk(struct termsafe *st, const char *in, size_t n, char *out, bool last)
{
	size_t o = 0, used;
	const unsigned char *p = (const unsigned char *)in;
	if (st->n_pend > 0) {
		/* the pending bytes are the start of a sequence: a lead byte and
		 * continuation bytes */
		unsigned char tmp[8];
		size_t k = st->n_pend, take = n < 4 - k ? n : 4 - k;
		memcpy(tmp, st->pend, k);
		memcpy(tmp + k, p, take);
		int len = utf8_len(tmp, k + take);
		if (len < 0 && !last) {           /* still cut short: take == n */
			memcpy(st->pend + k, p, take);
			st->n_pend += take;
			return 0;
		}
		if (len > 0) {
			memcpy(out, tmp, (size_t)len);
			o = (size_t)len;
			p += (size_t)len - k;
			n -= (size_t)len - k;
		} else {
			for (size_t i = 0; i < k; i++)
				o += hex(st->pend[i], out + o);
		}
		st->n_pend = 0;
	}
	o += escape(st, p, n, out + o, last, &used);
	st->n_pend = n - used;
	memcpy(st->pend, p + used, st->n_pend);
	return o;
}

const char *termsafe_str(const char *s, char *buf, size_t len)
{
	struct termsafe st = { .name = true };
	char tmp[termsafe_room(256)];
	size_t o = 0, n = strlen(s);
	if (len == 0)
		return buf;
	while (n > 0 && o + 1 < len) {
		size_t take = n < 256 ? n : 256;
		size_t w = termsafe_chunk(&st, s, take, tmp, take == n);
		size_t fit = w < len - 1 - o ? w : len - 1 - o;
		memcpy(buf + o, tmp, fit);
		o += fit;
		s += take;
		n -= take;
	}
	buf[o] = '\0';
	return buf;
}

void termsafe_write(struct termsafe *st, int fd, const char *in, size_t n, bool last)
{
	char out[termsafe_room(4096)];
	do {
		size_t take = n < 4096 ? n : 4096;
		size_t w = termsafe_chunk(st, in, take, out, last && take == n);
		(void)write_all(fd, out, w);
		in += take;
		n -= take;
	} while (n > 0);
}
