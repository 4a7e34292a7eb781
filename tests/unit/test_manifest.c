/* The manifest reader against the writer: what tree_manifest() writes of
 * a tree with every kind of entry and hostile names reads back, entry by
 * entry, and written again is the same text; and what it could not have
 * written is refused with FILE:LINE. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../builder/store/manifest.h"
#include "../../builder/store/tree.h"
#include "../../common/fsutil.h"
#include "test.h"

static char tmp[] = "/tmp/cloister-test-manifest.XXXXXX";

static void put(const char *rel, const char *data, mode_t mode)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", tmp, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0 && write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	if (fd >= 0)
		close(fd);
	CHECK(chmod(path, mode) == 0);
}

static char *written_back(const struct manifest *m, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	for (size_t i = 0; i < m->n; i++)
		manifest_entry_write(f, &m->v[i]);
	fclose(f);
	return text;
}

static void round_trip(void)
{
	char path[256];
	struct cl_err err = { 0 };
	snprintf(path, sizeof path, "%s/usr/bin", tmp);
	CHECK(mkdir_p(path, 0755, &err) == 0);
	snprintf(path, sizeof path, "%s/odd dir", tmp);
	CHECK(mkdir(path, 0700) == 0);
	put("usr/bin/tool", "#!/bin/sh\n", 04755);
	put("odd dir/new\nline\\\xff", "x", 0600);
	put("empty", "", 0444);
	char a[256], b[256];
	snprintf(a, sizeof a, "%s/usr/bin/tool", tmp);
	snprintf(b, sizeof b, "%s/usr/bin/second", tmp);
	CHECK(link(a, b) == 0);
	snprintf(b, sizeof b, "%s/usr/bin/sh", tmp);
	CHECK(symlink("tool with space", b) == 0);

	char *text = NULL;
	size_t len = 0;
	CHECK(tree_manifest(tmp, &text, &len, &err) == 0);
	struct manifest m;
	CHECK(manifest_parse(text, len, "m", &m, &err) == 0);
	CHECK(m.n == 8);
	size_t again_len = 0;
	char *again = written_back(&m, &again_len);
	CHECK(again_len == len && !memcmp(again, text, len));
	free(again);
	int kinds = 0;
	for (size_t i = 0; i < m.n; i++) {
		const struct manifest_entry *e = &m.v[i];
		CHECK(e->line == (int)i + 1);
		if (!strcmp(e->path, "/odd\\x20dir/new\\x0aline\\x5c\\xff")) {
			kinds |= 1;
			CHECK(e->type == 'f' && e->mode == 0600 && e->size == 1);
		} else if (!strcmp(e->path, "/usr/bin/tool")) {
			/* walked after its first name, "second" */
			kinds |= 2;
			CHECK(e->type == 'h' && e->size == 10 && !strcmp(e->sha256, "-") && !strcmp(e->target, "/usr/bin/second"));
		} else if (!strcmp(e->path, "/usr/bin/sh")) {
			kinds |= 4;
			CHECK(e->type == 'l' && !strcmp(e->target, "tool\\x20with\\x20space"));
		} else if (!strcmp(e->path, "/usr/bin/second")) {
			kinds |= 8;
			CHECK(e->type == 'f' && e->mode == 04755 && e->target == NULL);
		} else if (!strcmp(e->path, "/odd\\x20dir")) {
			kinds |= 16;
			CHECK(e->type == 'd' && e->mode == 0700);
		}
	}
	CHECK(kinds == 31);
	manifest_free(&m);
	CHECK(m.v == NULL && m.text == NULL && m.n == 0);

	/* the file variant reads the same */
	char file[256];
	snprintf(file, sizeof file, "%s.manifest", tmp);
	CHECK(write_file_atomic(file, text, len, 0644, &err) == 0);
	CHECK(manifest_read(file, &m, &err) == 0);
	again = written_back(&m, &again_len);
	CHECK(again_len == len && !memcmp(again, text, len));
	free(again);
	manifest_free(&m);
	unlink(file);
	free(text);

	/* without hard links, the second name is a file of its own */
	CHECK(tree_manifest_unlinked(tmp, &text, &len, &err) == 0);
	CHECK(manifest_parse(text, len, "m", &m, &err) == 0);
	for (size_t i = 0; i < m.n; i++)
		CHECK(m.v[i].type != 'h');
	manifest_free(&m);
	free(text);
}

static void refused(const char *text, const char *message)
{
	struct manifest m;
	struct cl_err err = { 0 };
	int rc = manifest_parse(text, strlen(text), "store/x/manifest", &m, &err);
	CHECK(rc == -EINVAL);
	CHECK(m.v == NULL && m.text == NULL && m.n == 0);
	if (rc < 0 && strcmp(err.msg, message) != 0) {
		printf("  '%s': got '%s', want '%s'\n", text, err.msg, message);
		test_current_failed = 1;
	}
}

#define H "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void what_it_could_not_have_written(void)
{
	refused("d 0555 0 - /a\nf 0444 3 " H " /a/b", "store/x/manifest:2: the last line has no line feed (the file was cut)");
	refused("x 0555 0 - /a\n", "store/x/manifest:1: unknown type 'x' (d, f, l or h)");
	refused("l 0777 0 - /a\n", "store/x/manifest:1: 5 fields, where a 'l' line has 6 (TYPE MODE SIZE SHA256 /PATH TARGET)");
	refused("d  0555 0 - /a\n", "store/x/manifest:1: an empty field (fields are separated by one space)");
	refused("d 555 0 - /a\n", "store/x/manifest:1: the mode '555' is not four octal digits");
	refused("f 0444 012 " H " /a\n", "store/x/manifest:1: the size '012' is not a number of bytes");
	refused("f 0444 99999999999999999999 " H " /a\n",
		"store/x/manifest:1: the size '99999999999999999999' is not a number of bytes");
	refused("d 0555 4096 - /a\n", "store/x/manifest:1: a 'd' line with a size (only files have one)");
	refused("f 0444 1 - /a\n", "store/x/manifest:1: the digest '-' is not a sha256 (64 lowercase hex digits)");
	refused("h 0444 1 " H " /a /b\n", "store/x/manifest:1: the digest '" H "' is not '-' (only f lines have one)");
	refused("d 0555 0 - a\n", "store/x/manifest:1: the path 'a' is not a path below the root (/NAME...)");
	refused("d 0555 0 - /a/../b\n", "store/x/manifest:1: the path '/a/../b' is not in normal form (an empty, '.' or "
		"'..' part, or a trailing '/')");
	refused("d 0555 0 - /a/\n", "store/x/manifest:1: the path '/a/' is not in normal form (an empty, '.' or '..' "
		"part, or a trailing '/')");
	refused("d 0555 0 - /\\x41\n", "store/x/manifest:1: the path '/\\x41' escapes a byte that is written as it is");
	refused("d 0555 0 - /\\x00\n", "store/x/manifest:1: the path '/\\x00' holds a NUL byte");
	refused("d 0555 0 - /\\X20\n", "store/x/manifest:1: the path '/\\X20' has a backslash that is not \\xHH");
	refused("d 0555 0 - /a\tb\n", "store/x/manifest:1: the path '/a\\x09b' holds a byte that should be escaped");
	refused("h 0444 1 - /a b\n", "store/x/manifest:1: the target 'b' is not a path below the root (/NAME...)");
	refused("f 0444 1 " H " /a\n\nd 0555 0 - /b\n", "store/x/manifest:2: an empty field (fields are separated by one space)");
	const char nul[] = "d 0555 0 - /a\n\0";
	struct manifest m;
	struct cl_err err = { 0 };
	CHECK(manifest_parse(nul, sizeof nul - 1, "m", &m, &err) == -EINVAL);
	CHECK_STR(err.msg, "m: a NUL byte, which no manifest holds");
	/* an empty tree's manifest is empty */
	CHECK(manifest_parse("", 0, "m", &m, &err) == 0 && m.n == 0);
	manifest_free(&m);
}

int main(void)
{
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(round_trip);
	RUN(what_it_could_not_have_written);
	struct cl_err err = { 0 };
	remove_tree(tmp, &err);
	return test_failures ? 1 : 0;
}
