/* `cloister doctor`: what isolation this host gives this user, each item
 * with the exact fix; exits 1 when a build could not be isolated. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../common/cleanup.h"

static const char doctor_usage[] =
	"usage: cloister doctor\n"
	"\n"
	"Says what isolation this host gives the current user: user namespaces\n"
	"(and which sysctl or AppArmor rule blocks them), unprivileged overlayfs,\n"
	"seccomp user notification, cgroup v2 delegation, the id mapping root's\n"
	"builds would use, and whether a whole sandbox starts; each missing item\n"
	"with its fix.  Exit status: 0 builds can be isolated, 1 they cannot.\n";

static void item(bool ok, bool required, const char *what, const char *detail)
{
	printf("%-5s %s%s%s\n", ok ? "ok" : required ? "FAIL" : "warn", what, detail && *detail ? ": " : "",
	       detail ? detail : "");
}

/* Whether id lies in a subordinate range of /etc/subuid or /etc/subgid. */
static const char *in_subids(const char *file, unsigned long id, char *who, size_t len)
{
	FILE *f = fopen(file, "re");
	char line[512];
	const char *found = NULL;
	while (f && !found && fgets(line, sizeof line, f)) {
		char name[256];
		unsigned long start, count;
		if (sscanf(line, "%255[^:]:%lu:%lu", name, &start, &count) == 3 && id >= start && id - start < count) {
			snprintf(who, len, "%s", name);
			found = who;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* The whole sandbox, as `cloister run` makes it, around the host's true(1)
 * (not cloister itself: a sanitized build's runtime would try to change
 * its personality, which the filter refuses). */
static int whole_sandbox(char *why, size_t len)
{
	struct sandbox_config cfg;
	struct cl_err err = { 0 };
	char *argv[] = { "/usr/bin/true", NULL };
	_cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	sandbox_config_init(&cfg);
	cfg.argv = argv;
	cfg.stdio[0] = cfg.stdio[1] = cfg.stdio[2] = null;
	cfg.timeout_sec = 30;
	int rc = sandbox_config_add_host_usr(&cfg, &err);
	struct sandbox_result res;
	if (rc == 0)
		rc = sandbox_run(&cfg, &res, &err);
	if (rc == 0 && res.message[0])
		fprintf(stderr, "%s\n", res.message);
	if (rc == 0)
		rc = res.status;
	sandbox_config_free(&cfg);
	if (rc != 0)
		snprintf(why, len, "%s", rc < 0 ? err.msg : "/usr/bin/true failed inside the sandbox");
	return rc;
}

int cmd_doctor(int argc, char **argv)
{
	if (argc > 1) {
		bool help = !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help");
		fputs(doctor_usage, help ? stdout : stderr);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	char why[1024], msg[PATH_MAX + 1200];
	bool isolated = true;
	uid_t uid = geteuid();
	printf("cloister doctor: uid %u%s\n", (unsigned)uid, uid == 0 ? " (root)" : "");

	bool userns = sandbox_doctor_userns(why, sizeof why) == 0;
	item(userns, true, "unprivileged user namespaces", userns ? "" : why);
	isolated &= userns;
	if (userns) {
		bool ov = sandbox_doctor_overlay(why, sizeof why) == 0;
		item(ov, true, "read-only overlayfs in a user namespace (--root layers)", ov ? "" : why);
		isolated &= ov;
	}
	bool notif = sandbox_doctor_seccomp_notify(why, sizeof why) == 0;
	item(notif, true, "seccomp user notification (uname(2) and personality(2) answered)", notif ? "" : why);
	isolated &= notif;

	char dir[PATH_MAX];
	bool cg = sandbox_cgroup_find("/sys/fs/cgroup", "/proc/self/cgroup", dir, sizeof dir, why, sizeof why);
	snprintf(msg, sizeof msg, "%s%s", cg ? "memory and processes bounded under " : "",
		 cg ? dir : why);
	item(cg, false, "cgroup v2 delegation", msg);
	if (!cg)
		printf("note  without it, builds are bounded by RLIMIT_NPROC (4096 processes) and RLIMIT_FSIZE "
		       "(max-output), /tmp 2 GiB and /dev/shm 64 MiB; memory and CPU only by the recipe's timeout\n");

	struct sandbox_config cfg;
	struct cl_err err = { 0 };
	uid_t hu;
	gid_t hg;
	sandbox_config_init(&cfg);
	int r = sandbox_host_ids(&cfg, &hu, &hg, &err);
	sandbox_config_free(&cfg);
	char who[256];
	const char *sub = in_subids("/etc/subuid", SANDBOX_BUILD_UID, who, sizeof who);
	struct passwd *pw = getpwuid(SANDBOX_BUILD_UID);
	struct group *gr = getgrgid(SANDBOX_BUILD_GID);
	bool clash = pw || gr || sub || in_subids("/etc/subgid", SANDBOX_BUILD_GID, who, sizeof who);
	if (uid == 0) {
		snprintf(msg, sizeof msg, "%s", r < 0 ? err.msg : "");
		if (r == 0)
			snprintf(msg, sizeof msg, "builds run as host uid %u and gid %u, never as root%s%s",
				 (unsigned)hu, (unsigned)hg, clash ? "; but that id is taken by " : "",
				 clash ? (pw ? pw->pw_name : gr ? gr->gr_name : who) : "");
		item(r == 0 && !clash, true, "the id mapping as root", msg);
		isolated &= r == 0 && !clash;
	} else {
		snprintf(msg, sizeof msg, "builds run as your uid %u (1000 inside); as root they would run as "
			 "host uid %u%s", (unsigned)uid, (unsigned)SANDBOX_BUILD_UID,
			 clash ? ", which is taken on this host: pick another before building as root" : "");
		item(true, false, "the id mapping", msg);
	}

	if (isolated) {
		bool whole = whole_sandbox(why, sizeof why) == 0;
		item(whole, true, "a whole sandbox starts (cloister run)", whole ? "" : why);
		isolated &= whole;
	}
	printf("%s\n", isolated ? "builds can be isolated on this host" :
	       "builds cannot be isolated on this host: fix the items marked FAIL (cloister never falls back "
	       "to weaker isolation)");
	return isolated ? EXIT_OK : EXIT_FAILED;
}
