#include "json.h"

#include <math.h>

/* The length of the valid UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 :
		(s[0] & 0xf8) == 0xf0 ? 4 : 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong forms and surrogates are not text either */
	if ((n == 2 && s[0] < 0xc2) || (n == 3 && s[0] == 0xe0 && s[1] < 0xa0) ||
	    (n == 3 && s[0] == 0xed && s[1] >= 0xa0) || (n == 4 && s[0] == 0xf0 && s[1] < 0x90) ||
	    (n == 4 && s[0] > 0xf4) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned char c = *p;
		int n = utf8_len(p);
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else if (n == 0) {
			/* a byte that is not UTF-8 would make the document invalid:
			 * it is written as the code point of the same number */
			fprintf(f, "\\u%04x", c);
			p++;
			continue;
		} else {
			fwrite(p, 1, (size_t)n, f);
			p += n;
			continue;
		}
		p++;
	}
	fputc('"', f);
}

/* A comma before every value but the first of its level; a key has
 * already written the comma for the value that follows it. */
static void sep(struct json_out *j)
{
	if (j->depth == 0)
		return;
	int *c = &j->count[j->depth - 1];
	if (*c < 0) {
		*c = 1;   /* the value of a key: its comma came before the key */
		return;
	}
	if ((*c)++ > 0)
		fputc(',', j->f);
}

void json_begin(struct json_out *j, char open)
{
	sep(j);
	fputc(open, j->f);
	if (j->depth < JSON_MAX_DEPTH)
		j->count[j->depth] = 0;
	j->depth++;
}

void json_end(struct json_out *j, char close)
{
	j->depth--;
	fputc(close, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_key(struct json_out *j, const char *key)
{
	sep(j);
	json_str(j->f, key);
	fputc(':', j->f);
	j->count[j->depth - 1] = -1;
}

void json_val_str(struct json_out *j, const char *s)
{
	sep(j);
	if (s)
		json_str(j->f, s);
	else
		fputs("null", j->f);
}

void json_val_int(struct json_out *j, long long v)
{
	sep(j);
	fprintf(j->f, "%lld", v);
}

void json_val_bool(struct json_out *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void json_val_num(struct json_out *j, double v)
{
	sep(j);
	if (isfinite(v))
		fprintf(j->f, "%.3f", v);
	else
		fputs("null", j->f);
}

void json_field_str(struct json_out *j, const char *key, const char *s)
{
	json_key(j, key);
	json_val_str(j, s);
}

void json_field_int(struct json_out *j, const char *key, long long v)
{
	json_key(j, key);
	json_val_int(j, v);
}

void json_field_bool(struct json_out *j, const char *key, int v)
{
	json_key(j, key);
	json_val_bool(j, v);
}

void json_field_num(struct json_out *j, const char *key, double v)
{
	json_key(j, key);
	json_val_num(j, v);
}
