/* `cloister verify`: the store against its manifests, or, given a
 * machine, its image against its signature and recorded digest. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
#include "../store/hash.h"
#include "../store/home.h"
#include "../image/paths.h"
#include "../image/sign.h"
#include "../store/store.h"

const char verify_usage[] =
	"usage: cloister verify [OPTIONS]           re-check every file of every store entry\n"
	"       cloister verify MACHINE [OPTIONS]   check the machine's signed image\n"
	"\n"
	"With MACHINE, checks output/machines/MACHINE/MACHINE.vmlinuz against its detached\n"
	"signature MACHINE.vmlinuz.sig with the machine's certificate\n"
	"(machines/MACHINE/code-signing/MACHINE.vmlinuz.certificate.pem), and that its sha256\n"
	"is the one the build recorded (MACHINE.vmlinuz.sha256).  The same signature check\n"
	"with OpenSSL alone:\n"
	"  openssl cms -verify -binary -inform DER -in MACHINE.vmlinuz.sig \\\n"
	"      -content MACHINE.vmlinuz -CAfile CERT -purpose any -out /dev/null\n"
	"\n"
	"Options:\n"
	"  --cert FILE      verify with this certificate instead of the machine's\n"
	"  --sha256 HEX     the digest the image must have (e.g. a published one)\n"
	"  --machines DIR   the machines folder (default ./machines)\n"
	"  --output DIR     where machines/MACHINE/ with the image is (default ./output)\n"
	"  --store DIR      CLOISTER_HOME, for the store check\n"
	"  -q, --quiet      only problems are printed\n"
	"\n"
	"Exit status: 0 verified; 1 a bad or missing signature, a wrong digest, a damaged\n"
	"store entry; 2 bad usage, or no such machine, image or certificate.\n";

static int verify_image(const char *name, const char *machines, const char *output, const char *cert,
			const char *sha256, bool quiet)
{
	struct cl_err err = { 0 };
	struct image_paths p;
	struct sign_keys k;
	char want[SHA256_HEX_LEN + 1];
	if (sha256 && !sha256_hex_valid(sha256)) {
		fprintf(stderr, "cloister verify: --sha256 needs 64 lowercase hex digits, not '%s'\n", sha256);
		return EXIT_USAGE;
	}
	int r = image_paths(machines, output, name, &p, &err);
	if (r == 0 && !cert && (r = sign_key_paths(p.machine_dir, name, &k, &err)) == 0)
		cert = k.cert;
	if (r == 0 && access(p.image, F_OK) < 0)
		r = cl_err_set(&err, errno, "%s (build the machine first: cloister build %s)", p.image, name);
	if (r == 0 && access(cert, F_OK) < 0)
		r = cl_err_set(&err, errno, "the certificate %s", cert);
	if (r < 0) {
		fprintf(stderr, "cloister verify: %s\n", err.msg);
		return cl_exit_status(&err);
	}
	if (sha256)
		memcpy(want, sha256, sizeof want);
	else if ((r = image_recorded_sha256(&p, want, &err)) < 0) {
		fprintf(stderr, "cloister verify: %s\n", err.msg);
		return EXIT_FAILED;
	}
	r = sign_verify(p.image, p.sig, cert, want, &err);
	if (r < 0) {
		fprintf(stderr, "cloister verify: %s\n", err.msg);
		return EXIT_FAILED;
	}
	if (!quiet)
		printf("%s: signature good (%s), sha256 %s as recorded\n", p.image, cert, want);
	return EXIT_OK;
}

int cmd_verify(int argc, char **argv)
{
	struct cl_err err = { 0 };
	bool quiet = false, unused_flag;
	const char *name = NULL, *machines = NULL, *output = NULL, *cert = NULL, *sha256 = NULL, *store = NULL,
		   *unused;
	/* the options every build command takes are taken here too (and mean
	 * nothing), so one set of options fits build, check and verify */
	const struct cli_opt opts[] = {
		{ "--quiet", "-q", &quiet, NULL },
		{ "--verbose", "-v", &unused_flag, NULL },
		{ "--offline", NULL, &unused_flag, NULL },
		{ "-j", NULL, NULL, &unused },
		{ "--recipes", NULL, NULL, &unused },
		{ "--seed-lock", NULL, NULL, &unused },
		{ "--seed-skeleton", NULL, NULL, &unused },
		{ "--cert", NULL, NULL, &cert },
		{ "--sha256", NULL, NULL, &sha256 },
		{ "--machines", NULL, NULL, &machines },
		{ "--output", NULL, NULL, &output },
		{ "--store", NULL, NULL, &store },
		{ 0 },
	};
	int p = cli_parse("verify", argc, argv, opts, &name);
	if (p != 0) {
		if (p > 0)
			fputs(verify_usage, stdout);
		return p > 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (name)
		return verify_image(name, machines, output, cert, sha256, quiet);
	if (cert || sha256 || machines || output) {
		fprintf(stderr, "cloister verify: --cert, --sha256, --machines and --output need a MACHINE\n");
		return EXIT_USAGE;
	}
	char home[PATH_MAX];
	int r = cloister_home(store, home, sizeof home, &err);
	if (r == 0)
		r = store_verify(home, quiet, &err);
	if (r >= 0)
		return r > 0 ? EXIT_FAILED : EXIT_OK;
	fprintf(stderr, "cloister verify: %s\n", err.msg);
	return cl_exit_status(&err);
}
