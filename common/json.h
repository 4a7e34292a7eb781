/* Writing JSON by hand: the records (inputs.json, reproducibility.json)
 * are small and flat, and a string escaper is all they need. */
#ifndef CLOISTER_JSON_H
#define CLOISTER_JSON_H

#include <stdio.h>

/* s as a quoted JSON string. */
void json_str(FILE *f, const char *s);

#endif
