/* The --json documents of build, check, graph, verify and gc: one
 * document on stdout, written whatever the outcome (docs/json.md says
 * every field).  The stages return results and emit outcomes; this file
 * only renders them. */
#ifndef CLOISTER_REPORT_JSON_H
#define CLOISTER_REPORT_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/err.h"
#include "../../common/json.h"
#include "../build/outcome.h"
#include "../store/store.h"

struct graph;
struct image_result;
struct machine_image_result;

/* The recipes' outcomes as the build emits them (build_opts.outcome with
 * outcome_list_add); a recipe emitted twice (a machine's kernel build
 * finds what its packages' build made) is kept once, as first told. */
struct outcome_list {
	struct build_outcome *v;
	size_t n, cap;
	bool lost;   /* one could not be kept (no memory): the list is not whole */
};
void outcome_list_add(void *ctx, const struct build_outcome *out);
void outcome_list_free(struct outcome_list *l);

/* What `cloister build MACHINE` made after its packages. */
struct machine_report {
	const char *name;
	const char *dir;                             /* OUTPUT/machines/NAME; NULL: not reached */
	const struct image_result *initramfs;        /* NULL: not assembled */
	double initramfs_seconds;
	const struct machine_image_result *image;    /* NULL: not linked */
};

/* `cloister build` and `check`: what (a recipe, or a machine when
 * machine), every recipe's outcome, what `build MACHINE` made after them
 * (m; NULL otherwise), the time; err NULL when it succeeded. */
void report_json_build(const char *cmd, const char *what, bool machine, const struct outcome_list *l,
		       const struct machine_report *m, double seconds, const struct cl_err *err);

/* `cloister graph`: nodes and edges. */
void report_json_graph(const char *what, const struct graph *g);

/* `cloister verify`: begun before the store is walked, one entry per
 * store_check (report_json_verify_entry as store_verify's callback),
 * ended with the counts, or the error (NULL when the walk finished). */
void report_json_verify_begin(struct json_out *j, const char *store);
void report_json_verify_entry(void *ctx, const struct store_check *c);
void report_json_verify_end(struct json_out *j, int checked, int bad, const struct cl_err *err);

/* `cloister gc`: likewise, one entry per removal. */
void report_json_gc_begin(struct json_out *j, const char *home);
void report_json_gc_removed(void *ctx, enum store_gc_kind kind, const char *path);
void report_json_gc_end(struct json_out *j, const long counts[GC_KINDS], const struct cl_err *err);

/* The "error" member of a document being written: class, message, exit. */
void report_json_error(struct json_out *j, const struct cl_err *err);

#endif
