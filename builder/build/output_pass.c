/* See output_pass.h. */
#define _GNU_SOURCE
#include "output_pass.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/clock.h"
#include "../../common/inomap.h"
#include "../../common/walk.h"
#include "hostscan.h"

/* Hashed this much at a time, so a deadline stops a huge file's hashing */
#define CHUNK (64u << 20)

struct inode_id {
	dev_t dev;
	ino_t ino;
};

struct pass {
	const struct output_pass_opts *o;
	struct output_pass *p;
	struct manifest_writer w;
	FILE *report;
	struct inode_id *declared;  /* inodes a mode: line set: their mode stays */
	size_t n_declared;
};

static bool past(const struct output_pass_opts *o)
{
	return o->deadline > 0 && clock_mono_s() > o->deadline;
}

static int timed_out(struct cl_err *err)
{
	return cl_err_msg(err, ETIME, "the recipe's timeout passed while its output was checked for publishing");
}

/* The recipe's modes first: the walk then keeps them (and gives every
 * other entry its canonical mode), so each manifest line has the final
 * mode when it is written. */
static int set_declared(struct pass *ps, int dfd, struct cl_err *err)
{
	const struct path_modes *m = ps->o->modes;
	if (!m || !m->n)
		return 0;
	ps->declared = calloc(m->n, sizeof *ps->declared);
	if (!ps->declared)
		return cl_err_set(err, ENOMEM, "the declared modes");
	for (size_t i = 0; i < m->n; i++) {
		TRY(tree_set_declared_mode(dfd, m->file, &m->v[i], err));
		struct stat st;
		/* tree_set_declared_mode found no symlink on the way */
		if (fstatat(dfd, m->v[i].path + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return cl_err_set(err, errno, "stat %s", m->v[i].path);
		ps->declared[ps->n_declared++] = (struct inode_id){ st.st_dev, st.st_ino };
	}
	return 0;
}

static bool is_declared(const struct pass *ps, const struct stat *st)
{
	for (size_t i = 0; i < ps->n_declared; i++)
		if (ps->declared[i].dev == st->st_dev && ps->declared[i].ino == st->st_ino)
			return true;
	return false;
}

/* A regular file's first name: mapped once, hashed and scanned. */
static int read_file(struct pass *ps, const struct walk_entry *e, char hex[SHA256_HEX_LEN + 1],
		     struct cl_err *err)
{
	size_t len = (size_t)e->st.st_size;
	if (len == 0)
		return sha256_bytes("", 0, hex, err);
	_cleanup_close_ int fd = openat(e->dfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cl_err_set(err, errno, "opening %s", e->path);
	unsigned char *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return cl_err_set(err, errno, "reading %s", e->path);
	madvise(map, len, MADV_SEQUENTIAL);
	struct sha256 h;
	int r = sha256_init(&h, err);
	for (size_t off = 0; r == 0 && off < len; off += CHUNK) {
		r = sha256_update(&h, map + off, len - off < CHUNK ? len - off : CHUNK, err);
		if (r == 0 && past(ps->o))
			r = timed_out(err);
	}
	if (r == 0)
		r = sha256_final(&h, hex, err);
	else
		sha256_abort(&h);
	if (r == 0 && ps->o->hs) {
		int hit = hostscan_entry(ps->o->hs, e, map, ps->o->allowed, ps->report, err);
		if (hit < 0)
			r = hit;
		else
			ps->p->hits += hit;
	}
	munmap(map, len);
	return r < 0 && err->code != ETIME ? cl_err_prefix(err, "%s", e->path) : r;
}

static int count(struct pass *ps, const struct walk_entry *e, struct cl_err *err)
{
	const struct output_pass_opts *o = ps->o;
	struct output_pass *p = ps->p;
	p->files++;
	if (S_ISREG(e->st.st_mode))
		p->bytes += (unsigned long long)e->st.st_size;
	if (o->max_bytes && p->bytes > o->max_bytes)
		p->over = OUTPUT_OVER_BYTES;
	else if (o->max_files && p->files > o->max_files)
		p->over = OUTPUT_OVER_FILES;
	if (p->over)
		return cl_err_msg(err, EFBIG, "the output passes its max-output limit");
	return 0;
}

static int entry(struct pass *ps, const struct walk_entry *e, struct cl_err *err)
{
	const struct output_pass_opts *o = ps->o;
	/* the limits first: a tree over max-output says so, whatever else */
	TRY(count(ps, e, err));
	if (past(o))
		return timed_out(err);
	bool reg = S_ISREG(e->st.st_mode), dir = S_ISDIR(e->st.st_mode), link = S_ISLNK(e->st.st_mode);
	if (!reg && !dir && !link)
		return tree_refuse_special(ps->w.root, e, err);
	if (!link)
		TRY(tree_clear_entry(e, err));
	mode_t mode = e->st.st_mode;
	if (!link && !is_declared(ps, &e->st)) {
		mode_t want = tree_canonical_mode(&e->st);
		if ((mode & 07777) != want && fchmodat(e->dfd, e->name, want, 0) < 0)
			return cl_err_set(err, errno, "chmod %s", e->path);
		mode = (mode & ~(mode_t)07777) | want;
	}
	/* a directory's mtime before its contents: changing their metadata
	 * does not touch it, and the pass creates and removes nothing */
	struct timespec ts[2] = { { o->epoch, 0 }, { o->epoch, 0 } };
	if (utimensat(e->dfd, e->name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return cl_err_set(err, errno, "setting the mtime of %s", e->path);

	char hex[SHA256_HEX_LEN + 1] = "";
	const char *leader = NULL;
	if (reg) {
		TRY(inomap_leader(&ps->w.links, &e->st, e->path, &leader, err));
		if (!leader)
			TRY(read_file(ps, e, hex, err));
	} else if (link && o->hs) {
		int hit = hostscan_entry(o->hs, e, NULL, o->allowed, ps->report, err);
		TRY(hit);
		ps->p->hits += hit;
	}
	return manifest_writer_entry(&ps->w, e, mode, leader, reg && !leader ? hex : NULL, err);
}

static int root_itself(int dfd, const char *out, const struct output_pass_opts *o, struct cl_err *err)
{
	struct walk_entry self = { .dfd = dfd, .name = ".", .path = "/" };
	if (fstat(dfd, &self.st) < 0)
		return cl_err_set(err, errno, "%s", out);
	TRY(tree_clear_entry(&self, err));
	struct timespec ts[2] = { { o->epoch, 0 }, { o->epoch, 0 } };
	if (fchmod(dfd, 0555) < 0 || futimens(dfd, ts) < 0)
		return cl_err_set(err, errno, "%s", out);
	return 0;
}

int output_pass_run(const char *out, const struct output_pass_opts *o, struct output_pass *p,
		    struct cl_err *err)
{
	*p = (struct output_pass){ 0 };
	struct pass ps = { .o = o, .p = p, .w = { .root = out } };
	size_t rlen = 0;
	_cleanup_close_ int dfd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return cl_err_set(err, errno, "%s", out);
	ps.w.f = open_memstream(&p->manifest, &p->len);
	ps.report = open_memstream(&p->report, &rlen);
	int r = ps.w.f && ps.report ? 0 : cl_err_set(err, ENOMEM, "the manifest of %s", out);
	if (r == 0)
		r = set_declared(&ps, dfd, err);
	struct walk *w = NULL;
	if (r == 0)
		r = walk_open(dfd, 0, &w, err);
	const struct walk_entry *e;
	while (r == 0 && (r = walk_next(w, &e, err)) > 0)
		r = entry(&ps, e, err);
	walk_close(w);
	if (r == 0)
		r = root_itself(dfd, out, o, err);
	if (ps.w.f && fclose(ps.w.f) != 0 && r == 0)
		r = cl_err_set(err, ENOMEM, "writing the manifest of %s", out);
	if (ps.report && fclose(ps.report) != 0 && r == 0)
		r = cl_err_set(err, ENOMEM, "the host-facts report of %s", out);
	inomap_free(&ps.w.links);
	free(ps.declared);
	if (r == 0)
		r = sha256_bytes(p->manifest, p->len, p->output_hash, err);
	return r;
}

void output_pass_free(struct output_pass *p)
{
	free(p->manifest);
	free(p->report);
	p->manifest = p->report = NULL;
}
