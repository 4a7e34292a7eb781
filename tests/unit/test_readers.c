/* Every text reader that has a file variant and a from-memory one (the
 * one the fuzz harnesses call) gives the same result for the same bytes:
 * the parsed values, or the error and its message.  The inputs are the
 * committed fuzz corpus (tests/fuzz/corpus/NAME, valid and invalid
 * files), and the bugs the harnesses found stay fixed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../builder/build/worker.h"
#include "../../builder/image/qemu_config.h"
#include "../../builder/plan/inputs.h"
#include "../../builder/plan/machine.h"
#include "../../builder/plan/recipe.h"
#include "../../builder/seed/seedlock.h"
#include "../../builder/store/digests.h"
#include "../../builder/store/manifest.h"
#include "../../builder/store/store.h"
#include "../../common/fsutil.h"
#include "test.h"

static char corpus[PATH_MAX];   /* tests/fuzz/corpus */
static char tmp[] = "/tmp/cloister-test-readers.XXXXXX";

/* What a reader gave: its values or its error, as one string to compare. */
struct said {
	char *s;
	size_t len;
	FILE *f;
};

static FILE *said_open(struct said *o)
{
	o->s = NULL;
	o->f = open_memstream(&o->s, &o->len);
	return o->f;
}

static void said_error(struct said *o, int rc, const struct cl_err *err)
{
	fprintf(o->f, "ERROR %d %s\n", rc, err->msg);
}

/* Two answers agree; prints both when not. */
static void agree(const char *what, struct said *file, struct said *mem)
{
	fclose(file->f);
	fclose(mem->f);
	if (strcmp(file->s, mem->s) != 0) {
		printf("  %s: from the file:\n%s  from memory:\n%s", what, file->s, mem->s);
		test_current_failed = 1;
	}
	free(file->s);
	free(mem->s);
}

static void write_bytes(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		printf("  cannot write %s\n", path);
		test_current_failed = 1;
	}
	if (fd >= 0)
		close(fd);
}

/* fn(name, data, len) for each file of corpus/format; the count of them. */
static int each_input(const char *format, void (*fn)(const char *name, const char *data, size_t len))
{
	char dir[PATH_MAX + 64], **names = NULL;
	size_t n = 0;
	struct cl_err err = { 0 };
	snprintf(dir, sizeof dir, "%s/%s", corpus, format);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || list_dir_sorted(dfd, &names, &n, &err) < 0) {
		printf("  cannot list %s\n", dir);
		test_current_failed = 1;
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	close(dfd);
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX + 400], *data = NULL;
		size_t len = 0;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (read_file(path, &data, &len, &err) == 0)
			fn(names[i], data, len);
		else
			test_current_failed = 1;
		free(data);
	}
	free_names(names, n);
	return (int)n;
}

static void describe_recipe(FILE *f, const struct recipe *r)
{
	fprintf(f, "%s %s %s seed=%s epoch=%lld timeout=%u hostfacts=%u max=%llu/%llu\n", r->name, r->version,
		r->license, r->seed, r->source_date_epoch, r->timeout_sec, r->allow_host_facts, r->max_output_bytes,
		r->max_output_files);
	for (size_t i = 0; i < r->n_sources; i++)
		fprintf(f, "source %d %s %s %s %s %s %d %s\n", (int)r->sources[i].kind, r->sources[i].name,
			r->sources[i].path, r->sources[i].package, r->sources[i].version, r->sources[i].suite,
			r->sources[i].moving, r->sources[i].sha256);
	for (size_t i = 0; i < r->n_build_needs; i++)
		fprintf(f, "need %s\n", r->build_needs[i]);
	for (size_t i = 0; i < r->n_depends; i++)
		fprintf(f, "depends %s\n", r->depends[i]);
	for (size_t i = 0; i < r->n_prefer; i++)
		fprintf(f, "prefer %s\n", r->prefer[i]);
	for (size_t i = 0; i < r->n_modes; i++)
		fprintf(f, "mode %o %s\n", (unsigned)r->modes[i].mode, r->modes[i].path);
}

static void one_recipe(const char *name, const char *data, size_t len)
{
	/* the folder is named after the recipe, so only the text decides */
	struct recipe r;
	struct cl_err err = { 0 };
	char probe[PATH_MAX], dir[PATH_MAX + 200], file[PATH_MAX + 300];
	snprintf(probe, sizeof probe, "%s/recipes/probe", tmp);
	int rc = recipe_parse(probe, data, len, &r, &err);
	snprintf(dir, sizeof dir, "%s/recipes/%s", tmp, rc == 0 ? r.name : "bad");
	if (rc == 0)
		recipe_free(&r);
	mkdir(dir, 0755);
	snprintf(file, sizeof file, "%s/build", dir);
	write_bytes(file, "#!/bin/sh\n", 10);
	snprintf(file, sizeof file, "%s/recipe", dir);
	write_bytes(file, data, len);

	struct said from_file, from_mem;
	said_open(&from_file);
	said_open(&from_mem);
	if ((rc = recipe_load(dir, &r, &err)) == 0) {
		describe_recipe(from_file.f, &r);
		recipe_free(&r);
	} else {
		said_error(&from_file, rc, &err);
	}
	if ((rc = recipe_parse(dir, data, len, &r, &err)) == 0) {
		describe_recipe(from_mem.f, &r);
		recipe_free(&r);
	} else {
		said_error(&from_mem, rc, &err);
	}
	agree(name, &from_file, &from_mem);
	unlink(file);
	snprintf(file, sizeof file, "%s/build", dir);
	unlink(file);
	rmdir(dir);
}

static void recipe_file_and_memory(void)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/recipes", tmp);
	mkdir(dir, 0755);
	CHECK(each_input("recipe", one_recipe) >= 5);
	rmdir(dir);
}

/* What recipe_load adds: the folder's name and its build script. */
static void recipe_load_checks_the_folder(void)
{
	char dir[PATH_MAX], file[PATH_MAX + 16];
	const char text[] = "name: other\nversion: 1\nlicense: MIT\n";
	struct recipe r;
	struct cl_err err = { 0 };
	snprintf(dir, sizeof dir, "%s/recipes/this", tmp);
	CHECK(mkdir_p(dir, 0755, &err) == 0);
	snprintf(file, sizeof file, "%s/recipe", dir);
	write_bytes(file, text, sizeof text - 1);
	CHECK(recipe_parse(dir, text, sizeof text - 1, &r, &err) == 0);
	recipe_free(&r);
	CHECK(recipe_load(dir, &r, &err) == -EINVAL);
	CHECK(strstr(err.msg, "/recipes/this/recipe:1: the name 'other' differs from the folder 'this'") != NULL);
	CHECK(r.sources == NULL && r.build_needs == NULL);
	const char same[] = "name: this\nversion: 1\nlicense: MIT\n";
	write_bytes(file, same, sizeof same - 1);
	CHECK(recipe_load(dir, &r, &err) == -ENOENT);
	CHECK(strstr(err.msg, "the recipe has no build script") != NULL);
	/* a deb-file source's package and version fit their fields, or are refused */
	char longer[600];
	snprintf(longer, sizeof longer, "name: this\nversion: 1\nlicense: MIT\nsource: deb-file p%0150d=1.0 "
		 "sha256:%064d usr/src/x.tar.xz\n", 0, 0);
	CHECK(recipe_parse(dir, longer, strlen(longer), &r, &err) == -EINVAL);
	CHECK(strstr(err.msg, "recipe:4: 'p0") != NULL && strstr(err.msg, "should be PACKAGE=VERSION") != NULL);
	remove_tree(dir, &err);
}

static void describe_machine(FILE *f, const struct machine *m)
{
	for (size_t i = 0; i < m->n_packages; i++)
		fprintf(f, "%s %d\n", m->packages[i].name, m->packages[i].line);
}

static void one_packages(const char *name, const char *data, size_t len)
{
	char machines[256], file[512];
	struct cl_err err = { 0 };
	static struct machine m;
	snprintf(machines, sizeof machines, "%s/machines", tmp);
	snprintf(file, sizeof file, "%s/m/settings", machines);
	mkdir_p(file, 0755, &err);
	snprintf(file, sizeof file, "%s/m/settings/packages.list", machines);
	write_bytes(file, data, len);
	struct said from_file, from_mem;
	said_open(&from_file);
	said_open(&from_mem);
	int rc = machine_load(machines, "m", &m, &err);
	if (rc == 0)
		describe_machine(from_file.f, &m);
	else
		said_error(&from_file, rc, &err);
	machine_free(&m);
	memset(&m, 0, sizeof m);
	snprintf(m.packages_list, sizeof m.packages_list, "%s", file);
	if ((rc = machine_packages_parse(&m, data, len, &err)) == 0)
		describe_machine(from_mem.f, &m);
	else
		said_error(&from_mem, rc, &err);
	machine_free(&m);
	agree(name, &from_file, &from_mem);
}

static void packages_file_and_memory(void)
{
	CHECK(each_input("packages", one_packages) >= 3);
}

/* One input, written to tmp/BASENAME and read both ways: read(mem, file,
 * data, len, out, err) parses from the file (mem 0) or from memory (mem 1)
 * and describes what it got on out; both descriptions must agree. */
typedef int (*read_both_fn)(int mem, const char *file, const char *data, size_t len, FILE *out,
			    struct cl_err *err);

static void both_ways(const char *name, const char *basename, const char *data, size_t len, read_both_fn read)
{
	char file[PATH_MAX + 32];
	snprintf(file, sizeof file, "%s/%s", tmp, basename);
	write_bytes(file, data, len);
	struct said from_file, from_mem;
	said_open(&from_file);
	said_open(&from_mem);
	for (int mem = 0; mem < 2; mem++) {
		struct said *o = mem ? &from_mem : &from_file;
		struct cl_err err = { 0 };
		int rc = read(mem, file, data, len, o->f, &err);
		if (rc < 0)
			said_error(o, rc, &err);
	}
	agree(name, &from_file, &from_mem);
	unlink(file);
}

static int read_lock(int mem, const char *file, const char *data, size_t len, FILE *out, struct cl_err *err)
{
	struct seed_lock lock;
	TRY(mem ? seed_lock_parse(data, len, file, &lock, err) : seed_lock_read(file, &lock, err));
	for (size_t i = 0; i < lock.n; i++)
		fprintf(out, "%s %s %s %s %llu %s %d %d\n", lock.pkgs[i].set, lock.pkgs[i].name,
			lock.pkgs[i].version, lock.pkgs[i].sha256, lock.pkgs[i].size, lock.pkgs[i].suite,
			lock.pkgs[i].moving, lock.pkgs[i].line);
	seed_lock_free(&lock);
	return 0;
}

static void one_lock(const char *name, const char *data, size_t len)
{
	both_ways(name, "seed.lock", data, len, read_lock);
}

static void seed_lock_file_and_memory(void)
{
	CHECK(each_input("seedlock", one_lock) >= 3);
}

static int read_manifest(int mem, const char *file, const char *data, size_t len, FILE *out, struct cl_err *err)
{
	struct manifest m;
	TRY(mem ? manifest_parse(data, len, file, &m, err) : manifest_read(file, &m, err));
	for (size_t i = 0; i < m.n; i++)
		manifest_entry_write(out, &m.v[i]);
	manifest_free(&m);
	return 0;
}

static void one_manifest(const char *name, const char *data, size_t len)
{
	both_ways(name, "manifest", data, len, read_manifest);
}

static void manifest_file_and_memory(void)
{
	CHECK(each_input("manifest", one_manifest) >= 3);
}

static int read_inputs_json(int mem, const char *file, const char *data, size_t len, FILE *out,
			    struct cl_err *err)
{
	struct inputs_record rec;
	TRY(mem ? inputs_json_parse(data, len, file, &rec, err) : inputs_json_read(file, &rec, err));
	fprintf(out, "%s %s %s\n", rec.recipe, rec.version, rec.input_hash);
	return 0;
}

static void one_inputs_json(const char *name, const char *data, size_t len)
{
	both_ways(name, "inputs.json", data, len, read_inputs_json);
}

static void inputs_json_file_and_memory(void)
{
	CHECK(each_input("inputs_json", one_inputs_json) >= 3);
	/* the writer's own document reads back */
	struct inputs_record rec;
	struct cl_err err = { 0 };
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/inputs_json/hello", corpus);
	CHECK(inputs_json_read(path, &rec, &err) == 0);
	CHECK_STR(rec.recipe, "hello");
	CHECK_STR(rec.version, "1.0");
}

static const struct qemu_var qvars[] = { { "SETTINGS_PATH", "/m/settings" }, { "MACHINE_NAME", "tiny" } };

static int read_qemu_config(int mem, const char *file, const char *data, size_t len, FILE *out,
			    struct cl_err *err)
{
	struct words w = { 0 };
	int rc = mem ? qemu_config_parse(file, data, len, qvars, 2, &w, err) : qemu_config_read(file, qvars, 2, &w, err);
	for (size_t i = 0; rc == 0 && i < w.n; i++)
		fprintf(out, "[%s]", w.v[i]);
	words_free(&w);
	return rc;
}

static void one_qemu_config(const char *name, const char *data, size_t len)
{
	both_ways(name, "qemu-command-line.config", data, len, read_qemu_config);
}

static void qemu_config_file_and_memory(void)
{
	CHECK(each_input("qemu_config", one_qemu_config) >= 3);
}

/* store.c writes digests, the reader reads them back: every file but
 * out/ and digests itself, each with its sha256. */
static void digests_written_and_read(void)
{
	char entry[PATH_MAX], file[PATH_MAX + 32];
	struct cl_err err = { 0 };
	snprintf(entry, sizeof entry, "%s/entry", tmp);
	snprintf(file, sizeof file, "%s/out", entry);
	CHECK(mkdir_p(file, 0755, &err) == 0);
	static const char *const names[] = { "inputs.json", "log", "manifest", "output-hash" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(file, sizeof file, "%s/%s", entry, names[i]);
		write_bytes(file, names[i], strlen(names[i]));
	}
	CHECK(store_rewrite_digests(entry, &err) == 0);
	char *text = NULL;
	size_t len = 0;
	snprintf(file, sizeof file, "%s/digests", entry);
	CHECK(read_file(file, &text, &len, &err) == 0);
	struct digests d;
	CHECK(digests_parse(text ? text : "", len, file, &d, &err) == 0);
	CHECK(d.n == 4);
	for (size_t i = 0; i < 4 && i < d.n; i++) {
		char hex[SHA256_HEX_LEN + 1];
		CHECK_STR(d.v[i].name, names[i]);
		CHECK(sha256_bytes(names[i], strlen(names[i]), hex, &err) == 0);
		CHECK_STR(d.v[i].sha256, hex);
		CHECK(digests_find(&d, names[i]) == &d.v[i]);
	}
	CHECK(digests_find(&d, "out") == NULL && digests_find(&d, "digests") == NULL);
	digests_free(&d);
	free(text);
	/* a name listed twice, or one outside the entry, is refused with its line */
	char twice[300];
	snprintf(twice, sizeof twice, "%064d  log\n%064d  ../log\n", 0, 0);
	CHECK(digests_parse(twice, strlen(twice), "digests", &d, &err) == -EINVAL);
	CHECK(strstr(err.msg, "digests:2: '../log' is not a file name of the entry") != NULL);
	CHECK(d.v == NULL && d.text == NULL);
	remove_tree(entry, &err);
}

/* A worker that fails with a class and a signal. */
static int fail_interrupted(void *arg, FILE *result, struct cl_err *err)
{
	(void)arg;
	fputs("half a result", result);
	int r = cl_err_in(err, CL_INTERRUPTED, EINTR, "stopped by SIGTERM");
	err->signal = SIGTERM;
	return r;
}

static int succeed(void *arg, FILE *result, struct cl_err *err)
{
	(void)arg;
	(void)err;
	fputs("the result", result);
	return 0;
}

static void worker_report_file_and_memory(void)
{
	struct worker w;
	struct cl_err err = { 0 }, mem = { 0 };
	char *result = NULL;
	CHECK(worker_start(&w, fail_interrupted, NULL, &err) == 0);
	CHECK(worker_wait(&w, "the test worker", &result, &err) == -EINTR);
	CHECK(result == NULL);
	CHECK(err.cls == CL_INTERRUPTED && err.signal == SIGTERM && cl_exit_status(&err) == 128 + SIGTERM);
	CHECK_STR(err.msg, "stopped by SIGTERM");
	/* the same bytes from memory: the same error */
	char report[64];
	snprintf(report, sizeof report, "-%d,%d,%d:stopped by SIGTERM", EINTR, (int)CL_INTERRUPTED, SIGTERM);
	CHECK(worker_report_parse(report, strlen(report), W_EXITCODE(1, 0), "the test worker", &result, &mem) ==
	      -EINTR);
	CHECK(mem.cls == err.cls && mem.signal == err.signal && mem.code == err.code);
	CHECK_STR(mem.msg, err.msg);

	CHECK(worker_start(&w, succeed, NULL, &err) == 0);
	CHECK(worker_wait(&w, "the test worker", &result, &err) == 0);
	CHECK_STR(result, "the result");
	free(result);
	CHECK(worker_report_parse("+the result", 11, W_EXITCODE(0, 0), "w", &result, &mem) == 0);
	CHECK_STR(result, "the result");
	free(result);
}

/* fuzz_worker found these (tests/fuzz/corpus/worker/crash-*): a report's
 * numbers became an exit status beyond 255 (128 + 151) and errnos no
 * kernel has; a larger signal overflowed 128 + signal. */
static void worker_report_bounds(void)
{
	static const char *const reports[] = {
		"-5,8,151:interrupted", "-4185:an old report", "-5,8,2147483647:x",
		"-99999999999999,8,-3:x", "-0,99,15:x",
	};
	for (size_t i = 0; i < sizeof reports / sizeof *reports; i++) {
		struct cl_err err = { 0 };
		char *result = NULL;
		int rc = worker_report_parse(reports[i], strlen(reports[i]), W_EXITCODE(1, 0), "w", &result, &err);
		int status = cl_exit_status(&err);
		if (rc >= 0 || err.code < 1 || err.code > 4095 || status < 1 || status > 255 || result) {
			printf("  '%s': rc %d, errno %d, exit status %d\n", reports[i], rc, err.code, status);
			test_current_failed = 1;
		}
	}
	struct cl_err err = { 0 };
	char *result = NULL;
	const char r[] = "-5,8,151:interrupted";
	worker_report_parse(r, sizeof r - 1, W_EXITCODE(1, 0), "w", &result, &err);
	CHECK(err.cls == CL_INTERRUPTED && cl_exit_status(&err) == 130);
	CHECK_STR(err.msg, "interrupted");
}

int main(int argc, char **argv)
{
	(void)argc;
	char self[PATH_MAX];
	snprintf(self, sizeof self, "%s", argv[0]);
	snprintf(corpus, sizeof corpus, "%s/../fuzz/corpus", dirname(self));
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(recipe_file_and_memory);
	RUN(recipe_load_checks_the_folder);
	RUN(packages_file_and_memory);
	RUN(seed_lock_file_and_memory);
	RUN(manifest_file_and_memory);
	RUN(inputs_json_file_and_memory);
	RUN(qemu_config_file_and_memory);
	RUN(digests_written_and_read);
	RUN(worker_report_file_and_memory);
	RUN(worker_report_bounds);
	struct cl_err err = { 0 };
	remove_tree(tmp, &err);
	return test_failures ? 1 : 0;
}
