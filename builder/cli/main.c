/* cloister: builds a small Linux system from pinned sources, every
 * package in a rootless sandbox.  This file only dispatches. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: cloister COMMAND [ARGS...]\n"
	"\n"
	"Commands:\n"
	"  build -r RECIPE        build a recipe and what it needs, each twice and compared\n"
	"  check -r RECIPE        rebuild it twice from scratch, even if stored, and compare\n"
	"  check MACHINE          the same for every recipe of machines/MACHINE\n"
	"  fetch -r RECIPE|MACHINE\n"
	"                         download every input the build needs (--check: can each still\n"
	"                         be had?  --export DIR: copy them out as a mirror)\n"
	"  graph -r RECIPE|MACHINE\n"
	"                         the dependency graph, as Graphviz DOT\n"
	"  gc                     remove kept pairs, dead stages and download folders, old logs\n"
	"                         (see cloister build --help for these five)\n"
	"  verify                 re-check every file of every store entry\n"
	"  verify MACHINE         check the machine's image against its signature and digest\n"
	"  sign [MACHINE]         sign the machine's image (its key pair is made if absent)\n"
	"  boot [MACHINE]         boot the machine's image in QEMU, serial console here\n"
	"  boot --pxe [MACHINE]   the same through iPXE, TFTP and QEMU's user network\n"
	"                         (see cloister verify|sign|boot --help)\n"
	"  link KERNEL --initramfs CPIO [--cmdline TEXT]\n"
	"                         link a compiled kernel with an initramfs, twice, compared\n"
	"                         (see cloister link --help)\n"
	"  diff DIR_A DIR_B       compare two trees path by path (exit 1 if they differ)\n"
	"  run [OPTIONS] -- CMD   run CMD in a fresh rootless sandbox (see cloister run --help)\n"
	"  doctor                 what isolation this host gives you, with the fixes\n"
	"  seed [fetch|build|update]\n"
	"                         fetch and unpack the pinned seed toolchain, print its hash\n"
	"                         (see cloister seed --help)\n"
	"  help                   this text\n"
	"  version                print the version\n"
	"\n"
	"--json (build, check, fetch, graph, verify, gc, seed, diff): one JSON document on\n"
	"stdout instead of the report; progress stays on stderr (docs/json.md).\n"
	"\n"
	"Exit status: 0 done; 1 a build failed or was not reproducible (doctor: builds\n"
	"cannot be isolated); 2 bad usage or bad input; 125 the sandbox could not be set\n"
	"up; `run` otherwise returns the command's status (128+N for a signal).\n"
	"Documentation: README.md and docs/.\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "doctor"))
		return cmd_doctor(argc - 1, argv + 1);
	if (!strcmp(cmd, "diff"))
		return cmd_diff(argc - 1, argv + 1);
	if (!strcmp(cmd, "link"))
		return cmd_link(argc - 1, argv + 1);
	if (!strcmp(cmd, "seed"))
		return cmd_seed(argc - 1, argv + 1);
	if (!strcmp(cmd, "verify"))
		return cmd_verify(argc - 1, argv + 1);
	if (!strcmp(cmd, "sign"))
		return cmd_sign(argc - 1, argv + 1);
	if (!strcmp(cmd, "boot"))
		return cmd_boot(argc - 1, argv + 1);
	if (!strcmp(cmd, "build") || !strcmp(cmd, "fetch") || !strcmp(cmd, "graph") ||
	    !strcmp(cmd, "check") || !strcmp(cmd, "gc"))
		return cmd_build(argc - 1, argv + 1);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("cloister %s (sandbox policy %d)\n", CLOISTER_VERSION, SANDBOX_POLICY_VERSION);
		return EXIT_OK;
	}
	fprintf(stderr, "cloister: unknown command '%s' (see cloister --help)\n", cmd);
	return EXIT_USAGE;
}
