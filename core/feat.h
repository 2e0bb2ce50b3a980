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

typedef struct feat feat;

/* Features over a run's services (models indexed by service). Borrows the
 * profile and the models, which must outlive it. NULL with a message. */
feat *feat_new(const prof *p, const zoo_model *const *models, int n_svc, char *err,
               size_t errlen);
void feat_free(feat *f);

/* Writes FEAT_COUNT features of g into x and the longest solo latency of
 * its segments (ns) into base_ns (0 for a group with no ops). -1 when a
 * segment names an unknown service, an op range outside the model or when
 * a first-use table cannot be allocated. */
int feat_group(feat *f, const dev_group *g, float *x, double *base_ns);

/* Short name of feature i, for reports ("s0.solo_ms", "sum_solo"). */
const char *feat_name(int i);

#endif
