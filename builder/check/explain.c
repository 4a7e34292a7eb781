#define _GNU_SOURCE
#include "explain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "explain_internal.h"
#include "../../common/termsafe.h"

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void xline(struct xout *o, const char *prefix, const char *fmt, ...)
{
	if (o->lines >= EXPLAIN_MAX_LINES) {
		o->cut = true;
		return;
	}
	/* names, strings and link targets come from files a build wrote:
	 * the whole line is made safe for a terminal (termsafe.h) */
	char line[2048], safe[termsafe_room(sizeof line)];
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(line, sizeof line, "%s", prefix);
	if (n >= 0 && (size_t)n < sizeof line)
		vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(o->f, "%s%s\n", o->indent, termsafe_str(line, safe, sizeof safe));
	o->lines++;
}

bool xexpired(struct xout *o)
{
	if (mono_s() <= o->deadline)
		return false;
	o->cut = true;
	return true;
}

/* Equal runs shorter than this inside a difference do not end it: a
 * changed number or string is one region, not several. */
#define REGION_GAP 8

size_t xregions(const unsigned char *a, const unsigned char *b, size_t n, struct xregion *r, size_t max)
{
	size_t count = 0, i = 0;
	while (i < n && count < EXPLAIN_MAX_COUNT) {
		/* equal words go by fast */
		while (i + 8 <= n && memcmp(a + i, b + i, 8) == 0)
			i += 8;
		while (i < n && a[i] == b[i])
			i++;
		if (i >= n)
			break;
		size_t start = i, end = i + 1, equal = 0;
		for (i++; i < n && equal < REGION_GAP; i++) {
			if (a[i] == b[i]) {
				equal++;
			} else {
				equal = 0;
				end = i + 1;
			}
		}
		if (count < max)
			r[count] = (struct xregion){ start, end };
		count++;
		i = end;
	}
	return count;
}

#define LISTED_REGIONS 3

void xregions_line(struct xout *o, const char *prefix, const unsigned char *a, const unsigned char *b, size_t n,
		   size_t base, xname_fn name_of, void *ctx)
{
	struct xregion r[LISTED_REGIONS];
	size_t count = xregions(a, b, n, r, LISTED_REGIONS);
	if (!count)
		return;
	char text[600];
	size_t t = (size_t)snprintf(text, sizeof text, "%s%zu differing region%s:", count >= EXPLAIN_MAX_COUNT ? "at least " : "",
				    count, count == 1 ? "" : "s");
	for (size_t i = 0; i < count && i < LISTED_REGIONS && t < sizeof text; i++) {
		char where[200] = "";
		const char *name = name_of ? name_of(ctx, r[i].start, where, sizeof where) : "";
		char span[64];
		if (r[i].end - r[i].start == 1)
			snprintf(span, sizeof span, "0x%zx", base + r[i].start);
		else
			snprintf(span, sizeof span, "0x%zx-0x%zx", base + r[i].start, base + r[i].end - 1);
		t += (size_t)snprintf(text + t, sizeof text - t, "%s %s%s%s%s", i ? "," : "", span, *name ? " (" : "",
				      name, *name ? ")" : "");
	}
	if (count > LISTED_REGIONS && t < sizeof text)
		snprintf(text + t, sizeof text - t, ", ...");
	xline(o, prefix, "%s", text);
}

/* The Linux x86 boot protocol: a boot sector and real-mode setup, then
 * the protected-mode kernel, which holds the compressed vmlinux (the
 * payload) between its decompressor's code and data. */
struct bzimage {
	size_t setup;                 /* bytes of the boot sector and setup */
	size_t payload, payload_len;  /* the payload's offset in the file, and length */
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool bzimage_parse(const unsigned char *p, size_t n, struct bzimage *z)
{
	if (n < 0x250 || p[0x1fe] != 0x55 || p[0x1ff] != 0xaa || memcmp(p + 0x202, "HdrS", 4))
		return false;
	unsigned sects = p[0x1f1] ? p[0x1f1] : 4;
	z->setup = (sects + 1) * 512;
	/* payload_offset and _length exist from protocol 2.08 */
	unsigned version = p[0x206] | (unsigned)p[0x207] << 8;
	z->payload = z->payload_len = 0;
	if (version >= 0x208) {
		z->payload = z->setup + le32(p + 0x248);
		z->payload_len = le32(p + 0x24c);
	}
	return z->setup <= n && z->payload + z->payload_len <= n;
}

static void xbzimage(struct xout *o, const char *prefix, const unsigned char *a, size_t na, const unsigned char *b,
		     size_t nb, const struct bzimage *za, const struct bzimage *zb)
{
	char p[400];
	if (za->setup != zb->setup)
		xline(o, prefix, "bzImage: the setup is %zu vs %zu bytes", za->setup, zb->setup);
	if (za->payload != zb->payload || za->payload_len != zb->payload_len)
		xline(o, prefix, "bzImage: the compressed payload (vmlinux) is %zu bytes at 0x%zx vs %zu at 0x%zx",
		      za->payload_len, za->payload, zb->payload_len, zb->payload);
	/* part by part, as far as both have them at the same place */
	struct { const char *name; size_t from, to; } parts[] = {
		{ "setup (boot sector and real-mode code)", 0, za->setup },
		{ "protected-mode code before the payload", za->setup, za->payload_len ? za->payload : na },
		{ "compressed payload (vmlinux)", za->payload, za->payload + za->payload_len },
		{ "protected-mode code after the payload", za->payload + za->payload_len, na },
	};
	for (size_t i = 0; i < sizeof parts / sizeof *parts && !xexpired(o); i++) {
		size_t from = parts[i].from, to = parts[i].to < nb ? parts[i].to : nb;
		if (to <= from || (i >= 2 && !za->payload_len))
			continue;
		snprintf(p, sizeof p, "%sbzImage %s: ", prefix, parts[i].name);
		xregions_line(o, p, a + from, b + from, to - from, from, NULL, NULL);
	}
}

void xbuffers(struct xout *o, const char *prefix, const unsigned char *a, size_t na, const unsigned char *b,
	      size_t nb, int depth)
{
	struct bzimage za, zb;
	if (xexpired(o))
		return;
	if (xelf_is(a, na) && xelf_is(b, nb)) {
		xelf(o, prefix, a, na, b, nb);
		return;
	}
	if (depth < 3 && xarchive_is(a, na) && xarchive_is(b, nb)) {
		xarchive(o, prefix, a, na, b, nb, depth + 1);
		return;
	}
	if (bzimage_parse(a, na, &za) && bzimage_parse(b, nb, &zb)) {
		xbzimage(o, prefix, a, na, b, nb, &za, &zb);
		return;
	}
	size_t n = na < nb ? na : nb;
	xregions_line(o, prefix, a, b, n, 0, NULL, NULL);
	if (na != nb)
		xline(o, prefix, "%s is longer by %zu bytes (from 0x%zx)", na > nb ? "A" : "B", na > nb ? na - nb : nb - na, n);
}

/* Maps at most EXPLAIN_MAX_BYTES of a file. */
static int map_file(const char *path, const unsigned char **p, size_t *n, struct cl_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return cl_err_set(err, errno, "%s", path);
	*n = (size_t)st.st_size < EXPLAIN_MAX_BYTES ? (size_t)st.st_size : EXPLAIN_MAX_BYTES;
	*p = NULL;
	if (*n == 0)
		return 0;
	void *m = mmap(NULL, *n, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return cl_err_set(err, errno, "mapping %s", path);
	*p = m;
	return 0;
}

int explain_files(const char *a, const char *b, const char *indent, FILE *f, struct cl_err *err)
{
	const unsigned char *pa = NULL, *pb = NULL;
	size_t na = 0, nb = 0;
	TRY(map_file(a, &pa, &na, err));
	int r = map_file(b, &pb, &nb, err);
	if (r < 0) {
		if (pa)
			munmap((void *)pa, na);
		return r;
	}
	static const unsigned char empty[1];
	struct xout o = { .f = f, .indent = indent, .deadline = mono_s() + EXPLAIN_MAX_SECONDS };
	xbuffers(&o, "", pa ? pa : empty, na, pb ? pb : empty, nb, 0);
	if (o.cut) {
		fprintf(f, "%s(and more: the view is bounded to %d lines, %u MiB (%u MiB unpacked) and %.0f s a file)\n",
			indent, EXPLAIN_MAX_LINES, EXPLAIN_MAX_BYTES >> 20, EXPLAIN_MAX_UNPACKED >> 20, EXPLAIN_MAX_SECONDS);
		o.lines++;
	}
	if (pa)
		munmap((void *)pa, na);
	if (pb)
		munmap((void *)pb, nb);
	return (int)o.lines;
}
