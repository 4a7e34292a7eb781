/* The cloister sandbox: the isolation every build runs in.
 *
 * A caller fills a struct sandbox_config (sandbox_config_init, then the
 * sandbox_config_add_* helpers), calls sandbox_run(), and gets a struct
 * sandbox_result back: the command's status, how it ended, its times.  The steps that build the sandbox, in the
 * order they happen, are listed in one function: sandbox_child_setup() in
 * sandbox/run.c.  docs/sandbox.md is the threat model and the policy. */
#ifndef CLOISTER_SANDBOX_H
#define CLOISTER_SANDBOX_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../common/err.h"

/* Bumped whenever the isolation or the seccomp policy changes in a way
 * that could change a build's output; it is part of every input hash. */
#define SANDBOX_POLICY_VERSION 2

/* The host ids the sandbox's ids map to when cloister runs as root, as
 * Nix's build users: a dedicated id that no host account or process has,
 * never root and never nobody (shared with host daemons, which could then
 * ptrace or signal the build, and with the test suite).  0x70000000 lies
 * above every range systemd hands out (its container ranges end at
 * 0x6FFFFFFF) and below 2^31, past which tools with signed ids break.
 * `cloister doctor` checks that no account or subordinate range uses it. */
#define SANDBOX_BUILD_UID ((uid_t)0x70000000u)
#define SANDBOX_BUILD_GID ((gid_t)0x70000000u)

/* Default sizes of the tmpfs mounts: a tmpfs is memory, and without a
 * size it may take half of the machine's. */
#define SANDBOX_TMP_SIZE (2ULL << 30)
#define SANDBOX_SHM_SIZE (64ULL << 20)
#define SANDBOX_TMP_INODES "1048576"

/* Exit statuses, as timeout(1) and env(1) use them. */
enum {
	SANDBOX_EXIT_TIMEOUT = 124,
	SANDBOX_EXIT_SETUP = 125,
	SANDBOX_EXIT_NOEXEC = 126,
	SANDBOX_EXIT_NOTFOUND = 127,
};

enum sandbox_op_kind {
	SB_OP_BIND,        /* src (host path) onto dest, read-write */
	SB_OP_RO_BIND,     /* src onto dest, read-only */
	SB_OP_TMPFS,       /* a fresh tmpfs at dest */
	SB_OP_DIR,         /* a directory at dest */
	SB_OP_SYMLINK,     /* dest -> src (src is the link target) */
};

struct sandbox_op {
	enum sandbox_op_kind kind;
	char *src;
	char *dest;        /* absolute and normalized inside the sandbox */
};

struct sandbox_uname {
	char sysname[65];
	char release[65];
	char version[65];
	char machine[65];
	char domainname[65];
};

struct sandbox_config {
	char **roots;          /* read-only layers of /, lowest first */
	size_t n_roots;
	struct sandbox_op *ops;
	size_t n_ops;
	char **env;            /* "VAR=VALUE", in the order given */
	size_t n_env;
	char **argv;           /* the command, NULL-terminated; not owned */
	char *chdir;           /* inside the sandbox; NULL means "/" */
	char hostname[65];
	struct sandbox_uname uname;
	uid_t uid;             /* inside */
	gid_t gid;
	/* When cloister runs as root: map the inner ids to the real root
	 * (cloister run --as-root).  Otherwise they map to SANDBOX_BUILD_UID. */
	bool as_root;
	unsigned timeout_sec;  /* 0: none */
	unsigned long personality; /* applied before the filter; the only
				      value personality(2) may set inside */
	mode_t umask;
	/* Return as soon as the command's status is known and every process
	 * of the sandbox is gone, leaving the kernel to finish tearing the
	 * namespaces down (a millisecond or more).  Only for a caller that is
	 * about to exit: pid 1's zombie is left to the caller's parent. */
	bool async_teardown;
	/* Descriptors for the command's stdin, stdout, stderr; -1 inherits
	 * the caller's.  (The build driver sends output to its log.) */
	int stdio[3];
	/* Run in the caller's session.  By default the sandbox gets a new
	 * session (setsid) and so no controlling terminal: a command that
	 * holds the user's terminal as its controlling one could push input
	 * into it with TIOCSTI, open it as /dev/tty, or take it over as the
	 * foreground job (CVE-2017-5226). */
	bool share_session;
	/* Resource limits.  /tmp, /dev/shm and every --tmpfs are sized
	 * tmpfs (bytes; 0: the defaults below).  The rest are rlimits set
	 * on pid 1 and inherited by everything inside (0: not set):
	 * max_procs is RLIMIT_NPROC, which the kernel counts per user
	 * namespace, so it bounds the sandbox's own processes only;
	 * max_file_size is RLIMIT_FSIZE, the largest file (a sparse one too)
	 * any process may write. */
	unsigned long long tmp_size, shm_size;
	unsigned long max_procs;
	unsigned long long max_file_size;
	/* cgroup v2: a delegated cgroup (from sandbox_cgroup_setup) under
	 * which each sandbox gets its own, with pids.max = max_procs and
	 * memory.max = memory_max (0: none), no swap.  NULL: rlimits only. */
	const char *cgroup_parent;
	unsigned long long memory_max;
	/* Confine the sandbox to one CPU (the first the caller may use), so
	 * that nproc says 1: a reproducibility variation. */
	bool one_cpu;
};

void sandbox_config_init(struct sandbox_config *cfg);
void sandbox_config_free(struct sandbox_config *cfg);

/* Each returns 0, or a negative errno with err filled. */
int sandbox_config_add_root(struct sandbox_config *cfg, const char *dir,
			    struct cl_err *err);
int sandbox_config_add_op(struct sandbox_config *cfg, enum sandbox_op_kind kind,
			  const char *src, const char *dest, struct cl_err *err);
/* The host's /usr, read-only, with the merged-/usr links (/bin, /lib,
 * /lib64, /sbin): a root for running the host's own tools (diffoscope,
 * cloister doctor's probe, the tests). */
int sandbox_config_add_host_usr(struct sandbox_config *cfg, struct cl_err *err);
/* Sets VAR to VALUE, replacing an earlier value of VAR in place. */
int sandbox_config_setenv(struct sandbox_config *cfg, const char *var,
			  const char *value, struct cl_err *err);
void sandbox_config_unsetenv(struct sandbox_config *cfg, const char *var);

/* The host uid and gid the sandbox's ids map to: the caller's own, or the
 * build ids when the caller is the host's root (a caller that prepares
 * directories for the sandbox to write gives them to these ids).  Fails
 * when the caller is root but the build ids are not mapped here. */
int sandbox_host_ids(const struct sandbox_config *cfg, uid_t *uid, gid_t *gid, struct cl_err *err);

/* cgroup v2 delegation (cgroup.c).  sandbox_cgroup_find() says whether
 * the cgroup of the process described by self_cgroup (/proc/self/cgroup)
 * under the cgroup2 mount at or below mnt (/sys/fs/cgroup) is delegated
 * with the memory and pids controllers: 1 with its directory in dir, or 0
 * with why (and the fix).  sandbox_cgroup_setup() then moves the calling
 * process into a leaf of its own and enables the controllers for
 * sandboxes: 1 with parent set (for cfg->cgroup_parent), 0 with why, or a
 * negative errno.  Call it before starting threads or workers. */
int sandbox_cgroup_find(const char *mnt, const char *self_cgroup, char *dir, size_t dlen, char *why,
			size_t wlen);
int sandbox_cgroup_setup(char *parent, size_t len, char *why, size_t wlen, struct cl_err *err);

/* doctor.c: probes of what this host allows this user, each in a child
 * process.  0 when available; else a positive errno, with why saying
 * what forbids it and how to allow it. */
int sandbox_doctor_userns(char *why, size_t len);
int sandbox_doctor_overlay(char *why, size_t len);
int sandbox_doctor_seccomp_notify(char *why, size_t len);

/* Lexically normalizes an absolute sandbox path ("//a/./b/" -> "/a/b");
 * ".." is refused.  Returns a malloc'd string, or NULL with err set. */
char *sandbox_normalize_path(const char *path, struct cl_err *err);

/* A file the command read.  Reserved for the audit, which will trace the
 * reads of a build: no field is defined yet, and sandbox_run() never
 * records one. */
struct sandbox_read;

/* How a sandbox ended. */
struct sandbox_result {
	/* The status to report, as `cloister run` exits with it: the
	 * command's exit status; 128+N when signal N ended it; 124 when it
	 * timed out; 128+N when cloister got signal N and killed it. */
	int status;
	int exit_code;          /* the command's exit status; -1 when it did not exit */
	int signal;             /* the signal that ended the command (SIGKILL after a timeout or an
				   interrupt); 0 when it exited */
	bool timed_out;         /* killed after cfg->timeout_sec */
	int interrupted_by;     /* the signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) cloister got and killed
				   the sandbox for; 0 */
	double wall_seconds;    /* from the sandbox's creation to its end */
	/* CPU time of every process of the sandbox: pid 1's own and that of
	 * all it reaped, which is every process inside (the rusage of
	 * waitid(2), as wait4(2) gives it).  0 with cfg->async_teardown,
	 * which returns before pid 1 is reaped. */
	double user_seconds;
	double system_seconds;
	/* What the caller is to tell the user, "" when nothing: "cloister:
	 * timed out after N s; the sandbox was killed", or why pid 1 could
	 * not start the command ("cloister: cannot run ..."), one line each,
	 * no final newline.  The sandbox never prints. */
	char message[1280];
	/* Reserved for the audit: the files the command read.  NULL and 0
	 * until the reads are traced. */
	struct sandbox_read *reads;
	size_t n_reads;
};

/* Runs cfg->argv in a new sandbox, waits for it and fills res.  Returns
 * 0, or a negative errno with err filled when the sandbox could not be
 * set up (the caller then exits 125; res is then zeroed).
 *
 * Threads: the caller may have other threads running.  The child of the
 * clone allocates nothing and takes no lock of glibc's before its execve,
 * so a lock another thread held at the clone cannot hang it.  The signals
 * of sandbox_signal_set() (SIGINT, SIGTERM, SIGHUP, SIGQUIT) kill the
 * sandbox and end sandbox_run() with res->interrupted_by set; they are
 * read, from a signalfd, by the thread in sandbox_run(), which blocks
 * them while it runs.  The caller's other threads must keep them blocked
 * (start every thread with them blocked: a thread inherits its creator's
 * mask), or the kernel may deliver one to a thread that lets it end the
 * process before the sandbox is killed. */
int sandbox_run(const struct sandbox_config *cfg, struct sandbox_result *res, struct cl_err *err);
void sandbox_signal_set(sigset_t *set);

#endif
