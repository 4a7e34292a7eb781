/* The seed's packages: fetched into the download cache (apt, or an
 * offline mirror), verified; and the lock rewritten from the archive's
 * current versions (`cloister seed update`). */
#define _GNU_SOURCE
#include "seed.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/fsutil.h"
#include "apt.h"
#include "cache.h"
#include "seedlock.h"

/* The .deb file name apt and Debian mirrors use: NAME_VERSION_ARCH.deb,
 * with the epoch's ':' written %3a.  The architecture is not pinned, so
 * the prefix up to it is what is matched. */
static void deb_prefix(const struct seed_pkg *p, char *out, size_t len)
{
	size_t o = (size_t)snprintf(out, len, "%s_", p->name);
	for (const char *v = p->version; *v && o + 4 < len; v++) {
		if (*v == ':')
			o += (size_t)snprintf(out + o, len - o, "%%3a");
		else
			out[o++] = *v;
	}
	snprintf(out + o, len - o, "_");
}

/* Size first (a truncated download says so plainly), then the digest. */
static int store_verified(const struct seed_ctx *c, const char *file, const struct seed_pkg *p,
			  bool consume, struct cl_err *err)
{
	char what[300];
	struct stat st;
	snprintf(what, sizeof what, "%s %s (%s)", p->name, p->version, file);
	if (stat(file, &st) < 0)
		return cl_err_set(err, errno, "%s", file);
	if ((unsigned long long)st.st_size != p->size) {
		if (consume)
			unlink(file);
		return cl_err_msg(err, EBADMSG, "%s: size mismatch: the lock says %llu bytes, the file has %llu "
				  "(truncated or wrong file)%s", what, p->size,
				  (unsigned long long)st.st_size, consume ? "; the bad file was deleted" : "");
	}
	return cache_add(c->home, file, p->sha256, what, consume, err);
}

static int fetch_from_dir(const struct seed_ctx *c, const struct seed_pkg *p, struct cl_err *err)
{
	char prefix[300], path[PATH_MAX];
	deb_prefix(p, prefix, sizeof prefix);
	DIR *d = opendir(c->from);
	if (!d)
		return cl_err_set(err, errno, "--from %s", c->from);
	struct dirent *e;
	int r = 1;
	while (r > 0 && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (strncmp(e->d_name, prefix, strlen(prefix)) || l < 4 || strcmp(e->d_name + l - 4, ".deb"))
			continue;
		snprintf(path, sizeof path, "%s/%s", c->from, e->d_name);
		/* the user's mirror: a bad file is reported, never deleted */
		r = store_verified(c, path, p, false, err);
	}
	closedir(d);
	if (r > 0)
		return cl_err_msg(err, ENOENT, "%s %s: no %s*.deb in %s", p->name, p->version, prefix, c->from);
	return r;
}

static int lists_present(const struct apt_env *env)
{
	char dir[PATH_MAX + 32];
	snprintf(dir, sizeof dir, "%s/state/lists", env->dir);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	int found = 0;
	while (!found && (e = readdir(d)))
		found = strstr(e->d_name, "_Packages") != NULL;
	closedir(d);
	return found;
}

static int vanished(const struct seed_ctx *c, const struct seed_pkg *p, struct cl_err *err)
{
	return cl_err_msg(err, ENOENT,
			  "%s:%d: %s %s is no longer in the package archive (Debian replaces "
			  "versions at point releases).  Either update the lock with "
			  "`cloister seed update` and review the change, or put the .deb "
			  "(sha256 %s) in a directory and run `cloister seed fetch --from DIR`",
			  c->lock, p->line, p->name, p->version, p->sha256);
}

/* One apt run to look every missing package up, one to download them:
 * apt reads its package lists again on every run. */
static int fetch_with_apt(const struct seed_ctx *c, const struct seed_pkg *const *pkgs, size_t n,
			  struct cl_err *err)
{
	struct apt_env env;
	bool updated = false;
	const char **names = calloc(n, sizeof *names), **versions = calloc(n, sizeof *versions);
	struct apt_pkg_info *infos = calloc(n, sizeof *infos);
	char dir[PATH_MAX + 32] = "";
	int r;

	if (!names || !versions || !infos) {
		r = cl_err_set(err, ENOMEM, "fetching");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		names[i] = pkgs[i]->name;
		versions[i] = pkgs[i]->version;
	}
	if ((r = apt_env_init(&env, c->home, err)) < 0)
		goto out;
	if (!lists_present(&env)) {
		seed_say(c, "updating the private package lists\n");
		if ((r = apt_update(&env, err)) < 0)
			goto out;
		updated = true;
	}
	r = apt_lookup_many(&env, names, versions, n, infos, err);
	if (r == -ENOENT && !updated) {
		seed_say(c, "a pinned version is not in the package lists; updating them\n");
		if ((r = apt_update(&env, err)) < 0)
			goto out;
		r = apt_lookup_many(&env, names, versions, n, infos, err);
	}
	if (r == -ENOENT) {
		/* which one? */
		for (size_t i = 0; i < n; i++) {
			struct apt_pkg_info one;
			struct cl_err e2 = { 0 };
			if (apt_lookup(&env, names[i], versions[i], &one, &e2) == -ENOENT) {
				r = vanished(c, pkgs[i], err);
				break;
			}
		}
		goto out;
	}
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(infos[i].sha256, pkgs[i]->sha256) != 0) {
			r = cl_err_msg(err, EBADMSG, "%s:%d: the archive's %s %s has sha256 %s, the lock says %s; "
				       "refusing it", c->lock, pkgs[i]->line, pkgs[i]->name, pkgs[i]->version,
				       infos[i].sha256, pkgs[i]->sha256);
			goto out;
		}
	}
	if ((r = pathf(err, dir, sizeof dir, "%s/tmp", c->home)) < 0 ||
	    (r = mkdir_p(dir, 0755, err)) < 0 ||
	    (r = pathf(err, dir, sizeof dir, "%s/tmp/fetch.XXXXXX", c->home)) < 0)
		goto out;
	if (!mkdtemp(dir)) {
		r = cl_err_set(err, errno, "creating %s", dir);
		dir[0] = '\0';
		goto out;
	}
	seed_say(c, "downloading %zu package%s\n", n, n == 1 ? "" : "s");
	if ((r = apt_download_many(&env, names, versions, n, dir, err)) < 0)
		goto out;
	for (size_t i = 0; i < n && r == 0; i++) {
		char file[PATH_MAX * 2];
		snprintf(file, sizeof file, "%s/%s", dir, infos[i].filename);
		r = store_verified(c, file, pkgs[i], true, err);
	}
out:
	if (dir[0]) {
		struct cl_err ignore;
		remove_tree(dir, &ignore);
	}
	free(names);
	free(versions);
	free(infos);
	return r;
}

int seed_fetch(const struct seed_ctx *c, struct cl_err *err)
{
	struct seed_lock lock;
	const struct seed_pkg **missing = NULL;
	size_t n_missing = 0, cached = 0;
	int r = 0;

	TRY(seed_lock_read(c->lock, &lock, err));
	missing = calloc(lock.n, sizeof *missing);
	if (!missing) {
		seed_lock_free(&lock);
		return cl_err_set(err, ENOMEM, "fetching");
	}
	for (size_t i = 0; i < lock.n && r == 0; i++) {
		const struct seed_pkg *p = &lock.pkgs[i];
		if (!seed_pkg_selected(p, c->set))
			continue;
		r = cache_verify(c->home, p->sha256, err);
		if (r == 0)
			cached++;
		else if (r == -ENOENT) {
			missing[n_missing++] = p;
			r = 0;
		}
	}
	if (r == 0 && n_missing > 0) {
		if (c->from) {
			for (size_t i = 0; i < n_missing && r == 0; i++)
				r = fetch_from_dir(c, missing[i], err);
		} else if (c->offline) {
			const struct seed_pkg *p = missing[0];
			r = cl_err_msg(err, ENOENT, "%s:%d: %s %s (sha256 %s) is not in the download cache, "
				       "and --offline forbids fetching it (%zu package%s missing)", c->lock,
				       p->line, p->name, p->version, p->sha256, n_missing,
				       n_missing == 1 ? "" : "s in all");
		} else {
			r = fetch_with_apt(c, missing, n_missing, err);
		}
	}
	if (r == 0)
		seed_say(c, "seed packages: %zu fetched, %zu already cached\n", n_missing, cached);
	free(missing);
	seed_lock_free(&lock);
	return r;
}

int seed_update(const struct seed_ctx *c, struct cl_err *err)
{
	struct seed_lock lock;
	struct apt_env env;
	int r, changed = 0;

	TRY(seed_lock_read(c->lock, &lock, err));
	const char **names = calloc(lock.n, sizeof *names);
	struct apt_pkg_info *infos = calloc(lock.n, sizeof *infos);
	if (!names || !infos) {
		r = cl_err_set(err, ENOMEM, "update");
		goto out;
	}
	for (size_t i = 0; i < lock.n; i++)
		names[i] = lock.pkgs[i].name;
	if ((r = apt_env_init(&env, c->home, err)) < 0 || (r = apt_update(&env, err)) < 0 ||
	    (r = apt_lookup_many(&env, names, NULL, lock.n, infos, err)) < 0)
		goto out;
	for (size_t i = 0; i < lock.n; i++) {
		struct seed_pkg *p = &lock.pkgs[i];
		const struct apt_pkg_info *info = &infos[i];
		if (strcmp(info->version, p->version) || strcmp(info->sha256, p->sha256) ||
		    info->size != p->size) {
			printf("%s: %s -> %s\n", p->name, p->version, info->version);
			snprintf(p->version, sizeof p->version, "%s", info->version);
			memcpy(p->sha256, info->sha256, sizeof p->sha256);
			p->size = info->size;
			changed++;
		}
	}
	if (changed)
		r = seed_lock_write(c->lock, &lock, err);
	printf("%d package%s changed\n", changed, changed == 1 ? "" : "s");
out:
	free(names);
	free(infos);
	seed_lock_free(&lock);
	return r;
}
