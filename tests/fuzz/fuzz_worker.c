/* libFuzzer: a worker's report ("+RESULT" or "-CODE,CLASS,SIGNAL:message")
 * as the parent reads it from the memfd.  The first byte picks how the
 * worker ended.  Whatever the report says, the parent gets a result or an
 * error whose errno, class and exit status are ones cloister can have. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "../../builder/build/worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* even: exited with data[0] / 2; odd: killed by a signal from 1 to 64 */
	int status = data[0] & 1 ? (data[0] >> 1) % 64 + 1 : W_EXITCODE(data[0] >> 1, 0);
	struct cl_err err = { 0 };
	char *result = NULL;
	int rc = worker_report_parse((const char *)data + 1, size - 1, status, "fuzz", &result, &err);
	if (rc == 0) {
		if (!result || data[1] != '+' || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			abort();
		free(result);
		return 0;
	}
	enum cl_class cls = cl_err_class(&err);
	int exit_status = cl_exit_status(&err);
	if (result || rc != -err.code || err.code <= 0 || err.code > 4095 || cls > CL_INTERRUPTED ||
	    exit_status < 1 || exit_status > 255)
		abort();
	return 0;
}
