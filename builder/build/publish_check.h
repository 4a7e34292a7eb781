/* What is checked of a build's output before it is published
 * (publish_check.c), after the A/B comparison: its size against the
 * recipe's max-output, and the host-facts scan (hostscan.h). */
#ifndef CLOISTER_PUBLISH_CHECK_H
#define CLOISTER_PUBLISH_CHECK_H

#include "../../common/err.h"
#include "build.h"

/* Checks stage/out.  started: when the build began (CLOCK_MONOTONIC
 * seconds): the recipe's timeout covers these checks too.  A refusal is
 * -EIO with the reason; the findings go to job->o->note (NOTE_FINDING),
 * escaped. */
int publish_check(const struct build_job *job, const char *stage, double started, struct cl_err *err);

#endif
