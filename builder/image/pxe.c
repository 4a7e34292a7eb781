/* The folder QEMU's TFTP server offers the machine in --pxe mode. */
#define _GNU_SOURCE
#include "boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"

int pxe_script(const char *image_name, const char *append, bool initrd, char *out, size_t len,
	       struct cl_err *err)
{
	for (const char *c = append; c && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || strchr("$\"'\\", *c))
			return cl_err_msg(err, EINVAL, "the kernel command line '%s' has '%s', which iPXE would "
					  "interpret; --pxe passes only plain text", append,
					  *c == '$' ? "$" : (unsigned char)*c < 0x20 || *c == 0x7f ? "a control character"
					  : *c == '\\' ? "\\" : "a quote");
	int n = snprintf(out, len, "#!ipxe\nkernel %s%s%s\n%sboot\n", image_name, append && *append ? " " : "",
			 append ? append : "", initrd ? "initrd initrd\n" : "");
	if (n < 0 || (size_t)n >= len)
		return cl_err_msg(err, ENAMETOOLONG, "the kernel command line is too long for the iPXE script");
	return 0;
}

static int copy_file(const char *src, const char *dst, struct cl_err *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	TRY(read_file(src, &data, &len, err));
	return write_file_atomic(dst, data, len, 0644, err);
}

/* Copies, not links: the guest reads what is in this folder and only
 * that, and the output folder is never written to. */
int pxe_folder(const struct image_paths *p, const char *append, const char *initrd, struct boot_plan *plan,
	       struct cl_err *err)
{
	char script[8192], path[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	TRY(pxe_script(strrchr(p->image, '/') + 1, append, initrd != NULL, script, sizeof script, err));
	TRY(pathf(err, plan->tftp_dir, sizeof plan->tftp_dir, "%s/cloister-pxe.XXXXXX",
		  tmp && tmp[0] == '/' ? tmp : "/tmp"));
	if (!mkdtemp(plan->tftp_dir)) {
		int e = errno;
		plan->tftp_dir[0] = '\0';
		return cl_err_set(err, e, "creating the TFTP folder");
	}
	TRY(pathf(err, path, sizeof path, "%s/%s", plan->tftp_dir, strrchr(p->image, '/') + 1));
	TRY(copy_file(p->image, path, err));
	if (access(p->sig, F_OK) == 0) {
		/* for an iPXE that can imgverify (Debian's cannot) */
		TRY(pathf(err, path, sizeof path, "%s/%s", plan->tftp_dir, strrchr(p->sig, '/') + 1));
		TRY(copy_file(p->sig, path, err));
	}
	if (initrd) {
		TRY(pathf(err, path, sizeof path, "%s/initrd", plan->tftp_dir));
		TRY(copy_file(initrd, path, err));
	}
	TRY(pathf(err, plan->script, sizeof plan->script, "%s/boot.ipxe", plan->tftp_dir));
	return write_file_atomic(plan->script, script, strlen(script), 0644, err);
}
