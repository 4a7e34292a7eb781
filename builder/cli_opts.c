#include "cli_opts.h"

#include <stdio.h>
#include <string.h>

static const struct cli_opt *find(const struct cli_opt *opts, const char *a)
{
	for (; opts->name; opts++)
		if (!strcmp(a, opts->name) || (opts->alias && !strcmp(a, opts->alias)))
			return opts;
	return NULL;
}

int cli_parse(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
	      const char **positional)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (a[0] != '-') {
			if (!positional || *positional) {
				fprintf(stderr, "cloister %s: unexpected argument '%s' (see cloister %s --help)\n",
					cmd, a, cmd);
				return -1;
			}
			*positional = a;
			continue;
		}
		const struct cli_opt *o = find(opts, a);
		if (!o) {
			fprintf(stderr, "cloister %s: unknown option '%s' (see cloister %s --help)\n", cmd, a, cmd);
			return -1;
		}
		if (o->flag) {
			*o->flag = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "cloister %s: %s needs an argument\n", cmd, a);
			return -1;
		}
		*o->value = argv[++i];
	}
	return 0;
}
