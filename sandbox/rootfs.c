/* The new root: a private staging tmpfs, a scaffold of mountpoints, the
 * read-only layers over it, and the switch into it. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"

static const char *const dev_nodes[6] = { "null", "zero", "full", "random", "urandom", "tty" };

int rootfs_init(struct rootfs *rf, const struct sandbox_config *cfg)
{
	rf->staging_fd = rf->scaffold_fd = rf->root_fd = -1;
	rf->layer_fds = calloc(cfg->n_roots + 1, sizeof(int));
	rf->op_fds = calloc(cfg->n_ops + 1, sizeof(int));
	/* "/proc/self/fd/N:" per layer and the scaffold */
	rf->lower_cap = 32 * (cfg->n_roots + 1);
	rf->lower = malloc(rf->lower_cap);
	for (size_t i = 0; rf->layer_fds && i < cfg->n_roots; i++)
		rf->layer_fds[i] = -1;
	for (size_t i = 0; rf->op_fds && i < cfg->n_ops; i++)
		rf->op_fds[i] = -1;
	for (size_t i = 0; i < 6; i++)
		rf->dev_fds[i] = -1;
	if (!rf->layer_fds || !rf->op_fds || !rf->lower) {
		rootfs_free(rf);
		return -ENOMEM;
	}
	return 0;
}

void rootfs_release(struct rootfs *rf, const struct sandbox_config *cfg)
{
	cl_closep(&rf->staging_fd);
	cl_closep(&rf->scaffold_fd);
	cl_closep(&rf->root_fd);
	for (size_t i = 0; rf->layer_fds && i < cfg->n_roots; i++)
		cl_closep(&rf->layer_fds[i]);
	for (size_t i = 0; rf->op_fds && i < cfg->n_ops; i++)
		cl_closep(&rf->op_fds[i]);
	for (size_t i = 0; i < 6; i++)
		cl_closep(&rf->dev_fds[i]);
}

void rootfs_free(struct rootfs *rf)
{
	free(rf->layer_fds);
	free(rf->op_fds);
	free(rf->lower);
	rf->layer_fds = rf->op_fds = NULL;
	rf->lower = NULL;
}

int sandbox_make_mounts_private(struct cl_err *err)
{
	/* Nothing we mount may propagate back to the host's namespace, and
	 * nothing the host mounts later may appear in ours. */
	struct mount_attr attr = { .propagation = MS_PRIVATE };
	if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &attr, sizeof attr) < 0)
		return cl_err_set(err, errno, "making the mounts private");
	return 0;
}

int sandbox_open_sources(const struct sandbox_config *cfg, struct rootfs *rf,
			 struct cl_err *err)
{
	if (!rf->layer_fds || !rf->op_fds)
		return cl_err_set(err, ENOMEM, "allocating the root");
	/* Everything on the host side is opened now, relative to the
	 * caller's working directory, before any mount can shadow it. */
	for (size_t i = 0; i < cfg->n_roots; i++) {
		rf->layer_fds[i] = open(cfg->roots[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rf->layer_fds[i] < 0)
			return cl_err_set(err, errno, "--root %s", cfg->roots[i]);
	}
	for (size_t i = 0; i < cfg->n_ops; i++) {
		const struct sandbox_op *op = &cfg->ops[i];
		if (op->kind != SB_OP_BIND && op->kind != SB_OP_RO_BIND)
			continue;
		rf->op_fds[i] = open_tree(AT_FDCWD, op->src,
					  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (rf->op_fds[i] < 0)
			return cl_err_set(err, errno, "%s %s", op->kind == SB_OP_BIND ? "--bind" : "--ro-bind",
					  op->src);
	}
	for (size_t i = 0; i < 6; i++) {
		char path[32];
		snprintf(path, sizeof path, "/dev/%s", dev_nodes[i]);
		rf->dev_fds[i] = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (rf->dev_fds[i] < 0)
			return cl_err_set(err, errno, "opening the host's %s", path);
	}
	return 0;
}

/* mkdir -p inside a directory we own and nobody else can see yet. */
static int scaffold_path(int dirfd, const char *path, int kind, const char *link)
{
	char buf[4096];
	size_t len = strlen(path);
	if (len >= sizeof buf)
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	char *p = buf;
	while (*p == '/')
		p++;
	for (char *s = p; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdirat(dirfd, p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (!*p)
		return 0;
	int r;
	if (kind == 'd')
		r = mkdirat(dirfd, p, 0755);
	else if (kind == 'l')
		r = symlinkat(link, dirfd, p);
	else {
		r = openat(dirfd, p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (r >= 0)
			r = close(r);
	}
	return (r < 0 && errno != EEXIST) ? -errno : 0;
}

static int build_scaffold(const struct sandbox_config *cfg, struct rootfs *rf,
			  struct cl_err *err)
{
	static const char *const dirs[] = { "proc", "dev", "tmp" };
	int r;

	for (size_t i = 0; i < 3; i++)
		if ((r = scaffold_path(rf->scaffold_fd, dirs[i], 'd', NULL)) < 0)
			return cl_err_set(err, -r, "creating /%s", dirs[i]);
	for (size_t i = 0; i < cfg->n_ops; i++) {
		const struct sandbox_op *op = &cfg->ops[i];
		int kind = 'd';
		if (op->kind == SB_OP_SYMLINK)
			kind = 'l';
		else if (op->kind == SB_OP_BIND || op->kind == SB_OP_RO_BIND) {
			struct stat st;
			if (fstat(rf->op_fds[i], &st) < 0)
				return cl_err_set(err, errno, "stat %s", op->src);
			kind = S_ISDIR(st.st_mode) ? 'd' : 'f';
		}
		if ((r = scaffold_path(rf->scaffold_fd, op->dest, kind, op->src)) < 0)
			return cl_err_set(err, -r, "creating the mountpoint %s", op->dest);
	}
	return 0;
}

static int mount_layers(const struct sandbox_config *cfg, struct rootfs *rf,
			int target, struct cl_err *err)
{
	/* overlayfs takes paths; /proc/self/fd/N names the directories opened
	 * before anything was shadowed and needs no escaping of ':' or ','. */
	size_t cap = rf->lower_cap;
	char *lower = rf->lower;
	size_t o = 0;
	for (size_t i = cfg->n_roots; i-- > 0;)
		o += (size_t)snprintf(lower + o, cap - o, "/proc/self/fd/%d:", rf->layer_fds[i]);
	/* The scaffold lies lowest: the layers' own entries win, and it only
	 * supplies mountpoints the layers lack. */
	snprintf(lower + o, cap - o, "/proc/self/fd/%d", rf->scaffold_fd);

	const char *const opts[] = { "lowerdir", lower, NULL };
	_cleanup_close_ int m = new_fs("overlay", opts,
				       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
				       err);
	if (m < 0)
		/* the supervisor explains it from the host's mount table
		 * (sandbox_explain_setup_error): libmount cannot run here */
		return cl_err_prefix(err, SANDBOX_LAYERS_FAILED);
	return attach_mount(m, target, "the root layers", err);
}

void sandbox_explain_layers(const struct sandbox_config *cfg, struct cl_err *err)
{
	if (!strstr(err->msg, SANDBOX_LAYERS_FAILED))
		return;
	for (size_t i = 0; i < cfg->n_roots; i++) {
		char why[768];
		mounttable_explain_layer(cfg->roots[i], why, sizeof why);
		if (strstr(why, "submounts")) {
			cl_err_msg(err, err->code, "--root %s: %s", cfg->roots[i], why);
			return;
		}
	}
}

int sandbox_assemble_root(const struct sandbox_config *cfg, struct rootfs *rf,
			  struct cl_err *err)
{
	static const char *const staging_opts[] = { "mode", "0700", NULL };
	static const char *const hosts[] = { "/tmp", "/run", "/mnt", "/var/tmp" };
	int r;

	rf->staging_fd = new_fs("tmpfs", staging_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
	if (rf->staging_fd < 0)
		return rf->staging_fd;
	/* The staging tmpfs needs a place in our (private) tree: pivot_root
	 * only accepts an attached mount.  Any existing directory will do. */
	r = -ENOENT;
	for (size_t i = 0; i < sizeof hosts / sizeof *hosts && r < 0; i++)
		r = move_mount(rf->staging_fd, "", AT_FDCWD, hosts[i], MOVE_MOUNT_F_EMPTY_PATH) < 0
			? -errno : 0;
	if (r < 0)
		return cl_err_set(err, -r, "attaching the staging tmpfs (tried /tmp, /run, /mnt, /var/tmp)");
	if (mkdirat(rf->staging_fd, "scaffold", 0755) < 0 ||
	    mkdirat(rf->staging_fd, "newroot", 0755) < 0)
		return cl_err_set(err, errno, "creating the staging directories");
	rf->scaffold_fd = openat(rf->staging_fd, "scaffold", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rf->scaffold_fd < 0)
		return cl_err_set(err, errno, "opening the scaffold");
	TRY(build_scaffold(cfg, rf, err));

	_cleanup_close_ int newroot = openat(rf->staging_fd, "newroot", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (newroot < 0)
		return cl_err_set(err, errno, "opening newroot");
	if (cfg->n_roots > 0) {
		TRY(mount_layers(cfg, rf, newroot, err));
	} else {
		/* No layer: the scaffold itself, bound, is the root. */
		_cleanup_close_ int m = open_tree(rf->scaffold_fd, "", OPEN_TREE_CLONE |
						  OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (m < 0)
			return cl_err_set(err, errno, "cloning the scaffold");
		TRY(attach_mount(m, newroot, "the root tmpfs", err));
	}
	/* Reopen: the descriptor must name the root of the new mount, not
	 * the directory under it. */
	rf->root_fd = openat(rf->staging_fd, "newroot", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rf->root_fd < 0)
		return cl_err_set(err, errno, "opening the new root");
	return 0;
}

int sandbox_seal_root(const struct sandbox_config *cfg, struct rootfs *rf,
		      struct cl_err *err)
{
	if (cfg->n_roots > 0)
		return 0; /* overlayfs without an upper layer is read-only already */
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	};
	if (mount_setattr(rf->root_fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
		return cl_err_set(err, errno, "making the root read-only");
	return 0;
}

int sandbox_pivot_root(struct rootfs *rf, struct cl_err *err)
{
	/* pivot_root(".", ".") stacks the old root on the new one; detaching
	 * it leaves no path back to the host's tree (chroot would). */
	if (fchdir(rf->root_fd) < 0)
		return cl_err_set(err, errno, "entering the new root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return cl_err_set(err, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return cl_err_set(err, errno, "detaching the old root");
	if (chdir("/") < 0)
		return cl_err_set(err, errno, "chdir /");
	return 0;
}

int sandbox_mount_devices(const struct sandbox_config *cfg, struct rootfs *rf, struct cl_err *err)
{
	unsigned long long cfg_shm_size = cfg->shm_size ? cfg->shm_size : SANDBOX_SHM_SIZE;
	static const char *const dev_opts[] = { "mode", "0755", NULL };
	char shm_size[32];
	snprintf(shm_size, sizeof shm_size, "%llu", cfg_shm_size);
	const char *const shm_opts[] = { "mode", "1777", "size", shm_size, "nr_inodes", SANDBOX_TMP_INODES, NULL };
	/* A private devpts instance: the host's terminals are not listed. */
	static const char *const pts_opts[] = { "newinstance", NULL, "ptmxmode", "0666",
						"mode", "0620", NULL };
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
		{ "ptmx", "pts/ptmx" },
	};

	_cleanup_close_ int target = make_path_in_root(rf->root_fd, "/dev", true, err);
	if (target < 0)
		return target;
	_cleanup_close_ int dev = new_fs("tmpfs", dev_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err);
	if (dev < 0)
		return dev;
	/* Attached before anything is mounted inside it: mounting onto a
	 * detached tree needs Linux 6.15, and Debian 12 ships 6.1. */
	TRY(attach_mount(dev, target, "/dev", err));
	/* Device nodes cannot be created in a user namespace, so the host's
	 * harmless ones are bound onto empty files.  The binds are read-only:
	 * that refuses chmod, chown and utimes on the host's inode (EROFS),
	 * which the device's owner (root, when cloister runs as root) or
	 * anyone with write access (touch /dev/null) could otherwise do,
	 * while reading and writing the device itself stay allowed. */
	struct mount_attr node_attr = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
	};
	for (size_t i = 0; i < 6; i++) {
		if (mount_setattr(rf->dev_fds[i], "", AT_EMPTY_PATH, &node_attr, sizeof node_attr) < 0)
			return cl_err_set(err, errno, "restricting /dev/%s", dev_nodes[i]);
		_cleanup_close_ int f = openat(dev, dev_nodes[i],
					       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (f < 0)
			return cl_err_set(err, errno, "creating /dev/%s", dev_nodes[i]);
		_cleanup_close_ int node = openat(dev, dev_nodes[i], O_PATH | O_CLOEXEC);
		if (node < 0 || attach_mount(rf->dev_fds[i], node, dev_nodes[i], err) < 0)
			return cl_err_set(err, errno, "binding /dev/%s", dev_nodes[i]);
	}
	for (size_t i = 0; i < sizeof links / sizeof *links; i++)
		if (symlinkat(links[i][1], dev, links[i][0]) < 0)
			return cl_err_set(err, errno, "creating /dev/%s", links[i][0]);
	if (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0)
		return cl_err_set(err, errno, "creating /dev/pts and /dev/shm");

	_cleanup_close_ int pts_dir = openat(dev, "pts", O_PATH | O_CLOEXEC);
	_cleanup_close_ int pts = new_fs("devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err);
	if (pts < 0)
		return pts;
	TRY(attach_mount(pts, pts_dir, "/dev/pts", err));
	_cleanup_close_ int shm_dir = openat(dev, "shm", O_PATH | O_CLOEXEC);
	_cleanup_close_ int shm = new_fs("tmpfs", shm_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
	if (shm < 0)
		return shm;
	return attach_mount(shm, shm_dir, "/dev/shm", err);
}

int sandbox_mount_tmp(const struct sandbox_config *cfg, struct rootfs *rf, struct cl_err *err)
{
	char size[32];
	snprintf(size, sizeof size, "%llu", cfg->tmp_size ? cfg->tmp_size : SANDBOX_TMP_SIZE);
	const char *const opts[] = { "mode", "1777", "size", size, "nr_inodes", SANDBOX_TMP_INODES, NULL };
	_cleanup_close_ int target = make_path_in_root(rf->root_fd, "/tmp", true, err);
	if (target < 0)
		return target;
	_cleanup_close_ int m = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
	if (m < 0)
		return m;
	return attach_mount(m, target, "/tmp", err);
}
