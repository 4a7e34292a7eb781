/* The `cloister run` option parser and the config it builds. */
#include <errno.h>
#include <stdlib.h>
#include <sys/personality.h>

#include "../../builder/cli/cli.h"
#include "test.h"

static int parse(struct sandbox_config *cfg, struct cl_err *err, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	sandbox_config_init(cfg);
	cl_err_clear(err);
	return run_parse_args(argc, argv, cfg, err);
}

static const char *env_get(const struct sandbox_config *cfg, const char *var)
{
	size_t l = strlen(var);
	for (size_t i = 0; i < cfg->n_env; i++)
		if (!strncmp(cfg->env[i], var, l) && cfg->env[i][l] == '=')
			return cfg->env[i] + l + 1;
	return NULL;
}

static void defaults(void)
{
	struct sandbox_config cfg;
	struct cl_err err;
	char *argv[] = { "run", "--", "true", NULL };
	CHECK(parse(&cfg, &err, argv) == 0);
	CHECK_STR(cfg.argv[0], "true");
	CHECK(cfg.uid == 1000 && cfg.gid == 1000);
	CHECK_STR(cfg.hostname, "cloister");
	CHECK_STR(cfg.uname.release, "6.1.0-cloister");
	CHECK_STR(env_get(&cfg, "TZ"), "UTC");
	CHECK_STR(env_get(&cfg, "LC_ALL"), "C");
	CHECK(cfg.n_env == 5);
	CHECK(cfg.env[cfg.n_env] == NULL);
	CHECK(cfg.timeout_sec == 0 && cfg.n_roots == 0 && cfg.n_ops == 0);
	sandbox_config_free(&cfg);
}

static void options_in_order(void)
{
	struct sandbox_config cfg;
	struct cl_err err;
	char *argv[] = { "run", "--root", "/a", "--root", "/b", "--bind", "/s", "//x/./y/",
			 "--ro-bind", "/r", "/z", "--tmpfs", "/t", "--dir", "/d",
			 "--symlink", "usr/bin", "/bin", "--chdir", "/x", "--uid", "0",
			 "--gid", "7", "--timeout", "30", "--hostname", "h", "--umask", "077",
			 "--no-aslr", "cmd", "--not-an-option", NULL };
	CHECK(parse(&cfg, &err, argv) == 0);
	CHECK(cfg.n_roots == 2);
	CHECK_STR(cfg.roots[1], "/b");
	CHECK(cfg.n_ops == 5);
	CHECK(cfg.ops[0].kind == SB_OP_BIND);
	CHECK_STR(cfg.ops[0].dest, "/x/y");
	CHECK(cfg.ops[1].kind == SB_OP_RO_BIND);
	CHECK(cfg.ops[2].kind == SB_OP_TMPFS);
	CHECK(cfg.ops[3].kind == SB_OP_DIR);
	CHECK(cfg.ops[4].kind == SB_OP_SYMLINK);
	CHECK_STR(cfg.ops[4].src, "usr/bin");
	CHECK_STR(cfg.chdir, "/x");
	CHECK(cfg.uid == 0 && cfg.gid == 7 && cfg.timeout_sec == 30 && cfg.umask == 077);
	CHECK(cfg.personality == (PER_LINUX | ADDR_NO_RANDOMIZE));
	/* everything after the command belongs to the command */
	CHECK_STR(cfg.argv[0], "cmd");
	CHECK_STR(cfg.argv[1], "--not-an-option");
	sandbox_config_free(&cfg);
}

static void environment(void)
{
	struct sandbox_config cfg;
	struct cl_err err;
	char *argv[] = { "run", "--setenv", "A", "1", "--setenv", "TZ", "Europe/Paris",
			 "--setenv", "A", "2", "--unsetenv", "HOME", "--", "x", NULL };
	CHECK(parse(&cfg, &err, argv) == 0);
	CHECK_STR(env_get(&cfg, "A"), "2");
	CHECK_STR(env_get(&cfg, "TZ"), "Europe/Paris");
	CHECK(env_get(&cfg, "HOME") == NULL);
	CHECK(cfg.n_env == 5);
	CHECK(cfg.env[cfg.n_env] == NULL);
	sandbox_config_free(&cfg);
}

static void expect_error(char **argv, const char *fragment)
{
	struct sandbox_config cfg;
	struct cl_err err;
	int r = parse(&cfg, &err, argv);
	CHECK(r < 0);
	if (r < 0 && !strstr(err.msg, fragment)) {
		printf("  message '%s' lacks '%s'\n", err.msg, fragment);
		test_current_failed = 1;
	}
	sandbox_config_free(&cfg);
}

static void bad_usage(void)
{
	expect_error((char *[]){ "run", NULL }, "no command given");
	expect_error((char *[]){ "run", "--", NULL }, "no command given");
	expect_error((char *[]){ "run", "--bind", "/a", NULL }, "--bind needs 2 arguments");
	expect_error((char *[]){ "run", "--tmpfs", "relative", "x", NULL }, "must be absolute");
	expect_error((char *[]){ "run", "--dir", "/a/../etc", "x", NULL }, "'..' is not allowed");
	expect_error((char *[]){ "run", "--tmpfs", "/", "x", NULL }, "sandbox root");
	expect_error((char *[]){ "run", "--timeout", "0", "x", NULL }, "at least 1 second");
	expect_error((char *[]){ "run", "--timeout", "-5", "x", NULL }, "not a number");
	expect_error((char *[]){ "run", "--timeout", "5s", "x", NULL }, "not a number");
	expect_error((char *[]){ "run", "--uid", "4294967295", "x", NULL }, "not a number");
	expect_error((char *[]){ "run", "--umask", "999", "x", NULL }, "octal");
	expect_error((char *[]){ "run", "--setenv", "A=B", "c", "x", NULL }, "not a valid environment");
	expect_error((char *[]){ "run", "--hostname", "", "x", NULL }, "must not be empty");
	expect_error((char *[]){ "run", "--uname-release",
				 "0123456789012345678901234567890123456789012345678901234567890123456789",
				 "x", NULL }, "longer than 64 bytes");
	expect_error((char *[]){ "run", "--frobnicate", "x", NULL }, "unknown option '--frobnicate'");
}

static void help(void)
{
	struct sandbox_config cfg;
	struct cl_err err;
	CHECK(parse(&cfg, &err, (char *[]){ "run", "--help", NULL }) == 1);
	sandbox_config_free(&cfg);
	CHECK(strstr(run_usage, "--ro-bind") && strstr(run_usage, "Exit status"));
}

static void normalize(void)
{
	struct cl_err err;
	struct { const char *in, *out; } cases[] = {
		{ "/", "/" }, { "//", "/" }, { "/a//b/", "/a/b" }, { "/./a/./", "/a" },
		{ "/a/.../b", "/a/.../b" }, { "/..a/b..", "/..a/b.." },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *o = sandbox_normalize_path(cases[i].in, &err);
		CHECK_STR(o, cases[i].out);
		free(o);
	}
	CHECK(sandbox_normalize_path("/a/..", &err) == NULL);
	CHECK(sandbox_normalize_path("a", &err) == NULL);
}

static void error_context(void)
{
	struct cl_err err = { 0 };
	CHECK(cl_err_set(&err, ENOENT, "open %s", "/x") == -ENOENT);
	CHECK(cl_err_prefix(&err, "mounting %s", "/usr") == -ENOENT);
	CHECK_STR(err.msg, "mounting /usr: open /x: No such file or directory");
	CHECK(cl_err_msg(&err, 0, "plain") == -EINVAL);
	CHECK_STR(err.msg, "plain");
}

int main(void)
{
	RUN(defaults);
	RUN(options_in_order);
	RUN(environment);
	RUN(bad_usage);
	RUN(help);
	RUN(normalize);
	RUN(error_context);
	return test_failures ? 1 : 0;
}
