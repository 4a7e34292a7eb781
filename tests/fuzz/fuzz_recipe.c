/* libFuzzer: the recipe parser (recipes/NAME/recipe), from memory.
 * Whatever the bytes, it returns 0 with a recipe whose every field is
 * what the format allows, or -EINVAL with a "FILE:LINE: ..." message and
 * nothing left to free. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../builder/plan/debian_names.h"
#include "../../builder/plan/recipe.h"

static void check_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!recipe_name_valid(v[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recipe r;
	struct cl_err err = { 0 };
	int rc = recipe_parse("recipes/fuzz", (const char *)data, size, &r, &err);
	if (rc < 0) {
		if ((rc != -EINVAL && rc != -ENOMEM) || strncmp(err.msg, "recipes/fuzz/recipe", 19) ||
		    r.sources || r.n_sources || r.build_needs || r.depends || r.prefer || r.modes)
			abort();
		return 0;
	}
	if (!recipe_name_valid(r.name) || !recipe_version_valid(r.version) || !r.license[0] ||
	    strpbrk(r.license, " \t") || (strcmp(r.seed, "base") && strcmp(r.seed, "kbuild")) ||
	    r.timeout_sec < 1 || r.timeout_sec > 7 * 24 * 3600 || r.source_date_epoch < 0 ||
	    r.source_date_epoch > 4294967295LL || !r.max_output_bytes || !r.max_output_files)
		abort();
	check_names(r.build_needs, r.n_build_needs);
	check_names(r.depends, r.n_depends);
	check_names(r.prefer, r.n_prefer);
	for (size_t i = 0; i < r.n_prefer; i++) {
		size_t k = 0;
		while (k < r.n_build_needs && strcmp(r.prefer[i], r.build_needs[k]))
			k++;
		if (k == r.n_build_needs)
			abort();
	}
	for (size_t i = 0; i < r.n_sources; i++) {
		const struct recipe_source *s = &r.sources[i];
		if (!s->name[0] || strchr(s->name, '/') || !strcmp(s->name, "..") || !sha256_hex_valid(s->sha256))
			abort();
		if ((s->kind == SRC_DEBIAN || s->kind == SRC_DEB_FILE) &&
		    (!debian_package_valid(s->package) || !debian_version_valid(s->version)))
			abort();
		if ((s->kind == SRC_FILE || s->kind == SRC_DEB_FILE) && (s->path[0] == '/' || strstr(s->path, "..")))
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s->name, r.sources[j].name))
				abort();
	}
	for (size_t i = 0; i < r.n_modes; i++)
		if (r.modes[i].path[0] != '/' || (r.modes[i].mode & ~0555u) || !(r.modes[i].mode & 0400))
			abort();
	recipe_free(&r);
	return 0;
}
