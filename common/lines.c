#include "lines.h"

#include <ctype.h>
#include <string.h>

char *lines_next(struct lines *it)
{
	while (it->next) {
		char *l = it->next;
		char *end = strchr(l, '\n');
		if (end)
			*end++ = '\0';
		it->next = end;
		it->line++;
		char *hash = strchr(l, '#');
		if (hash)
			*hash = '\0';
		while (isspace((unsigned char)*l))
			l++;
		size_t n = strlen(l);
		while (n > 0 && isspace((unsigned char)l[n - 1]))
			l[--n] = '\0';
		if (*l)
			return l;
	}
	return NULL;
}
