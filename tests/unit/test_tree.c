/* Whole-tree operations at the extremes: trees deeper than any path can
 * name, removed, made read-only and listed in manifests without a line cut. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../../builder/build/owner.h"
#include "../../builder/store/tree.h"
#include "../../common/fsutil.h"
#include "test.h"

static char base[] = "/tmp/cloister-tree-XXXXXX";

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		printf("  command failed: %s\n", cmd);
		test_current_failed = 1;
	}
}

/* A chain of depth directories named name below root (created), and a
 * file at the bottom holding content. */
static void deep_tree(const char *root, int depth, const char *name, const char *file, const char *content)
{
	mkdir(root, 0755);
	int fd = open(root, O_RDONLY | O_DIRECTORY);
	for (int i = 0; fd >= 0 && i < depth; i++) {
		int sub = mkdirat(fd, name, 0755) == 0 ? openat(fd, name, O_RDONLY | O_DIRECTORY) : -1;
		close(fd);
		fd = sub;
	}
	int f = fd >= 0 ? openat(fd, file, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
	if (f < 0 || write(f, content, strlen(content)) < 0) {
		printf("  could not make the deep tree in %s\n", root);
		test_current_failed = 1;
	}
	if (f >= 0)
		close(f);
	if (fd >= 0)
		close(fd);
}

static char *manifest_of(const char *root, size_t *len)
{
	char *text = NULL;
	struct cl_err err = { 0 };
	if (tree_manifest(root, &text, len, &err) < 0) {
		printf("  manifest of %s: %s\n", root, err.msg);
		test_current_failed = 1;
		return NULL;
	}
	return text;
}

static void deep_manifest(void)
{
	/* two trees that differ only below 4 KB of path: different manifests */
	char a[300], b[300];
	size_t la = 0, lb = 0;
	snprintf(a, sizeof a, "%s/ma", base);
	snprintf(b, sizeof b, "%s/mb", base);
	deep_tree(a, 1000, "directory0", "file", "same");
	deep_tree(b, 1000, "directory0", "elif", "same");
	char *ma = manifest_of(a, &la), *mb = manifest_of(b, &lb);
	CHECK(ma && mb && (la != lb || memcmp(ma, mb, la) != 0));
	if (ma) {
		/* the file's line holds its whole path */
		const char *last = strstr(ma, "/file");
		CHECK(last != NULL);
		CHECK(la > 1000 * 11 * 1000 / 2);
		const char *line = last;
		while (line > ma && line[-1] != '\n')
			line--;
		CHECK(last - line > 1000 * 11);
	}
	free(ma);
	free(mb);
}

static void deep_remove_and_readonly(void)
{
	char a[300];
	struct cl_err err = { 0 };
	snprintf(a, sizeof a, "%s/rm", base);
	deep_tree(a, 3000, "directory0", "file", "x");
	CHECK(tree_clamp_mtimes(a, 1686355200, &err) == 0);
	int r = tree_make_readonly(a, &err);
	CHECK(r == 0);
	if (r < 0)
		printf("  %s\n", err.msg);
	r = remove_tree(a, &err);
	CHECK(r == 0);
	if (r < 0)
		printf("  %s\n", err.msg);
	CHECK(access(a, F_OK) < 0 && errno == ENOENT);
}

static bool same_manifest(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	char *ma = manifest_of(a, &la), *mb = manifest_of(b, &lb);
	bool same = ma && mb && la == lb && !memcmp(ma, mb, la);
	free(ma);
	free(mb);
	return same;
}

static void manifest_hard_links(void)
{
	/* the hard-link structure is in the manifest: linked and copied differ */
	sh("mkdir %s/ha %s/hb && echo x > %s/ha/a && ln %s/ha/a %s/ha/b && echo x > %s/hb/a && echo x > %s/hb/b",
	   base, base, base, base, base, base, base);
	char a[300], b[300], c[300], d[300], e[300];
	snprintf(a, sizeof a, "%s/ha", base);
	snprintf(b, sizeof b, "%s/hb", base);
	CHECK(!same_manifest(a, b));
	/* a copy made with cp -al has the same structure within the tree */
	sh("cp -al %s/ha %s/hc", base, base);
	snprintf(c, sizeof c, "%s/hc", base);
	CHECK(same_manifest(a, c));
	/* links to files outside the tree are not part of it */
	sh("mkdir %s/hd %s/he && echo x > %s/hd/a && ln %s/hd/a %s/outside && echo x > %s/he/a",
	   base, base, base, base, base, base);
	snprintf(d, sizeof d, "%s/hd", base);
	snprintf(e, sizeof e, "%s/he", base);
	CHECK(same_manifest(d, e));
}

static void deep_chown(void)
{
	/* handing a tree back (as root) goes to any depth: 5,000 levels */
	char a[300];
	struct cl_err err = { 0 };
	snprintf(a, sizeof a, "%s/chown", base);
	deep_tree(a, 5000, "d", "file", "x");
	int r = tree_chown(a, getuid(), getgid(), &err);
	CHECK(r == 0);
	if (r < 0)
		printf("  %s\n", err.msg);
}

static void attributes_cleared(void)
{
	/* flags and user.* attributes, even on a read-only file */
	char d[300], f[340];
	struct cl_err err = { 0 };
	snprintf(d, sizeof d, "%s/attrs", base);
	snprintf(f, sizeof f, "%s/file", d);
	sh("mkdir %s && echo x > %s", d, f);
	int fd = open(f, O_RDONLY), flags = 0;
	CHECK(fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0);
	flags |= FS_NODUMP_FL | FS_NOATIME_FL;
	CHECK(ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0);
	CHECK(fsetxattr(fd, "user.note", "x", 1, 0) == 0);
	CHECK(fchmod(fd, 0444) == 0);
	int r = tree_clear_attributes(d, &err);
	CHECK(r == 0);
	if (r < 0)
		printf("  %s\n", err.msg);
	flags = -1;
	CHECK(ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && !(flags & (FS_NODUMP_FL | FS_NOATIME_FL)));
	CHECK(fgetxattr(fd, "user.note", NULL, 0) < 0 && errno == ENODATA);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0444);
	close(fd);
}

int main(void)
{
	if (!mkdtemp(base))
		return 1;
	setvbuf(stdout, NULL, _IONBF, 0);
	RUN(deep_manifest);
	RUN(deep_remove_and_readonly);
	RUN(manifest_hard_links);
	RUN(attributes_cleared);
	RUN(deep_chown);
	sh("chmod -R u+rwx %s; rm -rf %s", base, base);
	return test_failures ? 1 : 0;
}
