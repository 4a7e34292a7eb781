/* Memory and process limits through cgroup v2, where the user has a
 * delegated subtree (as crun and podman use one): the caller's own cgroup
 * must be writable by it and offer the memory and pids controllers, which
 * `systemd-run --user --scope -p Delegate=yes cloister ...` arranges.
 *
 * cgroup v2 lets no cgroup both hold processes and hand controllers to
 * its children, so cloister first moves itself into a leaf of its own
 * (CLOISTER.supervisor), enables memory and pids for the siblings, and
 * puts each sandbox into a fresh sibling with clone3(CLONE_INTO_CGROUP):
 * the sandbox is inside its limits from its first instruction. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fdio.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static int read_small(const char *path, char *buf, size_t len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static bool has_word(const char *list, const char *word)
{
	size_t l = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += l)
		if ((p == list || p[-1] == ' ') && (p[l] == ' ' || p[l] == '\n' || !p[l]))
			return true;
	return false;
}

int sandbox_cgroup_find(const char *mnt_top, const char *self_cgroup, char *dir, size_t dlen, char *why,
			size_t wlen)
{
	char mnt[PATH_MAX];
	struct statfs sf;
	snprintf(mnt, sizeof mnt, "%s", mnt_top);
	if (statfs(mnt, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC) {
		/* a hybrid host has cgroup v2 at unified/, without controllers */
		snprintf(mnt, sizeof mnt, "%s/unified", mnt_top);
		if (statfs(mnt, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC) {
			snprintf(why, wlen, "no cgroup v2 hierarchy at %s (the host uses cgroup v1); boot with "
				 "systemd.unified_cgroup_hierarchy=1", mnt_top);
			return 0;
		}
	}
	char text[4096];
	const char *path = NULL;
	if (read_small(self_cgroup, text, sizeof text) == 0)
		for (char *l = text, *next; l && *l; l = next) {
			next = strchr(l, '\n');
			if (next)
				*next++ = '\0';
			if (!strncmp(l, "0::", 3))
				path = l + 3;
		}
	if (!path) {
		snprintf(why, wlen, "this process is in no cgroup v2 cgroup (%s)", self_cgroup);
		return 0;
	}
	snprintf(dir, dlen, "%s%s", mnt, strcmp(path, "/") ? path : "");
	char file[PATH_MAX + 32], controllers[512] = "";
	snprintf(file, sizeof file, "%s/cgroup.controllers", dir);
	read_small(file, controllers, sizeof controllers);
	static const char fix[] = "run cloister in a delegated scope: 'systemd-run --user --scope -p "
				  "Delegate=yes cloister ...'";
	if (!has_word(controllers, "memory") || !has_word(controllers, "pids")) {
		snprintf(why, wlen, "the cgroup %s does not offer the memory and pids controllers (it has: %s); %s",
			 dir, controllers[0] ? strtok(controllers, "\n") : "none", fix);
		return 0;
	}
	snprintf(file, sizeof file, "%s/cgroup.subtree_control", dir);
	char procs[PATH_MAX + 32];
	snprintf(procs, sizeof procs, "%s/cgroup.procs", dir);
	if (access(dir, W_OK) < 0 || access(file, W_OK) < 0 || access(procs, W_OK) < 0) {
		snprintf(why, wlen, "the cgroup %s is not delegated to this user; %s", dir, fix);
		return 0;
	}
	return 1;
}

int sandbox_cgroup_setup(char *parent, size_t len, char *why, size_t wlen, struct cl_err *err)
{
	char dir[PATH_MAX];
	if (!sandbox_cgroup_find("/sys/fs/cgroup", "/proc/self/cgroup", dir, sizeof dir, why, wlen))
		return 0;
	char leaf[PATH_MAX + 64], file[PATH_MAX + 96], pid[32];
	snprintf(leaf, sizeof leaf, "%s/cloister-%d.supervisor", dir, (int)getpid());
	if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
		return cl_err_set(err, errno, "creating the cgroup %s", leaf);
	snprintf(file, sizeof file, "%s/cgroup.procs", leaf);
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	int r = write_file_at(AT_FDCWD, file, pid, 0);
	if (r < 0)
		return cl_err_set(err, -r, "moving cloister into %s", leaf);
	snprintf(file, sizeof file, "%s/cgroup.subtree_control", dir);
	r = write_file_at(AT_FDCWD, file, "+memory +pids", 0);
	if (r == -EBUSY) {
		/* other processes share the cgroup (the shell of an interactive
		 * scope): cloister cannot hand controllers down from it */
		snprintf(why, wlen, "the cgroup %s holds other processes, so it cannot hand the memory and pids "
			 "controllers to cloister's sandboxes; run cloister alone in its scope: 'systemd-run "
			 "--user --scope -p Delegate=yes cloister ...'", dir);
		return 0;
	}
	if (r < 0)
		return cl_err_set(err, -r, "enabling memory and pids in %s", file);
	snprintf(parent, len, "%s", dir);
	return 1;
}

int sandbox_cgroup_create(const struct sandbox_config *cfg, char *path, size_t len, struct cl_err *err)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(path, len, "%s/cloister-%d-%lld%09ld", cfg->cgroup_parent, (int)getpid(), (long long)ts.tv_sec,
		 ts.tv_nsec);
	if (mkdir(path, 0755) < 0)
		return cl_err_set(err, errno, "creating the cgroup %s", path);
	char file[PATH_MAX + 32], value[32];
	/* no swap: memory.max is then what the sandbox can take */
	struct { const char *name; unsigned long long v; bool set; } limits[] = {
		{ "pids.max", cfg->max_procs, cfg->max_procs != 0 },
		{ "memory.max", cfg->memory_max, cfg->memory_max != 0 },
		{ "memory.swap.max", 0, cfg->memory_max != 0 },
	};
	for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
		if (!limits[i].set)
			continue;
		snprintf(file, sizeof file, "%s/%s", path, limits[i].name);
		snprintf(value, sizeof value, "%llu", limits[i].v);
		int r = write_file_at(AT_FDCWD, file, value, 0);
		if (r < 0 && !(r == -ENOENT && !strcmp(limits[i].name, "memory.swap.max"))) {
			rmdir(path);
			return cl_err_set(err, -r, "writing %s", file);
		}
	}
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rmdir(path);
		return cl_err_set(err, errno, "opening the cgroup %s", path);
	}
	return fd;
}

void sandbox_cgroup_remove(const char *path)
{
	/* the processes are gone, but the kernel may take a moment to say
	 * the cgroup is empty */
	for (int i = 0; i < 50 && rmdir(path) < 0 && errno == EBUSY; i++)
		usleep(2000);
}
