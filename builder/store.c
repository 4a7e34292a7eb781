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

#include "../common/cleanup.h"
#include "../common/fsutil.h"
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
	/* the builder's pid is in the name from the first moment, so a
	 * concurrent build can tell a live stage from a dead one */
	TRY(pathf(err, dir, len, "%s/.tmp-%d-XXXXXX", store, (int)getpid()));
	if (!mkdtemp(dir))
		return cl_err_set(err, errno, "creating %s", dir);
	static const char *const subs[] = { "out", "build", "build/home" };
	for (size_t i = 0; i < 3; i++) {
		TRY(pathf(err, sub, sizeof sub, "%s/%s", dir, subs[i]));
		if (mkdir(sub, 0755) < 0)
			return cl_err_set(err, errno, "creating %s", sub);
	}
	return 0;
}

static int publish(const char *home, const char *stage, const char *input_hash, const char *name,
		   const char *version, long long epoch, const struct path_modes *modes, bool files_synced,
		   struct store_entry *e, struct cl_err *err);

int store_publish(const char *home, const char *stage, const char *input_hash, const char *name,
		  const char *version, long long epoch, struct store_entry *e, struct cl_err *err)
{
	return publish(home, stage, input_hash, name, version, epoch, NULL, false, e, err);
}

int store_publish_synced(const char *home, const char *stage, const char *input_hash, const char *name,
			 const char *version, long long epoch, struct store_entry *e, struct cl_err *err)
{
	return publish(home, stage, input_hash, name, version, epoch, NULL, true, e, err);
}

int store_publish_modes(const char *home, const char *stage, const char *input_hash, const char *name,
			const char *version, long long epoch, const struct path_modes *modes,
			struct store_entry *e, struct cl_err *err)
{
	return publish(home, stage, input_hash, name, version, epoch, modes, false, e, err);
}

static int publish(const char *home, const char *stage, const char *input_hash, const char *name,
		   const char *version, long long epoch, const struct path_modes *modes, bool files_synced,
		   struct store_entry *e, struct cl_err *err)
{
	char out[PATH_MAX + 16], file[PATH_MAX + 32], line[SHA256_HEX_LEN + 2];
	char *manifest = NULL;
	size_t mlen = 0;

	TRY(pathf(err, out, sizeof out, "%s/out", stage));
	TRY(tree_clamp_mtimes(out, (time_t)epoch, err));
	TRY(tree_canonical_modes(out, modes, err));
	TRY(tree_manifest(out, &manifest, &mlen, err));
	int r = sha256_bytes(manifest, mlen, e->output_hash, err);
	if (r == 0 && (r = pathf(err, file, sizeof file, "%s/manifest", stage)) == 0)
		r = write_file_atomic(file, manifest, mlen, 0444, err);
	free(manifest);
	TRY(r);
	snprintf(line, sizeof line, "%s\n", e->output_hash);
	TRY(pathf(err, file, sizeof file, "%s/output-hash", stage));
	TRY(write_file_atomic(file, line, strlen(line), 0444, err));

	TRY(pathf(err, file, sizeof file, "%s/log", stage));
	if (chmod(file, 0444) < 0 && errno != ENOENT)
		return cl_err_set(err, errno, "chmod %s", file);
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

int store_verify(const char *home, bool quiet, struct cl_err *err)
{
	char store[PATH_MAX];
	TRY(pathf(err, store, sizeof store, "%s/store", home));
	DIR *d = opendir(store);
	if (!d)
		return errno == ENOENT ? 0 : cl_err_set(err, errno, "%s", store);
	struct dirent *de;
	int bad = 0, checked = 0;
	while ((de = readdir(d))) {
		/* entries are INPUTHASH-NAME-VERSION; tmp/ and .locks are not */
		char head[SHA256_HEX_LEN + 1];
		snprintf(head, sizeof head, "%.64s", de->d_name);
		if (strlen(de->d_name) <= SHA256_HEX_LEN || de->d_name[SHA256_HEX_LEN] != '-' ||
		    !sha256_hex_valid(head))
			continue;
		char entry[PATH_MAX + 300], file[PATH_MAX + 340], out[PATH_MAX + 340];
		char *stored = NULL, *now = NULL, *oh = NULL;
		size_t slen = 0, nlen = 0;
		struct cl_err e = { 0 };
		snprintf(entry, sizeof entry, "%s/%s", store, de->d_name);
		snprintf(file, sizeof file, "%s/manifest", entry);
		snprintf(out, sizeof out, "%s/out", entry);
		const char *why = NULL;
		char hex[SHA256_HEX_LEN + 1];
		if (read_file(file, &stored, &slen, &e) < 0)
			why = "its manifest is missing";
		else if (tree_manifest(out, &now, &nlen, &e) < 0)
			why = e.msg;
		else if (nlen != slen || memcmp(now, stored, slen) != 0)
			why = "out/ no longer matches its manifest";
		else {
			snprintf(file, sizeof file, "%s/output-hash", entry);
			if (read_file(file, &oh, NULL, &e) < 0 || sha256_bytes(stored, slen, hex, &e) < 0 ||
			    strncmp(oh, hex, SHA256_HEX_LEN) != 0)
				why = "output-hash does not match the manifest";
		}
		checked++;
		if (why) {
			bad++;
			printf("BAD %s: %s\n", de->d_name, why);
			if (now && stored) {
				/* the first differing line says which file */
				char *a = stored, *b = now;
				while (*a && *a == *b)
					a++, b++;
				while (a > stored && a[-1] != '\n')
					a--;
				printf("    first difference near: %.*s\n", (int)strcspn(a, "\n"), a);
			}
		} else if (!quiet) {
			printf("ok  %s\n", de->d_name);
		}
		free(stored);
		free(now);
		free(oh);
	}
	closedir(d);
	if (!quiet)
		printf("%d entr%s checked, %d damaged\n", checked, checked == 1 ? "y" : "ies", bad);
	return bad;
}

/* A zombie still answers kill(pid, 0): only a running process counts. */
static bool process_alive(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	const char *paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

/* Removes the entries of dir whose name starts with prefix (all, with
 * NULL); with only_dead, only stages (".tmp-PID-...") whose builder is no
 * longer running. */
static long remove_matching(const char *dir, const char *prefix, bool only_dead)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long n = 0;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (prefix && strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (only_dead) {
			pid_t pid = (pid_t)atoi(e->d_name + strlen(prefix));
			if (pid > 0 && process_alive(pid))
				continue; /* still building */
		}
		char path[PATH_MAX + 300];
		struct cl_err ignore;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (remove_tree(path, &ignore) == 0)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

long store_remove_dead_stages(const char *home)
{
	char dir[PATH_MAX];
	struct cl_err ignore;
	if (pathf(&ignore, dir, sizeof dir, "%s/store", home) < 0)
		return 0;
	return remove_matching(dir, ".tmp-", true);
}

int store_gc(const char *home, bool quiet, struct cl_err *err)
{
	char dir[PATH_MAX];
	TRY(pathf(err, dir, sizeof dir, "%s/store/tmp", home));
	long pairs = remove_matching(dir, NULL, false);
	long stages = store_remove_dead_stages(home);
	TRY(pathf(err, dir, sizeof dir, "%s/logs", home));
	long logs = remove_matching(dir, NULL, false);
	if (!quiet)
		printf("removed %ld kept pair%s, %ld dead stage%s, %ld log%s\n", pairs, pairs == 1 ? "" : "s",
		       stages, stages == 1 ? "" : "s", logs, logs == 1 ? "" : "s");
	return 0;
}
