/* A minimal harness: each TEST prints "PASS: name" or "FAIL: name: why"
 * lines, which tests/run counts; the binary exits 1 if anything failed. */
#ifndef CLOISTER_TEST_H
#define CLOISTER_TEST_H

#include <stdio.h>
#include <string.h>

static int test_failures;
static int test_current_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		test_current_failed = 1; \
	} \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *_g = (got), *_w = (want); \
	if (!_g || strcmp(_g, _w) != 0) { \
		printf("  %s:%d: got '%s', want '%s'\n", __FILE__, __LINE__, _g ? _g : "(null)", _w); \
		test_current_failed = 1; \
	} \
} while (0)

#define RUN(fn) do { \
	test_current_failed = 0; \
	fn(); \
	printf("%s: %s\n", test_current_failed ? "FAIL" : "PASS", #fn); \
	test_failures += test_current_failed; \
} while (0)

#endif
