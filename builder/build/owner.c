/* See owner.h. */
#define _GNU_SOURCE
#include "owner.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/walk.h"

static int chown_one(int dfd, const char *name, const struct stat *st, const char *path, uid_t uid, gid_t gid,
		     struct cl_err *err)
{
	if ((st->st_uid != uid || st->st_gid != gid) && fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cl_err_set(err, errno, "chown %s", path);
	/* chown clears setuid and setgid bits; a build's tree has none (the
	 * filter refuses them), so nothing is lost */
	return 0;
}

int tree_chown(const char *path, uid_t uid, gid_t gid, struct cl_err *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return cl_err_set(err, errno, "stat %s", path);
	TRY(chown_one(AT_FDCWD, path, &st, path, uid, gid, err));
	if (!S_ISDIR(st.st_mode))
		return 0;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cl_err_set(err, errno, "open %s", path);
	/* iterative, one directory open at a time: any depth (common/walk.h) */
	struct walk *w;
	TRY(walk_open(fd, 0, &w, err));
	const struct walk_entry *e;
	int r;
	while ((r = walk_next(w, &e, err)) > 0)
		if ((r = chown_one(e->dfd, e->name, &e->st, e->path, uid, gid, err)) < 0)
			break;
	walk_close(w);
	return r < 0 ? cl_err_prefix(err, "%s", path) : 0;
}
