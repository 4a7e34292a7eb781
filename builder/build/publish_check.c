/* See publish_check.h. */
#define _GNU_SOURCE
#include "publish_check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../../common/walk.h"
#include "hostscan.h"
#include "output_pass.h"
#include "../plan/recipe.h"
#include "../../common/termsafe.h"
#include "../../common/text.h"

int publish_pass(const struct build_job *job, const char *stage, double started, bool scan, struct output_pass *p,
		 struct cl_err *err)
{
	const struct recipe *r = job->r;
	char out[PATH_MAX + 16], store[PATH_MAX + 16], file[PATH_MAX + 16];
	*p = (struct output_pass){ 0 };
	TRY(pathf(err, out, sizeof out, "%s/out", stage));
	TRY(pathf(err, store, sizeof store, "%s/store", job->o->home));
	struct path_modes modes;
	recipe_modes(r, file, sizeof file, &modes);
	struct hostscan *hs = NULL;
	if (scan)
		TRY(hostscan_new(&hs, stage, store, job->o->home, err));
	struct output_pass_opts o = {
		.epoch = (time_t)r->source_date_epoch,
		.modes = &modes,
		.hs = hs,
		.allowed = r->allow_host_facts,
		.deadline = r->timeout_sec ? started + r->timeout_sec : 0,
		.max_bytes = r->max_output_bytes,
		.max_files = r->max_output_files,
	};
	int rc = output_pass_run(out, &o, p, err);
	hostscan_free(hs);
	if (rc < 0 && p->over == OUTPUT_OVER_BYTES)
		return cl_err_in(err, CL_BUILD_FAILED, EIO, "%s %s: the output holds more than %llu bytes (max-output); not "
				  "published. Raise the limit with 'max-output: SIZE' in the recipe", r->name,
				  r->version, o.max_bytes);
	if (rc < 0 && p->over == OUTPUT_OVER_FILES)
		return cl_err_in(err, CL_BUILD_FAILED, EIO, "%s %s: the output holds more than %llu files (max-output); not "
				  "published. Raise the limit with 'max-output: SIZE FILES' in the recipe", r->name,
				  r->version, o.max_files);
	if (rc < 0)
		return cl_err_prefix(err, "%s %s", r->name, r->version);
	return 0;
}

int publish_check(const struct build_job *job, const struct output_pass *p, struct cl_err *err)
{
	const struct recipe *r = job->r;
	long hits = p->hits;
	if (hits == 0)
		return 0;
	_cleanup_free_ char *report = strdup(p->report ? p->report : "");
	if (!report)
		return cl_err_set(err, ENOMEM, "%s %s: the host-facts report", r->name, r->version);
	/* reported like a difference: what, where, and how to allow it; one
	 * block, each line escaped (the file names are the build's) */
	size_t cap = 512 + 21 * (termsafe_room(PATH_MAX) + 4);
	_cleanup_free_ char *block = malloc(cap);
	if (!block)
		return cl_err_set(err, ENOMEM, "%s %s: the host-facts report", r->name, r->version);
	struct bounded b = { block, cap, 0 };
	bounded_printf(&b, "%s %s embeds facts of the host that built it:", r->name, r->version);
	long shown = 0;
	for (char *save = NULL, *line = strtok_r(report, "\n", &save); line && shown < 20;
	     line = strtok_r(NULL, "\n", &save), shown++) {
		char safe[termsafe_room(PATH_MAX)];
		bounded_printf(&b, "\n  %s", termsafe_str(line, safe, sizeof safe));
	}
	if (hits > shown)
		bounded_printf(&b, "\n  ... and %ld more", hits - shown);
	build_notef(job->o, NOTE_FINDING, "%s", block);
	return cl_err_in(err, CL_BUILD_FAILED, EIO, "%s %s: %ld output file%s embed%s facts of the host (a double build on "
			  "one host cannot see them); not published", r->name, r->version, hits,
			  hits == 1 ? "" : "s", hits == 1 ? "s" : "");
}
