#define _GNU_SOURCE
#include "inputs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "../../common/cleanup.h"
#include "../../common/json.h"
#include "../../common/walk.h"
#include "../../sandbox/sandbox.h"
#include "../build/build_env.h"
#include "recipe_settings.h"
#include "../store/manifest.h"
#include "../store/tree.h"


static const char *kind_name(enum source_kind k)
{
	return k == SRC_FILE ? "file" : k == SRC_DEBIAN ? "debian" : k == SRC_DEB_FILE ? "deb-file" : "cache";
}

/* The machine's slot: one line in the hashed list; the details in
 * inputs.json (names need no escaping: letters, digits and _). */
static void machine_settings_record(FILE *t, FILE *j, const struct recipe_settings *rs)
{
	fprintf(t, "machine-settings %s\n", rs->hash);
	fprintf(j, "\n  ],\n  \"machine_settings\": {\n    \"sha256\": \"%s\",\n    \"environment\": [", rs->hash);
	for (size_t i = 0; i < rs->n_env; i++) {
		const char *eq = strchr(rs->env[i], '=');
		fprintf(j, "%s\n      {\"name\": \"%.*s\"", i ? "," : "", (int)(eq - rs->env[i]), rs->env[i]);
		fprintf(j, ", \"value\": ");
		json_str(j, eq + 1);
		fputc('}', j);
	}
	fprintf(j, "\n    ]");
	if (rs->mk) {
		fprintf(j, ",\n    \"kconfig\": {\"file\": ");
		json_str(j, rs->mk_name);
		fprintf(j, ", \"sha256\": \"%s\"}", rs->mk_sha256);
	}
	fprintf(j, "\n  }");
}

/* The recipe folder dir, file by file, as the input hash has it: one
 * "recipe-file" line per manifest line, with modes reduced to the
 * executable bit (git keeps only that; a checkout's umask changes
 * nothing), and, with json, the same as inputs.json's recipe_files. */
static int recipe_files(const char *dir, FILE *t, FILE *j, struct cl_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	/* a snapshot is a copy: hard links are not part of a recipe */
	TRY(tree_manifest_unlinked(dir, &text, &len, err));
	struct manifest m;
	TRY(manifest_parse(text, len, dir, &m, err));
	int first = 1;
	for (size_t i = 0; i < m.n; i++) {
		const struct manifest_entry *e = &m.v[i];
		const char *mode = e->type == 'l' ? "link" : e->type == 'd' ? "0755" : (e->mode & 0111) ? "0755" : "0644";
		fprintf(t, "recipe-file %c %s %llu %s %s%s%s\n", e->type, mode, e->size, e->sha256, e->path,
			e->type == 'l' ? " " : "", e->type == 'l' ? e->target : "");
		if (!j || e->type == 'd')
			continue;
		fprintf(j, "%s\n    {\"path\": ", first ? "" : ",");
		json_str(j, e->path);
		fprintf(j, ", \"type\": \"%s\", \"size\": %llu, \"sha256\": \"%s\"", e->type == 'l' ? "link" : "file",
			e->size, e->sha256);
		if (e->type == 'l') {
			fprintf(j, ", \"target\": ");
			json_str(j, e->target);
		}
		fputc('}', j);
		first = 0;
	}
	manifest_free(&m);
	return 0;
}

/* The sha256 of the recipe-file lines of dir. */
static int recipe_digest(const char *dir, char hex[SHA256_HEX_LEN + 1], struct cl_err *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *t = open_memstream(&text, &len);
	if (!t)
		return cl_err_set(err, errno, "open_memstream");
	int r = recipe_files(dir, t, NULL, err);
	fclose(t);
	if (r == 0)
		r = sha256_bytes(text, len, hex, err);
	free(text);
	return r;
}

int inputs_compute(const struct recipe *r, const char *seed_hash, const struct build_dep *deps,
		   size_t n_deps, const struct recipe_settings *settings, struct inputs *in,
		   struct cl_err *err)
{
	_cleanup_free_ char *files = NULL, *files_json = NULL;
	size_t flen = 0, fjlen = 0;
	memset(in, 0, sizeof *in);
	if (settings && recipe_settings_empty(settings))
		settings = NULL;
	FILE *ft = open_memstream(&files, &flen);
	FILE *fj = open_memstream(&files_json, &fjlen);
	if (!ft || !fj) {
		if (ft)
			fclose(ft);
		if (fj)
			fclose(fj);
		return cl_err_set(err, ENOMEM, "inputs");
	}
	int rc = recipe_files(r->dir, ft, fj, err);
	fclose(ft);
	fclose(fj);
	TRY(rc);
	TRY(sha256_bytes(files, flen, in->recipe_digest, err));
	in->settings = settings;

	FILE *t = open_memstream(&in->text, &in->len);
	FILE *j = open_memstream(&in->json, &in->json_len);
	if (!t || !j) {
		if (t)
			fclose(t);
		if (j)
			fclose(j);
		return cl_err_set(err, ENOMEM, "inputs");
	}
	/* the set is also in the seed's hash; named, it reads in inputs.json */
	const char *sets = !strcmp(r->seed, "kbuild") ? "base kbuild" : "base";
	fprintf(t, "cloister-inputs 1\nprotocol %d\nsandbox-policy %d\nrecipe %s %s\nseed %s\nseed-sets %s\n"
		"epoch %lld\n", BUILD_PROTOCOL_VERSION, SANDBOX_POLICY_VERSION, r->name, r->version, seed_hash,
		sets, r->source_date_epoch);
	fprintf(j, "{\n  \"recipe\": ");
	json_str(j, r->name);
	fprintf(j, ",\n  \"version\": ");
	json_str(j, r->version);
	fprintf(j, ",\n  \"license\": ");
	json_str(j, r->license);
	fprintf(j, ",\n  \"build_protocol\": %d,\n  \"sandbox_policy\": %d,\n  \"seed\": \"%s\",\n"
		   "  \"seed_sets\": [%s],\n  \"source_date_epoch\": %lld",
		BUILD_PROTOCOL_VERSION, SANDBOX_POLICY_VERSION, seed_hash,
		!strcmp(r->seed, "kbuild") ? "\"base\", \"kbuild\"" : "\"base\"", r->source_date_epoch);
	/* what the build runs with, as build A gets it: the wrapper, the
	 * sandbox's conditions, every variable and its value */
	rc = build_env_describe(r, settings, t, j, err);
	fwrite(files ? files : "", 1, flen, t);
	fprintf(j, ",\n  \"recipe_files\": [%s", files_json ? files_json : "");

	fprintf(j, "\n  ],\n  \"sources\": [");
	for (size_t i = 0; i < r->n_sources; i++) {
		const struct recipe_source *s = &r->sources[i];
		bool pkg = s->kind == SRC_DEBIAN || s->kind == SRC_DEB_FILE;
		fprintf(t, "source %s %s %s%s%s %s", kind_name(s->kind), s->name, pkg ? s->package : "",
			pkg ? "=" : "", pkg ? s->version : "", s->sha256);
		if (s->kind == SRC_DEB_FILE)
			fprintf(t, " %s", s->path);
		fputc('\n', t);
		fprintf(j, "%s\n    {\"name\": ", i ? "," : "");
		json_str(j, s->name);
		fprintf(j, ", \"kind\": \"%s\"", kind_name(s->kind));
		if (s->kind == SRC_DEBIAN || s->kind == SRC_DEB_FILE) {
			fprintf(j, ", \"package\": ");
			json_str(j, s->package);
			fprintf(j, ", \"package_version\": ");
			json_str(j, s->version);
		}
		if (s->kind == SRC_DEB_FILE) {
			fprintf(j, ", \"path_in_package\": ");
			json_str(j, s->path);
		}
		fprintf(j, ", \"sha256\": \"%s\"}", s->sha256);
	}
	fprintf(j, "\n  ],\n  \"build_needs\": [");
	for (size_t i = 0; i < n_deps; i++) {
		fprintf(t, "need %s %s %s\n", deps[i].name, deps[i].version, deps[i].output_hash);
		fprintf(j, "%s\n    {\"name\": ", i ? "," : "");
		json_str(j, deps[i].name);
		fprintf(j, ", \"version\": ");
		json_str(j, deps[i].version);
		fprintf(j, ", \"output_hash\": \"%s\"}", deps[i].output_hash);
	}
	if (settings)
		machine_settings_record(t, j, settings);
	fclose(t);
	if (rc == 0)
		rc = sha256_bytes(in->text, in->len, in->hash, err);
	fprintf(j, "%s,\n  \"input_hash\": \"%s\"\n}\n", settings ? "" : "\n  ]", in->hash);
	fclose(j);
	if (rc < 0)
		inputs_free(in);
	return rc;
}

/* A snapshot holds files, directories and symlinks (as links: a source
 * read through one is opened beneath the snapshot). */
static int snapshot_entry(const struct walk_entry *e, int dst, const char *target, void *ctx,
			  struct cl_err *err)
{
	(void)dst;
	(void)target;
	const struct recipe *r = ctx;
	if (!S_ISDIR(e->st.st_mode) && !S_ISREG(e->st.st_mode) && !S_ISLNK(e->st.st_mode))
		return cl_err_in(err, CL_BAD_INPUT, EPERM, "%s%s: not a file, directory or symlink; a recipe "
				 "folder holds only those", r->dir, e->path);
	return 0;
}

int inputs_snapshot(const struct recipe *r, const struct inputs *in, const char *dest, struct cl_err *err)
{
	char digest[SHA256_HEX_LEN + 1];
	if (mkdir(dest, 0755) < 0)
		return cl_err_set(err, errno, "creating %s", dest);
	TRY(tree_copy(r->dir, dest, snapshot_entry, (void *)r, err));
	TRY(recipe_digest(dest, digest, err));
	if (strcmp(digest, in->recipe_digest) != 0)
		return cl_err_in(err, CL_BAD_INPUT, ESTALE, "%s changed after the build was planned, so its input "
				 "hash would not say what was built; run the build again", r->dir);
	/* what the build sees of it is all hashed, but its mtimes: fixed.
	 * The modes stay a checkout's (0755, 0644): a build may cp -a from
	 * /recipe and write into the copy; /recipe itself is mounted
	 * read-only */
	return tree_clamp_mtimes(dest, (time_t)r->source_date_epoch, err);
}

void inputs_free(struct inputs *in)
{
	free(in->text);
	free(in->json);
	memset(in, 0, sizeof *in);
}
