#define _GNU_SOURCE
#include "sources.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../../common/fsutil.h"
#include "../../common/lockdir.h"
#include "apt.h"
#include "cache.h"
#include "../seed/deb.h"
#include "deb_file.h"
#include "snapshot.h"

/* A file source, opened beneath the recipe folder dir: the recipe's files
 * are what lies inside it, so no symlink (in the file's name or as a
 * directory on its path) nor ".." may lead out. */
static int open_file_source(const char *dir, const struct recipe *r, const struct recipe_source *s,
			    struct cl_err *err)
{
	_cleanup_close_ int d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return cl_err_set(err, errno, "%s", dir);
	int fd = openat_beneath(d, s->path, O_RDONLY | O_NONBLOCK);
	if (fd == -EXDEV)
		return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s/recipe:%d: %s leads out of the recipe folder (a "
				 "symlink on its way points outside); a recipe's files are what lies inside it",
				 r->dir, s->line, s->path);
	if (fd == -ENOENT || fd == -ENOTDIR)
		return cl_err_in(err, CL_BAD_INPUT, ENOENT, "%s/recipe:%d: %s: no such file in the recipe folder",
				 r->dir, s->line, s->path);
	if (fd < 0)
		return cl_err_set(err, -fd, "%s/recipe:%d: %s", r->dir, s->line, s->path);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s/recipe:%d: %s is %s, not a file", r->dir, s->line,
				 s->path, S_ISDIR(st.st_mode) ? "a directory" : "a special file");
	}
	return fd;
}

/* The source's bytes have the pinned digest: checked on the descriptor
 * that is then read, which is left at its start. */
static int check_digest(int fd, const struct recipe *r, const struct recipe_source *s, struct cl_err *err)
{
	char actual[SHA256_HEX_LEN + 1];
	if (sha256_fd(fd, actual, err) < 0)
		return cl_err_prefix(err, "%s/recipe:%d", r->dir, s->line);
	if (strcmp(actual, s->sha256) != 0)
		return cl_err_msg(err, EBADMSG, "%s/recipe:%d: %s has sha256 %s, the recipe says %s",
				  r->dir, s->line, s->kind == SRC_FILE ? s->path : s->name, actual, s->sha256);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return cl_err_set(err, errno, "%s", s->name);
	return 0;
}

static int check_file_source(const struct recipe *r, const struct recipe_source *s, struct cl_err *err)
{
	_cleanup_close_ int fd = open_file_source(r->dir, r, s, err);
	if (fd < 0)
		return fd;
	return check_digest(fd, r, s, err);
}

static int lists_have_sources(const struct apt_env *env)
{
	char dir[PATH_MAX + 32];
	snprintf(dir, sizeof dir, "%s/state/lists", env->dir);
	DIR *d = opendir(dir);
	int found = 0;
	struct dirent *e;
	while (d && !found && (e = readdir(d)))
		found = strstr(e->d_name, "_Sources") != NULL;
	if (d)
		closedir(d);
	return found;
}

static int vanished_source(const struct recipe *r, const struct recipe_source *s,
			   const struct fetch_opts *fo, struct cl_err *err)
{
	return cl_err_msg(err, ENOENT, "%s/recipe:%d: the source package %s %s (suite %s%s) is no longer in the "
			  "archive%s%s, and %s (sha256 %s) is not in the download cache.  Ways forward: update the "
			  "pin to a version of the frozen suite; or add a mirror that has the file (--mirror URL, "
			  "CLOISTER_MIRRORS: URL/sha256/HEX)", r->dir, s->line, s->package, s->version,
			  s->suite[0] ? s->suite : "not recorded", s->moving ? ", which drops old versions" : "",
			  fo->n_mirrors ? ", on no mirror" : "",
			  fo->snapshot ? " nor in the snapshot service" : "", s->name, s->sha256);
}

static int fetch_debian(const char *home, const struct recipe *r, const struct recipe_source *s,
			const struct fetch_opts *fo, bool quiet, struct cl_err *err)
{
	struct apt_env env;
	char dir[PATH_MAX + 32], file[PATH_MAX + 300], what[600];
	bool updated = false;
	snprintf(what, sizeof what, "%.200s/recipe:%d: %.200s from %.60s %.60s", r->dir, s->line, s->name,
		 s->package, s->version);
	TRY(apt_env_init_src(&env, home, err));
	if (!lists_have_sources(&env)) {
		if (!quiet)
			fetch_progress(fo, "updating the private source package lists");
		TRY(apt_update(&env, err));
		updated = true;
	}
	TRY(pathf(err, dir, sizeof dir, "%s/tmp", home));
	TRY(mkdir_p(dir, 0755, err));
	TRY(pathf(err, dir, sizeof dir, "%s/tmp/source.XXXXXX", home));
	/* owned by its lock: gc removes the folders of killed downloads only */
	_cleanup_close_ int owner = lockdir_create(dir, err);
	if (owner < 0)
		return owner;
	if (!quiet)
		fetch_progress(fo, "fetching source %s=%s", s->package, s->version);
	int rc = apt_source_download(&env, s->package, s->version, dir, err);
	if (rc == -ENOENT && !updated) {
		/* only fresh lists may call a pin gone */
		rc = apt_update(&env, err);
		if (rc == 0)
			rc = apt_source_download(&env, s->package, s->version, dir, err);
	}
	if (rc == -ENOENT) {
		struct cl_err e = { 0 };
		rc = snapshot_fetch_source(fo, home, s->package, s->version, s->name, s->sha256, what, &e);
		if (rc == 0) {
			struct cl_err ignore;
			remove_tree(dir, &ignore);
			return 0;
		}
		rc = rc == -ENOSPC ? cl_err_msg(err, ENOSPC, "%s", e.msg) : vanished_source(r, s, fo, err);
	}
	if (rc == 0) {
		snprintf(file, sizeof file, "%s/%s", dir, s->name);
		if (access(file, F_OK) < 0)
			rc = cl_err_msg(err, ENOENT, "%s/recipe:%d: the source package %s %s has no file %s",
					r->dir, s->line, s->package, s->version, s->name);
	}
	if (rc == 0)
		rc = cache_add(home, file, s->sha256, what, true, err);
	struct cl_err ignore;
	remove_tree(dir, &ignore);
	return rc;
}

int sources_fetch(const char *home, const struct recipe *r, const struct fetch_opts *fo, bool quiet,
		  struct cl_err *err)
{
	bool offline = fo->offline;
	for (size_t i = 0; i < r->n_sources; i++) {
		const struct recipe_source *s = &r->sources[i];
		if (s->kind == SRC_FILE) {
			TRY(check_file_source(r, s, err));
			continue;
		}
		int rc = cache_verify(home, s->sha256, err);
		if (rc == 0)
			continue;
		if (rc != -ENOENT)
			return rc;
		char what[600];
		snprintf(what, sizeof what, "%.200s/recipe:%d: %.200s", r->dir, s->line, s->name);
		rc = fetch_from_mirrors(fo, home, s->sha256, 0, what, err);
		if (rc == 0)
			continue;
		if (rc != -ENOENT)
			return rc;
		if (s->kind == SRC_CACHE || offline)
			return cl_err_msg(err, ENOENT, "%s/recipe:%d: %s (sha256 %s) is not in the download cache%s%s",
					  r->dir, s->line, s->name, s->sha256,
					  fo->n_mirrors ? " nor on a mirror" : "",
					  offline ? ", and --offline forbids fetching it" : "");
		if (s->kind == SRC_DEB_FILE)
			TRY(deb_file_fetch(home, r, s, fo, quiet, err));
		else
			TRY(fetch_debian(home, r, s, fo, quiet, err));
	}
	return 0;
}

static int is_archive(const char *name)
{
	static const char *const suffixes[] = { ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz",
						".tar.bz2", ".tbz2", ".tar.zst", ".tar.lz", ".tar.lzma", ".zip" };
	size_t l = strlen(name);
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		size_t sl = strlen(suffixes[i]);
		if (l > sl && !strcmp(name + l - sl, suffixes[i]))
			return 1;
	}
	return 0;
}

static int copy_file(int in, const char *to, struct cl_err *err)
{
	struct stat st;
	if (fstat(in, &st) < 0)
		return cl_err_set(err, errno, "%s", to);
	_cleanup_close_ int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
				       (st.st_mode & 0111) ? 0755 : 0644);
	if (out < 0)
		return cl_err_set(err, errno, "%s", to);
	char buf[1 << 16];
	ssize_t n;
	while ((n = read_all(in, buf, sizeof buf)) > 0)
		if (write_all(out, buf, (size_t)n) < 0)
			return cl_err_set(err, errno, "writing %s", to);
	if (n < 0)
		return cl_err_set(err, (int)-n, "reading for %s", to);
	return 0;
}

/* The entries of dir, as one string "a\nb\n" (to spot what an archive added). */
static char *entries(const char *dir)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (f && d && (e = readdir(d)))
		if (e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, "..")))
			fprintf(f, "%s\n", e->d_name);
	if (d)
		closedir(d);
	if (f)
		fclose(f);
	return buf;
}

int sources_unpack(const char *home, const struct recipe *r, const char *recipe_dir, const char *build_dir,
		   char *srcdir, size_t len, struct cl_err *err)
{
	srcdir[0] = '\0';
	int first_archive = 1;
	/* one cap for every source of the build, not one per archive */
	unsigned long long budget = SOURCES_MAX_UNPACKED;
	for (size_t i = 0; i < r->n_sources; i++) {
		const struct recipe_source *s = &r->sources[i];
		char from[PATH_MAX + 8], what[600];
		_cleanup_close_ int fd = -1;
		if (s->kind == SRC_FILE) {
			fd = open_file_source(recipe_dir, r, s, err);
		} else {
			cache_path(home, s->sha256, from, sizeof from);
			fd = open(from, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				fd = cl_err_set(err, errno, "%s", from);
		}
		if (fd < 0)
			return fd;
		/* what is unpacked is what was pinned, read from the one descriptor */
		TRY(check_digest(fd, r, s, err));
		snprintf(what, sizeof what, "%.200s/recipe:%d: %.250s", r->dir, s->line, s->name);
		if (s->kind == SRC_DEB_FILE && !is_archive(s->name)) {
			TRY(deb_file_unpack(from, s, what, build_dir, false, err));
			continue;
		}
		if (!is_archive(s->name)) {
			char to[PATH_MAX + 300];
			TRY(pathf(err, to, sizeof to, "%s/%s", build_dir, s->name));
			TRY(copy_file(fd, to, err));
			continue;
		}
		_cleanup_free_ char *before = first_archive ? entries(build_dir) : NULL;
		if (s->kind == SRC_DEB_FILE)
			TRY(deb_file_unpack(from, s, what, build_dir, true, err));
		else
			TRY(archive_unpack(fd, what, build_dir, &budget, err));
		if (first_archive) {
			_cleanup_free_ char *after = entries(build_dir);
			/* the one new entry, if it is a directory */
			char *added = NULL;
			int count = 0;
			for (char *l = after, *next; l && *l; l = next) {
				next = strchr(l, '\n');
				*next++ = '\0';
				char key[300];
				snprintf(key, sizeof key, "%s\n", l);
				if (!before || !strstr(before, key)) {
					count++;
					added = l;
				}
			}
			char p[PATH_MAX + 300];
			struct stat st;
			if (count == 1 && snprintf(p, sizeof p, "%s/%s", build_dir, added) > 0 &&
			    lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
				snprintf(srcdir, len, "%s", added);
			first_archive = 0;
		}
	}
	return 0;
}
