/* `cloister boot`: a machine's image in QEMU, serial console here. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
#include "../image/boot.h"
#include "../image/console.h"
#include "../image/paths.h"

const char boot_usage[] =
	"usage: cloister boot [MACHINE] [OPTIONS]\n"
	"\n"
	"Boots output/machines/MACHINE/MACHINE.vmlinuz (MACHINE defaults to example) in\n"
	"qemu-system-x86_64 -kernel IMAGE -nographic -no-reboot, with the switches of\n"
	"machines/MACHINE/qemu/qemu-command-line.config (${SETTINGS_PATH}, ${MACHINE_PATH},\n"
	"${MACHINE_NAME} replaced; split into words, never run by a shell), with KVM when\n"
	"/dev/kvm is usable and TCG otherwise.  The serial console is this terminal; Ctrl-A x\n"
	"ends QEMU, Ctrl-A c is its monitor.\n"
	"\n"
	"Options:\n"
	"  --pxe              boot over the network instead: QEMU's user network and TFTP\n"
	"                     server offer a copy of the image and an iPXE script\n"
	"                     (kernel MACHINE.vmlinuz, boot) to Debian's iPXE ROM (e1000).\n"
	"                     That iPXE cannot check signatures (no imgverify).\n"
	"  --append TEXT      a kernel command line (QEMU's -append; with --pxe, in the\n"
	"                     script); an image with a built-in one may ignore it\n"
	"  --initrd FILE      an initrd (QEMU's -initrd; with --pxe, in the script)\n"
	"  --accel kvm|tcg    the accelerator, instead of KVM when usable\n"
	"  --machines DIR     the machines folder (default ./machines)\n"
	"  --output DIR       where machines/MACHINE/ with the image is (default ./output)\n"
	"  -q, --quiet        no status lines from cloister\n"
	"\n"
	"Unattended (tests, login scripts): the console is read by cloister and copied to\n"
	"stdout with control characters made visible (^[ for ESC, \\xHH above 0x7f).\n"
	"  --expect TEXT      wait until TEXT appears (plain bytes; after what the previous\n"
	"                     --expect matched)\n"
	"  --send LINE        type LINE and Enter (after the --expect before it)\n"
	"  --expect-exit      after the steps, wait for QEMU to end by itself (the guest\n"
	"                     powered off); without it cloister ends QEMU after the last step\n"
	"  --timeout SECONDS  for the whole run (default 300 with steps, otherwise none);\n"
	"                     QEMU is ended when it passes\n"
	"--expect and --send may be repeated and run in the order given.  Without a step,\n"
	"on a terminal the console is attached; otherwise it is copied until QEMU ends.\n"
	"\n"
	"Exit status: 0 every --expect was seen (with --expect-exit, and the machine powered\n"
	"off; without steps, QEMU ended with status 0); 1 otherwise (not seen in time,\n"
	"QEMU ended first, QEMU failed); 2 bad usage or bad settings, no such machine or\n"
	"image; 128+N when cloister was ended by signal N.\n";

struct steps {
	struct console_step *v;
	size_t n;
};

static int add_step(struct steps *s, enum console_step_kind kind, const char *text)
{
	for (const char *c = text; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			/* Ctrl-A would reach QEMU's monitor, a newline ends the line early */
			fprintf(stderr, "cloister boot: %s takes text without control characters\n",
				kind == CONSOLE_EXPECT ? "--expect" : "--send");
			return -1;
		}
	if (kind == CONSOLE_EXPECT && !*text) {
		fprintf(stderr, "cloister boot: --expect needs some text to wait for\n");
		return -1;
	}
	struct console_step *v = realloc(s->v, (s->n + 1) * sizeof *v);
	if (!v) {
		fprintf(stderr, "cloister boot: out of memory\n");
		return -1;
	}
	s->v = v;
	s->v[s->n++] = (struct console_step){ kind, text, -1 };
	return 0;
}

/* The steps are ordered and repeatable, which the option table is not:
 * they are taken out of argv first, in order, into rest (values of the
 * table's options are skipped, so `--append --send` is an --append). */
static int take_steps(int argc, char **argv, const struct cli_opt *opts, struct steps *s, char **rest,
		      int *n_rest)
{
	*n_rest = 0;
	for (int i = 0; i < argc; i++) {
		bool expect = !strcmp(argv[i], "--expect"), send = !strcmp(argv[i], "--send");
		if (i > 0 && (expect || send)) {
			if (i + 1 >= argc) {
				fprintf(stderr, "cloister boot: %s needs an argument\n", argv[i]);
				return -1;
			}
			if (add_step(s, expect ? CONSOLE_EXPECT : CONSOLE_SEND, argv[++i]) < 0)
				return -1;
			continue;
		}
		rest[(*n_rest)++] = argv[i];
		for (const struct cli_opt *o = opts; i > 0 && o->name; o++)
			if (o->value && !strcmp(argv[i], o->name) && i + 1 < argc)
				rest[(*n_rest)++] = argv[++i];
	}
	rest[*n_rest] = NULL;
	return 0;
}

static int report(const struct console_opts *co, const struct console_result *res, bool quiet)
{
	const struct console_step *missing = NULL;
	for (size_t i = res->step; i < co->n_steps && !missing; i++)
		if (co->steps[i].kind == CONSOLE_EXPECT)
			missing = &co->steps[i];
	if (!quiet)
		for (size_t i = 0; i < co->n_steps; i++)
			if (co->steps[i].kind == CONSOLE_EXPECT && co->steps[i].seen_at >= 0)
				fprintf(stderr, "cloister boot: saw '%s' after %.1f s\n", co->steps[i].text,
					co->steps[i].seen_at);
	int st = res->status;
	char how[64];
	if (WIFSIGNALED(st))
		snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(st));
	switch (res->end) {
	case CONSOLE_SIGNAL:
		fprintf(stderr, "cloister boot: interrupted (signal %d); QEMU ended\n", res->signal);
		return 128 + res->signal;
	case CONSOLE_TIMEOUT:
		if (missing)
			fprintf(stderr, "cloister boot: '%s' did not appear within %g s; QEMU ended\n", missing->text,
				co->timeout);
		else
			fprintf(stderr, "cloister boot: QEMU did not end within %g s; ended it\n", co->timeout);
		return EXIT_FAILED;
	case CONSOLE_DONE:
		return EXIT_OK;
	case CONSOLE_EXITED:
		break;
	}
	if (missing) {
		fprintf(stderr, "cloister boot: QEMU ended (%s) before '%s' appeared\n", how, missing->text);
		return EXIT_FAILED;
	}
	if (st != 0) {
		fprintf(stderr, "cloister boot: QEMU ended with %s\n", how);
		return EXIT_FAILED;
	}
	if (!quiet && co->wait_exit)
		fprintf(stderr, "cloister boot: the machine powered off after %.1f s\n", res->elapsed);
	return EXIT_OK;
}

int cmd_boot(int argc, char **argv)
{
	struct cl_err err = { 0 };
	struct boot_opts bo = { 0 };
	struct steps steps = { 0 };
	bool quiet = false, wait_exit = false;
	const char *name = NULL, *machines = NULL, *output = NULL, *timeout = NULL;
	const struct cli_opt opts[] = {
		{ "--pxe", NULL, &bo.pxe, NULL },
		{ "--quiet", "-q", &quiet, NULL },
		{ "--expect-exit", NULL, &wait_exit, NULL },
		{ "--append", NULL, NULL, &bo.append },
		{ "--initrd", NULL, NULL, &bo.initrd },
		{ "--accel", NULL, NULL, &bo.accel },
		{ "--timeout", NULL, NULL, &timeout },
		{ "--machines", NULL, NULL, &machines },
		{ "--output", NULL, NULL, &output },
		{ 0 },
	};
	char **rest = calloc((size_t)argc + 1, sizeof *rest);
	int n_rest = 0;
	if (!rest)
		return EXIT_FAILED;
	int p = take_steps(argc, argv, opts, &steps, rest, &n_rest);
	if (p == 0)
		p = cli_parse("boot", n_rest, rest, opts, &name);
	free(rest);
	if (p != 0) {
		free(steps.v);
		if (p > 0)
			fputs(boot_usage, stdout);
		return p > 0 ? EXIT_OK : EXIT_USAGE;
	}
	int rc = EXIT_USAGE;
	struct console_opts co = { .steps = steps.v, .n_steps = steps.n, .wait_exit = wait_exit,
				   .timeout = steps.n || wait_exit ? 300 : 0, .out_fd = 1, .err_fd = 2 };
	struct boot_plan plan = { 0 };
	struct image_paths ip;
	if (timeout) {
		char *end;
		double t = strtod(timeout, &end);
		if (*end || end == timeout || !isfinite(t) || t <= 0 || t > 86400) {
			fprintf(stderr, "cloister boot: --timeout needs seconds, more than 0 and at most 86400, not '%s'\n",
				timeout);
			goto out;
		}
		co.timeout = t;
	}
	if (bo.accel && strcmp(bo.accel, "kvm") && strcmp(bo.accel, "tcg")) {
		fprintf(stderr, "cloister boot: --accel takes kvm or tcg, not '%s'\n", bo.accel);
		goto out;
	}
	if (steps.n && steps.v[steps.n - 1].kind == CONSOLE_SEND && !wait_exit) {
		fprintf(stderr, "cloister boot: the last --send would be typed and QEMU ended at once: "
			"add an --expect after it, or --expect-exit\n");
		goto out;
	}
	if (bo.append)
		for (const char *c = bo.append; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				fprintf(stderr, "cloister boot: --append takes text without control characters\n");
				goto out;
			}
	if (image_paths(machines, output, name ? name : IMAGE_DEFAULT_MACHINE, &ip, &err) < 0 ||
	    (access(ip.image, R_OK) < 0 &&
	     cl_err_set(&err, errno, "%s (build the machine first: cloister build %s)", ip.image, ip.name) < 0) ||
	    boot_plan(&ip, &bo, &plan, &err) < 0) {
		fprintf(stderr, "cloister boot: %s\n", err.msg);
		rc = cl_exit_status(&err);
		goto out;
	}
	if (!quiet)
		fprintf(stderr, "cloister boot: %s%s with %s\n", ip.image, bo.pxe ? " over PXE" : "", plan.accel);
	bool attach = !steps.n && !wait_exit && isatty(0) && isatty(1);
	struct console_result res;
	int r = attach ? console_attach(plan.argv.v, co.timeout, &res, &err)
		       : console_run(plan.argv.v, &co, &res, &err);
	if (r < 0) {
		fprintf(stderr, "cloister boot: %s\n", err.msg);
		rc = cl_exit_status(&err);
		goto out;
	}
	rc = report(&co, &res, quiet);
out:
	boot_plan_free(&plan);
	free(steps.v);
	return rc;
}
