#define _GNU_SOURCE
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"

void cache_path(const char *home, const char *hex, char *out, size_t len)
{
	snprintf(out, len, "%s/downloads/sha256/%s", home, hex);
}

int cache_verify(const char *home, const char *hex, struct cl_err *err)
{
	char path[PATH_MAX], actual[SHA256_HEX_LEN + 1];
	cache_path(home, hex, path, sizeof path);
	if (access(path, F_OK) < 0)
		return -ENOENT;
	if (sha256_file(path, actual, err) < 0)
		return -err->code;
	if (strcmp(actual, hex) != 0) {
		unlink(path);
		/* the disk's trouble, not the pin's */
		return cl_err_in(err, CL_IO, EBADMSG, "the download cache entry %s was corrupted (its content "
				  "now hashes to %s); it was deleted, fetch again", path, actual);
	}
	return 0;
}

static int copy_to(int in, int out)
{
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EXDEV && errno != ENOSYS && errno != EINVAL)
				return -errno;
			/* plain copy */
			char buf[1 << 16];
			for (;;) {
				ssize_t r = read(in, buf, sizeof buf);
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0)
					return r < 0 ? -errno : 0;
				for (ssize_t o = 0; o < r;) {
					ssize_t w = write(out, buf + o, (size_t)(r - o));
					if (w < 0 && errno == EINTR)
						continue;
					if (w < 0)
						return -errno;
					o += w;
				}
			}
		}
	}
}

int cache_add(const char *home, const char *src, const char *expected, const char *what,
	      bool consume, struct cl_err *err)
{
	char dir[PATH_MAX];
	TRY(pathf(err, dir, sizeof dir, "%s/downloads/sha256", home));
	return cas_add(dir, src, expected, what, consume, err);
}

int cas_add(const char *dir, const char *src, const char *expected, const char *what,
	    bool consume, struct cl_err *err)
{
	char actual[SHA256_HEX_LEN + 1], dest[PATH_MAX], tmp[PATH_MAX + 16];

	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return cl_err_set(err, errno, "%s", src);
	if (sha256_fd(in, actual, err) < 0)
		return cl_err_prefix(err, "%s", src);
	if (strcmp(actual, expected) != 0) {
		if (consume)
			unlink(src);
		return cl_err_msg(err, EBADMSG, "%s: sha256 mismatch: expected %s, got %s%s", what,
				  expected, actual, consume ? "; the bad file was deleted" : "");
	}
	if (mkdir_p(dir, 0755, err) < 0)
		return -err->code;
	TRY(pathf(err, dest, sizeof dest, "%s/%s", dir, expected));
	snprintf(tmp, sizeof tmp, "%s.XXXXXX", dest);
	_cleanup_close_ int out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0)
		return cl_err_set(err, errno, "creating %s", tmp);
	int r = lseek(in, 0, SEEK_SET) < 0 ? -errno : copy_to(in, out);
	if (r == 0 && (fchmod(out, 0444) < 0 || fsync(out) < 0))
		r = -errno;
	if (r == 0 && rename(tmp, dest) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return cl_err_set(err, -r, "storing %s in the download cache", what);
	}
	if (consume)
		unlink(src);
	return fsync_dir(dir, err);
}
