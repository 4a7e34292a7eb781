#define _GNU_SOURCE
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/fsutil.h"
#include "../store/home.h"
#include "../plan/machine.h"

/* An absolute form of a path that may not exist yet. */
static int absolute(const char *path, char *out, size_t len, struct cl_err *err)
{
	if (path[0] == '/')
		return pathf(err, out, len, "%s", path);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return cl_err_set(err, errno, "getcwd");
	return pathf(err, out, len, "%s/%s", cwd, path);
}

int image_paths(const char *machines_dir, const char *output_root, const char *name,
		struct image_paths *p, struct cl_err *err)
{
	char found[PATH_MAX], real[PATH_MAX], root[PATH_MAX];
	struct stat st;
	memset(p, 0, sizeof *p);
	if (!machine_name_valid(name))
		return cl_err_msg(err, EINVAL, "'%s' is not a machine name (letters, digits, - _ ., not starting with .)",
				  name);
	snprintf(p->name, sizeof p->name, "%s", name);
	if (machines_dir)
		TRY(pathf(err, found, sizeof found, "%s", machines_dir));
	else
		TRY(repo_file("machines", found, sizeof found, err));
	if (!realpath(found, real))
		return cl_err_set(err, errno, "the machines folder %s", found);
	TRY(pathf(err, p->machine_dir, sizeof p->machine_dir, "%s/%s", real, name));
	if (stat(p->machine_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return cl_err_msg(err, ENOENT, "no machine '%s' (looked for the folder %s)", name, p->machine_dir);
	TRY(pathf(err, p->settings_dir, sizeof p->settings_dir, "%s/qemu", p->machine_dir));
	TRY(absolute(output_root ? output_root : "output", root, sizeof root, err));
	TRY(pathf(err, p->output_dir, sizeof p->output_dir, "%s/machines/%s", root, name));
	TRY(pathf(err, p->image, sizeof p->image, "%s/%s.vmlinuz", p->output_dir, name));
	TRY(pathf(err, p->sig, sizeof p->sig, "%s.sig", p->image));
	return pathf(err, p->sha256, sizeof p->sha256, "%s.sha256", p->image);
}
