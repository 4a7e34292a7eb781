/* The limits every build runs under, chosen once per `cloister build`:
 * cgroup v2 (memory and processes) where the user has a delegated
 * subtree, otherwise rlimits, and then it says so. */
#include "build.h"

#include <unistd.h>

#include "../../sandbox/sandbox.h"

void build_limits_setup(struct build_opts *o)
{
	char why[1024] = "";
	struct cl_err err = { 0 };
	o->cgroup[0] = '\0';
	/* each build may take half the machine's memory (tmpfs included) */
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	o->memory_max = pages > 0 && page > 0 ? (unsigned long long)pages * (unsigned long long)page / 2 : 0;
	int r = sandbox_cgroup_setup(o->cgroup, sizeof o->cgroup, why, sizeof why, &err);
	if (r > 0)
		return;
	o->cgroup[0] = '\0';
	if (!o->quiet)
		build_notef(o, NOTE_FINDING, "cloister: builds are not confined by a cgroup: %s; their processes "
			    "are bounded by RLIMIT_NPROC and their files by RLIMIT_FSIZE, but their memory and CPU "
			    "only by the timeout and the tmpfs sizes (see `cloister doctor`)", r < 0 ? err.msg : why);
}
