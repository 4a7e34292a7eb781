/* `cloister diff DIR_A DIR_B`: the comparator alone, for any two trees. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../check/compare.h"
#include "../check/explain.h"

int cmd_diff(int argc, char **argv)
{
	int json = 0, i = 1;
	if (i < argc && !strcmp(argv[i], "--json")) {
		json = 1;
		i++;
	}
	if (argc - i != 2 || argv[i][0] == '-') {
		fprintf(stderr, "usage: cloister diff [--json] DIR_A DIR_B\n"
				"compares two trees path by path, then shows where each file whose content\n"
				"differs differs in its structure (ELF sections and symbols, cpio/tar/ar\n"
				"members, gzip headers, a bzImage's setup and payload); exit 0 identical,\n"
				"1 different, 2 error\n");
		return EXIT_USAGE;
	}
	struct comparison c;
	struct cl_err err = { 0 };
	if (compare_trees(argv[i], argv[i + 1], &c, &err) < 0) {
		fprintf(stderr, "cloister diff: %s\n", err.msg);
		return EXIT_USAGE;
	}
	if (json) {
		printf("{\n  \"identical\": %s,\n  \"paths\": %zu,\n  \"differences\": ", c.n ? "false" : "true", c.paths);
		comparison_json(&c, stdout);
		printf("\n}\n");
	} else {
		comparison_print(&c, argv[i], argv[i + 1], 0, stdout);
		/* then, file by file, where in its structure it differs */
		for (size_t k = 0, explained = 0; k < c.n && explained < 20; k++) {
			if (strcmp(c.diffs[k].what, "content") && strcmp(c.diffs[k].what, "size"))
				continue;
			char fa[PATH_MAX * 2], fb[PATH_MAX * 2];
			struct cl_err ignore;
			snprintf(fa, sizeof fa, "%s%s", argv[i], c.diffs[k].path);
			snprintf(fb, sizeof fb, "%s%s", argv[i + 1], c.diffs[k].path);
			printf("%s:\n", c.diffs[k].path);
			if (explain_files(fa, fb, "  ", stdout, &ignore) >= 0)
				explained++;
		}
	}
	int rc = c.n ? EXIT_FAILED : EXIT_OK;
	comparison_free(&c);
	return rc;
}
