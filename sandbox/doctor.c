/* What isolation this host gives this user, probed the way the sandbox
 * will use it (`cloister doctor`): each probe runs in a child process, so
 * nothing here changes the caller. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/fdio.h"

/* Runs fn in a forked child; returns 0 or the positive errno it exited with. */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(fn(arg));
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
}

static int enter_userns(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return errno;
	struct cl_err err;
	int r = sandbox_write_idmaps(0, uid == 0 ? 0 : 1000, uid, uid == 0 ? 0 : 1000, gid, &err);
	return r < 0 ? -r : 0;
}

static int userns_child(void *arg)
{
	(void)arg;
	return enter_userns();
}

static int overlay_child(void *arg)
{
	const char *dir = arg;
	int r = enter_userns();
	if (r)
		return r;
	char lower[600];
	snprintf(lower, sizeof lower, "%s/l1:%s/l2", dir, dir);
	const char *const opts[] = { "lowerdir", lower, NULL };
	struct cl_err err;
	int m = new_fs("overlay", opts, MOUNT_ATTR_RDONLY, &err);
	return m < 0 ? -m : 0;
}

int sandbox_doctor_userns(char *why, size_t len)
{
	int e = in_child(userns_child, NULL);
	if (e && !sandbox_userns_diagnosis(why, len))
		snprintf(why, len, "creating a user namespace failed: %s", strerror(e));
	return e;
}

int sandbox_doctor_overlay(char *why, size_t len)
{
	char dir[] = "/tmp/cloister-doctor.XXXXXX", l1[64], l2[64];
	if (!mkdtemp(dir)) {
		snprintf(why, len, "mkdtemp: %s", strerror(errno));
		return errno;
	}
	snprintf(l1, sizeof l1, "%s/l1", dir);
	snprintf(l2, sizeof l2, "%s/l2", dir);
	mkdir(l1, 0755);
	mkdir(l2, 0755);
	int e = in_child(overlay_child, dir);
	rmdir(l1);
	rmdir(l2);
	rmdir(dir);
	if (e)
		snprintf(why, len, "a read-only overlayfs cannot be mounted in a user namespace (%s): it needs "
			 "Linux 5.11 or later (Debian 12 ships 6.1)", strerror(e));
	return e;
}

int sandbox_doctor_seccomp_notify(char *why, size_t len)
{
	struct seccomp_notif_sizes sizes;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) {
		snprintf(why, len, "seccomp user notification is unavailable (%s): it needs Linux 5.5 or later "
			 "with CONFIG_SECCOMP_FILTER", strerror(errno));
		return errno;
	}
	return 0;
}
