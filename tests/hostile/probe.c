/* The attacker: one static binary that tries one forbidden thing per
 * subcommand and prints what happened, "OK" when it worked or the errno
 * name when it was refused.  Tests run it inside the sandbox (expecting
 * a refusal) and outside it (expecting success, where that is possible)
 * so a refusal is known to come from the sandbox. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <unistd.h>

static const char *ename(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EACCES: return "EACCES";
	case EBADF: return "EBADF";
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	case EROFS: return "EROFS";
	case ENOTSUP: return "ENOTSUP";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ENETUNREACH: return "ENETUNREACH";
	case EEXIST: return "EEXIST";
	case EFAULT: return "EFAULT";
	case EIO: return "EIO";
	case ENOTTY: return "ENOTTY";
	case EBUSY: return "EBUSY";
	case ENXIO: return "ENXIO";
	default: {
		static char buf[32];
		snprintf(buf, sizeof buf, "E%d", e);
		return buf;
	}
	}
}

static int report(long r)
{
	puts(r < 0 ? ename(errno) : "OK");
	return 0;
}

static int pty_slave(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return -1;
	return open(ptsname(m), O_RDWR | O_NOCTTY);
}

static void *thread_fn(void *arg) { return arg; }

static int tmpfile_in(const char *dir, char *path, size_t len)
{
	snprintf(path, len, "%s/probe.XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: probe TEST [ARGS]\n");
		return 2;
	}
	const char *t = argv[1];
	const char *a2 = argc > 2 ? argv[2] : "/tmp";
	char path[4096];

	/* --- the mount family --- */
	if (!strcmp(t, "mount"))
		return report(mount("none", a2, "tmpfs", 0, NULL));
	if (!strcmp(t, "umount"))
		return report(umount2(a2, MNT_DETACH));
	if (!strcmp(t, "pivot_root"))
		return report(syscall(SYS_pivot_root, "/tmp", "/tmp"));
	if (!strcmp(t, "fsopen"))
		return report(syscall(SYS_fsopen, "tmpfs", 0));
	if (!strcmp(t, "open_tree"))
		return report(syscall(SYS_open_tree, AT_FDCWD, "/tmp", 1 /* OPEN_TREE_CLONE */));
	if (!strcmp(t, "move_mount"))
		return report(syscall(SYS_move_mount, AT_FDCWD, "/tmp", AT_FDCWD, "/proc", 0));
	if (!strcmp(t, "mount_setattr"))
		return report(syscall(442, AT_FDCWD, "/", 0, NULL, 0));
	if (!strcmp(t, "chroot"))
		return report(chroot("/tmp"));
	/* --- namespaces --- */
	if (!strcmp(t, "unshare-user"))
		return report(unshare(CLONE_NEWUSER));
	if (!strcmp(t, "unshare-mount"))
		return report(unshare(CLONE_NEWNS));
	if (!strcmp(t, "unshare-net"))
		return report(unshare(CLONE_NEWNET));
	if (!strcmp(t, "clone-newuser")) {
		long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid((pid_t)pid, NULL, 0);
		return report(pid);
	}
	if (!strcmp(t, "clone3")) {
		struct clone_args ca = { .exit_signal = SIGCHLD };
		long pid = syscall(SYS_clone3, &ca, sizeof ca);
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid((pid_t)pid, NULL, 0);
		return report(pid);
	}
	if (!strcmp(t, "setns")) {
		int fd = open("/proc/self/ns/net", O_RDONLY);
		return report(fd < 0 ? fd : setns(fd, 0));
	}
	if (!strcmp(t, "thread")) {
		pthread_t th;
		int r = pthread_create(&th, NULL, thread_fn, NULL);
		if (r == 0)
			r = pthread_join(th, NULL);
		errno = r;
		return report(r ? -1 : 0);
	}
	if (!strcmp(t, "fork")) {
		pid_t p = fork();
		if (p == 0)
			_exit(7);
		int st = 0;
		if (p > 0)
			waitpid(p, &st, 0);
		errno = EIO;
		return report(p > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7 ? 0 : -1);
	}
	/* --- kernel attack surface --- */
	if (!strcmp(t, "keyctl"))
		return report(syscall(SYS_add_key, "user", "probe", "x", 1, -3 /* session */));
	if (!strcmp(t, "bpf"))
		return report(syscall(SYS_bpf, 0, NULL, 0));
	if (!strcmp(t, "perf_event_open"))
		return report(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	if (!strcmp(t, "userfaultfd"))
		return report(syscall(SYS_userfaultfd, 0));
	if (!strcmp(t, "io_uring"))
		return report(syscall(425, 1, NULL));
	if (!strcmp(t, "open_by_handle_at"))
		return report(syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0));
	if (!strcmp(t, "kexec_load"))
		return report(syscall(SYS_kexec_load, 0, 0, NULL, 0));
	if (!strcmp(t, "init_module"))
		return report(syscall(SYS_init_module, NULL, 0, ""));
	if (!strcmp(t, "reboot"))
		return report(syscall(SYS_reboot, 0, 0, 0, NULL));
	if (!strcmp(t, "swapon"))
		return report(syscall(SYS_swapon, "/tmp/x", 0));
	if (!strcmp(t, "acct"))
		return report(syscall(SYS_acct, NULL));
	if (!strcmp(t, "settimeofday"))
		return report(syscall(SYS_settimeofday, NULL, NULL));
	if (!strcmp(t, "clock_settime")) {
		struct timespec ts = { 0, 0 };
		return report(syscall(SYS_clock_settime, CLOCK_REALTIME, &ts));
	}
	if (!strcmp(t, "syslog"))
		return report(syscall(SYS_syslog, 10 /* SIZE_BUFFER */, NULL, 0));
	if (!strcmp(t, "quotactl"))
		return report(syscall(SYS_quotactl, 0, NULL, 0, NULL));
	/* --- terminal injection --- */
	if (!strcmp(t, "tiocsti") || !strcmp(t, "tiocsti-high") || !strcmp(t, "tioclinux")) {
		int fd = pty_slave();
		if (fd < 0)
			return report(-1);
		char c = 'x';
		unsigned long req = !strcmp(t, "tioclinux") ? TIOCLINUX : TIOCSTI;
		if (!strcmp(t, "tiocsti-high"))
			req |= 0xdead00000000UL;
		return report(syscall(SYS_ioctl, fd, req, &c));
	}
	/* --- setuid/setgid files and device nodes --- */
	if (!strncmp(t, "suid-", 5) || !strncmp(t, "sgid-", 5)) {
		mode_t bit = t[0] == 's' && t[1] == 'u' ? S_ISUID : S_ISGID;
		const char *how = t + 5;
		if (!strcmp(how, "open") || !strcmp(how, "creat") || !strcmp(how, "mknod")) {
			snprintf(path, sizeof path, "%s/probe-new.%d", a2, (int)getpid());
			long r;
			if (!strcmp(how, "open"))
				r = open(path, O_WRONLY | O_CREAT | O_EXCL, 0755 | bit);
			else if (!strcmp(how, "creat"))
				r = creat(path, 0755 | bit);
			else
				r = mknod(path, S_IFREG | 0755 | bit, 0);
			struct stat st;
			if (r >= 0 && stat(path, &st) == 0 && !(st.st_mode & bit)) {
				errno = EIO; /* created, but the bit did not stick */
				r = -1;
			}
			int e = errno;
			unlink(path);
			errno = e;
			return report(r);
		}
		if (tmpfile_in(a2, path, sizeof path) < 0)
			return report(-1);
		long r = -1;
		if (!strcmp(how, "chmod"))
			r = chmod(path, 0755 | bit);
		else if (!strcmp(how, "fchmod")) {
			int fd = open(path, O_RDONLY);
			r = fchmod(fd, 0755 | bit);
		} else if (!strcmp(how, "fchmodat"))
			r = syscall(SYS_fchmodat, AT_FDCWD, path, 0755 | bit);
		else if (!strcmp(how, "fchmodat2"))
			r = syscall(452, AT_FDCWD, path, 0755 | bit, 0);
		int e = errno;
		unlink(path);
		errno = e;
		return report(r);
	}
	if (!strcmp(t, "mknod-chr")) {
		snprintf(path, sizeof path, "%s/probe-dev.%d", a2, (int)getpid());
		long r = mknod(path, S_IFCHR | 0666, makedev(1, 3));
		int e = errno;
		unlink(path);
		errno = e;
		return report(r);
	}
	if (!strcmp(t, "mkfifo")) {
		snprintf(path, sizeof path, "%s/probe-fifo.%d", a2, (int)getpid());
		long r = mkfifo(path, 0644);
		int e = errno;
		unlink(path);
		errno = e;
		return report(r);
	}
	if (!strcmp(t, "setxattr-security") || !strcmp(t, "setxattr-acl") || !strcmp(t, "setxattr-user")) {
		if (tmpfile_in(a2, path, sizeof path) < 0)
			return report(-1);
		const char *name = !strcmp(t, "setxattr-security") ? "security.capability"
				 : !strcmp(t, "setxattr-acl") ? "system.posix_acl_access" : "user.probe";
		char val[32] = { 1 };
		long r = setxattr(path, name, val, sizeof val, 0);
		int e = errno;
		unlink(path);
		errno = e;
		return report(r);
	}
	/* --- other ABIs --- */
	if (!strcmp(t, "x32"))
		return report(syscall(0x40000000 | SYS_getpid));
	if (!strcmp(t, "int80")) {
		long r;
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20 /* i386 getpid */) : "memory");
		if (r < 0) {
			errno = (int)-r;
			r = -1;
		}
		return report(r);
	}
	if (!strcmp(t, "personality"))
		return report(personality((unsigned long)strtoul(a2, NULL, 0)));
	/* --- processes --- */
	if (!strcmp(t, "ptrace-attach")) {
		pid_t target = argc > 2 ? (pid_t)atoi(argv[2]) : 0;
		pid_t child = 0;
		if (!target) {
			child = fork();
			if (child == 0) {
				pause();
				_exit(0);
			}
			target = child;
		}
		long r = ptrace(PTRACE_ATTACH, target, NULL, NULL);
		int e = errno;
		if (child > 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
		errno = e;
		return report(r);
	}
	if (!strcmp(t, "kill"))
		return report(kill((pid_t)atoi(a2), 0));
	/* --- network --- */
	if (!strcmp(t, "connect-tcp") || !strcmp(t, "listen-tcp")) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(a2)) };
		inet_pton(AF_INET, argc > 3 ? argv[3] : "127.0.0.1", &sa.sin_addr);
		if (!strcmp(t, "connect-tcp"))
			return report(connect(s, (struct sockaddr *)&sa, sizeof sa));
		int one = 1;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 8) < 0)
			return report(-1);
		puts("LISTENING");
		fflush(stdout);
		sleep(argc > 4 ? (unsigned)atoi(argv[4]) : 30);
		return 0;
	}
	if (!strcmp(t, "connect-abstract") || !strcmp(t, "listen-abstract")) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		size_t n = strlen(a2);
		memcpy(sa.sun_path + 1, a2, n);
		socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
		if (!strcmp(t, "connect-abstract"))
			return report(connect(s, (struct sockaddr *)&sa, len));
		if (bind(s, (struct sockaddr *)&sa, len) < 0 || listen(s, 8) < 0)
			return report(-1);
		puts("LISTENING");
		fflush(stdout);
		sleep(argc > 3 ? (unsigned)atoi(argv[3]) : 30);
		return 0;
	}
	if (!strcmp(t, "loopback")) {
		/* a server and a client inside the sandbox, over lo */
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET };
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t l = sizeof sa;
		if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 1) < 0 ||
		    getsockname(s, (struct sockaddr *)&sa, &l) < 0)
			return report(-1);
		int c = socket(AF_INET, SOCK_STREAM, 0);
		return report(connect(c, (struct sockaddr *)&sa, sizeof sa));
	}
	/* --- what the process can see of itself --- */
	if (!strcmp(t, "fds")) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *e;
		int self = d ? dirfd(d) : -1;
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.' && atoi(e->d_name) != self)
				printf("%s ", e->d_name);
		puts("");
		return 0;
	}
	if (!strcmp(t, "uname")) {
		struct utsname u;
		if (uname(&u) < 0)
			return report(-1);
		printf("%s|%s|%s|%s|%s|%s\n", u.sysname, u.nodename, u.release, u.version,
		       u.machine, u.domainname);
		return 0;
	}
	if (!strcmp(t, "write")) {
		int fd = open(a2, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		return report(fd < 0 ? -1 : write(fd, "x", 1));
	}
	fprintf(stderr, "probe: unknown test %s\n", t);
	return 2;
}
