#define _GNU_SOURCE
#include "compare.h"

#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../../common/inomap.h"
#include "../../common/json.h"
#include "../../common/walk.h"
#include "../../common/termsafe.h"

struct ctx {
	struct comparison *c;
	size_t cap;   /* of c->diffs */
	struct inomap la, lb;  /* the first name, within its tree, of each linked file */
	struct cl_err *err;
	char *bufa, *bufb;
};

static int add(struct ctx *x, const char *path, const char *what, long long offset, const char *fmt, ...)
{
	struct comparison *c = x->c;
	if (c->n == x->cap) {
		/* doubling: a list of 40,000 differences costs 16 moves, not 40,000 */
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct difference *d = realloc(c->diffs, cap * sizeof *d);
		if (!d)
			return cl_err_set(x->err, ENOMEM, "comparing");
		c->diffs = d;
		x->cap = cap;
	}
	struct difference *d = &c->diffs[c->n];
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&d->detail, fmt, ap);
	va_end(ap);
	d->path = strdup(path);
	if (n < 0 || !d->path) {
		if (n >= 0)
			free(d->detail);
		free(d->path);
		return cl_err_set(x->err, ENOMEM, "comparing");
	}
	snprintf(d->what, sizeof d->what, "%s", what);
	d->offset = offset;
	c->n++;
	return 0;
}

/* A short printable view of bytes around a difference. */
static void context(const unsigned char *p, size_t len, char *out, size_t olen)
{
	bool text = true;
	for (size_t i = 0; i < len; i++)
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\t')
			text = false;
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < len && o + 5 < olen; i++) {
		/* DEL and bytes past ASCII are escaped too: a report is shown on
		 * a terminal (termsafe.h) */
		if (text && (p[i] >= 0x7f || (p[i] < 0x20 && p[i] != '\n' && p[i] != '\t')))
			o += (size_t)snprintf(out + o, olen - o, "\\x%02x", p[i]);
		else if (text)
			o += (size_t)snprintf(out + o, olen - o, p[i] == '\n' ? "\\n" : p[i] == '\t' ? "\\t" : "%c", p[i]);
		else
			o += (size_t)snprintf(out + o, olen - o, "%02x", p[i]);
	}
}

/* Two buffers of this size stay in a core's L2 cache between the read and
 * the compare: 1 MiB chunks measured 3 times slower (bench/compare). */
#define CHUNK (1 << 16)

static int compare_content(struct ctx *x, int fa, int fb, const char *path, off_t sa, off_t sb)
{
	long long off = 0;
	for (;;) {
		/* Holes at the same place in both read as the same zeros: skip
		 * them (a sparse image need not be read through).  Asked only
		 * of large files: a small one is read in one go anyway. */
		if ((sa > CHUNK || sb > CHUNK) && off < sa && off < sb) {
			off_t da = lseek(fa, (off_t)off, SEEK_DATA);
			int ea = da < 0 ? errno : 0;
			off_t db = lseek(fb, (off_t)off, SEEK_DATA);
			int eb = db < 0 ? errno : 0;
			if (ea == ENXIO && eb == ENXIO && sa == sb)
				return 0; /* nothing but holes left in both */
			if ((da >= 0 || ea == ENXIO) && (db >= 0 || eb == ENXIO)) {
				off_t next = ea ? sa : da, nb = eb ? sb : db, end = sa < sb ? sa : sb;
				if (nb < next)
					next = nb;
				if (end < next)
					next = end;
				if (next > (off_t)off)
					off = next;
			}
		}
		ssize_t na = pread(fa, x->bufa, CHUNK, (off_t)off);
		ssize_t nb = pread(fb, x->bufb, CHUNK, (off_t)off);
		if (na < 0 || nb < 0)
			return cl_err_set(x->err, errno, "reading %s", path);
		x->c->bytes += (unsigned long long)(na + nb);
		ssize_t n = na < nb ? na : nb;
		if (memcmp(x->bufa, x->bufb, (size_t)n) != 0 || na != nb) {
			ssize_t i = 0;
			while (i < n && x->bufa[i] == x->bufb[i])
				i++;
			char ca[80], cb[80];
			size_t from = (size_t)(i >= 8 ? i - 8 : 0);
			context((unsigned char *)x->bufa + from, (size_t)(na - (ssize_t)from < 24 ? na - (ssize_t)from : 24), ca, sizeof ca);
			context((unsigned char *)x->bufb + from, (size_t)(nb - (ssize_t)from < 24 ? nb - (ssize_t)from : 24), cb, sizeof cb);
			if (sa != sb)
				return add(x, path, "size", off + i, "%lld vs %lld bytes; first difference at byte %lld: "
					   "A \"%s\" B \"%s\"", (long long)sa, (long long)sb, off + i, ca, cb);
			return add(x, path, "content", off + i, "first difference at byte %lld of %lld: A \"%s\" B \"%s\"",
				   off + i, (long long)sa, ca, cb);
		}
		if (na == 0)
			return 0;
		off += na;
		/* equal so far and both at their (equal) size: no need to read
		 * the end of file */
		if (sa == sb && off >= (long long)sa)
			return 0;
	}
}

static const char *type_name(mode_t m)
{
	return S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "symlink" : S_ISREG(m) ? "file" : "special";
}

/* One path present in both trees. */
static int compare_entry(struct ctx *x, const struct walk_entry *ea, const struct walk_entry *eb)
{
	const char *path = ea->path;
	const struct stat *sa = &ea->st, *sb = &eb->st;
	x->c->paths++;
	if ((sa->st_mode & S_IFMT) != (sb->st_mode & S_IFMT))
		return add(x, path, "type", -1, "%s vs %s", type_name(sa->st_mode), type_name(sb->st_mode));
	if ((sa->st_mode & 07777) != (sb->st_mode & 07777))
		TRY(add(x, path, "mode", -1, "%04o vs %04o", (unsigned)(sa->st_mode & 07777),
			(unsigned)(sb->st_mode & 07777)));
	if (S_ISLNK(sa->st_mode)) {
		char ta[PATH_MAX + 1], tb[PATH_MAX + 1];
		ssize_t la = readlinkat(ea->dfd, ea->name, ta, sizeof ta - 1);
		ssize_t lb = readlinkat(eb->dfd, eb->name, tb, sizeof tb - 1);
		if (la < 0 || lb < 0)
			return cl_err_set(x->err, errno, "readlink %s", path);
		ta[la] = tb[lb] = '\0';
		if (la != lb || memcmp(ta, tb, (size_t)la) != 0)
			return add(x, path, "target", -1, "-> %s vs -> %s", ta, tb);
		return 0;
	}
	if (!S_ISREG(sa->st_mode))
		return 0;
	/* The hard-link structure within each tree: a file's first name there
	 * (its own when it has no earlier one).  Links to files outside the
	 * trees are not part of them. */
	const char *ga, *gb;
	TRY(inomap_leader(&x->la, sa, path, &ga, x->err));
	TRY(inomap_leader(&x->lb, sb, path, &gb, x->err));
	if (strcmp(ga ? ga : path, gb ? gb : path) != 0)
		TRY(add(x, path, "hard links", -1, "A: %s%s; B: %s%s", ga ? "the same file as " : "a file of its own",
			ga ? ga : "", gb ? "the same file as " : "a file of its own", gb ? gb : ""));
	_cleanup_close_ int fa = openat(ea->dfd, ea->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int fb = openat(eb->dfd, eb->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fa < 0 || fb < 0)
		return cl_err_set(x->err, errno, "opening %s", path);
	return compare_content(x, fa, fb, path, sa->st_size, sb->st_size);
}

/* Both trees in walk order at once, like a merge: a path only one side
 * has is missing or extra (and what lies below it is not listed). */
static int walk_both(struct ctx *x, struct walk *wa, struct walk *wb)
{
	const struct walk_entry *ea = NULL, *eb = NULL;
	int ra = walk_next(wa, &ea, x->err);
	int rb = ra < 0 ? 0 : walk_next(wb, &eb, x->err);
	while (ra > 0 || rb > 0) {
		if (ra < 0 || rb < 0)
			return ra < 0 ? ra : rb;
		int c = ra == 0 ? 1 : rb == 0 ? -1 : walk_path_cmp(ea->path, eb->path);
		int r;
		if (c < 0) {
			r = add(x, ea->path, "missing in B", -1, "present in A only");
			walk_skip(wa);
		} else if (c > 0) {
			r = add(x, eb->path, "extra in B", -1, "present in B only");
			walk_skip(wb);
		} else {
			r = compare_entry(x, ea, eb);
			if ((ea->st.st_mode & S_IFMT) != (eb->st.st_mode & S_IFMT)) {
				walk_skip(wa);
				walk_skip(wb);
			}
		}
		TRY(r);
		if (c <= 0)
			ra = walk_next(wa, &ea, x->err);
		if (c >= 0 && ra >= 0)
			rb = walk_next(wb, &eb, x->err);
	}
	return ra < 0 ? ra : rb < 0 ? rb : 0;
}

int compare_trees(const char *a, const char *b, struct comparison *c, struct cl_err *err)
{
	struct ctx x = { .c = c, .err = err };
	memset(c, 0, sizeof *c);
	_cleanup_close_ int da = open(a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int db = open(b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (da < 0)
		return cl_err_set(err, errno, "%s", a);
	if (db < 0)
		return cl_err_set(err, errno, "%s", b);
	struct walk *wa = NULL, *wb = NULL;
	int r = walk_open(da, 0, &wa, err);
	if (r == 0)
		r = walk_open(db, 0, &wb, err);
	x.bufa = malloc(CHUNK);
	x.bufb = malloc(CHUNK);
	if (r == 0)
		r = x.bufa && x.bufb ? walk_both(&x, wa, wb) : cl_err_set(err, ENOMEM, "comparing");
	walk_close(wa);
	walk_close(wb);
	free(x.bufa);
	free(x.bufb);
	inomap_free(&x.la);
	inomap_free(&x.lb);
	if (r < 0)
		comparison_free(c);
	return r;
}

void comparison_free(struct comparison *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->diffs[i].path);
		free(c->diffs[i].detail);
	}
	free(c->diffs);
	c->diffs = NULL;
	c->n = 0;
}
void comparison_print(const struct comparison *c, const char *a, const char *b, size_t limit, FILE *f)
{
	if (c->n == 0) {
		fprintf(f, "identical: %zu paths compared\n", c->paths);
		return;
	}
	fprintf(f, "%zu difference%s between\n  A %s\n  B %s\n", c->n, c->n == 1 ? "" : "s", a, b);
	/* names and details come from the build: escaped for the terminal */
	for (size_t i = 0; i < c->n && (!limit || i < limit); i++) {
		/* as long as they are: a path is never cut */
		size_t pl = termsafe_room(strlen(c->diffs[i].path)), dl = termsafe_room(strlen(c->diffs[i].detail));
		_cleanup_free_ char *path = malloc(pl), *detail = malloc(dl);
		if (!path || !detail)
			break;
		fprintf(f, "  %s: %s: %s\n", termsafe_str(c->diffs[i].path, path, pl), c->diffs[i].what,
			termsafe_str(c->diffs[i].detail, detail, dl));
	}
	if (limit && c->n > limit)
		fprintf(f, "  ... and %zu more\n", c->n - limit);
}


void comparison_json(const struct comparison *c, FILE *f)
{
	fputc('[', f);
	for (size_t i = 0; i < c->n; i++) {
		fprintf(f, "%s\n    {\"path\": ", i ? "," : "");
		json_str(f, c->diffs[i].path);
		fprintf(f, ", \"what\": ");
		json_str(f, c->diffs[i].what);
		fprintf(f, ", \"detail\": ");
		json_str(f, c->diffs[i].detail);
		fprintf(f, ", \"offset\": %lld}", c->diffs[i].offset);
	}
	fprintf(f, "%s]", c->n ? "\n  " : "");
}
