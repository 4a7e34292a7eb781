/* The machine settings parsers (builder/plan/), from memory, and the
 * slot through which they reach one recipe's build. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../builder/plan/assign.h"
#include "../../builder/plan/flags.h"
#include "../../builder/plan/kconfig.h"
#include "../../builder/plan/machine_settings.h"
#include "../../builder/plan/recipe_settings.h"
#include "../../common/fsutil.h"
#include "test.h"

static int assign(const char *text, struct assignments *a, struct cl_err *err)
{
	return assignments_parse("net.config", text, strlen(text), a, err);
}

/* The message of a text that must be refused. */
static const char *assign_error(const char *text)
{
	static struct cl_err err;
	struct assignments a;
	memset(&err, 0, sizeof err);
	if (assign(text, &a, &err) == 0) {
		assignments_free(&a);
		return "(accepted)";
	}
	CHECK(a.n == 0 && a.kv == NULL);
	CHECK(cl_err_class(&err) == CL_BAD_INPUT);  /* exit 2 */
	return err.msg;
}

static void assignments_read_like_sh_without_running(void)
{
	struct assignments a;
	struct cl_err err = { 0 };
	const char *text = "# comment\n\n  host='example'  # trailing comment\n"
			   "EMPTY=\nquote='it'\\''s'\nliteral='$HOME `id` # not a comment ${x}'\n"
			   "tab='a\tb'\nlast='no line feed'";
	CHECK(assign(text, &a, &err) == 0);
	CHECK(a.n == 6);
	if (a.n != 6)
		return;
	CHECK_STR(a.kv[0].name, "host");
	CHECK_STR(a.kv[0].value, "example");
	CHECK(a.lines[0] == 3);
	CHECK_STR(a.kv[1].value, "");
	CHECK_STR(a.kv[2].value, "it's");
	CHECK_STR(a.kv[3].value, "$HOME `id` # not a comment ${x}");
	CHECK_STR(a.kv[4].value, "a\tb");
	CHECK_STR(assignments_get(&a, "last"), "no line feed");
	CHECK(assignments_get(&a, "nothere") == NULL);
	assignments_free(&a);
}

static void assignments_refuse_what_sh_would_run(void)
{
	CHECK_STR(assign_error("a='1'\nb=\"$a\"\n"), "net.config:2: b: double quotes are not supported (the file is "
		  "parsed, never executed, and nothing is expanded): use single quotes, NAME='value'");
	CHECK_STR(assign_error("b=$(id)\n"), "net.config:1: b: the value must be in single quotes: NAME='value'");
	CHECK_STR(assign_error("b=plain\n"), "net.config:1: b: the value must be in single quotes: NAME='value'");
	CHECK_STR(assign_error("\nexport b='1'\n"), "net.config:2: 'export' is not supported: write NAME='value' "
		  "(the file is parsed, never executed)");
	CHECK_STR(assign_error("b = '1'\n"), "net.config:1: no blanks around '=': write NAME='value'");
	CHECK_STR(assign_error("echo hello\n"), "net.config:1: expected NAME='value', found 'echo hello'");
	CHECK_STR(assign_error("1b='x'\n"), "net.config:1: '1b' is not a variable name (letters, digits and _, "
		  "not starting with a digit)");
	CHECK_STR(assign_error("a-b='x'\n"), "net.config:1: 'a-b' is not a variable name (letters, digits and _, "
		  "not starting with a digit)");
	CHECK_STR(assign_error("a='1'\n# again\na='2'\n"), "net.config:3: a is set twice (first at line 1); keep one");
	CHECK_STR(assign_error("a='open\nrest'\n"), "net.config:1: a: unterminated quote: a value is one line, and "
		  "a ' inside it is written '\\''");
	CHECK_STR(assign_error("a='1'; id\n"), "net.config:1: a: unexpected '; id' after the value; one "
		  "assignment a line, NAME='value'");
	CHECK_STR(assign_error("a='1' b='2'\n"), "net.config:1: a: unexpected 'b='2'' after the value; one "
		  "assignment a line, NAME='value'");
	CHECK_STR(assign_error("a='1'\r\n"), "net.config:1: a carriage return (DOS line ends?); end lines with a "
		  "line feed only");
	CHECK_STR(assign_error("a='\x1b[31m'\n"), "net.config:1: control character 0x1b; settings files are text");
	struct assignments a;
	struct cl_err err = { 0 };
	CHECK(assignments_parse("f", "a='1'\n\0b='2'\n", 13, &a, &err) < 0);
	CHECK_STR(err.msg, "f:2: a NUL byte; settings files are text");
}

static const char *flags_error(const char *text)
{
	static struct cl_err err;
	struct flag_list f;
	memset(&err, 0, sizeof err);
	if (flags_parse("host-c.compiler-flags", text, strlen(text), &f, &err) == 0) {
		flags_free(&f);
		return "(accepted)";
	}
	CHECK(f.n == 0);
	CHECK(cl_err_class(&err) == CL_BAD_INPUT);
	return err.msg;
}

static void flags_one_a_line_with_a_final_line_feed(void)
{
	struct flag_list f;
	struct cl_err err = { 0 };
	const char *text = "-static\n-Wl,-z,relro,-z,now\n-D_FORTIFY_SOURCE=2\n";
	CHECK(flags_parse("x", text, strlen(text), &f, &err) == 0);
	CHECK(f.n == 3);
	char *j = flags_join(&f);
	CHECK_STR(j, "-static -Wl,-z,relro,-z,now -D_FORTIFY_SOURCE=2");
	free(j);
	flags_free(&f);
	CHECK(flags_parse("x", "", 0, &f, &err) == 0 && f.n == 0);
	j = flags_join(&f);
	CHECK_STR(j, "");
	free(j);
}

static void flags_refuse_blank_lines_comments_and_shell_characters(void)
{
	CHECK_STR(flags_error("-O2\n-static"), "host-c.compiler-flags:2: the last line has no line feed; end the "
		  "file with one");
	CHECK_STR(flags_error("-O2\n\n-static\n"), "host-c.compiler-flags:2: a blank line; compiler-flags files "
		  "have one flag a line and no blank lines");
	CHECK_STR(flags_error("-O2\n# hardening\n"), "host-c.compiler-flags:2: comments are not allowed in "
		  "compiler-flags files (one flag a line, nothing else)");
	CHECK_STR(flags_error("-O2 -g\n"), "host-c.compiler-flags:1: '-O2 -g' contains a blank; write one flag a "
		  "line");
	CHECK_STR(flags_error(" -O2\n"), "host-c.compiler-flags:1: ' -O2' contains a blank; write one flag a line");
	CHECK_STR(flags_error("-DX=\"y\"\n"), "host-c.compiler-flags:1: '-DX=\"y\"' contains \", which make and sh "
		  "would interpret (flags reach builds in CFLAGS, split at blanks and never unquoted)");
	CHECK_STR(flags_error("-Wl,-rpath,$ORIGIN\n"), "host-c.compiler-flags:1: '-Wl,-rpath,$ORIGIN' contains $, "
		  "which make and sh would interpret (flags reach builds in CFLAGS, split at blanks and never "
		  "unquoted)");
	CHECK_STR(flags_error("-O2\nstatic\n"), "host-c.compiler-flags:2: 'static' is not a flag (a flag starts "
		  "with -)");
	CHECK_STR(flags_error("-O2\r\n"), "host-c.compiler-flags:1: a carriage return (DOS line ends?); end lines "
		  "with a line feed only");
}

static const char *kconfig_error(const char *text)
{
	static struct cl_err err;
	struct kconfig_fragment k;
	memset(&err, 0, sizeof err);
	if (kconfig_parse("busybox.mk", text, strlen(text), &k, &err) == 0) {
		kconfig_free(&k);
		return "(accepted)";
	}
	CHECK(k.n == 0);
	CHECK(cl_err_class(&err) == CL_BAD_INPUT);
	return err.msg;
}

static void kconfig_fragment_lines(void)
{
	struct kconfig_fragment k;
	struct cl_err err = { 0 };
	const char *text = "# busybox for the machine\n\nCONFIG_STATIC=y\n# CONFIG_SU is not set\n"
			   "CONFIG_FEATURE_EDITING_MAX_LEN=1024\nCONFIG_BASE=0x1F\nCONFIG_NEG=-1\n"
			   "CONFIG_PREFIX=\"./_install \\\"x\\\" \\\\\"\nCONFIG_MOD=m\n#CONFIG_X is not set\n"
			   "CONFIG_EMPTY=\"\"";
	CHECK(kconfig_parse("f", text, strlen(text), &k, &err) == 0);
	CHECK(k.n == 8);
	if (k.n != 8)
		return;
	CHECK_STR(k.v[0].symbol, "CONFIG_STATIC");
	CHECK_STR(k.v[0].value, "y");
	CHECK(k.v[0].line == 3);
	CHECK_STR(k.v[1].symbol, "CONFIG_SU");
	CHECK(k.v[1].value == NULL);
	CHECK_STR(k.v[2].value, "1024");
	CHECK_STR(k.v[5].value, "\"./_install \\\"x\\\" \\\\\"");
	CHECK_STR(k.v[7].symbol, "CONFIG_EMPTY");
	kconfig_free(&k);
}

static void kconfig_fragment_errors(void)
{
	CHECK_STR(kconfig_error("CONFIG_A=yes\n"), "busybox.mk:1: 'yes' is not a Kconfig value (y, n, m, a number, "
		  "0x and hex digits, or a \"string\")");
	CHECK_STR(kconfig_error("CONFIG_A=\"open\n"), "busybox.mk:1: '\"open' is not a Kconfig value (y, n, m, a "
		  "number, 0x and hex digits, or a \"string\")");
	CHECK_STR(kconfig_error("CONFIG_A=\"a\"b\n"), "busybox.mk:1: '\"a\"b' is not a Kconfig value (y, n, m, a "
		  "number, 0x and hex digits, or a \"string\")");
	CHECK_STR(kconfig_error("CONFIG_A=0x\n"), "busybox.mk:1: '0x' is not a Kconfig value (y, n, m, a number, "
		  "0x and hex digits, or a \"string\")");
	CHECK_STR(kconfig_error("STATIC=y\n"), "busybox.mk:1: expected CONFIG_NAME=VALUE or '# CONFIG_NAME is not "
		  "set', found 'STATIC=y'");
	CHECK_STR(kconfig_error("CONFIG_=y\n"), "busybox.mk:1: expected CONFIG_NAME=VALUE or '# CONFIG_NAME is not "
		  "set', found 'CONFIG_=y'");
	CHECK_STR(kconfig_error("CONFIG_A = y\n"), "busybox.mk:1: expected CONFIG_NAME=VALUE or '# CONFIG_NAME is "
		  "not set', found 'CONFIG_A = y'");
	CHECK_STR(kconfig_error("CONFIG_A=y \n"), "busybox.mk:1: trailing blanks; Kconfig would keep them in the "
		  "value");
	CHECK_STR(kconfig_error("CONFIG_A=y\n\n# CONFIG_A is not set\n"), "busybox.mk:3: CONFIG_A is set twice "
		  "(first at line 1); keep one");
	CHECK_STR(kconfig_error("CONFIG_A=y\r\n"), "busybox.mk:1: a carriage return (DOS line ends?); end lines "
		  "with a line feed only");
}

static void settings_values_cloister_reads(void)
{
	struct assignments a;
	struct cl_err err = { 0 };
	CHECK(assign("machine_architecture='x86_64'\n", &a, &err) == 0);
	CHECK(settings_check_architecture("arch.config", &a, &err) == 0);
	assignments_free(&a);
	CHECK(assign("other='1'\nmachine_architecture='aarch64'\n", &a, &err) == 0);
	CHECK(settings_check_architecture("arch.config", &a, &err) < 0);
	CHECK_STR(err.msg, "arch.config:2: machine_architecture 'aarch64' is not supported; cloister builds x86_64 "
		  "machines only");
	assignments_free(&a);
	CHECK(assign("other='1'\n", &a, &err) == 0);
	CHECK(settings_check_architecture("arch.config", &a, &err) < 0);
	CHECK_STR(err.msg, "arch.config: sets no machine_architecture; add machine_architecture='x86_64'");
	CHECK(settings_check_networking("net.config", &a, &err) < 0);
	CHECK_STR(err.msg, "net.config: sets no machine_hostname; add machine_hostname='NAME'");
	assignments_free(&a);

	CHECK(assign("machine_hostname='box-1'\nmachine_domain='example.test'\n", &a, &err) == 0);
	CHECK(settings_check_networking("net.config", &a, &err) == 0);
	assignments_free(&a);
	CHECK(assign("machine_hostname='box.example'\n", &a, &err) == 0);
	CHECK(settings_check_networking("net.config", &a, &err) < 0);
	CHECK_STR(err.msg, "net.config:1: machine_hostname 'box.example' is not a host name (letters, digits and -, "
		  "at most 63, not starting or ending with -; the domain goes in machine_domain)");
	assignments_free(&a);
	CHECK(assign("machine_hostname='box'\n\nmachine_domain='a..b'\n", &a, &err) == 0);
	CHECK(settings_check_networking("net.config", &a, &err) < 0);
	CHECK_STR(err.msg, "net.config:3: machine_domain 'a..b' is not a domain name (labels of letters, digits and "
		  "- joined by dots)");
	assignments_free(&a);
}

/* A machine folder in a temporary directory. */
static char machine_dir[64];

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX];
	struct cl_err err = { 0 };
	snprintf(path, sizeof path, "%s/%s", machine_dir, rel);
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = '\0';
	CHECK(mkdir_p(dir, 0755, &err) == 0);
	CHECK(write_file_atomic(path, text, strlen(text), 0644, &err) == 0);
}

static void new_machine(void)
{
	struct cl_err err = { 0 };
	if (machine_dir[0])
		remove_tree(machine_dir, &err);
	snprintf(machine_dir, sizeof machine_dir, "/tmp/cloister-unit-machine.XXXXXX");
	CHECK(mkdtemp(machine_dir) != NULL);
}

static const char *load_error(void)
{
	static struct cl_err err;
	struct machine_settings ms;
	memset(&err, 0, sizeof err);
	if (machine_settings_load(machine_dir, "m", &ms, &err) == 0) {
		machine_settings_free(&ms);
		return "(accepted)";
	}
	CHECK(cl_err_class(&err) == CL_BAD_INPUT);
	/* the message names the file below the machine folder */
	const char *rel = strstr(err.msg, machine_dir);
	return rel ? rel + strlen(machine_dir) + 1 : err.msg;
}

static void machine_settings_from_a_folder(void)
{
	new_machine();
	put("settings/architecture.config", "machine_architecture='x86_64'\n");
	put("settings/networking.config", "machine_hostname='box'\nmachine_domain='local'\n");
	put("settings/compiler-flags/host-c.compiler-flags", "-static\n-O2\n");
	put("settings/compiler-flags/host-cxx.compiler-flags", "-static\n-O3\n");
	put("settings/compiler-flags/build-c.compiler-flags", "-O1\n");
	put("package-configurations/busybox.mk", "# CONFIG_SU is not set\n");
	put("package-configurations/busybox.config", "flavour='small'\n");
	put("package-configurations/filesystem.config", "root_password_hash='!'\n");
	put("package-configurations/README", "anything\n");
	put("package-configurations/ipxe/general.h", "#define X\n");
	put("package-configurations/old.config.disabled", "echo not parsed\n");
	struct machine_settings ms;
	struct cl_err err = { 0 };
	CHECK(machine_settings_load(machine_dir, "m", &ms, &err) == 0);
	CHECK(ms.n_kv == 4);
	if (ms.n_kv == 4) {
		CHECK_STR(ms.kv[0].name, "machine_name");
		CHECK_STR(ms.kv[0].value, "m");
		CHECK_STR(ms.kv[1].name, "machine_architecture");
		CHECK_STR(ms.kv[3].name, "machine_domain");
		CHECK_STR(ms.kv[3].value, "local");
	}
	CHECK(ms.has_flags[FLAGS_HOST_C] && ms.has_flags[FLAGS_BUILD_C] && !ms.has_flags[FLAGS_BUILD_CXX]);
	CHECK(ms.n_packages == 2);
	CHECK(machine_settings_require_image(&ms, &err) == 0);

	struct recipe_settings rs;
	CHECK(recipe_settings_for(&ms, "busybox", &rs, &err) == 0);
	CHECK(rs.n_env == 6);
	if (rs.n_env == 6) {
		CHECK_STR(rs.env[0], "CFLAGS=-static -O2");
		CHECK_STR(rs.env[1], "CXXFLAGS=-static -O3");
		CHECK_STR(rs.env[2], "LDFLAGS=-static -O2");
		CHECK_STR(rs.env[3], "BUILD_CFLAGS=-O1");
		CHECK_STR(rs.env[4], "flavour=small");
		CHECK_STR(rs.env[5], "MACHINE_KCONFIG=/machine/busybox.mk");
	}
	CHECK_STR(rs.mk_name, "busybox.mk");
	CHECK(rs.mk && rs.mk_len == strlen("# CONFIG_SU is not set\n"));
	CHECK(strstr(rs.text, "kconfig busybox.mk ") != NULL);
	char busybox_hash[SHA256_HEX_LEN + 1];
	memcpy(busybox_hash, rs.hash, sizeof busybox_hash);
	recipe_settings_free(&rs);

	/* a recipe without configuration still gets the machine's flags */
	CHECK(recipe_settings_for(&ms, "hello", &rs, &err) == 0);
	CHECK(rs.n_env == 4 && !rs.mk && !recipe_settings_empty(&rs));
	CHECK(strcmp(rs.hash, busybox_hash) != 0);
	char hello_hash[SHA256_HEX_LEN + 1];
	memcpy(hello_hash, rs.hash, sizeof hello_hash);
	recipe_settings_free(&rs);
	machine_settings_free(&ms);

	/* the same settings give the same hash; one flag more, another */
	CHECK(machine_settings_load(machine_dir, "other-name", &ms, &err) == 0);
	CHECK(recipe_settings_for(&ms, "hello", &rs, &err) == 0);
	CHECK_STR(rs.hash, hello_hash);
	recipe_settings_free(&rs);
	machine_settings_free(&ms);
	put("settings/compiler-flags/host-c.compiler-flags", "-static\n-O2\n-g\n");
	CHECK(machine_settings_load(machine_dir, "m", &ms, &err) == 0);
	CHECK(recipe_settings_for(&ms, "hello", &rs, &err) == 0);
	CHECK(strcmp(rs.hash, hello_hash) != 0);
	CHECK_STR(rs.env[0], "CFLAGS=-static -O2 -g");
	recipe_settings_free(&rs);
	machine_settings_free(&ms);
}

static void a_machine_with_only_packages_list_adds_nothing(void)
{
	new_machine();
	put("settings/packages.list", "hello\n");
	struct machine_settings ms;
	struct recipe_settings rs;
	struct cl_err err = { 0 };
	CHECK(machine_settings_load(machine_dir, "bare", &ms, &err) == 0);
	CHECK(ms.n_kv == 1 && ms.n_packages == 0);
	CHECK(recipe_settings_for(&ms, "hello", &rs, &err) == 0);
	CHECK(recipe_settings_empty(&rs) && rs.text == NULL);
	recipe_settings_free(&rs);
	CHECK(machine_settings_require_image(&ms, &err) < 0);
	CHECK(strstr(err.msg, "settings/architecture.config: missing; an image needs it") != NULL);
	machine_settings_free(&ms);
}

static void machine_settings_errors_name_the_file_and_line(void)
{
	new_machine();
	put("settings/architecture.config", "machine_architecture='x86_64'\nmachine_hostname='a'\n");
	put("settings/networking.config", "# net\nmachine_hostname='box'\n");
	const char *msg = load_error();
	CHECK(!strncmp(msg, "settings/networking.config:2: machine_hostname is already set in ", 65));
	CHECK(strstr(msg, "/settings/architecture.config:2; set it in one file") != NULL);
	new_machine();
	put("settings/networking.config", "machine_hostname='box'\nmachine_name='x'\n");
	CHECK_STR(load_error(), "settings/networking.config:2: machine_name is the machine's folder name, set by "
		  "cloister; choose another name");
	new_machine();
	put("settings/compiler-flags/build-cxx.compiler-flags", "-O2\n\n");
	CHECK_STR(load_error(), "settings/compiler-flags/build-cxx.compiler-flags:2: a blank line; compiler-flags "
		  "files have one flag a line and no blank lines");
	new_machine();
	put("package-configurations/busybox.config", "ok='1'\nCFLAGS='-O0'\n");
	CHECK_STR(load_error(), "package-configurations/busybox.config:2: CFLAGS cannot be set here: cloister sets it "
		  "for every build (compiler flags come from settings/compiler-flags/)");
	new_machine();
	put("package-configurations/busybox.config", "LD_PRELOAD='/x.so'\n");
	CHECK_STR(load_error(), "package-configurations/busybox.config:1: LD_PRELOAD cannot be set here: the dynamic "
		  "loader reads LD_ names");
	new_machine();
	put("package-configurations/busybox.config", "IFS='x'\n");
	CHECK_STR(load_error(), "package-configurations/busybox.config:1: IFS cannot be set here: the shell or make "
		  "reads it, and it would change how every build script runs");
	new_machine();
	put("package-configurations/Busybox.mk", "CONFIG_A=y\n");
	CHECK_STR(load_error(), "package-configurations/Busybox.mk: 'Busybox' is not a recipe name (lowercase "
		  "letters, digits, - + .); a package configuration is named RECIPE.config or RECIPE.mk");
	new_machine();
	put("package-configurations/linux.mk", "CONFIG_A=y\nCONFIG_B\n");
	CHECK_STR(load_error(), "package-configurations/linux.mk:2: expected CONFIG_NAME=VALUE or '# CONFIG_NAME is "
		  "not set', found 'CONFIG_B'");
	new_machine();
	put("settings/architecture.config", "machine_architecture=\"x86_64\"\n");
	CHECK_STR(load_error(), "settings/architecture.config:1: machine_architecture: double quotes are not "
		  "supported (the file is parsed, never executed, and nothing is expanded): use single quotes, "
		  "NAME='value'");
	struct cl_err err = { 0 };
	remove_tree(machine_dir, &err);
}

int main(void)
{
	RUN(assignments_read_like_sh_without_running);
	RUN(assignments_refuse_what_sh_would_run);
	RUN(flags_one_a_line_with_a_final_line_feed);
	RUN(flags_refuse_blank_lines_comments_and_shell_characters);
	RUN(kconfig_fragment_lines);
	RUN(kconfig_fragment_errors);
	RUN(settings_values_cloister_reads);
	RUN(machine_settings_from_a_folder);
	RUN(a_machine_with_only_packages_list_adds_nothing);
	RUN(machine_settings_errors_name_the_file_and_line);
	return test_failures ? 1 : 0;
}
