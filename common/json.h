/* Writing JSON by hand: the records (inputs.json, reproducibility.json)
 * are small and flat, and a string escaper is all they need. */
#ifndef CLOISTER_JSON_H
#define CLOISTER_JSON_H

#include <stdio.h>

/* s as a quoted JSON string. */
void json_str(FILE *f, const char *s);

/* A streaming writer for the --json documents of the commands: it keeps
 * the commas and the nesting, so a reporter writes fields in order.
 *   struct json_out j = { .f = stdout };
 *   json_begin(&j, '{'); json_field_str(&j, "hash", h); json_end(&j, '}'); */
#define JSON_MAX_DEPTH 16
struct json_out {
	FILE *f;
	int depth;
	int count[JSON_MAX_DEPTH];   /* values written at each level */
};
void json_begin(struct json_out *j, char open);   /* '{' or '[' */
void json_end(struct json_out *j, char close);    /* '}' or ']'; a newline at depth 0 */
/* The key of the next value inside an object. */
void json_key(struct json_out *j, const char *key);
void json_val_str(struct json_out *j, const char *s);   /* NULL: null */
void json_val_int(struct json_out *j, long long v);
void json_val_bool(struct json_out *j, int v);
/* a number with three decimals (seconds); not finite: null */
void json_val_num(struct json_out *j, double v);
/* key and value in one */
void json_field_str(struct json_out *j, const char *key, const char *s);
void json_field_int(struct json_out *j, const char *key, long long v);
void json_field_bool(struct json_out *j, const char *key, int v);
void json_field_num(struct json_out *j, const char *key, double v);

#endif
