/* Parsing `cloister run` options into a sandbox_config.  Option names
 * follow bubblewrap's where the two overlap, so muscle memory carries. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

const char run_usage[] =
	"usage: cloister run [OPTIONS] [--] COMMAND [ARG...]\n"
	"\n"
	"Runs COMMAND in a fresh rootless sandbox: new user, mount, pid, net, uts,\n"
	"ipc and cgroup namespaces, a read-only root, no capabilities, a seccomp\n"
	"filter, faked hostname and uname(2).\n"
	"\n"
	"Filesystem (applied in the order given, after /proc, /dev and /tmp):\n"
	"  --root DIR             a read-only layer of /; repeatable, later layers lie\n"
	"                         over earlier ones (default: / is an empty tmpfs)\n"
	"  --bind SRC DEST        bind host path SRC at DEST, read-write\n"
	"  --ro-bind SRC DEST     bind host path SRC at DEST, read-only\n"
	"  --tmpfs DEST           a new tmpfs at DEST\n"
	"  --dir DEST             create directory DEST\n"
	"  --symlink TARGET DEST  create symlink DEST pointing to TARGET\n"
	"  --chdir DIR            working directory inside (default /)\n"
	"Environment (it starts with PATH, HOME=/tmp, TMPDIR=/tmp, LC_ALL=C, TZ=UTC):\n"
	"  --setenv VAR VALUE     set VAR\n"
	"  --unsetenv VAR         remove VAR\n"
	"Identity:\n"
	"  --hostname NAME        hostname (default cloister)\n"
	"  --uname-sysname S      uname(2) fields reported inside; defaults are\n"
	"  --uname-release R        fixed values that do not depend on the host\n"
	"  --uname-version V        (Linux, 6.1.0-cloister, #1 SMP PREEMPT_DYNAMIC\n"
	"  --uname-machine M        Thu Jan  1 00:00:00 UTC 1970, x86_64)\n"
	"  --uid N, --gid N       ids inside (default 1000/1000)\n"
	"  --as-root              when run as root: the inner ids are the host's root\n"
	"                         (default: the dedicated build id 1879048192)\n"
	"Process:\n"
	"  --timeout SECONDS      kill the whole sandbox after SECONDS (exit 124)\n"
	"  --umask MODE           the command's umask, octal (default 022)\n"
	"  --no-aslr              disable address space randomization\n"
	"  --share-session        stay in the caller's session (default: a new one,\n"
	"                         without a controlling terminal; CVE-2017-5226)\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: the command's; 128+N if it was killed by signal N; 124 on\n"
	"timeout; 125 if the sandbox could not be set up; 126 if COMMAND could not\n"
	"be executed; 127 if it was not found; 2 on bad usage.\n";

static int need(int argc, char **argv, int i, int n, struct cl_err *err)
{
	if (i + n >= argc)
		return cl_err_msg(err, EINVAL, "%s needs %d argument%s", argv[i], n,
				  n > 1 ? "s" : "");
	return 0;
}

static int parse_uint(const char *opt, const char *s, unsigned long max,
		      int base, unsigned long *out, struct cl_err *err)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-')
		goto bad;
	unsigned long v = strtoul(s, &end, base);
	if (errno || *end || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return cl_err_msg(err, EINVAL, "%s: '%s' is not a number between 0 and %lu%s", opt, s,
			  max, base == 8 ? " (octal)" : "");
}

static int set_field(char *field, const char *opt, const char *value, struct cl_err *err)
{
	/* the kernel's fields are 65 bytes with the terminating NUL */
	if (strlen(value) > 64)
		return cl_err_msg(err, EINVAL, "%s: '%s' is longer than 64 bytes", opt, value);
	if (!*value)
		return cl_err_msg(err, EINVAL, "%s: the value must not be empty", opt);
	strcpy(field, value);
	return 0;
}

int run_parse_args(int argc, char **argv, struct sandbox_config *cfg,
		   struct cl_err *err)
{
	int i;
	unsigned long v;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-')
			break;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (!strcmp(a, "--root")) {
			if (need(argc, argv, i, 1, err) < 0 ||
			    sandbox_config_add_root(cfg, argv[i + 1], err) < 0)
				return -err->code;
			i += 1;
			continue;
		}
		if (!strcmp(a, "--bind") || !strcmp(a, "--ro-bind") || !strcmp(a, "--symlink")) {
			enum sandbox_op_kind k = !strcmp(a, "--bind") ? SB_OP_BIND
					       : !strcmp(a, "--ro-bind") ? SB_OP_RO_BIND : SB_OP_SYMLINK;
			if (need(argc, argv, i, 2, err) < 0 ||
			    sandbox_config_add_op(cfg, k, argv[i + 1], argv[i + 2], err) < 0)
				return cl_err_prefix(err, "%s", a);
			i += 2;
			continue;
		}
		if (!strcmp(a, "--tmpfs") || !strcmp(a, "--dir")) {
			enum sandbox_op_kind k = !strcmp(a, "--tmpfs") ? SB_OP_TMPFS : SB_OP_DIR;
			if (need(argc, argv, i, 1, err) < 0 ||
			    sandbox_config_add_op(cfg, k, NULL, argv[i + 1], err) < 0)
				return cl_err_prefix(err, "%s", a);
			i += 1;
			continue;
		}
		if (!strcmp(a, "--setenv")) {
			if (need(argc, argv, i, 2, err) < 0 ||
			    sandbox_config_setenv(cfg, argv[i + 1], argv[i + 2], err) < 0)
				return cl_err_prefix(err, "%s", a);
			i += 2;
			continue;
		}
		if (!strcmp(a, "--unsetenv")) {
			if (need(argc, argv, i, 1, err) < 0)
				return -err->code;
			sandbox_config_unsetenv(cfg, argv[++i]);
			continue;
		}
		if (!strcmp(a, "--chdir")) {
			if (need(argc, argv, i, 1, err) < 0)
				return -err->code;
			char *d = sandbox_normalize_path(argv[i + 1], err);
			if (!d)
				return cl_err_prefix(err, "%s", a);
			free(cfg->chdir);
			cfg->chdir = d;
			i += 1;
			continue;
		}
		struct { const char *opt; char *field; } fields[] = {
			{ "--hostname", cfg->hostname },
			{ "--uname-sysname", cfg->uname.sysname },
			{ "--uname-release", cfg->uname.release },
			{ "--uname-version", cfg->uname.version },
			{ "--uname-machine", cfg->uname.machine },
		};
		bool matched = false;
		for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
			if (strcmp(a, fields[f].opt))
				continue;
			if (need(argc, argv, i, 1, err) < 0 ||
			    set_field(fields[f].field, a, argv[i + 1], err) < 0)
				return -err->code;
			i += 1;
			matched = true;
			break;
		}
		if (matched)
			continue;
		if (!strcmp(a, "--timeout")) {
			if (need(argc, argv, i, 1, err) < 0 ||
			    parse_uint(a, argv[i + 1], 100UL * 24 * 3600, 10, &v, err) < 0)
				return -err->code;
			if (v == 0)
				return cl_err_msg(err, EINVAL, "--timeout: must be at least 1 second");
			cfg->timeout_sec = (unsigned)v;
			i += 1;
			continue;
		}
		if (!strcmp(a, "--uid") || !strcmp(a, "--gid")) {
			/* (uid_t)-1 means "no change" to the kernel: never an id */
			if (need(argc, argv, i, 1, err) < 0 ||
			    parse_uint(a, argv[i + 1], UINT_MAX - 1, 10, &v, err) < 0)
				return -err->code;
			if (a[2] == 'u')
				cfg->uid = (uid_t)v;
			else
				cfg->gid = (gid_t)v;
			i += 1;
			continue;
		}
		if (!strcmp(a, "--umask")) {
			if (need(argc, argv, i, 1, err) < 0 ||
			    parse_uint(a, argv[i + 1], 0777, 8, &v, err) < 0)
				return -err->code;
			cfg->umask = (mode_t)v;
			i += 1;
			continue;
		}
		if (!strcmp(a, "--as-root")) {
			cfg->as_root = true;
			continue;
		}
		if (!strcmp(a, "--share-session")) {
			cfg->share_session = true;
			continue;
		}
		if (!strcmp(a, "--no-aslr")) {
			cfg->personality |= ADDR_NO_RANDOMIZE;
			continue;
		}
		goto unknown;
	}
	if (i >= argc)
		return cl_err_msg(err, EINVAL, "no command given (usage: cloister run [OPTIONS] -- COMMAND [ARG...])");
	cfg->argv = &argv[i];
	return 0;
unknown:
	return cl_err_msg(err, EINVAL, "unknown option '%s' (see cloister run --help)", argv[i]);
}
