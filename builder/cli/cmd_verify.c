/* `cloister verify`: the store against its manifests, or, given a
 * machine, its image against its signature and recorded digest. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report_json.h"
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
	"  --json           one JSON document on stdout instead (docs/json.md): every entry\n"
	"                   checked and what is wrong with it, or the image's verdict\n"
	"\n"
	"Exit status: 0 verified; 1 a bad or missing signature, a wrong digest, a damaged\n"
	"store entry; 2 bad usage, or no such machine, image or certificate.\n";

/* verify MACHINE --json: the image, its signature and the digest it is
 * held to, and the verdict. */
static void image_json(const char *name, const struct image_paths *p, const char *cert, const char *want,
		       const struct cl_err *err)
{
	struct json_out j = { .f = stdout };
	json_begin(&j, '{');
	json_field_str(&j, "command", "verify");
	json_field_str(&j, "machine", name);
	json_field_bool(&j, "ok", err == NULL);
	json_field_str(&j, "image", p && p->image[0] ? p->image : NULL);
	json_field_str(&j, "signature", p && p->sig[0] ? p->sig : NULL);
	json_field_str(&j, "certificate", cert);
	json_field_str(&j, "sha256", want && want[0] ? want : NULL);
	if (err)
		report_json_error(&j, err);
	json_end(&j, '}');
}

static int verify_image(const char *name, const char *machines, const char *output, const char *cert,
			const char *sha256, bool quiet, bool json)
{
	struct cl_err err = { 0 };
	struct image_paths p = { 0 };
	struct sign_keys k;
	char want[SHA256_HEX_LEN + 1] = "";
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
	/* a bad or missing signature, a digest not recorded or not matching:
	 * the image fails (exit 1), whatever errno said why */
	if (r == 0 && sha256)
		memcpy(want, sha256, sizeof want);
	else if (r == 0 && (r = image_recorded_sha256(&p, want, &err)) < 0)
		err.cls = CL_IO;
	if (r == 0 && (r = sign_verify(p.image, p.sig, cert, want, &err)) < 0)
		err.cls = CL_IO;
	if (json)
		image_json(name, &p, cert, want, r < 0 ? &err : NULL);
	if (r < 0) {
		fprintf(stderr, "cloister verify: %s\n", err.msg);
		return cl_exit_status(&err);
	}
	if (!quiet && !json)
		printf("%s: signature good (%s), sha256 %s as recorded\n", p.image, cert, want);
	return EXIT_OK;
}

/* Each store entry as verify found it: counted, then shown. */
struct verify_view {
	bool quiet, json;
	int checked;
	struct json_out j;
};

static void show_entry(void *ctx, const struct store_check *c)
{
	struct verify_view *v = ctx;
	v->checked++;
	if (v->json) {
		report_json_verify_entry(&v->j, c);
		return;
	}
	if (c->problem) {
		printf("BAD %s: %s\n", c->name, c->problem);
		if (c->near)
			printf("    first difference near: %s\n", c->near);
	} else if (!v->quiet) {
		printf("ok  %s\n", c->name);
	}
}

int cmd_verify(int argc, char **argv)
{
	struct cl_err err = { 0 };
	bool quiet = false, json = false, unused_flag;
	const char *name = NULL, *machines = NULL, *output = NULL, *cert = NULL, *sha256 = NULL, *store = NULL,
		   *unused;
	/* the options every build command takes are taken here too (and mean
	 * nothing), so one set of options fits build, check and verify */
	const struct cli_opt opts[] = {
		{ "--quiet", "-q", &quiet, NULL },
		{ "--json", NULL, &json, NULL },
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
		return verify_image(name, machines, output, cert, sha256, quiet, json);
	if (cert || sha256 || machines || output) {
		fprintf(stderr, "cloister verify: --cert, --sha256, --machines and --output need a MACHINE\n");
		return EXIT_USAGE;
	}
	char home[PATH_MAX], dir[PATH_MAX + 8] = "";
	struct verify_view v = { .quiet = quiet, .json = json, .j = { .f = stdout } };
	int r = cloister_home(store, home, sizeof home, &err);
	if (r == 0)
		snprintf(dir, sizeof dir, "%s/store", home);
	if (json)
		report_json_verify_begin(&v.j, dir);
	if (r == 0)
		r = store_verify(home, show_entry, &v, &err);
	/* damaged entries are a failure of the store, not of the command */
	struct cl_err damaged = { 0 };
	if (r > 0)
		cl_err_in(&damaged, CL_IO, EIO, "%d of %d store entr%s damaged", r, v.checked, v.checked == 1 ? "y is" : "ies are");
	if (json)
		report_json_verify_end(&v.j, v.checked, r > 0 ? r : 0, r < 0 ? &err : r > 0 ? &damaged : NULL);
	else if (r >= 0 && !quiet)
		printf("%d entr%s checked, %d damaged\n", v.checked, v.checked == 1 ? "y" : "ies", r);
	if (r >= 0)
		return r > 0 ? EXIT_FAILED : EXIT_OK;
	fprintf(stderr, "cloister verify: %s\n", err.msg);
	return cl_exit_status(&err);
}
