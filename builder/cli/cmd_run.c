/* `cloister run`: the bare sandbox. */
#include "cli.h"

#include <stdio.h>

int cmd_run(int argc, char **argv)
{
	struct sandbox_config cfg;
	struct cl_err err = { 0 };
	int rc;

	sandbox_config_init(&cfg);
	rc = run_parse_args(argc, argv, &cfg, &err);
	if (rc == 1) {
		fputs(run_usage, stdout);
		rc = EXIT_OK;
	} else if (rc < 0) {
		fprintf(stderr, "cloister run: %s\n", err.msg);
		rc = EXIT_USAGE;
	} else {
		/* cloister exits right after: no need to wait for the kernel to
		 * finish tearing the namespaces down */
		cfg.async_teardown = true;
		struct sandbox_result res;
		rc = sandbox_run(&cfg, &res, &err);
		if (rc == 0 && res.message[0])
			fprintf(stderr, "%s\n", res.message);
		if (rc < 0) {
			fprintf(stderr, "cloister: sandbox setup failed: %s\n", err.msg);
			rc = SANDBOX_EXIT_SETUP;
		} else {
			rc = res.status;
		}
	}
	sandbox_config_free(&cfg);
	return rc;
}
