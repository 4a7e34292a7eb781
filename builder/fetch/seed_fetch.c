/* The seed's packages: fetched into the download cache (apt, or an
 * offline mirror), verified; and the lock rewritten from the archive's
 * current versions (`cloister seed update`). */
#define _GNU_SOURCE
#include "../seed/seed.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/fsutil.h"
#include "apt.h"
#include "cache.h"
#include "snapshot.h"
#include "suites.h"
#include "../seed/seedlock.h"

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
			  "%s:%d: %s %s is no longer in the package archive (sha256 %s, suite %s%s), nor in the "
			  "download cache%s%s.  Ways forward: update the pin with `cloister seed update` and review "
			  "the change; or add a mirror that has it (--mirror URL, CLOISTER_MIRRORS: URL/sha256/HEX); "
			  "or put the .deb in a folder and run `cloister seed fetch --from DIR`",
			  c->lock, p->line, p->name, p->version, p->sha256, p->suite,
			  p->moving ? ", which drops old versions" : "",
			  c->fetch->n_mirrors ? ", the mirrors" : "",
			  c->fetch->snapshot && !c->fetch->offline ? " or the snapshot service" : "");
}

static void describe(const struct seed_pkg *p, char *what, size_t len)
{
	snprintf(what, len, "%s %s", p->name, p->version);
}

/* apt has none of the pins in pkgs (after a fresh update): each from the
 * snapshot service, or the first that it cannot supply is named. */
static int fetch_vanished(const struct seed_ctx *c, const struct seed_pkg *const *pkgs, size_t n,
			  struct cl_err *err)
{
	for (size_t i = 0; i < n; i++) {
		char what[300];
		struct cl_err e = { 0 };
		describe(pkgs[i], what, sizeof what);
		int r = snapshot_fetch_binary(c->fetch, c->home, pkgs[i]->name, pkgs[i]->version,
					      pkgs[i]->sha256, pkgs[i]->size, what, &e);
		if (r == -ENOSPC)
			return cl_err_msg(err, ENOSPC, "%s", e.msg);
		if (r < 0)
			return vanished(c, pkgs[i], err);
		seed_say(c, "%s: from the snapshot service", what);
	}
	return 0;
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
	const struct seed_pkg **gone = calloc(n, sizeof *gone), **have = calloc(n, sizeof *have);
	size_t n_gone = 0;
	char dir[PATH_MAX + 32] = "";
	int r;

	if (!names || !versions || !infos || !gone || !have) {
		r = cl_err_set(err, ENOMEM, "fetching");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		names[i] = pkgs[i]->name;
		versions[i] = pkgs[i]->version;
		have[i] = pkgs[i];
	}
	if ((r = apt_env_init(&env, c->home, err)) < 0)
		goto out;
	if (!lists_present(&env)) {
		seed_say(c, "updating the private package lists");
		if ((r = apt_update(&env, err)) < 0)
			goto out;
		updated = true;
	}
	r = apt_lookup_many(&env, names, versions, n, infos, err);
	if (r == -ENOENT && !updated) {
		/* old lists say nothing: only fresh ones may call a pin gone */
		seed_say(c, "a pinned version is not in the package lists; updating them");
		if ((r = apt_update(&env, err)) < 0)
			goto out;
		r = apt_lookup_many(&env, names, versions, n, infos, err);
	}
	if (r == -ENOENT) {
		/* which ones?  those go to the snapshot service, the rest to apt */
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			struct apt_pkg_info one;
			struct cl_err e2 = { 0 };
			int q = apt_lookup(&env, pkgs[i]->name, pkgs[i]->version, &one, &e2);
			if (q == -ENOENT) {
				gone[n_gone++] = pkgs[i];
				continue;
			}
			if (q < 0) {
				r = cl_err_msg(err, -q, "%s", e2.msg);
				goto out;
			}
			names[k] = pkgs[i]->name;
			versions[k] = pkgs[i]->version;
			infos[k] = one;
			have[k++] = pkgs[i];
		}
		n = k;
		r = 0;
	}
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(infos[i].sha256, have[i]->sha256) != 0) {
			r = cl_err_msg(err, EBADMSG, "%s:%d: the archive's %s %s has sha256 %s, the lock says %s; "
				       "refusing it", c->lock, have[i]->line, have[i]->name, have[i]->version,
				       infos[i].sha256, have[i]->sha256);
			goto out;
		}
	}
	if (n_gone && (r = fetch_vanished(c, gone, n_gone, err)) < 0)
		goto out;
	if (n == 0)
		goto out;
	if ((r = pathf(err, dir, sizeof dir, "%s/tmp", c->home)) < 0 ||
	    (r = mkdir_p(dir, 0755, err)) < 0 ||
	    (r = pathf(err, dir, sizeof dir, "%s/tmp/fetch.XXXXXX", c->home)) < 0)
		goto out;
	if (!mkdtemp(dir)) {
		r = cl_err_set(err, errno, "creating %s", dir);
		dir[0] = '\0';
		goto out;
	}
	seed_say(c, "downloading %zu package%s", n, n == 1 ? "" : "s");
	if ((r = apt_download_many(&env, names, versions, n, dir, err)) < 0)
		goto out;
	for (size_t i = 0; i < n && r == 0; i++) {
		char file[PATH_MAX * 2];
		snprintf(file, sizeof file, "%s/%s", dir, infos[i].filename);
		r = store_verified(c, file, have[i], true, err);
	}
out:
	if (dir[0]) {
		struct cl_err ignore;
		remove_tree(dir, &ignore);
	}
	free(names);
	free(versions);
	free(infos);
	free(gone);
	free(have);
	return r;
}

int seed_fetch(const struct seed_ctx *c, struct cl_err *err)
{
	struct seed_lock lock;
	const struct seed_pkg **missing = NULL;
	size_t n_missing = 0, cached = 0, mirrored = 0;
	int r = 0;

	TRY(seed_lock_read(c->lock, &lock, err));
	if (seed_lock_require_set(&lock, c->lock, c->set, err) < 0) {
		seed_lock_free(&lock);
		return -err->code;
	}
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
		if (r == 0) {
			cached++;
			continue;
		}
		if (r != -ENOENT)
			break;
		r = 0;
		if (!c->from && c->fetch->n_mirrors) {
			char what[300];
			describe(p, what, sizeof what);
			r = fetch_from_mirrors(c->fetch, c->home, p->sha256, p->size, what, err);
			if (r == 0) {
				mirrored++;
				continue;
			}
			if (r != -ENOENT)
				break;
			r = 0;
		}
		missing[n_missing++] = p;
	}
	if (r == 0 && n_missing > 0) {
		if (c->from) {
			for (size_t i = 0; i < n_missing && r == 0; i++)
				r = fetch_from_dir(c, missing[i], err);
		} else if (c->fetch->offline) {
			const struct seed_pkg *p = missing[0];
			r = cl_err_msg(err, ENOENT, "%s:%d: %s %s (sha256 %s) is not in the download cache%s, "
				       "and --offline forbids fetching it (%zu package%s missing)", c->lock,
				       p->line, p->name, p->version, p->sha256,
				       c->fetch->n_mirrors ? " nor on a file:// mirror" : "", n_missing,
				       n_missing == 1 ? "" : "s in all");
		} else {
			r = fetch_with_apt(c, missing, n_missing, err);
		}
	}
	if (r == 0)
		seed_say(c, "seed packages: %zu fetched, %zu from mirrors, %zu already cached", n_missing,
			 mirrored, cached);
	free(missing);
	seed_lock_free(&lock);
	return r;
}

int seed_update(const struct seed_ctx *c, struct seed_change **changes, size_t *n_changes, struct cl_err *err)
{
	struct seed_lock lock;
	struct apt_env env;
	struct apt_offers offers = { 0 };
	int r;
	size_t changed = 0;

	*changes = NULL;
	*n_changes = 0;
	TRY(seed_lock_read(c->lock, &lock, err));
	const char **names = calloc(lock.n, sizeof *names), **versions = calloc(lock.n, sizeof *versions);
	struct apt_pkg_info *infos = calloc(lock.n, sizeof *infos);
	struct seed_change *ch = calloc(lock.n ? lock.n : 1, sizeof *ch);
	if (!names || !versions || !infos || !ch) {
		r = cl_err_set(err, ENOMEM, "update");
		goto out;
	}
	for (size_t i = 0; i < lock.n; i++)
		names[i] = lock.pkgs[i].name;
	if ((r = apt_env_init(&env, c->home, err)) < 0 || (r = apt_update(&env, err)) < 0 ||
	    (r = apt_offers_get(&env, names, lock.n, false, &offers, err)) < 0)
		goto out;
	for (size_t i = 0; i < lock.n; i++) {
		const struct apt_offer *o = apt_offer_preferred(&offers, i);
		if (!o) {
			r = cl_err_msg(err, ENOENT, "%s:%d: apt offers no version of %s at all: remove it from the "
				       "lock or add the suite that has it to the machine's apt sources",
				       c->lock, lock.pkgs[i].line, names[i]);
			goto out;
		}
		versions[i] = o->version;
	}
	if ((r = apt_lookup_many(&env, names, versions, lock.n, infos, err)) < 0)
		goto out;
	for (size_t i = 0; i < lock.n; i++) {
		struct seed_pkg *p = &lock.pkgs[i];
		const struct apt_pkg_info *info = &infos[i];
		const struct apt_offer *o = apt_offer_find(&offers, i, info->version);
		const char *suite = o ? o->dist : "unknown";
		bool moving = !o || !o->frozen;
		if (strcmp(info->version, p->version) || strcmp(info->sha256, p->sha256) ||
		    info->size != p->size || strcmp(suite, p->suite) || moving != p->moving) {
			struct seed_change *x = &ch[changed];
			snprintf(x->name, sizeof x->name, "%s", p->name);
			snprintf(x->old_version, sizeof x->old_version, "%s", p->version);
			snprintf(x->old_suite, sizeof x->old_suite, "%s", p->suite);
			x->old_moving = p->moving;
			snprintf(x->new_version, sizeof x->new_version, "%s", info->version);
			snprintf(x->new_suite, sizeof x->new_suite, "%s", suite);
			x->new_moving = moving;
			snprintf(p->version, sizeof p->version, "%s", info->version);
			memcpy(p->sha256, info->sha256, sizeof p->sha256);
			snprintf(p->suite, sizeof p->suite, "%s", suite);
			p->moving = moving;
			p->size = info->size;
			changed++;
		}
	}
	if (changed)
		r = seed_lock_write(c->lock, &lock, err);
	if (r == 0) {
		*changes = ch;
		*n_changes = changed;
		ch = NULL;
	}
out:
	free(ch);
	apt_offers_free(&offers);
	free(names);
	free(versions);
	free(infos);
	seed_lock_free(&lock);
	return r;
}
