/* `cloister seed`: fetch and unpack the pinned seed toolchain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../../common/json.h"
#include "cli_opts.h"
#include "../store/home.h"
#include "../seed/seed.h"

const char seed_usage[] =
	"usage: cloister seed [fetch|build|update] [OPTIONS]\n"
	"\n"
	"  (none)    fetch, then build; prints the seed's hash and its tree's path\n"
	"  fetch     download every pinned .deb into the download cache, verified\n"
	"  build     unpack the cached .debs into seeds/HASH/ (once per hash)\n"
	"  update    rewrite the lock from the archive's current versions (maintainers)\n"
	"\n"
	"Options:\n"
	"  --set SET       base (default), kbuild (base and the kernel-build extras), all\n"
	"  --from DIR      take the .debs from DIR (a folder of .debs by name) instead of apt\n"
	"  --mirror URL    look for a missing .deb at URL/sha256/HEX first (http://, https://,\n"
	"                  file://; repeatable; also CLOISTER_MIRRORS, space-separated)\n"
	"  --snapshot URL  Debian's snapshot service, the last resort (also CLOISTER_SNAPSHOT;\n"
	"                  default: the one the machine's apt sources name; 'off')\n"
	"  --offline       never touch the network (file:// mirrors still count); say what is missing\n"
	"  --lock FILE     the lock (default rootfs-seed/seed.lock)\n"
	"  --skeleton DIR  the skeleton (default rootfs-seed/skeleton)\n"
	"  --store DIR     CLOISTER_HOME (default ${XDG_CACHE_HOME:-$HOME/.cache}/cloister)\n"
	"  -q, --quiet     no progress on stderr\n"
	"  --json          one JSON document on stdout (docs/json.md)\n";

int cmd_seed(int argc, char **argv)
{
	struct seed_ctx c = { .set = "base" };
	struct fetch_opts fetch = { 0 };
	struct cli_list mirrors = { 0 };
	struct cl_err err = { 0 };
	const char *sub = NULL, *store = NULL, *lock = NULL, *skel = NULL, *snapshot = NULL;
	bool offline = false, json = false;
	const struct cli_opt opts[] = {
		{ "--json", NULL, &json, NULL },
		{ "--offline", NULL, &offline, NULL },
		{ "--snapshot", NULL, NULL, &snapshot },
		{ "--quiet", "-q", &c.quiet, NULL },
		{ "--set", NULL, NULL, &c.set },
		{ "--from", NULL, NULL, &c.from },
		{ "--store", NULL, NULL, &store },
		{ "--lock", NULL, NULL, &lock },
		{ "--skeleton", NULL, NULL, &skel },
		{ 0 },
	};
	const struct cli_list_opt lists[] = { { "--mirror", &mirrors }, { 0 } };
	int p = cli_parse_lists("seed", argc, argv, opts, lists, &sub);
	if (p != 0) {
		if (p > 0)
			fputs(seed_usage, stdout);
		return p > 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (!sub)
		sub = "all";
	if (strcmp(c.set, "base") && strcmp(c.set, "kbuild") && strcmp(c.set, "all")) {
		fprintf(stderr, "cloister seed: --set takes base, kbuild or all, not '%s'\n", c.set);
		return EXIT_USAGE;
	}
	if (strcmp(sub, "all") && strcmp(sub, "fetch") && strcmp(sub, "build") && strcmp(sub, "update")) {
		fprintf(stderr, "cloister seed: unknown subcommand '%s' (see cloister seed --help)\n", sub);
		return EXIT_USAGE;
	}
	if (cli_fetch_opts("seed", &mirrors, snapshot, offline, &fetch) < 0)
		return EXIT_USAGE;
	c.fetch = &fetch;
	int r = cloister_home(store, c.home, sizeof c.home, &err);
	if (r == 0 && lock)
		snprintf(c.lock, sizeof c.lock, "%s", lock);
	else if (r == 0)
		r = repo_file("rootfs-seed/seed.lock", c.lock, sizeof c.lock, &err);
	bool building = !strcmp(sub, "all") || !strcmp(sub, "build");
	if (r == 0 && skel)
		snprintf(c.skeleton, sizeof c.skeleton, "%s", skel);
	else if (r == 0 && building)
		r = repo_file("rootfs-seed/skeleton", c.skeleton, sizeof c.skeleton, &err);

	char hash[SHA256_HEX_LEN + 1], tree[PATH_MAX + 128];
	struct seed_change *changes = NULL;
	size_t n_changes = 0;
	if (r == 0 && !strcmp(sub, "update"))
		r = seed_update(&c, &changes, &n_changes, &err);
	if (r == 0 && !strcmp(sub, "update") && !json) {
		for (size_t i = 0; i < n_changes; i++) {
			const struct seed_change *x = &changes[i];
			printf("%s: %s (%s%s) -> %s (%s%s)\n", x->name, x->old_version, x->old_suite,
			       x->old_moving ? ", moving" : "", x->new_version, x->new_suite,
			       x->new_moving ? ", moving" : "");
		}
		printf("%zu package%s changed\n", n_changes, n_changes == 1 ? "" : "s");
	}
	if (r == 0 && (!strcmp(sub, "all") || !strcmp(sub, "fetch")))
		r = seed_fetch(&c, &err);
	if (r == 0 && (!strcmp(sub, "all") || !strcmp(sub, "build"))) {
		r = seed_build(&c, hash, tree, sizeof tree, &err);
		if (r == 0 && !json)
			printf("seed %s\n%s\n", hash, tree);
	}
	fetch_opts_release(&fetch);
	if (json && r == 0) {
		struct json_out j = { .f = stdout };
		json_begin(&j, '{');
		json_field_str(&j, "command", "seed");
		json_field_str(&j, "subcommand", sub);
		json_field_str(&j, "set", c.set);
		json_field_bool(&j, "ok", 1);
		bool built = !strcmp(sub, "all") || !strcmp(sub, "build");
		json_field_str(&j, "hash", built ? hash : NULL);
		json_field_str(&j, "tree", built ? tree : NULL);
		if (!strcmp(sub, "update")) {
			json_key(&j, "changes");
			json_begin(&j, '[');
			for (size_t i = 0; i < n_changes; i++) {
				const struct seed_change *x = &changes[i];
				json_begin(&j, '{');
				json_field_str(&j, "name", x->name);
				json_field_str(&j, "old_version", x->old_version);
				json_field_str(&j, "old_suite", x->old_suite);
				json_field_bool(&j, "old_moving", x->old_moving);
				json_field_str(&j, "new_version", x->new_version);
				json_field_str(&j, "new_suite", x->new_suite);
				json_field_bool(&j, "new_moving", x->new_moving);
				json_end(&j, '}');
			}
			json_end(&j, ']');
		}
		json_end(&j, '}');
	}
	free(changes);
	if (r < 0 && json)
		cli_json_error("seed", &err);
	if (r < 0) {
		fprintf(stderr, "cloister seed: %s\n", err.msg);
		return cl_exit_status(&err);
	}
	return EXIT_OK;
}
