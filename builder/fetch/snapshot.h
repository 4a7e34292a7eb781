/* Debian's snapshot service as the last resort: every version Debian ever
 * published, found by name and version through its machine-readable
 * interface (BASE/mr/binary/NAME/VERSION/binfiles,
 * BASE/mr/package/SRC/VERSION/srcfiles?fileinfo=1) and downloaded by
 * file hash (BASE/file/SHA1).  The service names files by SHA-1, which
 * cloister does not trust: every candidate is verified against the
 * pinned sha256 before it enters the cache, so nothing beyond name,
 * version and sha256 has to be recorded in a lock. */
#ifndef CLOISTER_SNAPSHOT_H
#define CLOISTER_SNAPSHOT_H

#include <stddef.h>

#include "fetch.h"

/* A binary package's .deb into the download cache.  -ENOENT when the
 * service has no file with that sha256 (or is off or unreachable: noted). */
int snapshot_fetch_binary(const struct fetch_opts *fo, const char *home, const char *name,
			  const char *version, const char *hex, unsigned long long size,
			  const char *what, struct cl_err *err);
/* One file of a source package into the download cache. */
int snapshot_fetch_source(const struct fetch_opts *fo, const char *home, const char *package,
			  const char *version, const char *file, const char *hex, const char *what,
			  struct cl_err *err);
/* Whether the service lists the package version at all (for preflight):
 * 0 yes, -ENOENT no, another negative errno when it cannot be asked. */
int snapshot_probe_binary(const struct fetch_opts *fo, const char *name, const char *version,
			  struct cl_err *err);
int snapshot_probe_source(const struct fetch_opts *fo, const char *package, const char *version,
			  struct cl_err *err);

/* The distinct 40-hex-digit values of "hash" keys in an answer of the
 * service, in order, at most max (for the unit tests too). */
size_t snapshot_scan_hashes(const char *json, char (*out)[41], size_t max);

#endif
