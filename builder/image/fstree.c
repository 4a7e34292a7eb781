#define _GNU_SOURCE
#include "fstree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"

void fstree_init(struct fstree *t)
{
	memset(t, 0, sizeof *t);
}

static void entry_free(struct fs_entry *e)
{
	free(e->path);
	free(e->source);
	free(e->data);
}

void fstree_free(struct fstree *t)
{
	for (size_t i = 0; i < t->n; i++)
		entry_free(&t->v[i]);
	free(t->v);
	free(t->slots);
	for (size_t i = 0; i < t->n_layers; i++)
		free(t->layers[i]);
	free(t->layers);
	memset(t, 0, sizeof *t);
}

int fstree_add_layer(struct fstree *t, const char *name, struct cl_err *err)
{
	char **v = realloc(t->layers, (t->n_layers + 1) * sizeof *v);
	if (!v || !(v[t->n_layers] = strdup(name))) {
		if (v)
			t->layers = v;
		return cl_err_set(err, ENOMEM, "adding %s", name);
	}
	t->layers = v;
	return (int)t->n_layers++;
}

const char *fstree_layer_name(const struct fstree *t, unsigned layer)
{
	return layer < t->n_layers ? t->layers[layer] : "cloister";
}

bool fstree_excluded(const char *name)
{
	size_t n = strlen(name);
	return !strcmp(name, ".DS_Store") || !strcmp(name, ".gitignore") || !strncmp(name, "._", 2) ||
	       (n >= 9 && !strcmp(name + n - 9, ".disabled")) || !strcmp(name, "README") ||
	       !strncmp(name, "README.", 7);
}

const char *fstree_path_problem(const char *path)
{
	size_t n = strlen(path);
	if (path[0] != '/')
		return "is not absolute";
	if (n >= FS_PATH_MAX)
		return "is too long";
	if (n == 1)
		return "is the root itself";
	if (path[n - 1] == '/')
		return "ends with '/'";
	for (const char *c = path; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return "has a blank or a control character (the listing's syntax cannot hold it)";
	for (const char *c = path; *c; ) {
		const char *comp = c + 1, *end = strchrnul(comp, '/');
		size_t len = (size_t)(end - comp);
		if (len == 0)
			return "has an empty component ('//')";
		if ((len == 1 && comp[0] == '.') || (len == 2 && comp[0] == '.' && comp[1] == '.'))
			return "has a '.' or '..' component";
		c = end;
	}
	return NULL;
}

/* FNV-1a: the index is rebuilt often and paths are short. */
static size_t hash_path(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static size_t *slot_of(const struct fstree *t, const char *path)
{
	if (!t->n_slots)
		return NULL;
	size_t mask = t->n_slots - 1;
	for (size_t i = hash_path(path) & mask;; i = (i + 1) & mask) {
		size_t s = t->slots[i];
		if (s == 0 || !strcmp(t->v[s - 1].path, path))
			return &t->slots[i];
	}
}

static int rehash(struct fstree *t, size_t want)
{
	size_t n = 64;
	while (n < want * 2)
		n *= 2;
	size_t *s = calloc(n, sizeof *s);
	if (!s)
		return -ENOMEM;
	free(t->slots);
	t->slots = s;
	t->n_slots = n;
	for (size_t i = 0; i < t->n; i++)
		*slot_of(t, t->v[i].path) = i + 1;
	return 0;
}

struct fs_entry *fstree_find(const struct fstree *t, const char *path)
{
	size_t *s = slot_of(t, path);
	return s && *s ? &t->v[*s - 1] : NULL;
}

static char *dup_or_null(const char *s, size_t len, bool *fail)
{
	if (!s)
		return NULL;
	char *d = malloc(len + 1);
	if (!d) {
		*fail = true;
		return NULL;
	}
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static const char *type_word(enum fs_type t)
{
	switch (t) {
	case FS_DIR: return "a directory";
	case FS_FILE: return "a file";
	case FS_SYMLINK: return "a symlink";
	case FS_CHR: return "a character device";
	case FS_BLK: return "a block device";
	case FS_FIFO: return "a FIFO";
	default: return "a socket";
	}
}

int fstree_put(struct fstree *t, const struct fs_entry *e, struct fs_entry **out, struct cl_err *err)
{
	struct fs_entry *old = fstree_find(t, e->path);
	if (old && (old->type == FS_DIR) != (e->type == FS_DIR))
		return cl_err_msg(err, EEXIST, "%s is %s in %s but %s in %s; one of them must change", e->path,
				  type_word(old->type), fstree_layer_name(t, old->layer), type_word(e->type),
				  fstree_layer_name(t, e->layer));
	bool fail = false;
	struct fs_entry n = *e;
	n.path = dup_or_null(e->path, strlen(e->path), &fail);
	n.source = dup_or_null(e->source, e->source ? strlen(e->source) : 0, &fail);
	n.data = dup_or_null(e->data, e->type == FS_FILE ? e->size : (e->data ? strlen(e->data) : 0), &fail);
	if (fail) {
		entry_free(&n);
		return cl_err_set(err, ENOMEM, "adding %s", e->path);
	}
	if (old) {
		entry_free(old);
		*old = n;
		if (out)
			*out = old;
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct fs_entry *v = realloc(t->v, cap * sizeof *v);
		if (!v) {
			entry_free(&n);
			return cl_err_set(err, ENOMEM, "adding %s", e->path);
		}
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = n;
	if ((t->n * 2 > t->n_slots && rehash(t, t->n) < 0))
		return cl_err_set(err, ENOMEM, "adding %s", e->path);
	*slot_of(t, n.path) = t->n;
	if (out)
		*out = &t->v[t->n - 1];
	return 0;
}

int fstree_parents(struct fstree *t, const char *path, unsigned layer, struct cl_err *err)
{
	char dir[FS_PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	/* from the top down, so each put finds its own parent in place */
	for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		struct fs_entry *p = fstree_find(t, dir);
		if (p && p->type != FS_DIR)
			return cl_err_msg(err, EEXIST, "%s needs %s to be a directory, but it is %s in %s", path, dir,
					  type_word(p->type), fstree_layer_name(t, p->layer));
		if (!p) {
			struct fs_entry d = { .path = dir, .type = FS_DIR, .perm = 0755, .layer = layer };
			TRY(fstree_put(t, &d, NULL, err));
		}
		*slash = '/';
	}
	return 0;
}

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct fs_entry *)a)->path, ((const struct fs_entry *)b)->path);
}

int fstree_sort(struct fstree *t, struct cl_err *err)
{
	if (t->n > 1)
		qsort(t->v, t->n, sizeof *t->v, cmp_entries);
	if (rehash(t, t->n) < 0)
		return cl_err_set(err, ENOMEM, "sorting the root filesystem");
	return 0;
}

static int cmp_entry_ptrs(const void *a, const void *b)
{
	return strcmp((*(struct fs_entry *const *)a)->path, (*(struct fs_entry *const *)b)->path);
}

int fstree_children(const struct fstree *t, const char *dir, struct fs_entry ***out, size_t *n,
		    struct cl_err *err)
{
	size_t dl = strlen(dir), cap = 0;
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < t->n; i++) {
		const char *p = t->v[i].path;
		if (strncmp(p, dir, dl) != 0 || p[dl] != '/' || strchr(p + dl + 1, '/'))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			struct fs_entry **v = realloc(*out, cap * sizeof *v);
			if (!v) {
				free(*out);
				*out = NULL;
				return cl_err_set(err, ENOMEM, "listing %s", dir);
			}
			*out = v;
		}
		(*out)[(*n)++] = &t->v[i];
	}
	if (*n > 1)
		qsort(*out, *n, sizeof **out, cmp_entry_ptrs);
	return 0;
}

int fstree_read(const struct fs_entry *e, char **data, size_t *len, struct cl_err *err)
{
	if (e->type != FS_FILE)
		return cl_err_msg(err, EINVAL, "%s is not a file", e->path);
	if (!e->source) {
		*data = malloc(e->size + 1);
		if (!*data)
			return cl_err_set(err, ENOMEM, "reading %s", e->path);
		if (e->size)
			memcpy(*data, e->data, e->size);
		(*data)[e->size] = '\0';
		*len = e->size;
		return 0;
	}
	return read_file(e->source, data, len, err);
}

/* Opens rel below root: no symlink is followed on the way, and nothing
 * above root is reached, whatever the tree holds. */
static int open_beneath(int root, const char *rel, struct cl_err *err)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, root, rel[0] ? rel : ".", &how, sizeof how);
	if (fd < 0)
		return cl_err_set(err, errno, "opening %s", rel);
	return fd;
}

/* Hard links of one tree: the first entry seen for each inode. */
struct inode_map {
	struct { dev_t dev; ino_t ino; unsigned long link; } *v;
	size_t n, cap;
};

static unsigned long link_of(struct fstree *t, struct inode_map *m, const struct stat *st, int *rc)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].dev == st->st_dev && m->v[i].ino == st->st_ino)
			return m->v[i].link;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		void *v = realloc(m->v, cap * sizeof *m->v);
		if (!v) {
			*rc = -ENOMEM;
			return 0;
		}
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].dev = st->st_dev;
	m->v[m->n].ino = st->st_ino;
	m->v[m->n].link = ++t->next_link;
	return m->v[m->n++].link;
}

static unsigned layer_perm(const struct stat *st, unsigned flags)
{
	unsigned perm = st->st_mode & 07777;
	if (S_ISLNK(st->st_mode))
		return 0777;
	if (flags & FS_LOAD_GIT_MODES) {
		if (S_ISDIR(st->st_mode))
			return 0755;
		/* git keeps the executable bit only; a set-id bit stays so that
		 * the assembly can refuse it */
		return (perm & 0111 ? 0755 : 0644) | (perm & 06000);
	}
	/* Store entries are read-only: the owner's write bit is given back.
	 * A set-group-id directory is the host's inheritance, not the
	 * package's intent. */
	perm |= 0200;
	if (S_ISDIR(st->st_mode))
		perm &= ~06000u;
	return perm;
}

/* One entry of the walk: name in the directory rel (relative to the
 * layer's root, "" at the top). */
static int load_entry(struct fstree *t, const char *dir, int dfd, const char *rel, const char *name,
		      unsigned layer, unsigned flags, struct inode_map *links, char ***stack, size_t *depth,
		      size_t *cap, struct cl_err *err)
{
	char path[FS_PATH_MAX], relpath[FS_PATH_MAX], host[PATH_MAX];
	struct stat st;
	if (snprintf(relpath, sizeof relpath, "%s%s%s", rel, rel[0] ? "/" : "", name) >= (int)sizeof relpath ||
	    snprintf(path, sizeof path, "/%s", relpath) >= (int)sizeof path ||
	    snprintf(host, sizeof host, "%s/%s", dir, relpath) >= (int)sizeof host)
		return cl_err_msg(err, ENAMETOOLONG, "the path is too long for an image (%d bytes at most): "
				  "%.200s/%.200s...", FS_PATH_MAX - 1, dir, rel);
	const char *bad = fstree_path_problem(path);
	if (bad)
		return cl_err_msg(err, EINVAL, "%s: the path %s", host, bad);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cl_err_set(err, errno, "stat %s", host);
	struct fs_entry e = { .path = path, .perm = layer_perm(&st, flags), .layer = layer };
	char target[PATH_MAX];
	if (S_ISDIR(st.st_mode)) {
		e.type = FS_DIR;
	} else if (S_ISREG(st.st_mode)) {
		e.type = FS_FILE;
		e.source = host;
		e.size = (size_t)st.st_size;
		if ((flags & FS_LOAD_HARD_LINKS) && st.st_nlink > 1) {
			int rc = 0;
			e.link = link_of(t, links, &st, &rc);
			if (rc < 0)
				return cl_err_set(err, -rc, "%s", host);
		}
	} else if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);
		if (n < 0)
			return cl_err_set(err, errno, "readlink %s", host);
		target[n] = '\0';
		e.type = FS_SYMLINK;
		e.data = target;
	} else {
		return cl_err_msg(err, EPERM, "%s: a device node, FIFO or socket in %s; an image's special files "
				  "come from initramfs.contents (nod, pipe, sock)", host, fstree_layer_name(t, layer));
	}
	TRY(fstree_put(t, &e, NULL, err));
	if (e.type == FS_DIR) {
		if (*depth == *cap) {
			size_t c = *cap ? *cap * 2 : 64;
			char **v = realloc(*stack, c * sizeof *v);
			if (!v)
				return cl_err_set(err, ENOMEM, "walking %s", dir);
			*stack = v;
			*cap = c;
		}
		if (!((*stack)[*depth] = strdup(relpath)))
			return cl_err_set(err, ENOMEM, "walking %s", dir);
		(*depth)++;
	}
	return 0;
}

int fstree_load(struct fstree *t, const char *dir, unsigned layer, unsigned flags, struct cl_err *err)
{
	_cleanup_close_ int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cl_err_set(err, errno, "%s", dir);
	struct inode_map links = { 0 };
	char **stack = NULL;
	size_t depth = 0, cap = 0;
	int rc = 0;
	/* the folders still to read; each is read whole before its
	 * subfolders, and entries are sorted later, so order does not matter */
	if (!(stack = malloc(sizeof *stack)) || !(stack[0] = strdup(""))) {
		free(stack);
		return cl_err_set(err, ENOMEM, "walking %s", dir);
	}
	depth = cap = 1;
	while (rc == 0 && depth > 0) {
		_cleanup_free_ char *rel = stack[--depth];
		int dfd = open_beneath(root, rel, err);
		if (dfd < 0) {
			rc = cl_err_prefix(err, "%s", dir);
			break;
		}
		DIR *d = fdopendir(dfd);
		if (!d) {
			rc = cl_err_set(err, errno, "reading %s/%s", dir, rel);
			close(dfd);
			break;
		}
		struct dirent *de;
		errno = 0;
		while (rc == 0 && (de = readdir(d))) {
			const char *name = de->d_name;
			if (!strcmp(name, ".") || !strcmp(name, "..") || fstree_excluded(name))
				continue;
			if ((flags & FS_LOAD_SKIP_CONTENTS) && !rel[0] && !strcmp(name, "initramfs.contents"))
				continue;
			rc = load_entry(t, dir, dirfd(d), rel, name, layer, flags, &links, &stack, &depth, &cap, err);
			errno = 0;
		}
		if (rc == 0 && errno)
			rc = cl_err_set(err, errno, "reading %s/%s", dir, rel);
		closedir(d);
	}
	while (depth > 0)
		free(stack[--depth]);
	free(stack);
	free(links.v);
	return rc;
}
