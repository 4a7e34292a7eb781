/* The store's units: publishing a stage, looking it up, verifying it,
 * and removing the stages of builds that died (an flock no one holds). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../builder/store/store.h"
#include "../../common/fsutil.h"
#include "test.h"

static char home[] = "/tmp/test_store.XXXXXX";
static const char input_hash[] = "abababababababababababababababababababababababababababababababab";

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int publish_demo(struct store_entry *e, struct cl_err *err)
{
	struct stage s = STAGE_NONE;
	char p[PATH_MAX + 64];
	TRY(stage_make(home, &s, err));
	snprintf(p, sizeof p, "%s/out/usr", s.path);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/out/usr/hello", s.path);
	write_text(p, "hello\n");
	chmod(p, 0700);
	/* the build's folder goes before publishing, as the driver does */
	snprintf(p, sizeof p, "%s/build", s.path);
	if (remove_tree(p, err) < 0)
		return -1;
	int r = store_publish(home, s.path, input_hash, "demo", "1", 1000, e, err);
	if (r == 0)
		stage_release(&s);
	else
		stage_drop(&s);
	return r;
}

static struct store_entry entry;

static void a_published_stage_is_found_by_its_input_hash(void)
{
	struct cl_err err = { 0 };
	struct store_entry e;
	CHECK(store_lookup(home, input_hash, "demo", "1", &e, &err) == -ENOENT);
	int r = publish_demo(&entry, &err);
	CHECK(r == 0);
	if (r < 0) {
		printf("  %s\n", err.msg);
		return;
	}
	CHECK(store_lookup(home, input_hash, "demo", "1", &e, &err) == 0);
	CHECK(strcmp(e.path, entry.path) == 0 && strcmp(e.output_hash, entry.output_hash) == 0);
	/* the output hash is the manifest's digest, and output-hash says it */
	char file[PATH_MAX + 32], hex[SHA256_HEX_LEN + 1], *text = NULL;
	size_t len = 0;
	snprintf(file, sizeof file, "%s/manifest", e.path);
	CHECK(sha256_file(file, hex, &err) == 0 && strcmp(hex, e.output_hash) == 0);
	snprintf(file, sizeof file, "%s/output-hash", e.path);
	CHECK(read_file(file, &text, &len, &err) == 0 && len == 65 && memcmp(text, hex, 64) == 0);
	free(text);
	/* canonical, read-only modes and the fixed mtime */
	struct stat st;
	snprintf(file, sizeof file, "%s/out/usr/hello", e.path);
	CHECK(stat(file, &st) == 0 && (st.st_mode & 07777) == 0555 && st.st_mtime == 1000);
	/* another version or hash is another entry */
	CHECK(store_lookup(home, input_hash, "demo", "2", &e, &err) == -ENOENT);
}

struct seen {
	int n, bad;
	char near[512];
};

static void each(void *ctx, const struct store_check *c)
{
	struct seen *s = ctx;
	s->n++;
	if (c->problem) {
		s->bad++;
		snprintf(s->near, sizeof s->near, "%s", c->near ? c->near : c->problem);
	}
}

static void verify_finds_a_changed_file(void)
{
	struct cl_err err = { 0 };
	struct seen s = { 0 };
	CHECK(store_verify(home, each, &s, &err) == 0 && s.n == 1 && s.bad == 0);
	char file[PATH_MAX + 32];
	snprintf(file, sizeof file, "%s/out/usr/hello", entry.path);
	chmod(file, 0755);
	write_text(file, "hellO\n");
	chmod(file, 0555);
	struct seen t = { 0 };
	CHECK(store_verify(home, each, &t, &err) == 1 && t.bad == 1);
	CHECK(strstr(t.near, "/usr/hello") != NULL);
	if (test_current_failed)
		printf("  %s\n", t.near);
}

static void only_the_stages_of_dead_builds_are_removed(void)
{
	struct cl_err err = { 0 };
	struct stage mine = STAGE_NONE;
	CHECK(stage_make(home, &mine, &err) == 0);
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct stage dead = STAGE_NONE;
		struct cl_err e = { 0 };
		if (stage_make(home, &dead, &e) < 0)
			_exit(1);
		if (write(p[1], dead.path, strlen(dead.path) + 1) < 0)
			_exit(1);
		_exit(0); /* killed, in effect: its lock goes with it, its folder stays */
	}
	char dead[PATH_MAX] = "";
	close(p[1]);
	CHECK(read(p[0], dead, sizeof dead) > 0);
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	CHECK(access(dead, F_OK) == 0);
	CHECK(store_remove_dead_stages(home) == 1);
	CHECK(access(dead, F_OK) != 0);
	CHECK(access(mine.path, F_OK) == 0); /* ours is held */
	stage_drop(&mine);
	CHECK(access(mine.path[0] ? mine.path : "/nonexistent-stage", F_OK) != 0);
}

int main(void)
{
	if (!mkdtemp(home))
		return 1;
	RUN(a_published_stage_is_found_by_its_input_hash);
	RUN(verify_finds_a_changed_file);
	RUN(only_the_stages_of_dead_builds_are_removed);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "chmod -R u+w '%s'; rm -rf '%s'", home, home);
	return system(cmd) != 0 || test_failures != 0;
}
