#define _GNU_SOURCE
#include "deb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/text.h"
#include "../lib/archive_api.h"

/* A package larger than this, unpacked, is taken for a decompression bomb. */
#define DEB_MAX_UNPACKED (4ULL << 30)

int deb_path_normalize(const char *in, char *out, size_t len)
{
	size_t o = 0;
	const char *p = in;

	out[0] = '\0';
	while (*p) {
		while (*p == '/')
			p++;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (o == 0)
				return -EPERM;
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			out[o] = '\0';
			continue;
		}
		if (o + n + 2 > len)
			return -ENAMETOOLONG;
		if (o)
			out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
		out[o] = '\0';
	}
	return 0;
}

size_t deb_path_merge_usr(const char *in, char *out, size_t len)
{
	static const char *const merged[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
	struct bounded b = { out, len, 0 };
	size_t first = strcspn(in, "/");
	bounded_put(&b, "", 0);
	for (size_t i = 0; i < sizeof merged / sizeof *merged; i++)
		if (strlen(merged[i]) == first && strncmp(in, merged[i], first) == 0)
			bounded_put(&b, "usr/", 4);
	bounded_put(&b, in, strlen(in));
	return b.o;
}

size_t deb_path_relative(const char *from_dir, const char *to, char *out, size_t len)
{
	/* drop the common leading components */
	const char *f = from_dir, *t = to;
	for (;;) {
		size_t fl = strcspn(f, "/"), tl = strcspn(t, "/");
		if (!*f || !*t || fl != tl || strncmp(f, t, fl) != 0)
			break;
		f += fl + (f[fl] == '/');
		t += tl + (t[tl] == '/');
	}
	struct bounded b = { out, len, 0 };
	bounded_put(&b, "", 0);
	while (*f) {
		/* "../" per component left, but "..", not "../", when nothing follows */
		f += strcspn(f, "/");
		f += *f == '/';
		bounded_put(&b, *f || *t ? "../" : "..", *f || *t ? 3 : 2);
	}
	if (*t)
		bounded_put(&b, t, strlen(t));
	else if (!b.o)
		bounded_put(&b, ".", 1);
	return b.o;
}

static void dir_of(const char *path, char *out)
{
	/* out is as large as path's buffer */
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	memcpy(out, path, n);
	out[n] = '\0';
}

struct nested {
	const struct archive_api *A;
	struct archive *outer;
	char buf[1 << 16];
};

static la_ssize_t nested_read(struct archive *a, void *data, const void **buf)
{
	(void)a;
	struct nested *n = data;
	*buf = n->buf;
	return n->A->archive_read_data(n->outer, n->buf, sizeof n->buf);
}

/* The longest path or symlink target an entry may have: what the kernel
 * takes in one system call. */
#define ENTRY_MAX (PATH_MAX - 1)

/* Checks one entry and rewrites its paths for the merged, relative tree. */
static int vet_entry(const struct archive_api *A, struct archive_entry *e, const char *what,
		     int root_fd, bool merge_usr, char *mapped, size_t mlen, struct cl_err *err)
{
	const char *raw = A->archive_entry_pathname(e);
	char norm[PATH_MAX], q[QUOTE_MAX], qt[QUOTE_MAX];

	if (!raw)
		return cl_err_msg(err, EINVAL, "%s: an entry without a name", what);
	if (strlen(raw) > ENTRY_MAX)
		return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing path '%s': longer than the %d bytes a path may have",
				  what, text_quote(q, raw), ENTRY_MAX);
	if (raw[0] == '/')
		return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing absolute path '%s'", what, text_quote(q, raw));
	for (const char *c = raw; (c = strstr(c, "..")); c += 2)
		if ((c == raw || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
			return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing path with '..': '%s'", what, text_quote(q, raw));
	if (deb_path_normalize(raw, norm, sizeof norm) < 0)
		return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing path '%s'", what, text_quote(q, raw));
	if (!norm[0]) {
		mapped[0] = '\0'; /* the archive's "./": nothing to write */
		return 0;
	}
	if ((merge_usr ? deb_path_merge_usr(norm, mapped, mlen) : (size_t)snprintf(mapped, mlen, "%s", norm)) >=
	    mlen)
		return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing path '%s': longer than the %d bytes a path may have "
				  "once under /usr", what, text_quote(q, raw), ENTRY_MAX);

	mode_t type = A->archive_entry_filetype(e);
	mode_t mode = A->archive_entry_mode(e) & 07777;
	const char *hard = A->archive_entry_hardlink(e);
	if (type == AE_IFCHR || type == AE_IFBLK)
		return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing device node '%s'", what, text_quote(q, raw));
	if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && !hard)
		return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing special file '%s'", what, text_quote(q, raw));
	if (type != AE_IFDIR && (mode & (S_ISUID | S_ISGID)))
		return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing setuid/setgid file '%s' (mode %04o)",
				  what, text_quote(q, raw), (unsigned)mode);
	/* a setgid directory only passes its group on; the seed has no groups */
	A->archive_entry_set_perm(e, mode & ~(mode_t)(S_ISUID | S_ISGID));

	/* a path written before may be written again only as the directory
	 * it is: a second entry would replace the first, or swap a directory
	 * for a symlink under the entries that follow */
	struct stat st;
	if (fstatat(root_fd, mapped, &st, AT_SYMLINK_NOFOLLOW) == 0 && (type != AE_IFDIR || !S_ISDIR(st.st_mode))) {
		if (merge_usr)
			return cl_err_msg(err, EEXIST, "%s: /%s is already provided by another package of the seed "
					  "(or twice by this one); remove one of the two from the lock", what,
					  text_quote(q, mapped));
		return cl_err_in(err, CL_BAD_INPUT, EEXIST, "%s: '%s' is in the archive twice; refusing the second "
				 "(it would replace the %s written first)", what, text_quote(q, raw),
				 S_ISDIR(st.st_mode) ? "directory" : S_ISLNK(st.st_mode) ? "symlink" : "file");
	}
	A->archive_entry_set_pathname(e, mapped);

	if (hard) {
		char hn[PATH_MAX], hm[PATH_MAX];
		if (hard[0] == '/' || strlen(hard) > ENTRY_MAX || deb_path_normalize(hard, hn, sizeof hn) < 0 ||
		    !hn[0] ||
		    (merge_usr ? deb_path_merge_usr(hn, hm, sizeof hm) : (size_t)snprintf(hm, sizeof hm, "%s", hn)) >=
			    sizeof hm)
			return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing hard link '%s' to '%s'", what, text_quote(q, raw),
					  text_quote(qt, hard));
		A->archive_entry_set_hardlink(e, hm);
	}
	if (type == AE_IFLNK) {
		const char *target = A->archive_entry_symlink(e);
		char joined[2 * PATH_MAX + 2], abs[PATH_MAX], absm[PATH_MAX], dir[PATH_MAX], rel[PATH_MAX];
		if (!target || !target[0])
			return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing empty symlink '%s'", what, text_quote(q, raw));
		if (strlen(target) > ENTRY_MAX)
			return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing symlink '%s' -> '%s': a target longer than the "
					  "%d bytes a symlink holds", what, text_quote(q, raw), text_quote(qt, target),
					  ENTRY_MAX);
		/* where the link points, in the package's own layout */
		if (target[0] == '/') {
			snprintf(joined, sizeof joined, "%s", target);
		} else {
			char odir[PATH_MAX];
			dir_of(norm, odir);
			snprintf(joined, sizeof joined, "%s/%s", odir, target);
		}
		int nr = deb_path_normalize(joined, abs, sizeof abs);
		if (nr == -EPERM)
			return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing symlink '%s' -> '%s': it leads out of the tree",
					  what, text_quote(q, raw), text_quote(qt, target));
		if (nr < 0 || (merge_usr ? deb_path_merge_usr(abs, absm, sizeof absm)
					 : (size_t)snprintf(absm, sizeof absm, "%s", abs)) >= sizeof absm)
			return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing symlink '%s' -> '%s': it leads to a path longer "
					  "than %d bytes", what, text_quote(q, raw), text_quote(qt, target), ENTRY_MAX);
		dir_of(mapped, dir);
		size_t rl = deb_path_relative(dir, absm, rel, sizeof rel);
		if (rl > ENTRY_MAX)
			return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s: refusing symlink '%s' -> '%s': as a relative link it "
					  "would be %zu bytes, more than the %d a symlink holds", what, text_quote(q, raw),
					  text_quote(qt, target), rl, ENTRY_MAX);
		A->archive_entry_set_symlink(e, rel);
	}
	return 0;
}

/* A failed write of the disk writer, with the errno it saw: "No space
 * left on device" must read as such, not as a corrupt archive. */
static int write_error(const struct archive_api *A, struct archive *w, const char *what,
		       const char *doing, const char *path, struct cl_err *err)
{
	int e = A->archive_errno(w);
	const char *why = A->archive_error_string(w);
	if (e > 0)
		return cl_err_set(err, e, "%s: %s %s%s%s", what, doing, path, why ? ": " : "", why ? why : "");
	/* no errno: libarchive's own refusal (SECURE_SYMLINKS and the like),
	 * so the archive is at fault, not the machine */
	return cl_err_in(err, CL_BAD_INPUT, EIO, "%s: %s %s: %s", what, doing, path, why ? why : "failed");
}

/* *budget: the bytes the caller may still unpack, shared by every archive
 * of one build.  A file counts by the extent its blocks reach, so the
 * holes of a sparse entry count as what they cost the build later (a
 * copy, a comparison, a hash). */
static int extract_data(const struct archive_api *A, struct archive *data, const char *what,
			const char *root, bool merge_usr, FILE *written, unsigned long long *budget,
			struct cl_err *err)
{
	_cleanup_close_ int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0 || cwd < 0)
		return cl_err_set(err, errno, "opening %s", root);
	struct archive *w = A->archive_write_disk_new();
	if (!w)
		return cl_err_set(err, ENOMEM, "archive_write_disk_new");
	/* A source keeps the archive's mtimes: they are part of the pinned
	 * source (autotools' generated files must stay newer than their
	 * inputs, or make regenerates them).  The seed's are fixed later. */
	A->archive_write_disk_set_options(w, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
					     ARCHIVE_EXTRACT_SECURE_NODOTDOT |
					     ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
					     (merge_usr ? 0 : ARCHIVE_EXTRACT_TIME));
	/* archive_write_disk works relative to the working directory */
	if (fchdir(root_fd) < 0) {
		A->archive_write_free(w);
		return cl_err_set(err, errno, "entering %s", root);
	}
	mode_t old_umask = umask(022);
	unsigned long long total = 0, limit = *budget;
	int r = 0;
	struct archive_entry *e;
	char mapped[PATH_MAX];

	for (;;) {
		int h = A->archive_read_next_header(data, &e);
		if (h == ARCHIVE_EOF)
			break;
		if (h < ARCHIVE_WARN) {
			r = cl_err_msg(err, EIO, "%s: %s", what, A->archive_error_string(data));
			break;
		}
		if ((r = vet_entry(A, e, what, root_fd, merge_usr, mapped, sizeof mapped, err)) < 0)
			break;
		if (!mapped[0])
			continue;
		if (written && A->archive_entry_filetype(e) != AE_IFDIR)
			fprintf(written, "%s\n", mapped);
		if (A->archive_write_header(w, e) != ARCHIVE_OK) {
			r = write_error(A, w, what, "creating", mapped, err);
			break;
		}
		const void *buf;
		size_t size;
		la_int64_t off;
		int d;
		/* a sparse entry may bring no data block at all: its size counts */
		la_int64_t declared = A->archive_entry_size(e);
		unsigned long long extent = declared > 0 ? (unsigned long long)declared : 0;
		if (total + extent > limit) {
			r = cl_err_msg(err, EFBIG, "%s: unpacks to more than %llu bytes%s; refusing", what,
				       DEB_MAX_UNPACKED, limit < DEB_MAX_UNPACKED ? " with the build's other sources" : "");
			break;
		}
		while ((d = A->archive_read_data_block(data, &buf, &size, &off)) == ARCHIVE_OK) {
			if (off >= 0 && (unsigned long long)off + size > extent)
				extent = (unsigned long long)off + size;
			if (total + extent > limit) {
				r = cl_err_msg(err, EFBIG, "%s: unpacks to more than %llu bytes%s; refusing", what,
					       DEB_MAX_UNPACKED, limit < DEB_MAX_UNPACKED ?
					       " with the build's other sources" : "");
				break;
			}
			/* the disk writer reports a failed write(2), ENOSPC
			 * included, as a mere ARCHIVE_WARN */
			if (A->archive_write_data_block(w, buf, size, off) != ARCHIVE_OK) {
				r = write_error(A, w, what, "writing", mapped, err);
				break;
			}
		}
		if (r < 0)
			break;
		if (d < ARCHIVE_WARN) {
			r = cl_err_msg(err, EIO, "%s: reading %s: %s", what, mapped,
				       A->archive_error_string(data));
			break;
		}
		total += extent;
		if (A->archive_write_finish_entry(w) != ARCHIVE_OK) {
			r = write_error(A, w, what, "finishing", mapped, err);
			break;
		}
	}
	*budget = limit - (total < limit ? total : limit);
	if (r == 0 && A->archive_write_close(w) < ARCHIVE_WARN)
		r = cl_err_msg(err, EIO, "%s: %s", what, A->archive_error_string(w));
	A->archive_write_free(w);
	umask(old_umask);
	if (fchdir(cwd) < 0 && r == 0)
		r = cl_err_set(err, errno, "returning to the working directory");
	return r;
}

int deb_extract(const char *deb_path, const char *what, const char *root, FILE *written,
		struct cl_err *err)
{
	const struct archive_api *A = archive_api(err);
	if (!A)
		return -err->code;
	_cleanup_close_ int fd = open(deb_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cl_err_set(err, errno, "%s", deb_path);

	struct nested n = { .A = A, .outer = A->archive_read_new() };
	if (!n.outer)
		return cl_err_set(err, ENOMEM, "archive_read_new");
	A->archive_read_support_format_ar(n.outer);
	int r = 0, found = 0;
	if (A->archive_read_open_fd(n.outer, fd, 1 << 16) != ARCHIVE_OK) {
		r = cl_err_msg(err, EINVAL, "%s: not a Debian package: %s", what,
			       A->archive_error_string(n.outer));
		goto out;
	}
	struct archive_entry *e;
	for (;;) {
		int h = A->archive_read_next_header(n.outer, &e);
		if (h == ARCHIVE_EOF)
			break;
		if (h < ARCHIVE_WARN) {
			r = cl_err_msg(err, EINVAL, "%s: not a Debian package: %s", what,
				       A->archive_error_string(n.outer));
			goto out;
		}
		const char *name = A->archive_entry_pathname(e);
		if (!name || strncmp(name, "data.tar", 8) != 0)
			continue;
		struct archive *data = A->archive_read_new();
		if (!data) {
			r = cl_err_set(err, ENOMEM, "archive_read_new");
			goto out;
		}
		A->archive_read_support_filter_all(data);
		A->archive_read_support_format_tar(data);
		if (A->archive_read_open(data, &n, NULL, nested_read, NULL) != ARCHIVE_OK)
			r = cl_err_msg(err, EINVAL, "%s: cannot read %s: %s", what, name,
				       A->archive_error_string(data));
		else
		{
			unsigned long long budget = DEB_MAX_UNPACKED;   /* per package */
			r = extract_data(A, data, what, root, true, written, &budget, err);
		}
		A->archive_read_free(data);
		found = 1;
		break;
	}
	if (r == 0 && !found)
		r = cl_err_msg(err, EINVAL, "%s: not a Debian package: no data.tar member", what);
out:
	A->archive_read_free(n.outer);
	return r;
}

int archive_extract(struct archive *a, const char *what, const char *root, struct cl_err *err)
{
	const struct archive_api *A = archive_api(err);
	if (!A)
		return -err->code;
	/* (a source package's own archives: a budget of their own) */
	unsigned long long budget = DEB_MAX_UNPACKED;
	return extract_data(A, a, what, root, false, NULL, &budget, err);
}

int archive_unpack(int fd, const char *what, const char *root, unsigned long long *budget,
		   struct cl_err *err)
{
	const struct archive_api *A = archive_api(err);
	if (!A)
		return -err->code;
	struct archive *a = A->archive_read_new();
	if (!a)
		return cl_err_set(err, ENOMEM, "archive_read_new");
	A->archive_read_support_filter_all(a);
	A->archive_read_support_format_tar(a);
	A->archive_read_support_format_zip(a);
	int r;
	if (A->archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK)
		r = cl_err_msg(err, EINVAL, "%s: not a tar or zip archive: %s", what, A->archive_error_string(a));
	else
		r = extract_data(A, a, what, root, false, NULL, budget, err);
	A->archive_read_free(a);
	return r;
}
