/* sandbox_run()'s result: how the command ended and what it cost, for
 * commands whose end is known (runs real sandboxes, with the host's /usr). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../sandbox/sandbox.h"
#include "test.h"

static int run_sh(const char *script, unsigned timeout, struct sandbox_result *res)
{
	struct sandbox_config cfg;
	struct cl_err err = { 0 };
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	sandbox_config_init(&cfg);
	cfg.argv = argv;
	cfg.timeout_sec = timeout;
	int rc = sandbox_config_add_host_usr(&cfg, &err);
	/* filled with garbage: sandbox_run must set every field */
	memset(res, 0x5a, sizeof *res);
	if (rc == 0)
		rc = sandbox_run(&cfg, res, &err);
	if (rc < 0)
		printf("  the sandbox: %s\n", err.msg);
	sandbox_config_free(&cfg);
	return rc;
}

static void a_command_that_exits_3(void)
{
	struct sandbox_result r;
	CHECK(run_sh("exit 3", 0, &r) == 0);
	CHECK(r.status == 3);
	CHECK(r.exit_code == 3);
	CHECK(r.signal == 0);
	CHECK(!r.timed_out);
	CHECK(r.interrupted_by == 0);
	CHECK(r.wall_seconds > 0 && r.wall_seconds < 30);
	CHECK(r.user_seconds >= 0 && r.system_seconds >= 0);
	/* the audit's slot: reserved, empty */
	CHECK(r.reads == NULL && r.n_reads == 0);
}

static void a_command_killed_by_sigkill(void)
{
	struct sandbox_result r;
	CHECK(run_sh("kill -KILL $$", 0, &r) == 0);
	CHECK(r.status == 128 + SIGKILL);
	CHECK(r.exit_code == -1);
	CHECK(r.signal == SIGKILL);
	CHECK(!r.timed_out);
	CHECK(r.interrupted_by == 0);
	CHECK(r.reads == NULL && r.n_reads == 0);
}

/* 137 is also an exit status: the result tells the two apart */
static void an_exit_status_of_137_is_no_signal(void)
{
	struct sandbox_result r;
	CHECK(run_sh("exit 137", 0, &r) == 0);
	CHECK(r.status == 137);
	CHECK(r.exit_code == 137);
	CHECK(r.signal == 0);
}

static void a_timeout_kills_it_with_sigkill(void)
{
	struct sandbox_result r;
	CHECK(run_sh("sleep 30", 1, &r) == 0);
	CHECK(r.status == SANDBOX_EXIT_TIMEOUT);
	CHECK(r.timed_out);
	CHECK(r.signal == SIGKILL);
	CHECK(r.exit_code == -1);
	CHECK(r.wall_seconds >= 0.9 && r.wall_seconds < 20);
}

/* the CPU of a grandchild of pid 1 (a subshell the command forks) is
 * counted: pid 1 reaps every process inside, and its rusage has them */
static void the_cpu_time_of_every_process_inside_is_counted(void)
{
	struct sandbox_result r;
	CHECK(run_sh("(i=0; while [ $i -lt 400000 ]; do i=$((i + 1)); done); exit 0", 0, &r) == 0);
	CHECK(r.status == 0 && r.exit_code == 0);
	double cpu = r.user_seconds + r.system_seconds;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	CHECK(r.user_seconds > 0.05);
	CHECK(cpu <= r.wall_seconds * (double)(cpus > 0 ? cpus : 1) + 0.05);
	if (test_current_failed)
		printf("  user %.3f s, system %.3f s, wall %.3f s\n", r.user_seconds, r.system_seconds, r.wall_seconds);
}

int main(void)
{
	RUN(a_command_that_exits_3);
	RUN(a_command_killed_by_sigkill);
	RUN(an_exit_status_of_137_is_no_signal);
	RUN(a_timeout_kills_it_with_sigkill);
	RUN(the_cpu_time_of_every_process_inside_is_counted);
	return test_failures != 0;
}
