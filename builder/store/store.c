#define _GNU_SOURCE
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../../common/lockdir.h"
#include "digests.h"
#include "hash.h"
#include "tree.h"

void store_entry_path(const char *home, const char *input_hash, const char *name,
		      const char *version, char *out, size_t len)
{
	/* a Debian epoch's ':' is fine in a path, but awkward in a shell */
	char v[160];
	snprintf(v, sizeof v, "%s", version);
	for (char *c = v; *c; c++)
		if (*c == ':' || *c == '/')
			*c = '_';
	snprintf(out, len, "%s/store/%s-%s-%s", home, input_hash, name, v);
}

int store_lookup(const char *home, const char *input_hash, const char *name, const char *version,
		 struct store_entry *e, struct cl_err *err)
{
	char file[PATH_MAX + 32];
	char *text = NULL;
	store_entry_path(home, input_hash, name, version, e->path, sizeof e->path);
	TRY(pathf(err, file, sizeof file, "%s/output-hash", e->path));
	struct cl_err ignore;
	if (read_file(file, &text, NULL, &ignore) < 0)
		return -ENOENT;
	int ok = strlen(text) >= SHA256_HEX_LEN;
	if (ok) {
		memcpy(e->output_hash, text, SHA256_HEX_LEN);
		e->output_hash[SHA256_HEX_LEN] = '\0';
		ok = sha256_hex_valid(e->output_hash);
	}
	free(text);
	if (!ok)
		return cl_err_msg(err, EBADMSG, "%s: the store entry is damaged (bad output-hash); "
				  "remove it, or run `cloister verify`", e->path);
	return 0;
}

bool store_checked(const struct store_entry *e)
{
	char file[PATH_MAX + 32];
	char *text = NULL;
	struct cl_err ignore;
	snprintf(file, sizeof file, "%s/reproducibility.json", e->path);
	if (read_file(file, &text, NULL, &ignore) < 0)
		return false;
	bool checked = strstr(text, "\"checked\": true") && strstr(text, "\"identical\": true");
	free(text);
	return checked;
}

int store_lock(const char *home, const char *input_hash, struct cl_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 80];
	TRY(pathf(err, dir, sizeof dir, "%s/store/.locks", home));
	TRY(mkdir_p(dir, 0755, err));
	TRY(pathf(err, path, sizeof path, "%s/%s", dir, input_hash));
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return cl_err_set(err, errno, "%s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return cl_err_set(err, e, "locking %s", path);
		}
	}
	return fd;
}

int store_stage(const char *home, char *dir, size_t len, struct cl_err *err)
{
	char store[PATH_MAX], sub[PATH_MAX + 16];
	TRY(pathf(err, store, sizeof store, "%s/store", home));
	TRY(mkdir_p(store, 0755, err));
	TRY(pathf(err, dir, len, "%s/.tmp-XXXXXX", store));
	/* locked from before its first file: never taken for a dead one */
	int lock = lockdir_create(dir, err);
	if (lock < 0) {
		dir[0] = '\0';
		return lock;
	}
	static const char *const subs[] = { "out", "build", "build/home" };
	for (size_t i = 0; i < 3; i++) {
		int r = pathf(err, sub, sizeof sub, "%s/%s", dir, subs[i]);
		if (r == 0 && mkdir(sub, 0755) < 0)
			r = cl_err_set(err, errno, "creating %s", sub);
		if (r < 0) {
			struct cl_err ignore;
			remove_tree(dir, &ignore);
			dir[0] = '\0';
			close(lock);
			return r;
		}
	}
	return lock;
}

int stage_make(const char *home, struct stage *s, struct cl_err *err)
{
	s->lock = store_stage(home, s->path, sizeof s->path, err);
	if (s->lock < 0) {
		int r = s->lock;
		s->lock = -1;
		s->path[0] = '\0';
		return r;
	}
	return 0;
}

void stage_drop(struct stage *s)
{
	struct cl_err ignore;
	if (s->path[0])
		remove_tree(s->path, &ignore);
	stage_release(s);
}

void stage_release(struct stage *s)
{
	if (s->lock >= 0)
		close(s->lock);
	s->lock = -1;
	s->path[0] = '\0';
}


/* Every file of an entry besides out/ (which the manifest covers) has
 * its sha256 in digests, in sha256sum's format; reproducibility.json
 * too, and digests is rewritten when `cloister check` upgrades it. */
static int write_digests(const char *dir, struct cl_err *err)
{
	char file[PATH_MAX + 300], hex[SHA256_HEX_LEN + 1];
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", dir);
	char **names = NULL;
	size_t n = 0;
	TRY(list_dir_sorted(dfd, &names, &n, err));
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r = f ? 0 : cl_err_set(err, errno, "open_memstream");
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct stat st;
		if (!strcmp(names[i], "digests") || strstr(names[i], ".tmp."))
			continue;
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = cl_err_set(err, errno, "%s/%s", dir, names[i]);
			break;
		}
		if (S_ISDIR(st.st_mode) && !strcmp(names[i], "out"))
			continue;
		if (!S_ISREG(st.st_mode)) {
			r = cl_err_msg(err, EINVAL, "%s/%s: neither a file nor out/", dir, names[i]);
			break;
		}
		r = pathf(err, file, sizeof file, "%s/%s", dir, names[i]);
		if (r == 0)
			r = sha256_file(file, hex, err);
		if (r == 0)
			fprintf(f, "%s  %s\n", hex, names[i]);
	}
	free_names(names, n);
	if (f)
		fclose(f);
	TRY(r);
	TRY(pathf(err, file, sizeof file, "%s/digests", dir));
	return write_file_atomic(file, text, len, 0444, err);
}

int store_rewrite_digests(const char *entry, struct cl_err *err)
{
	return write_digests(entry, err);
}

/* A manifest made already, of a tree already normalized (the output
 * pass); NULL: publish() normalizes the tree and writes its manifest. */
struct made_manifest {
	const char *text;
	size_t len;
};

static int publish(const char *home, const char *stage, const char *input_hash, const char *name,
		   const char *version, long long epoch, const struct path_modes *modes, bool files_synced,
		   const struct made_manifest *made, struct store_entry *e, struct cl_err *err);

int store_publish(const char *home, const char *stage, const char *input_hash, const char *name,
		  const char *version, long long epoch, struct store_entry *e, struct cl_err *err)
{
	return publish(home, stage, input_hash, name, version, epoch, NULL, false, NULL, e, err);
}

int store_publish_synced(const char *home, const char *stage, const char *input_hash, const char *name,
			 const char *version, long long epoch, struct store_entry *e, struct cl_err *err)
{
	return publish(home, stage, input_hash, name, version, epoch, NULL, true, NULL, e, err);
}

int store_publish_made(const char *home, const char *stage, const char *input_hash, const char *name,
		       const char *version, long long epoch, const char *manifest, size_t len,
		       struct store_entry *e, struct cl_err *err)
{
	const struct made_manifest made = { manifest, len };
	return publish(home, stage, input_hash, name, version, epoch, NULL, false, &made, e, err);
}

static int publish(const char *home, const char *stage, const char *input_hash, const char *name,
		   const char *version, long long epoch, const struct path_modes *modes, bool files_synced,
		   const struct made_manifest *made, struct store_entry *e, struct cl_err *err)
{
	char out[PATH_MAX + 16], file[PATH_MAX + 32], line[SHA256_HEX_LEN + 2];
	_cleanup_free_ char *made_here = NULL;
	const char *manifest = made ? made->text : NULL;
	size_t mlen = made ? made->len : 0;

	/* the recipe folder's snapshot served the build; inputs.json lists it */
	TRY(pathf(err, file, sizeof file, "%s/recipe", stage));
	TRY(remove_tree(file, err));
	TRY(pathf(err, out, sizeof out, "%s/out", stage));
	if (!made) {
		TRY(tree_clear_attributes(out, err));
		TRY(tree_clamp_mtimes(out, (time_t)epoch, err));
		TRY(tree_canonical_modes(out, modes, err));
		TRY(tree_manifest(out, &made_here, &mlen, err));
		manifest = made_here;
	}
	TRY(sha256_bytes(manifest, mlen, e->output_hash, err));
	TRY(pathf(err, file, sizeof file, "%s/manifest", stage));
	TRY(write_file_atomic(file, manifest, mlen, 0444, err));
	snprintf(line, sizeof line, "%s\n", e->output_hash);
	TRY(pathf(err, file, sizeof file, "%s/output-hash", stage));
	TRY(write_file_atomic(file, line, strlen(line), 0444, err));

	TRY(pathf(err, file, sizeof file, "%s/log", stage));
	if (chmod(file, 0444) < 0 && errno != ENOENT)
		return cl_err_set(err, errno, "chmod %s", file);
	TRY(write_digests(stage, err));
	if (chmod(stage, 0755) < 0)
		return cl_err_set(err, errno, "chmod %s", stage);
	/* everything on disk before the rename makes it visible: a whole
	 * build's tree in one syncfs; a stage of a few files whose writer
	 * synced them needs only its folders (syncfs would also wait for
	 * every other writer of the filesystem) */
	_cleanup_close_ int sfd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || (files_synced ? fsync(sfd) : syncfs(sfd)) < 0)
		return cl_err_set(err, errno, "syncing %s", stage);
	if (files_synced) {
		char outdir[PATH_MAX + 16];
		TRY(pathf(err, outdir, sizeof outdir, "%s/out", stage));
		TRY(fsync_dir(outdir, err));
	}
	store_entry_path(home, input_hash, name, version, e->path, sizeof e->path);
	if (rename(stage, e->path) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			return cl_err_msg(err, EEXIST, "%s was published meanwhile", e->path);
		return cl_err_set(err, errno, "publishing %s", e->path);
	}
	char store[PATH_MAX];
	TRY(pathf(err, store, sizeof store, "%s/store", home));
	return fsync_dir(store, err);
}

/* What is wrong with one entry (in why, for the user), or 0 when it is
 * whole: out/, manifest, output-hash and digests there; every file that
 * digests lists there with that digest, and no other; out/ as its
 * manifest says, output-hash the manifest's. */
static int check_entry(const char *entry, char *why, size_t len, char **stored, size_t *slen, char **now,
		       struct cl_err *err)
{
	static const char *const always[] = { "digests", "manifest", "output-hash" };
	char file[PATH_MAX + 340], out[PATH_MAX + 340], hex[SHA256_HEX_LEN + 1];
	struct stat st;
	_cleanup_close_ int dfd = open(entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return snprintf(why, len, "cannot be read: %s", strerror(errno)), 1;
	for (size_t k = 0; k < sizeof always / sizeof *always; k++)
		if (fstatat(dfd, always[k], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			return snprintf(why, len, "its %s is missing", always[k]), 1;
	if (fstatat(dfd, "out", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return snprintf(why, len, "its out/ is missing"), 1;

	_cleanup_free_ char *text = NULL;
	size_t tlen = 0;
	snprintf(file, sizeof file, "%s/digests", entry);
	TRY(read_file(file, &text, &tlen, err));
	struct digests d;
	struct cl_err e = { 0 };
	if (digests_parse(text, tlen, "digests", &d, &e) < 0)
		return snprintf(why, len, "its %s", e.msg), 1;
	/* every file listed: there, with its digest */
	int bad = 0;
	for (size_t i = 0; !bad && i < d.n; i++) {
		const char *name = d.v[i].name;
		snprintf(file, sizeof file, "%s/%s", entry, name);
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			bad = snprintf(why, len, "its %s is missing", name) > 0;
		else if (sha256_file(file, hex, err) < 0)
			bad = -1;
		else if (strcmp(hex, d.v[i].sha256) != 0)
			bad = snprintf(why, len, "its %s no longer matches its digest", name) > 0;
	}
	/* and no file that is not listed */
	char **names = NULL;
	size_t n = 0;
	if (!bad && list_dir_sorted(dfd, &names, &n, err) < 0)
		bad = snprintf(why, len, "cannot be read: %s", err->msg) > 0;
	for (size_t i = 0; !bad && i < n; i++)
		if (strcmp(names[i], "out") && strcmp(names[i], "digests") && !digests_find(&d, names[i]))
			bad = snprintf(why, len, "an unexpected file %s", names[i]) > 0;
	free_names(names, n);
	digests_free(&d);
	if (bad)
		return bad < 0 ? -err->code : 1;

	size_t nlen = 0;
	snprintf(file, sizeof file, "%s/manifest", entry);
	snprintf(out, sizeof out, "%s/out", entry);
	TRY(read_file(file, stored, slen, err));
	cl_err_clear(&e);
	if (tree_manifest(out, now, &nlen, &e) < 0)
		return snprintf(why, len, "%s", e.msg), 1;
	if (nlen != *slen || memcmp(*now, *stored, *slen) != 0)
		return snprintf(why, len, "out/ no longer matches its manifest"), 1;
	_cleanup_free_ char *oh = NULL;
	snprintf(file, sizeof file, "%s/output-hash", entry);
	TRY(read_file(file, &oh, NULL, err));
	TRY(sha256_bytes(*stored, *slen, hex, err));
	if (strncmp(oh, hex, SHA256_HEX_LEN) != 0)
		return snprintf(why, len, "output-hash does not match the manifest"), 1;
	return 0;
}

int store_verify(const char *home, void (*each)(void *ctx, const struct store_check *c), void *ctx,
		 struct cl_err *err)
{
	char store[PATH_MAX];
	TRY(pathf(err, store, sizeof store, "%s/store", home));
	_cleanup_close_ int sfd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return errno == ENOENT ? 0 : cl_err_set(err, errno, "%s", store);
	char **names = NULL;
	size_t n = 0;
	TRY(list_dir_sorted(sfd, &names, &n, err));
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		/* entries are INPUTHASH-NAME-VERSION; tmp/, .locks and stages are not */
		const char *name = names[i];
		char head[SHA256_HEX_LEN + 1];
		snprintf(head, sizeof head, "%.64s", name);
		if (strlen(name) <= SHA256_HEX_LEN || name[SHA256_HEX_LEN] != '-' || !sha256_hex_valid(head))
			continue;
		char entry[PATH_MAX + 300], why[1200] = "", near[PATH_MAX * 2] = "";
		char *stored = NULL, *now = NULL;
		size_t slen = 0;
		struct cl_err e = { 0 };
		snprintf(entry, sizeof entry, "%s/%s", store, name);
		int r = check_entry(entry, why, sizeof why, &stored, &slen, &now, &e);
		if (r < 0)
			snprintf(why, sizeof why, "%s", e.msg);
		if (r != 0) {
			bad++;
			if (now && stored) {
				/* the first differing line says which file */
				char *a = stored, *b = now;
				while (*a && *a == *b)
					a++, b++;
				while (a > stored && a[-1] != '\n')
					a--;
				snprintf(near, sizeof near, "%.*s", (int)strcspn(a, "\n"), a);
			}
		}
		struct store_check c = { name, entry, r != 0 ? why : NULL, r != 0 && now && stored ? near : NULL };
		if (each)
			each(ctx, &c);
		free(stored);
		free(now);
	}
	free_names(names, n);
	return bad;
}

static int remove_one(const char *path, struct cl_err *err)
{
	return remove_tree(path, err) == 0 ? 1 : -1;
}

/* Removes every entry of dir whose name starts with prefix (all, with NULL). */
static long remove_matching(const char *dir, const char *prefix, void (*removed)(void *ctx, const char *path),
			    void *ctx)
{
	return remove_entries(dir, prefix, remove_one, removed, ctx);
}

long store_remove_dead_stages(const char *home)
{
	char dir[PATH_MAX];
	struct cl_err ignore;
	if (pathf(&ignore, dir, sizeof dir, "%s/store", home) < 0)
		return 0;
	return lockdir_sweep(dir, ".tmp-");
}

const char *store_gc_kind_name(enum store_gc_kind k)
{
	switch (k) {
	case GC_KEPT_PAIR: return "kept pair";
	case GC_STAGE: return "dead stage";
	case GC_DOWNLOAD: return "dead download folder";
	case GC_LOG: return "log";
	case GC_KINDS: break;
	}
	return "?";
}

/* The removal callback of one kind, for the sweeps. */
struct gc_tell {
	void (*removed)(void *ctx, enum store_gc_kind kind, const char *path);
	void *ctx;
	enum store_gc_kind kind;
};

static void tell(void *arg, const char *path)
{
	const struct gc_tell *t = arg;
	if (t->removed)
		t->removed(t->ctx, t->kind, path);
}

int store_gc(const char *home, void (*removed)(void *ctx, enum store_gc_kind kind, const char *path), void *ctx,
	     long counts[GC_KINDS], struct cl_err *err)
{
	/* where each kind is, and the prefix of its names */
	static const struct {
		const char *dir, *prefix;
		bool locked;   /* owned by a lock (lockdir.h): removed only when dead */
	} where[GC_KINDS] = {
		/* a pair is locked while it is being kept */
		[GC_KEPT_PAIR] = { "store/tmp", NULL, true },
		[GC_STAGE] = { "store", ".tmp-", true },
		[GC_DOWNLOAD] = { "tmp", "source.", true },
		[GC_LOG] = { "logs", NULL, false },
	};
	for (int k = 0; k < GC_KINDS; k++) {
		char dir[PATH_MAX];
		struct gc_tell t = { removed, ctx, (enum store_gc_kind)k };
		TRY(pathf(err, dir, sizeof dir, "%s/%s", home, where[k].dir));
		counts[k] = where[k].locked ? lockdir_sweep_each(dir, where[k].prefix, tell, &t)
					    : remove_matching(dir, where[k].prefix, tell, &t);
	}
	return 0;
}
