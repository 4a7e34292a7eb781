/* The cpio writer and the assembly around it: bit-identical twice whatever
 * the umask, the order of directory entries or the time; owners, modes
 * and device nodes without privilege; sorted order; hard links; the
 * listing; the refusals; the cached step. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "../../builder/lib/archive_api.h"
#include "../../builder/image/contents.h"
#include "../../builder/image/cpio.h"
#include "../../builder/image/rootfs.h"
#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../../common/fsutil.h"
#include "test.h"

#define EPOCH 1700000000LL

static char *scratch(void)
{
	char *d = strdup("/tmp/test-cpio.XXXXXX");
	return mkdtemp(d);
}

static void put(const char *root, const char *rel, const char *text, mode_t mode)
{
	char path[PATH_MAX], dir[PATH_MAX];
	struct cl_err err = { 0 };
	snprintf(path, sizeof path, "%s/%s", root, rel);
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = '\0';
	CHECK(mkdir_p(dir, 0755, &err) == 0);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write_all(fd, text, strlen(text)) == 0);
	CHECK(fchmod(fd, mode) == 0);
	close(fd);
}

/* The cpio as text: one line per entry, in archive order. */
static char *describe(const char *cpio)
{
	struct cl_err err = { 0 };
	const struct archive_api *A = archive_api(&err);
	char *data = NULL, *out = NULL;
	size_t len = 0, olen = 0;
	if (!A || read_file(cpio, &data, &len, &err) < 0)
		return NULL;
	struct archive *a = A->archive_read_new();
	A->archive_read_support_format_cpio(a);
	FILE *f = open_memstream(&out, &olen);
	struct archive_entry *e;
	if (A->archive_read_open_memory(a, data, len) == ARCHIVE_OK) {
		while (A->archive_read_next_header(a, &e) == ARCHIVE_OK) {
			char body[256] = "";
			la_ssize_t n = A->archive_read_data(a, body, sizeof body - 1);
			body[n > 0 ? n : 0] = '\0';
			for (char *c = body; *c; c++)
				if (*c == '\n')
					*c = '|';
			fprintf(f, "%s %06o %u:%u t=%lld n=%u ino=%lld rdev=%u,%u size=%lld %s%s%s\n",
				A->archive_entry_pathname(e), (unsigned)A->archive_entry_mode(e),
				(unsigned)A->archive_entry_uid(e), (unsigned)A->archive_entry_gid(e),
				(long long)A->archive_entry_mtime(e), (unsigned)A->archive_entry_nlink(e),
				(long long)A->archive_entry_ino64(e), (unsigned)A->archive_entry_rdevmajor(e),
				(unsigned)A->archive_entry_rdevminor(e), (long long)A->archive_entry_size(e), body,
				A->archive_entry_symlink(e) ? "-> " : "",
				A->archive_entry_symlink(e) ? A->archive_entry_symlink(e) : "");
		}
	}
	A->archive_read_free(a);
	fclose(f);
	free(data);
	return out;
}

/* A package output (as the store has it: read-only, built under some
 * umask) and a machine folder, made in an order given by reverse. */
static void make_inputs(const char *root, bool reverse, mode_t umask_bits)
{
	char pkg[PATH_MAX], mach[PATH_MAX], path[PATH_MAX + 32], path2[PATH_MAX + 32];
	/* a package output is what its build made (the same modes in both);
	 * the machine's checkout is at the mercy of the umask */
	mode_t old = umask(022);
	snprintf(pkg, sizeof pkg, "%s/pkg", root);
	snprintf(mach, sizeof mach, "%s/machine", root);
	static const char *const names[] = { "usr/bin/zz", "usr/bin/aa", "usr/bin/m-m", "usr/bin/m", "etc/a.b" };
	for (size_t k = 0; k < 5; k++) {
		size_t i = reverse ? 4 - k : k;
		put(pkg, names[i], names[i], 0555);
	}
	put(pkg, "sbin/init", "#!/bin/sh\n", 0555);
	put(pkg, "README", "never copied", 0444);
	put(pkg, "usr/share/x.disabled", "never copied", 0444);
	put(pkg, "initramfs.contents", "dir /var/empty 0711 0 0\n", 0444);
	snprintf(path, sizeof path, "%s/usr/bin/aa", pkg);
	snprintf(path2, sizeof path2, "%s/usr/bin/hard", pkg);
	CHECK(link(path, path2) == 0);
	snprintf(path, sizeof path, "%s/bin", pkg);
	CHECK(symlink("usr/bin", path) == 0);
	umask(umask_bits);
	put(mach, "settings/initramfs/etc/motd", "welcome\n", 0600);
	put(mach, "settings/initramfs/etc/.gitignore", "secret\n", 0644);
	put(mach, "settings/initramfs/etc/._junk", "x", 0644);
	put(mach, "settings/initramfs/usr/bin/tool", "tool\n", 0700);
	put(mach, "settings/keys/host", "key\n", 0600);
	put(mach, "settings/initramfs.contents",
	    "file /etc/ssh/host keys/host 0400 0 0\ndir /home/u 0700 1000 1000\npipe /run/log 0620 0 4\n", 0644);
	umask(old);
	/* as in the store: nothing writable, mtimes anything */
	struct timeval tv[2] = { { (time_t)(reverse ? 1000 : 2000000), 0 }, { (time_t)(reverse ? 1000 : 2000000), 0 } };
	utimes(path, tv);
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof cmd, "chmod -R a-w '%s'", pkg);
	CHECK(system(cmd) == 0);
}

struct io {
	char pkg[PATH_MAX], mach[PATH_MAX], home[PATH_MAX];
	struct image_layer layer;
	struct image_inputs in;
};

static void inputs_for(struct io *io, const char *root, const struct kv *kv, size_t n_kv)
{
	snprintf(io->pkg, sizeof io->pkg, "%s/pkg", root);
	snprintf(io->mach, sizeof io->mach, "%s/machine", root);
	snprintf(io->home, sizeof io->home, "%s/home", root);
	io->layer = (struct image_layer){ "base", "1", "0000000000000000000000000000000000000000000000000000000000000000",
					  io->pkg };
	io->in = (struct image_inputs){ .home = io->home, .machine_dir = io->mach, .machine_name = "m",
					.layers = &io->layer, .n_layers = 1, .settings = kv, .n_settings = n_kv,
					.epoch = EPOCH };
}

/* Assembles root's inputs under a umask and returns the cpio's bytes. */
static char *assemble(const char *root, mode_t umask_bits, size_t *len, struct image_result *res)
{
	struct io io;
	struct cl_err err = { 0 };
	inputs_for(&io, root, NULL, 0);
	mode_t old = umask(umask_bits);
	int rc = image_assemble(&io.in, res, &err);
	umask(old);
	if (rc < 0) {
		printf("  %s\n", err.msg);
		return NULL;
	}
	char *data = NULL;
	return read_file(res->cpio, &data, len, &err) == 0 ? data : NULL;
}

static void bit_identical_whatever_umask_order_or_time(void)
{
	_cleanup_free_ char *a = scratch(), *b = scratch();
	make_inputs(a, false, 022);
	make_inputs(b, true, 077);
	struct image_result ra, rb;
	size_t la = 0, lb = 0;
	char *ca = assemble(a, 022, &la, &ra);
	char *cb = assemble(b, 077, &lb, &rb);
	CHECK(ca && cb);
	CHECK(la == lb && la > 0 && ca && cb && !memcmp(ca, cb, la));
	CHECK_STR(ra.input_hash, rb.input_hash);
	/* the store entries too: their manifests hold the files' modes */
	char ha[PATH_MAX + 16], hb[PATH_MAX + 16];
	char *oa = NULL, *ob = NULL;
	struct cl_err e2 = { 0 };
	snprintf(ha, sizeof ha, "%s/output-hash", ra.entry);
	snprintf(hb, sizeof hb, "%s/output-hash", rb.entry);
	CHECK(read_file(ha, &oa, NULL, &e2) == 0 && read_file(hb, &ob, NULL, &e2) == 0);
	CHECK(oa && ob && !strcmp(oa, ob));
	free(oa);
	free(ob);
	CHECK(!ra.cached && !rb.cached);
	/* newc, and it ends at its trailer: no block padding */
	CHECK(ca && !memcmp(ca, "070701", 6));
	CHECK(ca && la > 20 && memmem(ca + la - 20, 20, "TRAILER!!!", 10));
	char *la_txt = NULL, *lb_txt = NULL;
	struct cl_err err = { 0 };
	CHECK(read_file(ra.list, &la_txt, NULL, &err) == 0 && read_file(rb.list, &lb_txt, NULL, &err) == 0);
	CHECK(la_txt && lb_txt && !strcmp(la_txt, lb_txt));
	if (la_txt && lb_txt && strcmp(la_txt, lb_txt))
		printf("A:\n%s\nB:\n%s\n", la_txt, lb_txt);
	free(la_txt);
	free(lb_txt);
	free(ca);
	free(cb);
	remove_tree(a, &err);
	remove_tree(b, &err);
}

static void entries_owners_modes_nodes_and_order(void)
{
	_cleanup_free_ char *a = scratch();
	make_inputs(a, false, 022);
	struct image_result r;
	size_t len = 0;
	free(assemble(a, 022, &len, &r));
	char *d = describe(r.cpio);
	CHECK(d != NULL);
	if (!d)
		return;
	/* sorted by path bytes; modes, owners and devices as the inputs say,
	 * with no privilege; the store's read-only bits get the owner's write
	 * bit back; git modes for the machine's files; every mtime the epoch */
	const char *want =
		"bin 120777 0:0 t=1700000000 n=1 ino=1 rdev=0,0 size=7 -> usr/bin\n"
		"dev 040755 0:0 t=1700000000 n=2 ino=2 rdev=0,0 size=0 \n"
		"dev/console 020600 0:0 t=1700000000 n=1 ino=3 rdev=5,1 size=0 \n"
		"dev/null 020666 0:0 t=1700000000 n=1 ino=4 rdev=1,3 size=0 \n"
		"etc 040755 0:0 t=1700000000 n=2 ino=5 rdev=0,0 size=0 \n"
		"etc/a.b 100755 0:0 t=1700000000 n=1 ino=6 rdev=0,0 size=7 etc/a.b\n"
		"etc/motd 100644 0:0 t=1700000000 n=1 ino=7 rdev=0,0 size=8 welcome|\n"
		"etc/ssh 040755 0:0 t=1700000000 n=2 ino=8 rdev=0,0 size=0 \n"
		"etc/ssh/host 100400 0:0 t=1700000000 n=1 ino=9 rdev=0,0 size=4 key|\n"
		"home 040755 0:0 t=1700000000 n=2 ino=10 rdev=0,0 size=0 \n"
		"home/u 040700 1000:1000 t=1700000000 n=2 ino=11 rdev=0,0 size=0 \n"
		"init 120777 0:0 t=1700000000 n=1 ino=12 rdev=0,0 size=9 -> sbin/init\n"
		"run 040755 0:0 t=1700000000 n=2 ino=13 rdev=0,0 size=0 \n"
		"run/log 010620 0:4 t=1700000000 n=1 ino=14 rdev=0,0 size=0 \n"
		"sbin 040755 0:0 t=1700000000 n=2 ino=15 rdev=0,0 size=0 \n"
		"sbin/init 100755 0:0 t=1700000000 n=1 ino=16 rdev=0,0 size=10 #!/bin/sh|\n"
		"usr 040755 0:0 t=1700000000 n=2 ino=17 rdev=0,0 size=0 \n"
		"usr/bin 040755 0:0 t=1700000000 n=2 ino=18 rdev=0,0 size=0 \n"
		"usr/bin/aa 100755 0:0 t=1700000000 n=2 ino=19 rdev=0,0 size=0 \n"
		"usr/bin/hard 100755 0:0 t=1700000000 n=2 ino=19 rdev=0,0 size=10 usr/bin/aa\n"
		"usr/bin/m 100755 0:0 t=1700000000 n=1 ino=20 rdev=0,0 size=9 usr/bin/m\n"
		"usr/bin/m-m 100755 0:0 t=1700000000 n=1 ino=21 rdev=0,0 size=11 usr/bin/m-m\n"
		"usr/bin/tool 100755 0:0 t=1700000000 n=1 ino=22 rdev=0,0 size=5 tool|\n"
		"usr/bin/zz 100755 0:0 t=1700000000 n=1 ino=23 rdev=0,0 size=10 usr/bin/zz\n"
		"usr/share 040755 0:0 t=1700000000 n=2 ino=24 rdev=0,0 size=0 \n"
		"var 040755 0:0 t=1700000000 n=2 ino=25 rdev=0,0 size=0 \n"
		"var/empty 040711 0:0 t=1700000000 n=2 ino=26 rdev=0,0 size=0 \n";
	CHECK_STR(d, want);
	free(d);
	char *list = NULL;
	struct cl_err err = { 0 };
	CHECK(read_file(r.list, &list, NULL, &err) == 0);
	/* the listing: every entry, gen_init_cpio syntax, nothing of the host */
	CHECK(list && strstr(list, "\nslink /bin usr/bin 0777 0 0\ndir /dev 0755 0 0\nnod /dev/console 0600 0 0 c 5 1\n"));
	CHECK(list && strstr(list, "\nfile /usr/bin/aa usr/bin/hard 0755 0 0 /usr/bin/hard\nfile /usr/bin/m usr/bin/m 0755 0 0\n"));
	CHECK(list && strstr(list, "\npipe /run/log 0620 0 4\n"));
	CHECK(list && !strstr(list, "/tmp/"));
	/* ... and it parses as contents: the syntax is the same */
	struct contents c;
	CHECK(list && contents_parse(list, strlen(list), "initramfs.list", &c, &err) == 0);
	CHECK(c.n == 26);  /* 27 entries; the hard link is a name on its file's line */
	contents_free(&c);
	free(list);
	struct stat st;
	CHECK(stat(r.cpio, &st) == 0 && (st.st_mode & 0777) == 0444);  /* a store entry */
	remove_tree(a, &err);
}

static void unchanged_inputs_assemble_nothing(void)
{
	_cleanup_free_ char *a = scratch();
	make_inputs(a, false, 022);
	struct image_result r1, r2, r3;
	size_t len;
	free(assemble(a, 022, &len, &r1));
	free(assemble(a, 077, &len, &r2));
	CHECK(!r1.cached && r2.cached);
	CHECK_STR(r1.entry, r2.entry);
	/* any machine file is an input */
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/machine/settings/initramfs/etc/motd", a);
	struct cl_err err = { 0 };
	CHECK(write_file_atomic(path, "changed\n", 8, 0644, &err) == 0);
	free(assemble(a, 022, &len, &r3));
	CHECK(!r3.cached && strcmp(r3.input_hash, r1.input_hash));
	/* and a file named by the contents only */
	snprintf(path, sizeof path, "%s/machine/settings/keys/host", a);
	CHECK(write_file_atomic(path, "key2\n", 5, 0600, &err) == 0);
	struct image_result r4;
	free(assemble(a, 022, &len, &r4));
	CHECK(!r4.cached && strcmp(r4.input_hash, r3.input_hash));

	/* installing: atomic, 0644 whatever the umask, left alone when identical */
	char out[PATH_MAX], file[PATH_MAX + 32];
	snprintf(out, sizeof out, "%s/output/machines/m", a);
	mode_t old = umask(077);
	CHECK(image_install(&r4, out, &err) == 0);
	umask(old);
	snprintf(file, sizeof file, "%s/initramfs.cpio", out);
	struct stat st1, st2;
	CHECK(stat(file, &st1) == 0 && (st1.st_mode & 0777) == 0644 && st1.st_size == (off_t)r4.bytes);
	CHECK(image_install(&r4, out, &err) == 0);
	CHECK(stat(file, &st2) == 0 && st1.st_ino == st2.st_ino);
	CHECK(image_install(&r3, out, &err) == 0);
	CHECK(stat(file, &st2) == 0 && st1.st_ino != st2.st_ino);
	remove_tree(a, &err);
}

static int build_one(const char *root, char *msg, size_t len)
{
	struct io io;
	struct cl_err err = { 0 };
	struct fstree t;
	inputs_for(&io, root, NULL, 0);
	fstree_init(&t);
	int rc = rootfs_build(&io.in, &t, NULL, &err);
	fstree_free(&t);
	snprintf(msg, len, "%s", err.msg);
	return rc;
}

static void setuid_and_setgid_files_are_refused(void)
{
	_cleanup_free_ char *a = scratch();
	char msg[1024];
	put(a, "pkg/sbin/init", "#!/bin/sh\n", 0755);
	put(a, "pkg/usr/bin/su", "su", 04755);
	CHECK(build_one(a, msg, sizeof msg) == -EPERM);
	CHECK_STR(msg, "/usr/bin/su (from package base) is set-user-id (mode 4755); an image has no setuid or "
		  "setgid file: remove the bit");
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/pkg/usr/bin/su", a);
	chmod(p, 0755);
	put(a, "machine/settings/initramfs/bin/sg", "sg", 02755);
	CHECK(build_one(a, msg, sizeof msg) == -EPERM);
	CHECK(strstr(msg, "/bin/sg (from machines/m/settings/initramfs) is set-group-id (mode 2755)") == msg);
	snprintf(p, sizeof p, "%s/machine/settings/initramfs/bin/sg", a);
	unlink(p);
	/* initramfs.contents cannot make one either */
	put(a, "machine/settings/initramfs.contents", "dir /x 2755 0 0\n", 0644);
	CHECK(build_one(a, msg, sizeof msg) == -EPERM);
	CHECK(strstr(msg, "/x (from machines/m/settings/initramfs) is set-group-id") == msg);
	put(a, "machine/settings/initramfs.contents", "# ok\n", 0644);
	CHECK(build_one(a, msg, sizeof msg) == 0);
	struct cl_err err = { 0 };
	remove_tree(a, &err);
}

static void other_refusals(void)
{
	_cleanup_free_ char *a = scratch();
	char msg[1024], p[PATH_MAX];
	struct cl_err err = { 0 };
	put(a, "pkg/etc/x", "x", 0644);
	put(a, "machine/settings/packages.list", "base\n", 0644);
	CHECK(build_one(a, msg, sizeof msg) == -ENOENT);
	CHECK(strstr(msg, "the root filesystem has no /init (nor /sbin/init)") == msg);
	put(a, "pkg/init", "#!/bin/sh\n", 0755);
	CHECK(build_one(a, msg, sizeof msg) == 0);
	/* the machine cannot turn a package's directory into a file */
	put(a, "machine/settings/initramfs/etc", "not a dir", 0644);
	CHECK(build_one(a, msg, sizeof msg) == -EEXIST);
	CHECK(strstr(msg, "/etc is a directory in package base but a file in machines/m/settings/initramfs") == msg);
	snprintf(p, sizeof p, "%s/machine/settings/initramfs/etc", a);
	unlink(p);
	/* special files never come from a tree */
	snprintf(p, sizeof p, "%s/machine/settings/initramfs/fifo", a);
	CHECK(mkfifo(p, 0644) == 0);
	CHECK(build_one(a, msg, sizeof msg) == -EPERM);
	CHECK(strstr(msg, "/fifo: a device node, FIFO or socket in machines/m/settings/initramfs") != NULL);
	unlink(p);
	/* a package's contents file is its own, never a file of the host */
	snprintf(p, sizeof p, "%s/pkg/initramfs.contents", a);
	CHECK(symlink("/etc/passwd", p) == 0);
	CHECK(build_one(a, msg, sizeof msg) == -EPERM);
	CHECK_STR(msg, "package base: its initramfs.contents is not a regular file");
	unlink(p);
	/* a name the listing could not hold */
	put(a, "machine/settings/initramfs/etc/with space", "x", 0644);
	CHECK(build_one(a, msg, sizeof msg) == -EINVAL);
	CHECK(strstr(msg, "with space: the path has a blank or a control character") != NULL);
	remove_tree(a, &err);
}

/* The walk keeps a stack of folders, not a C frame per level; a path
 * longer than an image may hold is an error, not a truncation. */
static void deep_trees_walk_iteratively_and_paths_are_bounded(void)
{
	_cleanup_free_ char *a = scratch();
	struct cl_err err = { 0 };
	int fd = open(a, O_RDONLY | O_DIRECTORY);
	for (int i = 0; fd >= 0 && i < 1000; i++) {
		CHECK(mkdirat(fd, "d", 0755) == 0);
		int sub = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = sub;
	}
	CHECK(fd >= 0);
	close(fd);
	struct fstree t;
	fstree_init(&t);
	fstree_add_layer(&t, "deep", &err);
	CHECK(fstree_load(&t, a, 0, 0, &err) == 0);
	CHECK(t.n == 1000);
	fstree_free(&t);

	char name[201];
	memset(name, 'n', 200);
	name[200] = '\0';
	fd = open(a, O_RDONLY | O_DIRECTORY);
	for (int i = 0; fd >= 0 && i < 21; i++) {
		CHECK(mkdirat(fd, name, 0755) == 0);
		int sub = openat(fd, name, O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = sub;
	}
	close(fd);
	fstree_init(&t);
	fstree_add_layer(&t, "long", &err);
	CHECK(fstree_load(&t, a, 0, 0, &err) == -ENAMETOOLONG);
	CHECK(strstr(err.msg, "the path is too long for an image") != NULL);
	if (!strstr(err.msg, "too long"))
		printf("  %s\n", err.msg);
	fstree_free(&t);
	remove_tree(a, &err);
}

int main(void)
{
	RUN(bit_identical_whatever_umask_order_or_time);
	RUN(entries_owners_modes_nodes_and_order);
	RUN(unchanged_inputs_assemble_nothing);
	RUN(setuid_and_setgid_files_are_refused);
	RUN(other_refusals);
	RUN(deep_trees_walk_iteratively_and_paths_are_bounded);
	return test_failures ? 1 : 0;
}
