#define _GNU_SOURCE
#include "machine_image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/cleanup.h"
#include "../../common/fsutil.h"
#include "../../common/json.h"
#include "../store/store.h"
#include "kernel_link.h"
#include "sign.h"

/* A package adds words to the kernel's command line by shipping
 * usr/share/cloister/kernel-command-line (one line); the image keeps the
 * file, so a running machine can say where each word came from. */
#define CMDLINE_FILE "usr/share/cloister/kernel-command-line"

static int command_line(const struct machine_image_opts *o, char *out, size_t len, struct cl_err *err)
{
	size_t n = (size_t)snprintf(out, len, "console=ttyS0");
	for (size_t i = 0; i < o->n_packages; i++) {
		char path[PATH_MAX + 64];
		_cleanup_free_ char *text = NULL;
		TRY(pathf(err, path, sizeof path, "%s/out/" CMDLINE_FILE, o->packages[i].entry));
		if (access(path, F_OK) < 0)
			continue;
		TRY(read_file(path, &text, NULL, err));
		for (char *w = strtok(text, " \t\n"); w; w = strtok(NULL, " \t\n")) {
			if (n + 1 + strlen(w) + 1 > len)
				return cl_err_in(err, CL_BAD_INPUT, E2BIG, "%s: the kernel command line grows past %zu "
						 "bytes", path, len - 1);
			n += (size_t)snprintf(out + n, len - n, " %s", w);
		}
	}
	return 0;
}

/* Linking is the point of no return for reproducibility: an unchecked
 * package would put an unverified output into a signed image. */
static int require_checked(const struct machine_image_opts *o, const struct build_result *kernel,
			   struct cl_err *err)
{
	if (o->build->no_check)
		return 0;
	for (size_t i = 0; i <= o->n_packages; i++) {
		const struct build_result *p = i < o->n_packages ? &o->packages[i] : kernel;
		struct store_entry e = { 0 };
		snprintf(e.path, sizeof e.path, "%s", p->entry);
		if (!store_checked(&e))
			return cl_err_in(err, CL_UNREPRODUCIBLE, EIO, "%s %s was built once, not checked (--no-check): "
					 "check it (cloister check -r %s) before the image is linked", p->name,
					 p->version, p->name);
	}
	return 0;
}

static int install_copy(const char *src, const char *dst, struct cl_err *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	TRY(read_file(src, &data, &len, err));
	return write_file_atomic(dst, data, len, 0644, err);
}

/* What went into the image, beside it: reproducibility.json. */
static int write_record(const struct machine_image_opts *o, const struct build_result *kernel,
			const struct kernel_link_result *link, const struct machine_image_result *res,
			struct cl_err *err)
{
	char *buf = NULL, path[PATH_MAX + 32];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return cl_err_set(err, errno, "reproducibility.json");
	struct json_out j = { .f = f };
	json_begin(&j, '{');
	json_field_str(&j, "machine", o->machine_name);
	json_field_bool(&j, "checked", !o->build->no_check);
	json_key(&j, "packages");
	json_begin(&j, '[');
	for (size_t i = 0; i <= o->n_packages; i++) {
		const struct build_result *p = i < o->n_packages ? &o->packages[i] : kernel;
		struct store_entry e = { 0 };
		snprintf(e.path, sizeof e.path, "%s", p->entry);
		json_begin(&j, '{');
		json_field_str(&j, "name", p->name);
		json_field_str(&j, "version", p->version);
		json_field_str(&j, "role", i < o->n_packages ? "layer" : "kernel");
		json_field_str(&j, "output_hash", p->output_hash);
		json_field_bool(&j, "checked", store_checked(&e));
		json_field_str(&j, "entry", p->entry);
		json_end(&j, '}');
	}
	json_end(&j, ']');
	json_key(&j, "initramfs");
	json_begin(&j, '{');
	json_field_str(&j, "entry", o->initramfs->entry);
	json_field_str(&j, "input_hash", o->initramfs->input_hash);
	json_end(&j, '}');
	json_key(&j, "link");
	json_begin(&j, '{');
	json_field_str(&j, "entry", link->entry);
	json_field_str(&j, "input_hash", link->input_hash);
	json_field_str(&j, "output_hash", link->output_hash);
	json_field_str(&j, "command_line", res->cmdline);
	json_field_bool(&j, "linked_twice_identical", 1);
	json_end(&j, '}');
	json_field_str(&j, "image_sha256", res->sha256);
	json_end(&j, '}');
	fclose(f);
	int r = pathf(err, path, sizeof path, "%s/reproducibility.json", o->out_dir);
	if (r == 0)
		r = write_file_atomic(path, buf, len, 0644, err);
	free(buf);
	if (r < 0)
		return r;
	/* the one line `cloister verify` follows back into the store */
	TRY(pathf(err, path, sizeof path, "%s.entry", res->image));
	char line[PATH_MAX + 2];
	int n = snprintf(line, sizeof line, "%s\n", link->entry);
	return write_file_atomic(path, line, (size_t)n, 0644, err);
}

int machine_image(const struct machine_image_opts *o, struct machine_image_result *res, struct cl_err *err)
{
	memset(res, 0, sizeof *res);
	struct graph_root root = { MACHINE_KERNEL_RECIPE, NULL, 0 };
	struct build_result *k = NULL;
	size_t nk = 0;
	TRY(build_targets(o->build, &root, 1, &k, &nk, err));
	const struct build_result *kernel = NULL;
	for (size_t i = 0; i < nk; i++)
		if (k[i].root)
			kernel = &k[i];
	int r = kernel ? 0 : cl_err_msg(err, ENOENT, "the %s recipe built nothing", MACHINE_KERNEL_RECIPE);
	if (r == 0)
		r = require_checked(o, kernel, err);
	if (r == 0)
		r = command_line(o, res->cmdline, sizeof res->cmdline, err);
	struct kernel_link_opts lo = { .build = o->build, .kernel = kernel ? kernel->entry : NULL,
				       .initramfs = o->initramfs->cpio, .cmdline = res->cmdline };
	struct kernel_link_result link;
	if (r == 0)
		r = kernel_link(&lo, &link, err);
	char config[PATH_MAX + 32];
	if (r == 0)
		r = pathf(err, res->image, sizeof res->image, "%s/%s.vmlinuz", o->out_dir, o->machine_name);
	if (r == 0)
		r = install_copy(link.bzimage, res->image, err);
	if (r == 0 && (r = pathf(err, config, sizeof config, "%s/kernel.config", o->out_dir)) == 0)
		r = install_copy(link.config, config, err);
	struct sign_keys keys;
	if (r == 0)
		r = sign_ensure_keys(o->machine_dir, o->machine_name, &keys, &res->keys_created, err);
	if (r == 0)
		r = sign_image(res->image, &keys, res->sha256, err);
	if (r == 0) {
		snprintf(res->kernel_entry, sizeof res->kernel_entry, "%s", kernel->entry);
		snprintf(res->link_entry, sizeof res->link_entry, "%s", link.entry);
		res->link_cached = link.cached;
		res->link_seconds = link.seconds;
		r = write_record(o, kernel, &link, res, err);
	}
	free(k);
	return r;
}
