/* `cloister boot`: the QEMU command line for a machine's image, booted
 * directly (-kernel) or over the network (PXE: QEMU's user network, its
 * built-in TFTP server, Debian's iPXE option ROMs).  docs/image.md. */
#ifndef CLOISTER_IMAGE_BOOT_H
#define CLOISTER_IMAGE_BOOT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "paths.h"
#include "words.h"

#define BOOT_QEMU "qemu-system-x86_64"
#define BOOT_SETTINGS_FILE "qemu-command-line.config"

struct boot_opts {
	bool pxe;
	const char *append;  /* a kernel command line after the machine's settings', or NULL */
	const char *initrd;  /* an initrd after the machine's settings', or NULL */
	const char *accel;   /* "kvm" or "tcg"; NULL: KVM when usable, else TCG */
};

struct boot_plan {
	struct words argv;
	char accel[PATH_MAX + 64];    /* what was chosen, and why, for the user */
	char tftp_dir[PATH_MAX];      /* --pxe: the folder served; "" otherwise */
	char script[PATH_MAX];        /* --pxe: its boot.ipxe */
};

/* The command line for p's image with machine settings and options;
 * with --pxe, also the TFTP folder (a private copy of the image, an
 * initrd if any, and the iPXE script).  Bad settings are -EINVAL with
 * "FILE:LINE: ...". */
int boot_plan(const struct image_paths *p, const struct boot_opts *o, struct boot_plan *plan,
	      struct cl_err *err);
/* Frees the command line and removes the TFTP folder. */
void boot_plan_free(struct boot_plan *plan);

/* Whether this user can run a KVM virtual machine now: the CPU has vmx
 * or svm, /dev/kvm opens, speaks API 12 and creates a VM.  Otherwise why
 * not, in why. */
bool kvm_usable(char *why, size_t len);

/* The iPXE script: "#!ipxe", "kernel NAME.vmlinuz [APPEND]", "initrd
 * initrd" when there is one, "boot".  -EINVAL when append cannot be
 * written into it unchanged (control characters; $, quotes and
 * backslashes, which iPXE would interpret). */
int pxe_script(const char *image_name, const char *append, bool initrd, char *out, size_t len,
	       struct cl_err *err);

/* Fills plan->tftp_dir (a new private folder: a copy of the image, and
 * of its signature and the initrd when there are) and plan->script (pxe.c,
 * for boot_plan). */
int pxe_folder(const struct image_paths *p, const char *append, const char *initrd, struct boot_plan *plan,
	       struct cl_err *err);

#endif
