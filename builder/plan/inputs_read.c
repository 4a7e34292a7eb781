/* Reading an entry's inputs.json back: the fields a later stage needs
 * (the kernel link: which recipe and version the compiled kernel is). */
#define _GNU_SOURCE
#include "inputs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../../common/text.h"

/* The string value of a top-level line, without escapes (names, versions
 * and digests never need one), into out. */
static int string_value(const char *v, const char *end, char *out, size_t size)
{
	if (end > v && end[-1] == ',')
		end--;
	if (end - v < 2 || v[0] != '"' || end[-1] != '"')
		return -1;
	size_t n = (size_t)(end - v - 2);
	if (n >= size)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[1 + i] < 0x20 || v[1 + i] == '"' || v[1 + i] == '\\')
			return -1;
	memcpy(out, v + 1, n);
	out[n] = '\0';
	return 0;
}

int inputs_json_parse(const char *data, size_t len, const char *where, struct inputs_record *rec,
		      struct cl_err *err)
{
	static const char *const keys[] = { "recipe", "version", "input_hash" };
	char *fields[] = { rec->recipe, rec->version, rec->input_hash };
	const size_t sizes[] = { sizeof rec->recipe, sizeof rec->version, sizeof rec->input_hash };
	bool seen[3] = { false, false, false };
	memset(rec, 0, sizeof *rec);
	if (len < 4 || memcmp(data, "{\n", 2) != 0 || memcmp(data + len - 3, "\n}\n", 3) != 0 ||
	    memchr(data, '\0', len))
		return cl_err_msg(err, EINVAL, "%s: not an inputs.json cloister wrote (a '{' line first, a '}' line "
				  "last); the store entry is damaged, `cloister verify` names it", where);
	const char *end = data + len - 2;   /* the closing '}' */
	for (const char *l = data + 2; l < end; ) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		const char *e = nl ? nl : end;
		/* a top-level field: two spaces, "key": value */
		if (e - l > 3 && !memcmp(l, "  \"", 3)) {
			const char *k = l + 3, *q = memchr(k, '"', (size_t)(e - k));
			for (size_t i = 0; q && i < sizeof keys / sizeof *keys; i++) {
				if ((size_t)(q - k) != strlen(keys[i]) || memcmp(k, keys[i], (size_t)(q - k)) != 0)
					continue;
				if (seen[i])
					return cl_err_msg(err, EINVAL, "%s: \"%s\" given twice", where, keys[i]);
				seen[i] = true;
				if (e - q < 3 || memcmp(q, "\": ", 3) != 0 || string_value(q + 3, e, fields[i], sizes[i]) < 0)
					return cl_err_msg(err, EINVAL, "%s: \"%s\" is not a string of at most %zu "
							  "bytes without escapes", where, keys[i], sizes[i] - 1);
			}
		}
		l = e + 1;
	}
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (!seen[i])
			return cl_err_msg(err, EINVAL, "%s: no \"%s\" field; the store entry is damaged", where, keys[i]);
	char q[QUOTE_MAX];
	if (!recipe_name_valid(rec->recipe))
		return cl_err_msg(err, EINVAL, "%s: '%s' is not a recipe name", where, text_quote(q, rec->recipe));
	if (!recipe_version_valid(rec->version))
		return cl_err_msg(err, EINVAL, "%s: '%s' is not a recipe version", where, text_quote(q, rec->version));
	if (!sha256_hex_valid(rec->input_hash))
		return cl_err_msg(err, EINVAL, "%s: '%s' is not an input hash (64 lowercase hex digits)", where,
				  text_quote(q, rec->input_hash));
	return 0;
}

int inputs_json_read(const char *path, struct inputs_record *rec, struct cl_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	memset(rec, 0, sizeof *rec);
	TRY(read_file(path, &text, &len, err));
	return inputs_json_parse(text, len, path, rec, err);
}
