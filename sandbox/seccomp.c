/* The syscall policy: what a build never needs and an attacker would.
 *
 * Default allow, with refusals: a build runs arbitrary toolchains, and an
 * allow-list would break them one obscure syscall at a time.  Every rule
 * below names the attack it closes; docs/sandbox.md has the full table. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/fdio.h"

#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif

/* Syscalls newer than the libseccomp headers, by x86_64 number. */
static const struct { const char *name; int nr; } late_syscalls[] = {
	{ "fchmodat2", 452 }, { "quotactl_fd", 443 }, { "setxattrat", 463 },
	{ "open_tree_attr", 467 }, { "mount_setattr", 442 }, { "clone3", 435 },
	{ "move_mount", 429 }, { "fsopen", 430 }, { "fsconfig", 431 },
	{ "fsmount", 432 }, { "fspick", 433 }, { "open_tree", 428 },
	{ "openat2", 437 }, { "io_uring_setup", 425 }, { "io_uring_enter", 426 },
	{ "io_uring_register", 427 },
};

static int syscall_nr(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr != __NR_SCMP_ERROR)
		return nr;
	for (size_t i = 0; i < sizeof late_syscalls / sizeof *late_syscalls; i++)
		if (strcmp(late_syscalls[i].name, name) == 0)
			return late_syscalls[i].nr;
	return __NR_SCMP_ERROR;
}

struct policy {
	scmp_filter_ctx ctx;
	struct cl_err *err;
};

static int rule(struct policy *p, uint32_t action, const char *name,
		unsigned n, const struct scmp_arg_cmp *cmp)
{
	int nr = syscall_nr(name);
	if (nr == __NR_SCMP_ERROR)
		return cl_err_msg(p->err, EINVAL, "seccomp policy: unknown syscall %s", name);
	int r = seccomp_rule_add_array(p->ctx, action, nr, n, cmp);
	if (r < 0)
		return cl_err_set(p->err, -r, "seccomp policy: rule for %s", name);
	return 0;
}

static int deny(struct policy *p, int errnum, const char *name)
{
	return rule(p, SCMP_ACT_ERRNO((uint32_t)errnum), name, 0, NULL);
}

/* Refuses name when (arg & mask) == value. */
static int deny_masked(struct policy *p, const char *name, unsigned arg,
		       uint64_t mask, uint64_t value)
{
	struct scmp_arg_cmp c = SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, mask, value);
	return rule(p, SCMP_ACT_ERRNO(EPERM), name, 1, &c);
}

/* Refuses creating a file whose mode has bit: two conditions, flags and
 * mode, so an ordinary open() without O_CREAT is never judged by its
 * (ignored) mode argument. */
static int deny_create_mode(struct policy *p, const char *name, unsigned flags_arg,
			    unsigned mode_arg, uint64_t bit)
{
	static const uint64_t creating[] = { O_CREAT, __O_TMPFILE };
	for (size_t i = 0; i < 2; i++) {
		struct scmp_arg_cmp c[2] = {
			SCMP_CMP(flags_arg, SCMP_CMP_MASKED_EQ, creating[i], creating[i]),
			SCMP_CMP(mode_arg, SCMP_CMP_MASKED_EQ, bit, bit),
		};
		TRY(rule(p, SCMP_ACT_ERRNO(EPERM), name, 2, c));
	}
	return 0;
}

static const char *const denied_eperm[] = {
	/* the mount family: the sandbox's view of the filesystem is final */
	"mount", "umount2", "pivot_root", "move_mount", "fsopen", "fsconfig",
	"fsmount", "fspick", "open_tree", "open_tree_attr", "mount_setattr", "chroot",
	/* entering other namespaces */
	"setns",
	/* the kernel keyring is not namespaced */
	"keyctl", "add_key", "request_key",
	/* large kernel attack surface, never needed to compile */
	"bpf", "perf_event_open", "userfaultfd",
	/* the machine itself */
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"reboot", "swapon", "swapoff", "acct", "settimeofday", "clock_settime",
	"clock_adjtime", "adjtimex", "syslog", "quotactl", "quotactl_fd",
	"iopl", "ioperm", "vhangup", "lookup_dcookie",
	/* opens any inode on a filesystem by handle, past directory permissions */
	"open_by_handle_at",
	/* io_uring performs operations the filter never sees */
	"io_uring_setup", "io_uring_enter", "io_uring_register",
};

static const uint64_t ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWTIME,
};

static int add_rules(struct policy *p)
{
	for (size_t i = 0; i < sizeof denied_eperm / sizeof *denied_eperm; i++)
		TRY(deny(p, EPERM, denied_eperm[i]));

	/* New namespaces from clone() and unshare(), judged by their flags.
	 * clone3 passes its flags in memory the filter cannot read: ENOSYS
	 * makes glibc fall back to clone(), so threads and fork still work. */
	for (size_t i = 0; i < sizeof ns_flags / sizeof *ns_flags; i++) {
		TRY(deny_masked(p, "unshare", 0, ns_flags[i], ns_flags[i]));
		if (ns_flags[i] != CLONE_NEWTIME) /* 0x80 is CSIGNAL for clone() */
			TRY(deny_masked(p, "clone", 0, ns_flags[i], ns_flags[i]));
	}
	TRY(deny(p, ENOSYS, "clone3"));

	/* Attaching to a process it did not start; PTRACE_TRACEME, where the
	 * parent started the tracee, stays allowed. */
	TRY(deny_masked(p, "ptrace", 0, 0xffffffff, PTRACE_ATTACH));
	TRY(deny_masked(p, "ptrace", 0, 0xffffffff, PTRACE_SEIZE));

	/* Terminal injection.  The kernel reads the request as 32 bits, so the
	 * filter must too: CVE-2019-10063 passed TIOCSTI with high bits set. */
	TRY(deny_masked(p, "ioctl", 1, 0xffffffff, TIOCSTI));
	TRY(deny_masked(p, "ioctl", 1, 0xffffffff, TIOCLINUX));

	/* No setuid or setgid file may be made (Nix CVE-2024-38531 used
	 * fchmodat2, which older filters did not know). */
	static const uint64_t bits[] = { S_ISUID, S_ISGID };
	for (size_t b = 0; b < 2; b++) {
		TRY(deny_masked(p, "chmod", 1, bits[b], bits[b]));
		TRY(deny_masked(p, "fchmod", 1, bits[b], bits[b]));
		TRY(deny_masked(p, "fchmodat", 2, bits[b], bits[b]));
		TRY(deny_masked(p, "fchmodat2", 2, bits[b], bits[b]));
		TRY(deny_masked(p, "creat", 1, bits[b], bits[b]));
		TRY(deny_masked(p, "mknod", 1, bits[b], bits[b]));
		TRY(deny_masked(p, "mknodat", 2, bits[b], bits[b]));
		TRY(deny_create_mode(p, "open", 1, 2, bits[b]));
		TRY(deny_create_mode(p, "openat", 2, 3, bits[b]));
	}
	/* openat2 carries its mode in memory the filter cannot read. */
	TRY(deny(p, ENOSYS, "openat2"));
	/* Device nodes. */
	TRY(deny_masked(p, "mknod", 1, S_IFMT, S_IFCHR));
	TRY(deny_masked(p, "mknod", 1, S_IFMT, S_IFBLK));
	TRY(deny_masked(p, "mknodat", 2, S_IFMT, S_IFCHR));
	TRY(deny_masked(p, "mknodat", 2, S_IFMT, S_IFBLK));

	/* Extended attributes: the name is in memory the filter cannot read,
	 * so security.* and system.posix_acl_* can only be refused with the
	 * whole family.  ENOTSUP, as for a filesystem without xattrs, lets
	 * cp -a, tar and install carry on. */
	TRY(deny(p, ENOTSUP, "setxattr"));
	TRY(deny(p, ENOTSUP, "lsetxattr"));
	TRY(deny(p, ENOTSUP, "fsetxattr"));
	TRY(deny(p, ENOTSUP, "setxattrat"));

	/* Personality: only the one cloister set, and the query.  A filter
	 * rule cannot say "neither A nor B" of one argument, so the supervisor
	 * decides; the argument is a register, so letting the call continue
	 * after the decision is not open to a time-of-check race. */
	TRY(rule(p, SCMP_ACT_NOTIFY, "personality", 0, NULL));

	/* uname(2) is answered by the supervisor with the configured values. */
	TRY(rule(p, SCMP_ACT_NOTIFY, "uname", 0, NULL));
	return 0;
}

int sandbox_seccomp_build(const struct sandbox_config *cfg, scmp_filter_ctx *out,
			  struct cl_err *err)
{
	struct policy p = { .ctx = seccomp_init(SCMP_ACT_ALLOW), .err = err };
	if (!p.ctx)
		return cl_err_msg(err, ENOMEM, "seccomp_init failed");
	/* Only the native ABI: i386 (int 0x80) and x32 syscalls reach other
	 * syscall tables where these rules do not apply; they kill. */
	int r = seccomp_attr_set(p.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0) {
		seccomp_release(p.ctx);
		return cl_err_set(err, -r, "seccomp: bad-arch action");
	}
	(void)cfg;
	/* A binary tree over syscall numbers instead of a linear list: every
	 * syscall of every build walks this filter, and the kernel emulates
	 * it for each syscall number when it is loaded. */
	r = seccomp_attr_set(p.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r == 0)
		r = add_rules(&p);
	if (r < 0) {
		seccomp_release(p.ctx);
		return r;
	}
	*out = p.ctx;
	return 0;
}

int sandbox_seccomp_export(scmp_filter_ctx ctx, int fd, struct cl_err *err)
{
	/* A child that failed its setup has closed the pipe: the write then
	 * raises SIGPIPE, which must not kill cloister before it reports
	 * why the child failed.  SIGPIPE is blocked around the write and a
	 * SIGPIPE it raised is consumed, so none is left pending. */
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	bool was_pending = sigismember(&pending, SIGPIPE);

	int r = seccomp_export_bpf(ctx, fd);

	bool reader_gone = false;
	if (r < 0 && !was_pending) {
		const struct timespec now = { 0, 0 };
		reader_gone = sigtimedwait(&pipe_set, NULL, &now) == SIGPIPE;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (reader_gone)
		return 1;
	if (r < 0)
		return cl_err_set(err, -r, "compiling the seccomp filter");
	return 0;
}

int sandbox_seccomp_install(int bpf_fd, int *notify_fd, struct cl_err *err)
{
	/* BPF_MAXINSNS instructions at most; read it all, then load it. */
	static struct sock_filter insns[BPF_MAXINSNS];
	ssize_t n = read_all(bpf_fd, insns, sizeof insns);
	if (n < 0)
		return cl_err_set(err, (int)-n, "reading the compiled seccomp filter");
	if (n == 0 || n % (ssize_t)sizeof *insns)
		return cl_err_msg(err, EINVAL, "the compiled seccomp filter is truncated (%zd bytes)", n);
	struct sock_fprog prog = {
		.len = (unsigned short)(n / (ssize_t)sizeof *insns),
		.filter = insns,
	};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cl_err_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			      SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0)
		return cl_err_set(err, errno, "loading the seccomp filter");
	*notify_fd = fd;
	return 0;
}
