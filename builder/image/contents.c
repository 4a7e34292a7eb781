#define _GNU_SOURCE
#include "contents.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"

static const char *const type_names[] = { "file", "dir", "nod", "slink", "pipe", "sock" };

/* The syntax of each type, for messages and the field count. */
static const struct {
	const char *usage;
	int fields;    /* after the keyword; file may have more (hard links) */
} syntax[] = {
	{ "file NAME LOCATION MODE UID GID [HARDLINK...]", 5 },
	{ "dir NAME MODE UID GID", 4 },
	{ "nod NAME MODE UID GID b|c MAJOR MINOR", 7 },
	{ "slink NAME TARGET MODE UID GID", 5 },
	{ "pipe NAME MODE UID GID", 4 },
	{ "sock NAME MODE UID GID", 4 },
};

const char *contents_type_name(enum contents_type t)
{
	return (unsigned)t < 6 ? type_names[t] : "?";
}

static void line_free(struct contents_line *l)
{
	free(l->name);
	free(l->location);
	for (size_t i = 0; i < l->n_links; i++)
		free(l->links[i]);
	free(l->links);
}

void contents_free(struct contents *c)
{
	for (size_t i = 0; i < c->n; i++)
		line_free(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

static int parse_number(const char *s, unsigned long max, int base, unsigned *out)
{
	size_t n = strlen(s);
	const char *digits = base == 8 ? "01234567" : "0123456789";
	if (n == 0 || n > 10 || strspn(s, digits) != n)
		return -1;
	unsigned long v = strtoul(s, NULL, base);
	if (v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* A relative LOCATION: normal components, staying below its base. */
static const char *location_problem(const char *loc)
{
	char abs[FS_PATH_MAX + 1];
	if (loc[0] == '/')
		return "must be relative to the folder of the contents file (an absolute path would read the build host)";
	if (snprintf(abs, sizeof abs, "/%s", loc) >= (int)sizeof abs)
		return "is too long";
	const char *bad = fstree_path_problem(abs);
	return bad ? bad : NULL;
}

static int check_name(const char *where, int line, const char *what, const char *name, struct cl_err *err)
{
	const char *bad = fstree_path_problem(name);
	if (bad)
		return cl_err_msg(err, EINVAL, "%s:%d: the %s '%s' %s; write an absolute path like /etc/hosts", where,
				  line, what, name, bad);
	return 0;
}

static int parse_line(char **f, int nf, const char *file, int lineno, struct contents_line *l, struct cl_err *err)
{
	int t;
	for (t = 0; t < 6; t++)
		if (!strcmp(f[0], type_names[t]))
			break;
	if (t == 6)
		return cl_err_msg(err, EINVAL, "%s:%d: unknown type '%s'; one of file dir nod slink pipe sock", file,
				  lineno, f[0]);
	l->type = (enum contents_type)t;
	l->line = lineno;
	int want = syntax[t].fields;
	if (nf - 1 != want && !(t == CT_FILE && nf - 1 > want))
		return cl_err_msg(err, EINVAL, "%s:%d: expected '%s', found %d field%s after '%s'", file, lineno,
				  syntax[t].usage, nf - 1, nf - 1 == 1 ? "" : "s", f[0]);
	TRY(check_name(file, lineno, "NAME", f[1], err));
	int k = 2;
	if (t == CT_FILE || t == CT_SLINK) {
		const char *loc = f[k++];
		if (t == CT_FILE) {
			const char *bad = location_problem(loc);
			if (bad)
				return cl_err_msg(err, EINVAL, "%s:%d: the LOCATION '%s' %s", file, lineno, loc, bad);
		} else if (strlen(loc) >= FS_PATH_MAX) {
			return cl_err_msg(err, EINVAL, "%s:%d: the TARGET is too long", file, lineno);
		}
		if (!(l->location = strdup(loc)))
			return cl_err_set(err, ENOMEM, "%s", file);
	}
	if (parse_number(f[k], 07777, 8, &l->mode) < 0)
		return cl_err_msg(err, EINVAL, "%s:%d: the MODE '%s' must be octal, at most 07777 (like 0644)", file,
				  lineno, f[k]);
	k++;
	if (parse_number(f[k], 4294967294UL, 10, &l->uid) < 0)
		return cl_err_msg(err, EINVAL, "%s:%d: the UID '%s' must be a number (0 is root)", file, lineno, f[k]);
	k++;
	if (parse_number(f[k], 4294967294UL, 10, &l->gid) < 0)
		return cl_err_msg(err, EINVAL, "%s:%d: the GID '%s' must be a number (0 is root)", file, lineno, f[k]);
	k++;
	if (t == CT_NOD) {
		if (strcmp(f[k], "b") && strcmp(f[k], "c"))
			return cl_err_msg(err, EINVAL, "%s:%d: the device type '%s' must be b (block) or c (character)",
					  file, lineno, f[k]);
		l->dev = f[k][0];
		k++;
		/* Linux's dev_t: 12 bits of major, 20 of minor */
		if (parse_number(f[k], 4095, 10, &l->major) < 0)
			return cl_err_msg(err, EINVAL, "%s:%d: the MAJOR '%s' must be a number up to 4095", file, lineno,
					  f[k]);
		k++;
		if (parse_number(f[k], 1048575, 10, &l->minor) < 0)
			return cl_err_msg(err, EINVAL, "%s:%d: the MINOR '%s' must be a number up to 1048575", file,
					  lineno, f[k]);
		k++;
	}
	if (t == CT_FILE && nf > k) {
		l->links = calloc((size_t)(nf - k), sizeof *l->links);
		if (!l->links)
			return cl_err_set(err, ENOMEM, "%s", file);
		for (; k < nf; k++) {
			TRY(check_name(file, lineno, "HARDLINK", f[k], err));
			if (!(l->links[l->n_links++] = strdup(f[k])))
				return cl_err_set(err, ENOMEM, "%s", file);
		}
	}
	return 0;
}

/* Each name once per file: two lines for one path would leave which one
 * counts to the order of the lines. */
static int check_duplicates(const struct contents *c, const struct contents_line *l, const char *file,
			    struct cl_err *err)
{
	const char *names[1 + 64];
	size_t nn = 0;
	names[nn++] = l->name;
	for (size_t i = 0; i < l->n_links && nn < sizeof names / sizeof *names; i++)
		names[nn++] = l->links[i];
	for (size_t a = 0; a < nn; a++) {
		for (size_t b = a + 1; b < nn; b++)
			if (!strcmp(names[a], names[b]))
				return cl_err_msg(err, EINVAL, "%s:%d: %s is named twice on the line", file, l->line, names[a]);
		for (size_t i = 0; i < c->n; i++) {
			const struct contents_line *o = &c->v[i];
			bool same = !strcmp(o->name, names[a]);
			for (size_t k = 0; !same && k < o->n_links; k++)
				same = !strcmp(o->links[k], names[a]);
			if (same)
				return cl_err_msg(err, EINVAL, "%s:%d: %s is already given at line %d; keep one line", file,
						  l->line, names[a], o->line);
		}
	}
	return 0;
}

int contents_parse(const char *text, size_t len, const char *file, struct contents *c, struct cl_err *err)
{
	memset(c, 0, sizeof *c);
	snprintf(c->file, sizeof c->file, "%s", file);
	int lineno = 0, rc = 0;
	size_t cap = 0;
	for (size_t i = 0; rc == 0 && i < len; ) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (text + i)) : len - i;
		const char *p = text + i;
		i += l + 1;
		lineno++;
		if (memchr(p, '\0', l)) {
			rc = cl_err_msg(err, EINVAL, "%s:%d: a NUL byte; the file is not text", file, lineno);
			break;
		}
		if (l >= 64 * 1024) {
			rc = cl_err_msg(err, EINVAL, "%s:%d: the line is too long", file, lineno);
			break;
		}
		_cleanup_free_ char *buf = strndup(p, l);
		if (!buf) {
			rc = cl_err_set(err, ENOMEM, "%s", file);
			break;
		}
		char *f[72], *save = NULL;
		int nf = 0;
		for (char *w = strtok_r(buf, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
			if (nf == 72) {
				rc = cl_err_msg(err, EINVAL, "%s:%d: too many fields (a file has at most 64 hard links)", file,
						lineno);
				break;
			}
			f[nf++] = w;
		}
		if (rc < 0 || nf == 0 || f[0][0] == '#')
			continue;
		if (c->n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct contents_line *v = realloc(c->v, ncap * sizeof *v);
			if (!v) {
				rc = cl_err_set(err, ENOMEM, "%s", file);
				break;
			}
			c->v = v;
			cap = ncap;
		}
		struct contents_line *cl = &c->v[c->n];
		memset(cl, 0, sizeof *cl);
		if (!(cl->name = strdup(f[nf > 1 ? 1 : 0]))) {
			rc = cl_err_set(err, ENOMEM, "%s", file);
			break;
		}
		rc = parse_line(f, nf, file, lineno, cl, err);
		if (rc == 0)
			rc = check_duplicates(c, cl, file, err);
		if (rc < 0) {
			line_free(cl);
			break;
		}
		c->n++;
	}
	if (rc < 0)
		contents_free(c);
	return rc;
}

int contents_load(const char *path, struct contents *c, struct cl_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	struct cl_err e = { 0 };
	memset(c, 0, sizeof *c);
	snprintf(c->file, sizeof c->file, "%s", path);
	if (read_file(path, &text, &len, &e) < 0) {
		if (e.code == ENOENT)
			return 0;
		*err = e;
		return -e.code;
	}
	return contents_parse(text, len, path, c, err);
}

/* The host path of LOCATION below base, checked to be a regular file
 * reached without a symlink and without leaving base. */
static int resolve_location(const char *base, const struct contents *c, const struct contents_line *l,
			    char *host, size_t len, struct stat *st, struct cl_err *err)
{
	_cleanup_close_ int root = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cl_err_set(err, errno, "%s", base);
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = (int)syscall(SYS_openat2, root, l->location, &how, sizeof how);
	if (fd < 0)
		return cl_err_msg(err, errno == ENOENT ? ENOENT : EINVAL, "%s:%d: the LOCATION %s cannot be read "
				  "below %s (%s); it is relative to that folder and may not pass a symlink",
				  c->file, l->line, l->location, base, strerror(errno));
	if (fstat(fd, st) < 0)
		return cl_err_set(err, errno, "%s/%s", base, l->location);
	if (!S_ISREG(st->st_mode))
		return cl_err_msg(err, EINVAL, "%s:%d: the LOCATION %s is not a regular file", c->file, l->line,
				  l->location);
	return pathf(err, host, len, "%s/%s", base, l->location);
}

static int apply_name(const struct contents *c, const struct contents_line *l, const char *name,
		      struct fs_entry *e, struct fstree *t, struct cl_err *err)
{
	e->path = (char *)name;
	struct fs_entry *old = fstree_find(t, name);
	if (old && (old->type == FS_DIR) != (e->type == FS_DIR))
		return cl_err_msg(err, EEXIST, "%s:%d: %s is a %s in %s; a '%s' line cannot replace it", c->file,
				  l->line, name, old->type == FS_DIR ? "directory" : "non-directory",
				  fstree_layer_name(t, old->layer), contents_type_name(l->type));
	if (fstree_parents(t, name, e->layer, err) < 0)
		return cl_err_prefix(err, "%s:%d", c->file, l->line);
	return fstree_put(t, e, NULL, err);
}

int contents_apply(const struct contents *c, const char *base, struct fstree *t, unsigned layer,
		   struct cl_err *err)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct contents_line *l = &c->v[i];
		char host[PATH_MAX];
		struct stat st;
		struct fs_entry e = { .perm = l->mode, .uid = l->uid, .gid = l->gid, .layer = layer };
		switch (l->type) {
		case CT_FILE:
			TRY(resolve_location(base, c, l, host, sizeof host, &st, err));
			e.type = FS_FILE;
			e.source = host;
			e.size = (size_t)st.st_size;
			/* the names of one line are one inode in the image */
			if (l->n_links)
				e.link = ++t->next_link;
			break;
		case CT_DIR: e.type = FS_DIR; break;
		case CT_NOD:
			e.type = l->dev == 'b' ? FS_BLK : FS_CHR;
			e.major = l->major;
			e.minor = l->minor;
			break;
		case CT_SLINK: e.type = FS_SYMLINK; e.data = l->location; break;
		case CT_PIPE: e.type = FS_FIFO; break;
		case CT_SOCK: e.type = FS_SOCK; break;
		}
		TRY(apply_name(c, l, l->name, &e, t, err));
		for (size_t k = 0; k < l->n_links; k++)
			TRY(apply_name(c, l, l->links[k], &e, t, err));
	}
	return 0;
}
