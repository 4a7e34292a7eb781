/* See hostscan.h. */
#define _GNU_SOURCE
#include "hostscan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../../common/walk.h"

static const char *const kind_names[HS_N_KINDS] = HOSTSCAN_KIND_NAMES;
static const char *const kind_what[HS_N_KINDS] = {
	"the host's kernel release", "the host's kernel version", "the host's name", "the host user's name",
	"the host user's home", "the host's machine-id", "the host's build directory",
	"the host's store path", "the host's cloister home", "a path into the sandbox's",
};

unsigned hostscan_kind_bit(const char *name)
{
	for (int k = 0; k < HS_N_KINDS; k++)
		if (!strcmp(name, kind_names[k]))
			return 1u << k;
	return 0;
}

const char *hostscan_kind_name(enum hostscan_kind k)
{
	return kind_names[k];
}

enum bound { B_NONE, B_WORD, B_PATH };

struct needle {
	char *text;
	size_t len;
	enum hostscan_kind kind;
	enum bound bound;
};

struct state {
	int next[256];
	int fail;
	int out;     /* the longest needle ending here, or -1 */
	int dict;    /* the next state on the fail chain with a needle, or 0 */
};

struct hostscan {
	struct needle *needles;
	size_t n;
	struct state *st;
	size_t n_st;
	/* For speed (most bytes of an output start no needle): the bytes
	 * that leave the root state, and the states where a needle ends. */
	bool first[256];
	unsigned char *ends;
};

static bool word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-' || c == '.' || c == '+';
}

static int add_needle(struct hostscan *hs, const char *text, enum hostscan_kind kind, enum bound b)
{
	size_t len = strlen(text);
	while (len > 1 && b == B_PATH && text[len - 1] == '/')
		len--;
	/* shorter needles would match ordinary text: left out, and said so */
	if (len < 4)
		return 0;
	for (size_t i = 0; i < hs->n; i++)
		if (hs->needles[i].len == len && !memcmp(hs->needles[i].text, text, len))
			return 0;
	struct needle *v = realloc(hs->needles, (hs->n + 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	hs->needles = v;
	char *t = strndup(text, len);
	if (!t)
		return -ENOMEM;
	v[hs->n++] = (struct needle){ t, len, kind, b };
	return 0;
}

static int new_state(struct hostscan *hs)
{
	struct state *s = realloc(hs->st, (hs->n_st + 1) * sizeof *s);
	if (!s)
		return -ENOMEM;
	hs->st = s;
	memset(&s[hs->n_st], 0, sizeof *s);
	s[hs->n_st].out = -1;
	return (int)hs->n_st++;
}

/* The automaton, as a full transition table. */
static int compile(struct hostscan *hs)
{
	if (new_state(hs) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < hs->n; i++) {
		int s = 0;
		for (size_t j = 0; j < hs->needles[i].len; j++) {
			unsigned char c = (unsigned char)hs->needles[i].text[j];
			if (!hs->st[s].next[c]) {
				int t = new_state(hs);
				if (t < 0)
					return -ENOMEM;
				hs->st[s].next[c] = t;
			}
			s = hs->st[s].next[c];
		}
		if (hs->st[s].out < 0 || hs->needles[hs->st[s].out].len < hs->needles[i].len)
			hs->st[s].out = (int)i;
	}
	int *queue = malloc(hs->n_st * sizeof *queue);
	if (!queue)
		return -ENOMEM;
	size_t head = 0, tail = 0;
	for (int c = 0; c < 256; c++)
		if (hs->st[0].next[c])
			queue[tail++] = hs->st[0].next[c];
	while (head < tail) {
		int s = queue[head++];
		for (int c = 0; c < 256; c++) {
			int t = hs->st[s].next[c];
			int f = hs->st[hs->st[s].fail].next[c];
			if (!t) {
				hs->st[s].next[c] = f;
				continue;
			}
			hs->st[t].fail = f;
			hs->st[t].dict = hs->st[f].out >= 0 ? f : hs->st[f].dict;
			queue[tail++] = t;
		}
	}
	free(queue);
	for (int c = 0; c < 256; c++)
		hs->first[c] = hs->st[0].next[c] != 0;
	hs->ends = malloc(hs->n_st);
	if (!hs->ends)
		return -ENOMEM;
	for (size_t i = 0; i < hs->n_st; i++)
		hs->ends[i] = hs->st[i].out >= 0 || hs->st[i].dict > 0;
	return 0;
}

int hostscan_new(struct hostscan **out, const char *stage, const char *store, const char *home,
		 struct cl_err *err)
{
	struct hostscan *hs = calloc(1, sizeof *hs);
	struct utsname u;
	int r = 0;
	if (!hs)
		return cl_err_set(err, ENOMEM, "the host-facts scan");
	if (uname(&u) == 0) {
		r = add_needle(hs, u.release, HS_KERNEL_RELEASE, B_WORD);
		if (r == 0)
			r = add_needle(hs, u.version, HS_KERNEL_VERSION, B_NONE);
		/* a name every machine has says nothing about this one */
		if (r == 0 && strcmp(u.nodename, "localhost") && strcmp(u.nodename, "(none)"))
			r = add_needle(hs, u.nodename, HS_HOSTNAME, B_WORD);
	}
	struct passwd *pw = getpwuid(geteuid());
	const char *user = pw ? pw->pw_name : getenv("USER");
	if (r == 0 && user && strcmp(user, "root") && strcmp(user, "nobody"))
		r = add_needle(hs, user, HS_USER, B_WORD);
	const char *h = getenv("HOME");
	if (!h && pw)
		h = pw->pw_dir;
	if (r == 0 && h && strcmp(h, "/root") && strcmp(h, "/nonexistent") && strcmp(h, "/tmp"))
		r = add_needle(hs, h, HS_HOME, B_PATH);
	char id[64] = "";
	FILE *f = fopen("/etc/machine-id", "re");
	if (f) {
		if (fgets(id, sizeof id, f))
			id[strcspn(id, "\n")] = '\0';
		fclose(f);
	}
	if (r == 0 && id[0])
		r = add_needle(hs, id, HS_MACHINE_ID, B_WORD);
	if (r == 0 && stage)
		r = add_needle(hs, stage, HS_BUILD_PATH, B_PATH);
	if (r == 0 && store)
		r = add_needle(hs, store, HS_STORE_PATH, B_PATH);
	if (r == 0 && home)
		r = add_needle(hs, home, HS_CLOISTER_HOME, B_PATH);
	if (r == 0)
		r = add_needle(hs, "/build", HS_SANDBOX_PATH, B_PATH);
	if (r == 0)
		r = add_needle(hs, "/out", HS_SANDBOX_PATH, B_PATH);
	if (r == 0)
		r = compile(hs);
	if (r < 0) {
		hostscan_free(hs);
		return cl_err_set(err, -r, "the host-facts scan");
	}
	*out = hs;
	return 0;
}

void hostscan_free(struct hostscan *hs)
{
	if (!hs)
		return;
	for (size_t i = 0; i < hs->n; i++)
		free(hs->needles[i].text);
	free(hs->needles);
	free(hs->st);
	free(hs->ends);
	free(hs);
}

static bool bounded(const struct needle *nd, const unsigned char *p, size_t n, size_t start)
{
	size_t end = start + nd->len;
	if (nd->bound == B_NONE)
		return true;
	unsigned char before = start ? p[start - 1] : 0, after = end < n ? p[end] : 0;
	if (nd->bound == B_WORD)
		return !word_char(before) && !word_char(after);
	return !word_char(before) && before != '/' && (after == '/' || !word_char(after));
}

/* The longest needle that matches at start: a store path is reported as
 * that, not as the cloister home it lies under. */
static const struct needle *longest_at(const struct hostscan *hs, const struct needle *nd,
				       const unsigned char *p, size_t n, size_t start)
{
	for (size_t i = 0; i < hs->n; i++) {
		const struct needle *o = &hs->needles[i];
		if (o->len > nd->len && start + o->len <= n && !memcmp(p + start, o->text, o->len) &&
		    bounded(o, p, n, start))
			nd = o;
	}
	return nd;
}

/* The first hit in p (of a kind not allowed): its needle, with *offset. */
static const struct needle *scan(const struct hostscan *hs, const unsigned char *p, size_t n,
				 unsigned allowed, size_t *offset)
{
	int s = 0;
	for (size_t i = 0; i < n;) {
		/* in the root state, skip to a byte that can begin a needle:
		 * a table look-up per byte instead of a walk of the automaton */
		if (s == 0) {
			while (i < n && !hs->first[p[i]])
				i++;
			if (i == n)
				break;
		}
		s = hs->st[s].next[p[i++]];
		if (!hs->ends[s])
			continue;
		for (int t = hs->st[s].out >= 0 ? s : hs->st[s].dict; t > 0; t = hs->st[t].dict) {
			const struct needle *nd = &hs->needles[hs->st[t].out];
			size_t start = i - nd->len;
			if (!bounded(nd, p, n, start))
				continue;
			nd = longest_at(hs, nd, p, n, start);
			if (allowed & (1u << nd->kind))
				break;
			*offset = start;
			return nd;
		}
	}
	return NULL;
}

static void hit(FILE *report, const char *path, const struct needle *nd, const char *how, size_t offset)
{
	fprintf(report, "%s %s %s %s", path, how, kind_what[nd->kind], nd->text);
	if (!strcmp(how, "embeds"))
		fprintf(report, " at offset %zu", offset);
	fprintf(report, " (allow with 'allow-host-facts: %s')\n", kind_names[nd->kind]);
}

int hostscan_entry(const struct hostscan *hs, const struct walk_entry *e, const void *data, unsigned allowed,
		   FILE *report, struct cl_err *err)
{
	const struct needle *nd;
	size_t off;
	if (S_ISLNK(e->st.st_mode)) {
		char target[PATH_MAX + 1];
		ssize_t tl = readlinkat(e->dfd, e->name, target, sizeof target - 1);
		if (tl < 0)
			return cl_err_set(err, errno, "reading the symlink %s", e->path);
		target[tl] = '\0';
		if ((nd = scan(hs, (const unsigned char *)target, (size_t)tl, allowed, &off))) {
			hit(report, e->path, nd, "is a symlink to", off);
			return 1;
		}
		return 0;
	}
	if (!S_ISREG(e->st.st_mode) || e->st.st_size == 0)
		return 0;
	void *m = NULL;
	if (!data) {
		_cleanup_close_ int f = openat(e->dfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (f < 0)
			return cl_err_set(err, errno, "scanning %s", e->path);
		m = mmap(NULL, (size_t)e->st.st_size, PROT_READ, MAP_PRIVATE, f, 0);
		if (m == MAP_FAILED)
			return cl_err_set(err, errno, "scanning %s", e->path);
		madvise(m, (size_t)e->st.st_size, MADV_SEQUENTIAL);
		data = m;
	}
	int found = 0;
	if ((nd = scan(hs, data, (size_t)e->st.st_size, allowed, &off))) {
		hit(report, e->path, nd, "embeds", off);
		found = 1;
	}
	if (m)
		munmap(m, (size_t)e->st.st_size);
	return found;
}
