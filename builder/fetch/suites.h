/* Which suite a pinned version comes from, read from apt's own data: the
 * Release files of the private lists and `apt-cache madison`.  A suite is
 * frozen when its Release names a point release ("Version: 12.15"): the
 * archive's main suite of a release, which changes only at point
 * releases, and after the last one not at all, so its versions stay
 * fetchable for years.  Suites whose Release has no point-release version
 * (security and updates: "12", "12-updates") move every week and drop old
 * versions.  No suite or host name is written into cloister. */
#ifndef CLOISTER_SUITES_H
#define CLOISTER_SUITES_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "apt.h"

struct apt_offer {
	size_t pkg;            /* index into the names asked for */
	char version[128];
	char dist[128];        /* the suite as the sources name it */
	bool frozen;
};

struct apt_offers {
	struct apt_offer *v;   /* for each package, newest first (apt's order) */
	size_t n;
};

/* Whether a Release (or clear-signed InRelease) file's text names a point
 * release ("Version: 12.15"): a frozen suite. */
bool apt_release_frozen(const char *text);

/* Every version apt offers for names[0..n) (binary packages, or source
 * packages in a deb-src environment), with its suite. */
int apt_offers_get(struct apt_env *env, const char *const *names, size_t n, bool source,
		   struct apt_offers *out, struct cl_err *err);
void apt_offers_free(struct apt_offers *o);

/* The offer of pkg at version, or NULL. */
const struct apt_offer *apt_offer_find(const struct apt_offers *o, size_t pkg, const char *version);
/* The version a pin should take: the newest in a frozen suite when one
 * has the package, else the newest of all (a moving pin).  NULL when apt
 * offers nothing. */
const struct apt_offer *apt_offer_preferred(const struct apt_offers *o, size_t pkg);

#endif
