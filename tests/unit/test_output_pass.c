/* The output pass (builder/build/output_pass.h): one walk that leaves the
 * tree and its manifest exactly as the separate normalizing walks and
 * tree_manifest() did, and stops at max-output before reading. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../builder/build/output_pass.h"
#include "../../builder/store/tree.h"
#include "test.h"

static char top[] = "/tmp/test_output_pass.XXXXXX";

static void sh(const char *fmt, const char *arg)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, fmt, arg, arg, arg, arg);
	if (system(cmd) != 0)
		printf("  command failed: %s\n", cmd);
}

/* A build's output: odd modes, an executable, a hard link, symlinks (one
 * dangling), an empty file, a nested directory, a file the recipe gives a
 * mode, and another name of that file. */
static void make_tree(const char *d)
{
	sh("mkdir -p %s/usr/bin %s/usr/share/doc/x/deep/er %s/usr/libexec && cd %s && "
	   "printf 'hello\\n' > usr/share/doc/x/README && chmod 0600 usr/share/doc/x/README && "
	   "printf '#!/bin/sh\\n' > usr/bin/tool && chmod 0750 usr/bin/tool && "
	   "ln usr/bin/tool usr/bin/tool2 && : > usr/share/doc/x/empty && "
	   "ln -s tool usr/bin/link && ln -s /nowhere usr/bin/dangling && "
	   "printf 'x' > usr/share/doc/x/deep/er/f && chmod 0777 usr/share/doc/x/deep && "
	   "printf 'helper' > usr/libexec/helper && chmod 0700 usr/libexec/helper && "
	   "ln usr/libexec/helper usr/libexec/helper-again && touch -d @12345 usr/bin/tool", d);
}

static const struct path_mode declared[] = { { .path = "/usr/libexec/helper", .mode = 04555, .line = 7 } };
static const struct path_modes modes = { .file = "recipes/demo/recipe", .v = declared, .n = 1 };

static void the_pass_matches_the_separate_walks(void)
{
	char a[256], b[256];
	snprintf(a, sizeof a, "%s/a", top);
	snprintf(b, sizeof b, "%s/b", top);
	make_tree(a);
	make_tree(b);
	struct cl_err err = { 0 };
	/* the walks publishing did before */
	CHECK(tree_clear_attributes(b, &err) == 0);
	CHECK(tree_clamp_mtimes(b, 1700000000, &err) == 0);
	CHECK(tree_canonical_modes(b, &modes, &err) == 0);
	char *want = NULL;
	size_t wlen = 0;
	CHECK(tree_manifest(b, &want, &wlen, &err) == 0);

	struct output_pass_opts o = { .epoch = 1700000000, .modes = &modes, .max_bytes = 1 << 20, .max_files = 100 };
	struct output_pass p;
	int r = output_pass_run(a, &o, &p, &err);
	CHECK(r == 0);
	if (r < 0)
		printf("  %s\n", err.msg);
	CHECK(want && p.manifest && p.len == wlen && memcmp(p.manifest, want, wlen) == 0);
	if (test_current_failed && want && p.manifest)
		printf("  pass:\n%.*s  separate walks:\n%.*s", (int)p.len, p.manifest, (int)wlen, want);
	char hex[SHA256_HEX_LEN + 1];
	CHECK(want && sha256_bytes(want, wlen, hex, &err) == 0 && strcmp(hex, p.output_hash) == 0);
	CHECK(p.files == 17);
	CHECK(p.bytes == 6 + 10 + 10 + 1 + 6 + 6);
	/* the tree itself is left as the walks left theirs */
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cd %s && find . -printf '%%p %%m %%T@\\n' | sort > ../a.list && "
		 "cd %s && find . -printf '%%p %%m %%T@\\n' | sort > ../b.list && cmp -s ../a.list ../b.list", a, b);
	CHECK(system(cmd) == 0);
	free(want);
	output_pass_free(&p);
}

static void a_huge_sparse_file_stops_the_pass_before_it_is_read(void)
{
	char d[256], f[300];
	snprintf(d, sizeof d, "%s/huge", top);
	snprintf(f, sizeof f, "%s/sparse", d);
	CHECK(mkdir(d, 0755) == 0);
	int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd >= 0 && ftruncate(fd, 1LL << 40) == 0);
	close(fd);
	struct cl_err err = { 0 };
	struct output_pass_opts o = { .epoch = 1, .max_bytes = 1 << 30, .max_files = 100 };
	struct output_pass p;
	CHECK(output_pass_run(d, &o, &p, &err) == -EFBIG);
	CHECK(p.over == OUTPUT_OVER_BYTES);
	CHECK(p.len == 0); /* not hashed: no line for it */
	output_pass_free(&p);
	o.max_bytes = 0;
	o.max_files = 0;
	o.deadline = 1; /* long past: the pass stops */
	CHECK(output_pass_run(d, &o, &p, &err) == -ETIME);
	output_pass_free(&p);
	unlink(f);
}

static void too_many_files_and_special_files_are_refused(void)
{
	char d[256];
	snprintf(d, sizeof d, "%s/many", top);
	sh("mkdir -p %s && cd %s && touch 1 2 3 4 5", d);
	struct cl_err err = { 0 };
	struct output_pass_opts o = { .epoch = 1, .max_files = 4 };
	struct output_pass p;
	CHECK(output_pass_run(d, &o, &p, &err) == -EFBIG && p.over == OUTPUT_OVER_FILES);
	output_pass_free(&p);
	sh("cd %s && rm 5 && mkfifo fifo", d);
	o.max_files = 0;
	CHECK(output_pass_run(d, &o, &p, &err) < 0 && strstr(err.msg, "a FIFO") != NULL);
	output_pass_free(&p);
}

int main(void)
{
	if (!mkdtemp(top))
		return 1;
	RUN(the_pass_matches_the_separate_walks);
	RUN(a_huge_sparse_file_stops_the_pass_before_it_is_read);
	RUN(too_many_files_and_special_files_are_refused);
	sh("chmod -R u+w %s; rm -rf %s", top);
	return test_failures != 0;
}
