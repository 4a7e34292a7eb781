/* The one-id map: one uid and one gid inside, and nothing else.
 *
 * For an ordinary user they map to the caller's own ids: mapping a single
 * id onto oneself needs no privilege and no setuid newuidmap helper, and
 * the child writes its own map; it requires setgroups(2) to be denied
 * first, which also removes the ability to drop supplementary groups used
 * as negative permissions.
 *
 * For root they map to the dedicated build ids (SANDBOX_BUILD_UID), never
 * to root: a process whose host uid is 0 keeps what no capability set
 * takes away (the owner's rights over every root-owned file, including
 * the global sysctls in /proc/sys and the host's device nodes).  Only a
 * process privileged in the parent namespace may map another id, so the
 * supervisor writes that map, and the child then takes the ids with
 * setresuid once the host-side sources are open (sandbox_become_ids). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <unistd.h>

#include "../common/fdio.h"

void sandbox_host_ids(const struct sandbox_config *cfg, uid_t *uid, gid_t *gid)
{
	*uid = geteuid();
	*gid = getegid();
	if (*uid == 0 && !cfg->as_root) {
		*uid = SANDBOX_BUILD_UID;
		*gid = SANDBOX_BUILD_GID;
	}
}

int sandbox_write_idmaps(pid_t pid, uid_t inner_uid, uid_t outer_uid, gid_t inner_gid,
			 gid_t outer_gid, struct cl_err *err)
{
	char line[64], dir[32], path[64];
	int r;

	if (pid)
		snprintf(dir, sizeof dir, "/proc/%d", (int)pid);
	else
		snprintf(dir, sizeof dir, "/proc/self");
	/* Written by the privileged parent, setgroups stays allowed until the
	 * child has cleared root's supplementary groups; the child's
	 * capabilities are gone before the command runs, so the command can
	 * never call it. */
	if (!pid) {
		r = write_file_at(AT_FDCWD, "/proc/self/setgroups", "deny", 0);
		if (r < 0 && r != -ENOENT)
			return cl_err_set(err, -r, "writing /proc/self/setgroups");
	}
	snprintf(path, sizeof path, "%s/uid_map", dir);
	snprintf(line, sizeof line, "%u %u 1\n", (unsigned)inner_uid, (unsigned)outer_uid);
	r = write_file_at(AT_FDCWD, path, line, 0);
	if (r < 0)
		return cl_err_set(err, -r, "writing %s (%u -> %u)", path, (unsigned)inner_uid,
				  (unsigned)outer_uid);
	snprintf(path, sizeof path, "%s/gid_map", dir);
	snprintf(line, sizeof line, "%u %u 1\n", (unsigned)inner_gid, (unsigned)outer_gid);
	r = write_file_at(AT_FDCWD, path, line, 0);
	if (r < 0)
		return cl_err_set(err, -r, "writing %s (%u -> %u)", path, (unsigned)inner_gid,
				  (unsigned)outer_gid);
	return 0;
}

int sandbox_become_ids(const struct sandbox_config *cfg, struct cl_err *err)
{
	/* Until here the child's host uid was root's, which it needed only to
	 * open root's 0700 folders (a seed under /root/.cache): the layers
	 * and bind sources are open, and overlayfs reads its layers through
	 * those descriptors. */
	/* Raw system calls: the child was cloned by a raw clone3, and when the
	 * caller has threads (the build driver's log writer) glibc would
	 * still try to change every thread's ids it remembers, waiting
	 * forever for threads this process does not have. */
	if (syscall(SYS_setgroups, 0, NULL) < 0)
		return cl_err_set(err, errno, "clearing the supplementary groups");
	if (syscall(SYS_setresgid, cfg->gid, cfg->gid, cfg->gid) < 0)
		return cl_err_set(err, errno, "setresgid(%u)", (unsigned)cfg->gid);
	if (syscall(SYS_setresuid, cfg->uid, cfg->uid, cfg->uid) < 0)
		return cl_err_set(err, errno, "setresuid(%u)", (unsigned)cfg->uid);
	return 0;
}
