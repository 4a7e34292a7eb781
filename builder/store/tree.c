#define _GNU_SOURCE
#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../../common/fsutil.h"
#include "../../common/inomap.h"
#include "../../common/walk.h"

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

/* The longest symlink target Linux stores (symlink(2) refuses longer). */
#define TARGET_MAX (PATH_MAX - 1)

/* Runs fn on every entry below root: non-directories once, directories
 * after their contents (with post) or before (without). */
typedef int (*visit_fn)(const struct walk_entry *e, void *ctx, struct cl_err *err);

static int each(int dfd, bool post, visit_fn fn, void *ctx, struct cl_err *err)
{
	struct walk *w;
	TRY(walk_open(dfd, post ? WALK_POST : 0, &w, err));
	const struct walk_entry *e;
	int r;
	while ((r = walk_next(w, &e, err)) > 0) {
		if (S_ISDIR(e->st.st_mode) && e->post != post)
			continue;
		if ((r = fn(e, ctx, err)) < 0)
			break;
	}
	walk_close(w);
	return r;
}

int manifest_writer_entry(struct manifest_writer *m, const struct walk_entry *e, mode_t mode,
			  const char *leader, const char *digest, struct cl_err *err)
{
	char hex[SHA256_HEX_LEN + 1] = "-";
	char target[TARGET_MAX + 2] = "";
	char type;

	if (S_ISDIR(e->st.st_mode)) {
		type = 'd';
	} else if (S_ISLNK(e->st.st_mode)) {
		type = 'l';
		ssize_t n = readlinkat(e->dfd, e->name, target, sizeof target - 1);
		if (n < 0)
			return cl_err_set(err, errno, "readlink %s", e->path);
		if ((size_t)n > TARGET_MAX)
			return cl_err_msg(err, ENAMETOOLONG, "%s: a symlink target longer than %d bytes",
					  e->path, TARGET_MAX);
		target[n] = '\0';
	} else if (S_ISREG(e->st.st_mode)) {
		/* a second name of a file listed before: its content is that one's */
		type = leader ? 'h' : 'f';
		if (!leader && digest) {
			snprintf(hex, sizeof hex, "%s", digest);
		} else if (!leader) {
			_cleanup_close_ int fd = openat(e->dfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				return cl_err_set(err, errno, "opening %s", e->path);
			if (sha256_fd(fd, hex, err) < 0)
				return cl_err_prefix(err, "%s", e->path);
		}
	} else {
		return tree_refuse_special(m->root, e, err);
	}
	fprintf(m->f, "%c %04o %llu %s ", type, (unsigned)(mode & 07777),
		S_ISREG(e->st.st_mode) ? (unsigned long long)e->st.st_size : 0ULL, hex);
	put_escaped(m->f, e->path);
	if (type == 'l' || type == 'h') {
		fputc(' ', m->f);
		put_escaped(m->f, type == 'l' ? target : leader);
	}
	fputc('\n', m->f);
	return 0;
}

int tree_refuse_special(const char *root, const struct walk_entry *e, struct cl_err *err)
{
	return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s%s: %s, where only files, directories and symlinks "
			 "may be", root, e->path, S_ISFIFO(e->st.st_mode) ? "a FIFO" :
			 S_ISSOCK(e->st.st_mode) ? "a socket" : "a device node");
}

struct manifest {
	struct manifest_writer w;
	bool no_links;  /* every file as f, hashed */
};

static int manifest_line(const struct walk_entry *e, void *ctx, struct cl_err *err)
{
	struct manifest *m = ctx;
	const char *leader = NULL;
	if (S_ISREG(e->st.st_mode) && !m->no_links)
		TRY(inomap_leader(&m->w.links, &e->st, e->path, &leader, err));
	return manifest_writer_entry(&m->w, e, e->st.st_mode, leader, NULL, err);
}

static int manifest(const char *root, bool no_links, char **text, size_t *len, struct cl_err *err)
{
	_cleanup_close_ int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", root);
	struct manifest m = { .w = { .f = open_memstream(text, len), .root = root }, .no_links = no_links };
	if (!m.w.f)
		return cl_err_set(err, errno, "open_memstream");
	int r = each(dfd, false, manifest_line, &m, err);
	if (fclose(m.w.f) != 0 && r == 0)
		r = cl_err_set(err, ENOMEM, "writing the manifest of %s", root);
	inomap_free(&m.w.links);
	if (r < 0) {
		free(*text);
		*text = NULL;
	}
	return r;
}

/* Inode flags any owner may set with chattr (nodump, noatime, sync,
 * dirsync, ...): nothing compares or records them, so no output keeps
 * them.  Immutable and append-only need a capability no build has. */
#define OWNER_FLAGS (FS_SECRM_FL | FS_UNRM_FL | FS_COMPR_FL | FS_SYNC_FL | FS_NODUMP_FL | FS_NOATIME_FL | \
		     FS_NOTAIL_FL | FS_DIRSYNC_FL | FS_TOPDIR_FL | FS_NOCOW_FL | FS_NOCOMP_FL | \
		     FS_PROJINHERIT_FL)

int tree_clear_entry(const struct walk_entry *e, struct cl_err *err)
{
	if (!S_ISREG(e->st.st_mode) && !S_ISDIR(e->st.st_mode))
		return 0; /* symlinks carry neither flags nor user xattrs */
	_cleanup_close_ int fd = openat(e->dfd, e->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return cl_err_set(err, errno, "opening %s", e->path);
	int flags = 0;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
		if (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL))
			return cl_err_msg(err, EPERM, "%s is immutable or append-only", e->path);
		if (flags & OWNER_FLAGS) {
			flags &= ~OWNER_FLAGS;
			if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
				return cl_err_set(err, errno, "clearing the inode flags of %s", e->path);
		}
	}
	/* user.* extended attributes, the ones a build may set */
	ssize_t n = flistxattr(fd, NULL, 0);
	if (n <= 0)
		return 0;
	_cleanup_free_ char *names = malloc((size_t)n);
	if (!names)
		return cl_err_set(err, ENOMEM, "%s", e->path);
	n = flistxattr(fd, names, (size_t)n);
	for (ssize_t o = 0; n > 0 && o < n; o += (ssize_t)strlen(names + o) + 1) {
		if (strncmp(names + o, "user.", 5) != 0)
			continue; /* security.*, ACLs: the host's, not the build's */
		int r = fremovexattr(fd, names + o);
		if (r < 0 && errno == EACCES) {
			/* removing one needs the write bit, even for the owner */
			mode_t mode = e->st.st_mode & 07777;
			if (fchmod(fd, mode | S_IWUSR) == 0) {
				r = fremovexattr(fd, names + o);
				if (fchmod(fd, mode) < 0)
					return cl_err_set(err, errno, "chmod %s", e->path);
			}
		}
		if (r < 0 && errno != ENODATA)
			return cl_err_set(err, errno, "removing the attribute %s of %s", names + o, e->path);
	}
	return 0;
}

static int clear_one(const struct walk_entry *e, void *ctx, struct cl_err *err)
{
	(void)ctx;
	return tree_clear_entry(e, err);
}

int tree_clear_attributes(const char *root, struct cl_err *err)
{
	_cleanup_close_ int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", root);
	TRY(each(dfd, false, clear_one, NULL, err));
	struct walk_entry self = { .dfd = dfd, .name = ".", .path = "/" };
	if (fstat(dfd, &self.st) < 0)
		return cl_err_set(err, errno, "%s", root);
	return clear_one(&self, NULL, err);
}

int tree_manifest(const char *root, char **text, size_t *len, struct cl_err *err)
{
	return manifest(root, false, text, len, err);
}

int tree_manifest_unlinked(const char *root, char **text, size_t *len, struct cl_err *err)
{
	return manifest(root, true, text, len, err);
}

static int clamp_one(const struct walk_entry *e, void *ctx, struct cl_err *err)
{
	time_t epoch = *(time_t *)ctx;
	struct timespec ts[2] = { { epoch, 0 }, { epoch, 0 } };
	if (utimensat(e->dfd, e->name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return cl_err_set(err, errno, "setting the mtime of %s", e->path);
	return 0;
}

int tree_clamp_mtimes(const char *root, time_t epoch, struct cl_err *err)
{
	_cleanup_close_ int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", root);
	/* after its contents: creating entries would touch a directory's mtime */
	TRY(each(dfd, true, clamp_one, &epoch, err));
	struct timespec ts[2] = { { epoch, 0 }, { epoch, 0 } };
	if (futimens(dfd, ts) < 0)
		return cl_err_set(err, errno, "setting the mtime of %s", root);
	return 0;
}

static int readonly_one(const struct walk_entry *e, void *ctx, struct cl_err *err)
{
	(void)ctx;
	if (S_ISLNK(e->st.st_mode))
		return 0;
	mode_t m = e->st.st_mode & 07777 & ~(mode_t)0222;
	if (fchmodat(e->dfd, e->name, m, 0) < 0)
		return cl_err_set(err, errno, "chmod %s", e->path);
	return 0;
}

int tree_make_readonly(const char *root, struct cl_err *err)
{
	_cleanup_close_ int dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", root);
	/* after its contents: a read-only directory cannot be changed inside */
	TRY(each(dfd, true, readonly_one, NULL, err));
	struct stat st;
	if (fstat(dfd, &st) < 0 || fchmod(dfd, st.st_mode & 07777 & ~(mode_t)0222) < 0)
		return cl_err_set(err, errno, "chmod %s", root);
	return 0;
}

static int copy_regular(const struct walk_entry *e, int dst, struct cl_err *err)
{
	mode_t mode = (e->st.st_mode & 0111) ? 0755 : 0644;
	_cleanup_close_ int in = openat(e->dfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = openat(dst, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
					 mode);
	if (in < 0 || out < 0)
		return cl_err_set(err, errno, "copying %s", e->path);
	char buf[1 << 16];
	ssize_t got;
	int r = 0;
	while (r == 0 && (got = read_all(in, buf, sizeof buf)) > 0)
		r = write_all(out, buf, (size_t)got);
	if (r == 0 && got < 0)
		r = (int)got;
	if (r == 0 && fchmod(out, mode) < 0)
		r = -errno;
	return r < 0 ? cl_err_set(err, -r, "copying %s", e->path) : 0;
}

int tree_copy(const char *src, const char *dst, tree_copy_check check, void *ctx, struct cl_err *err)
{
	_cleanup_close_ int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return cl_err_set(err, errno, "%s", src);
	/* the destination follows the walk down and up, one level at a time */
	int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", dst);
	struct walk *w;
	int r = walk_open(sfd, 0, &w, err);
	if (r < 0) {
		close(dfd);
		return r;
	}
	size_t depth = 1;            /* of dfd's entries */
	const char *entered = NULL;  /* the directory the walk may go into next */
	char entered_name[NAME_MAX + 1];
	const struct walk_entry *e;
	while ((r = walk_next(w, &e, err)) > 0) {
		int next = -1;
		if (e->depth == depth + 1 && entered)
			next = openat(dfd, entered_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		for (; e->depth < depth; depth--) {
			int up = openat(dfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			close(dfd);
			dfd = up;
			if (dfd < 0)
				break;
		}
		if (e->depth == depth + 1) {
			close(dfd);
			dfd = next;
			depth++;
		} else if (next >= 0) {
			close(next);
		}
		entered = NULL;
		if (dfd < 0) {
			r = cl_err_set(err, errno, "copying %s", e->path);
			break;
		}
		char target[PATH_MAX + 1] = "";
		if (S_ISLNK(e->st.st_mode)) {
			ssize_t n = readlinkat(e->dfd, e->name, target, sizeof target - 1);
			if (n < 0 || n > PATH_MAX - 1) {
				r = n < 0 ? cl_err_set(err, errno, "readlink %s", e->path)
					  : cl_err_msg(err, ENAMETOOLONG, "%s: symlink target too long", e->path);
				break;
			}
			target[n] = '\0';
		}
		int c = check ? check(e, dfd, target, ctx, err) : 0;
		if (c < 0) {
			r = c;
			break;
		}
		if (c > 0) {
			walk_skip(w);
			continue;
		}
		if (S_ISDIR(e->st.st_mode)) {
			if (mkdirat(dfd, e->name, 0755) == 0) {
				/* 0755 whatever the umask; a directory merged into keeps its own */
				if (fchmodat(dfd, e->name, 0755, 0) < 0) {
					r = cl_err_set(err, errno, "chmod %s", e->path);
					break;
				}
			} else if (errno != EEXIST) {
				r = cl_err_set(err, errno, "creating %s", e->path);
				break;
			}
			entered = e->name;
			snprintf(entered_name, sizeof entered_name, "%s", e->name);
		} else if (S_ISLNK(e->st.st_mode)) {
			if (symlinkat(target, dfd, e->name) < 0) {
				r = cl_err_set(err, errno, "creating %s", e->path);
				break;
			}
		} else if (S_ISREG(e->st.st_mode)) {
			if ((r = copy_regular(e, dfd, err)) < 0)
				break;
		} else {
			r = cl_err_msg(err, EPERM, "%s is a special file (not a file, directory or symlink)",
				       e->path);
			break;
		}
	}
	walk_close(w);
	if (dfd >= 0)
		close(dfd);
	return r;
}

/* The owner's execute bit decides: whatever the umask or the build's
 * chmods did to group and others is erased. */
mode_t tree_canonical_mode(const struct stat *st)
{
	return S_ISDIR(st->st_mode) || (st->st_mode & S_IXUSR) ? 0555 : 0444;
}

static int canonical_one(const struct walk_entry *e, void *ctx, struct cl_err *err)
{
	(void)ctx;
	if (S_ISLNK(e->st.st_mode) || (e->st.st_mode & 07777) == tree_canonical_mode(&e->st))
		return 0;
	if (fchmodat(e->dfd, e->name, tree_canonical_mode(&e->st), 0) < 0)
		return cl_err_set(err, errno, "chmod %s", e->path);
	return 0;
}

/* One declared mode.  The tree was written by a build: its parent is
 * resolved beneath root without following any symlink, so a planted link
 * cannot point the chmod at a file outside. */
int tree_set_declared_mode(int root, const char *file, const struct path_mode *m, struct cl_err *err)
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
	TRY(each(dfd, true, canonical_one, NULL, err));
	for (size_t i = 0; modes && i < modes->n; i++)
		TRY(tree_set_declared_mode(dfd, modes->file, &modes->v[i], err));
	if (fchmod(dfd, 0555) < 0)
		return cl_err_set(err, errno, "chmod %s", root);
	return 0;
}
