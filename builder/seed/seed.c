/* The seed's tree: the cached packages unpacked in parallel, merged /usr,
 * the skeleton, the busybox applets, fixed mtimes, the manifest and its
 * hash, published once per hash (seed_fetch.c gets the packages). */
#define _GNU_SOURCE
#include "seed.h"

#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../../common/fsutil.h"
#include "../../common/walk.h"
#include "../../sandbox/sandbox.h"
#include "../fetch/apt.h"
#include "../fetch/cache.h"
#include "deb.h"
#include "seedlock.h"
#include "../store/tree.h"
#include "../build/worker.h"

void seed_say(const struct seed_ctx *c, const char *fmt, ...)
{
	if (c->quiet)
		return;
	if (!c->fetch || !c->fetch->note)
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->fetch->note(c->fetch->note_arg, FETCH_PROGRESS, msg);
}

/* What the skeleton may hold: no .gitkeep (git's placeholder), nothing a
 * package provides, only relative symlinks, no special file. */
static int skeleton_entry(const struct walk_entry *e, int dst, const char *target, void *ctx,
			  struct cl_err *err)
{
	(void)ctx;
	if (!strcmp(e->name, ".gitkeep"))
		return 1;
	if (S_ISDIR(e->st.st_mode))
		return 0;
	if (fstatat(dst, e->name, &(struct stat){ 0 }, AT_SYMLINK_NOFOLLOW) == 0)
		return cl_err_msg(err, EEXIST, "the skeleton's %s is also provided by a seed package; "
				  "remove it from rootfs-seed/skeleton", e->path);
	if (S_ISLNK(e->st.st_mode) && target[0] == '/')
		return cl_err_in(err, CL_BAD_INPUT, EPERM, "the skeleton's symlink %s -> %s must be relative", e->path,
				 target);
	if (!S_ISLNK(e->st.st_mode) && !S_ISREG(e->st.st_mode))
		return cl_err_in(err, CL_BAD_INPUT, EPERM, "the skeleton's %s is a special file", e->path);
	return 0;
}

static int apply_skeleton(const struct seed_ctx *c, const char *tree, struct cl_err *err)
{
	TRY(tree_copy(c->skeleton, tree, skeleton_entry, NULL, err));
	_cleanup_close_ int dst = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0)
		return cl_err_set(err, errno, "%s", tree);
	/* what git cannot hold: an empty, sticky /tmp */
	if (mkdirat(dst, "tmp", 01777) < 0 && errno != EEXIST)
		return cl_err_set(err, errno, "creating /tmp");
	if (fchmodat(dst, "tmp", 01777, 0) < 0)
		return cl_err_set(err, errno, "chmod /tmp");
	return 0;
}

static int merged_usr_links(const char *tree, struct cl_err *err)
{
	static const char *const dirs[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
	_cleanup_close_ int t = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t < 0)
		return cl_err_set(err, errno, "%s", tree);
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		char target[32];
		snprintf(target, sizeof target, "usr/%s", dirs[i]);
		if (faccessat(t, target, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (symlinkat(target, t, dirs[i]) < 0)
			return cl_err_set(err, errno, "creating /%s -> %s", dirs[i], target);
	}
	return 0;
}

/* busybox supplies sh and the coreutils: one link per applet it lists,
 * asked of the seed's own busybox inside the sandbox, where no real tool
 * of the same name exists. */
static int busybox_links(const char *tree, struct cl_err *err)
{
	char bin[PATH_MAX + 16];
	TRY(pathf(err, bin, sizeof bin, "%s/usr/bin/busybox", tree));
	if (access(bin, F_OK) < 0)
		return 0;

	_cleanup_close_ int out = memfd_create("busybox-list", MFD_CLOEXEC);
	if (out < 0)
		return cl_err_set(err, errno, "memfd_create");
	struct sandbox_config cfg;
	char *argv[] = { "/usr/bin/busybox", "--list", NULL };
	sandbox_config_init(&cfg);
	cfg.argv = argv;
	cfg.stdio[1] = out;
	cfg.timeout_sec = 60;
	int rc = sandbox_config_add_root(&cfg, tree, err);
	struct sandbox_result res;
	if (rc == 0)
		rc = sandbox_run(&cfg, &res, err);
	if (rc == 0)
		rc = res.status;
	sandbox_config_free(&cfg);
	if (rc < 0)
		return cl_err_prefix(err, "running the seed's busybox --list in the sandbox");
	if (rc != 0)
		return cl_err_msg(err, EIO, "the seed's busybox --list exited with status %d%s%s", rc,
				  res.message[0] ? ": " : "", res.message);

	off_t size = lseek(out, 0, SEEK_END);
	_cleanup_free_ char *list = malloc((size_t)size + 1);
	if (!list || pread(out, list, (size_t)size, 0) != size)
		return cl_err_set(err, EIO, "reading the applet list");
	list[size] = '\0';

	_cleanup_close_ int ubin = -1;
	char dir[PATH_MAX + 16];
	TRY(pathf(err, dir, sizeof dir, "%s/usr/bin", tree));
	ubin = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ubin < 0)
		return cl_err_set(err, errno, "%s", dir);
	int made = 0;
	for (char *line = list, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		bool ok = *line != '\0';
		for (const char *ch = line; *ch; ch++)
			if (!(isalnum((unsigned char)*ch) || strchr("_.-[", *ch)))
				ok = false;
		if (!ok || !strcmp(line, "busybox"))
			continue;
		char other[PATH_MAX + 64];
		snprintf(other, sizeof other, "%s/usr/sbin/%s", tree, line);
		if (faccessat(ubin, line, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
		    access(other, F_OK) == 0)
			continue; /* the real tool wins */
		if (symlinkat("busybox", ubin, line) < 0)
			return cl_err_set(err, errno, "linking applet %s", line);
		made++;
	}
	if (made == 0)
		return cl_err_msg(err, EIO, "busybox listed no applets");
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int lock_seeds(const char *seeds, struct cl_err *err)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/.lock", seeds);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return cl_err_set(err, errno, "%s", path);
	if (flock(fd, LOCK_EX) < 0) {
		int e = errno;
		close(fd);
		return cl_err_set(err, e, "locking %s", path);
	}
	return fd;
}

/* Builds left behind by a killed cloister: we hold the lock, so no other
 * build is using them. */
static void remove_stale_builds(const char *seeds)
{
	DIR *d = opendir(seeds);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, ".build-", 7) != 0)
			continue;
		char path[PATH_MAX + 300];
		struct cl_err ignore;
		snprintf(path, sizeof path, "%s/%s", seeds, e->d_name);
		remove_tree(path, &ignore);
	}
	closedir(d);
}

/* One unpacking worker: the packages it owns, each path it writes listed
 * in its result. */
struct unpack_args {
	const struct seed_ctx *c;
	const struct seed_pkg **pkgs;
	const size_t *owner;
	size_t n, me;
	const char *tree;
};

static int unpack_main(void *arg, FILE *result, struct cl_err *err)
{
	const struct unpack_args *a = arg;
	for (size_t i = 0; i < a->n; i++) {
		if (a->owner[i] != a->me)
			continue;
		char deb[PATH_MAX], what[300];
		cache_path(a->c->home, a->pkgs[i]->sha256, deb, sizeof deb);
		snprintf(what, sizeof what, "%s %s", a->pkgs[i]->name, a->pkgs[i]->version);
		seed_say(a->c, "unpacking %s", what);
		TRY(deb_extract(deb, what, a->tree, result, err));
	}
	return 0;
}

/* Every path written, from all workers, sorted: a duplicate is a clash. */
static int check_clashes(char *all, struct cl_err *err)
{
	size_t lines = 0;
	for (const char *p = all; *p; p++)
		lines += *p == '\n';
	char **v = malloc((lines + 1) * sizeof *v);
	if (!v)
		return cl_err_set(err, ENOMEM, "checking for clashes");
	size_t nv = 0;
	for (char *line = all, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		v[nv++] = line;
	}
	if (nv > 1)
		qsort(v, nv, sizeof *v, cmp_str);
	int r = 0;
	for (size_t i = 1; i < nv && r == 0; i++)
		if (!strcmp(v[i], v[i - 1]))
			r = cl_err_msg(err, EEXIST, "/%s is provided by two packages of the seed; "
				       "remove one of them from the lock", v[i]);
	free(v);
	return r;
}

/* One worker process per CPU, each unpacking its share of the packages
 * (largest first, to the least loaded worker): libarchive decompresses and
 * writes in one thread, and dpkg-deb pipelines the two over two processes.
 * Workers list the files they wrote; a path listed twice is two packages
 * providing it, the same error a sequential unpack finds on the spot. */
static int unpack_parallel(const struct seed_ctx *c, const struct seed_pkg **pkgs, size_t n,
			   const char *tree, struct cl_err *err)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nw = cpus < 1 ? 1 : (size_t)cpus;
	if (nw > 8)
		nw = 8;
	if (nw > n)
		nw = n;
	size_t *owner = calloc(n, sizeof *owner);
	unsigned long long *load = calloc(nw, sizeof *load);
	struct worker *workers = calloc(nw, sizeof *workers);
	size_t started = 0;
	char *all = NULL;
	size_t alen = 0;
	FILE *paths = open_memstream(&all, &alen);
	int r = 0;
	if (!owner || !load || !workers || !paths) {
		r = cl_err_set(err, ENOMEM, "unpacking");
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		/* the largest remaining package */
		size_t best = SIZE_MAX;
		for (size_t i = 0; i < n; i++)
			if (!owner[i] && (best == SIZE_MAX || pkgs[i]->size > pkgs[best]->size))
				best = i;
		size_t w = 0;
		for (size_t j = 1; j < nw; j++)
			if (load[j] < load[w])
				w = j;
		load[w] += pkgs[best]->size;
		owner[best] = w + 1;
	}
	/* the worker is forked at once, with its own copy of a */
	struct unpack_args a = { c, pkgs, owner, n, 0, tree };
	for (; started < nw && r == 0; started++) {
		a.me = started + 1;
		r = worker_start(&workers[started], unpack_main, &a, err);
	}
	if (r < 0)
		started--;
	for (size_t w = 0; w < started; w++) {
		/* every worker is waited for, the first error kept */
		char *listed = NULL;
		struct cl_err werr = { 0 };
		int wr = worker_wait(&workers[w], "an unpacking worker", &listed, &werr);
		if (wr < 0 && r == 0) {
			/* the worker's class crossed with its report */
			*err = werr;
			r = -err->code;
		}
		if (listed)
			fputs(listed, paths);
		free(listed);
	}
out:
	if (paths && fclose(paths) != 0 && r == 0)
		r = cl_err_set(err, ENOMEM, "listing the unpacked paths");
	if (r == 0)
		r = check_clashes(all, err);
	free(all);
	free(owner);
	free(load);
	free(workers);
	return r;
}

static int build_tree(const struct seed_ctx *c, const struct seed_lock *lock, const char *tmp,
		      char hash[SHA256_HEX_LEN + 1], struct cl_err *err)
{
	char tree[PATH_MAX + 16], file[PATH_MAX + 32];
	TRY(pathf(err, tree, sizeof tree, "%s/tree", tmp));
	if (mkdir(tree, 0755) < 0)
		return cl_err_set(err, errno, "creating %s", tree);

	FILE *pk = NULL;
	char *pktext = NULL;
	size_t pklen = 0;
	pk = open_memstream(&pktext, &pklen);
	if (!pk)
		return cl_err_set(err, errno, "open_memstream");
	const struct seed_pkg **sel = calloc(lock->n, sizeof *sel);
	size_t nsel = 0;
	for (size_t i = 0; sel && i < lock->n; i++) {
		const struct seed_pkg *p = &lock->pkgs[i];
		if (!seed_pkg_selected(p, c->set))
			continue;
		sel[nsel++] = p;
		fprintf(pk, "%s\t%s\t%s\t%s\t%llu\n", p->set, p->name, p->version, p->sha256, p->size);
	}
	fclose(pk);
	int r = sel ? unpack_parallel(c, sel, nsel, tree, err) : cl_err_set(err, ENOMEM, "unpacking");
	free(sel);
	if (r == 0)
		r = merged_usr_links(tree, err);
	if (r == 0)
		r = apply_skeleton(c, tree, err);
	if (r == 0) {
		seed_say(c, "linking busybox applets");
		r = busybox_links(tree, err);
	}
	if (r == 0)
		r = tree_clamp_mtimes(tree, SEED_EPOCH, err);
	if (r == 0)
		r = tree_make_readonly(tree, err);
	char *manifest = NULL;
	size_t mlen = 0;
	if (r == 0)
		r = tree_manifest(tree, &manifest, &mlen, err);
	if (r == 0)
		r = sha256_bytes(manifest, mlen, hash, err);
	if (r == 0) {
		r = pathf(err, file, sizeof file, "%s/manifest", tmp);
		if (r == 0)
			r = write_file_atomic(file, manifest, mlen, 0444, err);
	}
	if (r == 0) {
		r = pathf(err, file, sizeof file, "%s/packages", tmp);
		if (r == 0)
			r = write_file_atomic(file, pktext, pklen, 0444, err);
	}
	free(manifest);
	free(pktext);
	return r;
}

/* What a seed is built from, as one digest: the selected lock lines, the
 * skeleton's manifest and the layout version.  seeds/by-input/KEY records
 * the seed hash they gave, so asking for a seed already built costs a few
 * small reads instead of an unpack (the build driver asks on every run). */
#define SEED_LAYOUT_VERSION 1

static int seed_input_key(const struct seed_ctx *c, const struct seed_lock *lock,
			  char key[SHA256_HEX_LEN + 1], struct cl_err *err)
{
	char *text = NULL, *skel = NULL;
	size_t len = 0, slen = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return cl_err_set(err, errno, "open_memstream");
	fprintf(f, "cloister-seed-layout %d\nset %s\n", SEED_LAYOUT_VERSION, c->set);
	for (size_t i = 0; i < lock->n; i++)
		if (seed_pkg_selected(&lock->pkgs[i], c->set))
			fprintf(f, "%s %s %s %s %llu\n", lock->pkgs[i].set, lock->pkgs[i].name,
				lock->pkgs[i].version, lock->pkgs[i].sha256, lock->pkgs[i].size);
	int r = tree_manifest(c->skeleton, &skel, &slen, err);
	if (r == 0)
		fwrite(skel, 1, slen, f);
	fclose(f);
	if (r == 0)
		r = sha256_bytes(text, len, key, err);
	free(text);
	free(skel);
	return r;
}

/* The recorded seed for key, if it is still there. */
static int seed_recorded(const struct seed_ctx *c, const char *key, char hash[SHA256_HEX_LEN + 1],
			 char *tree, size_t treelen)
{
	char path[PATH_MAX + 128];
	struct cl_err ignore;
	char *text = NULL;
	snprintf(path, sizeof path, "%s/seeds/by-input/%s", c->home, key);
	if (read_file(path, &text, NULL, &ignore) < 0)
		return -ENOENT;
	int ok = strlen(text) >= SHA256_HEX_LEN;
	if (ok) {
		memcpy(hash, text, SHA256_HEX_LEN);
		hash[SHA256_HEX_LEN] = '\0';
		ok = sha256_hex_valid(hash);
	}
	free(text);
	if (!ok)
		return -ENOENT;
	snprintf(path, sizeof path, "%s/seeds/%s/manifest", c->home, hash);
	if (access(path, F_OK) < 0)
		return -ENOENT;
	snprintf(tree, treelen, "%s/seeds/%s/tree", c->home, hash);
	return 0;
}

static void seed_record(const struct seed_ctx *c, const char *key, const char *hash)
{
	char dir[PATH_MAX + 32], path[PATH_MAX + 128], line[SHA256_HEX_LEN + 2];
	struct cl_err ignore;
	snprintf(dir, sizeof dir, "%s/seeds/by-input", c->home);
	snprintf(path, sizeof path, "%s/%s", dir, key);
	snprintf(line, sizeof line, "%s\n", hash);
	/* only a cache: failing to write it costs the next run an unpack */
	if (mkdir_p(dir, 0755, &ignore) == 0)
		write_file_atomic(path, line, strlen(line), 0644, &ignore);
}

int seed_build(const struct seed_ctx *c, char hash[SHA256_HEX_LEN + 1], char *tree,
	       size_t treelen, struct cl_err *err)
{
	struct seed_lock lock;
	char seeds[PATH_MAX], tmp[PATH_MAX + 32], final[PATH_MAX + 80];
	int r;

	char key[SHA256_HEX_LEN + 1];

	TRY(seed_lock_read(c->lock, &lock, err));
	if (seed_lock_require_set(&lock, c->lock, c->set, err) < 0) {
		seed_lock_free(&lock);
		return -err->code;
	}
	if ((r = seed_input_key(c, &lock, key, err)) < 0) {
		seed_lock_free(&lock);
		return r;
	}
	if (seed_recorded(c, key, hash, tree, treelen) == 0) {
		seed_lock_free(&lock);
		return 0;
	}
	for (size_t i = 0; i < lock.n; i++) {
		const struct seed_pkg *p = &lock.pkgs[i];
		if (!seed_pkg_selected(p, c->set))
			continue;
		r = cache_verify(c->home, p->sha256, err);
		if (r == -ENOENT)
			r = cl_err_msg(err, ENOENT, "%s %s is not in the download cache: run `cloister seed fetch` first",
				       p->name, p->version);
		if (r < 0) {
			seed_lock_free(&lock);
			return r;
		}
	}

	if ((r = pathf(err, seeds, sizeof seeds, "%s/seeds", c->home)) < 0 ||
	    (r = mkdir_p(seeds, 0755, err)) < 0) {
		seed_lock_free(&lock);
		return r;
	}
	_cleanup_close_ int lk = lock_seeds(seeds, err);
	if (lk < 0) {
		seed_lock_free(&lock);
		return lk;
	}
	remove_stale_builds(seeds);
	snprintf(tmp, sizeof tmp, "%s/.build-XXXXXX", seeds);
	if (!mkdtemp(tmp)) {
		seed_lock_free(&lock);
		return cl_err_set(err, errno, "creating %s", tmp);
	}
	r = build_tree(c, &lock, tmp, hash, err);
	seed_lock_free(&lock);
	if (r == 0) {
		/* Publishing is one rename: a seed directory under its hash is
		 * always complete. */
		if (pathf(err, final, sizeof final, "%s/%s", seeds, hash) < 0) {
			r = -err->code;
		} else if (access(final, F_OK) == 0) {
			seed_say(c, "seed %s was already built", hash);
		} else if (fsync_dir(tmp, err) < 0 || rename(tmp, final) < 0) {
			r = err->code ? -err->code : cl_err_set(err, errno, "publishing %s", final);
		} else {
			r = fsync_dir(seeds, err);
		}
	}
	struct cl_err ignore;
	remove_tree(tmp, &ignore);
	if (r == 0) {
		seed_record(c, key, hash);
		snprintf(tree, treelen, "%s/%s/tree", seeds, hash);
	}
	return r;
}

