/* The conditions build B varies from build A, each meant to catch one way
 * a build leaks its environment into its output.  docs/reproducibility.md
 * says what each catches. */
#ifndef CLOISTER_VARIATIONS_H
#define CLOISTER_VARIATIONS_H

#include <stddef.h>

enum variation {
	VARY_PATH = 1 << 0,       /* the build directory: /build vs /usr/src/cloister-b */
	VARY_UMASK = 1 << 1,      /* 022 vs 027: reaches outputs only through contents,
				     as the store's modes are canonical */
	VARY_TZ_LOCALE = 1 << 2,  /* TZ=UTC LC_ALL=C vs TZ=<+14> LC_ALL=C.UTF-8 */
	VARY_ENV = 1 << 3,        /* a variable added, one removed (reprotest's) */
	VARY_JOBS = 1 << 4,       /* JOBS=N on every CPU vs JOBS=1 on one CPU */
	VARY_UNAME = 1 << 5,      /* hostname and uname(2) */
	VARY_UID = 1 << 6,        /* uid/gid 1000 vs 2000 */
	VARY_ASLR = 1 << 7,       /* address randomization on vs off */
	VARY_FS = 1 << 8,         /* the build directory on the store's filesystem vs a
				     tmpfs: another directory order */
	VARY_ALL = (1 << 9) - 1,
};
#define N_VARIATIONS 9

/* What B's build path and hostname are: strings no build under A's
 * conditions writes, so finding one in B's output is a clue (culprit.c). */
#define VARIED_BUILD_PATH "/usr/src/cloister-b"
#define VARIED_HOSTNAME "cloister-b"

/* The name of variation bit i ("build path", "umask", ...). */
const char *variation_name(unsigned bit);

/* "build path, umask, ..." for the variations of mask, in their order;
 * "none" for 0. */
void variations_list(unsigned mask, char *out, size_t len);

/* Build B also runs later than A: the wall clock is the tenth variation;
 * it cannot be switched alone, so the culprit search isolates it by
 * comparison (docs/reproducibility.md). */

#endif
