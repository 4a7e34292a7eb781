#define _GNU_SOURCE
#include "walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

/* One directory on the way down: its sorted names and where we are. */
struct frame {
	char **names;
	size_t n, i;
	size_t path_len;   /* of the directory's own path */
	struct stat st;    /* the directory, for ".." and its post entry */
};

struct walk {
	int fd;              /* the directory of the top frame */
	unsigned flags;
	struct frame *stack;
	size_t depth, cap;
	char *path;
	size_t path_cap;
	bool enter;          /* the last entry is a directory to go into */
	struct walk_entry cur;
};

static int push(struct walk *w, int fd, const struct stat *st, size_t path_len, struct cl_err *err)
{
	if (w->depth == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct frame *s = realloc(w->stack, cap * sizeof *s);
		if (!s)
			return cl_err_set(err, ENOMEM, "walking a tree");
		w->stack = s;
		w->cap = cap;
	}
	struct frame *f = &w->stack[w->depth];
	memset(f, 0, sizeof *f);
	if (list_dir_sorted(fd, &f->names, &f->n, err) < 0)
		return cl_err_prefix(err, "%s", w->depth ? w->path : "/");
	f->st = *st;
	f->path_len = path_len;
	w->depth++;
	return 0;
}

static void pop(struct walk *w)
{
	struct frame *f = &w->stack[--w->depth];
	free_names(f->names, f->n);
}

static int set_path(struct walk *w, size_t dir_len, const char *name, struct cl_err *err)
{
	size_t nl = strlen(name), need = dir_len + 1 + nl + 1;
	if (need > w->path_cap) {
		size_t cap = w->path_cap ? w->path_cap : 256;
		while (cap < need)
			cap *= 2;
		char *p = realloc(w->path, cap);
		if (!p)
			return cl_err_set(err, ENOMEM, "walking a tree");
		w->path = p;
		w->path_cap = cap;
	}
	w->path[dir_len] = '/';
	memcpy(w->path + dir_len + 1, name, nl + 1);
	w->cur.path_len = dir_len + 1 + nl;
	return 0;
}

int walk_open(int root_fd, unsigned flags, struct walk **out, struct cl_err *err)
{
	struct walk *w = calloc(1, sizeof *w);
	if (!w)
		return cl_err_set(err, ENOMEM, "walking a tree");
	w->flags = flags;
	w->fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
	struct stat st;
	int r = w->fd < 0 || fstat(w->fd, &st) < 0 ? cl_err_set(err, errno, "walking a tree") : 0;
	if (r == 0 && !(w->path = malloc(w->path_cap = 256)))
		r = cl_err_set(err, ENOMEM, "walking a tree");
	if (r == 0) {
		w->path[0] = '\0';
		r = push(w, w->fd, &st, 0, err);
	}
	if (r < 0) {
		walk_close(w);
		return r;
	}
	*out = w;
	return 0;
}

void walk_skip(struct walk *w)
{
	w->enter = false;
}

/* Into the directory just returned. */
static int enter(struct walk *w, struct cl_err *err)
{
	w->enter = false;
	int fd = openat(w->fd, w->cur.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return cl_err_set(err, errno, "opening %s", w->path);
	if (fstat(fd, &st) < 0 || st.st_dev != w->cur.st.st_dev || st.st_ino != w->cur.st.st_ino) {
		close(fd);
		return cl_err_msg(err, ESTALE, "%s changed while it was walked", w->path);
	}
	int r = push(w, fd, &st, w->cur.path_len, err);
	if (r < 0) {
		close(fd);
		return r;
	}
	close(w->fd);
	w->fd = fd;
	return 0;
}

/* Back to the parent of the top frame, through "..", checked. */
static int leave(struct walk *w, struct cl_err *err)
{
	const struct frame *parent = &w->stack[w->depth - 2];
	int fd = openat(w->fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return cl_err_set(err, errno, "returning from %.*s", (int)w->stack[w->depth - 1].path_len,
				  w->path);
	if (fstat(fd, &st) < 0 || st.st_dev != parent->st.st_dev || st.st_ino != parent->st.st_ino) {
		close(fd);
		return cl_err_msg(err, ESTALE, "%.*s moved while it was walked",
				  (int)w->stack[w->depth - 1].path_len, w->path);
	}
	close(w->fd);
	w->fd = fd;
	return 0;
}

int walk_next(struct walk *w, const struct walk_entry **e, struct cl_err *err)
{
	if (w->enter)
		TRY(enter(w, err));
	while (w->depth > 0) {
		struct frame *f = &w->stack[w->depth - 1];
		if (f->i < f->n) {
			const char *name = f->names[f->i++];
			TRY(set_path(w, f->path_len, name, err));
			w->cur.dfd = w->fd;
			w->cur.name = name;
			w->cur.path = w->path;
			w->cur.depth = w->depth;
			w->cur.post = false;
			if (fstatat(w->fd, name, &w->cur.st, AT_SYMLINK_NOFOLLOW) < 0)
				return cl_err_set(err, errno, "stat %s", w->path);
			w->enter = S_ISDIR(w->cur.st.st_mode);
			*e = &w->cur;
			return 1;
		}
		if (w->depth == 1) {
			pop(w);
			return 0;
		}
		TRY(leave(w, err));
		struct stat st = f->st;
		size_t len = f->path_len;
		pop(w);
		if (!(w->flags & WALK_POST))
			continue;
		struct frame *p = &w->stack[w->depth - 1];
		w->path[len] = '\0';
		w->cur.dfd = w->fd;
		w->cur.name = p->names[p->i - 1];
		w->cur.path = w->path;
		w->cur.path_len = len;
		w->cur.depth = w->depth;
		w->cur.st = st;
		w->cur.post = true;
		*e = &w->cur;
		return 1;
	}
	return 0;
}

void walk_close(struct walk *w)
{
	if (!w)
		return;
	while (w->depth > 0)
		pop(w);
	if (w->fd >= 0)
		close(w->fd);
	free(w->stack);
	free(w->path);
	free(w);
}

int walk_path_cmp(const char *a, const char *b)
{
	for (;;) {
		while (*a == '/')
			a++;
		while (*b == '/')
			b++;
		if (!*a || !*b)
			return (*a != '\0') - (*b != '\0');
		size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
		int c = memcmp(a, b, la < lb ? la : lb);
		if (c)
			return c;
		if (la != lb)
			return la < lb ? -1 : 1;
		a += la;
		b += lb;
	}
}
