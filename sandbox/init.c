/* Pid 1 of the sandbox: starts the command, reaps orphans, and exits with
 * the command's status.  Its exit is the sandbox's end: the kernel kills
 * every other process of a pid namespace whose init is gone. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Starts the command with posix_spawn: glibc's vfork-style clone copies no
 * page tables, and it falls back from clone3 (which the filter answers
 * with ENOSYS) to clone by itself.  The child gets default dispositions
 * for every signal (an ignored SIGPIPE or SIGHUP in the caller's shell
 * must not change how a build behaves) and an empty signal mask. */
static int spawn_command(const struct sandbox_config *cfg, pid_t *pid)
{
	posix_spawnattr_t attr;
	sigset_t all, none;
	int r;

	sigfillset(&all);
	sigemptyset(&none);
	if ((r = posix_spawnattr_init(&attr)) != 0)
		return r;
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	umask(cfg->umask);
	/* posix_spawnp searches the PATH of the environment it runs in */
	environ = cfg->env;
	r = posix_spawnp(pid, cfg->argv[0], NULL, &attr, cfg->argv, cfg->env);
	posix_spawnattr_destroy(&attr);
	return r;
}

void sandbox_init_main(const struct sandbox_config *cfg, int chan)
{
	/* Not dumpable: the command runs as the same uid and must not be able
	 * to ptrace pid 1 or read its memory and descriptors. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	pid_t child;
	int e = spawn_command(cfg, &child);
	if (e != 0) {
		char msg[600];
		snprintf(msg, sizeof msg, "cannot run %s in the sandbox: %s", cfg->argv[0], strerror(e));
		chan_send(chan, CHAN_EXEC_ERROR, msg, -1);
		_exit(e == ENOENT || e == ENOTDIR ? SANDBOX_EXIT_NOTFOUND : SANDBOX_EXIT_NOEXEC);
	}

	/* Pid 1 keeps no descriptor but the channel, for its last report. */
	if ((chan > 0 && close_range(0, (unsigned)chan - 1, 0) < 0) ||
	    close_range((unsigned)chan + 1, ~0U, 0) < 0)
		_exit(SANDBOX_EXIT_SETUP);

	/* When the command ends, everything else goes too: kill the rest and
	 * reap until no child is left.  Every process of the namespace is a
	 * descendant of pid 1 and is reparented to it when its parent dies,
	 * so "no child" means "no process". */
	int code = -1;
	for (;;) {
		int status;
		pid_t p = wait(&status);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD */
		}
		if (p == child)
			code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (code >= 0)
			kill(-1, SIGKILL);
	}
	char msg[16];
	snprintf(msg, sizeof msg, "%d", code);
	chan_send(chan, CHAN_EXIT_STATUS, msg, -1);
	_exit(code);
}
