/* The one-id map: the caller's own uid and gid, and nothing else.
 *
 * Mapping a single id needs no privilege and no setuid newuidmap helper;
 * it requires setgroups(2) to be denied first, which also removes the
 * ability to drop supplementary groups used as negative permissions. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include "../common/fdio.h"

int sandbox_write_idmaps(uid_t inner_uid, uid_t outer_uid, gid_t inner_gid,
			 gid_t outer_gid, struct cl_err *err)
{
	char line[64];
	int r;

	r = write_file_at(AT_FDCWD, "/proc/self/setgroups", "deny", 0);
	if (r < 0 && r != -ENOENT)
		return cl_err_set(err, -r, "writing /proc/self/setgroups");
	snprintf(line, sizeof line, "%u %u 1\n", (unsigned)inner_uid, (unsigned)outer_uid);
	r = write_file_at(AT_FDCWD, "/proc/self/uid_map", line, 0);
	if (r < 0)
		return cl_err_set(err, -r, "writing /proc/self/uid_map (%u -> %u)",
				  (unsigned)inner_uid, (unsigned)outer_uid);
	snprintf(line, sizeof line, "%u %u 1\n", (unsigned)inner_gid, (unsigned)outer_gid);
	r = write_file_at(AT_FDCWD, "/proc/self/gid_map", line, 0);
	if (r < 0)
		return cl_err_set(err, -r, "writing /proc/self/gid_map (%u -> %u)",
				  (unsigned)inner_gid, (unsigned)outer_gid);
	return 0;
}
