#include "lines.h"

#include <errno.h>
#include <string.h>

#include "text.h"

int lines_init(struct lines *it, char *text, size_t len, const char *path, struct cl_err *err)
{
	const unsigned char *p = (const unsigned char *)text;
	int line = 1;
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		if (c == '\n') {
			line++;
			i++;
			continue;
		}
		if (c == '\0')
			return cl_err_msg(err, EINVAL, "%s:%d: a NUL byte: this is not a text file (every byte "
					  "after it would have been ignored)", path, line);
		if (c == '\r')
			return cl_err_msg(err, EINVAL, "%s:%d: a carriage return: write the file with Unix line "
					  "endings (LF only)", path, line);
		size_t l = utf8_char_len(p + i, len - i);
		if (!l)
			return cl_err_msg(err, EINVAL, "%s:%d: byte 0x%02x is not UTF-8", path, line, c);
		if ((l == 1 && c != '\t' && (c < 0x20 || c == 0x7f)) || (l == 2 && c == 0xc2 && p[i + 1] < 0xa0))
			return cl_err_msg(err, EINVAL, "%s:%d: a control character (U+%04X): only tabs and "
					  "printable text are allowed", path, line,
					  l == 1 ? c : (unsigned)p[i + 1]);
		i += l;
	}
	it->next = text;
	it->line = 0;
	return 0;
}

char *lines_next(struct lines *it)
{
	while (it->next && *it->next) {
		char *l = it->next;
		char *end = strchr(l, '\n');
		if (end)
			*end++ = '\0';
		it->next = end;
		it->line++;
		char *hash = strchr(l, '#');
		if (hash)
			*hash = '\0';
		while (*l == ' ' || *l == '\t')
			l++;
		size_t n = strlen(l);
		while (n > 0 && (l[n - 1] == ' ' || l[n - 1] == '\t'))
			l[--n] = '\0';
		if (*l)
			return l;
	}
	return NULL;
}
