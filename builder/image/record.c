/* What the build recorded about the image. */
#include "paths.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../hash.h"

int image_recorded_sha256(const struct image_paths *p, char hex[65], struct cl_err *err)
{
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
	memcpy(hex, line, SHA256_HEX_LEN + 1);
	return 0;
}
