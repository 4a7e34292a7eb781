/* Where cloister keeps its state: $CLOISTER_HOME, by default
 * ${XDG_CACHE_HOME:-$HOME/.cache}/cloister, or --store DIR.
 *
 *   downloads/sha256/HEX   every download, by digest
 *   seeds/HASH/            unpacked seeds (tree/, manifest, packages)
 *   apt/                   the private apt state
 *   tmp/                   scratch, removed after use */
#ifndef CLOISTER_HOME_H
#define CLOISTER_HOME_H

#include <stddef.h>

#include "../../common/err.h"

int cloister_home(const char *override, char *out, size_t len, struct cl_err *err);

/* Finds a file of the repository (e.g. "rootfs-seed/seed.lock"): in the
 * working directory, else beside the cloister executable. */
int repo_file(const char *rel, char *out, size_t len, struct cl_err *err);

#endif
