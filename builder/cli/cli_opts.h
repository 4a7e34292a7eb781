/* The option parser of the subcommands other than `run` (whose options
 * are the sandbox's and have their own parser): a table of options, at
 * most one positional argument, and the same messages everywhere. */
#ifndef CLOISTER_CLI_OPTS_H
#define CLOISTER_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>

struct cli_opt {
	const char *name;    /* "--quiet" */
	const char *alias;   /* "-q", or NULL */
	bool *flag;          /* set to true by the option; or */
	const char **value;  /* receives the option's argument */
};

/* A repeatable option ("--mirror URL --mirror URL"): every argument. */
#define CLI_LIST_MAX 16
struct cli_list {
	const char *v[CLI_LIST_MAX];
	size_t n;
};
struct cli_list_opt {
	const char *name;
	struct cli_list *list;
};

/* Parses argv[1..argc) of `cloister CMD`.  A word not starting with '-'
 * goes to *positional (an error if positional is NULL or already set).
 * Returns 0, 1 when -h/--help was given (the caller prints its usage), or
 * -1 after printing what is wrong (exit 2). */
int cli_parse(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
	      const char **positional);
/* The same with repeatable options too (lists ends with a NULL name). */
int cli_parse_lists(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
		    const struct cli_list_opt *lists, const char **positional);

struct cl_err;
/* The --json document of a command that failed: {"ok": false, "error":
 * {"class", "message", "exit"}} on stdout; returns the exit status. */
int cli_json_error(const char *cmd, const struct cl_err *err);

struct fetch_opts;
/* The fetch options every fetching command takes (--mirror URL, repeated;
 * --snapshot URL|off; --offline) and the environment's, into fo; fo's
 * notes go to stderr as "cloister CMD: ...".  -1 after printing what is
 * wrong (exit 2). */
int cli_fetch_opts(const char *cmd, const struct cli_list *mirrors, const char *snapshot, bool offline,
		   struct fetch_opts *fo);

#endif
