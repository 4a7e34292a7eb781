/* Where a machine's image and its companions are.
 *
 *   MACHINES/NAME/                       the machine (default ./machines)
 *   MACHINES/NAME/qemu/                  its QEMU settings (${SETTINGS_PATH})
 *   MACHINES/NAME/code-signing/          its key pair (sign.h)
 *   OUTPUT/machines/NAME/                the products (${MACHINE_PATH}); OUTPUT is
 *                                        --output, by default ./output (as for
 *                                        `cloister build MACHINE`)
 *   OUTPUT/machines/NAME/NAME.vmlinuz    the image, with .sig and .sha256 beside it
 *
 * Every path is absolute, so it can be handed to QEMU or substituted into
 * a machine's settings. */
#ifndef CLOISTER_IMAGE_PATHS_H
#define CLOISTER_IMAGE_PATHS_H

#include <limits.h>

#include "../../common/err.h"

#define IMAGE_DEFAULT_MACHINE "example"

struct image_paths {
	char name[128];
	char machine_dir[PATH_MAX];
	char settings_dir[PATH_MAX];  /* machine_dir/qemu */
	char output_dir[PATH_MAX];    /* may not exist yet */
	char image[PATH_MAX];
	char sig[PATH_MAX];
	char sha256[PATH_MAX];
};

/* machines_dir NULL: ./machines (or beside the executable); output_root
 * NULL: ./output.  -ENOENT when there is no
 * machine folder NAME, -EINVAL for a bad name. */
int image_paths(const char *machines_dir, const char *output_root, const char *name,
		struct image_paths *p, struct cl_err *err);

/* The sha256 the build recorded for the image: what `cloister verify`
 * holds the image to.  For now the NAME.vmlinuz.sha256 written when it
 * was signed (record.c); the image stage's store entry replaces it. */
int image_recorded_sha256(const struct image_paths *p, char hex[65], struct cl_err *err);

#endif
