/* The seccomp policy on its own, without namespaces: each rule is tried in
 * a child that loaded the filter, and the same call in a child without it
 * (the control), so a refusal is known to come from the policy. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../../sandbox/internal.h"
#include "test.h"

static char dir[] = "/tmp/cloister-seccomp-XXXXXX";

typedef long (*attempt_fn)(void);

/* Runs fn in a child, filtered or not; returns the errno it saw (0 for
 * success), or 1000+signal if it was killed. */
static int try_in_child(attempt_fn fn, bool filtered)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (filtered) {
			struct sandbox_config cfg;
			struct cl_err err;
			scmp_filter_ctx ctx;
			int nfd, p[2];
			sandbox_config_init(&cfg);
			if (pipe(p) < 0)
				_exit(201);
			/* the same path as the sandbox: compile, pipe, install */
			if (sandbox_seccomp_build(&cfg, &ctx, &err) < 0 ||
			    sandbox_seccomp_export(ctx, p[1], &err) < 0 ||
			    close(p[1]) < 0 ||
			    sandbox_seccomp_install(p[0], &nfd, &err) < 0) {
				printf("  %s\n", err.msg);
				_exit(200);
			}
		}
		errno = 0;
		long r = fn();
		_exit(r < 0 ? (errno ? errno : 199) : 0);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

static char path[256];
static int fresh_file(void)
{
	snprintf(path, sizeof path, "%s/f", dir);
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	return fd;
}

static long do_chmod_suid(void) { return chmod(path, 04755); }
static long do_chmod_plain(void) { return chmod(path, 0755); }
static long do_fchmodat2_sgid(void) { return syscall(452, AT_FDCWD, path, 02755, 0); }
static long do_fchmod_suid_high(void)
{
	int fd = open(path, O_RDONLY);
	/* high bits above the mode must not hide the setuid bit */
	return syscall(SYS_fchmod, fd, 0xffff0000UL | 04755);
}
static long do_open_creat_suid(void)
{
	unlink(path);
	return open(path, O_WRONLY | O_CREAT, 04755);
}
static long do_open_existing_odd_mode(void)
{
	/* no O_CREAT: the mode argument is ignored by the kernel, and so
	 * must it be by the filter */
	return syscall(SYS_openat, AT_FDCWD, path, O_RDONLY, 04755);
}
static long do_mknod_chr(void)
{
	char p[300];
	snprintf(p, sizeof p, "%s/dev", dir);
	return mknod(p, S_IFCHR | 0600, 0);
}
static long do_mkfifo(void)
{
	char p[300];
	snprintf(p, sizeof p, "%s/fifo%d", dir, getpid());
	return mkfifo(p, 0600);
}
static long do_setxattr(void) { return setxattr(path, "user.x", "1", 1, 0); }
static long do_clone3(void)
{
	struct clone_args ca = { .exit_signal = SIGCHLD };
	long pid = syscall(SYS_clone3, &ca, sizeof ca);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid;
}
static void *noop(void *a) { return a; }
static long do_thread(void)
{
	pthread_t t;
	int r = pthread_create(&t, NULL, noop, NULL);
	if (r) {
		errno = r;
		return -1;
	}
	return pthread_join(t, NULL) ? -1 : 0;
}
static long do_unshare_user(void) { return unshare(CLONE_NEWUSER); }
static long do_unshare_files(void) { return unshare(CLONE_FILES); }
static long do_tiocsti_high(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return -1;
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	char c = 'x';
	return syscall(SYS_ioctl, s, 0x1234500000000UL | TIOCSTI, &c);
}
static long do_x32(void) { return syscall(0x40000000 | SYS_getpid); }
static long do_keyctl(void) { return syscall(SYS_add_key, "user", "k", "v", 1, -3); }

static void setuid_bits(void)
{
	CHECK(fresh_file() >= 0);
	CHECK(try_in_child(do_chmod_suid, false) == 0);
	CHECK(fresh_file() >= 0);
	CHECK(try_in_child(do_chmod_suid, true) == EPERM);
	CHECK(try_in_child(do_chmod_plain, true) == 0);
	CHECK(try_in_child(do_fchmodat2_sgid, true) == EPERM);
	CHECK(try_in_child(do_fchmod_suid_high, true) == EPERM);
	CHECK(try_in_child(do_open_creat_suid, false) == 0);
	CHECK(try_in_child(do_open_creat_suid, true) == EPERM);
	CHECK(fresh_file() >= 0);
	CHECK(try_in_child(do_open_existing_odd_mode, true) == 0);
}

static void nodes_and_xattrs(void)
{
	CHECK(try_in_child(do_mknod_chr, true) == EPERM);
	CHECK(try_in_child(do_mkfifo, true) == 0);
	CHECK(fresh_file() >= 0);
	CHECK(try_in_child(do_setxattr, true) == ENOTSUP);
}

static void processes(void)
{
	CHECK(try_in_child(do_clone3, false) == 0);
	CHECK(try_in_child(do_clone3, true) == ENOSYS);
	CHECK(try_in_child(do_thread, true) == 0);
	CHECK(try_in_child(do_unshare_user, true) == EPERM);
	CHECK(try_in_child(do_unshare_files, true) == 0);
	CHECK(try_in_child(do_keyctl, true) == EPERM);
}

static void abi_and_tty(void)
{
	CHECK(try_in_child(do_x32, true) == 1000 + SIGSYS);
	CHECK(try_in_child(do_tiocsti_high, true) == EPERM);
}

static void policy_builds(void)
{
	struct sandbox_config cfg;
	struct cl_err err;
	scmp_filter_ctx ctx = NULL;
	sandbox_config_init(&cfg);
	CHECK(sandbox_seccomp_build(&cfg, &ctx, &err) == 0);
	/* a filter that kills on a foreign ABI */
	uint32_t bad = 0;
	seccomp_attr_get(ctx, SCMP_FLTATR_ACT_BADARCH, &bad);
	CHECK(bad == SCMP_ACT_KILL_PROCESS);
	seccomp_release(ctx);
	sandbox_config_free(&cfg);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	RUN(policy_builds);
	RUN(setuid_bits);
	RUN(nodes_and_xattrs);
	RUN(processes);
	RUN(abi_and_tty);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return test_failures ? 1 : 0;
}
