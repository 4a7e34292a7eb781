/* Mounting inside the new root, by file descriptor.
 *
 * Every target is resolved with openat2(RESOLVE_IN_ROOT) from the new
 * root's descriptor and every mount is attached with move_mount() onto
 * that descriptor: a symlink planted in a bind source or a layer cannot
 * redirect a mount to the host (the runc/crun /dev symlink races). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"

int resolve_in_root(int root_fd, const char *path, int flags, struct cl_err *err)
{
	while (*path == '/')
		path++;
	struct open_how how = {
		.flags = (unsigned)(flags | O_PATH | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof how);
	if (fd < 0)
		return cl_err_set(err, errno, "resolving /%s in the sandbox", path);
	return fd;
}

int make_path_in_root(int root_fd, const char *path, bool dir, struct cl_err *err)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof buf)
		return cl_err_msg(err, ENAMETOOLONG, "path too long: %s", path);
	memcpy(buf, path, len + 1);

	/* Fast path: it already exists. */
	int fd = resolve_in_root(root_fd, buf, 0, NULL);
	if (fd >= 0)
		return fd;

	/* Walk down, creating what is missing.  Each parent is reopened from
	 * the root, so a component swapped for a symlink in between is still
	 * resolved inside the root. */
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		bool last = (*p == '\0');
		char saved = *p;
		*p = '\0';
		_cleanup_close_ int cur = resolve_in_root(root_fd, buf, 0, NULL);
		if (cur < 0) {
			char *slash = strrchr(buf, '/');
			*slash = '\0';
			_cleanup_close_ int parent = resolve_in_root(root_fd, buf[0] ? buf : "/",
								     O_DIRECTORY, err);
			*slash = '/';
			if (parent < 0)
				return parent;
			int r;
			if (last && !dir) {
				r = openat(parent, slash + 1,
					   O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
				if (r >= 0)
					close(r);
			} else {
				r = mkdirat(parent, slash + 1, 0755);
			}
			if (r < 0 && errno != EEXIST)
				return cl_err_set(err, errno, "creating %s in the sandbox%s", buf,
						  errno == EROFS ? " (its parent is read-only)" : "");
		}
		*p = saved;
		if (last)
			break;
	}
	return resolve_in_root(root_fd, buf, 0, err);
}

int attach_mount(int mount_fd, int target_fd, const char *what, struct cl_err *err)
{
	if (move_mount(mount_fd, "", target_fd, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return cl_err_set(err, errno, "mounting %s", what);
	return 0;
}

int new_fs(const char *fstype, const char *const *options, unsigned attrs,
	   struct cl_err *err)
{
	_cleanup_close_ int fs = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs < 0)
		return cl_err_set(err, errno, "fsopen(%s)", fstype);
	for (size_t i = 0; options && options[i]; i += 2) {
		int r = options[i + 1]
			? fsconfig(fs, FSCONFIG_SET_STRING, options[i], options[i + 1], 0)
			: fsconfig(fs, FSCONFIG_SET_FLAG, options[i], NULL, 0);
		if (r < 0)
			return cl_err_set(err, errno, "%s option %s", fstype, options[i]);
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return cl_err_set(err, errno, "creating a %s instance", fstype);
	int m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	if (m < 0)
		return cl_err_set(err, errno, "fsmount(%s)", fstype);
	return m;
}

static int apply_bind(const struct sandbox_op *op, int src_fd, int root_fd,
		      struct cl_err *err)
{
	struct stat st;
	if (fstat(src_fd, &st) < 0)
		return cl_err_set(err, errno, "stat %s", op->src);

	/* Restrictions go on the detached tree before it is attached, so
	 * there is no moment when a read-only bind is writable. */
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	if (op->kind == SB_OP_RO_BIND)
		attr.attr_set |= MOUNT_ATTR_RDONLY;
	if (mount_setattr(src_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
		return cl_err_set(err, errno, "restricting the bind of %s", op->src);

	_cleanup_close_ int target = make_path_in_root(root_fd, op->dest, S_ISDIR(st.st_mode), err);
	if (target < 0)
		return target;
	return attach_mount(src_fd, target, op->dest, err);
}

static int apply_tmpfs(const struct sandbox_config *cfg, const struct sandbox_op *op, int root_fd,
		       struct cl_err *err)
{
	char size[32];
	snprintf(size, sizeof size, "%llu", cfg->tmp_size ? cfg->tmp_size : SANDBOX_TMP_SIZE);
	const char *const opts[] = { "mode", "0755", "size", size, "nr_inodes", SANDBOX_TMP_INODES, NULL };
	_cleanup_close_ int target = make_path_in_root(root_fd, op->dest, true, err);
	if (target < 0)
		return target;
	_cleanup_close_ int m = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
	if (m < 0)
		return m;
	return attach_mount(m, target, op->dest, err);
}

static int apply_symlink(const struct sandbox_op *op, int root_fd, struct cl_err *err)
{
	char parent_path[4096];
	const char *slash = strrchr(op->dest, '/');
	size_t pl = (size_t)(slash - op->dest);

	if (pl >= sizeof parent_path)
		return cl_err_msg(err, ENAMETOOLONG, "path too long: %s", op->dest);
	memcpy(parent_path, op->dest, pl);
	parent_path[pl] = '\0';
	_cleanup_close_ int parent = make_path_in_root(root_fd, pl ? parent_path : "/", true, err);
	if (parent < 0)
		return parent;
	if (symlinkat(op->src, parent, slash + 1) == 0)
		return 0;
	if (errno == EEXIST) {
		/* Already there (from the scaffold, or the root layer): fine
		 * if it says the same thing. */
		char cur[4096];
		ssize_t n = readlinkat(parent, slash + 1, cur, sizeof cur - 1);
		if (n >= 0) {
			cur[n] = '\0';
			if (strcmp(cur, op->src) == 0)
				return 0;
		}
		return cl_err_msg(err, EEXIST, "cannot create symlink %s: something else is already there",
				  op->dest);
	}
	return cl_err_set(err, errno, "creating symlink %s", op->dest);
}

int sandbox_apply_ops(const struct sandbox_config *cfg, struct rootfs *rf,
		      struct cl_err *err)
{
	for (size_t i = 0; i < cfg->n_ops; i++) {
		const struct sandbox_op *op = &cfg->ops[i];
		int r = 0;
		switch (op->kind) {
		case SB_OP_BIND:
		case SB_OP_RO_BIND:
			r = apply_bind(op, rf->op_fds[i], rf->root_fd, err);
			break;
		case SB_OP_TMPFS:
			r = apply_tmpfs(cfg, op, rf->root_fd, err);
			break;
		case SB_OP_DIR: {
			int fd = make_path_in_root(rf->root_fd, op->dest, true, err);
			if (fd >= 0)
				close(fd);
			r = fd < 0 ? fd : 0;
			break;
		}
		case SB_OP_SYMLINK:
			r = apply_symlink(op, rf->root_fd, err);
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}
