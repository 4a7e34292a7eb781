#define _GNU_SOURCE
#include "inputs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json.h"
#include "../sandbox/sandbox.h"
#include "plan/recipe_settings.h"
#include "tree.h"


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

int inputs_compute(const struct recipe *r, const char *seed_hash, const struct build_dep *deps,
		   size_t n_deps, const struct recipe_settings *settings, struct inputs *in,
		   struct cl_err *err)
{
	char *manifest = NULL;
	size_t mlen = 0;
	memset(in, 0, sizeof *in);
	if (settings && recipe_settings_empty(settings))
		settings = NULL;
	in->settings = settings;
	TRY(tree_manifest(r->dir, &manifest, &mlen, err));

	FILE *t = open_memstream(&in->text, &in->len);
	FILE *j = open_memstream(&in->json, &in->json_len);
	if (!t || !j) {
		if (t)
			fclose(t);
		if (j)
			fclose(j);
		free(manifest);
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
		   "  \"seed_sets\": [%s],\n  \"source_date_epoch\": %lld,\n  \"recipe_files\": [",
		BUILD_PROTOCOL_VERSION, SANDBOX_POLICY_VERSION, seed_hash,
		!strcmp(r->seed, "kbuild") ? "\"base\", \"kbuild\"" : "\"base\"", r->source_date_epoch);

	/* The recipe folder, file by file.  Git keeps only the executable bit,
	 * so modes are reduced to it: a checkout's umask changes nothing. */
	int first = 1;
	for (char *line = manifest, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char type, path[4200], hex[80], target[4200] = "";
		unsigned mode;
		unsigned long long size;
		if (sscanf(line, "%c %o %llu %79s %4199s %4199s", &type, &mode, &size, hex, path, target) < 5)
			continue;
		const char *m = type == 'l' ? "link" : type == 'd' ? "0755" : (mode & 0111) ? "0755" : "0644";
		fprintf(t, "recipe-file %c %s %llu %s %s%s%s\n", type, m, size, hex, path,
			type == 'l' ? " " : "", target);
		if (type == 'd')
			continue;
		fprintf(j, "%s\n    {\"path\": ", first ? "" : ",");
		json_str(j, path);
		fprintf(j, ", \"type\": \"%s\", \"size\": %llu, \"sha256\": \"%s\"", type == 'l' ? "link" : "file",
			size, hex);
		if (type == 'l') {
			fprintf(j, ", \"target\": ");
			json_str(j, target);
		}
		fputc('}', j);
		first = 0;
	}
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
	free(manifest);
	int rc = sha256_bytes(in->text, in->len, in->hash, err);
	fprintf(j, "%s,\n  \"input_hash\": \"%s\"\n}\n", settings ? "" : "\n  ]", in->hash);
	fclose(j);
	if (rc < 0)
		inputs_free(in);
	return rc;
}

void inputs_free(struct inputs *in)
{
	free(in->text);
	free(in->json);
	memset(in, 0, sizeof *in);
}
