/* `cloister sign`: sign a machine's image with its key, made if absent. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
#include "../image/paths.h"
#include "../image/sign.h"

const char sign_usage[] =
	"usage: cloister sign [MACHINE] [OPTIONS]\n"
	"\n"
	"Signs output/machines/MACHINE/MACHINE.vmlinuz (MACHINE defaults to example):\n"
	"writes MACHINE.vmlinuz.sig (detached CMS, DER, RSA with SHA-256, no signed\n"
	"attributes, so the same key and image give the same bytes) and\n"
	"MACHINE.vmlinuz.sha256.  `cloister build MACHINE` does this itself; sign again\n"
	"after replacing the key.  The key pair is machines/MACHINE/code-signing/\n"
	"MACHINE.vmlinuz.{key,certificate}.pem, generated there when both are absent\n"
	"(keep it out of git; the key is never part of the image or the store).\n"
	"\n"
	"Options:\n"
	"  --machines DIR   the machines folder (default ./machines)\n"
	"  --output DIR     where machines/MACHINE/ with the image is (default ./output)\n"
	"  -q, --quiet      print nothing but errors\n"
	"\n"
	"Exit status: 0 signed; 1 signing failed; 2 bad usage, no such machine or image,\n"
	"or an unusable key pair.\n";

int cmd_sign(int argc, char **argv)
{
	struct cl_err err = { 0 };
	bool quiet = false, created = false;
	const char *name = NULL, *machines = NULL, *output = NULL;
	const struct cli_opt opts[] = {
		{ "--quiet", "-q", &quiet, NULL },
		{ "--machines", NULL, NULL, &machines },
		{ "--output", NULL, NULL, &output },
		{ 0 },
	};
	int p = cli_parse("sign", argc, argv, opts, &name);
	if (p != 0) {
		if (p > 0)
			fputs(sign_usage, stdout);
		return p > 0 ? EXIT_OK : EXIT_USAGE;
	}
	struct image_paths ip;
	struct sign_keys k;
	int r = image_paths(machines, output, name ? name : IMAGE_DEFAULT_MACHINE, &ip, &err);
	if (r == 0 && access(ip.image, F_OK) < 0)
		r = cl_err_set(&err, errno, "%s (build the machine first: cloister build %s)", ip.image, ip.name);
	if (r == 0)
		r = sign_ensure_keys(ip.machine_dir, ip.name, &k, &created, &err);
	if (r < 0) {
		fprintf(stderr, "cloister sign: %s\n", err.msg);
		return cl_exit_status(&err);
	}
	if (created && !quiet)
		fprintf(stderr, "cloister sign: generated a new key pair: %s (keep it secret) and %s\n", k.key, k.cert);
	char hex[SHA256_HEX_LEN + 1];
	if (sign_image(ip.image, &k, hex, &err) < 0) {
		fprintf(stderr, "cloister sign: %s\n", err.msg);
		return cl_exit_status(&err);
	}
	if (!quiet)
		printf("%s  %s\n%s\n", hex, ip.image, ip.sig);
	return EXIT_OK;
}
