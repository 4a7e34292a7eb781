#define _GNU_SOURCE
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../../common/fsutil.h"
#include "../store/store.h"
#include "combine.h"
#include "contents.h"
#include "cpio.h"

/* What step 1 leaves for the later steps: each input's contents lines and
 * the folder their LOCATIONs are relative to. */
struct loaded {
	struct contents *contents;   /* n_layers packages, then the machine */
	char (*bases)[PATH_MAX];
	size_t n;
};

static void loaded_free(struct loaded *L)
{
	for (size_t i = 0; L->contents && i < L->n; i++)
		contents_free(&L->contents[i]);
	free(L->contents);
	free(L->bases);
	memset(L, 0, sizeof *L);
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->name, ((const struct kv *)b)->name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_entry_path(const void *a, const void *b)
{
	return strcmp((*(const struct fs_entry *const *)a)->path, (*(const struct fs_entry *const *)b)->path);
}

/* The hard links of the tree, as text: one line per inode, its names
 * sorted.  They are part of what a package made, but not of its output
 * hash. */
static int hash_links(FILE *f, const struct fstree *t, struct cl_err *err)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += t->v[i].type == FS_FILE && t->v[i].link;
	if (!n)
		return 0;
	_cleanup_free_ char **lines = calloc(n, sizeof *lines);
	_cleanup_free_ char *done = calloc(t->n, 1);
	if (!lines || !done)
		return cl_err_set(err, ENOMEM, "hashing the inputs");
	size_t nl = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < t->n; i++) {
		const struct fs_entry *e = &t->v[i];
		if (e->type != FS_FILE || !e->link || done[i])
			continue;
		_cleanup_free_ const char **names = calloc(n, sizeof *names);
		size_t k = 0;
		if (!names) {
			rc = cl_err_set(err, ENOMEM, "hashing the inputs");
			break;
		}
		for (size_t j = i; j < t->n; j++)
			if (t->v[j].type == FS_FILE && t->v[j].link == e->link) {
				names[k++] = t->v[j].path;
				done[j] = 1;
			}
		qsort(names, k, sizeof *names, cmp_str);
		char *line = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&line, &len);
		if (!m) {
			rc = cl_err_set(err, ENOMEM, "hashing the inputs");
			break;
		}
		fputs("hardlink", m);
		for (size_t j = 0; j < k; j++)
			fprintf(m, " %s", names[j]);
		fclose(m);
		lines[nl++] = line;
	}
	if (rc == 0) {
		qsort(lines, nl, sizeof *lines, cmp_str);
		for (size_t i = 0; i < nl; i++)
			fprintf(f, "%s\n", lines[i]);
	}
	for (size_t i = 0; i < nl; i++)
		free(lines[i]);
	return rc;
}

static int hash_file(FILE *f, const char *what, const char *path, struct cl_err *err)
{
	char hex[SHA256_HEX_LEN + 1];
	TRY(sha256_file(path, hex, err));
	fprintf(f, "%s %s\n", what, hex);
	return 0;
}

/* The canonical list of the inputs, which the input hash is the sha256 of. */
static int inputs_text(const struct image_inputs *in, const struct fstree *t, const struct loaded *L,
		       unsigned machine_layer, char **text, size_t *len, struct cl_err *err)
{
	FILE *f = open_memstream(text, len);
	if (!f)
		return cl_err_set(err, errno, "hashing the inputs");
	int rc = 0;
	fprintf(f, "cloister-assembly %d\nmachine %s\nepoch %lld\n", ASSEMBLY_PROTOCOL_VERSION, in->machine_name,
		in->epoch);
	for (size_t i = 0; i < in->n_layers; i++)
		fprintf(f, "package %s %s %s\n", in->layers[i].name, in->layers[i].version, in->layers[i].output_hash);
	rc = hash_links(f, t, err);
	/* the machine's files: the index is in walk order, so sort a copy */
	_cleanup_free_ const struct fs_entry **mine = calloc(t->n ? t->n : 1, sizeof *mine);
	size_t nm = 0;
	if (!mine && rc == 0)
		rc = cl_err_set(err, ENOMEM, "hashing the inputs");
	for (size_t i = 0; rc == 0 && i < t->n; i++)
		if (t->v[i].layer == machine_layer)
			mine[nm++] = &t->v[i];
	if (rc == 0 && nm > 1)
		qsort(mine, nm, sizeof *mine, cmp_entry_path);
	for (size_t i = 0; rc == 0 && i < nm; i++) {
		const struct fs_entry *e = mine[i];
		if (e->type == FS_FILE) {
			char what[FS_PATH_MAX + 32];
			snprintf(what, sizeof what, "machine-file %04o %s", e->perm, e->path);
			rc = hash_file(f, what, e->source, err);
		} else if (e->type == FS_SYMLINK) {
			fprintf(f, "machine-symlink %s %s\n", e->path, e->data);
		} else {
			fprintf(f, "machine-dir %04o %s\n", e->perm, e->path);
		}
	}
	/* the machine's contents and the files its lines name (a package's are
	 * in its output, under its output hash) */
	const struct contents *mc = &L->contents[L->n - 1];
	if (rc == 0 && mc->n) {
		rc = hash_file(f, "machine-contents", mc->file, err);
		for (size_t i = 0; rc == 0 && i < mc->n; i++) {
			if (mc->v[i].type != CT_FILE)
				continue;
			char path[PATH_MAX], what[FS_PATH_MAX + 32];
			snprintf(what, sizeof what, "machine-location %s", mc->v[i].location);
			rc = pathf(err, path, sizeof path, "%s/%s", L->bases[L->n - 1], mc->v[i].location);
			if (rc == 0 && (rc = hash_file(f, what, path, err)) < 0)
				rc = cl_err_prefix(err, "%s:%d", mc->file, mc->v[i].line);
		}
	}
	if (rc == 0 && in->n_settings) {
		_cleanup_free_ struct kv *kv = malloc(in->n_settings * sizeof *kv);
		if (!kv)
			rc = cl_err_set(err, ENOMEM, "hashing the inputs");
		for (size_t i = 0; kv && i < in->n_settings; i++)
			kv[i] = in->settings[i];
		if (kv) {
			/* stable: the last of two equal names is the one that counts */
			for (size_t i = 0; i < in->n_settings; i++)
				for (size_t j = i + 1; j < in->n_settings; j++)
					if (!strcmp(kv[i].name, kv[j].name))
						kv[i].value = kv[j].value;
			qsort(kv, in->n_settings, sizeof *kv, cmp_kv);
			for (size_t i = 0; i < in->n_settings; i++)
				if (i == 0 || strcmp(kv[i].name, kv[i - 1].name))
					fprintf(f, "setting %s %zu %s\n", kv[i].name, strlen(kv[i].value), kv[i].value);
		}
	}
	if (fclose(f) != 0 && rc == 0)
		rc = cl_err_set(err, ENOMEM, "hashing the inputs");
	if (rc < 0) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

/* Step 1: the layers, and everyone's contents lines read. */
static int load_layers(const struct image_inputs *in, struct fstree *t, struct loaded *L, unsigned *machine_layer,
		       struct cl_err *err)
{
	L->n = in->n_layers + 1;
	L->contents = calloc(L->n, sizeof *L->contents);
	L->bases = calloc(L->n, sizeof *L->bases);
	if (!L->contents || !L->bases)
		return cl_err_set(err, ENOMEM, "assembling");
	for (size_t i = 0; i < in->n_layers; i++) {
		const struct image_layer *p = &in->layers[i];
		char name[300], file[PATH_MAX + 32];
		snprintf(name, sizeof name, "package %s", p->name);
		int layer = fstree_add_layer(t, name, err);
		if (layer < 0)
			return layer;
		if (fstree_load(t, p->out_dir, (unsigned)layer, FS_LOAD_HARD_LINKS | FS_LOAD_SKIP_CONTENTS, err) < 0)
			return cl_err_prefix(err, "package %s", p->name);
		TRY(pathf(err, L->bases[i], sizeof L->bases[i], "%s", p->out_dir));
		TRY(pathf(err, file, sizeof file, "%s/initramfs.contents", p->out_dir));
		/* a package's build made it: a symlink could name any file of the host */
		struct stat st;
		if (lstat(file, &st) == 0 && !S_ISREG(st.st_mode))
			return cl_err_msg(err, EPERM, "package %s: its initramfs.contents is not a regular file", p->name);
		TRY(contents_load(file, &L->contents[i], err));
	}
	char dir[PATH_MAX + 32], file[PATH_MAX + 32], name[PATH_MAX];
	TRY(pathf(err, L->bases[in->n_layers], sizeof L->bases[in->n_layers], "%s/settings", in->machine_dir));
	TRY(pathf(err, dir, sizeof dir, "%s/settings/initramfs", in->machine_dir));
	TRY(pathf(err, name, sizeof name, "machines/%s/settings/initramfs", in->machine_name));
	int layer = fstree_add_layer(t, name, err);
	if (layer < 0)
		return layer;
	*machine_layer = (unsigned)layer;
	struct stat st;
	if (stat(dir, &st) == 0 && fstree_load(t, dir, (unsigned)layer, FS_LOAD_GIT_MODES, err) < 0)
		return -err->code;
	TRY(pathf(err, file, sizeof file, "%s/settings/initramfs.contents", in->machine_dir));
	return contents_load(file, &L->contents[in->n_layers], err);
}

/* Step 4: what the kernel needs of every initramfs, unless given. */
static int add_defaults(struct fstree *t, struct cl_err *err)
{
	int layer = fstree_add_layer(t, "cloister's defaults", err);
	if (layer < 0)
		return layer;
	static const struct { const char *path; enum fs_type type; unsigned perm, major, minor; } defaults[] = {
		{ "/dev", FS_DIR, 0755, 0, 0 },
		/* the kernel opens it for init's stdio before /init runs */
		{ "/dev/console", FS_CHR, 0600, 5, 1 },
		{ "/dev/null", FS_CHR, 0666, 1, 3 },
	};
	for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++) {
		if (fstree_find(t, defaults[i].path))
			continue;
		struct fs_entry e = { .path = (char *)defaults[i].path, .type = defaults[i].type, .perm = defaults[i].perm,
				      .major = defaults[i].major, .minor = defaults[i].minor, .layer = (unsigned)layer };
		TRY(fstree_put(t, &e, NULL, err));
	}
	if (fstree_find(t, "/init"))
		return 0;
	if (!fstree_find(t, "/sbin/init"))
		return cl_err_msg(err, ENOENT, "the root filesystem has no /init (nor /sbin/init): the kernel runs /init; "
				  "a package or settings/initramfs/ must provide it, or initramfs.contents a "
				  "'slink /init ...' line");
	struct fs_entry e = { .path = "/init", .type = FS_SYMLINK, .perm = 0777, .data = "sbin/init",
			      .layer = (unsigned)layer };
	return fstree_put(t, &e, NULL, err);
}

/* Step 5. */
static int refuse(const struct fstree *t, struct cl_err *err)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct fs_entry *e = &t->v[i];
		if (e->perm & 06000)
			return cl_err_msg(err, EPERM, "%s (from %s) is set%s-id (mode %04o); an image has no setuid or "
					  "setgid file: remove the bit", e->path, fstree_layer_name(t, e->layer),
					  e->perm & 04000 ? "-user" : "-group", e->perm);
		if (e->type == FS_SYMLINK) {
			const char *bad = NULL;
			if (!e->data[0])
				bad = "is empty";
			for (const char *c = e->data; !bad && *c; c++)
				if ((unsigned char)*c <= 0x20 || *c == 0x7f)
					bad = "has a blank or a control character";
			if (bad)
				return cl_err_msg(err, EINVAL, "%s (from %s): the symlink's target %s (the listing's syntax "
						  "cannot hold it)", e->path, fstree_layer_name(t, e->layer), bad);
		}
	}
	return 0;
}

/* Steps 2-5. */
static int finish(const struct image_inputs *in, struct fstree *t, const struct loaded *L, struct cl_err *err)
{
	TRY(combine_tree(t, in->settings, in->n_settings, err));
	for (size_t i = 0; i < L->n; i++) {
		/* a package's contents lines count as that package's */
		unsigned layer = (unsigned)i;
		TRY(contents_apply(&L->contents[i], L->bases[i], t, layer, err));
	}
	TRY(add_defaults(t, err));
	return refuse(t, err);
}

int rootfs_build(const struct image_inputs *in, struct fstree *t, char **inputs, struct cl_err *err)
{
	struct loaded L = { 0 };
	unsigned machine_layer = 0;
	size_t len = 0;
	int rc = load_layers(in, t, &L, &machine_layer, err);
	if (rc == 0 && inputs)
		rc = inputs_text(in, t, &L, machine_layer, inputs, &len, err);
	if (rc == 0)
		rc = finish(in, t, &L, err);
	loaded_free(&L);
	return rc;
}

/* A file of a stage, its mode whatever the umask (the entry's manifest
 * has the modes). */
static int write_stage_file(const char *path, const char *data, size_t len, mode_t mode, struct cl_err *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return cl_err_set(err, errno, "creating %s", path);
	int rc = write_all(fd, data, len);
	if (rc == 0 && (fchmod(fd, mode) < 0 || fsync(fd) < 0))
		rc = -errno;
	return rc < 0 ? cl_err_set(err, -rc, "writing %s", path) : 0;
}

static int write_outputs(struct fstree *t, const struct image_inputs *in, const char *stage, const char *inputs,
			 struct image_result *res, struct cl_err *err)
{
	char path[PATH_MAX + 64];
	char *list = NULL;
	size_t list_len = 0;
	TRY(pathf(err, path, sizeof path, "%s/out/initramfs.cpio", stage));
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || fchmod(fd, 0644) < 0)
		return cl_err_set(err, errno, "creating %s", path);
	FILE *lf = open_memstream(&list, &list_len);
	if (!lf)
		return cl_err_set(err, errno, "the listing");
	fprintf(lf, "# initramfs.list of machine %s: every entry of initramfs.cpio in its order, in the syntax of\n"
		"# the kernel's usr/gen_init_cpio.  A file's LOCATION is its path in the tree the cpio unpacks to.\n"
		"# Inputs, later over earlier:", in->machine_name);
	for (size_t i = 0; i < in->n_layers; i++)
		fprintf(lf, " %s %s", in->layers[i].name, in->layers[i].version);
	fprintf(lf, ", machines/%s/settings/initramfs; mtimes %lld\n", in->machine_name, in->epoch);
	struct cpio_stats st = { 0 };
	int rc = cpio_write(t, in->epoch, fd, lf, &st, err);
	if (fclose(lf) != 0 && rc == 0)
		rc = cl_err_set(err, ENOMEM, "the listing");
	/* each file synced here, so that publishing syncs only the folders */
	if (rc == 0 && fsync(fd) < 0)
		rc = cl_err_set(err, errno, "writing %s", path);
	if (rc == 0)
		rc = pathf(err, path, sizeof path, "%s/out/initramfs.list", stage);
	if (rc == 0)
		rc = write_stage_file(path, list, list_len, 0644, err);
	free(list);
	if (rc == 0)
		rc = pathf(err, path, sizeof path, "%s/inputs.txt", stage);
	if (rc == 0)
		rc = write_stage_file(path, inputs, strlen(inputs), 0444, err);
	res->entries = st.entries;
	res->bytes = st.bytes;
	return rc;
}

static int fill_result(struct image_result *res, const char *entry, struct cl_err *err)
{
	TRY(pathf(err, res->entry, sizeof res->entry, "%s", entry));
	TRY(pathf(err, res->cpio, sizeof res->cpio, "%s/out/initramfs.cpio", entry));
	TRY(pathf(err, res->list, sizeof res->list, "%s/out/initramfs.list", entry));
	return 0;
}

static int assemble_locked(const struct image_inputs *in, struct fstree *t, struct loaded *L, const char *inputs,
			   struct image_result *res, struct cl_err *err)
{
	struct store_entry e;
	int rc = store_lookup(in->home, res->input_hash, in->machine_name, "initramfs", &e, err);
	if (rc == 0) {
		res->cached = true;
		return fill_result(res, e.path, err);
	}
	if (rc != -ENOENT)
		return rc;
	TRY(finish(in, t, L, err));
	char stage[PATH_MAX], build[PATH_MAX + 16];
	TRY(store_stage(in->home, stage, sizeof stage, err));
	rc = write_outputs(t, in, stage, inputs, res, err);
	if (rc == 0)
		rc = pathf(err, build, sizeof build, "%s/build", stage);
	if (rc == 0)
		rc = remove_tree(build, err);
	if (rc == 0)
		rc = store_publish_synced(in->home, stage, res->input_hash, in->machine_name, "initramfs", in->epoch,
					  &e, err);
	if (rc < 0) {
		struct cl_err ignore;
		remove_tree(stage, &ignore);
		return rc;
	}
	return fill_result(res, e.path, err);
}

int image_assemble(const struct image_inputs *in, struct image_result *res, struct cl_err *err)
{
	struct fstree t;
	struct loaded L = { 0 };
	unsigned machine_layer = 0;
	char *inputs = NULL;
	size_t len = 0;
	memset(res, 0, sizeof *res);
	fstree_init(&t);
	int rc = load_layers(in, &t, &L, &machine_layer, err);
	if (rc == 0)
		rc = inputs_text(in, &t, &L, machine_layer, &inputs, &len, err);
	if (rc == 0)
		rc = sha256_bytes(inputs, len, res->input_hash, err);
	if (rc == 0) {
		/* two assemblies of the same inputs wait for each other; the
		 * second finds the entry */
		int lock = store_lock(in->home, res->input_hash, err);
		if (lock < 0)
			rc = lock;
		else {
			rc = assemble_locked(in, &t, &L, inputs, res, err);
			close(lock);
		}
	}
	free(inputs);
	loaded_free(&L);
	fstree_free(&t);
	if (rc < 0)
		return cl_err_prefix(err, "assembling machine %s", in->machine_name);
	return 0;
}

/* Whether path holds exactly the bytes of fd (from offset 0). */
static bool same_content(int fd, const char *path)
{
	_cleanup_close_ int o = open(path, O_RDONLY | O_CLOEXEC);
	struct stat a, b;
	if (o < 0 || fstat(fd, &a) < 0 || fstat(o, &b) < 0 || a.st_size != b.st_size || !S_ISREG(b.st_mode))
		return false;
	char x[65536], y[65536];
	for (off_t off = 0; off < a.st_size; ) {
		ssize_t n = pread(fd, x, sizeof x, off), m = pread(o, y, sizeof y, off);
		if (n <= 0 || m != n || memcmp(x, y, (size_t)n))
			return false;
		off += n;
	}
	return true;
}

static int install_file(const char *src, const char *dir, const char *name, struct cl_err *err)
{
	char dest[PATH_MAX + 64], tmp[PATH_MAX + 80];
	TRY(pathf(err, dest, sizeof dest, "%s/%s", dir, name));
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (in < 0 || fstat(in, &st) < 0)
		return cl_err_set(err, errno, "%s", src);
	if (same_content(in, dest))
		return 0;
	TRY(pathf(err, tmp, sizeof tmp, "%s/.%s.tmp.XXXXXX", dir, name));
	_cleanup_close_ int out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0)
		return cl_err_set(err, errno, "creating a temporary file in %s", dir);
	int rc = 0;
	/* a reflink where the filesystem has them; else the kernel copies */
	if (ioctl(out, FICLONE, in) < 0) {
		for (off_t off = 0; rc == 0 && off < st.st_size; ) {
			ssize_t n = copy_file_range(in, &off, out, NULL, (size_t)(st.st_size - off), 0);
			if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP))
				n = sendfile(out, in, &off, (size_t)(st.st_size - off));
			if (n < 0 && errno != EINTR)
				rc = -errno;
			else if (n == 0)
				rc = -EIO;
		}
	}
	/* the umask does not choose the outputs' modes.  No fsync: the
	 * rename makes the change atomic for readers, and the store entry is
	 * the durable copy (a file damaged by a crash differs from it, so the
	 * next build installs it again) */
	if (rc == 0 && fchmod(out, 0644) < 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, dest) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return cl_err_set(err, -rc, "writing %s", dest);
	}
	return 0;
}

int image_install(const struct image_result *res, const char *dir, struct cl_err *err)
{
	TRY(mkdir_p(dir, 0755, err));
	TRY(install_file(res->cpio, dir, "initramfs.cpio", err));
	return install_file(res->list, dir, "initramfs.list", err);
}
