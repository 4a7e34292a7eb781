#define _GNU_SOURCE
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdio.h"
#include "walk.h"

int pathf(struct cl_err *err, char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return cl_err_msg(err, ENAMETOOLONG, "path too long: %.200s...", out);
	return 0;
}

int mkdir_p(const char *path, mode_t mode, struct cl_err *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof buf)
		return cl_err_msg(err, ENAMETOOLONG, "path too long: %s", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return cl_err_set(err, errno, "creating %s", buf);
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

/* Directories must be readable, searchable and writable to be emptied:
 * a published tree is read-only, and a build may leave a mode-0300 (or
 * 0000) directory behind. */
static int make_removable(int at, const char *name, const struct stat *st, const char *path,
			  struct cl_err *err)
{
	if ((st->st_mode & 0700) != 0700 && fchmodat(at, name, (st->st_mode & 07777) | 0700, 0) < 0)
		return cl_err_set(err, errno, "making %s removable", path);
	return 0;
}

int remove_tree(const char *path, struct cl_err *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : cl_err_set(err, errno, "stat %s", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return cl_err_set(err, errno, "removing %s", path);
		return 0;
	}
	TRY(make_removable(AT_FDCWD, path, &st, path, err));
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cl_err_set(err, errno, "opening %s", path);
	struct walk *w;
	TRY(walk_open(fd, WALK_POST, &w, err));
	const struct walk_entry *e;
	int r;
	while ((r = walk_next(w, &e, err)) > 0) {
		if (S_ISDIR(e->st.st_mode) && !e->post)
			r = make_removable(e->dfd, e->name, &e->st, e->path, err);
		else if (unlinkat(e->dfd, e->name, S_ISDIR(e->st.st_mode) ? AT_REMOVEDIR : 0) < 0 &&
			 errno != ENOENT)
			r = cl_err_set(err, errno, "removing %s", e->path);
		if (r < 0)
			break;
	}
	walk_close(w);
	if (r < 0)
		return cl_err_prefix(err, "%s", path);
	if (rmdir(path) < 0 && errno != ENOENT)
		return cl_err_set(err, errno, "removing %s", path);
	return 0;
}

int fsync_dir(const char *dir, struct cl_err *err)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		return cl_err_set(err, errno, "syncing %s", dir);
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      struct cl_err *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
		return cl_err_msg(err, ENAMETOOLONG, "path too long: %s", path);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return cl_err_set(err, errno, "creating a temporary file beside %s", path);
	int r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return cl_err_set(err, -r, "writing %s", path);
	}
	snprintf(dir, sizeof dir, "%s", path);
	return fsync_dir(dirname(dir), err);
}

/* The contents of the open fd, of size bytes, NUL-terminated. */
static int read_sized(int fd, const char *path, off_t size, char **data, size_t *len, struct cl_err *err)
{
	char *buf = malloc((size_t)size + 1);
	if (!buf)
		return cl_err_set(err, ENOMEM, "%s", path);
	ssize_t n = read_all(fd, buf, (size_t)size);
	if (n < 0) {
		free(buf);
		return cl_err_set(err, (int)-n, "reading %s", path);
	}
	buf[n] = '\0';
	*data = buf;
	if (len)
		*len = (size_t)n;
	return 0;
}

int read_file(const char *path, char **data, size_t *len, struct cl_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return cl_err_set(err, errno, "%s", path);
	return read_sized(fd, path, st.st_size, data, len, err);
}

static const char *kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" :
	       S_ISCHR(m) || S_ISBLK(m) ? "a device" : "not a regular file";
}

int read_input_file(const char *path, char **data, size_t *len, struct cl_err *err)
{
	/* O_NONBLOCK: a FIFO must not hang the open */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return cl_err_in(err, CL_BAD_INPUT, ENOENT, "%s: no such file", path);
	if (fd < 0 || fstat(fd, &st) < 0)
		return cl_err_set(err, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s: %s, not a file", path, kind_of(st.st_mode));
	return read_sized(fd, path, st.st_size, data, len, err);
}

int openat_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
	return fd < 0 ? -errno : fd;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int list_dir_sorted(int dfd, char ***names, size_t *n, struct cl_err *err)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	*names = NULL;
	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return cl_err_set(err, errno, "reading a directory");
	}
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			char **v = realloc(*names, cap * sizeof *v);
			if (!v)
				goto nomem;
			*names = v;
		}
		if (!((*names)[*n] = strdup(e->d_name)))
			goto nomem;
		(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof **names, cmp_names);
	return 0;
nomem:
	closedir(d);
	free_names(*names, *n);
	*names = NULL;
	*n = 0;
	return cl_err_set(err, ENOMEM, "reading a directory");
}

void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

long remove_entries(const char *dir, const char *prefix, int (*remove)(const char *path, struct cl_err *err),
		    void (*removed)(void *ctx, const char *path), void *ctx)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long n = 0;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (prefix && strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		char path[PATH_MAX + 300];
		struct cl_err ignore;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (remove(path, &ignore) == 1) {
			n++;
			if (removed)
				removed(ctx, path);
		}
	}
	if (d)
		closedir(d);
	return n;
}
