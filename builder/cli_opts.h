/* The option parser of the subcommands other than `run` (whose options
 * are the sandbox's and have their own parser): a table of options, at
 * most one positional argument, and the same messages everywhere. */
#ifndef CLOISTER_CLI_OPTS_H
#define CLOISTER_CLI_OPTS_H

#include <stdbool.h>

struct cli_opt {
	const char *name;    /* "--quiet" */
	const char *alias;   /* "-q", or NULL */
	bool *flag;          /* set to true by the option; or */
	const char **value;  /* receives the option's argument */
};

/* Parses argv[1..argc) of `cloister CMD`.  A word not starting with '-'
 * goes to *positional (an error if positional is NULL or already set).
 * Returns 0, 1 when -h/--help was given (the caller prints its usage), or
 * -1 after printing what is wrong (exit 2). */
int cli_parse(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
	      const char **positional);

#endif
