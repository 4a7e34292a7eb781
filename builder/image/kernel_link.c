#define _GNU_SOURCE
#include "kernel_link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../common/clock.h"
#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../../common/fsutil.h"
#include "../../sandbox/sandbox.h"
#include "../check/compare.h"
#include "../build/owner.h"
#include "../seed/seed.h"
#include "../plan/inputs.h"
#include "../store/store.h"
#include "../store/tree.h"
#include "../build/variations.h"
#include "../build/worker.h"
#include "bzimage.h"

/* Run in the sandbox, with the kbuild seed and the compiled kernel's
 * entry (/usr/src/linux) as the read-only root, /out writable, and the
 * tree back at the path it was compiled at (the recipe's
 * /out/usr/src/linux: objtool's build records absolute paths): the
 * sources bound there read-only, and over them a writable build/.
 *
 * The object tree is copied with its mtimes: every file of a store entry
 * has the same one, and make rebuilds a target only for a strictly newer
 * prerequisite, so it finds the whole tree up to date.  The new .config
 * is newer: syncconfig then touches only the symbols that changed
 * (include/config/INITRAMFS_SOURCE, .../CMDLINE), and what depends on them
 * is redone: the initramfs object, the command line's (both assembly,
 * with the recipe's patches), the vmlinux link and the bzImage steps.
 * The initramfs's path holds its sha256, so a new cpio is a new path,
 * which make cannot miss. */
static const char link_script[] =
	"set -eu\n"
	/* what is written must not depend on the umask (B's is 027) */
	"umask 022\n"
	"cd /out/usr/src/linux\n"
	"cp -a /usr/src/linux/build/. build/\n"
	"chmod -R u+w build\n"
	/* the compile's KBUILD_BUILD_* (read, not sourced): another date
	 * would rebuild init/version-timestamp.o */
	"while IFS='=' read -r name value; do\n"
	"  case \"$name\" in\n"
	"  KBUILD_BUILD_TIMESTAMP|KBUILD_BUILD_USER|KBUILD_BUILD_HOST|KBUILD_BUILD_VERSION|KCONFIG_NOTIMESTAMP)\n"
	"    export \"$name=$value\" ;;\n"
	"  esac\n"
	"done < kbuild.env\n"
	"printf 'CONFIG_INITRAMFS_SOURCE=\"%s\"\\nCONFIG_INITRAMFS_COMPRESSION_NONE=y\\n"
	"CONFIG_CMDLINE=\"%s\"\\n' \"$CLOISTER_INITRAMFS\" \"$CLOISTER_CMDLINE\" > /tmp/link.config\n"
	"cat /tmp/link.config >> build/.config\n"
	"make -s O=build olddefconfig </dev/null\n"
	"while IFS= read -r line; do\n"
	"  grep -qxF \"$line\" build/.config || { echo \"cloister link: '$line' did not survive olddefconfig\"; exit 1; }\n"
	"done < /tmp/link.config\n"
	/* what makes the command line and the initramfs the machine's own */
	"for line in CONFIG_CMDLINE_BOOL=y CONFIG_CMDLINE_OVERRIDE=y CONFIG_INITRAMFS_FORCE=y CONFIG_KERNEL_XZ=y; do\n"
	"  grep -qxF \"$line\" build/.config || { echo \"cloister link: the compiled kernel lacks $line\"; exit 1; }\n"
	"done\n"
	"make O=build -j\"$JOBS\" bzImage </dev/null\n"
	"cp build/arch/x86/boot/bzImage /out/bzImage\n"
	"cp build/.config /out/kernel.config\n";

/* What link B varies from A (variations.h): everything but the build
 * path and the filesystem, which the object tree fixes. */
#define LINK_VARY (VARY_ALL & ~(unsigned)(VARY_PATH | VARY_FS))


/* The kernel's command line is a Kconfig string, written between double
 * quotes into .config: no quote, backslash or control character. */
static int check_cmdline(const char *cmdline, struct cl_err *err)
{
	if (strlen(cmdline) >= KERNEL_CMDLINE_MAX)
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "the kernel command line has %zu bytes; x86 takes at most %d",
				  strlen(cmdline), KERNEL_CMDLINE_MAX - 1);
	for (const unsigned char *c = (const unsigned char *)cmdline; *c; c++)
		if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\')
			return cl_err_in(err, CL_BAD_INPUT, EINVAL, "the kernel command line '%s' holds a character the "
					  "built-in command line cannot (a quote, backslash, control or "
					  "non-ASCII byte)", cmdline);
	return 0;
}

struct kernel {
	char out[PATH_MAX + 16];
	char name[128], version[128];
	char output_hash[SHA256_HEX_LEN + 1];
};

static int read_kernel(const char *entry, struct kernel *k, struct cl_err *err)
{
	char file[PATH_MAX + 64];
	_cleanup_free_ char *hash = NULL;
	struct inputs_record rec;
	struct stat st;
	TRY(pathf(err, k->out, sizeof k->out, "%s/out", entry));
	TRY(pathf(err, file, sizeof file, "%s/usr/src/linux/build/.config", k->out));
	if (stat(file, &st) < 0)
		return cl_err_in(err, CL_BAD_INPUT, ENOENT, "%s: not a compiled kernel (no out/usr/src/linux/build/.config); "
				  "give the store entry `cloister build -r linux` prints", entry);
	TRY(pathf(err, file, sizeof file, "%s/output-hash", entry));
	TRY(read_file(file, &hash, NULL, err));
	TRY(pathf(err, file, sizeof file, "%s/inputs.json", entry));
	TRY(inputs_json_read(file, &rec, err));
	snprintf(k->name, sizeof k->name, "%s", rec.recipe);
	snprintf(k->version, sizeof k->version, "%s", rec.version);
	if (strlen(hash) < SHA256_HEX_LEN)
		return cl_err_msg(err, EINVAL, "%s: a damaged store entry (output-hash)", entry);
	memcpy(k->output_hash, hash, SHA256_HEX_LEN);
	k->output_hash[SHA256_HEX_LEN] = '\0';
	if (!sha256_hex_valid(k->output_hash))
		return cl_err_msg(err, EINVAL, "%s: a damaged store entry (output-hash)", entry);
	/* a checked package like every other, before anything is linked */
	struct store_entry e = { 0 };
	snprintf(e.path, sizeof e.path, "%s", entry);
	if (!store_checked(&e))
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s: the compiled kernel was not checked (built with --no-check, "
				  "or not identical twice); `cloister build -r %s` checks it", entry, k->name);
	return 0;
}

static int kbuild_seed(const struct build_opts *b, char hash[SHA256_HEX_LEN + 1], char *tree, size_t len,
		       struct cl_err *err)
{
	struct seed_ctx c = { .set = "kbuild", .fetch = &b->fetch, .quiet = true };
	snprintf(c.home, sizeof c.home, "%s", b->home);
	snprintf(c.lock, sizeof c.lock, "%s", b->seed_lock);
	snprintf(c.skeleton, sizeof c.skeleton, "%s", b->seed_skeleton);
	int r = seed_build(&c, hash, tree, len, err);
	/* offline, the cache and file:// mirrors may still have them */
	if (r == -ENOENT) {
		TRY(seed_fetch(&c, err));
		r = seed_build(&c, hash, tree, len, err);
	}
	return r < 0 ? cl_err_prefix(err, "the kernel link's seed") : 0;
}

/* One link's inputs, as listed (inputs.json) and hashed. */
struct link_inputs {
	struct kernel k;
	char seed_hash[SHA256_HEX_LEN + 1];
	char seed_tree[PATH_MAX + 128];
	char cpio_hash[SHA256_HEX_LEN + 1];
	char script_hash[SHA256_HEX_LEN + 1];
	const char *cmdline;
	char hash[SHA256_HEX_LEN + 1];
	char *json;
	size_t json_len;
};

static void json_string(FILE *f, const char *s)
{
	/* the command line is printable ASCII without quotes or backslashes */
	fprintf(f, "\"%s\"", s);
}

static int hash_inputs(struct link_inputs *in, struct cl_err *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *t = open_memstream(&text, &len);
	FILE *j = open_memstream(&in->json, &in->json_len);
	if (!t || !j) {
		if (t)
			fclose(t);
		if (j)
			fclose(j);
		return cl_err_set(err, ENOMEM, "the link's inputs");
	}
	fprintf(t, "cloister-kernel-link %d\nsandbox-policy %d\nscript %s\nkernel %s %s %s\nseed %s\n"
		"initramfs %s\ncmdline %s\n", KERNEL_LINK_VERSION, SANDBOX_POLICY_VERSION, in->script_hash,
		in->k.name, in->k.version, in->k.output_hash, in->seed_hash, in->cpio_hash, in->cmdline);
	fclose(t);
	int rc = sha256_bytes(text, len, in->hash, err);
	free(text);
	fprintf(j, "{\n  \"step\": \"kernel link\",\n  \"link_version\": %d,\n  \"sandbox_policy\": %d,\n"
		   "  \"script_sha256\": \"%s\",\n  \"kernel\": {\"name\": ", KERNEL_LINK_VERSION,
		SANDBOX_POLICY_VERSION, in->script_hash);
	json_string(j, in->k.name);
	fprintf(j, ", \"version\": ");
	json_string(j, in->k.version);
	fprintf(j, ", \"output_hash\": \"%s\"},\n  \"seed\": \"%s\",\n  \"seed_sets\": [\"base\", \"kbuild\"],\n"
		   "  \"initramfs_sha256\": \"%s\",\n  \"cmdline\": ", in->k.output_hash, in->seed_hash,
		in->cpio_hash);
	json_string(j, in->cmdline);
	fprintf(j, ",\n  \"input_hash\": \"%s\"\n}\n", in->hash);
	fclose(j);
	return rc;
}

/* One link in the sandbox, into stage/out, its output to stage/log. */
struct link_run {
	const struct kernel_link_opts *o;
	const struct link_inputs *in;
	const char *initramfs_dir;   /* holds HASH.cpio */
	char stage[PATH_MAX];
	unsigned vary;
};

static int link_once(const struct link_run *l, struct cl_err *err)
{
	char out[PATH_MAX + 16], logp[PATH_MAX + 16], cpio[PATH_MAX], jobs[16], src[PATH_MAX + 32],
		obj[PATH_MAX + 16];
	TRY(pathf(err, out, sizeof out, "%s/out", l->stage));
	TRY(pathf(err, obj, sizeof obj, "%s/build/obj", l->stage));
	TRY(pathf(err, src, sizeof src, "%s/usr/src/linux", l->in->k.out));
	TRY(mkdir_p(obj, 0755, err));
	TRY(pathf(err, logp, sizeof logp, "%s/log", l->stage));
	TRY(pathf(err, cpio, sizeof cpio, "/initramfs/%s.cpio", l->in->cpio_hash));
	snprintf(jobs, sizeof jobs, "%u", (l->vary & VARY_JOBS) ? 1 : l->o->build->jobs);
	_cleanup_close_ int log = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log < 0)
		return cl_err_set(err, errno, "%s", logp);

	/* nothing the user types reaches the link (docs/sandbox.md) */
	_cleanup_close_ int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		return cl_err_set(err, errno, "/dev/null");
	struct sandbox_config cfg;
	sandbox_config_init(&cfg);
	char *argv[] = { "sh", "-c", (char *)link_script, NULL };
	cfg.argv = argv;
	cfg.timeout_sec = 1800;
	cfg.stdio[0] = devnull;
	cfg.stdio[1] = log;
	cfg.stdio[2] = log;
	int rc = sandbox_config_add_root(&cfg, l->in->seed_tree, err);
	if (rc == 0)
		rc = sandbox_config_add_root(&cfg, l->in->k.out, err);
	if (rc == 0)
		rc = sandbox_config_add_op(&cfg, SB_OP_RO_BIND, l->initramfs_dir, "/initramfs", err);
	if (rc == 0)
		rc = sandbox_config_add_op(&cfg, SB_OP_BIND, out, "/out", err);
	if (rc == 0)
		rc = sandbox_config_add_op(&cfg, SB_OP_RO_BIND, src, "/out/usr/src/linux", err);
	if (rc == 0)
		rc = sandbox_config_add_op(&cfg, SB_OP_BIND, obj, "/out/usr/src/linux/build", err);
	const char *env[][2] = {
		{ "HOME", "/tmp" }, { "TMPDIR", "/tmp" }, { "JOBS", jobs },
		{ "CLOISTER_INITRAMFS", cpio }, { "CLOISTER_CMDLINE", l->in->cmdline },
	};
	for (size_t i = 0; rc == 0 && i < sizeof env / sizeof *env; i++)
		rc = sandbox_config_setenv(&cfg, env[i][0], env[i][1], err);
	if (rc == 0 && (l->vary & VARY_TZ_LOCALE)) {
		rc = sandbox_config_setenv(&cfg, "TZ", "<+14>-14", err);
		if (rc == 0)
			rc = sandbox_config_setenv(&cfg, "LC_ALL", "C.UTF-8", err);
	}
	if (l->vary & VARY_UMASK)
		cfg.umask = 027;
	if (l->vary & VARY_JOBS)
		cfg.one_cpu = true;
	if (l->vary & VARY_UID)
		cfg.uid = cfg.gid = 2000;
	if (l->vary & VARY_ASLR)
		cfg.personality |= ADDR_NO_RANDOMIZE;
	if (l->vary & VARY_UNAME) {
		strcpy(cfg.hostname, VARIED_HOSTNAME);
		strcpy(cfg.uname.release, "5.10.0-cloister-b");
		strcpy(cfg.uname.version, "#2 SMP Sat Feb 29 12:00:00 UTC 2020");
	}
	if (rc == 0 && (l->vary & VARY_ENV)) {
		/* a variable more, one less, as a build's B (build_run.c) */
		rc = sandbox_config_setenv(&cfg, "CAPTURE_ENVIRONMENT", "i_capture_the_environment", err);
		sandbox_config_unsetenv(&cfg, "TMPDIR");
	}
	/* as root the link runs as the build id: it gets its directories,
	 * and root takes the output back (builder/build/owner.h) */
	uid_t host_uid;
	gid_t host_gid;
	bool handed = false;
	if (rc == 0 && (rc = sandbox_host_ids(&cfg, &host_uid, &host_gid, err)) == 0 && host_uid != geteuid()) {
		handed = true;
		if ((rc = tree_chown(out, host_uid, host_gid, err)) == 0)
			rc = tree_chown(obj, host_uid, host_gid, err);
	}
	struct sandbox_result res;
	if (rc == 0)
		rc = sandbox_run(&cfg, &res, err);
	if (rc == 0 && res.message[0])
		build_notef(l->o->build, NOTE_FINDING, "%s", res.message);
	if (rc == 0)
		rc = res.status;
	sandbox_config_free(&cfg);
	if (handed) {
		struct cl_err cerr = { 0 };
		int cr = tree_chown(out, geteuid(), getegid(), &cerr);
		if (cr < 0 && rc >= 0) {
			rc = cr;
			*err = cerr;
		}
	}
	if (rc < 0)
		return cl_err_prefix(err, "the kernel link's sandbox");
	/* the mount points the binds needed, now empty */
	char mnt[PATH_MAX + 32];
	struct cl_err ignore;
	if (pathf(&ignore, mnt, sizeof mnt, "%s/usr", out) == 0)
		remove_tree(mnt, &ignore);
	if (rc != 0) {
		char keep[PATH_MAX], dir[PATH_MAX];
		struct cl_err ignore;
		const char *at = logp;
		if (pathf(&ignore, dir, sizeof dir, "%s/logs", l->o->build->home) == 0 &&
		    mkdir_p(dir, 0755, &ignore) == 0 &&
		    pathf(&ignore, keep, sizeof keep, "%s/%s-link-%s%s.failed.log", dir, l->in->k.name,
			  l->in->k.version, l->vary ? "-b" : "") == 0 && rename(logp, keep) == 0)
			at = keep;
		return cl_err_in(err, CL_BUILD_FAILED, EIO, "the kernel link%s failed (%s %d); the log is %s",
				  l->vary ? " (B, varied)" : "", rc == SANDBOX_EXIT_TIMEOUT ? "timed out, status" :
				  "exit status", rc, at);
	}
	return 0;
}

static int link_main(void *arg, FILE *result, struct cl_err *err)
{
	(void)result;
	return link_once(arg, err);
}

/* Both links' outputs as the store publishes them, compared. */
static int compare_links(const char *stage_a, const char *stage_b, struct cl_err *err)
{
	char a[PATH_MAX + 16], b[PATH_MAX + 16];
	TRY(pathf(err, a, sizeof a, "%s/out", stage_a));
	TRY(pathf(err, b, sizeof b, "%s/out", stage_b));
	const char *dirs[] = { a, b };
	for (int i = 0; i < 2; i++) {
		TRY(tree_clamp_mtimes(dirs[i], SEED_EPOCH, err));
		TRY(tree_canonical_modes(dirs[i], NULL, err));
	}
	struct comparison c;
	TRY(compare_trees(a, b, &c, err));
	int rc = 0;
	if (c.n) {
		/* the first difference, in the message: nothing prints here */
		rc = cl_err_in(err, CL_UNREPRODUCIBLE, EIO, "the kernel link is NOT reproducible: %zu difference%s, "
			       "first %s: %s %s",
				c.n, c.n == 1 ? "" : "s", c.diffs[0].path, c.diffs[0].what, c.diffs[0].detail);
	}
	comparison_free(&c);
	return rc;
}

static int write_stage_files(const char *stage, const struct link_inputs *in, struct cl_err *err)
{
	char file[PATH_MAX + 32], *json = NULL;
	size_t len = 0;
	TRY(pathf(err, file, sizeof file, "%s/inputs.json", stage));
	TRY(write_file_atomic(file, in->json, in->json_len, 0444, err));
	FILE *f = open_memstream(&json, &len);
	if (!f)
		return cl_err_set(err, ENOMEM, "reproducibility.json");
	fprintf(f, "{\n  \"checked\": true,\n  \"identical\": true,\n  \"variations\": [");
	int first = 1;
	for (unsigned i = 0; i < N_VARIATIONS; i++)
		if (LINK_VARY & (1u << i)) {
			fprintf(f, "%s\"%s\"", first ? "" : ", ", variation_name(1u << i));
			first = 0;
		}
	fprintf(f, "],\n  \"embeds_initramfs_sha256\": \"%s\",\n  \"embeds_cmdline\": true,\n"
		   "  \"differences\": []\n}\n", in->cpio_hash);
	fclose(f);
	TRY(pathf(err, file, sizeof file, "%s/reproducibility.json", stage));
	int rc = write_file_atomic(file, json, len, 0444, err);
	free(json);
	return rc;
}

/* A and B at once: B (varied, on one CPU) in a worker, A here. */
static int link_twice(const struct kernel_link_opts *o, const struct link_inputs *in, const char *initramfs_dir,
		      const char *stage_a, const char *stage_b, struct cl_err *err)
{
	struct link_run a = { .o = o, .in = in, .initramfs_dir = initramfs_dir, .vary = 0 };
	struct link_run b = { .o = o, .in = in, .initramfs_dir = initramfs_dir, .vary = LINK_VARY };
	snprintf(a.stage, sizeof a.stage, "%s", stage_a);
	snprintf(b.stage, sizeof b.stage, "%s", stage_b);
	struct worker w;
	TRY(worker_start(&w, link_main, &b, err));
	struct cl_err aerr = { 0 };
	int ra = link_once(&a, &aerr);
	char *report = NULL;
	int rb = worker_wait(&w, "the varied kernel link", &report, err);
	free(report);
	if (ra < 0) {
		*err = aerr;
		return ra;
	}
	return rb;
}

/* The cpio, read once: the bytes hashed are the bytes staged (as
 * dir/HASH.cpio, bound into the sandbox) and looked for in the image. */
static int read_initramfs(const char *src, char **bytes, size_t *len, char hash[SHA256_HEX_LEN + 1],
			  struct cl_err *err)
{
	struct stat st;
	if (stat(src, &st) < 0)
		return cl_err_set(err, errno, "the initramfs %s", src);
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return cl_err_in(err, CL_BAD_INPUT, EINVAL, "the initramfs %s is not a non-empty file (one newc cpio)",
				 src);
	TRY(read_file(src, bytes, len, err));
	return sha256_bytes(*bytes, *len, hash, err);
}

static int stage_initramfs(const char *dir, const char *hash, const char *bytes, size_t len,
			   struct cl_err *err)
{
	char path[PATH_MAX + 80];
	TRY(mkdir_p(dir, 0755, err));
	TRY(pathf(err, path, sizeof path, "%s/%s.cpio", dir, hash));
	return write_file_atomic(path, bytes, len, 0444, err);
}

static void fill_result(struct kernel_link_result *res, const struct store_entry *e, const char *input_hash)
{
	snprintf(res->entry, sizeof res->entry, "%s", e->path);
	snprintf(res->bzimage, sizeof res->bzimage, "%s/out/bzImage", e->path);
	snprintf(res->config, sizeof res->config, "%s/out/kernel.config", e->path);
	memcpy(res->input_hash, input_hash, sizeof res->input_hash);
	memcpy(res->output_hash, e->output_hash, sizeof res->output_hash);
}

int kernel_link(const struct kernel_link_opts *o, struct kernel_link_result *res, struct cl_err *err)
{
	struct link_inputs in = { .cmdline = o->cmdline };
	char name[160], stage_a[PATH_MAX] = "", stage_b[PATH_MAX] = "", initramfs_dir[PATH_MAX + 16];
	_cleanup_free_ char *cpio = NULL;
	size_t cpio_len = 0;
	struct store_entry e;
	memset(res, 0, sizeof *res);
	TRY(check_cmdline(o->cmdline, err));
	TRY(read_kernel(o->kernel, &in.k, err));
	TRY(sha256_bytes(link_script, sizeof link_script - 1, in.script_hash, err));
	TRY(kbuild_seed(o->build, in.seed_hash, in.seed_tree, sizeof in.seed_tree, err));
	TRY(read_initramfs(o->initramfs, &cpio, &cpio_len, in.cpio_hash, err));
	TRY(hash_inputs(&in, err));
	snprintf(name, sizeof name, "%s-link", in.k.name);

	int rc = store_lookup(o->build->home, in.hash, name, in.k.version, &e, err);
	if (rc == 0 && store_checked(&e)) {
		fill_result(res, &e, in.hash);
		res->cached = true;
		free(in.json);
		return 0;
	}
	if (rc != -ENOENT && rc < 0) {
		free(in.json);
		return rc;
	}
	int lock = store_lock(o->build->home, in.hash, err);
	if (lock < 0) {
		free(in.json);
		return lock;
	}
	double t0 = clock_mono_s();
	if ((rc = store_lookup(o->build->home, in.hash, name, in.k.version, &e, err)) == 0 && store_checked(&e)) {
		fill_result(res, &e, in.hash);
		res->cached = true;
		goto out;
	}
	if ((rc = store_stage(o->build->home, stage_a, sizeof stage_a, err)) < 0 ||
	    (rc = store_stage(o->build->home, stage_b, sizeof stage_b, err)) < 0 ||
	    (rc = pathf(err, initramfs_dir, sizeof initramfs_dir, "%s/build/initramfs", stage_a)) < 0 ||
	    (rc = stage_initramfs(initramfs_dir, in.cpio_hash, cpio, cpio_len, err)) < 0 ||
	    (rc = link_twice(o, &in, initramfs_dir, stage_a, stage_b, err)) < 0 ||
	    (rc = compare_links(stage_a, stage_b, err)) < 0)
		goto out;
	char bz[PATH_MAX + 32], build[PATH_MAX + 16];
	if ((rc = pathf(err, bz, sizeof bz, "%s/out/bzImage", stage_a)) < 0 ||
	    (rc = bzimage_check_embeds(bz, cpio, cpio_len, o->cmdline, err)) < 0 ||
	    (rc = write_stage_files(stage_a, &in, err)) < 0 ||
	    (rc = pathf(err, build, sizeof build, "%s/build", stage_a)) < 0 ||
	    (rc = remove_tree(build, err)) < 0 ||
	    (rc = store_publish(o->build->home, stage_a, in.hash, name, in.k.version, SEED_EPOCH, &e, err)) < 0)
		goto out;
	stage_a[0] = '\0';
	fill_result(res, &e, in.hash);
	res->seconds = clock_mono_s() - t0;
out:
	{
		struct cl_err ignore;
		if (stage_a[0])
			remove_tree(stage_a, &ignore);
		if (stage_b[0])
			remove_tree(stage_b, &ignore);
	}
	close(lock);
	free(in.json);
	return rc;
}
