/* sandbox_run() called by a program with other threads running: the
 * child of the clone must not need a lock those threads may hold
 * (malloc's, stdio's, the locale's), and a SIGTERM must kill the sandbox
 * rather than the caller.  Runs real sandboxes, with the host's /usr. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../common/clock.h"
#include "../../common/thread.h"
#include "../../sandbox/sandbox.h"
#include "test.h"

static atomic_bool stop;

/* Takes glibc's locks as often as it can: its malloc arena (and, by
 * freeing what another thread allocated, the others'), stdio's list lock
 * (fopen/fclose) and the locale's (strerror). */
static void *hammer(void *arg)
{
	void **shared = arg;
	unsigned seed = (unsigned)(uintptr_t)&seed;
	while (!atomic_load(&stop)) {
		for (int i = 0; i < 64; i++) {
			void *p = malloc((size_t)(rand_r(&seed) % 4096) + 1);
			void *old = __atomic_exchange_n(&shared[i], p, __ATOMIC_ACQ_REL);
			free(old);
		}
		FILE *f = fopen("/dev/null", "w");
		if (f) {
			fprintf(f, "%s %d\n", strerror(rand_r(&seed) % 140), rand_r(&seed));
			fclose(f);
		}
	}
	return NULL;
}

static int run_sh(const char *script, int out_fd, struct sandbox_result *res, struct cl_err *err)
{
	struct sandbox_config cfg;
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	sandbox_config_init(&cfg);
	cfg.argv = argv;
	cfg.timeout_sec = 20;
	if (out_fd >= 0)
		cfg.stdio[1] = out_fd;
	int rc = sandbox_config_add_host_usr(&cfg, err);
	if (rc == 0)
		rc = sandbox_run(&cfg, res, err);
	sandbox_config_free(&cfg);
	return rc;
}

/* In a child process, so that a hang is a timeout of ours, not of the
 * suite: 0 when every sandbox ran and exited 0. */
static int sandboxes_beside_hammers(int n_sandboxes)
{
	static void *shared[64];
	pthread_t t[4];
	int started = 0;
	for (int i = 0; i < 4; i++)
		started += cl_thread_start(&t[i], hammer, shared) == 0;
	if (started != 4)
		return 3;
	int bad = 0;
	for (int i = 0; i < n_sandboxes && !bad; i++) {
		struct sandbox_result res;
		struct cl_err err = { 0 };
		if (run_sh("exit 0", -1, &res, &err) < 0) {
			printf("  sandbox %d: %s\n", i, err.msg);
			bad = 1;
		} else if (res.status != 0) {
			printf("  sandbox %d: status %d: %s\n", i, res.status, res.message);
			bad = 1;
		}
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return bad;
}

static int wait_for(pid_t pid, double secs, int *status)
{
	double end = clock_mono_s() + secs;
	while (clock_mono_s() < end) {
		pid_t w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			return 0;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

static void sandboxes_start_while_other_threads_take_glibcs_locks(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int bad = sandboxes_beside_hammers(60);
		fflush(stdout);
		_exit(bad);
	}
	int st = 0;
	int r = wait_for(pid, 120, &st);
	CHECK(r == 0); /* a child that hung on a lock held at the clone */
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (test_current_failed)
		printf("  status 0x%x\n", st);
}

static void *idle(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		usleep(1000);
	return NULL;
}

/* A SIGTERM to a caller with other threads: the thread in sandbox_run()
 * gets it, kills the sandbox and returns; nothing of the sandbox is left
 * (the pipe it wrote to reaches end of file). */
static void a_sigterm_to_a_threaded_caller_ends_the_sandbox_first(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		pthread_t t[3];
		for (int i = 0; i < 3; i++)
			if (cl_thread_start(&t[i], idle, NULL) != 0)
				_exit(3);
		struct sandbox_result res;
		struct cl_err err = { 0 };
		int rc = run_sh("echo up; exec sleep 30", p[1], &res, &err);
		close(p[1]);
		_exit(rc < 0 ? 4 : res.interrupted_by == SIGTERM && res.status == 128 + SIGTERM ? 0 : 5);
	}
	close(p[1]);
	char buf[8] = "";
	struct pollfd pf = { .fd = p[0], .events = POLLIN };
	CHECK(poll(&pf, 1, 30000) == 1 && read(p[0], buf, 3) == 3 && memcmp(buf, "up\n", 3) == 0);
	kill(pid, SIGTERM);
	int st = 0;
	CHECK(wait_for(pid, 15, &st) == 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (test_current_failed)
		printf("  status 0x%x\n", st);
	/* every writer gone: sleep was killed, not left running */
	pf.revents = 0;
	CHECK(poll(&pf, 1, 5000) == 1 && read(p[0], buf, sizeof buf) == 0);
	close(p[0]);
}

/* what "blocked in every thread" rests on */
static void *report_mask(void *arg)
{
	sigset_t *mask = arg;
	pthread_sigmask(SIG_BLOCK, NULL, mask);
	return NULL;
}

static void a_started_thread_blocks_every_signal(void)
{
	pthread_t t;
	sigset_t mask;
	sigemptyset(&mask);
	CHECK(cl_thread_start(&t, report_mask, &mask) == 0);
	pthread_join(t, NULL);
	sigset_t want;
	sandbox_signal_set(&want);
	for (int s = 1; s < 32; s++)
		if (sigismember(&want, s))
			CHECK(sigismember(&mask, s));
	/* and the caller's own mask is as it was */
	sigset_t now;
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	CHECK(!sigismember(&now, SIGTERM));
}

int main(void)
{
	RUN(a_started_thread_blocks_every_signal);
	RUN(sandboxes_start_while_other_threads_take_glibcs_locks);
	RUN(a_sigterm_to_a_threaded_caller_ends_the_sandbox_first);
	return test_failures != 0;
}
