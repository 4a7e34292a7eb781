#define _GNU_SOURCE
#include "deb_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../../common/fsutil.h"
#include "apt.h"
#include "../lib/archive_api.h"
#include "cache.h"
#include "../seed/deb.h"
#include "../lib/lzma_api.h"
#include "snapshot.h"

/* A file larger than this, or a tarball unpacking to more, is taken for a
 * decompression bomb (the same bound as deb.c's). */
#define MEMBER_MAX (4ULL << 30)

static bool lists_present(const struct apt_env *env)
{
	char dir[PATH_MAX + 32];
	snprintf(dir, sizeof dir, "%s/state/lists", env->dir);
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;
	struct cl_err ignore;
	if (fd < 0 || list_dir_sorted(fd, &names, &n, &ignore) < 0)
		return false;
	bool found = false;
	for (size_t i = 0; i < n; i++)
		found = found || strstr(names[i], "_Packages") != NULL;
	free_names(names, n);
	return found;
}

/* The archive's record for the pin; the lists are refreshed once when
 * they lack it (they may just be old). */
static int look_up(struct apt_env *env, const struct recipe *r, const struct recipe_source *s,
		   const struct fetch_opts *fo, bool quiet, struct apt_pkg_info *info, struct cl_err *err)
{
	bool updated = false;
	if (!lists_present(env)) {
		if (!quiet)
			fetch_progress(fo, "updating the private package lists");
		TRY(apt_update(env, err));
		updated = true;
	}
	int rc = apt_lookup(env, s->package, s->version, info, err);
	if (rc == -ENOENT && !updated) {
		TRY(apt_update(env, err));
		rc = apt_lookup(env, s->package, s->version, info, err);
	}
	if (rc < 0)
		return rc;
	if (strcmp(info->sha256, s->sha256) != 0)
		return cl_err_msg(err, EBADMSG, "%s/recipe:%d: the archive's %s %s has sha256 %s, the recipe "
				  "says %s; refusing it", r->dir, s->line, s->package, s->version, info->sha256,
				  s->sha256);
	return 0;
}

static int vanished(const struct recipe *r, const struct recipe_source *s, const struct fetch_opts *fo,
		    struct cl_err *err)
{
	return cl_err_msg(err, ENOENT, "%s/recipe:%d: the package %s %s (suite %s%s) is no longer in the "
			  "archive%s%s, and its .deb (sha256 %s) is not in the download cache.  Ways forward: "
			  "update the pin to a version of the frozen suite; or add a mirror that has the file "
			  "(--mirror URL, CLOISTER_MIRRORS: URL/sha256/HEX)", r->dir, s->line, s->package,
			  s->version, s->suite[0] ? s->suite : "not recorded",
			  s->moving ? ", which drops old versions" : "", fo->n_mirrors ? ", on no mirror" : "",
			  fo->snapshot ? " nor in the snapshot service" : "", s->sha256);
}

int deb_file_fetch(const char *home, const struct recipe *r, const struct recipe_source *s,
		   const struct fetch_opts *fo, bool quiet, struct cl_err *err)
{
	struct apt_env env;
	struct apt_pkg_info info;
	char dir[PATH_MAX + 32], file[PATH_MAX + 300], what[600];
	snprintf(what, sizeof what, "%.200s/recipe:%d: %.100s %.100s", r->dir, s->line, s->package, s->version);
	TRY(apt_env_init(&env, home, err));
	int rc = look_up(&env, r, s, fo, quiet, &info, err);
	if (rc == -ENOENT) {
		struct cl_err e = { 0 };
		rc = snapshot_fetch_binary(fo, home, s->package, s->version, s->sha256, 0, what, &e);
		if (rc == 0)
			return 0;
		return rc == -ENOSPC ? cl_err_msg(err, ENOSPC, "%s", e.msg) : vanished(r, s, fo, err);
	}
	if (rc < 0)
		return rc;
	TRY(pathf(err, dir, sizeof dir, "%s/tmp", home));
	TRY(mkdir_p(dir, 0755, err));
	TRY(pathf(err, dir, sizeof dir, "%s/tmp/deb-file.XXXXXX", home));
	if (!mkdtemp(dir))
		return cl_err_set(err, errno, "creating %s", dir);
	if (!quiet)
		fetch_progress(fo, "fetching %s=%s (%llu MB)", s->package, s->version, info.size >> 20);
	const char *names[] = { s->package }, *versions[] = { s->version };
	rc = apt_download_many(&env, names, versions, 1, dir, err);
	if (rc == 0)
		rc = pathf(err, file, sizeof file, "%s/%s", dir, info.filename);
	if (rc == 0)
		rc = cache_add(home, file, s->sha256, what, true, err);
	struct cl_err ignore;
	remove_tree(dir, &ignore);
	return rc;
}

/* The package, its data.tar.* and, once found, the file inside it: each
 * archive reads the one before it. */
struct chain {
	const struct archive_api *A;
	struct archive *deb;
	struct archive *data;
	char deb_buf[1 << 16];   /* the package's bytes, which data reads */
	char file_buf[1 << 16];  /* the file's bytes, read from data */
};

static la_ssize_t read_from_deb(struct archive *a, void *arg, const void **buf)
{
	(void)a;
	struct chain *c = arg;
	*buf = c->deb_buf;
	return c->A->archive_read_data(c->deb, c->deb_buf, sizeof c->deb_buf);
}

static void chain_close(struct chain *c)
{
	if (c->data)
		c->A->archive_read_free(c->data);
	if (c->deb)
		c->A->archive_read_free(c->deb);
	c->data = c->deb = NULL;
}

/* Opens the package and leaves c->data positioned at the file's data. */
static int open_member(struct chain *c, int fd, const struct recipe_source *s, const char *what,
		       struct cl_err *err)
{
	const struct archive_api *A = c->A;
	struct archive_entry *e;
	if (!(c->deb = A->archive_read_new()))
		return cl_err_set(err, ENOMEM, "archive_read_new");
	A->archive_read_support_format_ar(c->deb);
	if (A->archive_read_open_fd(c->deb, fd, 1 << 16) != ARCHIVE_OK)
		return cl_err_msg(err, EINVAL, "%s: not a Debian package: %s", what, A->archive_error_string(c->deb));
	for (;;) {
		int h = A->archive_read_next_header(c->deb, &e);
		if (h == ARCHIVE_EOF)
			return cl_err_msg(err, EINVAL, "%s: not a Debian package: no data.tar member", what);
		if (h < ARCHIVE_WARN)
			return cl_err_msg(err, EINVAL, "%s: not a Debian package: %s", what,
					  A->archive_error_string(c->deb));
		const char *name = A->archive_entry_pathname(e);
		if (name && !strncmp(name, "data.tar", 8))
			break;
	}
	if (!(c->data = A->archive_read_new()))
		return cl_err_set(err, ENOMEM, "archive_read_new");
	A->archive_read_support_filter_all(c->data);
	A->archive_read_support_format_tar(c->data);
	if (A->archive_read_open(c->data, c, NULL, read_from_deb, NULL) != ARCHIVE_OK)
		return cl_err_msg(err, EINVAL, "%s: cannot read the package's data: %s", what,
				  A->archive_error_string(c->data));
	for (;;) {
		int h = A->archive_read_next_header(c->data, &e);
		if (h == ARCHIVE_EOF)
			return cl_err_msg(err, ENOENT, "%s: %s %s has no file %s", what, s->package, s->version,
					  s->path);
		if (h < ARCHIVE_WARN)
			return cl_err_msg(err, EINVAL, "%s: %s", what, A->archive_error_string(c->data));
		char norm[PATH_MAX];
		const char *name = A->archive_entry_pathname(e);
		if (!name || deb_path_normalize(name, norm, sizeof norm) < 0 || strcmp(norm, s->path) != 0)
			continue;
		if (A->archive_entry_filetype(e) != AE_IFREG || A->archive_entry_hardlink(e))
			return cl_err_msg(err, EINVAL, "%s: %s in %s %s is not a regular file", what, s->path,
					  s->package, s->version);
		if ((unsigned long long)A->archive_entry_size(e) > MEMBER_MAX)
			return cl_err_msg(err, EFBIG, "%s: %s is larger than %llu bytes; refusing it", what, s->path,
					  MEMBER_MAX);
		return 0;
	}
}

static int copy_member(struct chain *c, const char *what, const char *to, struct cl_err *err)
{
	_cleanup_close_ int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (out < 0)
		return cl_err_set(err, errno, "%s", to);
	la_ssize_t n;
	while ((n = c->A->archive_read_data(c->data, c->file_buf, sizeof c->file_buf)) > 0)
		if (write_all(out, c->file_buf, (size_t)n) < 0)
			return cl_err_set(err, errno, "writing %s", to);
	if (n < 0)
		return cl_err_msg(err, EIO, "%s: %s", what, c->A->archive_error_string(c->data));
	return 0;
}

/* The file's bytes decoded by liblzma on every CPU the process may use,
 * handed to libarchive's tar reader as it asks for them: decoding runs
 * ahead in liblzma's threads while this one writes the tree. */
struct xz_feed {
	struct chain *c;
	const struct lzma_api *L;
	lzma_stream strm;
	bool in_eof, done;
	uint8_t out[1 << 20];
};

static const char *lzma_why(lzma_ret r)
{
	switch (r) {
	case LZMA_MEM_ERROR: return "out of memory";
	case LZMA_MEMLIMIT_ERROR: return "it needs more memory than allowed";
	case LZMA_FORMAT_ERROR: return "not in the xz format";
	case LZMA_OPTIONS_ERROR: return "unsupported options";
	case LZMA_DATA_ERROR: return "corrupt data";
	case LZMA_BUF_ERROR: return "truncated";
	default: return "decoder error";
	}
}

static la_ssize_t read_xz(struct archive *a, void *arg, const void **buf)
{
	struct xz_feed *x = arg;
	const struct archive_api *A = x->c->A;
	x->strm.next_out = x->out;
	x->strm.avail_out = sizeof x->out;
	while (!x->done && x->strm.avail_out == sizeof x->out) {
		if (x->strm.avail_in == 0 && !x->in_eof) {
			la_ssize_t n = A->archive_read_data(x->c->data, x->c->file_buf, sizeof x->c->file_buf);
			if (n < 0) {
				A->archive_set_error(a, EIO, "%s", A->archive_error_string(x->c->data));
				return -1;
			}
			x->in_eof = n == 0;
			x->strm.next_in = (const uint8_t *)x->c->file_buf;
			x->strm.avail_in = (size_t)n;
		}
		lzma_ret r = x->L->lzma_code(&x->strm, x->in_eof ? LZMA_FINISH : LZMA_RUN);
		if (r == LZMA_STREAM_END)
			x->done = true;
		else if (r != LZMA_OK) {
			A->archive_set_error(a, EINVAL, "xz: %s", lzma_why(r));
			return -1;
		}
	}
	*buf = x->out;
	return (la_ssize_t)(sizeof x->out - x->strm.avail_out);
}

static uint32_t usable_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return 1;
	int n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > 8 ? 8 : (uint32_t)n;
}

static int unpack_xz(struct chain *c, const char *what, const char *dir, struct cl_err *err)
{
	const struct lzma_api *L = lzma_api(err);
	if (!L)
		return -err->code;
	struct xz_feed *x = calloc(1, sizeof *x);
	if (!x)
		return cl_err_set(err, ENOMEM, "unpacking %s", what);
	x->c = c;
	x->L = L;
	x->strm = (lzma_stream)LZMA_STREAM_INIT;
	uint64_t mem = L->lzma_physmem();
	/* past memlimit_threading liblzma decodes on one thread; past
	 * memlimit_stop it fails */
	lzma_mt mt = { .flags = LZMA_CONCATENATED, .threads = usable_cpus(),
		       .memlimit_threading = mem ? mem / 4 : 256u << 20,
		       .memlimit_stop = mem ? mem / 2 : 1u << 30 };
	lzma_ret lr = L->lzma_stream_decoder_mt(&x->strm, &mt);
	if (lr != LZMA_OK) {
		free(x);
		return cl_err_msg(err, EIO, "%s: starting the xz decoder: %s", what, lzma_why(lr));
	}
	const struct archive_api *A = c->A;
	struct archive *tar = A->archive_read_new();
	int rc;
	if (!tar) {
		rc = cl_err_set(err, ENOMEM, "archive_read_new");
	} else {
		A->archive_read_support_format_tar(tar);
		if (A->archive_read_open(tar, x, NULL, read_xz, NULL) != ARCHIVE_OK)
			rc = cl_err_msg(err, EINVAL, "%s: not a tar archive: %s", what, A->archive_error_string(tar));
		else
			rc = archive_extract(tar, what, dir, err);
		A->archive_read_free(tar);
	}
	L->lzma_end(&x->strm);
	free(x);
	return rc;
}

static bool is_xz(const char *name)
{
	size_t l = strlen(name);
	return (l > 3 && !strcmp(name + l - 3, ".xz")) || (l > 4 && !strcmp(name + l - 4, ".txz"));
}

/* Anything else libarchive reads, through its own (single-threaded) filters. */
static la_ssize_t read_member(struct archive *a, void *arg, const void **buf)
{
	(void)a;
	struct chain *c = arg;
	*buf = c->file_buf;
	return c->A->archive_read_data(c->data, c->file_buf, sizeof c->file_buf);
}

static int unpack_other(struct chain *c, const char *what, const char *dir, struct cl_err *err)
{
	const struct archive_api *A = c->A;
	struct archive *tar = A->archive_read_new();
	if (!tar)
		return cl_err_set(err, ENOMEM, "archive_read_new");
	A->archive_read_support_filter_all(tar);
	A->archive_read_support_format_tar(tar);
	int rc;
	if (A->archive_read_open(tar, c, NULL, read_member, NULL) != ARCHIVE_OK)
		rc = cl_err_msg(err, EINVAL, "%s: not a tar archive: %s", what, A->archive_error_string(tar));
	else
		rc = archive_extract(tar, what, dir, err);
	A->archive_read_free(tar);
	return rc;
}

int deb_file_unpack(const char *deb, const struct recipe_source *s, const char *what, const char *dir,
		    bool unpack, struct cl_err *err)
{
	struct chain *c = calloc(1, sizeof *c);
	if (!c)
		return cl_err_set(err, ENOMEM, "unpacking %s", what);
	if (!(c->A = archive_api(err))) {
		free(c);
		return -err->code;
	}
	_cleanup_close_ int fd = open(deb, O_RDONLY | O_CLOEXEC);
	int rc = fd < 0 ? cl_err_set(err, errno, "%s", deb) : open_member(c, fd, s, what, err);
	if (rc == 0 && !unpack) {
		char to[PATH_MAX + 300];
		rc = pathf(err, to, sizeof to, "%s/%s", dir, s->name);
		if (rc == 0)
			rc = copy_member(c, what, to, err);
	} else if (rc == 0) {
		rc = is_xz(s->name) ? unpack_xz(c, what, dir, err) : unpack_other(c, what, dir, err);
	}
	chain_close(c);
	free(c);
	return rc;
}
