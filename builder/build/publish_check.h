/* What is checked of a build's output before it is published
 * (publish_check.c): its size against the recipe's max-output, and the
 * host-facts scan (hostscan.h), both found by the one output pass. */
#ifndef CLOISTER_PUBLISH_CHECK_H
#define CLOISTER_PUBLISH_CHECK_H

#include <stdbool.h>

#include "../../common/err.h"
#include "build.h"

struct output_pass;

/* The output pass (output_pass.h) over stage/out with the recipe's
 * settings: its modes, max-output, and (with scan) the host-facts scan of
 * this host.  started: when the build began (CLOCK_MONOTONIC seconds):
 * the recipe's timeout covers the pass too.  Passing max-output is -EIO
 * saying which limit and how to raise it.  p is freed by the caller
 * (output_pass_free) either way. */
int publish_pass(const struct build_job *job, const char *stage, double started, bool scan, struct output_pass *p,
		 struct cl_err *err);

/* Whether what the pass found lets the output be published: a host-fact
 * hit is -EIO, and the findings go to job->o->note (NOTE_FINDING),
 * escaped. */
int publish_check(const struct build_job *job, const struct output_pass *p, struct cl_err *err);

#endif
