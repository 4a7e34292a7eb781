/* Cloning a tree exactly (modes, mtimes, hard links), at any depth: the
 * checker's sources, unpacked once, for every build that needs them. */
#define _GNU_SOURCE
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../../common/inomap.h"
#include "../../common/walk.h"

static int clone_bytes(int in, int out, const char *path, struct cl_err *err)
{
	/* a clone shares the blocks (btrfs, xfs); else the kernel copies */
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n > 0 || errno == EINTR)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
			return cl_err_set(err, errno, "copying %s", path);
		break;
	}
	char buf[1 << 16];
	ssize_t got;
	int r = 0;
	while (r == 0 && (got = read_all(in, buf, sizeof buf)) > 0)
		r = write_all(out, buf, (size_t)got);
	if (r == 0 && got < 0)
		r = (int)got;
	return r < 0 ? cl_err_set(err, -r, "copying %s", path) : 0;
}

/* One entry below dfd, the destination directory that holds it. */
static int clone_entry(const struct walk_entry *e, int root, int dfd, struct inomap *links,
		       struct cl_err *err)
{
	const struct timespec ts[2] = { e->st.st_atim, e->st.st_mtim };
	if (S_ISDIR(e->st.st_mode)) {
		if (e->post) {
			/* after its contents, which would change its mtime, and
			 * which a read-only mode would keep out */
			if (fchmodat(dfd, e->name, e->st.st_mode & 07777, 0) < 0 ||
			    utimensat(dfd, e->name, ts, AT_SYMLINK_NOFOLLOW) < 0)
				return cl_err_set(err, errno, "setting the mode and mtime of %s", e->path);
			return 0;
		}
		struct stat ex;
		/* a directory there already (a stage's build/home) is merged into */
		if (mkdirat(dfd, e->name, 0700) < 0 &&
		    !(errno == EEXIST && fstatat(dfd, e->name, &ex, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(ex.st_mode)))
			return cl_err_set(err, errno, "creating %s", e->path);
		return 0;
	}
	if (S_ISLNK(e->st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(e->dfd, e->name, target, sizeof target - 1);
		if (n < 0 || (target[n] = '\0', symlinkat(target, dfd, e->name) < 0) ||
		    utimensat(dfd, e->name, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return cl_err_set(err, errno, "copying the symlink %s", e->path);
		return 0;
	}
	if (!S_ISREG(e->st.st_mode))
		return cl_err_msg(err, EPERM, "%s: a special file, not copied", e->path);
	const char *leader = NULL;
	TRY(inomap_leader(links, &e->st, e->path, &leader, err));
	if (leader) {
		/* a second name of a file cloned before, by its path below root */
		if (linkat(root, leader + 1, dfd, e->name, 0) < 0)
			return cl_err_set(err, errno, "linking %s to %s", e->path, leader);
		return 0;
	}
	_cleanup_close_ int in = openat(e->dfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = openat(dfd, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (in < 0 || out < 0)
		return cl_err_set(err, errno, "copying %s", e->path);
	TRY(clone_bytes(in, out, e->path, err));
	if (fchmod(out, e->st.st_mode & 07777) < 0 || futimens(out, ts) < 0)
		return cl_err_set(err, errno, "setting the mode and mtime of %s", e->path);
	return 0;
}

int tree_clone(const char *from, const char *to, struct cl_err *err)
{
	_cleanup_close_ int sfd = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return cl_err_set(err, errno, "%s", from);
	_cleanup_close_ int root = open(to, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cl_err_set(err, errno, "%s", to);
	/* the destination follows the walk down and up, one level at a time */
	int dfd = dup(root);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", to);
	struct walk *w;
	int r = walk_open(sfd, WALK_POST, &w, err);
	if (r < 0) {
		close(dfd);
		return r;
	}
	struct inomap links = { 0 };
	size_t depth = 1;  /* of dfd's entries */
	char entered[NAME_MAX + 1] = "";  /* the directory the walk may go into next */
	const struct walk_entry *e;
	while ((r = walk_next(w, &e, err)) > 0) {
		if (e->depth == depth + 1 && entered[0]) {
			int next = openat(dfd, entered, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			close(dfd);
			dfd = next;
			depth++;
		}
		for (; dfd >= 0 && e->depth < depth; depth--) {
			int up = openat(dfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			close(dfd);
			dfd = up;
		}
		entered[0] = '\0';
		if (dfd < 0) {
			r = cl_err_set(err, errno, "copying %s", e->path);
			break;
		}
		if ((r = clone_entry(e, root, dfd, &links, err)) < 0)
			break;
		if (S_ISDIR(e->st.st_mode) && !e->post)
			snprintf(entered, sizeof entered, "%s", e->name);
	}
	walk_close(w);
	inomap_free(&links);
	if (dfd >= 0)
		close(dfd);
	return r;
}
