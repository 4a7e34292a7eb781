/* The command-line front end: one function per subcommand. */
#ifndef CLOISTER_CLI_H
#define CLOISTER_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../../sandbox/sandbox.h"

#define CLOISTER_VERSION "0.1.0"

/* Exit statuses shared by every subcommand. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
};

/* Parses the arguments of `cloister run` (argv[0] is "run") into cfg,
 * which the caller has initialized.  Returns 0 when a command is ready to
 * run, 1 when help was asked for, or a negative errno with err filled
 * (bad usage). */
int run_parse_args(int argc, char **argv, struct sandbox_config *cfg,
		   struct cl_err *err);
int cmd_run(int argc, char **argv);
int cmd_seed(int argc, char **argv);
/* build, fetch, graph, check, gc: argv[0] says which */
int cmd_build(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_sign(int argc, char **argv);
/* verify: the store, or with a machine its signed image */
int cmd_verify(int argc, char **argv);
int cmd_boot(int argc, char **argv);

struct build_opts;
struct graph_root;
/* `cloister fetch` (called by cmd_build, which parses the options). */
struct fetch_request {
	bool check;              /* --check: only say where each input would come from */
	const char *export_dir;  /* --export DIR */
	bool all;                /* --all: every recipe and the whole seed */
	const char *what;        /* for messages */
};
int cmd_fetch(const struct build_opts *o, const struct fetch_request *fr, const struct graph_root *roots,
	      size_t n_roots, struct cl_err *err);
int cmd_link(int argc, char **argv);
int cmd_doctor(int argc, char **argv);

extern const char run_usage[];
extern const char seed_usage[];
extern const char build_usage[];
extern const char sign_usage[];
extern const char verify_usage[];
extern const char boot_usage[];
extern const char link_usage[];

#endif
