#include "cli_opts.h"

#include "../../common/err.h"
#include "../../common/json.h"
#include "../fetch/fetch.h"
#include "report_json.h"

#include <stdio.h>
#include <string.h>

static const struct cli_opt *find(const struct cli_opt *opts, const char *a)
{
	for (; opts->name; opts++)
		if (!strcmp(a, opts->name) || (opts->alias && !strcmp(a, opts->alias)))
			return opts;
	return NULL;
}

int cli_parse(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
	      const char **positional)
{
	return cli_parse_lists(cmd, argc, argv, opts, NULL, positional);
}

static const struct cli_list_opt *find_list(const struct cli_list_opt *lists, const char *a)
{
	for (; lists && lists->name; lists++)
		if (!strcmp(a, lists->name))
			return lists;
	return NULL;
}

int cli_parse_lists(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
		    const struct cli_list_opt *lists, const char **positional)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (a[0] != '-') {
			if (!positional || *positional) {
				fprintf(stderr, "cloister %s: unexpected argument '%s' (see cloister %s --help)\n",
					cmd, a, cmd);
				return -1;
			}
			*positional = a;
			continue;
		}
		const struct cli_list_opt *l = find_list(lists, a);
		if (l) {
			if (i + 1 >= argc) {
				fprintf(stderr, "cloister %s: %s needs an argument\n", cmd, a);
				return -1;
			}
			if (l->list->n >= CLI_LIST_MAX) {
				fprintf(stderr, "cloister %s: %s at most %d times\n", cmd, a, CLI_LIST_MAX);
				return -1;
			}
			l->list->v[l->list->n++] = argv[++i];
			continue;
		}
		const struct cli_opt *o = find(opts, a);
		if (!o) {
			fprintf(stderr, "cloister %s: unknown option '%s' (see cloister %s --help)\n", cmd, a, cmd);
			return -1;
		}
		if (o->flag) {
			*o->flag = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "cloister %s: %s needs an argument\n", cmd, a);
			return -1;
		}
		*o->value = argv[++i];
	}
	return 0;
}

/* What a fetch wants the user to know, on stderr: a warning (a dead
 * mirror, a file with the wrong digest) with the command's name, progress
 * as it is. */
static void note_stderr(void *arg, enum fetch_note_kind kind, const char *msg)
{
	if (kind == FETCH_PROGRESS)
		fprintf(stderr, "%s\n", msg);
	else
		fprintf(stderr, "cloister %s: %s\n", (const char *)arg, msg);
}

int cli_fetch_opts(const char *cmd, const struct cli_list *mirrors, const char *snapshot, bool offline,
		   struct fetch_opts *fo)
{
	struct cl_err err = { 0 };
	fo->offline = offline;
	fo->note = note_stderr;
	fo->note_arg = (void *)cmd;
	fo->snapshot = snapshot;
	for (size_t i = 0; i < mirrors->n; i++)
		if (fetch_add_mirror(fo, mirrors->v[i], &err) < 0) {
			fprintf(stderr, "cloister %s: --mirror: %s\n", cmd, err.msg);
			return -1;
		}
	if (fetch_opts_from_env(fo, &err) < 0) {
		fprintf(stderr, "cloister %s: %s\n", cmd, err.msg);
		return -1;
	}
	return 0;
}

int cli_json_error(const char *cmd, const struct cl_err *err)
{
	struct json_out j = { .f = stdout };
	json_begin(&j, '{');
	json_field_str(&j, "command", cmd);
	json_field_bool(&j, "ok", 0);
	report_json_error(&j, err);
	json_end(&j, '}');
	return cl_exit_status(err);
}
