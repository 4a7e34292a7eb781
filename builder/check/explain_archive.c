/* Archives in the structural view: cpio, tar and ar, compressed or not
 * (and a compressed file that is no archive), read with libarchive from
 * memory, member by member; a gzip file's header field by field. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/archive_api.h"
#include "explain.h"
#include "explain_internal.h"

bool xarchive_is(const unsigned char *p, size_t n)
{
	static const struct { const char *magic; size_t off, len; } kinds[] = {
		{ "070701", 0, 6 }, { "070702", 0, 6 }, { "070707", 0, 6 },  /* cpio newc, crc, odc */
		{ "\xc7\x71", 0, 2 },                                         /* cpio binary */
		{ "ustar", 257, 5 },                                          /* tar */
		{ "!<arch>\n", 0, 8 },                                        /* ar */
		{ "\x1f\x8b", 0, 2 }, { "\xfd" "7zXZ", 0, 5 }, { "BZh", 0, 3 }, /* gzip, xz, bzip2 */
		{ "\x28\xb5\x2f\xfd", 0, 4 },                                 /* zstd */
	};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (n >= kinds[i].off + kinds[i].len && !memcmp(p + kinds[i].off, kinds[i].magic, kinds[i].len))
			return true;
	return false;
}

struct member {
	char *name;
	char *link;
	unsigned type, mode;
	long long size, mtime, uid, gid;
	unsigned char *data;
	size_t len;
};

struct listing {
	struct member *m;
	size_t n;
	char kind[16];      /* "cpio", "tar", "ar", "" (no archive: the decompressed data) */
	char filter[16];    /* "gzip", ... or "" */
	size_t bytes;       /* of member data kept */
};

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->m[i].name);
		free(l->m[i].link);
		free(l->m[i].data);
	}
	free(l->m);
	memset(l, 0, sizeof *l);
}

/* At most EXPLAIN_MAX_UNPACKED of member data in all, so that a small
 * compressed file cannot make the view use unbounded memory. */
static bool read_data(const struct archive_api *A, struct archive *a, struct listing *l, struct member *m)
{
	size_t cap = 0;
	for (;;) {
		if (m->len == cap) {
			size_t room = EXPLAIN_MAX_UNPACKED - l->bytes;
			if (!room)
				return false;
			size_t grow = cap ? cap : 4096;
			cap += grow < room ? grow : room;
			unsigned char *d = realloc(m->data, cap);
			if (!d)
				return false;
			m->data = d;
		}
		la_ssize_t r = A->archive_read_data(a, m->data + m->len, cap - m->len);
		if (r < 0)
			return false;
		if (r == 0)
			return true;
		m->len += (size_t)r;
		l->bytes += (size_t)r;
	}
}

static bool list_archive(struct xout *o, const unsigned char *p, size_t n, struct listing *l)
{
	struct cl_err ignore;
	const struct archive_api *A = archive_api(&ignore);
	memset(l, 0, sizeof *l);
	if (!A)
		return false;
	struct archive *a = A->archive_read_new();
	if (!a)
		return false;
	A->archive_read_support_filter_all(a);
	A->archive_read_support_format_cpio(a);
	A->archive_read_support_format_tar(a);
	A->archive_read_support_format_ar(a);
	/* a compressed file that is no archive reads as one entry */
	A->archive_read_support_format_raw(a);
	bool ok = A->archive_read_open_memory(a, p, n) == ARCHIVE_OK;
	struct archive_entry *e;
	size_t cap = 0;
	int r;
	while (ok && !xexpired(o) && ((r = A->archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
		if (l->n == 0) {
			const char *fmt = A->archive_format_name(a), *flt = A->archive_filter_name(a, 0);
			snprintf(l->kind, sizeof l->kind, "%s", !fmt || strstr(fmt, "raw") ? "" : strstr(fmt, "cpio") ? "cpio" :
				 strstr(fmt, "tar") ? "tar" : strstr(fmt, "ar") ? "ar" : "archive");
			snprintf(l->filter, sizeof l->filter, "%s", flt && strcmp(flt, "none") ? flt : "");
		}
		if (l->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct member *m = realloc(l->m, cap * sizeof *m);
			if (!m)
				break;
			l->m = m;
		}
		struct member *m = &l->m[l->n++];
		memset(m, 0, sizeof *m);
		const char *name = A->archive_entry_pathname(e), *link = A->archive_entry_symlink(e);
		if (!link)
			link = A->archive_entry_hardlink(e);
		m->name = strdup(name ? name : "?");
		m->link = link ? strdup(link) : NULL;
		m->type = A->archive_entry_filetype(e);
		m->mode = A->archive_entry_mode(e) & 07777;
		m->size = A->archive_entry_size(e);
		m->mtime = A->archive_entry_mtime(e);
		m->uid = A->archive_entry_uid(e);
		m->gid = A->archive_entry_gid(e);
		if (!m->name || !read_data(A, a, l, m)) {
			o->cut = true;
			break;
		}
	}
	A->archive_read_free(a);
	return ok && l->n > 0;
}

static void gzip_header(struct xout *o, const char *prefix, const unsigned char *a, size_t na, const unsigned char *b,
			size_t nb)
{
	if (na < 10 || nb < 10 || a[0] != 0x1f || a[1] != 0x8b || b[0] != 0x1f || b[1] != 0x8b)
		return;
	uint32_t ta = (uint32_t)a[4] | (uint32_t)a[5] << 8 | (uint32_t)a[6] << 16 | (uint32_t)a[7] << 24;
	uint32_t tb = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
	if (ta != tb)
		xline(o, prefix, "gzip header: mtime %u vs %u (gzip records its input's mtime unless -n)", ta, tb);
	/* the original name: after the extra field, if the flags say so */
	const char *names[2] = { "", "" };
	const unsigned char *p[2] = { a, b };
	size_t len[2] = { na, nb };
	for (int k = 0; k < 2; k++) {
		size_t off = 10;
		if (p[k][3] & 4)
			off = len[k] >= 12 ? 12 + (size_t)(p[k][10] | p[k][11] << 8) : len[k];
		if ((p[k][3] & 8) && off < len[k] && memchr(p[k] + off, '\0', len[k] - off))
			names[k] = (const char *)p[k] + off;
	}
	if (strcmp(names[0], names[1]))
		xline(o, prefix, "gzip header: file name \"%.100s\" vs \"%.100s\"", names[0], names[1]);
	if (a[9] != b[9])
		xline(o, prefix, "gzip header: operating system %u vs %u", a[9], b[9]);
}

static int cmp_member(const void *x, const void *y)
{
	return strcmp((*(const struct member *const *)x)->name, (*(const struct member *const *)y)->name);
}

/* The members of both sorted by name, for the merge (archives may hold
 * a hundred thousand entries). */
static const struct member **by_name(const struct listing *l)
{
	const struct member **v = malloc((l->n ? l->n : 1) * sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		v[i] = &l->m[i];
	qsort(v, l->n, sizeof *v, cmp_member);
	return v;
}

static void member_fields(struct xout *o, const char *p, const struct member *a, const struct member *b)
{
	char t[400];
	size_t n = 0;
	t[0] = '\0';
#define FIELD(cond, ...) \
	do { \
		if ((cond) && n < sizeof t) \
			n += (size_t)snprintf(t + n, sizeof t - n, "%s", n ? ", " : ""), \
				n += (size_t)snprintf(t + n, sizeof t - n, __VA_ARGS__); \
	} while (0)
	FIELD(a->type != b->type, "type %o vs %o", a->type, b->type);
	FIELD(a->mode != b->mode, "mode %04o vs %04o", a->mode, b->mode);
	FIELD(a->uid != b->uid, "uid %lld vs %lld", a->uid, b->uid);
	FIELD(a->gid != b->gid, "gid %lld vs %lld", a->gid, b->gid);
	FIELD(a->mtime != b->mtime, "mtime %lld vs %lld", a->mtime, b->mtime);
	FIELD(a->size != b->size, "size %lld vs %lld", a->size, b->size);
	FIELD((a->link || b->link) && (!a->link || !b->link || strcmp(a->link, b->link)), "link -> %.100s vs -> %.100s",
	      a->link ? a->link : "(none)", b->link ? b->link : "(none)");
#undef FIELD
	if (n)
		xline(o, p, "%s", t);
}

void xarchive(struct xout *o, const char *prefix, const unsigned char *a, size_t na, const unsigned char *b,
	      size_t nb, int depth)
{
	struct listing la, lb;
	bool oka = list_archive(o, a, na, &la), okb = list_archive(o, b, nb, &lb);
	gzip_header(o, prefix, a, na, b, nb);
	if (!oka || !okb || strcmp(la.kind, lb.kind)) {
		size_t n = na < nb ? na : nb;
		xregions_line(o, prefix, a, b, n, 0, NULL, NULL);
		listing_free(&la);
		listing_free(&lb);
		return;
	}
	char p[600];
	if (!la.kind[0]) {
		/* compressed, no archive: the data itself */
		snprintf(p, sizeof p, "%s%s, decompressed: ", prefix, la.filter);
		const struct member *ma = &la.m[0], *mb = &lb.m[0];
		if (ma->len != mb->len || memcmp(ma->data, mb->data, ma->len))
			xbuffers(o, p, ma->data ? ma->data : (const unsigned char *)"", ma->len,
				 mb->data ? mb->data : (const unsigned char *)"", mb->len, depth);
		listing_free(&la);
		listing_free(&lb);
		return;
	}
	/* the order first: an archive built from readdir order differs there */
	size_t common = la.n < lb.n ? la.n : lb.n;
	for (size_t i = 0; i < common; i++)
		if (strcmp(la.m[i].name, lb.m[i].name)) {
			xline(o, prefix, "%s: the members' order differs from member %zu on (A: %.100s, B: %.100s)", la.kind,
			      i + 1, la.m[i].name, lb.m[i].name);
			break;
		}
	const struct member **sa = by_name(&la), **sb = by_name(&lb);
	/* twice: the count of differing members first, then each of them */
	for (int pass = 0; pass < 2 && sa && sb; pass++) {
		size_t i = 0, j = 0, differ = 0;
		while ((i < la.n || j < lb.n) && !xexpired(o)) {
			int c = i == la.n ? 1 : j == lb.n ? -1 : strcmp(sa[i]->name, sb[j]->name);
			snprintf(p, sizeof p, "%s%s member %.200s: ", prefix, la.kind, c <= 0 ? sa[i]->name : sb[j]->name);
			if (c != 0) {
				differ++;
				if (pass)
					xline(o, p, "only in %s", c < 0 ? "A" : "B");
				c < 0 ? i++ : j++;
				continue;
			}
			const struct member *ma = sa[i++], *mb = sb[j++];
			bool data = ma->len != mb->len || (ma->len && memcmp(ma->data, mb->data, ma->len));
			bool fields = ma->type != mb->type || ma->mode != mb->mode || ma->uid != mb->uid ||
				      ma->gid != mb->gid || ma->mtime != mb->mtime || ma->size != mb->size ||
				      ((ma->link || mb->link) && (!ma->link || !mb->link || strcmp(ma->link, mb->link)));
			if (!data && !fields)
				continue;
			differ++;
			if (!pass)
				continue;
			member_fields(o, p, ma, mb);
			if (data)
				xbuffers(o, p, ma->data ? ma->data : (const unsigned char *)"", ma->len,
					 mb->data ? mb->data : (const unsigned char *)"", mb->len, depth);
		}
		if (!pass)
			xline(o, prefix, "%s%s%s: %zu of %zu members differ", la.filter, la.filter[0] ? "-compressed " : "",
			      la.kind, differ, la.n > lb.n ? la.n : lb.n);
	}
	free(sa);
	free(sb);
	listing_free(&la);
	listing_free(&lb);
}
