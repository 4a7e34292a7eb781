#define _GNU_SOURCE
#include "cpio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../lib/archive_api.h"

/* Per entry: its inode number, how many names that inode has, and
 * whether this is the name that carries the data (the last). */
struct slot {
	unsigned ino;
	unsigned nlink;
	bool data;
	bool listed;     /* the name the listing's line is written at (the first) */
	size_t next;     /* the next name of the same inode, or SIZE_MAX */
};

static bool same_inode_meta(const struct fs_entry *a, const struct fs_entry *b)
{
	return a->type == FS_FILE && b->type == FS_FILE && a->link && a->link == b->link && a->perm == b->perm &&
	       a->uid == b->uid && a->gid == b->gid;
}

static int cmp_link_then_path(const void *pa, const void *pb, void *arg)
{
	const struct fs_entry *v = arg;
	const struct fs_entry *a = &v[*(const size_t *)pa], *b = &v[*(const size_t *)pb];
	if (a->link != b->link)
		return a->link < b->link ? -1 : 1;
	return strcmp(a->path, b->path);
}

/* Inode numbers in path order; a hard-link group takes the number of its
 * first name.  Two names of one inode whose modes or owners were made to
 * differ (by initramfs.contents) cannot stay one inode: they part. */
static int number_inodes(const struct fstree *t, struct slot *s, struct cl_err *err)
{
	size_t nl = 0;
	for (size_t i = 0; i < t->n; i++) {
		s[i] = (struct slot){ .nlink = t->v[i].type == FS_DIR ? 2 : 1, .data = true, .listed = true,
				      .next = SIZE_MAX };
		nl += t->v[i].type == FS_FILE && t->v[i].link;
	}
	_cleanup_free_ size_t *idx = calloc(nl ? nl : 1, sizeof *idx);
	if (!idx)
		return cl_err_set(err, ENOMEM, "numbering inodes");
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].type == FS_FILE && t->v[i].link)
			idx[k++] = i;
	qsort_r(idx, nl, sizeof *idx, cmp_link_then_path, t->v);
	/* chain each group's names in path order: head (listed) ... tail (data) */
	for (size_t a = 0; a < nl; ) {
		size_t b = a + 1;
		while (b < nl && t->v[idx[b]].link == t->v[idx[a]].link)
			b++;
		size_t head = idx[a], tail = head, count = 1;
		for (size_t j = a + 1; j < b; j++) {
			if (!same_inode_meta(&t->v[head], &t->v[idx[j]]))
				continue;
			s[tail].next = idx[j];
			s[tail].data = false;
			s[idx[j]].listed = false;
			tail = idx[j];
			count++;
		}
		for (size_t m = head; m != SIZE_MAX; m = s[m].next)
			s[m].nlink = (unsigned)count;
		a = b;
	}
	unsigned ino = 0;
	for (size_t i = 0; i < t->n; i++)
		if (s[i].listed) {
			ino++;
			for (size_t m = i; m != SIZE_MAX; m = s[m].next)
				s[m].ino = ino;
		}
	return 0;
}

static unsigned filetype(enum fs_type t)
{
	switch (t) {
	case FS_DIR: return AE_IFDIR;
	case FS_FILE: return AE_IFREG;
	case FS_SYMLINK: return AE_IFLNK;
	case FS_CHR: return AE_IFCHR;
	case FS_BLK: return AE_IFBLK;
	case FS_FIFO: return AE_IFIFO;
	default: return AE_IFSOCK;
	}
}

static int copy_source(const struct archive_api *A, struct archive *a, const struct fs_entry *e, char *buf,
		       size_t buflen, struct cl_err *err)
{
	_cleanup_close_ int fd = open(e->source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return cl_err_set(err, errno, "reading %s for %s", e->source, e->path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != e->size)
		return cl_err_msg(err, EIO, "%s changed while the image was assembled", e->source);
	size_t done = 0;
	while (done < e->size) {
		ssize_t n = read(fd, buf, buflen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cl_err_set(err, errno, "reading %s", e->source);
		if (n == 0)
			return cl_err_msg(err, EIO, "%s changed while the image was assembled", e->source);
		if (A->archive_write_data(a, buf, (size_t)n) != n)
			return cl_err_msg(err, EIO, "writing %s to the cpio: %s", e->path, A->archive_error_string(a));
		done += (size_t)n;
	}
	return 0;
}

static void list_entry(FILE *f, const struct fstree *t, const struct slot *s, size_t i)
{
	const struct fs_entry *e = &t->v[i];
	switch (e->type) {
	case FS_DIR:
		fprintf(f, "dir %s %04o %u %u\n", e->path, e->perm, e->uid, e->gid);
		break;
	case FS_FILE: {
		/* the data is with the group's last name, which the unpacked tree has */
		size_t last = i;
		while (s[last].next != SIZE_MAX)
			last = s[last].next;
		fprintf(f, "file %s %s %04o %u %u", e->path, t->v[last].path + 1, e->perm, e->uid, e->gid);
		for (size_t m = s[i].next; m != SIZE_MAX; m = s[m].next)
			fprintf(f, " %s", t->v[m].path);
		fputc('\n', f);
		break;
	}
	case FS_SYMLINK:
		fprintf(f, "slink %s %s %04o %u %u\n", e->path, e->data, e->perm, e->uid, e->gid);
		break;
	case FS_CHR: case FS_BLK:
		fprintf(f, "nod %s %04o %u %u %c %u %u\n", e->path, e->perm, e->uid, e->gid,
			e->type == FS_BLK ? 'b' : 'c', e->major, e->minor);
		break;
	case FS_FIFO:
		fprintf(f, "pipe %s %04o %u %u\n", e->path, e->perm, e->uid, e->gid);
		break;
	case FS_SOCK:
		fprintf(f, "sock %s %04o %u %u\n", e->path, e->perm, e->uid, e->gid);
		break;
	}
}

static int write_entries(const struct archive_api *A, struct archive *a, const struct fstree *t,
			 const struct slot *s, long long epoch, FILE *listing, struct cl_err *err)
{
	struct archive_entry *ae = A->archive_entry_new();
	const size_t buflen = 256 * 1024;
	_cleanup_free_ char *buf = malloc(buflen);
	if (!ae || !buf) {
		if (ae)
			A->archive_entry_free(ae);
		return cl_err_set(err, ENOMEM, "writing the cpio");
	}
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < t->n; i++) {
		const struct fs_entry *e = &t->v[i];
		A->archive_entry_clear(ae);
		/* names are relative in an initramfs, as gen_init_cpio writes them */
		A->archive_entry_set_pathname(ae, e->path + 1);
		A->archive_entry_set_filetype(ae, filetype(e->type));
		A->archive_entry_set_perm(ae, e->perm);
		A->archive_entry_set_uid(ae, e->uid);
		A->archive_entry_set_gid(ae, e->gid);
		A->archive_entry_set_mtime(ae, (time_t)epoch, 0);
		A->archive_entry_set_ino64(ae, s[i].ino);
		A->archive_entry_set_nlink(ae, s[i].nlink);
		if (e->type == FS_CHR || e->type == FS_BLK) {
			A->archive_entry_set_rdevmajor(ae, e->major);
			A->archive_entry_set_rdevminor(ae, e->minor);
		}
		if (e->type == FS_SYMLINK)
			A->archive_entry_set_symlink(ae, e->data);
		bool data = e->type == FS_FILE && s[i].data;
		A->archive_entry_set_size(ae, data ? (la_int64_t)e->size : 0);
		if (A->archive_write_header(a, ae) != ARCHIVE_OK) {
			rc = cl_err_msg(err, EIO, "writing %s to the cpio: %s", e->path, A->archive_error_string(a));
			break;
		}
		if (data && e->source)
			rc = copy_source(A, a, e, buf, buflen, err);
		else if (data && e->size && A->archive_write_data(a, e->data, e->size) != (la_ssize_t)e->size)
			rc = cl_err_msg(err, EIO, "writing %s to the cpio: %s", e->path, A->archive_error_string(a));
		if (rc == 0 && listing && s[i].listed)
			list_entry(listing, t, s, i);
	}
	A->archive_entry_free(ae);
	return rc;
}

int cpio_write(struct fstree *t, long long epoch, int cpio_fd, FILE *listing, struct cpio_stats *stats,
	       struct cl_err *err)
{
	const struct archive_api *A = archive_api(err);
	if (!A)
		return -err->code;
	TRY(fstree_sort(t, err));
	_cleanup_free_ struct slot *s = calloc(t->n ? t->n : 1, sizeof *s);
	if (!s)
		return cl_err_set(err, ENOMEM, "writing the cpio");
	TRY(number_inodes(t, s, err));
	off_t start = lseek(cpio_fd, 0, SEEK_CUR);
	struct archive *a = A->archive_write_new();
	if (!a)
		return cl_err_set(err, ENOMEM, "writing the cpio");
	int rc = 0;
	/* 64 KiB writes; the last block unpadded: the archive ends at its trailer */
	if (A->archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    A->archive_write_set_bytes_per_block(a, 64 * 1024) != ARCHIVE_OK ||
	    A->archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    A->archive_write_open_fd(a, cpio_fd) != ARCHIVE_OK)
		rc = cl_err_msg(err, EIO, "starting the cpio: %s", A->archive_error_string(a));
	if (rc == 0)
		rc = write_entries(A, a, t, s, epoch, listing, err);
	if (A->archive_write_close(a) != ARCHIVE_OK && rc == 0)
		rc = cl_err_msg(err, EIO, "finishing the cpio: %s", A->archive_error_string(a));
	A->archive_write_free(a);
	if (rc == 0 && listing && ferror(listing))
		rc = cl_err_set(err, EIO, "writing the listing");
	if (rc == 0 && stats) {
		off_t end = lseek(cpio_fd, 0, SEEK_CUR);
		stats->entries = t->n;
		stats->bytes = start >= 0 && end >= start ? (unsigned long long)(end - start) : 0;
	}
	return rc;
}
