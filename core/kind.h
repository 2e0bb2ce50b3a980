/* kind.h: the fields of a run that only some kinds read.
 *
 * Loads and policies are kinds in a table (load.h's load_kinds, sched.h's
 * policies): each declares which of the fields below it reads and which of
 * those it needs, as bits. A caller says which fields it was given
 * (run_config.given), so that the checks can tell a choice from a default,
 * and the checks come from the declarations alone:
 *  - a field given that the chosen kind does not read is an error naming
 *    the field and the kind ("field 'load.file' does not apply to a
 *    poisson load"): a setting that would silently do nothing is a
 *    mistake;
 *  - a field the kind needs and was not given is an error saying what the
 *    kind wants it for.
 * Values (a rate that must be positive, a file that must exist) are the
 * kind's own check; fields every kind reads (queries, seed, margin) are
 * not here.
 *
 * Adding a kind that reads these fields is adding its file and its line in
 * its table. Adding a field is a bit and a row of kind.c's table.
 */
#ifndef ABACUS_KIND_H
#define ABACUS_KIND_H

#include <stddef.h>

enum kind_field {
	KIND_QPS = 1u << 0,        /* load.qps */
	KIND_FILE = 1u << 1,       /* load.file */
	KIND_TIME_SCALE = 1u << 2, /* load.time_scale */
	KIND_QPS_SCALE = 1u << 3,  /* load.qps_scale */
	KIND_SVC_QPS = 1u << 4,    /* services[i].qps */
	KIND_WAYS = 1u << 5,       /* ways */
	KIND_THRESHOLD = 1u << 6,  /* threshold_ms */
	KIND_PREDICTOR = 1u << 7,  /* predictor */
	KIND_BATCHING = 1u << 8,   /* batching */
	KIND_PAIR_LATE = 1u << 9,  /* pair_late */
	KIND_KEEP_PLAN = 1u << 10, /* keep_plan */
	KIND_KEEP_ON_TIME = 1u << 11, /* keep_on_time */
	KIND_BY_DEADLINE = 1u << 12, /* by_deadline */
};

/* The fields each family of kinds may read. */
#define KIND_LOAD_FIELDS (KIND_QPS | KIND_FILE | KIND_TIME_SCALE | KIND_QPS_SCALE | KIND_SVC_QPS)
#define KIND_POLICY_FIELDS                                                                         \
	(KIND_WAYS | KIND_THRESHOLD | KIND_PREDICTOR | KIND_BATCHING | KIND_PAIR_LATE |            \
	 KIND_KEEP_PLAN | KIND_KEEP_ON_TIME | KIND_BY_DEADLINE)

/* The field's name as a scenario writes it ("load.qps", "services[2].qps":
 * svc is the 0-based service of a per-service field, ignored otherwise). */
void kind_field_label(unsigned field, int svc, char *buf, size_t len);

/* Lists, into buf, the names of the kinds of a family that read field
 * ("abacus"); the family's table is the caller's. */
typedef void (*kind_readers_fn)(unsigned field, char *buf, size_t len);

/* Checks `given` (the fields of `family` a caller set) against a kind that
 * reads `reads` and needs `needs`. subject names the kind in messages ("a
 * poisson load", "policy 'fcfs'"); svc is the first service that gave a
 * per-service field (for its label); readers, when not NULL, adds which
 * kinds do read a field given in vain. 0, or -1 with the message in err. */
int kind_fields_check(unsigned family, unsigned reads, unsigned needs, unsigned given,
                      const char *subject, int svc, kind_readers_fn readers, char *err,
                      size_t errlen);

/* Appends ", name" (or name, the first time) to the list in buf, which
 * the caller starts empty: the "valid: ..." of every table of kinds. */
void kind_names_add(char *buf, size_t len, const char *name);

#endif
