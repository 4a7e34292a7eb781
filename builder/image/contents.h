/* initramfs.contents: the kernel's gen_init_cpio syntax (usr/gen_init_cpio.c)
 *
 *   file  NAME LOCATION MODE UID GID [HARDLINK...]
 *   dir   NAME MODE UID GID
 *   nod   NAME MODE UID GID b|c MAJOR MINOR
 *   slink NAME TARGET MODE UID GID
 *   pipe  NAME MODE UID GID
 *   sock  NAME MODE UID GID
 *
 * '#' starts a comment line.  The machine's settings/initramfs.contents
 * and each package's own (the top-level initramfs.contents of its output)
 * make one composite, packages in order and the machine last: a line
 * defines its entry whole (type, mode, owner, content), over whatever the
 * packages and settings/initramfs/ put at that path.  A LOCATION is
 * relative to the folder that holds the contents file (the machine's
 * settings/, a package's output).  docs/machine.md is the reference. */
#ifndef CLOISTER_CONTENTS_H
#define CLOISTER_CONTENTS_H

#include <limits.h>
#include <stddef.h>

#include "../../common/err.h"
#include "fstree.h"

enum contents_type { CT_FILE, CT_DIR, CT_NOD, CT_SLINK, CT_PIPE, CT_SOCK };

struct contents_line {
	enum contents_type type;
	char *name;          /* absolute, normal */
	char *location;      /* CT_FILE: relative to the base folder; CT_SLINK: the target */
	unsigned mode;       /* the 07777 bits */
	unsigned uid, gid;
	char dev;            /* CT_NOD: 'b' or 'c' */
	unsigned major, minor;
	char **links;        /* CT_FILE: the other names of a hard-linked file */
	size_t n_links;
	int line;
};

struct contents {
	char file[PATH_MAX];  /* for messages */
	struct contents_line *v;
	size_t n;
};

/* Parses text (not NUL-terminated; NUL bytes are an error), naming file
 * in messages: "FILE:LINE: what is wrong". */
int contents_parse(const char *text, size_t len, const char *file, struct contents *c, struct cl_err *err);
/* Reads and parses path; a missing file is an empty contents. */
int contents_load(const char *path, struct contents *c, struct cl_err *err);
void contents_free(struct contents *c);

/* Puts every line of c into t, in layer; LOCATIONs are read below base
 * (resolved without leaving it).  A directory can only be redefined as a
 * directory. */
int contents_apply(const struct contents *c, const char *base, struct fstree *t, unsigned layer,
		   struct cl_err *err);

/* "file", "dir", ... */
const char *contents_type_name(enum contents_type t);

#endif
