/* Assembly: a machine's packages and files -> its root filesystem ->
 * initramfs.cpio and initramfs.list, as an input-hashed step cached in the
 * store like a build.
 *
 *   1. the packages' outputs in order, later over earlier, then the
 *      machine's settings/initramfs/ (never .DS_Store, .gitignore, ._*,
 *      *.disabled, README, README.*)
 *   2. /etc/combine.d: the snippets combined (combine.h)
 *   3. initramfs.contents: each package's, then the machine's (contents.h)
 *   4. what every initramfs needs: /dev, /dev/console, /init
 *   5. the refusals: no setuid or setgid file
 *   6. the cpio and its listing (cpio.h)
 *
 * The inputs are the packages' names, versions and output hashes (and the
 * hard links of their outputs, which output hashes do not cover), the
 * machine's files, the contents, the settings and the epoch. */
#ifndef CLOISTER_ROOTFS_H
#define CLOISTER_ROOTFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../store/hash.h"
#include "fstree.h"
#include "../../common/kv.h"

/* Bumped when assembly changes what it makes of the same inputs. */
#define ASSEMBLY_PROTOCOL_VERSION 1

struct image_layer {
	const char *name;         /* the recipe */
	const char *version;
	const char *output_hash;
	const char *out_dir;      /* its store entry's out/ */
};

struct image_inputs {
	const char *home;             /* CLOISTER_HOME, for the store */
	const char *machine_dir;      /* machines/NAME */
	const char *machine_name;
	const struct image_layer *layers;  /* in order: later ones override earlier ones */
	size_t n_layers;
	const struct kv *settings;    /* architecture.config and networking.config */
	size_t n_settings;
	long long epoch;              /* every mtime of the cpio */
};

struct image_result {
	char entry[PATH_MAX];         /* store/INPUTHASH-MACHINE-initramfs */
	char input_hash[SHA256_HEX_LEN + 1];
	char cpio[PATH_MAX + 32];     /* entry/out/initramfs.cpio */
	char list[PATH_MAX + 32];     /* entry/out/initramfs.list */
	bool cached;                  /* found in the store: nothing was assembled */
	size_t entries;
	unsigned long long bytes;
};

/* Steps 1-5 into t (initialized by the caller); when inputs is not NULL
 * it gets the canonical text of the inputs (malloc'd), before anything is
 * combined. */
int rootfs_build(const struct image_inputs *in, struct fstree *t, char **inputs, struct cl_err *err);

/* The whole step: the input hash, then the store entry, assembled unless
 * it is there already. */
int image_assemble(const struct image_inputs *in, struct image_result *res, struct cl_err *err);

/* Copies the cpio and the listing into dir (created as needed), each
 * atomically, mode 0644; a file already identical is left alone, so its
 * mtime says when the image last changed. */
int image_install(const struct image_result *res, const char *dir, struct cl_err *err);

#endif
