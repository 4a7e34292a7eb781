/* The image's root filesystem as an index in memory: one entry per path,
 * with the type, mode, owner and where the content is (a file of a
 * package's store entry or of the machine folder, or bytes in memory for
 * a combined file).  Nothing is copied or chowned on disk: the cpio writer
 * reads the sources and synthesizes owners and device nodes, so assembly
 * needs no privilege, and the directory order of the inputs cannot reach
 * the image. */
#ifndef CLOISTER_FSTREE_H
#define CLOISTER_FSTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"

/* Paths in the image are bounded: with room for a NUL and the cpio's
 * relative form. */
#define FS_PATH_MAX 4096

enum fs_type { FS_DIR, FS_FILE, FS_SYMLINK, FS_CHR, FS_BLK, FS_FIFO, FS_SOCK };

struct fs_entry {
	char *path;           /* "/etc/passwd": absolute, no "." or "..", no trailing '/' */
	enum fs_type type;
	unsigned perm;        /* the 07777 bits */
	unsigned uid, gid;
	unsigned major, minor;  /* FS_CHR, FS_BLK */
	char *source;         /* FS_FILE: the host file with the content; NULL when data has it */
	char *data;           /* FS_FILE: the content in memory; FS_SYMLINK: the target */
	size_t size;          /* FS_FILE: bytes of content */
	unsigned layer;       /* the input that put it there (fstree.layers) */
	unsigned long link;   /* FS_FILE: nonzero when hard-linked with the other entries of the same value */
};

struct fstree {
	struct fs_entry *v;
	size_t n, cap;
	size_t *slots;        /* open addressing: index + 1, 0 free */
	size_t n_slots;
	char **layers;        /* names of the inputs, for messages ("busybox", "settings/initramfs") */
	size_t n_layers;
	unsigned long next_link;
};

enum fs_load_flags {
	/* Modes as git keeps them (0755 when executable, else 0644; dirs
	 * 0755), whatever the umask of the checkout. */
	FS_LOAD_GIT_MODES = 1,
	/* Hard links inside the tree become hard links in the image. */
	FS_LOAD_HARD_LINKS = 2,
	/* The top-level initramfs.contents is the layer's own contents
	 * lines, not a file of the image. */
	FS_LOAD_SKIP_CONTENTS = 4,
};

void fstree_init(struct fstree *t);
void fstree_free(struct fstree *t);

/* Registers an input's name; returns its layer number or a negative errno. */
int fstree_add_layer(struct fstree *t, const char *name, struct cl_err *err);
const char *fstree_layer_name(const struct fstree *t, unsigned layer);

/* Whether name is one that never enters an image: .DS_Store, .gitignore,
 * ._*, *.disabled, README, README.* (a directory of such a name is
 * skipped whole). */
bool fstree_excluded(const char *name);

struct fs_entry *fstree_find(const struct fstree *t, const char *path);

/* Adds e, or replaces the entry of its path (a later input overrides an
 * earlier one).  The strings are copied.  A directory cannot replace a
 * non-directory or the other way round: -EEXIST naming both inputs. */
int fstree_put(struct fstree *t, const struct fs_entry *e, struct fs_entry **out, struct cl_err *err);

/* Makes every missing parent of path a directory 0755 root-owned of the
 * given layer. */
int fstree_parents(struct fstree *t, const char *path, unsigned layer, struct cl_err *err);

/* Walks dir without recursion (a stack of folders, each opened beneath
 * dir without following symlinks) and puts every entry into layer. */
int fstree_load(struct fstree *t, const char *dir, unsigned layer, unsigned flags, struct cl_err *err);

/* Sorts the entries by path bytes (parents before children) and rebuilds
 * the index. */
int fstree_sort(struct fstree *t, struct cl_err *err);

/* The direct children of dir that are in t, sorted by name: a malloc'd
 * array of entry pointers (valid until the next put). */
int fstree_children(const struct fstree *t, const char *dir, struct fs_entry ***out, size_t *n,
		    struct cl_err *err);

/* The content of a file entry: its bytes in memory or read from its source. */
int fstree_read(const struct fs_entry *e, char **data, size_t *len, struct cl_err *err);

/* Checks that a path is absolute and normal ("/a/b": no empty, "." or ".."
 * component, no trailing '/', no control bytes or blanks) and shorter
 * than FS_PATH_MAX.  Returns a description of what is wrong, or NULL. */
const char *fstree_path_problem(const char *path);

#endif
