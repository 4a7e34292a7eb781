/* machines/NAME/qemu/qemu-command-line.config: extra QEMU switches, in
 * Libertine's format, read without a shell.
 *
 *   # comment (a line whose first non-blank character is #)
 *   -m 256
 *   -append "console=ttyS0 panic=-1" -initrd ${SETTINGS_PATH}/extra.cpio
 *
 * Switches may be spread over several lines; blank lines are ignored.
 * Each line is split into words as sh would split it: blanks separate
 * words, '...' is literal, "..." keeps blanks and takes \" \\ \$ \`, a
 * backslash quotes the next character.  ${NAME} (or $NAME) is replaced by
 * the value of one of the variables given, outside single quotes, without
 * further splitting.  Nothing else of the shell exists: no other variable,
 * no command substitution, no globbing, no ~, no operators; those are
 * errors ("FILE:LINE: what is wrong") rather than silently different. */
#ifndef CLOISTER_IMAGE_QEMU_CONFIG_H
#define CLOISTER_IMAGE_QEMU_CONFIG_H

#include <stddef.h>

#include "../../common/err.h"
#include "words.h"

struct qemu_var {
	const char *name;   /* SETTINGS_PATH */
	const char *value;
};

/* Appends the words of the len bytes of text (a NUL need not follow;
 * file names it in messages) to out. */
int qemu_config_parse(const char *file, const char *text, size_t len, const struct qemu_var *vars,
		      size_t n_vars, struct words *out, struct cl_err *err);
/* The same for a file; a missing file adds nothing. */
int qemu_config_read(const char *file, const struct qemu_var *vars, size_t n_vars, struct words *out,
		     struct cl_err *err);

#endif
