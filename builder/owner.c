/* See owner.h. */
#define _GNU_SOURCE
#include "owner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int chown_at(int dfd, const char *name, uid_t uid, gid_t gid, int depth, struct cl_err *err)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cl_err_set(err, errno, "stat %s", name);
	if ((st.st_uid != uid || st.st_gid != gid) && fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cl_err_set(err, errno, "chown %s", name);
	/* chown clears setuid and setgid bits; a build's tree has none (the
	 * filter refuses them), so nothing is lost */
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (depth > 4096)
		return cl_err_msg(err, ELOOP, "%s: nested too deeply", name);
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cl_err_set(err, errno, "open %s", name);
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cl_err_set(err, errno, "opendir %s", name);
	}
	int r = 0;
	struct dirent *e;
	while (r == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		r = chown_at(dirfd(d), e->d_name, uid, gid, depth + 1, err);
	}
	closedir(d);
	if (r < 0)
		return cl_err_prefix(err, "%s", name);
	return 0;
}

int tree_chown(const char *path, uid_t uid, gid_t gid, struct cl_err *err)
{
	return chown_at(AT_FDCWD, path, uid, gid, 0, err);
}
