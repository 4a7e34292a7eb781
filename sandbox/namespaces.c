/* Creating the namespaces, and saying why when the host forbids it. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"

pid_t sandbox_clone(int *pidfd, int cgroup_fd, struct cl_err *err)
{
	/* clone3 with CLONE_PIDFD: every namespace in one step, and a pidfd
	 * that cannot be confused with a recycled pid.  Without a stack it
	 * behaves like fork(). */
	struct clone_args args = {
		.flags = SANDBOX_CLONE_FLAGS | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid < 0)
		return cl_err_set(err, errno, "creating the namespaces (clone3)");
	return (pid_t)pid;
}

int sandbox_die_with_parent(int chan, struct cl_err *err)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return cl_err_set(err, errno, "prctl(PR_SET_PDEATHSIG)");
	/* The parent may have died before prctl(): then its end of the
	 * channel is closed, and nobody would ever kill us. */
	struct pollfd p = { .fd = chan, .events = 0 };
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)))
		return cl_err_msg(err, ESRCH, "cloister exited during sandbox setup");
	return 0;
}

int sandbox_set_hostname(const struct sandbox_config *cfg, struct cl_err *err)
{
	if (sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		return cl_err_set(err, errno, "sethostname(%s)", cfg->hostname);
	if (setdomainname(cfg->uname.domainname, strlen(cfg->uname.domainname)) < 0)
		return cl_err_set(err, errno, "setdomainname(%s)", cfg->uname.domainname);
	return 0;
}

static long read_sysctl(const char *path)
{
	char buf[32];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

const char *sandbox_userns_diagnosis(char *buf, size_t len)
{
	if (read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == 0) {
		snprintf(buf, len,
			 "unprivileged user namespaces are disabled by the sysctl "
			 "kernel.unprivileged_userns_clone=0; allow them with "
			 "'sudo sysctl -w kernel.unprivileged_userns_clone=1' "
			 "(and set it in /etc/sysctl.d/ to keep it)");
		return buf;
	}
	if (read_sysctl("/proc/sys/user/max_user_namespaces") == 0) {
		snprintf(buf, len,
			 "user namespaces are disabled by the sysctl "
			 "user.max_user_namespaces=0; allow them with "
			 "'sudo sysctl -w user.max_user_namespaces=15000' "
			 "(and set it in /etc/sysctl.d/ to keep it)");
		return buf;
	}
	if (read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1) {
		snprintf(buf, len,
			 "AppArmor restricts unprivileged user namespaces "
			 "(kernel.apparmor_restrict_unprivileged_userns=1, as on Ubuntu 24.04); "
			 "install the profile shipped in bootstrap/apparmor/ with "
			 "'sudo make install-apparmor', or allow all programs with "
			 "'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0'");
		return buf;
	}
	return NULL;
}
