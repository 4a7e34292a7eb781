/* Tree operations the checker depends on: the store's canonical modes
 * with a recipe's mode: lines, and the clone of unpacked sources. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../builder/store/tree.h"
#include "../../common/fsutil.h"
#include "test.h"

static char base[] = "/tmp/cloister-tree-XXXXXX";

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[2048], full[2200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	snprintf(full, sizeof full, "cd %s && { %s; }", base, cmd);
	if (system(full) != 0) {
		printf("  command failed: %s\n", cmd);
		test_current_failed = 1;
	}
}

static unsigned mode_of(const char *rel)
{
	char p[400];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", base, rel);
	return lstat(p, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 01000000;
}

static void canonical(void)
{
	sh("chmod -R u+w t 2>/dev/null; rm -rf t && mkdir -p t/d/e && : > t/d/data && : > t/d/prog && chmod 640 t/d/data && "
	   "chmod 710 t/d/prog && chmod 750 t/d/e && : > t/odd && chmod 4711 t/odd && ln -s nowhere t/link");
	char root[300];
	snprintf(root, sizeof root, "%s/t", base);
	struct cl_err err = { 0 };
	CHECK(tree_canonical_modes(root, NULL, &err) == 0);
	CHECK(mode_of("t") == 0555 && mode_of("t/d") == 0555 && mode_of("t/d/e") == 0555);
	CHECK(mode_of("t/d/data") == 0444);
	CHECK(mode_of("t/d/prog") == 0555);
	/* setuid, whatever the build did, never reaches the store */
	CHECK(mode_of("t/odd") == 0555);
	CHECK(mode_of("t/link") == 0777);
}

static void declared(void)
{
	sh("chmod -R u+w t 2>/dev/null; rm -rf t && mkdir -p t/private && : > t/private/key && : > t/script && chmod 755 t/script");
	char root[300];
	snprintf(root, sizeof root, "%s/t", base);
	struct path_mode v[] = { { "/private", 0500, 3 }, { "/private/key", 0400, 4 }, { "/script", 0444, 5 } };
	struct path_modes m = { "recipes/x/recipe", v, 3 };
	struct cl_err err = { 0 };
	CHECK(tree_canonical_modes(root, &m, &err) == 0);
	CHECK(mode_of("t/private") == 0500 && mode_of("t/private/key") == 0400 && mode_of("t/script") == 0444);
	struct path_mode missing[] = { { "/nothere", 0444, 7 } };
	m.v = missing, m.n = 1;
	CHECK(tree_canonical_modes(root, &m, &err) < 0);
	CHECK(strstr(err.msg, "recipes/x/recipe:7: mode for /nothere, but the build made no such path") != NULL);
	struct path_mode dir[] = { { "/private", 0444, 8 } };
	m.v = dir;
	CHECK(tree_canonical_modes(root, &m, &err) < 0);
	CHECK(strstr(err.msg, "recipes/x/recipe:8: mode 0444 for the directory /private") != NULL);
}

static void never_through_a_symlink(void)
{
	/* the output links to a file outside; a mode: line aims through it */
	sh("chmod -R u+w t 2>/dev/null; rm -rf t outside && mkdir -p t outside && : > outside/victim && chmod 600 outside/victim && "
	   "ln -s ../outside t/link && ln -s ../outside/victim t/direct");
	char root[300];
	snprintf(root, sizeof root, "%s/t", base);
	struct path_mode via[] = { { "/link/victim", 0444, 2 } }, direct[] = { { "/direct", 0444, 3 } };
	struct path_modes m = { "recipe", via, 1 };
	struct cl_err err = { 0 };
	CHECK(tree_canonical_modes(root, &m, &err) < 0);
	CHECK(strstr(err.msg, "a symlink lies on the way") != NULL);
	m.v = direct;
	CHECK(tree_canonical_modes(root, &m, &err) < 0);
	CHECK(strstr(err.msg, "which the build made a symlink") != NULL);
	CHECK(mode_of("outside/victim") == 0600);
}

static void clone(void)
{
	sh("chmod -R u+w src dst 2>/dev/null; rm -rf src dst && mkdir -p src/d/sub dst/d && echo hi > src/d/f && ln src/d/f src/d/hard && "
	   "ln -s f src/d/l && chmod 555 src/d/sub && chmod 604 src/d/f && touch -h -d '2001-02-03 04:05:06.789' src/d/l && "
	   "touch -d '2000-01-01 00:00:00.123456789' src/d/f src/d/sub src/d");
	char from[300], to[300];
	snprintf(from, sizeof from, "%s/src", base);
	snprintf(to, sizeof to, "%s/dst", base);
	struct cl_err err = { 0 };
	CHECK(tree_clone(from, to, &err) == 0);
	/* everything below the root (the copy goes into an existing folder)
	 * but the access times, which reading changes */
	sh("test \"$(cd src && find . -mindepth 1 -printf '%%p %%y %%m %%n %%T@ %%l\\n' | sort)\" = "
	   "\"$(cd dst && find . -mindepth 1 -printf '%%p %%y %%m %%n %%T@ %%l\\n' | sort)\"");
	sh("test \"$(stat -c %%i dst/d/f)\" = \"$(stat -c %%i dst/d/hard)\" && cmp src/d/f dst/d/f");
	sh("mkfifo src/fifo");
	sh("chmod -R u+w dst && rm -rf dst && mkdir dst");
	CHECK(tree_clone(from, to, &err) < 0);
	CHECK(strstr(err.msg, "fifo: a special file, not copied") != NULL);
}

/* 3,000 levels, past PATH_MAX and the descriptor limit a recursive copy
 * would need: cloned whole, modes and mtimes set on the way back up. */
static void clone_deep(void)
{
	sh("chmod -R u+w deep deepcopy 2>/dev/null; rm -rf deep deepcopy && mkdir deep deepcopy");
	char from[300], to[300];
	snprintf(from, sizeof from, "%s/deep", base);
	snprintf(to, sizeof to, "%s/deepcopy", base);
	int fd = open(from, O_RDONLY | O_DIRECTORY);
	for (int i = 0; fd >= 0 && i < 3000; i++) {
		int sub = mkdirat(fd, "d0123456789", 0750) == 0 ? openat(fd, "d0123456789", O_RDONLY | O_DIRECTORY) : -1;
		close(fd);
		fd = sub;
	}
	int f = fd >= 0 ? openat(fd, "bottom", O_WRONLY | O_CREAT, 0640) : -1;
	CHECK(f >= 0 && write(f, "deep", 4) == 4);
	if (f >= 0)
		close(f);
	if (fd >= 0)
		close(fd);
	struct cl_err err = { 0 };
	int r = tree_clone(from, to, &err);
	CHECK(r == 0);
	if (r < 0)
		printf("  %s\n", err.msg);
	/* the bottom file and every level's mode, by walking down again */
	fd = open(to, O_RDONLY | O_DIRECTORY);
	int levels = 0;
	struct stat st;
	while (fd >= 0 && fstatat(fd, "d0123456789", &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & 07777) == 0750) {
		int sub = openat(fd, "d0123456789", O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = sub;
		levels++;
	}
	CHECK(levels == 3000);
	char got[8] = "";
	f = fd >= 0 ? openat(fd, "bottom", O_RDONLY) : -1;
	CHECK(f >= 0 && read(f, got, sizeof got) == 4 && memcmp(got, "deep", 4) == 0);
	if (f >= 0)
		close(f);
	if (fd >= 0)
		close(fd);
	CHECK(remove_tree(from, &err) == 0 && remove_tree(to, &err) == 0);
}

int main(void)
{
	if (!mkdtemp(base))
		return 1;
	RUN(canonical);
	RUN(declared);
	RUN(never_through_a_symlink);
	RUN(clone);
	RUN(clone_deep);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "chmod -R u+w %s; rm -rf %s", base, base);
	if (system(cmd) != 0)
		return 1;
	return test_failures ? 1 : 0;
}
