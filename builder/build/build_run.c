/* One build in the sandbox: the root of layers, the binds, the
 * environment with the variations applied, the log (and -v's echo of it),
 * the timeout, and on failure the log's tail and where it was kept. */
#define _GNU_SOURCE
#include "build_run.h"
#include "outcome.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../../common/fsutil.h"
#include "../../common/thread.h"
#include "../../common/termsafe.h"
#include "../../sandbox/sandbox.h"
#include "build_env.h"
#include "../plan/inputs.h"
#include "owner.h"
#include "../plan/recipe_settings.h"
#include "../plan/recipe.h"
#include "variations.h"

/* Processes one build may have at once (RLIMIT_NPROC, counted in the
 * sandbox's own user namespace): a fork bomb stops there. */
#define BUILD_MAX_PROCS 4096

/* The build's output goes to the log, to the reporter with -v
 * (NOTE_OUTPUT), and its end to memory: the tail shown on failure must
 * not depend on the log, which a full disk may have cut short.  The
 * reporter escapes what reaches the terminal (termsafe.h): a build never
 * writes to the terminal itself. */
struct tee {
	int in;
	int log;
	bool echo;
	const struct build_opts *o;
	struct termsafe safe;   /* the reporter's, for this stream */
	int log_errno;      /* the first failed write of the log */
	char tail[8192];
	size_t tail_len;
};

static void tail_keep(struct tee *t, const char *buf, size_t n)
{
	if (n >= sizeof t->tail) {
		memcpy(t->tail, buf + n - sizeof t->tail, sizeof t->tail);
		t->tail_len = sizeof t->tail;
		return;
	}
	if (t->tail_len + n > sizeof t->tail) {
		size_t drop = t->tail_len + n - sizeof t->tail;
		memmove(t->tail, t->tail + drop, t->tail_len - drop);
		t->tail_len -= drop;
	}
	memcpy(t->tail + t->tail_len, buf, n);
	t->tail_len += n;
}

static void *tee_main(void *arg)
{
	struct tee *t = arg;
	char buf[1 << 14];
	ssize_t n;
	while ((n = read(t->in, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
		if (n <= 0)
			continue;
		int w = t->log_errno ? 0 : write_all(t->log, buf, (size_t)n);
		if (w < 0)
			t->log_errno = -w;
		if (t->echo)
			build_note(t->o, &(struct build_event){ .kind = NOTE_OUTPUT, .text = buf, .len = (size_t)n,
							      .stream = &t->safe });
		tail_keep(t, buf, (size_t)n);
	}
	if (t->echo)
		build_note(t->o, &(struct build_event){ .kind = NOTE_OUTPUT, .text = "", .len = 0, .last = true,
						      .stream = &t->safe });
	if (!t->log_errno && fsync(t->log) < 0 && errno != EINVAL)
		t->log_errno = errno;
	return NULL;
}

static void note_tail(const struct build_opts *o, const struct tee *t, int lines)
{
	size_t start = t->tail_len;
	int seen = 0;
	while (start > 0 && seen <= lines)
		if (t->tail[--start] == '\n')
			seen++;
	if (start > 0)
		start++;
	build_note(o, &(struct build_event){ .kind = NOTE_FAILURE_TAIL, .text = t->tail + start,
					     .len = t->tail_len - start });
}

/* The machine's Kconfig fragment, as hashed, in stage/machine/ (bound
 * read-only at RECIPE_SETTINGS_DIR); dir gets that folder, or "". */
static int write_machine_files(const struct recipe_settings *rs, const char *stage, char *dir, size_t len,
			       struct cl_err *err)
{
	char file[PATH_MAX + 200];
	dir[0] = '\0';
	if (!rs || !rs->mk)
		return 0;
	TRY(pathf(err, dir, len, "%s/machine", stage));
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return cl_err_set(err, errno, "creating %s", dir);
	TRY(pathf(err, file, sizeof file, "%s/%s", dir, rs->mk_name));
	return write_file_atomic(file, rs->mk, rs->mk_len, 0444, err);
}

int build_run_sandboxed(const struct build_job *job, const char *stage, const char *srcdir, unsigned vary,
			struct cl_err *err)
{
	const struct build_opts *o = job->o;
	const struct recipe *r = job->r;
	const struct recipe_settings *rs = job->in->settings;
	char machine_dir[PATH_MAX + 16] = "";
	char build[PATH_MAX + 16], out[PATH_MAX + 16], logp[PATH_MAX + 16], recipe[PATH_MAX + 16];
	char jobs[16];
	const char *inner = (vary & VARY_PATH) ? VARIED_BUILD_PATH : "/build";
	TRY(pathf(err, build, sizeof build, "%s/build", stage));
	TRY(pathf(err, out, sizeof out, "%s/out", stage));
	TRY(pathf(err, logp, sizeof logp, "%s/log", stage));
	/* the snapshot of the recipe folder whose bytes the input hash is of */
	TRY(pathf(err, recipe, sizeof recipe, "%s/recipe", stage));
	snprintf(jobs, sizeof jobs, "%u", (vary & VARY_JOBS) ? 1 : o->jobs);

	_cleanup_close_ int log = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int pipefd[2];
	if (log < 0 || pipe2(pipefd, O_CLOEXEC) < 0)
		return cl_err_set(err, errno, "%s", logp);
	/* Nothing the user types or pipes reaches a build: its stdin is
	 * /dev/null, its output a pipe to cloister, its session a new one. */
	_cleanup_close_ int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return cl_err_set(err, errno, "/dev/null");
	}

	struct sandbox_config cfg;
	sandbox_config_init(&cfg);
	char *argv[] = { "sh", "-c", (char *)build_wrapper, NULL };
	cfg.argv = argv;
	cfg.timeout_sec = r->timeout_sec;
	/* without a delegated cgroup these rlimits are the bounds: processes,
	 * and no single file larger than the output may be (a 1 TiB sparse
	 * file would take minutes to compare and hash) */
	cfg.max_procs = BUILD_MAX_PROCS;
	cfg.max_file_size = r->max_output_bytes;
	if (o->cgroup[0]) {
		cfg.cgroup_parent = o->cgroup;
		cfg.memory_max = o->memory_max;
	}
	cfg.stdio[0] = devnull;
	cfg.stdio[1] = pipefd[1];
	cfg.stdio[2] = pipefd[1];
	int rc = sandbox_config_add_root(&cfg, job->seed_tree, err);
	for (size_t i = 0; rc == 0 && i < job->n_deps; i++)
		rc = sandbox_config_add_root(&cfg, job->deps[i].out_dir, err);
	if (rc == 0)
		rc = sandbox_config_add_op(&cfg, SB_OP_RO_BIND, recipe, "/recipe", err);
	if (rc == 0 && (vary & VARY_FS)) {
		rc = sandbox_config_add_op(&cfg, SB_OP_RO_BIND, build, "/.cloister-sources", err);
		if (rc == 0)
			rc = sandbox_config_add_op(&cfg, SB_OP_TMPFS, NULL, inner, err);
		if (rc == 0)
			rc = sandbox_config_setenv(&cfg, "CLOISTER_SOURCES", "/.cloister-sources", err);
		if (rc == 0)
			rc = sandbox_config_setenv(&cfg, "CLOISTER_BUILDDIR", inner, err);
	} else if (rc == 0) {
		rc = sandbox_config_add_op(&cfg, SB_OP_BIND, build, inner, err);
	}
	if (rc == 0)
		rc = sandbox_config_add_op(&cfg, SB_OP_BIND, out, "/out", err);
	if (rc == 0)
		rc = write_machine_files(rs, stage, machine_dir, sizeof machine_dir, err);
	if (rc == 0 && machine_dir[0])
		rc = sandbox_config_add_op(&cfg, SB_OP_RO_BIND, machine_dir, RECIPE_SETTINGS_DIR, err);
	if (rc == 0)
		rc = build_env_apply(&cfg, r, rs, vary, inner, srcdir, jobs, err);

	struct tee t = { .in = pipefd[0], .log = log, .echo = o->verbose, .o = o };
	pthread_t th;
	bool tee_running = false;
	if (rc == 0) {
		if (cl_thread_start(&th, tee_main, &t) != 0)
			rc = cl_err_set(err, EAGAIN, "starting the log writer");
		else
			tee_running = true;
	}
	/* as root, the build runs as the build ids: it gets its directories */
	uid_t host_uid;
	gid_t host_gid;
	if (rc == 0)
		rc = sandbox_host_ids(&cfg, &host_uid, &host_gid, err);
	bool handed = rc == 0 && host_uid != geteuid();
	if (rc == 0 && handed && (rc = tree_chown(build, host_uid, host_gid, err)) == 0)
		rc = tree_chown(out, host_uid, host_gid, err);
	struct sandbox_result res;
	if (rc == 0 && (rc = sandbox_run(&cfg, &res, err)) == 0) {
		if (res.message[0])
			build_notef(o, NOTE_FINDING, "%s", res.message);
		rc = res.status;
	}
	/* every process of the sandbox is gone: the output is taken back
	 * before anything reads it */
	if (handed) {
		struct cl_err cerr = { 0 };
		int cr = tree_chown(out, geteuid(), getegid(), &cerr);
		if (cr < 0 && rc >= 0) {
			rc = cr;
			*err = cerr;
		}
	}
	close(pipefd[1]); /* the writer sees end of file once the sandbox is gone */
	if (tee_running)
		pthread_join(th, NULL);
	close(pipefd[0]);
	sandbox_config_free(&cfg);
	/* the fragment is recorded in inputs.json; the entry does not keep it */
	struct cl_err ignore;
	if (machine_dir[0])
		remove_tree(machine_dir, &ignore);
	if (rc < 0) {
		/* the same failure `cloister run` exits 125 for */
		cl_err_prefix(err, "%s: the build sandbox", r->name);
		return cl_err_as(err, err->code == ENOSPC ? CL_RESOURCE : CL_SANDBOX);
	}
	if (rc != 0) {
		if (!o->verbose)
			note_tail(o, &t, 25);
		if (t.log_errno)
			build_notef(o, NOTE_FINDING, "cloister: %s %s: the log %s could not be written in full: %s",
				    r->name, r->version, logp, strerror(t.log_errno));
		char keep[PATH_MAX], dir[PATH_MAX];
		/* the log outlives the stage, for inspection */
		/* name and version were checked where parsed; the log's file name
		 * is made of them, so once more here: never a path */
		if (recipe_name_valid(r->name) && recipe_version_valid(r->version) &&
		    pathf(&ignore, dir, sizeof dir, "%s/logs", o->home) == 0 && mkdir_p(dir, 0755, &ignore) == 0 &&
		    pathf(&ignore, keep, sizeof keep, "%s/%s-%s.failed.log", dir, r->name, r->version) == 0 &&
		    rename(logp, keep) == 0) {
			if (job->outcome)
				snprintf(job->outcome->log, sizeof job->outcome->log, "%s", keep);
			return cl_err_in(err, CL_BUILD_FAILED, EIO, "%s %s failed (%s %d); the log is %s", r->name, r->version,
					  rc == SANDBOX_EXIT_TIMEOUT ? "timed out, status" : "exit status", rc, keep);
		}
		return cl_err_in(err, CL_BUILD_FAILED, EIO, "%s %s failed (exit status %d)", r->name, r->version, rc);
	}
	/* an entry's log is part of it: a build whose log was cut short is
	 * not published */
	if (t.log_errno)
		return cl_err_set(err, t.log_errno, "%s %s: writing the build log %s", r->name, r->version, logp);
	return 0;
}

/* What node i would be built from.  Returns 1 when the store already has
 * it (results[i] filled), 0 when it must be built, or a negative errno. */
