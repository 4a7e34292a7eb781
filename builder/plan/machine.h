/* A machine: machines/NAME/, a folder in the Libertine layout.  What is
 * parsed so far is settings/packages.list, the recipes the machine is
 * made of; docs/machine.md is the format's reference. */
#ifndef CLOISTER_MACHINE_H
#define CLOISTER_MACHINE_H

#include <limits.h>
#include <stddef.h>

#include "../../common/err.h"

struct machine_package {
	char name[128];
	int line;             /* in packages.list, for messages */
};

struct machine {
	char dir[PATH_MAX];               /* machines/NAME */
	char name[128];
	char packages_list[PATH_MAX + 32];  /* dir/settings/packages.list */
	struct machine_package *packages;   /* in the order of the file */
	size_t n_packages;
};

/* Machine names: letters, digits, '-', '_', '.', not starting with '.'. */
int machine_name_valid(const char *name);
/* Loads machines_dir/name.  Every error in packages.list says
 * "FILE:LINE: what is wrong"; -ENOENT when there is no such machine. */
int machine_load(const char *machines_dir, const char *name, struct machine *m, struct cl_err *err);
/* Parses len bytes of data (a NUL need not follow) as m's packages.list,
 * into m->packages; errors name m->packages_list, which the caller sets.
 * On an error nothing is left to free. */
int machine_packages_parse(struct machine *m, const char *data, size_t len, struct cl_err *err);
void machine_free(struct machine *m);

#endif
