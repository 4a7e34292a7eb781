/* initramfs.contents: every line type, from memory, and every error with
 * FILE:LINE; applying lines over a tree. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../builder/image/contents.h"
#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../../common/fsutil.h"
#include "test.h"

static int parse(const char *text, struct contents *c, struct cl_err *err)
{
	return contents_parse(text, strlen(text), "m/settings/initramfs.contents", c, err);
}

static void every_type_parses(void)
{
	struct contents c;
	struct cl_err err = { 0 };
	const char text[] =
		"# comment\n"
		"\n"
		"file /etc/ssh/key initramfs/etc/ssh/key 0400 0 0\n"
		"  file /bin/a files/a 0755 0 0 /bin/b /bin/c  \n"
		"dir /home/raph 0700 1000 1000\n"
		"nod /dev/console 0600 0 0 c 5 1\n"
		"nod /dev/sda 0660 0 6 b 8 0\n"
		"slink /bin/sh /usr/bin/busybox 0777 0 0\n"
		"pipe /run/fifo 0644 0 0\n"
		"sock /run/sock\t0755 89 89\n"
		"\t# indented comment\n";
	CHECK(parse(text, &c, &err) == 0);
	CHECK(c.n == 8);
	if (c.n == 8) {
		CHECK(c.v[0].type == CT_FILE && c.v[0].mode == 0400 && c.v[0].line == 3);
		CHECK_STR(c.v[0].name, "/etc/ssh/key");
		CHECK_STR(c.v[0].location, "initramfs/etc/ssh/key");
		CHECK(c.v[1].n_links == 2);
		if (c.v[1].n_links == 2) {
			CHECK_STR(c.v[1].links[0], "/bin/b");
			CHECK_STR(c.v[1].links[1], "/bin/c");
		}
		CHECK(c.v[2].type == CT_DIR && c.v[2].mode == 0700 && c.v[2].uid == 1000 && c.v[2].gid == 1000);
		CHECK(c.v[3].type == CT_NOD && c.v[3].dev == 'c' && c.v[3].major == 5 && c.v[3].minor == 1);
		CHECK(c.v[4].type == CT_NOD && c.v[4].dev == 'b' && c.v[4].major == 8 && c.v[4].gid == 6);
		CHECK(c.v[5].type == CT_SLINK);
		CHECK_STR(c.v[5].location, "/usr/bin/busybox");
		CHECK(c.v[6].type == CT_PIPE && c.v[6].mode == 0644);
		CHECK(c.v[7].type == CT_SOCK && c.v[7].uid == 89 && c.v[7].line == 10);
	}
	contents_free(&c);
	/* an empty file and a file of comments are empty contents */
	CHECK(parse("", &c, &err) == 0 && c.n == 0);
	CHECK(parse("# nothing\n\n", &c, &err) == 0 && c.n == 0);
	/* a last line without a line feed counts */
	CHECK(parse("dir /x 0755 0 0", &c, &err) == 0 && c.n == 1);
	contents_free(&c);
}

static void every_error_has_file_line(void)
{
	static const struct { const char *text, *msg; } bad[] = {
		{ "fiel /x a 0644 0 0\n", ":1: unknown type 'fiel'; one of file dir nod slink pipe sock" },
		{ "\ndir /x 0755 0\n", ":2: expected 'dir NAME MODE UID GID', found 3 fields after 'dir'" },
		{ "dir /x 0755 0 0 0\n", ":1: expected 'dir NAME MODE UID GID', found 5 fields" },
		{ "file /x 0644 0 0\n", ":1: expected 'file NAME LOCATION MODE UID GID [HARDLINK...]', found 4" },
		{ "nod /dev/x 0600 0 0 c 5\n", ":1: expected 'nod NAME MODE UID GID b|c MAJOR MINOR', found 6" },
		{ "slink /x 0777 0 0\n", ":1: expected 'slink NAME TARGET MODE UID GID'" },
		{ "pipe /x 0644 0\n", ":1: expected 'pipe NAME MODE UID GID'" },
		{ "sock /x\n", ":1: expected 'sock NAME MODE UID GID', found 1 field after 'sock'" },
		{ "dir x 0755 0 0\n", ":1: the NAME 'x' is not absolute" },
		{ "dir /a/../b 0755 0 0\n", ":1: the NAME '/a/../b' has a '.' or '..' component" },
		{ "dir /a//b 0755 0 0\n", ":1: the NAME '/a//b' has an empty component" },
		{ "dir /a/ 0755 0 0\n", ":1: the NAME '/a/' ends with '/'" },
		{ "dir / 0755 0 0\n", ":1: the NAME '/' is the root itself" },
		{ "dir /x 0855 0 0\n", ":1: the MODE '0855' must be octal, at most 07777" },
		{ "dir /x 17777 0 0\n", ":1: the MODE '17777' must be octal, at most 07777" },
		{ "dir /x 0755 root 0\n", ":1: the UID 'root' must be a number" },
		{ "dir /x 0755 0 -1\n", ":1: the GID '-1' must be a number" },
		{ "dir /x 0755 4294967295 0\n", ":1: the UID '4294967295' must be a number" },
		{ "nod /dev/x 0600 0 0 d 1 1\n", ":1: the device type 'd' must be b (block) or c (character)" },
		{ "nod /dev/x 0600 0 0 c 4096 1\n", ":1: the MAJOR '4096' must be a number up to 4095" },
		{ "nod /dev/x 0600 0 0 c 1 1048576\n", ":1: the MINOR '1048576' must be a number up to 1048575" },
		{ "file /x /etc/shadow 0644 0 0\n", ":1: the LOCATION '/etc/shadow' must be relative to the folder of the contents file" },
		{ "file /x ../../etc/shadow 0644 0 0\n", ":1: the LOCATION '../../etc/shadow' has a '.' or '..' component" },
		{ "file /x a 0644 0 0 y\n", ":1: the HARDLINK 'y' is not absolute" },
		{ "file /x a 0644 0 0 /x\n", ":1: /x is named twice on the line" },
		{ "dir /x 0755 0 0\n# c\npipe /x 0644 0 0\n", ":3: /x is already given at line 1; keep one line" },
		{ "file /a f 0644 0 0 /b\ndir /b 0755 0 0\n", ":2: /b is already given at line 1" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct contents c;
		struct cl_err err = { 0 };
		int rc = parse(bad[i].text, &c, &err);
		const char *want = bad[i].msg;
		bool ok = rc == -EINVAL && !strncmp(err.msg, "m/settings/initramfs.contents", 29) &&
			  strstr(err.msg, want) == err.msg + 29;
		if (!ok)
			printf("  case %zu: rc %d, got '%s', want '...%s'\n", i, rc, err.msg, want);
		CHECK(ok);
		CHECK(c.n == 0 && c.v == NULL);
	}
	struct contents c;
	struct cl_err err = { 0 };
	const char nul[] = "dir /x 0755 0 0\ndir /y\0 0755 0 0\n";
	CHECK(contents_parse(nul, sizeof nul - 1, "f", &c, &err) == -EINVAL);
	CHECK_STR(err.msg, "f:2: a NUL byte; the file is not text");
}

static char *scratch(void)
{
	char *d = strdup("/tmp/test-contents.XXXXXX");
	return mkdtemp(d);
}

static void apply_overrides_modes_owners_and_types(void)
{
	_cleanup_free_ char *dir = scratch();
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/initramfs/etc", dir);
	struct cl_err err = { 0 };
	CHECK(mkdir_p(path, 0755, &err) == 0);
	snprintf(path, sizeof path, "%s/initramfs/etc/key", dir);
	CHECK(write_file_atomic(path, "secret\n", 7, 0644, &err) == 0);
	snprintf(path, sizeof path, "%s/elsewhere", dir);
	CHECK(symlink("/etc/shadow", path) == 0);

	struct fstree t;
	fstree_init(&t);
	fstree_add_layer(&t, "package base", &err);
	fstree_add_layer(&t, "machine", &err);
	struct fs_entry key = { .path = "/etc/key", .type = FS_FILE, .perm = 0644, .data = "old", .size = 3 };
	CHECK(fstree_parents(&t, key.path, 0, &err) == 0 && fstree_put(&t, &key, NULL, &err) == 0);
	struct contents c;
	const char text[] = "file /etc/key initramfs/etc/key 0400 0 0\n"
			    "dir /home/raph/private 0700 1000 1000\n"
			    "nod /dev/ttyS0 0620 0 5 c 4 64\n"
			    "file /bin/a initramfs/etc/key 0755 0 0 /sbin/a\n";
	CHECK(parse(text, &c, &err) == 0);
	CHECK(contents_apply(&c, dir, &t, 1, &err) == 0);
	if (err.msg[0])
		printf("  %s\n", err.msg);
	struct fs_entry *e = fstree_find(&t, "/etc/key");
	CHECK(e && e->perm == 0400 && e->source && e->size == 7 && e->layer == 1);
	e = fstree_find(&t, "/home/raph/private");
	CHECK(e && e->type == FS_DIR && e->uid == 1000 && e->perm == 0700);
	e = fstree_find(&t, "/home/raph");  /* parents are made, root-owned */
	CHECK(e && e->type == FS_DIR && e->uid == 0 && e->perm == 0755);
	e = fstree_find(&t, "/dev/ttyS0");
	CHECK(e && e->type == FS_CHR && e->major == 4 && e->minor == 64 && e->gid == 5);
	struct fs_entry *a = fstree_find(&t, "/bin/a"), *b = fstree_find(&t, "/sbin/a");
	CHECK(a && b && a->link && a->link == b->link);
	contents_free(&c);

	/* a LOCATION must be a regular file below the base, reached without a symlink */
	CHECK(parse("file /x elsewhere 0644 0 0\n", &c, &err) == 0);
	CHECK(contents_apply(&c, dir, &t, 1, &err) < 0);
	CHECK(strstr(err.msg, "m/settings/initramfs.contents:1: the LOCATION elsewhere cannot be read below") == err.msg);
	contents_free(&c);
	CHECK(parse("\nfile /x missing 0644 0 0\n", &c, &err) == 0);
	CHECK(contents_apply(&c, dir, &t, 1, &err) == -ENOENT);
	CHECK(strstr(err.msg, "m/settings/initramfs.contents:2: the LOCATION missing cannot be read") == err.msg);
	contents_free(&c);
	CHECK(parse("file /x initramfs 0644 0 0\n", &c, &err) == 0);
	CHECK(contents_apply(&c, dir, &t, 1, &err) < 0);
	CHECK(strstr(err.msg, "m/settings/initramfs.contents:1: the LOCATION initramfs is not a regular file") == err.msg);
	contents_free(&c);
	/* a directory stays a directory */
	CHECK(parse("slink /home/raph x 0777 0 0\n", &c, &err) == 0);
	CHECK(contents_apply(&c, dir, &t, 1, &err) == -EEXIST);
	CHECK(strstr(err.msg, "m/settings/initramfs.contents:1: /home/raph is a directory in machine; a 'slink' line "
		      "cannot replace it") == err.msg);
	contents_free(&c);
	CHECK(parse("dir /etc/key/sub 0755 0 0\n", &c, &err) == 0);
	CHECK(contents_apply(&c, dir, &t, 1, &err) == -EEXIST);
	CHECK(strstr(err.msg, "m/settings/initramfs.contents:1: /etc/key/sub needs /etc/key to be a directory") == err.msg);
	contents_free(&c);
	fstree_free(&t);
	remove_tree(dir, &err);
}

static void load_of_a_missing_file_is_empty(void)
{
	struct contents c;
	struct cl_err err = { 0 };
	CHECK(contents_load("/nonexistent/initramfs.contents", &c, &err) == 0);
	CHECK(c.n == 0);
}

int main(void)
{
	RUN(every_type_parses);
	RUN(every_error_has_file_line);
	RUN(apply_overrides_modes_owners_and_types);
	RUN(load_of_a_missing_file_is_empty);
	return test_failures ? 1 : 0;
}
