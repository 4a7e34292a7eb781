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
#include "../plan/recipe.h"
#include "../../common/termsafe.h"
#include "../../common/text.h"

struct tally {
	unsigned long long bytes, files, max_bytes, max_files;
};

/* Counts stat sizes, so a sparse file counts as what reading it costs;
 * stops as soon as a limit is passed.  Iterative (common/walk.h): a tree
 * of any depth is measured, not refused. */
static int tally_tree(const char *root, struct tally *t, struct cl_err *err)
{
	_cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cl_err_set(err, errno, "%s", root);
	struct walk *w;
	TRY(walk_open(fd, 0, &w, err));
	const struct walk_entry *e;
	int r;
	while ((r = walk_next(w, &e, err)) > 0 && t->bytes <= t->max_bytes && t->files <= t->max_files) {
		t->files++;
		if (S_ISREG(e->st.st_mode))
			t->bytes += (unsigned long long)e->st.st_size;
	}
	walk_close(w);
	return r < 0 ? r : 0;
}

int publish_check(const struct build_job *job, const char *stage, double started, struct cl_err *err)
{
	const struct recipe *r = job->r;
	char out[PATH_MAX + 16], store[PATH_MAX + 16];
	TRY(pathf(err, out, sizeof out, "%s/out", stage));
	TRY(pathf(err, store, sizeof store, "%s/store", job->o->home));

	struct tally t = { 0, 0, r->max_output_bytes, r->max_output_files };
	TRY(tally_tree(out, &t, err));
	if (t.bytes > t.max_bytes)
		return cl_err_in(err, CL_BUILD_FAILED, EIO, "%s %s: the output holds more than %llu bytes (max-output); not "
				  "published. Raise the limit with 'max-output: SIZE' in the recipe", r->name,
				  r->version, t.max_bytes);
	if (t.files > t.max_files)
		return cl_err_in(err, CL_BUILD_FAILED, EIO, "%s %s: the output holds more than %llu files (max-output); not "
				  "published. Raise the limit with 'max-output: SIZE FILES' in the recipe", r->name,
				  r->version, t.max_files);

	struct hostscan *hs;
	TRY(hostscan_new(&hs, stage, store, job->o->home, err));
	char *report = NULL;
	double deadline = r->timeout_sec ? started + r->timeout_sec : 0;
	long hits = hostscan_tree(hs, out, r->allow_host_facts, deadline, &report, err);
	hostscan_free(hs);
	if (hits < 0)
		return cl_err_prefix(err, "%s %s", r->name, r->version);
	if (hits == 0) {
		free(report);
		return 0;
	}
	/* reported like a difference: what, where, and how to allow it; one
	 * block, each line escaped (the file names are the build's) */
	size_t cap = 512 + 21 * (termsafe_room(PATH_MAX) + 4);
	_cleanup_free_ char *block = malloc(cap);
	if (!block) {
		free(report);
		return cl_err_set(err, ENOMEM, "%s %s: the host-facts report", r->name, r->version);
	}
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
	free(report);
	return cl_err_in(err, CL_BUILD_FAILED, EIO, "%s %s: %ld output file%s embed%s facts of the host (a double build on "
			  "one host cannot see them); not published", r->name, r->version, hits,
			  hits == 1 ? "" : "s", hits == 1 ? "s" : "");
}
