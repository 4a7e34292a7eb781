/* A new /proc for the new pid namespace, with the kernel's identity
 * masked to match the faked uname(2). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fdio.h"

int sandbox_mount_procfs(struct rootfs *rf, struct cl_err *err)
{
	_cleanup_close_ int target = make_path_in_root(rf->root_fd, "/proc", true, err);
	if (target < 0)
		return target;
	/* Mounted by pid 1 of the new pid namespace, so it lists only the
	 * sandbox's processes. */
	_cleanup_close_ int m = new_fs("proc", NULL,
				       MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
	if (m < 0)
		return m;
	TRY(attach_mount(m, target, "/proc", err));
	/* The kernel's global knobs are read-only in every mode, as bwrap
	 * does: the sysctls (core_pattern, modprobe, ...), the SysRq trigger,
	 * IRQ affinities and bus devices.  Which of them the inner uid could
	 * write otherwise depends on what it maps to; a read-only bind does
	 * not. */
	static const char *const covered[] = { "sys", "sysrq-trigger", "irq", "bus" };
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					     MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC };
	for (size_t i = 0; i < sizeof covered / sizeof *covered; i++) {
		/* from m, the root of the new proc: target is the directory under it */
		_cleanup_close_ int sub = open_tree(m, covered[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
						    AT_RECURSIVE | AT_SYMLINK_NOFOLLOW);
		if (sub < 0 && errno == ENOENT)
			continue;
		if (sub < 0)
			return cl_err_set(err, errno, "cloning /proc/%s", covered[i]);
		if (mount_setattr(sub, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof ro) < 0)
			return cl_err_set(err, errno, "making /proc/%s read-only", covered[i]);
		_cleanup_close_ int at = openat(m, covered[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (at < 0)
			return cl_err_set(err, errno, "opening /proc/%s", covered[i]);
		char what[32];
		snprintf(what, sizeof what, "/proc/%s", covered[i]);
		TRY(attach_mount(sub, at, what, err));
	}
	return 0;
}

static int mask_file(struct rootfs *rf, const char *name, const char *content,
		     const char *target_path, struct cl_err *err)
{
	/* only what this kernel has: a missing file describes nothing */
	if (faccessat(rf->root_fd, target_path + 1, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return 0;
	int r = write_file_at(rf->staging_fd, name, content, 0444);
	if (r < 0)
		return cl_err_set(err, -r, "writing the mask for %s", target_path);
	_cleanup_close_ int src = open_tree(rf->staging_fd, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (src < 0)
		return cl_err_set(err, errno, "cloning the mask for %s", target_path);
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
	};
	if (mount_setattr(src, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
		return cl_err_set(err, errno, "restricting the mask for %s", target_path);
	_cleanup_close_ int target = resolve_in_root(rf->root_fd, target_path, 0, err);
	if (target < 0)
		return target;
	return attach_mount(src, target, target_path, err);
}

/* A /proc/cpuinfo that says what the sandbox may use and nothing about
 * the host's processor: one entry per CPU of the affinity mask (as nproc
 * counts them), a fixed model, and the x86-64 baseline's flags, so that a
 * build that looks for features finds those every x86-64 has. */
static char *fake_cpuinfo(size_t *size)
{
	static const char flags[] = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat "
				    "pse36 clflush mmx fxsr sse sse2 syscall nx lm";
	cpu_set_t set;
	int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
	/* mmap, not malloc: this runs in a child of a raw clone3 of a
	 * process that may have threads */
	size_t cap = *size = (size_t)n * 512 + 1;
	char *buf = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return NULL;
	size_t o = 0;
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, cap - o,
				      "processor\t: %d\nvendor_id\t: cloister\ncpu family\t: 6\nmodel\t\t: 0\n"
				      "model name\t: cloister virtual CPU\nstepping\t: 0\ncpu MHz\t\t: 1000.000\n"
				      "physical id\t: 0\nsiblings\t: %d\ncore id\t\t: %d\ncpu cores\t: %d\n"
				      "flags\t\t: %s\nbogomips\t: 2000.00\n\n", i, n, i, n, flags);
	return buf;
}

int sandbox_mask_procfs(const struct sandbox_config *cfg, struct rootfs *rf,
			struct cl_err *err)
{
	char buf[512];

	/* uname(2) is answered by the supervisor; these are the other places
	 * a build can read the kernel's identity from. */
	snprintf(buf, sizeof buf, "%s\n", cfg->uname.release);
	TRY(mask_file(rf, "osrelease", buf, "/proc/sys/kernel/osrelease", err));
	snprintf(buf, sizeof buf, "%s\n", cfg->uname.version);
	TRY(mask_file(rf, "version", buf, "/proc/sys/kernel/version", err));
	snprintf(buf, sizeof buf, "%s version %s (cloister@cloister) %s\n",
		 cfg->uname.sysname, cfg->uname.release, cfg->uname.version);
	TRY(mask_file(rf, "proc_version", buf, "/proc/version", err));
	/* The other files that describe the host, each replaced by a fixed
	 * text: the kernel's configuration, the boot command line (with the
	 * host's boot image and root device), the boot id (the same for every
	 * build of one boot), the loaded modules, and the processor. */
	TRY(mask_file(rf, "config.gz", "", "/proc/config.gz", err));
	snprintf(buf, sizeof buf, "BOOT_IMAGE=/boot/vmlinuz-%s ro\n", cfg->uname.release);
	TRY(mask_file(rf, "cmdline", buf, "/proc/cmdline", err));
	TRY(mask_file(rf, "boot_id", "00000000-0000-4000-8000-000000000000\n",
		      "/proc/sys/kernel/random/boot_id", err));
	TRY(mask_file(rf, "modules", "", "/proc/modules", err));
	size_t size;
	char *cpuinfo = fake_cpuinfo(&size);
	if (!cpuinfo)
		return cl_err_set(err, ENOMEM, "/proc/cpuinfo");
	int r = mask_file(rf, "cpuinfo", cpuinfo, "/proc/cpuinfo", err);
	munmap(cpuinfo, size);
	if (r < 0)
		return r;
	/* ostype is "Linux" on every Linux: mask it only when told otherwise */
	if (strcmp(cfg->uname.sysname, "Linux") != 0) {
		snprintf(buf, sizeof buf, "%s\n", cfg->uname.sysname);
		TRY(mask_file(rf, "ostype", buf, "/proc/sys/kernel/ostype", err));
	}
	return 0;
}
