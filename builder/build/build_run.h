/* Running one recipe's build script in the sandbox (build_run.c). */
#ifndef CLOISTER_BUILD_RUN_H
#define CLOISTER_BUILD_RUN_H

#include "../../common/err.h"
#include "build.h"

/* Builds job's recipe in stage (its build/ holds the unpacked sources,
 * srcdir the directory to work in, out/ receives the output, log the log)
 * with the seed and the deps' outputs as the root, with what the machine's
 * settings add (job->in->settings), under the variations vary. */
int build_run_sandboxed(const struct build_job *job, const char *stage, const char *srcdir, unsigned vary,
			struct cl_err *err);

#endif
