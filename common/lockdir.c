#define _GNU_SOURCE
#include "lockdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

/* Locks the directory at path, open as fd; 1 when it is still the one at
 * path (a sweep may have removed it between its making and the lock), 0
 * when it is not, or a negative errno. */
static int lock_and_check(int fd, const char *path)
{
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	struct stat held, named;
	if (fstat(fd, &held) < 0)
		return -errno;
	if (held.st_nlink == 0 || stat(path, &named) < 0)
		return 0;
	return held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

int lockdir_create(char *template, struct cl_err *err)
{
	size_t len = strlen(template);
	_cleanup_free_ char *pattern = strdup(template);
	if (!pattern)
		return cl_err_set(err, ENOMEM, "%s", template);
	for (int attempt = 0; attempt < 100; attempt++) {
		memcpy(template, pattern, len + 1);
		if (!mkdtemp(template))
			return cl_err_set(err, errno, "creating %s", template);
		int fd = open(template, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* swept already */
		int r = lock_and_check(fd, template);
		if (r > 0)
			return fd;
		close(fd);
		if (r < 0)
			return cl_err_set(err, -r, "locking %s", template);
	}
	return cl_err_msg(err, EAGAIN, "%s: removed as fast as it is made", pattern);
}

int lockdir_create_named(const char *path, struct cl_err *err)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return cl_err_set(err, errno, "creating %s", path);
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		int r = lock_and_check(fd, path);
		if (r > 0)
			return fd;
		close(fd);
		if (r < 0)
			return cl_err_set(err, -r, "locking %s", path);
	}
	return cl_err_msg(err, EAGAIN, "%s: removed as fast as it is made", path);
}

int lockdir_remove_if_dead(const char *path, struct cl_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != ENOTDIR && errno != ELOOP)
			return cl_err_set(err, errno, "%s", path);
		/* not a directory: nothing can own it */
		return remove_tree(path, err) < 0 ? -err->code : 1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? 0 : cl_err_set(err, errno, "locking %s", path);
	/* removed while locked: a creator waiting for the lock sees it gone */
	TRY(remove_tree(path, err));
	return 1;
}

long lockdir_sweep(const char *dir, const char *prefix)
{
	return lockdir_sweep_each(dir, prefix, NULL, NULL);
}

long lockdir_sweep_each(const char *dir, const char *prefix, void (*removed)(void *ctx, const char *path),
			void *ctx)
{
	return remove_entries(dir, prefix, lockdir_remove_if_dead, removed, ctx);
}
