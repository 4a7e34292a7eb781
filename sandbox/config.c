/* Building a sandbox_config: ownership, path normalization, environment. */
#include "sandbox.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "../common/cleanup.h"

static const char *const default_env[] = {
	"PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin",
	"HOME=/tmp",
	"TMPDIR=/tmp",
	"LC_ALL=C",
	"TZ=UTC",
};

void sandbox_config_init(struct sandbox_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	strcpy(cfg->hostname, "cloister");
	/* Fixed values that say nothing about the host: a build that records
	 * them records the same thing everywhere. */
	strcpy(cfg->uname.sysname, "Linux");
	strcpy(cfg->uname.release, "6.1.0-cloister");
	strcpy(cfg->uname.version, "#1 SMP PREEMPT_DYNAMIC Thu Jan  1 00:00:00 UTC 1970");
	strcpy(cfg->uname.machine, "x86_64");
	strcpy(cfg->uname.domainname, "(none)");
	cfg->uid = 1000;
	cfg->gid = 1000;
	cfg->personality = PER_LINUX;
	cfg->umask = 022;
	cfg->stdio[0] = cfg->stdio[1] = cfg->stdio[2] = -1;
	for (size_t i = 0; i < sizeof default_env / sizeof *default_env; i++) {
		const char *eq = strchr(default_env[i], '=');
		char var[32];
		memcpy(var, default_env[i], (size_t)(eq - default_env[i]));
		var[eq - default_env[i]] = '\0';
		if (sandbox_config_setenv(cfg, var, eq + 1, NULL) < 0)
			abort(); /* out of memory at startup: nothing sensible to do */
	}
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void sandbox_config_free(struct sandbox_config *cfg)
{
	free_strv(cfg->roots, cfg->n_roots);
	for (size_t i = 0; i < cfg->n_ops; i++) {
		free(cfg->ops[i].src);
		free(cfg->ops[i].dest);
	}
	free(cfg->ops);
	/* env has a NULL terminator slot after n_env entries */
	free_strv(cfg->env, cfg->n_env);
	free(cfg->chdir);
	memset(cfg, 0, sizeof *cfg);
}

char *sandbox_normalize_path(const char *path, struct cl_err *err)
{
	if (!path || path[0] != '/') {
		cl_err_msg(err, EINVAL, "'%s': a path inside the sandbox must be absolute",
			   path ? path : "");
		return NULL;
	}
	size_t len = strlen(path);
	char *out = malloc(len + 2);
	if (!out) {
		cl_err_set(err, ENOMEM, "normalizing '%s'", path);
		return NULL;
	}
	size_t o = 0;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *start = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - start);
		if (n == 0 || (n == 1 && start[0] == '.'))
			continue;
		if (n == 2 && start[0] == '.' && start[1] == '.') {
			free(out);
			cl_err_msg(err, EINVAL, "'%s': '..' is not allowed in a sandbox path", path);
			return NULL;
		}
		out[o++] = '/';
		memcpy(out + o, start, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

static int push_str(char ***v, size_t *n, char *s, size_t extra)
{
	char **nv = realloc(*v, (*n + 1 + extra) * sizeof **v);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = s;
	for (size_t i = 0; i < extra; i++)
		nv[*n + i] = NULL;
	return 0;
}

int sandbox_config_add_root(struct sandbox_config *cfg, const char *dir,
			    struct cl_err *err)
{
	_cleanup_free_ char *copy = strdup(dir);
	if (!copy || push_str(&cfg->roots, &cfg->n_roots, copy, 0) < 0)
		return cl_err_set(err, ENOMEM, "adding root %s", dir);
	copy = NULL;
	return 0;
}

int sandbox_config_add_host_usr(struct sandbox_config *cfg, struct cl_err *err)
{
	static const char *const links[][2] = {
		{ "usr/bin", "/bin" }, { "usr/lib", "/lib" }, { "usr/lib64", "/lib64" }, { "usr/sbin", "/sbin" },
	};
	TRY(sandbox_config_add_op(cfg, SB_OP_RO_BIND, "/usr", "/usr", err));
	for (size_t i = 0; i < sizeof links / sizeof *links; i++)
		TRY(sandbox_config_add_op(cfg, SB_OP_SYMLINK, links[i][0], links[i][1], err));
	return 0;
}

int sandbox_config_add_op(struct sandbox_config *cfg, enum sandbox_op_kind kind,
			  const char *src, const char *dest, struct cl_err *err)
{
	_cleanup_free_ char *d = sandbox_normalize_path(dest, err);
	if (!d)
		return -err->code;
	if (strcmp(d, "/") == 0 && kind != SB_OP_DIR)
		return cl_err_msg(err, EINVAL, "'%s': cannot mount over or replace the sandbox root; use --root",
				  dest);
	_cleanup_free_ char *s = src ? strdup(src) : NULL;
	if (src && !s)
		return cl_err_set(err, ENOMEM, "adding %s", dest);
	struct sandbox_op *nops = realloc(cfg->ops, (cfg->n_ops + 1) * sizeof *nops);
	if (!nops)
		return cl_err_set(err, ENOMEM, "adding %s", dest);
	cfg->ops = nops;
	nops[cfg->n_ops++] = (struct sandbox_op){
		.kind = kind, .src = steal_ptr(&s), .dest = steal_ptr(&d),
	};
	return 0;
}

void sandbox_config_unsetenv(struct sandbox_config *cfg, const char *var)
{
	size_t vl = strlen(var);
	for (size_t i = 0; i < cfg->n_env; i++) {
		if (strncmp(cfg->env[i], var, vl) == 0 && cfg->env[i][vl] == '=') {
			free(cfg->env[i]);
			memmove(&cfg->env[i], &cfg->env[i + 1],
				(cfg->n_env - i) * sizeof *cfg->env);
			cfg->n_env--;
			return;
		}
	}
}

int sandbox_config_setenv(struct sandbox_config *cfg, const char *var,
			  const char *value, struct cl_err *err)
{
	if (!var[0] || strchr(var, '='))
		return cl_err_msg(err, EINVAL, "'%s': not a valid environment variable name", var);
	size_t vl = strlen(var), ll = strlen(value);
	char *s = malloc(vl + ll + 2);
	if (!s)
		return cl_err_set(err, ENOMEM, "setting %s", var);
	memcpy(s, var, vl);
	s[vl] = '=';
	memcpy(s + vl + 1, value, ll + 1);
	for (size_t i = 0; i < cfg->n_env; i++) {
		if (strncmp(cfg->env[i], var, vl) == 0 && cfg->env[i][vl] == '=') {
			free(cfg->env[i]);
			cfg->env[i] = s;
			return 0;
		}
	}
	/* keep one NULL after the last entry so env is an envp */
	if (push_str(&cfg->env, &cfg->n_env, s, 1) < 0) {
		free(s);
		return cl_err_set(err, ENOMEM, "setting %s", var);
	}
	return 0;
}
