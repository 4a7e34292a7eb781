/* Finding a delegated cgroup v2: what is refused, with its reason. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include "../../sandbox/sandbox.h"
#include "test.h"

static void a_directory_that_is_no_cgroup2_is_refused(void)
{
	char dir[] = "/tmp/test-cgroup.XXXXXX", found[4096] = "", why[1024] = "";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(sandbox_cgroup_find(dir, "/proc/self/cgroup", found, sizeof found, why, sizeof why) == 0);
	CHECK(strstr(why, "no cgroup v2 hierarchy") != NULL);
	CHECK(strstr(why, "systemd.unified_cgroup_hierarchy=1") != NULL);
	rmdir(dir);
}

static void a_process_without_a_cgroup2_line_is_refused(void)
{
	/* a real cgroup2 mount, where this machine has one, but a
	 * /proc/self/cgroup that names no v2 cgroup */
	char file[] = "/tmp/test-cgroup-self.XXXXXX", found[4096] = "", why[1024] = "";
	int fd = mkstemp(file);
	CHECK(fd >= 0);
	CHECK(write(fd, "4:memory:/x\n", 12) == 12);
	close(fd);
	int r = sandbox_cgroup_find("/sys/fs/cgroup", file, found, sizeof found, why, sizeof why);
	CHECK(r == 0);
	CHECK(strstr(why, "no cgroup v2") != NULL);
	unlink(file);
}

int main(void)
{
	RUN(a_directory_that_is_no_cgroup2_is_refused);
	RUN(a_process_without_a_cgroup2_line_is_refused);
	return test_failures != 0;
}
