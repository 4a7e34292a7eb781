/* `cloister fetch --export DIR`: every input of a closure, copied from the
 * download cache into DIR in the mirror layout (DIR/sha256/HEX), with
 * DIR/index naming each file, so `--mirror file://DIR --offline` builds
 * the same store entries on a machine without network. */
#ifndef CLOISTER_EXPORT_H
#define CLOISTER_EXPORT_H

#include "closure.h"

/* Every input must already be in home's download cache.  Files already
 * in DIR are verified and kept; the index is rewritten atomically and
 * lists the union of what DIR held and what was added. */
int export_inputs(const char *home, const struct closure_inputs *in, const char *dir, struct cl_err *err);

#endif
