/* sandbox_run(): the parent's half (spawn, supervise) and the child's
 * half, sandbox_child_setup(), whose body is the whole isolation sequence
 * in order.  Read that function to review the threat model. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/cleanup.h"

struct child_ctx {
	int chan;
	int bpf_fd;            /* read end: the compiled filter arrives here */
	uid_t outer_uid;
	gid_t outer_gid;
	bool parent_maps;      /* the supervisor writes the id maps (root) */
	/* Allocated by the supervisor before the clone: the child of a
	 * threaded caller must not allocate (another thread may have held
	 * malloc's lock at the clone, and holds it in the child forever). */
	struct rootfs rf;
	cap_t no_caps;
};

static int enter_workdir(const struct sandbox_config *cfg, struct cl_err *err)
{
	/* The working directory is always set anew after pivot_root, so no
	 * directory of the host stays reachable through it (runc
	 * CVE-2024-21626). */
	const char *dir = cfg->chdir ? cfg->chdir : "/";
	if (chdir(dir) < 0)
		return cl_err_set(err, errno, "--chdir %s", dir);
	return 0;
}

static int close_inherited_fds(const struct child_ctx *ctx, struct cl_err *err)
{
	/* Only 0, 1, 2, the channel and the filter pipe survive, and the
	 * last two are close-on-exec. */
	unsigned lo = (unsigned)(ctx->chan < ctx->bpf_fd ? ctx->chan : ctx->bpf_fd);
	unsigned hi = (unsigned)(ctx->chan < ctx->bpf_fd ? ctx->bpf_fd : ctx->chan);
	if ((lo > 3 && close_range(3, lo - 1, 0) < 0) ||
	    (hi > lo + 1 && close_range(lo + 1, hi - 1, 0) < 0) ||
	    close_range(hi + 1, ~0U, 0) < 0)
		return cl_err_set(err, errno, "close_range");
	return 0;
}

/* The id map: the child's own, or, for root, the one the supervisor
 * writes (idmap.c), which the child waits for. */
static int map_ids(const struct sandbox_config *cfg, const struct child_ctx *ctx,
		   struct cl_err *err)
{
	if (!ctx->parent_maps)
		return sandbox_write_idmaps(0, cfg->uid, ctx->outer_uid, cfg->gid, ctx->outer_gid, err);
	char text[64];
	int fd = -1;
	int r = chan_recv(ctx->chan, text, sizeof text, &fd);
	if (fd >= 0)
		close(fd);
	if (r != CHAN_IDMAP_DONE)
		return cl_err_msg(err, r < 0 ? -r : EPROTO, "the supervisor did not write the id maps");
	return 0;
}

static int take_ids(const struct sandbox_config *cfg, const struct child_ctx *ctx,
		    struct cl_err *err)
{
	if (!ctx->parent_maps)
		return 0;
	TRY(sandbox_become_ids(cfg, err));
	/* a change of credentials clears the parent-death signal */
	return sandbox_die_with_parent(ctx->chan, err);
}

static int set_personality(const struct sandbox_config *cfg, struct cl_err *err)
{
	if (personality(cfg->personality) < 0)
		return cl_err_set(err, errno, "personality(0x%lx)", cfg->personality);
	return 0;
}

static int install_filter(const struct child_ctx *ctx, struct cl_err *err)
{
	int notify_fd = -1;
	TRY(sandbox_seccomp_install(ctx->bpf_fd, &notify_fd, err));
	close(ctx->bpf_fd);
	int r = chan_send(ctx->chan, CHAN_NOTIFY_FD, NULL, notify_fd);
	close(notify_fd); /* the sandbox must not hold its own listener */
	if (r < 0)
		return cl_err_set(err, -r, "handing the seccomp listener to the supervisor");
	return 0;
}

static int sandbox_child_setup(const struct sandbox_config *cfg,
			       const struct child_ctx *ctx, struct cl_err *err)
{
	struct net_helper net = { .pid = -1, .sock = -1 };
	struct rootfs rf = ctx->rf;
	int r;

	if ((r = sandbox_die_with_parent(ctx->chan, err)) < 0 ||
	    /* first: the network namespace is the longest step, and its
	     * helper needs only the capabilities a new user namespace gives,
	     * not the id map */
	    (r = sandbox_net_start(&net, err)) < 0 ||
	    (r = map_ids(cfg, ctx, err)) < 0 ||
	    (r = sandbox_make_mounts_private(err)) < 0 ||
	    (r = sandbox_open_sources(cfg, &rf, err)) < 0 ||
	    (r = take_ids(cfg, ctx, err)) < 0 ||
	    (r = sandbox_assemble_root(cfg, &rf, err)) < 0 ||
	    (r = sandbox_mount_procfs(&rf, err)) < 0 ||
	    (r = sandbox_mount_devices(cfg, &rf, err)) < 0 ||
	    (r = sandbox_mount_tmp(cfg, &rf, err)) < 0 ||
	    (r = sandbox_apply_ops(cfg, &rf, err)) < 0 ||
	    (r = sandbox_mask_procfs(cfg, &rf, err)) < 0 ||
	    (r = sandbox_seal_root(cfg, &rf, err)) < 0 ||
	    (r = sandbox_set_hostname(cfg, err)) < 0 ||
	    (r = sandbox_pivot_root(&rf, err)) < 0 ||
	    (r = enter_workdir(cfg, err)) < 0 ||
	    (r = sandbox_net_join(&net, err)) < 0) {
		rootfs_release(&rf, cfg);
		sandbox_net_abandon(&net);
		return r;
	}
	rootfs_release(&rf, cfg);
	TRY(close_inherited_fds(ctx, err));
	TRY(sandbox_drop_capabilities(ctx->no_caps, err));
	TRY(set_personality(cfg, err));
	return install_filter(ctx, err);
}

__attribute__((noreturn))
static void child_main(const struct sandbox_config *cfg, const struct child_ctx *ctx)
{
	struct cl_err err = { .defer = CL_ERR_DEFER_STRERROR };
	int r = 0;

	if (!cfg->share_session && setsid() < 0)
		r = cl_err_set(&err, errno, "setsid");
	for (int i = 0; i < 3 && r == 0; i++)
		if (cfg->stdio[i] >= 0 && cfg->stdio[i] != i && dup2(cfg->stdio[i], i) < 0)
			r = cl_err_set(&err, errno, "redirecting descriptor %d", i);
	if (r == 0 && cfg->one_cpu) {
		/* The CPU we were started on, if allowed: sandboxes confined at
		 * the same time then spread over the CPUs as the scheduler
		 * spread them, instead of all sharing the first. */
		cpu_set_t set, one;
		int cpu = sched_getcpu();
		CPU_ZERO(&one);
		if (sched_getaffinity(0, sizeof set, &set) < 0)
			r = cl_err_set(&err, errno, "sched_getaffinity");
		for (int c = 0; r == 0 && (cpu < 0 || !CPU_ISSET(cpu, &set)) && c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				cpu = c;
		if (r == 0) {
			CPU_SET(cpu, &one);
			if (sched_setaffinity(0, sizeof one, &one) < 0)
				r = cl_err_set(&err, errno, "sched_setaffinity");
		}
	}
	if (r < 0 || sandbox_child_setup(cfg, ctx, &err) < 0) {
		chan_send_error(ctx->chan, &err);
		_exit(SANDBOX_EXIT_SETUP);
	}
	sandbox_init_main(cfg, ctx->chan);
}

static void explain_userns_failure(struct cl_err *err)
{
	char why[512];
	if ((err->code == EPERM || err->code == EACCES || err->code == ENOSPC ||
	     err->code == EINVAL) && sandbox_userns_diagnosis(why, sizeof why))
		cl_err_prefix(err, "%s; the failing step was", why);
}


void sandbox_signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

int sandbox_run(const struct sandbox_config *cfg, struct sandbox_result *res, struct cl_err *err)
{
	struct child_ctx ctx = { .chan = -1, .bpf_fd = -1 };
	_cleanup_close_ int parent_end = -1, sigfd = -1, pidfd = -1, bpf_w = -1, cgroup_fd = -1;
	char cgroup[PATH_MAX] = "";
	scmp_filter_ctx filter = NULL;
	int sv[2], bpf[2];
	sigset_t mask, oldmask;
	int rc;

	*res = (struct sandbox_result){ .exit_code = -1 };
	if (!cfg->argv || !cfg->argv[0])
		return cl_err_msg(err, EINVAL, "no command given");
	TRY(sandbox_host_ids(cfg, &ctx.outer_uid, &ctx.outer_gid, err));
	ctx.parent_maps = ctx.outer_uid != geteuid();
	if (rootfs_init(&ctx.rf, cfg) < 0)
		return cl_err_set(err, ENOMEM, "preparing the sandbox's root");
	/* effective, permitted and inheritable all clear */
	if (!(ctx.no_caps = cap_init())) {
		rc = cl_err_set(err, errno, "cap_init");
		goto out_free;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = cl_err_set(err, errno, "socketpair");
		goto out_free;
	}
	parent_end = sv[0];
	ctx.chan = sv[1];
	if (pipe2(bpf, O_CLOEXEC) < 0) {
		rc = cl_err_set(err, errno, "pipe");
		goto out_free;
	}
	ctx.bpf_fd = bpf[0];
	bpf_w = bpf[1];

	/* Signals that end cloister end the sandbox: they are read from a
	 * signalfd so the sandbox can be killed before cloister exits.  The
	 * mask is this thread's: a caller's other threads have them blocked
	 * (sandbox.h), so the kernel leaves them pending for the signalfd. */
	sandbox_signal_set(&mask);
	pthread_sigmask(SIG_BLOCK, &mask, &oldmask);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0) {
		rc = cl_err_set(err, errno, "signalfd");
		goto out_mask;
	}

	if (cfg->cgroup_parent) {
		cgroup_fd = sandbox_cgroup_create(cfg, cgroup, sizeof cgroup, err);
		if (cgroup_fd < 0) {
			rc = cgroup_fd;
			cgroup[0] = '\0';
			goto out_mask;
		}
	}
	double t0 = clock_mono_s();
	/* From here to the command's execve the child runs system calls and
	 * formats into its own buffers only: no malloc, no stdio, no locale,
	 * no glibc fork() (docs/sandbox.md, "Threads"). */
	pid_t pid = sandbox_clone(&pidfd, cgroup_fd, err);
	if (pid == 0) {
		close(parent_end);
		close(sigfd);
		close(bpf_w);
		child_main(cfg, &ctx);
	}
	cl_closep(&ctx.chan);
	cl_closep(&ctx.bpf_fd);
	if (pid < 0) {
		explain_userns_failure(err);
		rc = pid;
		goto out_mask;
	}
	rc = 0;
	if (ctx.parent_maps) {
		rc = sandbox_write_idmaps(pid, cfg->uid, ctx.outer_uid, cfg->gid, ctx.outer_gid, err);
		int sr = rc == 0 ? chan_send(parent_end, CHAN_IDMAP_DONE, NULL, -1) : 0;
		if (sr < 0)
			rc = cl_err_set(err, -sr, "telling the sandbox its id maps are written");
	}
	/* The policy is built and compiled now, while the child is busy with
	 * its mounts, and sent down a pipe; a failure here reaches the child
	 * as a short read. */
	if (rc == 0)
		rc = sandbox_seccomp_build(cfg, &filter, err);
	if (rc == 0)
		rc = sandbox_seccomp_export(filter, bpf_w, err);
	cl_closep(&bpf_w);
	if (rc >= 0)
		rc = sandbox_supervise(cfg, pid, pidfd, parent_end, sigfd, res, err);
	res->wall_seconds = clock_mono_s() - t0;
	if (rc < 0) {
		*res = (struct sandbox_result){ .exit_code = -1 };
		/* Whatever went wrong, nothing of the sandbox outlives us. */
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		waitpid(pid, NULL, 0);
		sandbox_explain_layers(cfg, err);
		explain_userns_failure(err);
	}
out_mask:
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	if (cgroup[0] && !cfg->async_teardown)
		sandbox_cgroup_remove(cgroup);
out_free:
	cl_closep(&ctx.chan);
	cl_closep(&ctx.bpf_fd);
	if (ctx.no_caps)
		cap_free(ctx.no_caps);
	rootfs_free(&ctx.rf);
	if (filter)
		seccomp_release(filter);
	return rc;
}
