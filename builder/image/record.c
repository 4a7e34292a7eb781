/* What the build recorded about the image. */
#include "paths.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../store/hash.h"

/* The image the store says was built: IMAGE.entry names the link's store
 * entry, whose out/bzImage is hashed; the .sha256 written at signing must
 * agree with it. */
static int store_sha256(const struct image_paths *p, char hex[65], struct cl_err *err)
{
	char path[PATH_MAX + 16], bz[PATH_MAX + 32];
	_cleanup_free_ char *entry = NULL;
	TRY(pathf(err, path, sizeof path, "%s.entry", p->image));
	int r = read_file(path, &entry, NULL, err);
	if (r < 0)
		return r;
	entry[strcspn(entry, "\n")] = '\0';
	TRY(pathf(err, bz, sizeof bz, "%s/out/bzImage", entry));
	if (access(bz, F_OK) < 0)
		return cl_err_in(err, CL_IO, EIO, "%s: the store entry it names (%s) has no bzImage: it was removed, "
				  "or the image was built with another store (--store)", path, entry);
	return sha256_file(bz, hex, err);
}

int image_recorded_sha256(const struct image_paths *p, char hex[65], struct cl_err *err)
{
	char stored[SHA256_HEX_LEN + 1];
	struct cl_err e = { 0 };
	int have_store = store_sha256(p, stored, &e);
	if (have_store < 0 && have_store != -ENOENT)
		return cl_err_msg(err, -have_store, "%s", e.msg);
	_cleanup_free_ char *line = NULL;
	int r = read_file(p->sha256, &line, NULL, err);
	if (r == -ENOENT)
		return cl_err_msg(err, ENOENT, "%s: missing; the image's digest is recorded there when it is "
				  "signed (or give the expected one with --sha256)", p->sha256);
	TRY(r);
	/* sha256sum's format: HEX, two spaces, the file's name */
	const char *base = strrchr(p->image, '/') + 1;
	size_t n = strlen(base);
	if (strlen(line) != SHA256_HEX_LEN + 2 + n + 1 || memcmp(line + SHA256_HEX_LEN, "  ", 2) ||
	    memcmp(line + SHA256_HEX_LEN + 2, base, n) || line[SHA256_HEX_LEN + 2 + n] != '\n')
		return cl_err_msg(err, EINVAL, "%s:1: expected 'SHA256  %s' (sha256sum's format)", p->sha256, base);
	line[SHA256_HEX_LEN] = '\0';
	if (!sha256_hex_valid(line))
		return cl_err_msg(err, EINVAL, "%s:1: '%s' is not a sha256 (64 lowercase hex digits)", p->sha256, line);
	if (have_store == 0 && strcmp(stored, line))
		return cl_err_in(err, CL_IO, EBADMSG, "%s says %s, but the store's image is %s: the image or its "
				 "record was changed after the build", p->sha256, line, stored);
	memcpy(hex, line, SHA256_HEX_LEN + 1);
	return 0;
}
