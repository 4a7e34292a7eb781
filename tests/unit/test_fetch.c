/* The fetch layer's parsers, from memory: which suites are frozen, the
 * snapshot service's answers, mirror URLs. */
#include <stdlib.h>

#include "../../builder/fetch/fetch.h"
#include "../../builder/fetch/http.h"
#include "../../builder/fetch/snapshot.h"
#include "../../builder/fetch/suites.h"
#include "test.h"

static void frozen_suite_is_a_point_release(void)
{
	CHECK(apt_release_frozen("Origin: Debian\nSuite: oldstable\nVersion: 12.15\nCodename: bookworm\n"));
	/* the clear-signed form apt keeps as InRelease */
	CHECK(apt_release_frozen("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
				 "Origin: Debian\nVersion: 12.15\n\nMD5Sum:\n"));
}

static void moving_suites_are_not(void)
{
	CHECK(!apt_release_frozen("Suite: oldstable-security\nVersion: 12\nCodename: bookworm-security\n"));
	CHECK(!apt_release_frozen("Suite: oldstable-updates\nVersion: 12-updates\n"));
	CHECK(!apt_release_frozen("Suite: unstable\nCodename: sid\n"));   /* no Version at all */
	CHECK(!apt_release_frozen("Version: 12.\n"));
	CHECK(!apt_release_frozen("Version: .15\n"));
	/* a Version after the header's end is a file checksum line, not the release's */
	CHECK(!apt_release_frozen("Suite: x\n\nVersion: 12.15\n"));
}

static void snapshot_answers_give_candidates(void)
{
	char h[4][41];
	const char *json = "{\"result\": [{\"architecture\": \"amd64\", \"hash\": "
			   "\"0123456789abcdef0123456789abcdef01234567\"},"
			   "{\"architecture\":\"all\",\"hash\":\"89abcdef0123456789abcdef0123456789abcdef\"},"
			   "{\"hash\": \"0123456789abcdef0123456789abcdef01234567\"},"
			   "{\"hash\": \"NOTHEX\"}, {\"hash\": \"0123\"}]}";
	size_t n = snapshot_scan_hashes(json, h, 4);
	CHECK(n == 2);   /* repeats and malformed values dropped */
	CHECK_STR(h[0], "0123456789abcdef0123456789abcdef01234567");
	CHECK_STR(h[1], "89abcdef0123456789abcdef0123456789abcdef");
	CHECK(snapshot_scan_hashes("{\"result\": []}", h, 4) == 0);
	CHECK(snapshot_scan_hashes("", h, 4) == 0);
	/* bounded by max */
	CHECK(snapshot_scan_hashes(json, h, 1) == 1);
}

static void mirror_urls(void)
{
	CHECK(http_url_valid("http://127.0.0.1:8080/mirror"));
	CHECK(http_url_valid("https://example.org/cache/"));
	CHECK(http_url_valid("file:///srv/mirror"));
	CHECK(!http_url_valid("file://relative/path"));
	CHECK(!http_url_valid("ftp://example.org/"));
	CHECK(!http_url_valid("http://"));
	CHECK(!http_url_valid("/srv/mirror"));
	CHECK(!http_url_valid("http://a b/"));
	struct fetch_opts fo = { 0 };
	struct cl_err err = { 0 };
	CHECK(fetch_add_mirror(&fo, "file:///m", &err) == 0 && fo.n_mirrors == 1);
	CHECK(fetch_add_mirror(&fo, "gopher://m", &err) < 0);
	for (int i = 1; i < FETCH_MAX_MIRRORS; i++)
		fetch_add_mirror(&fo, "file:///m", &err);
	CHECK(fetch_add_mirror(&fo, "file:///m", &err) < 0);   /* bounded */
}

int main(void)
{
	RUN(frozen_suite_is_a_point_release);
	RUN(moving_suites_are_not);
	RUN(snapshot_answers_give_candidates);
	RUN(mirror_urls);
	return test_failures ? 1 : 0;
}
