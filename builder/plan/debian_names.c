#include "debian_names.h"

#include <ctype.h>
#include <string.h>

int debian_package_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 127 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || strchr("+-.", *s)))
			return 0;
	return 1;
}

int debian_version_valid(const char *s)
{
	if (!isdigit((unsigned char)s[0]) || strlen(s) > 127)
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr(".+~-:", *s)))
			return 0;
	return 1;
}
