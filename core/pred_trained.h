/* pred_trained.h: the learners behind the overlap-aware predictors.
 *
 * A learner maps standardised group features (feat.h) to a standardised
 * target; train.h wraps one with the standardisation and the features
 * into a predictor (pred.h). The learners, one file each, in the table of
 * pred_learners.c (the first is the default):
 *   mlp   pred_mlp.c   two hidden ReLU layers in float, Adam, early
 *                      stopping on a held-back tenth of the training rows
 *   lr    pred_lin.c   least squares (Cholesky of the normal equations in
 *                      double, with a tiny ridge for constant features)
 *   svm   pred_svm.c   libsvm epsilon-SVR with an RBF kernel
 *   lsvr  pred_lsvr.c  liblinear's linear epsilon-SVR (the paper's SVM)
 *   solo  pred_solo.c  learns nothing: the sum of the segments' solo
 *                      latencies, no overlap credit
 * Adding a learner is adding a file and one line in that table; a run's
 * `predictor` and `abacus train --predictor` look names up there.
 *
 * Learners serialise into a blob (train.h frames it with a header and a
 * checksum). Numbers are little-endian whatever the host: u32, f32 and
 * f64 written byte by byte by the pred_buf helpers below, so a blob
 * trained on one machine loads on another.
 *
 * predict must not allocate: it runs on the scheduler's hot path.
 */
#ifndef ABACUS_PRED_TRAINED_H
#define ABACUS_PRED_TRAINED_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pred.h"

/* Most features a learner accepts (predict keeps per-row scratch on the
 * stack). */
#define PRED_MAX_FEAT 64

/* Training rows: n rows of d standardised features, row-major, and their
 * standardised targets. */
typedef struct pred_rows {
	int n, d;
	const float *x;
	const float *y;
} pred_rows;

/* A growing byte buffer; oom is sticky so that a run of puts is checked
 * once. */
typedef struct pred_buf {
	uint8_t *p;
	size_t n, cap;
	int oom;
} pred_buf;

/* A cursor over a blob; bad is sticky (read past the end). */
typedef struct pred_rd {
	const uint8_t *p;
	size_t n, off;
	int bad;
} pred_rd;

typedef struct pred_learner {
	const char *kind; /* what `predictor` names; the predictors.kind column */
	const char *what; /* one line for listings */
	/* Optional: a learner that learns nothing opens its predictor from the
	 * profile alone (solo). It has no fit, predict, encode, decode or free,
	 * and `abacus train` skips it. */
	int (*open)(predictor *out, const prof *p, const zoo_model *const *models, int n_svc,
	            char *err, size_t errlen);
	int (*fit)(const pred_rows *r, uint64_t seed, void **out, char *err, size_t errlen);
	/* y[i] for rows x[i * d .. i * d + d). */
	void (*predict)(const void *m, const float *x, int n, int d, float *y);
	/* Appends the learner's state to b; 0, or -1 when out of memory. */
	int (*encode)(const void *m, pred_buf *b);
	/* Reads what encode wrote for d features. */
	int (*decode)(pred_rd *r, int d, void **out, char *err, size_t errlen);
	void (*free)(void *m);
} pred_learner;

/* A linear model, y = w . x + w[d] (pred_lin.c): lr and lsvr fit it
 * each their own way and share how it predicts and is stored. */
typedef struct pred_linear {
	int d;
	double w[PRED_MAX_FEAT + 1]; /* w[d] is the intercept */
} pred_linear;
void pred_linear_predict(const void *m, const float *x, int n, int d, float *y);
int pred_linear_encode(const void *m, pred_buf *b);
int pred_linear_decode(pred_rd *r, int d, void **out, char *err, size_t errlen);
void pred_linear_free(void *m);

/* NULL-terminated, the default first. */
extern const pred_learner *const pred_learners[];
/* The learner called kind ("lr"; "lr@paper" is the same learner on
 * another feature set, feat.h), or NULL. */
const pred_learner *pred_learner_find(const char *kind);
/* "mlp, lr, svm, solo", or with trained_only those that fit. */
void pred_learner_names(int trained_only, char *buf, size_t len);

static inline void pred_put(pred_buf *b, const void *src, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n)
			cap *= 2;
		uint8_t *np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static inline void pred_put_u32(pred_buf *b, uint32_t v)
{
	uint8_t o[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	pred_put(b, o, 4);
}

static inline void pred_put_u64(pred_buf *b, uint64_t v)
{
	pred_put_u32(b, (uint32_t)v);
	pred_put_u32(b, (uint32_t)(v >> 32));
}

static inline void pred_put_f32(pred_buf *b, float v)
{
	uint32_t u;
	memcpy(&u, &v, 4);
	pred_put_u32(b, u);
}

static inline void pred_put_f64(pred_buf *b, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	pred_put_u64(b, u);
}

static inline const uint8_t *pred_get(pred_rd *r, size_t n)
{
	if (r->bad || r->n - r->off < n) {
		r->bad = 1;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

static inline uint32_t pred_get_u32(pred_rd *r)
{
	const uint8_t *p = pred_get(r, 4);
	if (!p)
		return 0;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t pred_get_u64(pred_rd *r)
{
	uint64_t lo = pred_get_u32(r);
	return lo | (uint64_t)pred_get_u32(r) << 32;
}

static inline float pred_get_f32(pred_rd *r)
{
	uint32_t u = pred_get_u32(r);
	float v;
	memcpy(&v, &u, 4);
	return v;
}

static inline double pred_get_f64(pred_rd *r)
{
	uint64_t u = pred_get_u64(r);
	double v;
	memcpy(&v, &u, 8);
	return v;
}

#endif
