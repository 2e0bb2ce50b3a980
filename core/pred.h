/* pred.h: predictors of operator-group durations.
 *
 * A predictor maps groups to their predicted duration. The call is batched
 * (n groups at once) because the Abacus policy's multi-way search
 * evaluates all its candidate cut points in one call. Implementations:
 *   solo  sum of the segments' solo latencies from the profile: exact in
 *         expectation for one segment, an upper bound (no overlap credit)
 *         for several. What the time-sharing baselines need.
 * The overlap-aware predictors (MLP, linear, SVM) plug in here too.
 */
#ifndef ABACUS_PRED_H
#define ABACUS_PRED_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "prof.h"

typedef struct pred_iface {
	const char *name;
	int (*predict)(void *ctx, const dev_group *g, int n, int64_t *out_ns);
	void (*free)(void *ctx);
} pred_iface;

typedef struct predictor {
	const pred_iface *iface;
	void *ctx;
	char err[256];
} predictor;

static inline int pred_predict(predictor *p, const dev_group *g, int n, int64_t *out_ns)
{
	return p->iface->predict(p->ctx, g, n, out_ns);
}
void pred_free(predictor *p);

/* The solo predictor over the run's services (models indexed by service);
 * borrows the profile and models, which must outlive it. */
int pred_solo_open(predictor *out, const prof *p, const zoo_model *const *models, int n_svc,
                   char *err, size_t errlen);

#endif
