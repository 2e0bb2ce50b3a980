/* feat.h: fixed-size features of an operator group, for the trained
 * predictors.
 *
 * The features describe the op ranges themselves (solo latency, FLOPs,
 * bytes, op count, batch, sequence length), not which model they belong
 * to, so that one predictor serves combinations it never saw. Segments
 * are sorted by solo latency, longest first, into FEAT_SLOTS slots
 * (zero-padded): the order of services in a group does not change its
 * features. Group-level aggregates (longest, second-longest and summed
 * solo latency, total FLOPs and bytes, arithmetic intensity, summed
 * compute and memory demand) follow, and cover segments beyond the slots.
 *
 * The trained predictors learn log(duration / longest solo latency): a
 * group never runs faster than its longest segment alone, and the ratio
 * varies far less across batch sizes than the duration does.
 *
 * Solo latencies come from prof_table prefix sums; FLOPs and bytes from
 * prefix sums of zoo_op_cost per (model, batch, seq), tabulated on first
 * use. After that feat_group allocates nothing: it runs on the
 * scheduler's hot path.
 *
 * FEAT_VERSION changes whenever the meaning or order of a feature does;
 * a stored predictor trained on another version is refused.
 *
 * Feature sets. The features above are ours (feat_ours). The Abacus
 * paper's predictors saw less (feat_paper): per segment a one-hot of its
 * model among the zoo's, its start and end op, its batch and its seq, in
 * FEAT_SLOTS slots ordered by model (the zoo's order), then start op; and
 * they learned the duration itself (ms), not a ratio to a solo latency. A
 * trained predictor names its set after its learner, "lr@paper"; no suffix
 * is ours. Each set has its own version, stored with the predictor.
 */
#ifndef ABACUS_FEAT_H
#define ABACUS_FEAT_H

#include <stddef.h>

#include "device.h"
#include "prof.h"

#define FEAT_VERSION 1
#define FEAT_SLOTS 4
#define FEAT_PER_SLOT 10
#define FEAT_GROUP 10
#define FEAT_COUNT (FEAT_SLOTS * FEAT_PER_SLOT + FEAT_GROUP)

/* One-hot width of the paper's features: the zoo's models (feat_new
 * refuses a zoo of another size, which would need a new version). */
#define FEAT_PAPER_IDS 9
#define FEAT_PAPER_PER_SLOT (FEAT_PAPER_IDS + 4)
#define FEAT_PAPER_COUNT (FEAT_SLOTS * FEAT_PAPER_PER_SLOT)
#define FEAT_PAPER_VERSION 1

typedef struct feat_set {
	const char *name; /* "ours", "paper"; a predictor kind's suffix after '@' */
	int version;      /* stored with a predictor; another version is stale */
	int count;        /* features per group */
	/* 1: the target is log(duration / longest solo latency); 0: the
	 * duration in ms (feat_group's base is then 1 ms). */
	int log_ratio;
} feat_set;

extern const feat_set feat_ours, feat_paper;

/* The set called name ("ours", "paper"), or NULL. */
const feat_set *feat_set_find(const char *name);
/* The set of a predictor kind: "lr" ours, "lr@paper" the paper's; NULL
 * for an unknown suffix. */
const feat_set *feat_set_of_kind(const char *kind);

typedef struct feat feat;

/* Features over a run's services (models indexed by service). Borrows the
 * profile and the models, which must outlive it. NULL with a message. */
feat *feat_new(const prof *p, const zoo_model *const *models, int n_svc, char *err,
               size_t errlen);
/* The same over another feature set. */
feat *feat_new_set(const feat_set *set, const prof *p, const zoo_model *const *models,
                   int n_svc, char *err, size_t errlen);
void feat_free(feat *f);
const feat_set *feat_set_get(const feat *f);

/* Writes the set's count of features of g into x (FEAT_COUNT for ours)
 * and the base of its target into base_ns: the longest solo latency of its
 * segments (ns), or 1 ms for a set that learns durations; 0 for a group
 * with no ops. -1 when a
 * segment names an unknown service, an op range outside the model or when
 * a first-use table cannot be allocated. */
int feat_group(feat *f, const dev_group *g, float *x, double *base_ns);

/* Short name of feature i of ours, for reports ("s0.solo_ms", "sum_solo"). */
const char *feat_name(int i);

#endif
