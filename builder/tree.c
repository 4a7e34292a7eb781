#define _GNU_SOURCE
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "../common/cleanup.h"
#include "../common/fsutil.h"

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c >= 0x7f || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

enum walk_order { PRE, POST };
typedef int (*visit_fn)(int dfd, const char *name, const char *path, const struct stat *st,
			void *ctx, struct cl_err *err);

/* Visits every entry below dfd in sorted order; directories before their
 * contents (PRE) or after (POST). */
static int walk(int dfd, const char *prefix, enum walk_order order, visit_fn fn, void *ctx,
		struct cl_err *err)
{
	char **names = NULL;
	size_t n = 0;
	TRY(list_dir_sorted(dfd, &names, &n, err));
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		char path[PATH_MAX];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", prefix, names[i]);
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = cl_err_set(err, errno, "stat %s", path);
			break;
		}
		if (order == PRE && (r = fn(dfd, names[i], path, &st, ctx, err)) < 0)
			break;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = cl_err_set(err, errno, "opening %s", path);
				break;
			}
			r = walk(sub, path, order, fn, ctx, err);
			close(sub);
			if (r < 0)
				break;
		}
		if (order == POST && (r = fn(dfd, names[i], path, &st, ctx, err)) < 0)
			break;
	}
	free_names(names, n);
	return r;
}

static int manifest_line(int dfd, const char *name, const char *path, const struct stat *st,
			 void *ctx, struct cl_err *err)
{
	FILE *f = ctx;
	char hex[SHA256_HEX_LEN + 1] = "-";
	char target[PATH_MAX] = "";
	char type;

	if (S_ISDIR(st->st_mode)) {
		type = 'd';
	} else if (S_ISLNK(st->st_mode)) {
		type = 'l';
		ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);
		if (n < 0)
			return cl_err_set(err, errno, "readlink %s", path);
		target[n] = '\0';
	} else if (S_ISREG(st->st_mode)) {
		type = 'f';
		_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return cl_err_set(err, errno, "opening %s", path);
		if (sha256_fd(fd, hex, err) < 0)
			return cl_err_prefix(err, "%s", path);
	} else {
		return cl_err_msg(err, EPERM, "%s: unexpected special file in the tree", path);
	}
	fprintf(f, "%c %04o %llu %s ", type, (unsigned)(st->st_mode & 07777),
		type == 'f' ? (unsigned long long)st->st_size : 0ULL, hex);
	put_escaped(f, path);
	if (type == 'l') {
		fputc(' ', f);
		put_escaped(f, target);
	}
	fputc('\n', f);
	return 0;
}

int tree_manifest(const char *root, char **text, size_t *len, struct cl_err *err)
{
	_cleanup_close_ int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", root);
	FILE *f = open_memstream(text, len);
	if (!f)
		return cl_err_set(err, errno, "open_memstream");
	int r = walk(dfd, "", PRE, manifest_line, f, err);
	fclose(f);
	if (r < 0) {
		free(*text);
		*text = NULL;
	}
	return r;
}

static int clamp_one(int dfd, const char *name, const char *path, const struct stat *st,
		     void *ctx, struct cl_err *err)
{
	(void)st;
	time_t epoch = *(time_t *)ctx;
	struct timespec ts[2] = { { epoch, 0 }, { epoch, 0 } };
	if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return cl_err_set(err, errno, "setting the mtime of %s", path);
	return 0;
}

int tree_clamp_mtimes(const char *root, time_t epoch, struct cl_err *err)
{
	_cleanup_close_ int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", root);
	/* after its contents: creating entries would touch a directory's mtime */
	TRY(walk(dfd, "", POST, clamp_one, &epoch, err));
	struct timespec ts[2] = { { epoch, 0 }, { epoch, 0 } };
	if (futimens(dfd, ts) < 0)
		return cl_err_set(err, errno, "setting the mtime of %s", root);
	return 0;
}

static int readonly_one(int dfd, const char *name, const char *path, const struct stat *st,
			void *ctx, struct cl_err *err)
{
	(void)ctx;
	if (S_ISLNK(st->st_mode))
		return 0;
	mode_t m = st->st_mode & 07777 & ~(mode_t)0222;
	if (fchmodat(dfd, name, m, 0) < 0)
		return cl_err_set(err, errno, "chmod %s", path);
	return 0;
}

int tree_make_readonly(const char *root, struct cl_err *err)
{
	_cleanup_close_ int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", root);
	/* after its contents: a read-only directory cannot be changed inside */
	TRY(walk(dfd, "", POST, readonly_one, NULL, err));
	struct stat st;
	if (fstat(dfd, &st) < 0 || fchmod(dfd, st.st_mode & 07777 & ~(mode_t)0222) < 0)
		return cl_err_set(err, errno, "chmod %s", root);
	return 0;
}

/* The owner's execute bit decides: whatever the umask or the build's
 * chmods did to group and others is erased. */
static mode_t canonical_mode(const struct stat *st)
{
	return S_ISDIR(st->st_mode) || (st->st_mode & S_IXUSR) ? 0555 : 0444;
}

static int canonical_one(int dfd, const char *name, const char *path, const struct stat *st,
			 void *ctx, struct cl_err *err)
{
	(void)ctx;
	if (S_ISLNK(st->st_mode) || (st->st_mode & 07777) == canonical_mode(st))
		return 0;
	if (fchmodat(dfd, name, canonical_mode(st), 0) < 0)
		return cl_err_set(err, errno, "chmod %s", path);
	return 0;
}

/* One declared mode.  The tree was written by a build: its parent is
 * resolved beneath root without following any symlink, so a planted link
 * cannot point the chmod at a file outside. */
static int set_declared(int root, const char *file, const struct path_mode *m, struct cl_err *err)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", m->path + 1);
	char *slash = strrchr(parent, '/');
	const char *base = slash ? slash + 1 : parent;
	if (slash)
		*slash = '\0';
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int pfd = (int)syscall(SYS_openat2, root, slash ? parent : ".", &how, sizeof how);
	struct stat st;
	if (pfd < 0 || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cl_err_in(err, CL_BUILD_FAILED, EIO, "%s:%d: mode for %s, but the build made no such path%s", file, m->line,
				  m->path, pfd < 0 && errno == ELOOP ? " (a symlink lies on the way)" : "");
	if (S_ISLNK(st.st_mode))
		return cl_err_in(err, CL_BUILD_FAILED, EIO, "%s:%d: mode for %s, which the build made a symlink (a symlink has "
				  "no mode)", file, m->line, m->path);
	if (S_ISDIR(st.st_mode) && (m->mode & 0500) != 0500)
		return cl_err_in(err, CL_BUILD_FAILED, EIO, "%s:%d: mode %04o for the directory %s: a directory needs its owner's "
				  "read and execute bits (0500 at least), or nothing could list or verify it",
				  file, m->line, (unsigned)m->mode, m->path);
	if (fchmodat(pfd, base, m->mode, 0) < 0)
		return cl_err_set(err, errno, "chmod %s", m->path);
	return 0;
}

int tree_canonical_modes(const char *root, const struct path_modes *modes, struct cl_err *err)
{
	_cleanup_close_ int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", root);
	/* after its contents: a read-only directory cannot be changed inside */
	TRY(walk(dfd, "", POST, canonical_one, NULL, err));
	for (size_t i = 0; modes && i < modes->n; i++)
		TRY(set_declared(dfd, modes->file, &modes->v[i], err));
	if (fchmod(dfd, 0555) < 0)
		return cl_err_set(err, errno, "chmod %s", root);
	return 0;
}

/* Hard links of the source tree: the first copy of each multiply-linked
 * inode, by its path below the destination's root. */
struct copy_links {
	dev_t *dev;
	ino_t *ino;
	char **path;
	size_t n;
};

struct copy_ctx {
	int root;   /* the destination */
	struct copy_links links;
	struct cl_err *err;
};

static int copy_bytes(int in, int out, const char *path, struct cl_err *err)
{
	/* a clone shares the blocks (btrfs, xfs); else the kernel copies */
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
			return cl_err_set(err, errno, "copying %s", path);
		break;
	}
	char buf[1 << 16];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cl_err_set(err, errno, "reading %s", path);
		if (n == 0)
			return 0;
		for (ssize_t o = 0; o < n;) {
			ssize_t w = write(out, buf + o, (size_t)(n - o));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return cl_err_set(err, errno, "writing %s", path);
			o += w;
		}
	}
}

/* Returns the first destination path of st's inode, or NULL after
 * recording path as its first. */
static const char *copy_link_leader(struct copy_ctx *c, const struct stat *st, const char *path)
{
	for (size_t i = 0; i < c->links.n; i++)
		if (c->links.dev[i] == st->st_dev && c->links.ino[i] == st->st_ino)
			return c->links.path[i];
	size_t n = c->links.n + 1;
	dev_t *d = realloc(c->links.dev, n * sizeof *d);
	if (d)
		c->links.dev = d;
	ino_t *i = realloc(c->links.ino, n * sizeof *i);
	if (i)
		c->links.ino = i;
	char **p = realloc(c->links.path, n * sizeof *p);
	if (p)
		c->links.path = p;
	char *dup = d && i && p ? strdup(path) : NULL;
	if (dup) {
		c->links.dev[c->links.n] = st->st_dev;
		c->links.ino[c->links.n] = st->st_ino;
		c->links.path[c->links.n++] = dup;
	}
	return NULL;
}

static int copy_dir(struct copy_ctx *c, int sfd, int dfd, const char *prefix)
{
	char **names = NULL;
	size_t n = 0;
	TRY(list_dir_sorted(sfd, &names, &n, c->err));
	int r = 0;
	for (size_t k = 0; k < n && r == 0; k++) {
		const char *name = names[k];
		char path[PATH_MAX];
		struct stat st;
		snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "/" : "", name);
		if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = cl_err_set(c->err, errno, "stat %s", path);
			break;
		}
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		if (S_ISDIR(st.st_mode)) {
			struct stat ex;
			/* a directory there already (a stage's build/home) is merged into */
			if (mkdirat(dfd, name, 0700) < 0 &&
			    !(errno == EEXIST && fstatat(dfd, name, &ex, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(ex.st_mode))) {
				r = cl_err_set(c->err, errno, "creating %s", path);
				break;
			}
			_cleanup_close_ int s2 = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			_cleanup_close_ int d2 = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				r = cl_err_set(c->err, errno, "opening %s", path);
			else if ((r = copy_dir(c, s2, d2, path)) == 0 &&
				 /* after its contents, which would touch both */
				 (fchmod(d2, st.st_mode & 07777) < 0 || futimens(d2, ts) < 0))
				r = cl_err_set(c->err, errno, "setting the mode and mtime of %s", path);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t l = readlinkat(sfd, name, target, sizeof target - 1);
			if (l < 0 || (target[l] = '\0', symlinkat(target, dfd, name) < 0) ||
			    utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
				r = cl_err_set(c->err, errno, "copying the symlink %s", path);
		} else if (S_ISREG(st.st_mode)) {
			const char *first = st.st_nlink > 1 ? copy_link_leader(c, &st, path) : NULL;
			if (first) {
				if (linkat(c->root, first, dfd, name, 0) < 0)
					r = cl_err_set(c->err, errno, "linking %s to %s", path, first);
				continue;
			}
			_cleanup_close_ int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			_cleanup_close_ int out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (in < 0 || out < 0)
				r = cl_err_set(c->err, errno, "copying %s", path);
			else if ((r = copy_bytes(in, out, path, c->err)) == 0 &&
				 (fchmod(out, st.st_mode & 07777) < 0 || futimens(out, ts) < 0))
				r = cl_err_set(c->err, errno, "setting the mode and mtime of %s", path);
		} else {
			r = cl_err_msg(c->err, EPERM, "%s: a special file, not copied", path);
		}
	}
	free_names(names, n);
	return r;
}

int tree_copy(const char *from, const char *to, struct cl_err *err)
{
	_cleanup_close_ int sfd = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return cl_err_set(err, errno, "%s", from);
	struct copy_ctx c = { .root = open(to, O_RDONLY | O_DIRECTORY | O_CLOEXEC), .err = err };
	if (c.root < 0)
		return cl_err_set(err, errno, "%s", to);
	int r = copy_dir(&c, sfd, c.root, "");
	close(c.root);
	for (size_t i = 0; i < c.links.n; i++)
		free(c.links.path[i]);
	free(c.links.dev);
	free(c.links.ino);
	free(c.links.path);
	return r;
}
