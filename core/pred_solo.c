/* pred_solo.c: a group's duration as the sum of its segments' solo
 * latencies. Tables come from prof_table, one per service. */
#include "pred.h"
#include "pred_trained.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct solo {
	int n;
	prof_table **t;
} solo;

void pred_free(predictor *p)
{
	if (p && p->iface && p->iface->free)
		p->iface->free(p->ctx);
	if (p) {
		p->iface = NULL;
		p->ctx = NULL;
	}
}

static int solo_predict(void *ctx, const dev_group *g, int n, int64_t *out)
{
	solo *s = ctx;
	for (int i = 0; i < n; i++) {
		int64_t sum = 0;
		for (int k = 0; k < g[i].n; k++) {
			const dev_segment *seg = &g[i].seg[k];
			int64_t ns = prof_table_seg_ns(s->t[seg->service], seg->batch, seg->seq,
			                               seg->start, seg->end);
			if (ns < 0)
				return -1;
			sum += ns;
		}
		out[i] = sum;
	}
	return 0;
}

static void solo_free(void *ctx)
{
	solo *s = ctx;
	if (!s)
		return;
	for (int i = 0; i < s->n; i++)
		prof_table_free(s->t[i]);
	free(s->t);
	free(s);
}

static const pred_iface solo_iface = {
    .name = "solo",
    .predict = solo_predict,
    .free = solo_free,
};

int pred_solo_open(predictor *out, const prof *p, const zoo_model *const *models, int n_svc,
                   char *err, size_t errlen)
{
	solo *s = calloc(1, sizeof *s);
	if (s)
		s->t = calloc((size_t)n_svc, sizeof *s->t);
	if (!s || !s->t) {
		free(s);
		snprintf(err, errlen, "out of memory creating the solo predictor");
		return -1;
	}
	s->n = n_svc;
	for (int i = 0; i < n_svc; i++)
		if (!(s->t[i] = prof_table_new(p, models[i]))) {
			solo_free(s);
			snprintf(err, errlen, "out of memory creating the solo predictor");
			return -1;
		}
	out->iface = &solo_iface;
	out->ctx = s;
	out->err[0] = '\0';
	return 0;
}

/* In the learners' table, so that a run may name it as its group
 * predictor: the abacus policy without overlap credit. */
const pred_learner pred_solo_learner = {
    .kind = "solo",
    .what = "the sum of solo latencies: no training, no overlap credit",
    .open = pred_solo_open,
};
