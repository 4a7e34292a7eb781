/* Times commands the way bench/ needs: runs them interleaved (A B C A B
 * C ...) so that a noisy machine slows all of them alike, and prints the
 * median and 90th percentile wall time of each, in milliseconds.
 *
 *   timeit RUNS :: CMD1 ARGS... :: CMD2 ARGS... [:: ...]
 *
 * Output, one line per command:  NAME median_ms p90_ms
 * where NAME is the command's basename.  A command that fails aborts. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 4 || strcmp(argv[2], "::") != 0) {
		fprintf(stderr, "usage: timeit RUNS :: CMD ARGS... [:: CMD ARGS...]\n");
		return 2;
	}
	int runs = atoi(argv[1]);
	char **cmds[16];
	int n = 0;
	for (int i = 2; i < argc && n < 16; i++) {
		if (strcmp(argv[i], "::") == 0) {
			argv[i] = NULL;
			if (i + 1 < argc)
				cmds[n++] = &argv[i + 1];
		}
	}
	double *t = calloc((size_t)(runs * n), sizeof *t);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (int r = -runs / 10 - 1; r < runs; r++) { /* the first tenth warms up */
		for (int c = 0; c < n; c++) {
			struct timespec a, b;
			pid_t pid;
			int st;
			clock_gettime(CLOCK_MONOTONIC, &a);
			if (posix_spawnp(&pid, cmds[c][0], &fa, NULL, cmds[c], environ) != 0 ||
			    waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "timeit: %s failed\n", cmds[c][0]);
				return 1;
			}
			clock_gettime(CLOCK_MONOTONIC, &b);
			if (r >= 0)
				t[c * runs + r] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
		}
	}
	for (int c = 0; c < n; c++) {
		qsort(&t[c * runs], (size_t)runs, sizeof *t, cmp);
		const char *name = strrchr(cmds[c][0], '/');
		printf("%s %.3f %.3f\n", name ? name + 1 : cmds[c][0], t[c * runs + runs / 2],
		       t[c * runs + (runs * 9) / 10]);
	}
	return 0;
}
