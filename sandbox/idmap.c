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
#include <string.h>
#include <unistd.h>

#include "../common/fdio.h"

/* Whether id lies in one of the extents of a uid_map or gid_map, and
 * (for what) whether 0 maps to the host's 0. */
static bool map_has(const char *file, unsigned long id, bool *zero_is_root)
{
	char buf[4096];
	bool found = false;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *l = buf, *next; l && *l; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		unsigned long in, out, count;
		if (sscanf(l, "%lu %lu %lu", &in, &out, &count) != 3)
			continue;
		if (id >= in && id - in < count)
			found = true;
		if (zero_is_root && in == 0 && out == 0)
			*zero_is_root = true;
	}
	return found;
}

int sandbox_host_ids(const struct sandbox_config *cfg, uid_t *uid, gid_t *gid, struct cl_err *err)
{
	*uid = geteuid();
	*gid = getegid();
	if (*uid != 0 || cfg->as_root)
		return 0;
	/* Root of a user namespace whose 0 is some user outside (unshare
	 * -Ur) holds nothing of the host's root: it maps to itself. */
	bool real_root = false;
	bool uid_ok = map_has("/proc/self/uid_map", SANDBOX_BUILD_UID, &real_root);
	if (!real_root)
		return 0;
	if (!uid_ok || !map_has("/proc/self/gid_map", SANDBOX_BUILD_GID, NULL))
		return cl_err_msg(err, EPERM, "cloister runs as root, but the build id %u is not mapped in this "
				  "user namespace, and a sandbox never runs as the host's root; map it, or "
				  "give --as-root to cloister run", (unsigned)SANDBOX_BUILD_UID);
	*uid = SANDBOX_BUILD_UID;
	*gid = SANDBOX_BUILD_GID;
	return 0;
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
