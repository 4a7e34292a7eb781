/* What a build prints reaches the terminal only as harmless text. */
#include "../../common/termsafe.h"
#include "test.h"

static const char *stream(const char *in, size_t n, size_t chunk, bool name)
{
	static char out[4096];
	struct termsafe st = { .name = name };
	size_t o = 0;
	for (size_t i = 0; i < n; i += chunk) {
		size_t take = n - i < chunk ? n - i : chunk;
		o += termsafe_chunk(&st, in + i, take, out + o, i + take == n);
	}
	out[o] = '\0';
	return out;
}

static void escape_sequences_become_text(void)
{
	const char *s = "\033]0;owned\007\033[2Jok\r\n";
	CHECK_STR(stream(s, strlen(s), 64, false), "\\x1b]0;owned\\x07\\x1b[2Jok\\x0d\n");
	CHECK_STR(stream("a\x7f" "b", 3, 64, false), "a\\x7fb");
}

static void c1_controls_and_bidi_overrides_are_escaped(void)
{
	/* U+009B (CSI in a UTF-8 terminal), U+202E (right-to-left override) */
	CHECK_STR(stream("\xc2\x9b" "2J", 4, 64, false), "\\xc2\\x9b2J");
	CHECK_STR(stream("\xe2\x80\xae" "x", 4, 64, false), "\\xe2\\x80\\xaex");
}

static void valid_utf8_passes_even_when_cut(void)
{
	/* gcc's quotes under C.UTF-8: ‘x’ */
	const char *s = "\xe2\x80\x98x\xe2\x80\x99";
	for (size_t chunk = 1; chunk <= 7; chunk++)
		CHECK_STR(stream(s, strlen(s), chunk, false), s);
	CHECK_STR(stream("\xe2\x80", 2, 1, false), "\\xe2\\x80");   /* cut at the end */
	CHECK_STR(stream("\xe2" "a", 2, 1, false), "\\xe2a");
	CHECK_STR(stream("\xc0\xaf", 2, 64, false), "\\xc0\\xaf"); /* overlong */
}

static void names_escape_newlines(void)
{
	char buf[64];
	CHECK_STR(termsafe_str("/usr/bin/a\nfake line\t", buf, sizeof buf), "/usr/bin/a\\x0afake line\\x09");
	CHECK_STR(termsafe_str("\033[31mred", buf, 8), "\\x1b[31");
}

int main(void)
{
	RUN(escape_sequences_become_text);
	RUN(c1_controls_and_bidi_overrides_are_escaped);
	RUN(valid_utf8_passes_even_when_cut);
	RUN(names_escape_newlines);
	return test_failures != 0;
}
