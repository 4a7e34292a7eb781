#define _GNU_SOURCE
#include "interrupt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../store/store.h"

/* The one piece of process-wide state: what a signal handler may touch. */
static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

static int child_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int interrupt_guard(const char *home, const char *what)
{
	pid_t parent = getpid();
	/* orphaned descendants (the workers, once the child is killed) come
	 * to us, so "every process of the build is gone" can be waited for */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* before the fork: a signal in between is not lost */
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	struct sigaction old_int, old_term;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	pid_t pid = fork();
	if (pid < 0) {
		/* no guard: the work runs unguarded rather than not at all */
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		return -1;
	}
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(137);
		return -1;
	}
	int st = 0;
	bool killed = false;
	for (;;) {
		if (caught && !killed) {
			/* the child may have the signal already (Ctrl-C reaches the
			 * whole foreground group); SIGKILL in any case, so nothing
			 * of the build goes on writing */
			kill(pid, SIGKILL);
			killed = true;
		}
		pid_t w = waitpid(pid, &st, 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return 1;
	}
	if (!caught)
		return child_status(st);
	/* the workers and sandboxes die after the child (PDEATHSIG): once
	 * every descendant is reaped, their stages are dead ones */
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	for (int i = 0; i < 500; i++) {
		pid_t w = waitpid(-1, NULL, WNOHANG);
		if (w < 0 && errno == ECHILD)
			break;
		if (w <= 0)
			nanosleep(&pause, NULL);
	}
	long removed = store_remove_dead_stages(home);
	fprintf(stderr, "\n%s: interrupted by %s: the builds in progress were stopped%s", what,
		caught == SIGINT ? "SIGINT" : "SIGTERM", removed ? " and their stages removed" : "");
	fprintf(stderr, removed ? " (%ld)\n" : "\n", removed);
	return 128 + caught;
}
