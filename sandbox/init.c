/* Pid 1 of the sandbox: starts the command, reaps orphans, and exits with
 * the command's status.  Its exit is the sandbox's end: the kernel kills
 * every other process of a pid namespace whose init is gone. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <fcntl.h>
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

/* Pid 1 is cloister itself, and /proc/1/cmdline is readable by everyone
 * inside: it would show cloister's command line, with host paths (the
 * recipe, the store, the --bind sources).  The kernel reads it from the
 * argument area of pid 1's memory, so that area is overwritten with a
 * fixed name (PR_SET_MM would need CAP_SYS_RESOURCE in the host's
 * namespace).  With the area's last byte not NUL the kernel stops at the
 * first NUL, as for setproctitle(3).  The command's own arguments may lie
 * in that area, so they are copied first, into memory from mmap (no
 * malloc after a raw clone of a threaded process). */
static char **fix_cmdline(char **argv)
{
	char stat[4096];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, stat, sizeof stat - 1);
	if (fd >= 0)
		close(fd);
	char *p = n > 0 ? (stat[n] = '\0', strrchr(stat, ')')) : NULL;
	if (!p)
		return NULL;
	/* fields 48 and 49 (arg_start, arg_end); p is at the end of field 2 */
	unsigned long start = 0, end = 0;
	for (int field = 2; *p && field < 48; p++)
		if (*p == ' ')
			field++;
	char *next;
	start = strtoul(p, &next, 10);
	if (next == p || *next != ' ')
		return NULL;
	end = strtoul(next + 1, &p, 10);
	if (p == next + 1 || end <= start + 1)
		return NULL;

	size_t argc = 0, bytes = 0;
	while (argv[argc])
		bytes += strlen(argv[argc++]) + 1;
	size_t size = (argc + 1) * sizeof(char *) + bytes;
	char **copy = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy == MAP_FAILED)
		return NULL;
	char *s = (char *)(copy + argc + 1);
	for (size_t i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		copy[i] = memcpy(s, argv[i], l);
		s += l;
	}
	copy[argc] = NULL;

	static const char name[] = "cloister-init";
	char *area = (char *)start;
	size_t len = end - start;
	memset(area, 0, len);
	memcpy(area, name, sizeof name <= len - 1 ? sizeof name : len - 1);
	area[len - 1] = ' ';
	return copy;
}

void sandbox_init_main(const struct sandbox_config *cfg, int chan)
{
	/* Not dumpable: the command runs as the same uid and must not be able
	 * to ptrace pid 1 or read its memory and descriptors. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	/* The rlimits, inherited by everything the command starts.  A core
	 * dump would land in the build's own directories at best: none. */
	struct { int res; unsigned long long v; } limits[] = {
		{ RLIMIT_NPROC, cfg->max_procs }, { RLIMIT_FSIZE, cfg->max_file_size }, { RLIMIT_CORE, 0 },
	};
	for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
		struct rlimit rl = { limits[i].v, limits[i].v };
		if ((limits[i].v || limits[i].res == RLIMIT_CORE) && setrlimit(limits[i].res, &rl) < 0) {
			chan_send(chan, CHAN_EXEC_ERROR, "cannot set the sandbox's resource limits", -1);
			_exit(SANDBOX_EXIT_SETUP);
		}
	}

	struct sandbox_config run = *cfg;
	char **argv = fix_cmdline(cfg->argv);
	if (!argv) {
		chan_send(chan, CHAN_EXEC_ERROR, "cannot hide cloister's command line from /proc/1/cmdline", -1);
		_exit(SANDBOX_EXIT_SETUP);
	}
	run.argv = argv;
	pid_t child;
	int e = spawn_command(&run, &child);
	if (e != 0) {
		/* "ERRNO:message": the supervisor appends strerror(), which
		 * may allocate or take the locale's lock */
		char msg[600];
		snprintf(msg, sizeof msg, "%d:cannot run %s in the sandbox", e, argv[0]);
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
	int code = -1, sig = 0;
	for (;;) {
		int status;
		pid_t p = wait(&status);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD */
		}
		if (p == child) {
			code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		}
		if (code >= 0)
			kill(-1, SIGKILL);
	}
	/* the signal too: 137 is an exit status as well as SIGKILL's */
	char msg[32];
	snprintf(msg, sizeof msg, "%d %d", code, sig);
	chan_send(chan, CHAN_EXIT_STATUS, msg, -1);
	_exit(code);
}
