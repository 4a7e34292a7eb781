#define _GNU_SOURCE
#include "report_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plan/graph.h"
#include "../image/machine_image.h"
#include "../image/rootfs.h"

void outcome_list_add(void *ctx, const struct build_outcome *out)
{
	struct outcome_list *l = ctx;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, out->name) && !strcmp(l->v[i].input_hash, out->input_hash))
			return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct build_outcome *v = realloc(l->v, cap * sizeof *v);
		if (!v) {
			l->lost = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *out;
}

void outcome_list_free(struct outcome_list *l)
{
	free(l->v);
	*l = (struct outcome_list){ 0 };
}

void report_json_error(struct json_out *j, const struct cl_err *err)
{
	json_key(j, "error");
	json_begin(j, '{');
	json_field_str(j, "class", cl_class_name(cl_err_class(err)));
	json_field_str(j, "message", err->msg);
	json_field_int(j, "exit", cl_exit_status(err));
	json_end(j, '}');
}

/* "" is no value */
static void field_opt(struct json_out *j, const char *key, const char *s)
{
	json_field_str(j, key, s[0] ? s : NULL);
}

static void outcome_json(struct json_out *j, const struct build_outcome *o)
{
	json_begin(j, '{');
	json_field_str(j, "name", o->name);
	json_field_str(j, "version", o->version);
	json_field_bool(j, "root", o->root);
	json_field_str(j, "outcome", outcome_kind_name(o->kind));
	json_field_str(j, "verdict", outcome_verdict_name(o->verdict));
	json_field_bool(j, "checked_against_store", o->against_store);
	field_opt(j, "input_hash", o->input_hash);
	field_opt(j, "entry", o->entry);
	field_opt(j, "output_hash", o->output_hash);
	field_opt(j, "log", o->log);
	json_field_num(j, "seconds", o->seconds);
	json_field_num(j, "cpu_seconds", o->cpu_seconds);
	if (o->verdict == VERDICT_DIFFERENT) {
		json_field_int(j, "differences_total", (long long)o->n_differences);
		json_key(j, "differences");
		json_begin(j, '[');
		for (size_t i = 0; i < o->n_differences && i < OUTCOME_DIFFS; i++) {
			json_begin(j, '{');
			json_field_str(j, "path", o->diffs[i].path);
			json_field_str(j, "what", o->diffs[i].what);
			json_field_str(j, "detail", o->diffs[i].detail);
			json_field_int(j, "offset", o->diffs[i].offset);
			json_end(j, '}');
		}
		json_end(j, ']');
		field_opt(j, "differs_when", o->differs_when);
		field_opt(j, "kept", o->kept);
		if (o->kept[0]) {
			char report[PATH_MAX + 32];
			snprintf(report, sizeof report, "%s/reproducibility.json", o->kept);
			json_field_str(j, "report", report);
		}
	}
	if (o->error[0])
		json_field_str(j, "error", o->error);
	json_end(j, '}');
}

static void machine_json(struct json_out *j, const struct machine_report *m)
{
	json_key(j, "machine");
	json_begin(j, '{');
	json_field_str(j, "name", m->name);
	json_field_str(j, "output", m->dir);
	json_key(j, "initramfs");
	if (m->initramfs) {
		const struct image_result *r = m->initramfs;
		json_begin(j, '{');
		json_field_str(j, "entry", r->entry);
		json_field_str(j, "input_hash", r->input_hash);
		json_field_str(j, "cpio", r->cpio);
		json_field_str(j, "list", r->list);
		json_field_bool(j, "cached", r->cached);
		json_field_int(j, "entries", (long long)r->entries);
		json_field_int(j, "bytes", (long long)r->bytes);
		json_field_num(j, "seconds", m->initramfs_seconds);
		json_end(j, '}');
	} else {
		json_val_str(j, NULL);
	}
	json_key(j, "image");
	if (m->image) {
		const struct machine_image_result *r = m->image;
		char sig[PATH_MAX + 8];
		snprintf(sig, sizeof sig, "%s.sig", r->image);
		json_begin(j, '{');
		json_field_str(j, "path", r->image);
		json_field_str(j, "sha256", r->sha256);
		json_field_str(j, "signature", sig);
		json_field_str(j, "kernel_entry", r->kernel_entry);
		json_field_str(j, "link_entry", r->link_entry);
		json_field_str(j, "command_line", r->cmdline);
		json_field_bool(j, "link_cached", r->link_cached);
		json_field_num(j, "link_seconds", r->link_seconds);
		json_field_bool(j, "keys_created", r->keys_created);
		json_end(j, '}');
	} else {
		json_val_str(j, NULL);
	}
	json_end(j, '}');
}

void report_json_build(const char *cmd, const char *what, bool machine, const struct outcome_list *l,
		       const struct machine_report *m, double seconds, const struct cl_err *err)
{
	struct json_out j = { .f = stdout };
	json_begin(&j, '{');
	json_field_str(&j, "command", cmd);
	json_field_str(&j, "what", what);
	json_field_str(&j, "target", machine ? "machine" : "recipe");
	json_field_bool(&j, "ok", err == NULL);
	json_field_num(&j, "seconds", seconds);
	json_key(&j, "recipes");
	json_begin(&j, '[');
	for (size_t i = 0; i < l->n; i++)
		outcome_json(&j, &l->v[i]);
	json_end(&j, ']');
	json_field_bool(&j, "recipes_complete", !l->lost);
	if (m)
		machine_json(&j, m);
	if (err)
		report_json_error(&j, err);
	json_end(&j, '}');
	fflush(stdout);
}

static void names_json(struct json_out *j, const char *key, char **v, size_t n)
{
	json_key(j, key);
	json_begin(j, '[');
	for (size_t i = 0; i < n; i++)
		json_val_str(j, v[i]);
	json_end(j, ']');
}

void report_json_graph(const char *what, const struct graph *g)
{
	struct json_out j = { .f = stdout };
	json_begin(&j, '{');
	json_field_str(&j, "command", "graph");
	json_field_str(&j, "what", what);
	json_field_bool(&j, "ok", 1);
	json_key(&j, "nodes");
	json_begin(&j, '[');
	for (size_t i = 0; i < g->n; i++) {
		const struct recipe *r = &g->nodes[i];
		json_begin(&j, '{');
		json_field_str(&j, "name", r->name);
		json_field_str(&j, "version", r->version);
		json_field_str(&j, "license", r->license);
		json_field_str(&j, "dir", r->dir);
		json_field_str(&j, "seed", r->seed);
		json_field_bool(&j, "root", g->is_root[i]);
		names_json(&j, "build_needs", r->build_needs, r->n_build_needs);
		names_json(&j, "depends", r->depends, r->n_depends);
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_key(&j, "edges");
	json_begin(&j, '[');
	for (size_t i = 0; i < g->n; i++) {
		const struct recipe *r = &g->nodes[i];
		for (int kind = 0; kind < 2; kind++) {
			char **to = kind ? r->depends : r->build_needs;
			size_t n = kind ? r->n_depends : r->n_build_needs;
			for (size_t k = 0; k < n; k++) {
				json_begin(&j, '{');
				json_field_str(&j, "from", r->name);
				json_field_str(&j, "to", to[k]);
				json_field_str(&j, "kind", kind ? "depends" : "build-needs");
				json_end(&j, '}');
			}
		}
	}
	json_end(&j, ']');
	json_end(&j, '}');
	fflush(stdout);
}

void report_json_verify_begin(struct json_out *j, const char *store)
{
	json_begin(j, '{');
	json_field_str(j, "command", "verify");
	json_field_str(j, "store", store);
	json_key(j, "entries");
	json_begin(j, '[');
}

void report_json_verify_entry(void *ctx, const struct store_check *c)
{
	struct json_out *j = ctx;
	json_begin(j, '{');
	json_field_str(j, "name", c->name);
	json_field_str(j, "path", c->path);
	json_field_bool(j, "ok", c->problem == NULL);
	json_field_str(j, "problem", c->problem);
	json_field_str(j, "near", c->near);
	json_end(j, '}');
}

void report_json_verify_end(struct json_out *j, int checked, int bad, const struct cl_err *err)
{
	json_end(j, ']');
	json_field_int(j, "checked", checked);
	json_field_int(j, "damaged", bad);
	json_field_bool(j, "ok", !err && bad == 0);
	if (err)
		report_json_error(j, err);
	json_end(j, '}');
	fflush(j->f);
}

void report_json_gc_begin(struct json_out *j, const char *home)
{
	json_begin(j, '{');
	json_field_str(j, "command", "gc");
	json_field_str(j, "home", home);
	json_key(j, "removed");
	json_begin(j, '[');
}

void report_json_gc_removed(void *ctx, enum store_gc_kind kind, const char *path)
{
	struct json_out *j = ctx;
	json_begin(j, '{');
	json_field_str(j, "kind", store_gc_kind_name(kind));
	json_field_str(j, "path", path);
	json_end(j, '}');
}

void report_json_gc_end(struct json_out *j, const long counts[GC_KINDS], const struct cl_err *err)
{
	static const char *const keys[GC_KINDS] = {
		[GC_KEPT_PAIR] = "kept_pairs", [GC_STAGE] = "dead_stages",
		[GC_DOWNLOAD] = "dead_download_folders", [GC_LOG] = "logs",
	};
	json_end(j, ']');
	json_key(j, "counts");
	json_begin(j, '{');
	for (int k = 0; k < GC_KINDS; k++)
		json_field_int(j, keys[k], counts[k]);
	json_end(j, '}');
	json_field_bool(j, "ok", err == NULL);
	if (err)
		report_json_error(j, err);
	json_end(j, '}');
	fflush(j->f);
}
