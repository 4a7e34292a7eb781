/* The host-facts scan of a build's output (hostscan.c).
 *
 * A and B run on the same host: whatever a build learns of that host and
 * writes into its output is the same in both, passes the comparison, and
 * would only differ on another machine.  So every output file (contents,
 * and symlink targets) is searched, in one pass with all needles at once
 * (Aho-Corasick), for the host's facts; and for references into the
 * sandbox's own /build and /out, which mean nothing once published
 * (bzip2's `bzcmp -> /out/usr/bin/bzdiff`).  A hit stops publishing,
 * unless the recipe allows that kind by name (`allow-host-facts:`). */
#ifndef CLOISTER_HOSTSCAN_H
#define CLOISTER_HOSTSCAN_H

#include <stddef.h>
#include <stdio.h>

#include "../../common/err.h"

/* The kinds, as recipes name them; HOSTSCAN_KIND_NAMES lists them in order. */
enum hostscan_kind {
	HS_KERNEL_RELEASE, HS_KERNEL_VERSION, HS_HOSTNAME, HS_USER, HS_HOME, HS_MACHINE_ID,
	HS_BUILD_PATH, HS_STORE_PATH, HS_CLOISTER_HOME, HS_SANDBOX_PATH, HS_N_KINDS
};
#define HOSTSCAN_KIND_NAMES { "kernel-release", "kernel-version", "hostname", "user", "home", \
			      "machine-id", "build-path", "store-path", "cloister-home", "sandbox-path" }
/* The kind's bit for name, or 0 when there is none. */
unsigned hostscan_kind_bit(const char *name);
const char *hostscan_kind_name(enum hostscan_kind k);

struct hostscan;

/* The needles of this host: uname(2), the hostname, the user's name and
 * home, /etc/machine-id, and the paths given (the stage, the store, the
 * cloister home; NULL for none).  Needles that would match ordinary text
 * are left out (docs/reproducibility.md says which). */
int hostscan_new(struct hostscan **out, const char *stage, const char *store, const char *home,
		 struct cl_err *err);
void hostscan_free(struct hostscan *hs);

/* Scans one entry of a walk (the output pass calls it for each): a
 * symlink's target, or a regular file's contents (data: the file mapped
 * by the caller, or NULL to map it here).  A hit of a kind not in allowed
 * (a bit set) is written to report as "PATH embeds the host's WHAT VALUE
 * at offset N ..."; returns 1 then, 0 when clean, or a negative errno. */
struct walk_entry;
int hostscan_entry(const struct hostscan *hs, const struct walk_entry *e, const void *data, unsigned allowed,
		   FILE *report, struct cl_err *err);

#endif
