/* The kernel link: a compiled kernel (the store entry of the `linux`
 * recipe, Libertine's linux_prep) + one initramfs cpio + the built-in
 * command line -> a bzImage, linked twice in the sandbox, compared, and
 * stored under the hash of those inputs.  The link compiles no C: it
 * re-runs make on the stored object tree, which finds only the embedded
 * initramfs and the command line changed.  docs/machine.md, "The kernel". */
#ifndef CLOISTER_IMAGE_KERNEL_LINK_H
#define CLOISTER_IMAGE_KERNEL_LINK_H

#include <limits.h>
#include <stdbool.h>

#include "../../common/err.h"
#include "../build/build.h"
#include "../store/hash.h"

/* Bumped when the link's script, layout or checks change: part of every
 * link's input hash. */
#define KERNEL_LINK_VERSION 1

/* x86's COMMAND_LINE_SIZE, with its terminating NUL. */
#define KERNEL_CMDLINE_MAX 2048

struct kernel_link_opts {
	const struct build_opts *build;  /* home, seed lock and skeleton, jobs, offline, quiet */
	const char *kernel;     /* the compiled kernel's store entry (its out/usr/src/linux) */
	const char *initramfs;  /* one newc cpio file, embedded as it is */
	const char *cmdline;    /* the whole built-in command line, e.g. "console=ttyS0" */
};

struct kernel_link_result {
	char entry[PATH_MAX];          /* store/INPUTHASH-NAME-link-VERSION */
	char bzimage[PATH_MAX + 16];   /* entry/out/bzImage */
	char config[PATH_MAX + 32];    /* entry/out/kernel.config: the configuration linked */
	char input_hash[SHA256_HEX_LEN + 1];
	char output_hash[SHA256_HEX_LEN + 1];
	bool cached;                   /* found in the store: nothing was linked */
	double seconds;                /* the two links, wall clock */
};

/* Links (or finds) the image.  Bad input (a command line the kernel
 * cannot take, a kernel entry that is not a compiled `linux`, a missing
 * cpio) is -EINVAL/-ENOENT; a failed link -EIO with the log kept under
 * logs/; two links that differ, or an image that does not hold the given
 * initramfs and command line, -EIO. */
int kernel_link(const struct kernel_link_opts *o, struct kernel_link_result *res, struct cl_err *err);

#endif
