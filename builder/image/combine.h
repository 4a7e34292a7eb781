/* Snippet combining, as Libertine's /etc/combine.d does it.
 *
 * Every file in /etc/combine.d holds lines `ROOT FILE MODE TYPE`: the
 * snippets in ROOT/FILE.d/ make ROOT/FILE, mode MODE, combined by TYPE
 * (nosort, default, hasfiles, nocombine, passwd, shadow, group); the
 * snippets take MODE too.  Packages contribute snippets; a later package
 * (or the machine's settings/initramfs/) overrides one by shipping the
 * same file name.  ${NAME} in a snippet is replaced by the machine's
 * setting NAME.  docs/machine.md is the reference. */
#ifndef CLOISTER_COMBINE_H
#define CLOISTER_COMBINE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "fstree.h"
#include "../../common/kv.h"

/* One snippet, its content already substituted. */
struct snippet {
	const char *where;    /* for messages: "/etc/passwd.d/00.passwd (from busybox)" */
	const char *text;
	size_t len;
};

/* A type's combiner: the snippets in the order that type reads them (file
 * name order; for passwd, shadow and group: input order, then name, so
 * later packages override earlier ones).  *out is malloc'd.  Returns 1
 * when the combined file is to exist, 0 when not (hasfiles without a
 * snippet, nocombine). */
typedef int combine_fn(const struct snippet *s, size_t n, char **out, size_t *len, struct cl_err *err);

combine_fn combine_nosort;     /* concatenated */
combine_fn combine_default;    /* concatenated, lines sorted by bytes */
combine_fn combine_hasfiles;   /* concatenated, and only when there is a snippet */
combine_fn combine_nocombine;  /* nothing: the folder is used as it is */
combine_fn combine_passwd;     /* name:x:uid:gid:gecos:home:shell, merged by name */
combine_fn combine_shadow;     /* name:hash:... (shadow, gshadow), merged by name */
combine_fn combine_group;      /* name:x:gid:members, merged by name */

struct combine_type {
	const char *name;
	combine_fn *fn;
	bool by_input;   /* snippets in input order: later packages override */
	bool substitute; /* ${NAME} is replaced (not for nocombine: those are used at run time) */
};
/* The type of that name, or NULL. */
const struct combine_type *combine_type(const char *name);

/* Replaces every ${NAME} of text with its value; "\${" is a literal "${",
 * and a '$' not followed by '{' stays as it is.  An undefined or
 * malformed reference is -EINVAL: "WHERE:LINE: ...". */
int combine_substitute(const char *text, size_t len, const struct kv *kv, size_t n_kv, const char *where,
		       char **out, size_t *out_len, struct cl_err *err);

/* One line of a combine.d file. */
struct combine_rule {
	char root[FS_PATH_MAX];
	char file[FS_PATH_MAX];
	unsigned mode;
	const struct combine_type *type;
	char where[FS_PATH_MAX + 64];  /* "/etc/combine.d/x.combine (from filesystem):3" */
};

/* Parses one combine.d file (where names it in messages) and appends its
 * rules to *rules. */
int combine_parse(const char *text, size_t len, const char *where, struct combine_rule **rules, size_t *n,
		  struct cl_err *err);

/* Reads /etc/combine.d of the tree and writes every combined file into it. */
int combine_tree(struct fstree *t, const struct kv *kv, size_t n_kv, struct cl_err *err);

#endif
