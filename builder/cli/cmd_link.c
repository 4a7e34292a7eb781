/* `cloister link`: a compiled kernel + one initramfs cpio + the built-in
 * command line -> a bzImage, linked twice and compared (image/kernel_link.h).
 * `cloister build MACHINE` does the same with the machine's own cpio. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../build/build.h"
#include "cli.h"
#include "cli_opts.h"
#include "../store/home.h"
#include "../image/kernel_link.h"

const char link_usage[] =
	"usage: cloister link KERNEL_ENTRY --initramfs FILE [--cmdline TEXT] [OPTIONS]\n"
	"\n"
	"Links the compiled kernel KERNEL_ENTRY (the store entry `cloister build -r linux`\n"
	"prints) with FILE, one newc cpio embedded as it is, and the built-in command line\n"
	"TEXT (default \"console=ttyS0\"; the bootloader cannot change it), twice in the\n"
	"sandbox under varied conditions, compares the two, checks that the image holds\n"
	"that cpio and command line, and stores it.  Compiles no C.  Prints the entry:\n"
	"its out/bzImage and out/kernel.config.  The same inputs link nothing again.\n"
	"\n"
	"Options:\n"
	"  --initramfs FILE   the initramfs (required)\n"
	"  --cmdline TEXT     the whole built-in command line\n"
	"  -j N               jobs for link A (B uses one)\n"
	"  -q, --quiet        no progress line\n"
	"  --offline          never touch the network (the kernel-build seed must be fetched)\n"
	"  --mirror URL, --snapshot URL|off   where the kernel-build seed may come from\n"
	"                     (as for cloister fetch)\n"
	"  --store DIR        CLOISTER_HOME (default ${XDG_CACHE_HOME:-$HOME/.cache}/cloister)\n"
	"  --seed-lock FILE, --seed-skeleton DIR   the seed (default rootfs-seed/...)\n"
	"\n"
	"Exit status: 0 done; 1 the link failed or was not reproducible; 2 bad usage or bad\n"
	"input (not a compiled kernel, no such file, a command line the kernel cannot take).\n";

/* The kernel link's notes (the sandbox's word on a timeout), on stderr;
 * progress unless -q. */
static void print_note(void *ctx, const struct build_event *ev)
{
	const struct build_opts *b = ctx;
	if ((ev->kind != NOTE_PROGRESS && ev->kind != NOTE_FINDING) || (ev->kind == NOTE_PROGRESS && b->quiet))
		return;
	fprintf(stderr, "%s\n", ev->text);
}

int cmd_link(int argc, char **argv)
{
	struct build_opts b = { .note = print_note };
	b.note_ctx = &b;
	struct cl_err err = { 0 };
	const char *kernel = NULL, *initramfs = NULL, *cmdline = "console=ttyS0", *store = NULL, *lock = NULL,
		   *skel = NULL, *jobs = NULL, *snapshot = NULL;
	bool offline = false;
	struct cli_list mirrors = { 0 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	b.jobs = cpus > 0 ? (unsigned)cpus : 1;
	const struct cli_opt opts[] = {
		{ "--quiet", "-q", &b.quiet, NULL },
		{ "--offline", NULL, &offline, NULL },
		{ "--snapshot", NULL, NULL, &snapshot },
		{ "--initramfs", NULL, NULL, &initramfs },
		{ "--cmdline", NULL, NULL, &cmdline },
		{ "-j", NULL, NULL, &jobs },
		{ "--store", NULL, NULL, &store },
		{ "--seed-lock", NULL, NULL, &lock },
		{ "--seed-skeleton", NULL, NULL, &skel },
		{ 0 },
	};
	const struct cli_list_opt lists[] = { { "--mirror", &mirrors }, { 0 } };
	int p = cli_parse_lists("link", argc, argv, opts, lists, &kernel);
	if (p != 0) {
		if (p > 0)
			fputs(link_usage, stdout);
		return p > 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (!kernel || !initramfs) {
		fprintf(stderr, "cloister link: needs the compiled kernel's store entry and --initramfs FILE "
			"(see cloister link --help)\n");
		return EXIT_USAGE;
	}
	if (jobs) {
		char *end;
		long j = strtol(jobs, &end, 10);
		if (*end || end == jobs || j < 1 || j > 1024) {
			fprintf(stderr, "cloister link: -j needs a number from 1 to 1024, not '%s'\n", jobs);
			return EXIT_USAGE;
		}
		b.jobs = (unsigned)j;
	}
	if (cli_fetch_opts("link", &mirrors, snapshot, offline, &b.fetch) < 0)
		return EXIT_USAGE;
	int r = cloister_home(store, b.home, sizeof b.home, &err);
	if (r == 0)
		r = lock ? (snprintf(b.seed_lock, sizeof b.seed_lock, "%s", lock), 0)
			 : repo_file("rootfs-seed/seed.lock", b.seed_lock, sizeof b.seed_lock, &err);
	if (r == 0)
		r = skel ? (snprintf(b.seed_skeleton, sizeof b.seed_skeleton, "%s", skel), 0)
			 : repo_file("rootfs-seed/skeleton", b.seed_skeleton, sizeof b.seed_skeleton, &err);
	struct kernel_link_opts o = { .build = &b, .kernel = kernel, .initramfs = initramfs, .cmdline = cmdline };
	struct kernel_link_result res;
	if (r == 0)
		r = kernel_link(&o, &res, &err);
	fetch_opts_release(&b.fetch);
	if (r < 0) {
		fprintf(stderr, "cloister link: %s\n", err.msg);
		return cl_exit_status(&err);
	}
	if (!b.quiet) {
		if (res.cached)
			fprintf(stderr, "kernel link cached\n");
		else
			fprintf(stderr, "kernel linked twice, identical, in %d:%02d\n", (int)res.seconds / 60,
				(int)res.seconds % 60);
	}
	printf("%s\n", res.entry);
	return EXIT_OK;
}
