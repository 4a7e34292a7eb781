/* The line reader every text format uses: the bytes it refuses, with the
 * line they are on, and the lines it gives. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../common/lines.h"
#include "../../common/text.h"
#include "test.h"

/* lines_init on len bytes of text; the error message, or "" when none */
static const char *check(const char *text, size_t len)
{
	static char buf[4096], msg[1100];
	struct lines it;
	struct cl_err err = { 0 };
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (lines_init(&it, buf, len, "F", &err) < 0) {
		snprintf(msg, sizeof msg, "%s", err.msg);
		return msg;
	}
	return "";
}

#define REFUSED(text, fragment) do { \
	const char *_m = check(text, sizeof text - 1); \
	if (!strstr(_m, fragment)) { \
		printf("  %s:%d: '%s' lacks '%s'\n", __FILE__, __LINE__, _m, fragment); \
		test_current_failed = 1; \
	} \
} while (0)

static void refused(void)
{
	REFUSED("a\nb\n\0c\n", "F:3: a NUL byte");
	REFUSED("ok\n\xff\n", "F:2: byte 0xff is not UTF-8");
	REFUSED("\xc0\xaf", "F:1: byte 0xc0 is not UTF-8");           /* overlong '/' */
	REFUSED("\xe0\x80\xaf", "F:1: byte 0xe0 is not UTF-8");       /* overlong, 3 bytes */
	REFUSED("\xed\xa0\x80", "F:1: byte 0xed is not UTF-8");       /* a surrogate */
	REFUSED("\xf4\x90\x80\x80", "F:1: byte 0xf4 is not UTF-8");   /* past U+10FFFF */
	REFUSED("\xe2\x82", "F:1: byte 0xe2 is not UTF-8");           /* cut short */
	REFUSED("\x80", "F:1: byte 0x80 is not UTF-8");               /* a lone continuation */
	REFUSED("a\x1b[31m", "F:1: a control character (U+001B)");
	REFUSED("\n\n\x7f", "F:3: a control character (U+007F)");
	REFUSED("\xc2\x9b", "F:1: a control character (U+009B)");
	REFUSED("name: x\r\n", "F:1: a carriage return");
}

static void accepted(void)
{
	CHECK_STR(check("tab\tok\n", 7), "");
	CHECK_STR(check("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\xa7\n", 14), "");
	CHECK_STR(check("", 0), "");
	char text[] = "# comment\n\n  a: 1  # c\n\tb\nlast";
	struct lines it;
	struct cl_err err = { 0 };
	CHECK(lines_init(&it, text, sizeof text - 1, "F", &err) == 0);
	CHECK_STR(lines_next(&it), "a: 1");
	CHECK(it.line == 3);
	CHECK_STR(lines_next(&it), "b");
	CHECK_STR(lines_next(&it), "last");
	CHECK(it.line == 5);
	CHECK(lines_next(&it) == NULL);
}

static void quoted(void)
{
	char q[QUOTE_MAX], longer[2000];
	CHECK_STR(text_quote(q, "plain"), "plain");
	CHECK_STR(text_quote(q, "a\x1b[31m\xff"), "a\\x1b[31m\\xff");
	memset(longer, 'a', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	text_quote(q, longer);
	CHECK(strlen(q) < QUOTE_MAX && strstr(q, "...") && strstr(q, "(1999 bytes)"));
	CHECK(text_printable("caf\xc3\xa9") && !text_printable("a\x1b") && !text_printable("\xc2\x85"));
}

int main(void)
{
	RUN(refused);
	RUN(accepted);
	RUN(quoted);
	return test_failures ? 1 : 0;
}
