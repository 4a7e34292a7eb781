/* Library code never prints: stages emit events and return results, and
 * the reporter in builder/cli/ renders them.  Two proofs: the stages that
 * used to print, run with stdout and stderr pointing at a file, leave it
 * empty while their callbacks and results get what they have to say; and
 * no source file outside builder/cli/ names stdout or stderr or calls a
 * function that writes to them, so a new fprintf(stderr, ...) in a stage
 * fails here. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../builder/build/build.h"
#include "../../builder/build/output_pass.h"
#include "../../builder/build/publish_check.h"
#include "../../builder/fetch/fetch.h"
#include "../../builder/plan/recipe.h"
#include "../../builder/seed/seed.h"
#include "../../sandbox/sandbox.h"
#include "test.h"

static char top[PATH_MAX];

/* stdout and stderr into a file, and back */
struct capture {
	int saved[2];
	char path[64];
};

static void capture_start(struct capture *c)
{
	fflush(stdout);
	fflush(stderr);
	snprintf(c->path, sizeof c->path, "/tmp/test_no_print.XXXXXX");
	int fd = mkstemp(c->path);
	c->saved[0] = dup(1);
	c->saved[1] = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
}

/* Returns how many bytes reached stdout and stderr meanwhile. */
static long capture_end(struct capture *c)
{
	fflush(stdout);
	fflush(stderr);
	dup2(c->saved[0], 1);
	dup2(c->saved[1], 2);
	close(c->saved[0]);
	close(c->saved[1]);
	struct stat st;
	long n = stat(c->path, &st) == 0 ? (long)st.st_size : -1;
	if (n > 0) {
		char buf[512] = "";
		FILE *f = fopen(c->path, "r");
		size_t got = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
		buf[got] = '\0';
		if (f)
			fclose(f);
		printf("  printed by a library: %s\n", buf);
	}
	unlink(c->path);
	return n;
}

struct notes {
	int n[NOTE_FAILURE_TAIL + 1];
	char finding[4096];
};

static void record(void *ctx, const struct build_event *ev)
{
	struct notes *r = ctx;
	r->n[ev->kind]++;
	if (ev->kind == NOTE_FINDING)
		snprintf(r->finding, sizeof r->finding, "%s", ev->text);
}

/* The host-facts report was fprintf(stderr) in publish_check.c. */
static void the_host_facts_report_is_a_note(void)
{
	char home[] = "/tmp/test_no_print_home.XXXXXX", stage[128], file[256];
	CHECK(mkdtemp(home) != NULL);
	snprintf(stage, sizeof stage, "%s/stage", home);
	snprintf(file, sizeof file, "%s/out", stage);
	CHECK(mkdir(stage, 0755) == 0 && mkdir(file, 0755) == 0);
	snprintf(file, sizeof file, "%s/out/config.h", stage);
	FILE *f = fopen(file, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	/* the build path, a fact of this host a build must not keep */
	fprintf(f, "#define SRCDIR \"%s/build\"\n", stage);
	fclose(f);

	struct notes got = { 0 };
	struct build_opts o = { .note = record, .note_ctx = &got };
	snprintf(o.home, sizeof o.home, "%s", home);
	struct recipe r = { .max_output_bytes = 1 << 20, .max_output_files = 100 };
	snprintf(r.name, sizeof r.name, "demo");
	snprintf(r.version, sizeof r.version, "1.0");
	struct build_job job = { .o = &o, .r = &r };
	struct cl_err err = { 0 };
	struct capture c;
	capture_start(&c);
	struct output_pass pass;
	int rc = publish_pass(&job, stage, 0, true, &pass, &err);
	CHECK(rc == 0 && pass.hits == 1);
	if (rc == 0)
		rc = publish_check(&job, &pass, &err);
	output_pass_free(&pass);
	long printed = capture_end(&c);
	CHECK(rc < 0);
	CHECK(printed == 0);
	CHECK(got.n[NOTE_FINDING] == 1);
	CHECK(strstr(got.finding, "demo 1.0 embeds facts of the host that built it:\n  ") == got.finding);
	CHECK(strstr(got.finding, "config.h") != NULL);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	CHECK(system(cmd) == 0);
}

/* The supervisor wrote "cloister: timed out ..." and pid 1's exec errors
 * to stderr; they are the result's message now. */
static int run(char *const argv[], unsigned timeout, struct sandbox_result *res)
{
	struct sandbox_config cfg;
	struct cl_err err = { 0 };
	sandbox_config_init(&cfg);
	cfg.argv = (char **)argv;
	cfg.timeout_sec = timeout;
	int rc = sandbox_config_add_host_usr(&cfg, &err);
	if (rc == 0)
		rc = sandbox_run(&cfg, res, &err);
	sandbox_config_free(&cfg);
	return rc;
}

static void the_sandbox_says_through_its_result(void)
{
	char *const sleeper[] = { "/bin/sleep", "30", NULL };
	char *const missing[] = { "/no/such/command", NULL };
	struct sandbox_result slow, gone;
	struct capture c;
	capture_start(&c);
	int r1 = run(sleeper, 1, &slow);
	int r2 = run(missing, 0, &gone);
	long printed = capture_end(&c);
	CHECK(r1 == 0 && r2 == 0);
	CHECK(printed == 0);
	CHECK(slow.timed_out && slow.status == SANDBOX_EXIT_TIMEOUT);
	CHECK_STR(slow.message, "cloister: timed out after 1 s; the sandbox was killed");
	CHECK(gone.status == 127);
	CHECK(strstr(gone.message, "cloister: cannot run /no/such/command") == gone.message);
	CHECK(strchr(gone.message, '\n') == NULL);
}

struct fetch_notes {
	int warnings, progress;
	char last[256];
};

static void record_fetch(void *arg, enum fetch_note_kind kind, const char *msg)
{
	struct fetch_notes *r = arg;
	if (kind == FETCH_WARNING)
		r->warnings++;
	else
		r->progress++;
	snprintf(r->last, sizeof r->last, "%s", msg);
}

/* seed_say was vfprintf(stderr): the seed's progress is a fetch note. */
static void the_seed_progress_is_a_fetch_note(void)
{
	struct fetch_notes got = { 0 };
	struct fetch_opts fo = { .note = record_fetch, .note_arg = &got };
	struct seed_ctx loud = { .set = "base", .fetch = &fo }, quiet = loud, none = { .set = "base" };
	quiet.quiet = true;
	struct capture c;
	capture_start(&c);
	seed_say(&loud, "unpacking %s", "busybox");
	seed_say(&quiet, "not this");
	seed_say(&none, "nor this, without a callback");
	fetch_progress(&fo, "fetching source %s=%s", "zlib", "1:1.2.13");
	fetch_note(&fo, "warning: mirror %s: gone", "file:///nowhere");
	long printed = capture_end(&c);
	CHECK(printed == 0);
	CHECK(got.progress == 2 && got.warnings == 1);
	CHECK_STR(got.last, "warning: mirror file:///nowhere: gone");
}

/* The text of a C file with its comments, string and character literals
 * blanked (newlines kept, for line numbers). */
static char *code_only(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *s = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&s, &len);
	int ch, prev = 0;
	enum { CODE, LINE_COMMENT, BLOCK_COMMENT, STR, CHR } st = CODE;
	while ((ch = fgetc(f)) != EOF) {
		int out = ch;
		switch (st) {
		case CODE:
			if (prev == '/' && ch == '/')
				st = LINE_COMMENT;
			else if (prev == '/' && ch == '*')
				st = BLOCK_COMMENT, ch = 0;
			else if (ch == '"')
				st = STR;
			else if (ch == '\'')
				st = CHR;
			break;
		case LINE_COMMENT:
			if (ch == '\n')
				st = CODE;
			else
				out = ' ';
			break;
		case BLOCK_COMMENT:
			if (prev == '*' && ch == '/')
				st = CODE, ch = 0;
			if (out != '\n')
				out = ' ';
			break;
		case STR:
		case CHR:
			if (prev == '\\') {
				out = ' ';
				ch = 0; /* an escaped quote or backslash ends nothing */
			} else if (ch == (st == STR ? '"' : '\'')) {
				st = CODE;
			} else if (ch != '\n') {
				out = ' ';
			}
			break;
		}
		fputc(out, m);
		prev = ch;
	}
	fclose(f);
	fclose(m);
	return s;
}

/* Names that write to the terminal or stand for it.  (snprintf, fprintf
 * to a FILE the code opened, write_all to a descriptor it was given: fine.) */
static const char *const banned[] = {
	"stdout", "stderr", "STDOUT_FILENO", "STDERR_FILENO", "printf", "vprintf", "puts", "putchar",
	"perror", "dprintf", "vdprintf", "psignal", "err", "errx", "warn", "warnx", "error",
};

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* Also a write to descriptor 1 or 2 spelt as a number. */
static bool writes_to_terminal_fd(const char *p)
{
	static const char *const calls[] = { "write(", "write_all(", "termsafe_write(" };
	for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
		size_t n = strlen(calls[i]);
		if (strncmp(p, calls[i], n))
			continue;
		const char *a = p + n;
		if (!strcmp(calls[i], "termsafe_write(")) {
			a = strchr(a, ',');
			if (!a)
				return false;
			a++;
		}
		while (*a == ' ' || *a == '\t')
			a++;
		if ((a[0] == '1' || a[0] == '2') && !is_ident(a[1]) && a[1] != '.')
			return true;
	}
	return false;
}

static int scan_file(const char *path, const char *shown)
{
	char *s = code_only(path);
	if (!s) {
		printf("  cannot read %s\n", path);
		return 1;
	}
	int found = 0, line = 1;
	for (const char *p = s; *p; p++) {
		if (*p == '\n') {
			line++;
			continue;
		}
		if (p > s && is_ident(p[-1]))
			continue;
		if (writes_to_terminal_fd(p)) {
			printf("  %s:%d: writes to descriptor 1 or 2\n", shown, line);
			found++;
		}
		for (size_t i = 0; i < sizeof banned / sizeof *banned; i++) {
			size_t n = strlen(banned[i]);
			if (strncmp(p, banned[i], n) || is_ident(p[n]))
				continue;
			/* a call, or a name that is not a member (x.err) */
			const char *q = p + n;
			while (*q == ' ' || *q == '\t')
				q++;
			bool call_only = i >= 4;
			if (call_only && *q != '(')
				continue;
			if (p > s && (p[-1] == '.' || (p > s + 1 && p[-1] == '>' && p[-2] == '-')))
				continue;
			printf("  %s:%d: %s\n", shown, line, banned[i]);
			found++;
		}
	}
	free(s);
	return found;
}

static int scan_dir(const char *rel)
{
	char dir[PATH_MAX + 64];
	snprintf(dir, sizeof dir, "%s/%s", top, rel);
	DIR *d = opendir(dir);
	if (!d) {
		printf("  cannot open %s\n", dir);
		return 1000;
	}
	int found = 0, files = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 3 || strcmp(e->d_name + n - 2, ".c"))
			continue;
		char path[PATH_MAX + 400], shown[PATH_MAX + 400];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		snprintf(shown, sizeof shown, "%s/%s", rel, e->d_name);
		found += scan_file(path, shown);
		files++;
	}
	closedir(d);
	return files ? found : 1000;
}

static void no_library_file_names_the_terminal(void)
{
	static const char *const dirs[] = {
		"builder/plan", "builder/fetch", "builder/seed", "builder/build", "builder/check",
		"builder/store", "builder/lib", "builder/image", "sandbox", "common",
	};
	int found = 0;
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		found += scan_dir(dirs[i]);
	CHECK(found == 0);
}

/* The scanner itself: it finds what it is for, and not what is fine. */
static void the_scan_finds_a_print(void)
{
	char path[] = "/tmp/test_no_print_src.XXXXXX";
	int fd = mkstemp(path);
	const char src[] =
		"/* fprintf(stderr, \"in a comment\") */\n"
		"static const char *s = \"stderr printf(\\\" puts(\";\n"
		"int f(FILE *out, struct x *e) { snprintf(b, 1, \"x\"); fprintf(out, \"y\"); return e->err + x.err; }\n"
		"void g(void) { fprintf(stderr, \"a\"); }\n"          /* 1 */
		"void h(void) { printf(\"b\"); puts (\"c\"); }\n"     /* 2 */
		"void i(void) { write_all(2, b, n); termsafe_write(&st, 1, b, n, true); write(fd, b, 2); }\n" /* 2 */
		"void j(void) { fflush(stdout); }\n";                 /* 1 */
	CHECK(write(fd, src, sizeof src - 1) == (ssize_t)(sizeof src - 1));
	close(fd);
	printf("  (the lines below are the scanner's test, expected)\n");
	CHECK(scan_file(path, "sample.c") == 6);
	unlink(path);
}

int main(int argc, char **argv)
{
	(void)argc;
	char self[PATH_MAX];
	if (!realpath(argv[0], self)) {
		printf("FAIL: main: cannot resolve %s\n", argv[0]);
		return 1;
	}
	/* tests/unit/test_no_print -> the source tree */
	snprintf(top, sizeof top, "%s", dirname(dirname(dirname(self))));
	RUN(the_scan_finds_a_print);
	RUN(no_library_file_names_the_terminal);
	RUN(the_seed_progress_is_a_fetch_note);
	RUN(the_host_facts_report_is_a_note);
	RUN(the_sandbox_says_through_its_result);
	return test_failures ? 1 : 0;
}
