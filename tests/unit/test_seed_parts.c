/* The pure parts of the seed: path rewriting for merged /usr and
 * relative symlinks, and the lock parser's errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../builder/seed/deb.h"
#include "../../builder/seed/seedlock.h"
#include "test.h"

static void normalize(void)
{
	char out[256];
	CHECK(deb_path_normalize("./usr/bin/", out, sizeof out) == 0);
	CHECK_STR(out, "usr/bin");
	CHECK(deb_path_normalize("a//b/./c", out, sizeof out) == 0);
	CHECK_STR(out, "a/b/c");
	CHECK(deb_path_normalize("a/b/../c", out, sizeof out) == 0);
	CHECK_STR(out, "a/c");
	CHECK(deb_path_normalize("a/../..", out, sizeof out) < 0);
	CHECK(deb_path_normalize("../x", out, sizeof out) < 0);
	CHECK(deb_path_normalize("./", out, sizeof out) == 0);
	CHECK_STR(out, "");
}

static void merge_usr(void)
{
	char out[256];
	deb_path_merge_usr("bin/sh", out, sizeof out);
	CHECK_STR(out, "usr/bin/sh");
	deb_path_merge_usr("lib64/ld-linux-x86-64.so.2", out, sizeof out);
	CHECK_STR(out, "usr/lib64/ld-linux-x86-64.so.2");
	deb_path_merge_usr("lib", out, sizeof out);
	CHECK_STR(out, "usr/lib");
	deb_path_merge_usr("library/x", out, sizeof out);
	CHECK_STR(out, "library/x");
	deb_path_merge_usr("usr/bin/gcc", out, sizeof out);
	CHECK_STR(out, "usr/bin/gcc");
	deb_path_merge_usr("etc/passwd", out, sizeof out);
	CHECK_STR(out, "etc/passwd");
}

static void relative(void)
{
	char out[256];
	/* libc6's /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/... */
	deb_path_relative("usr/lib64", "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", out, sizeof out);
	CHECK_STR(out, "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
	deb_path_relative("usr/bin", "usr/bin/gcc-12", out, sizeof out);
	CHECK_STR(out, "gcc-12");
	deb_path_relative("usr/share/doc/x", "usr/share/doc/y", out, sizeof out);
	CHECK_STR(out, "../y");
	deb_path_relative("", "etc/alternatives/cc", out, sizeof out);
	CHECK_STR(out, "etc/alternatives/cc");
	deb_path_relative("usr/lib", "usr", out, sizeof out);
	CHECK_STR(out, "..");
	deb_path_relative("usr", "usr", out, sizeof out);
	CHECK_STR(out, ".");
	/* a common prefix that is not a whole component is not common */
	deb_path_relative("usr/lib64", "usr/lib/x", out, sizeof out);
	CHECK_STR(out, "../lib/x");
}

/* Paths longer than the buffers: the length is told, nothing is written
 * past the end (ASan checks), nothing is cut silently. */
static void long_paths(void)
{
	static char deep[3100], out[4096], small[8];
	for (int i = 0; i < 1500; i++)
		memcpy(deep + 2 * i, "a/", 2);
	deep[2999] = '\0'; /* "a/a/.../a", 1,500 components */
	size_t n = deb_path_relative(deep, "x", out, sizeof out);
	CHECK(n == 1500 * 3 + 1);
	CHECK(strlen(out) == sizeof out - 1);
	CHECK(deb_path_relative("a/b", "c", small, sizeof small) == 7);
	CHECK_STR(small, "../../c");
	CHECK(deb_path_relative("a/b/c", "dd", small, sizeof small) == 11);
	CHECK(strlen(small) == 7);
	CHECK(deb_path_merge_usr("bin/sh", small, sizeof small) == 10);
	CHECK(strlen(small) == 7);
	CHECK(deb_path_normalize(deep, small, sizeof small) == -ENAMETOOLONG);
	CHECK(deb_path_normalize("a/../..", out, sizeof out) == -EPERM);
}

static const char *write_tmp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/cloister-lock-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		abort();
	close(fd);
	return path;
}

static void expect_lock_error(const char *text, const char *fragment)
{
	struct seed_lock lock;
	struct cl_err err = { 0 };
	const char *path = write_tmp(text);
	int r = seed_lock_read(path, &lock, &err);
	CHECK(r == -EINVAL);
	if (r < 0 && !strstr(err.msg, fragment)) {
		printf("  message '%s' lacks '%s'\n", err.msg, fragment);
		test_current_failed = 1;
	}
	unlink(path);
}

#define H "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void lock_parse(void)
{
	struct seed_lock lock;
	struct cl_err err = { 0 };
	const char *path = write_tmp("# comment\n\nbase\tgcc\t4:12.2.0-3\t" H "\t5216\tbookworm\n"
				     "kbuild bc 1.07.1-3+b1 " H " 10 bookworm-security moving # trailing comment\n");
	CHECK(seed_lock_read(path, &lock, &err) == 0);
	CHECK(lock.n == 2);
	CHECK_STR(lock.pkgs[0].version, "4:12.2.0-3");
	CHECK_STR(lock.pkgs[0].suite, "bookworm");
	CHECK(!lock.pkgs[0].moving);
	CHECK_STR(lock.pkgs[1].suite, "bookworm-security");
	CHECK(lock.pkgs[1].moving);
	CHECK(lock.pkgs[0].line == 3 && lock.pkgs[1].line == 4);
	CHECK(lock.pkgs[1].size == 10);
	CHECK(seed_pkg_selected(&lock.pkgs[0], "base") && seed_pkg_selected(&lock.pkgs[0], "kbuild"));
	CHECK(!seed_pkg_selected(&lock.pkgs[1], "base") && seed_pkg_selected(&lock.pkgs[1], "all"));
	/* written back sorted, read back equal */
	CHECK(seed_lock_write(path, &lock, &err) == 0);
	struct seed_lock again;
	CHECK(seed_lock_read(path, &again, &err) == 0);
	CHECK(again.n == 2 && !strcmp(again.pkgs[1].name, "bc"));
	/* the suite and the moving mark survive the round trip */
	CHECK(again.n == 2 && !strcmp(again.pkgs[1].suite, "bookworm-security") && again.pkgs[1].moving);
	seed_lock_free(&again);
	seed_lock_free(&lock);
	unlink(path);
}

static void lock_from_memory(void)
{
	struct seed_lock lock;
	struct cl_err err = { 0 };
	const char ok[] = "base gcc 1.0 " H " 1 bookworm\n";
	CHECK(seed_lock_parse(ok, sizeof ok - 1, "mem", &lock, &err) == 0 && lock.n == 1);
	seed_lock_free(&lock);
	/* a NUL before the second package must not hide it: the whole lock is refused */
	const char nul[] = "base gcc 1.0 " H " 1 bookworm\n\0base make 4.3 " H " 1 bookworm\n";
	CHECK(seed_lock_parse(nul, sizeof nul - 1, "mem", &lock, &err) == -EINVAL);
	CHECK(strstr(err.msg, "mem:2: a NUL byte") != NULL);
	/* a field over 255 characters is named as such, not as a field count */
	char longf[600];
	snprintf(longf, sizeof longf, "base gcc 1.0 %0300d 1 bookworm\n", 0);
	CHECK(seed_lock_parse(longf, strlen(longf), "mem", &lock, &err) == -EINVAL);
	CHECK(strstr(err.msg, "mem:1: field 4 is longer than 255 characters") != NULL);
	/* a lock whose packages are all in another set selects nothing */
	const char kb[] = "kbuild bc 1.0 " H " 1 bookworm\n";
	CHECK(seed_lock_parse(kb, sizeof kb - 1, "mem", &lock, &err) == 0);
	CHECK(seed_lock_require_set(&lock, "mem", "base", &err) == -EINVAL);
	CHECK(strstr(err.msg, "no package is in the set 'base'") != NULL);
	CHECK(seed_lock_require_set(&lock, "mem", "kbuild", &err) == 0);
	seed_lock_free(&lock);
}

static void lock_errors(void)
{
	expect_lock_error("base gcc 1.0 " H " 1\n", ":1: expected 6 fields");
	expect_lock_error("\nextra gcc 1.0 " H " 1 bookworm\n", ":2: unknown set 'extra'");
	expect_lock_error("base GCC 1.0 " H " 1 bookworm\n", ":1: 'GCC' is not a Debian package name");
	expect_lock_error("base gcc v1 " H " 1 bookworm\n", ":1: 'v1' is not a Debian version");
	expect_lock_error("base gcc 1.0 " H "0 1 bookworm\n", "is not a sha256 digest");
	expect_lock_error("base gcc 1.0 " H " 12k bookworm\n", ":1: '12k' is not a size");
	expect_lock_error("base gcc 1.0 " H " 1 book;worm\n", ":1: 'book;worm' is not a suite name");
	expect_lock_error("base gcc 1.0 " H " 1 bookworm frozen\n", ":1: the seventh field can only be 'moving'");
	expect_lock_error("base gcc 1.0 " H " 1 bookworm\nbase gcc 1.1 " H " 1 bookworm\n",
			  ":2: gcc is pinned twice (first at line 1)");
	expect_lock_error("# nothing\n", "no package is pinned");
}

int main(void)
{
	RUN(normalize);
	RUN(merge_usr);
	RUN(relative);
	RUN(long_paths);
	RUN(lock_parse);
	RUN(lock_errors);
	RUN(lock_from_memory);
	return test_failures ? 1 : 0;
}
