/* Pid 1 of the sandbox: starts the command, reaps orphans, and exits with
 * the command's status.  Its exit is the sandbox's end: the kernel kills
 * every other process of a pid namespace whose init is gone. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

__attribute__((noreturn))
static void exec_command(const struct sandbox_config *cfg, int chan)
{
	sigset_t none;

	/* A clean process: default dispositions (an ignored SIGPIPE or SIGHUP
	 * in the caller's shell must not change how a build behaves) and
	 * nothing blocked. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	umask(cfg->umask);

	/* execvp() searches the PATH of the environment it runs in. */
	environ = cfg->env;
	execvp(cfg->argv[0], cfg->argv);
	int e = errno;
	char msg[600];
	snprintf(msg, sizeof msg, "cannot run %s in the sandbox: %s", cfg->argv[0], strerror(e));
	chan_send(chan, CHAN_EXEC_ERROR, msg, -1);
	_exit(e == ENOENT || e == ENOTDIR ? SANDBOX_EXIT_NOTFOUND : SANDBOX_EXIT_NOEXEC);
}

void sandbox_init_main(const struct sandbox_config *cfg, int chan)
{
	/* Not dumpable: the command runs as the same uid and must not be able
	 * to ptrace pid 1 or read its memory and descriptors. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	pid_t child = fork();
	if (child < 0) {
		char msg[128];
		snprintf(msg, sizeof msg, "%d:fork: %s", errno, strerror(errno));
		chan_send(chan, CHAN_SETUP_ERROR, msg, -1);
		_exit(SANDBOX_EXIT_SETUP);
	}
	if (child == 0)
		exec_command(cfg, chan);

	/* Pid 1 keeps no descriptor the sandbox could use. */
	close(chan);
	close_range(0, ~0U, 0);

	for (;;) {
		int status;
		pid_t p = wait(&status);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			_exit(SANDBOX_EXIT_SETUP);
		}
		if (p != child)
			continue; /* an orphan reparented to us */
		if (WIFEXITED(status))
			_exit(WEXITSTATUS(status));
		_exit(128 + WTERMSIG(status));
	}
}
