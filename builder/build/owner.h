/* Handing a build's directories to the build ids and taking them back
 * (owner.c).  Only when cloister runs as root: the sandbox then runs as
 * the dedicated build ids (sandbox_host_ids), which must be able to write
 * the build and output directories; what is published belongs to root
 * again, as Nix gives its outputs back to root after a build user wrote
 * them. */
#ifndef CLOISTER_OWNER_H
#define CLOISTER_OWNER_H

#include <sys/types.h>

#include "../../common/err.h"

/* lchown -R: every entry under and including path, never following a
 * symlink.  Only for trees no process is writing any more. */
int tree_chown(const char *path, uid_t uid, gid_t gid, struct cl_err *err);

#endif
