/* Directories owned by a lock: a sweep removes only those no process
 * holds, a fork shares the lock, and a directory swept before its lock
 * was taken is made again. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/lockdir.h"
#include "test.h"

static char base[] = "/tmp/cloister-lockdir-XXXXXX";

static int exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static void held_or_dead(void)
{
	char dir[300];
	struct cl_err err = { 0 };
	snprintf(dir, sizeof dir, "%s/.tmp-XXXXXX", base);
	int fd = lockdir_create(dir, &err);
	CHECK(fd >= 0);
	CHECK(lockdir_sweep(base, ".tmp-") == 0 && exists(dir));
	/* a child forked now shares the lock: the parent's close is not the end */
	int go[2];
	CHECK(pipe(go) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(go[0]);
	close(fd);
	CHECK(lockdir_sweep(base, ".tmp-") == 0 && exists(dir));
	close(go[1]);
	waitpid(pid, NULL, 0);
	/* every holder gone: it is a dead one */
	CHECK(lockdir_sweep(base, ".tmp-") == 1 && !exists(dir));
}

static void unreadable_dead(void)
{
	char dir[300], sub[340];
	snprintf(dir, sizeof dir, "%s/.tmp-dead", base);
	snprintf(sub, sizeof sub, "%s/locked", dir);
	CHECK(mkdir(dir, 0700) == 0 && mkdir(sub, 0700) == 0);
	CHECK(chmod(sub, 0300) == 0);
	CHECK(lockdir_sweep(base, ".tmp-") == 1 && !exists(dir));
}

static void named(void)
{
	char dir[300];
	struct cl_err err = { 0 };
	snprintf(dir, sizeof dir, "%s/pair", base);
	int fd = lockdir_create_named(dir, &err);
	CHECK(fd >= 0 && exists(dir));
	CHECK(lockdir_remove_if_dead(dir, &err) == 0 && exists(dir));
	close(fd);
	CHECK(lockdir_remove_if_dead(dir, &err) == 1 && !exists(dir));
}

int main(void)
{
	if (!mkdtemp(base))
		return 1;
	setvbuf(stdout, NULL, _IONBF, 0);
	RUN(held_or_dead);
	RUN(unreadable_dead);
	RUN(named);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	if (system(cmd) != 0)
		return 1;
	return test_failures ? 1 : 0;
}
