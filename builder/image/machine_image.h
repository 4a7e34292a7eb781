/* The machine's image, after its packages and its initramfs: the kernel
 * (the `linux` recipe, compiled once, a checked package like any other),
 * its link with the initramfs and the built-in command line (twice,
 * compared), the signature, and the record of what was built, into
 * output/machines/MACHINE/.  Nothing is linked unless every package of the
 * machine was checked reproducible (or the build said --no-check). */
#ifndef CLOISTER_MACHINE_IMAGE_H
#define CLOISTER_MACHINE_IMAGE_H

#include <limits.h>
#include <stdbool.h>

#include "../../common/err.h"
#include "../build/build.h"
#include "../store/hash.h"
#include "rootfs.h"

/* The recipe every machine's kernel is built from. */
#define MACHINE_KERNEL_RECIPE "linux"

struct machine_image_opts {
	const struct build_opts *build;   /* with the machine's settings */
	const char *machine_dir;
	const char *machine_name;
	const struct build_result *packages;  /* the image's layers, in order */
	size_t n_packages;
	const struct image_result *initramfs;
	const char *out_dir;              /* output/machines/MACHINE, existing */
};

struct machine_image_result {
	char image[PATH_MAX];             /* out_dir/MACHINE.vmlinuz */
	char sha256[SHA256_HEX_LEN + 1];
	char kernel_entry[PATH_MAX];
	char link_entry[PATH_MAX];
	char cmdline[2048];
	bool link_cached;
	bool keys_created;
	double link_seconds;
};

int machine_image(const struct machine_image_opts *o, struct machine_image_result *res, struct cl_err *err);

#endif
