/* diffoscope's report on one differing file, run in a sandbox of its own
 * (diffoscope.c): it parses files a hostile build chose. */
#ifndef CLOISTER_DIFFOSCOPE_H
#define CLOISTER_DIFFOSCOPE_H

#include "../../common/err.h"

#define DIFFOSCOPE_TIMEOUT_SEC 300
#define DIFFOSCOPE_MAX_REPORT (10ULL << 20)

/* Whether diffoscope is on PATH; its path in path. */
int diffoscope_find(char *path, size_t len);

/* Compares a_root/file with b_root/file (file absolute inside both trees)
 * with the diffoscope at prog, in a sandbox that sees the host's /usr, the
 * two trees read-only at /a and /b, and nothing else (no network, no
 * home), for at most DIFFOSCOPE_TIMEOUT_SEC, its report capped at
 * DIFFOSCOPE_MAX_REPORT bytes, written to report.  Returns diffoscope's
 * exit status (0 same, 1 different, 124 timed out), or a negative errno. */
int diffoscope_run(const char *prog, const char *a_root, const char *b_root, const char *file,
		   const char *report, struct cl_err *err);

#endif
