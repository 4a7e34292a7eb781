/* The comparator, one kind of difference at a time. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <time.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../builder/check/compare.h"
#include "../../common/inomap.h"
#include "test.h"

static char base[] = "/tmp/cloister-compare-XXXXXX";
static char A[300], B[300];

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

static void fresh(void)
{
	sh("rm -rf %s/a %s/b && mkdir %s/a %s/b", base, base, base, base);
}

/* Compares A and B; returns the number of differences, checking the
 * first one's path and kind when want_path is given. */
static size_t diff(const char *want_path, const char *want_what)
{
	struct comparison c;
	struct cl_err err = { 0 };
	if (compare_trees(A, B, &c, &err) < 0) {
		printf("  compare failed: %s\n", err.msg);
		test_current_failed = 1;
		return 0;
	}
	if (want_path) {
		CHECK(c.n >= 1);
		if (c.n >= 1) {
			CHECK_STR(c.diffs[0].path, want_path);
			CHECK_STR(c.diffs[0].what, want_what);
		}
	}
	size_t n = c.n;
	comparison_free(&c);
	return n;
}

static void identical(void)
{
	fresh();
	sh("cd %s && mkdir -p d/e && echo x > d/f && : > empty && ln -s d l", A);
	sh("cd %s && mkdir -p d/e && echo x > d/f && : > empty && ln -s d l", B);
	CHECK(diff(NULL, NULL) == 0);
}

static void missing_and_extra(void)
{
	fresh();
	sh("echo 1 > %s/only-a && echo 2 > %s/only-b", A, B);
	CHECK(diff("/only-a", "missing in B") == 2);
}

static void type_mode_target(void)
{
	fresh();
	sh("mkdir %s/x && echo > %s/x", A, B);
	CHECK(diff("/x", "type") == 1);
	fresh();
	sh("echo > %s/m && chmod 644 %s/m && echo > %s/m && chmod 600 %s/m", A, A, B, B);
	CHECK(diff("/m", "mode") == 1);
	fresh();
	sh("ln -s one %s/l && ln -s two %s/l", A, B);
	CHECK(diff("/l", "target") == 1);
}

static void content_and_size(void)
{
	struct comparison c;
	struct cl_err err = { 0 };
	fresh();
	sh("printf 'hello world' > %s/f && printf 'hello there' > %s/f", A, B);
	CHECK(compare_trees(A, B, &c, &err) == 0);
	CHECK(c.n == 1 && c.diffs[0].offset == 6);
	CHECK_STR(c.diffs[0].what, "content");
	comparison_free(&c);
	fresh();
	sh(": > %s/e && printf x > %s/e", A, B);
	CHECK(diff("/e", "size") == 1);
	fresh();
	sh(": > %s/both-empty && : > %s/both-empty", A, B);
	CHECK(diff(NULL, NULL) == 0);
}

static void large_sparse(void)
{
	/* 3 GiB, sparse, differing past 2^31: offsets are 64-bit */
	struct comparison c;
	struct cl_err err = { 0 };
	fresh();
	sh("truncate -s 3G %s/big %s/big && printf y | dd of=%s/big bs=1 seek=2684354560 conv=notrunc 2>/dev/null",
	   A, B, B);
	CHECK(compare_trees(A, B, &c, &err) == 0);
	CHECK(c.n == 1 && c.diffs[0].offset == 2684354560LL);
	comparison_free(&c);
}

static void hard_links(void)
{
	fresh();
	/* one difference: B's /b is not the same file as its /a */
	sh("echo x > %s/a && ln %s/a %s/b && echo x > %s/a && echo x > %s/b", A, A, A, B, B);
	CHECK(diff("/b", "hard links") == 1);
	fresh();
	sh("echo x > %s/a && ln %s/a %s/b && ln %s/a %s/c && echo x > %s/a && ln %s/a %s/b && echo x > %s/c",
	   A, A, A, A, A, B, B, B, B);
	CHECK(diff("/c", "hard links") == 1);
	fresh();
	sh("echo x > %s/a && ln %s/a %s/b && echo x > %s/a && ln %s/a %s/b", A, A, A, B, B, B);
	CHECK(diff(NULL, NULL) == 0);
}

static void symlink_loops(void)
{
	/* never followed: a loop is just two links */
	fresh();
	sh("ln -s b %s/a && ln -s a %s/b && ln -s b %s/a && ln -s a %s/b && ln -s . %s/self && ln -s . %s/self",
	   A, A, B, B, A, B);
	CHECK(diff(NULL, NULL) == 0);
}

/* A chain of depth directories named name below root, and a file at the
 * bottom holding content; made with *at() calls, as no path could name
 * the bottom. */
static void deep_tree(const char *root, int depth, const char *name, const char *content)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY);
	for (int i = 0; fd >= 0 && i < depth; i++) {
		int sub = mkdirat(fd, name, 0755) == 0 ? openat(fd, name, O_RDONLY | O_DIRECTORY) : -1;
		close(fd);
		fd = sub;
	}
	int f = fd >= 0 ? openat(fd, "file", O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
	if (f < 0 || write(f, content, strlen(content)) < 0) {
		printf("  could not make the deep tree in %s\n", root);
		test_current_failed = 1;
	}
	if (f >= 0)
		close(f);
	if (fd >= 0)
		close(fd);
}

static void deep_trees(void)
{
	/* 3,000 levels, paths of 33 KB: no recursion per level, no path cut,
	 * no descriptor per level */
	struct comparison c;
	struct cl_err err = { 0 };
	fresh();
	deep_tree(A, 3000, "directory0", "one");
	deep_tree(B, 3000, "directory0", "one");
	CHECK(compare_trees(A, B, &c, &err) == 0);
	CHECK(c.n == 0 && c.paths == 3001);
	comparison_free(&c);
	fresh();
	deep_tree(A, 3000, "directory0", "one");
	deep_tree(B, 3000, "directory0", "two");
	int r = compare_trees(A, B, &c, &err);
	CHECK(r == 0);
	if (r < 0)
		printf("  %s\n", err.msg);
	CHECK(r == 0 && c.n == 1);
	if (r == 0 && c.n == 1) {
		CHECK(strlen(c.diffs[0].path) == 3000 * 11 + 5);
		CHECK(!strcmp(c.diffs[0].path + 3000 * 11, "/file"));
		CHECK_STR(c.diffs[0].what, "content");
	}
	if (r == 0)
		comparison_free(&c);
}

/* n files in dir, named f0..f(n-1); with linked, every second one a hard
 * link of the one before */
static void many_files(const char *dir, int n, bool linked)
{
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	for (int i = 0; d >= 0 && i < n; i++) {
		char name[32], prev[32];
		snprintf(name, sizeof name, "f%d", i);
		snprintf(prev, sizeof prev, "f%d", i - 1);
		if (linked && i % 2 == 1) {
			if (linkat(d, prev, d, name, 0) < 0)
				break;
			continue;
		}
		int f = openat(d, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (f < 0)
			break;
		close(f);
	}
	if (d >= 0)
		close(d);
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void links_outside(void)
{
	/* a file linked to one outside the compared trees (a cp -al copy of
	 * a seed) is no difference */
	fresh();
	sh("echo x > %s/a && ln %s/a %s/outside && echo x > %s/a", A, A, base, B);
	CHECK(diff(NULL, NULL) == 0);
	sh("rm -f %s/outside", base);
}

static void linear_in_links_and_differences(void)
{
	/* 40,000 differences cost their text, not 4.7 KB each, and the list
	 * grows by doubling */
	struct comparison c;
	struct cl_err err = { 0 };
	struct rusage before, after;
	fresh();
	many_files(A, 40000, false);
	getrusage(RUSAGE_SELF, &before);
	CHECK(compare_trees(A, B, &c, &err) == 0);
	getrusage(RUSAGE_SELF, &after);
	CHECK(c.n == 40000);
	printf("  40,000 differences: %ld KB more peak memory\n", after.ru_maxrss - before.ru_maxrss);
	CHECK(after.ru_maxrss - before.ru_maxrss < 40 * 1024);
	comparison_free(&c);
	/* hard links are found by hashing: 20,000 files in 10,000 linked
	 * pairs take about as long as 20,000 unlinked files */
	fresh();
	many_files(A, 20000, false);
	many_files(B, 20000, false);
	double t0 = seconds();
	CHECK(diff(NULL, NULL) == 0);
	double unlinked = seconds() - t0;
	fresh();
	many_files(A, 20000, true);
	many_files(B, 20000, true);
	t0 = seconds();
	CHECK(diff(NULL, NULL) == 0);
	double linked = seconds() - t0;
	printf("  20,000 files: %.2f s unlinked, %.2f s in 10,000 linked pairs\n", unlinked, linked);
	CHECK(linked < 3 * unlinked + 0.2);
}

static void inode_map_at_scale(void)
{
	/* a million linked inodes, each looked up twice: linear, well under
	 * a second (a list searched per file would take hours) */
	struct inomap m = { 0 };
	struct cl_err err = { 0 };
	struct stat st = { .st_mode = S_IFREG | 0644, .st_nlink = 2, .st_dev = 1 };
	double t0 = seconds();
	int ok = 1;
	for (int pass = 0; pass < 2; pass++) {
		for (ino_t i = 0; i < 1000000 && ok; i++) {
			char path[32];
			const char *leader;
			st.st_ino = i * 4096 + 7;
			snprintf(path, sizeof path, "/f%lu", (unsigned long)i);
			ok = inomap_leader(&m, &st, path, &leader, &err) == 0 &&
			     (pass == 0 ? leader == NULL : leader && !strcmp(leader, path));
		}
	}
	CHECK(ok);
	CHECK(m.n == 1000000);
	printf("  a million inodes twice: %.2f s\n", seconds() - t0);
	CHECK(seconds() - t0 < 10);
	inomap_free(&m);
}

int main(void)
{
	if (!mkdtemp(base))
		return 1;
	snprintf(A, sizeof A, "%s/a", base);
	snprintf(B, sizeof B, "%s/b", base);
	setvbuf(stdout, NULL, _IONBF, 0);
	RUN(identical);
	RUN(missing_and_extra);
	RUN(type_mode_target);
	RUN(content_and_size);
	RUN(large_sparse);
	RUN(hard_links);
	RUN(symlink_loops);
	RUN(deep_trees);
	RUN(links_outside);
	RUN(linear_in_links_and_differences);
	RUN(inode_map_at_scale);
	sh("rm -rf %s", base);
	return test_failures ? 1 : 0;
}
