#define _GNU_SOURCE
#include "apt.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <strings.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fdio.h"
#include "../../common/fsutil.h"

extern char **environ;

static int env_init_at(struct apt_env *env, const char *home, const char *name, struct cl_err *err)
{
	char p[PATH_MAX + 64];
	snprintf(env->dir, sizeof env->dir, "%s/%s", home, name);
	static const char *const sub[] = { "state/lists/partial", "cache/archives/partial" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "%s/%s", env->dir, sub[i]);
		if (mkdir_p(p, 0755, err) < 0)
			return -err->code;
	}
	/* apt wants a dpkg status file; ours is empty: nothing is installed
	 * in the seed as far as apt is concerned. */
	snprintf(p, sizeof p, "%s/state/status", env->dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return cl_err_set(err, errno, "creating %s", p);
	close(fd);
	return 0;
}

int apt_env_init(struct apt_env *env, const char *home, struct cl_err *err)
{
	TRY(env_init_at(env, home, "apt", err));
	snprintf(env->sourcelist, sizeof env->sourcelist, "/etc/apt/sources.list");
	snprintf(env->sourceparts, sizeof env->sourceparts, "/etc/apt/sources.list.d");
	return 0;
}

/* One source file, with deb entries made deb-src: "Types: deb ..." in the
 * deb822 format, "deb ..." lines in the one-line format. */
static int transform_sources(const char *in, const char *out, bool deb822, struct cl_err *err)
{
	char *text = NULL;
	if (read_file(in, &text, NULL, err) < 0)
		return -err->code;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	for (char *line = text, *next; f && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (deb822 && !strncasecmp(line, "Types:", 6))
			fputs(strstr(line + 6, "deb") ? "Types: deb-src" : line, f);
		else if (!deb822 && !strncmp(line, "deb ", 4))
			fprintf(f, "deb-src %s", line + 4);
		else if (!deb822 && !strncmp(line, "deb-src ", 8))
			fputs("# (already a deb-src line, kept once above)", f);
		else
			fputs(line, f);
		fputc('\n', f);
	}
	if (f)
		fclose(f);
	free(text);
	int r = write_file_atomic(out, buf ? buf : "", len, 0644, err);
	free(buf);
	return r;
}

int apt_env_init_src(struct apt_env *env, const char *home, struct cl_err *err)
{
	TRY(env_init_at(env, home, "apt-src", err));
	TRY(pathf(err, env->sourcelist, sizeof env->sourcelist, "%s/sources.list", env->dir));
	TRY(pathf(err, env->sourceparts, sizeof env->sourceparts, "%s/sources.list.d", env->dir));
	TRY(mkdir_p(env->sourceparts, 0755, err));
	if (access("/etc/apt/sources.list", F_OK) == 0)
		TRY(transform_sources("/etc/apt/sources.list", env->sourcelist, false, err));
	else
		TRY(write_file_atomic(env->sourcelist, "", 0, 0644, err));
	DIR *d = opendir("/etc/apt/sources.list.d");
	struct dirent *e;
	int r = 0;
	while (d && r == 0 && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		bool is822 = l > 8 && !strcmp(e->d_name + l - 8, ".sources");
		bool islist = l > 5 && !strcmp(e->d_name + l - 5, ".list");
		if (!is822 && !islist)
			continue; /* apt ignores other names too */
		char in[PATH_MAX + 300], out[PATH_MAX + 300];
		snprintf(in, sizeof in, "/etc/apt/sources.list.d/%s", e->d_name);
		snprintf(out, sizeof out, "%s/%s", env->sourceparts, e->d_name);
		r = transform_sources(in, out, is822, err);
	}
	if (d)
		closedir(d);
	return r;
}

/* apt's own locks are off (Debug::NoLocking: they live in /var, which an
 * unprivileged user cannot write), so concurrent cloisters on one home
 * would update and read the private lists at once and garble each other:
 * every apt run holds this lock instead. */
static int apt_lock(const struct apt_env *env, struct cl_err *err)
{
	char p[PATH_MAX + 32];
	TRY(pathf(err, p, sizeof p, "%s/cloister.lock", env->dir));
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return cl_err_set(err, errno, "opening %s", p);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return cl_err_set(err, e, "locking %s", p);
		}
	}
	return fd;
}

int apt_run(struct apt_env *env, const char *program, const char *cwd, const char *const *args,
	    char **out, char **errout, struct cl_err *err)
{
	_cleanup_close_ int lock = apt_lock(env, err);
	if (lock < 0)
		return lock;
	char o[8][PATH_MAX + 64];
	/* the machine's own keyrings and apt.conf.d stay in force */
	const char *argv[64];
	int n = 0;

	snprintf(o[0], sizeof o[0], "Dir::State=%s/state", env->dir);
	snprintf(o[1], sizeof o[1], "Dir::State::status=%s/state/status", env->dir);
	snprintf(o[2], sizeof o[2], "Dir::Cache=%s/cache", env->dir);
	argv[n++] = program;
	argv[n++] = "-q";
	for (int i = 0; i < 3; i++) {
		argv[n++] = "-o";
		argv[n++] = o[i];
	}
	/* The machine's own sources and keyrings: read, never changed. */
	snprintf(o[3], sizeof o[3], "Dir::Etc::SourceList=%s", env->sourcelist);
	snprintf(o[4], sizeof o[4], "Dir::Etc::SourceParts=%s", env->sourceparts);
	for (int i = 3; i < 5; i++) {
		argv[n++] = "-o";
		argv[n++] = o[i];
	}
	static const char *const fixed[] = {
		"Debug::NoLocking=1", "Acquire::Languages=none",
	};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
		argv[n++] = "-o";
		argv[n++] = fixed[i];
	}
	if (geteuid() == 0) {
		/* apt would drop to _apt, which cannot write into a private
		 * directory under root's home */
		argv[n++] = "-o";
		argv[n++] = "APT::Sandbox::User=root";
	}
	for (int i = 0; args[i] && n < 62; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	_cleanup_close_ int ofd = memfd_create("apt-out", MFD_CLOEXEC);
	_cleanup_close_ int efd = memfd_create("apt-err", MFD_CLOEXEC);
	if (ofd < 0 || efd < 0)
		return cl_err_set(err, errno, "memfd_create");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ofd, 1);
	posix_spawn_file_actions_adddup2(&fa, efd, 2);
	if (cwd)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	pid_t pid;
	int r = posix_spawnp(&pid, program, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return cl_err_set(err, r, "running %s (is apt installed?)", program);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return cl_err_set(err, errno, "waiting for %s", program);
	int fds[2] = { ofd, efd };
	char **bufs[2] = { out, errout };
	for (int i = 0; i < 2; i++) {
		if (!bufs[i])
			continue;
		off_t size = lseek(fds[i], 0, SEEK_END);
		char *b = malloc((size_t)size + 1);
		if (!b)
			return cl_err_set(err, ENOMEM, "apt-get output");
		ssize_t got = pread(fds[i], b, (size_t)size, 0);
		b[got > 0 ? got : 0] = '\0';
		*bufs[i] = b;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The last "E: ..." line apt printed, for messages. */
static const char *apt_error_line(const char *errout, char *buf, size_t len)
{
	const char *e = NULL;
	for (const char *p = errout; (p = strstr(p, "E: ")); p += 3)
		e = p + 3;
	if (!e)
		e = errout;
	size_t n = strcspn(e, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(buf, e, n);
	buf[n] = '\0';
	return buf;
}

int apt_update(struct apt_env *env, struct cl_err *err)
{
	static const char *const args[] = { "update", NULL };
	_cleanup_free_ char *errout = NULL;
	int st = apt_run(env, "apt-get", NULL, args, NULL, &errout, err);
	if (st < 0)
		return st;
	if (st != 0) {
		char line[512];
		return cl_err_msg(err, EIO, "apt-get update failed: %s",
				  apt_error_line(errout, line, sizeof line));
	}
	return 0;
}

/* "%3a" in a .deb file name stands for the epoch's ':' */
static void unescape_version(const char *in, char *out, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; in[i] && o + 1 < len; i++) {
		if (in[i] == '%' && in[i + 1] == '3' && (in[i + 2] == 'a' || in[i + 2] == 'A')) {
			out[o++] = ':';
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
}

/* Parses one "'URI' FILENAME SIZE SHA256:HEX" line. */
static int parse_uri_line(const char *line, struct apt_pkg_info *info, char *name, size_t nlen)
{
	char uri[2048], file[256], sum[128];
	unsigned long long size;
	if (sscanf(line, "%2047s %255s %llu %127s", uri, file, &size, sum) != 4 ||
	    strncmp(sum, "SHA256:", 7) != 0 || !sha256_hex_valid(sum + 7))
		return -1;
	memset(info, 0, sizeof *info);
	snprintf(info->filename, sizeof info->filename, "%s", file);
	memcpy(info->sha256, sum + 7, SHA256_HEX_LEN + 1);
	info->size = size;
	/* NAME_VERSION_ARCH.deb */
	char *first = strchr(file, '_'), *last = strrchr(file, '_');
	if (!first || first == last)
		return -1;
	*last = '\0';
	unescape_version(first + 1, info->version, sizeof info->version);
	*first = '\0';
	snprintf(name, nlen, "%s", file);
	return 0;
}

static int classify_failure(const char *what, const char *errout, struct cl_err *err)
{
	char line[512];
	apt_error_line(errout, line, sizeof line);
	if (strstr(line, "not found") || strstr(line, "Unable to locate") ||
	    strstr(line, "has no installation candidate"))
		return cl_err_msg(err, ENOENT, "%s", line);
	return cl_err_msg(err, EIO, "apt-get download %s: %s", what, line);
}

/* apt-get arguments: the leading words, then NAME=VERSION (or NAME) for
 * each package.  *args and *specs are malloc'd; free both. */
static int package_args(const char *const *lead, size_t nlead, const char *const *names,
			const char *const *versions, size_t n, const char ***args,
			char (**specs)[300], struct cl_err *err)
{
	*args = calloc(nlead + n + 1, sizeof **args);
	*specs = calloc(n ? n : 1, sizeof **specs);
	if (!*args || !*specs) {
		free(*args);
		free(*specs);
		return cl_err_set(err, ENOMEM, "apt arguments");
	}
	for (size_t i = 0; i < nlead; i++)
		(*args)[i] = lead[i];
	for (size_t i = 0; i < n; i++) {
		if (versions && versions[i])
			snprintf((*specs)[i], sizeof (*specs)[i], "%s=%s", names[i], versions[i]);
		else
			snprintf((*specs)[i], sizeof (*specs)[i], "%s", names[i]);
		(*args)[nlead + i] = (*specs)[i];
	}
	return 0;
}

int apt_lookup_many(struct apt_env *env, const char *const *names,
		    const char *const *versions, size_t n, struct apt_pkg_info *infos,
		    struct cl_err *err)
{
	static const char *const lead[] = { "download", "--print-uris" };
	const char **args;
	char (*specs)[300];
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int r = 0;

	TRY(package_args(lead, 2, names, versions, n, &args, &specs, err));
	int st = apt_run(env, "apt-get", NULL, args, &out, &errout, err);
	if (st < 0)
		r = st;
	else if (st != 0)
		r = classify_failure(n == 1 ? specs[0] : "(several packages)", errout, err);
	for (size_t i = 0; i < n && r == 0; i++)
		infos[i].filename[0] = '\0';
	for (char *line = out, *next; r == 0 && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		struct apt_pkg_info info;
		char name[256];
		if (parse_uri_line(line, &info, name, sizeof name) < 0) {
			r = cl_err_msg(err, EIO, "apt-get download --print-uris: unexpected output '%.200s'", line);
			break;
		}
		for (size_t i = 0; i < n; i++)
			if (!strcmp(names[i], name))
				infos[i] = info;
	}
	for (size_t i = 0; i < n && r == 0; i++)
		if (!infos[i].filename[0])
			r = cl_err_msg(err, ENOENT, "apt offered nothing for %s", specs[i]);
	free(args);
	free(specs);
	return r;
}

int apt_lookup(struct apt_env *env, const char *name, const char *version,
	       struct apt_pkg_info *info, struct cl_err *err)
{
	const char *names[1] = { name }, *versions[1] = { version };
	return apt_lookup_many(env, names, versions, 1, info, err);
}

int apt_download_many(struct apt_env *env, const char *const *names,
		      const char *const *versions, size_t n, const char *dir,
		      struct cl_err *err)
{
	static const char *const lead[] = { "download" };
	const char **args;
	char (*specs)[300];
	_cleanup_free_ char *errout = NULL;
	int r = 0;

	TRY(package_args(lead, 1, names, versions, n, &args, &specs, err));
	int st = apt_run(env, "apt-get", dir, args, NULL, &errout, err);
	if (st < 0)
		r = st;
	else if (st != 0)
		r = classify_failure(n == 1 ? specs[0] : "(several packages)", errout, err);
	free(args);
	free(specs);
	return r;
}

int apt_source_download(struct apt_env *env, const char *package, const char *version,
			const char *dir, struct cl_err *err)
{
	char spec[300];
	snprintf(spec, sizeof spec, "%s=%s", package, version);
	const char *args[] = { "source", "--download-only", spec, NULL };
	_cleanup_free_ char *errout = NULL;
	int st = apt_run(env, "apt-get", dir, args, NULL, &errout, err);
	if (st < 0)
		return st;
	if (st != 0)
		return classify_failure(spec, errout, err);
	return 0;
}
