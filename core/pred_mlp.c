/* pred_mlp.c: a small multilayer perceptron, the default learner.
 *
 * d -> 32 -> 32 -> 1, ReLU, in float. The size is set by the hot path:
 * one scheduling decision evaluates up to ~16 candidate groups and must
 * stay within a few tens of microseconds, and 32x32 hidden units are
 * about 2,700 multiply-adds a group. Training is plain minibatch Adam on
 * the squared error of the standardised target; a tenth of the training
 * rows (chosen by the seed) is held back, the weights with the lowest
 * error on it are kept, and training stops when that error has not
 * improved for MLP_PATIENCE epochs (halving the step size half-way
 * there). The number of epochs shrinks as the rows grow so that a fit
 * costs about the same on any data set.
 */
#include "pred_trained.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rng.h"

enum {
	MLP_H1 = 32,
	MLP_H2 = 32,
	MLP_BATCH = 32,
	MLP_PATIENCE = 40,
	MLP_MIN_EPOCHS = 60,
	MLP_MAX_EPOCHS = 600,
};
/* Rows times epochs a fit may take at most (about 10 s on one core). */
#define MLP_STEP_BUDGET 1.5e6

typedef struct mlp {
	int d;
	float *w;  /* all parameters, in the order below */
	float *w1; /* [d][MLP_H1]: input k to hidden unit j at k * MLP_H1 + j */
	float *b1; /* [MLP_H1] */
	float *w2; /* [MLP_H1][MLP_H2] */
	float *b2; /* [MLP_H2] */
	float *w3; /* [MLP_H2] */
	float *b3; /* [1] */
} mlp;

static size_t mlp_nparams(int d)
{
	return (size_t)MLP_H1 * (size_t)d + MLP_H1 + MLP_H2 * MLP_H1 + MLP_H2 + MLP_H2 + 1;
}

/* Points the layer views into w. */
static void mlp_views(mlp *m, float *w)
{
	m->w = w;
	m->w1 = w;
	m->b1 = m->w1 + (size_t)MLP_H1 * (size_t)m->d;
	m->w2 = m->b1 + MLP_H1;
	m->b2 = m->w2 + MLP_H2 * MLP_H1;
	m->w3 = m->b2 + MLP_H2;
	m->b3 = m->w3 + MLP_H2;
}

static mlp *mlp_alloc(int d)
{
	mlp *m = calloc(1, sizeof *m);
	float *w = calloc(mlp_nparams(d), sizeof *w);
	if (!m || !w) {
		free(m);
		free(w);
		return NULL;
	}
	m->d = d;
	mlp_views(m, w);
	return m;
}

static void mlp_free(void *p)
{
	mlp *m = p;
	if (!m)
		return;
	free(m->w);
	free(m);
}

/* Four floats added, multiplied and compared lane by lane: each lane's
 * arithmetic is the scalar code's, rounded the same, so a sum kept in
 * vectors is bit for bit the sum kept in floats. */
typedef float mlp_v4 __attribute__((vector_size(16)));
typedef int mlp_i4 __attribute__((vector_size(16)));

static mlp_v4 mlp_load(const float *p)
{
	mlp_v4 v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* max(v, 0) as `v > 0 ? v : 0` gives it, NaN and -0 to +0 */
static mlp_v4 mlp_relu(mlp_v4 v)
{
	const mlp_v4 zero = {0, 0, 0, 0};
	return (mlp_v4)((mlp_i4)v & (mlp_i4)(v > zero));
}

/* A hidden layer of MLP_H units: h = ReLU(b + sum over k of in[k] *
 * w[k][.]). Weights are stored input-major ([in][out]) so that each input
 * adds a contiguous row into all units. The units' sums are held in
 * vectors of 4 (the unrolled loops keep them in registers) and each adds
 * its inputs in their order, as plain loops over floats do: no float sum
 * is reassociated. */
enum { MLP_H = MLP_H1, MLP_HV = MLP_H / 4 };
_Static_assert(MLP_H1 == MLP_H2 && MLP_H1 % 4 == 0, "mlp_layer serves both hidden layers");

static void mlp_layer(const float *b, const float *w, const float *in, int n_in, float *h)
{
	mlp_v4 a[MLP_HV];
#pragma GCC unroll 8
	for (int j = 0; j < MLP_HV; j++)
		a[j] = mlp_load(b + 4 * j);
	for (int k = 0; k < n_in; k++) {
		const float *wr = w + (size_t)k * MLP_H;
		const mlp_v4 xk = {in[k], in[k], in[k], in[k]};
#pragma GCC unroll 8
		for (int j = 0; j < MLP_HV; j++)
			a[j] += mlp_load(wr + 4 * j) * xk;
	}
#pragma GCC unroll 8
	for (int j = 0; j < MLP_HV; j++) {
		a[j] = mlp_relu(a[j]);
		memcpy(h + 4 * j, &a[j], sizeof a[j]);
	}
}

static float mlp_forward(const mlp *m, const float *x, float *h1, float *h2)
{
	mlp_layer(m->b1, m->w1, x, m->d, h1);
	mlp_layer(m->b2, m->w2, h1, MLP_H1, h2);
	float out = m->b3[0];
	for (int j = 0; j < MLP_H2; j++)
		out += m->w3[j] * h2[j];
	return out;
}

static void mlp_predict(const void *p, const float *x, int n, int d, float *y)
{
	const mlp *m = p;
	float h1[MLP_H1], h2[MLP_H2];
	for (int i = 0; i < n; i++)
		y[i] = mlp_forward(m, x + (size_t)i * (size_t)d, h1, h2);
}

/* Adds the gradient of (out - y)^2 / 2 for one row to g (laid out as w). */
static void mlp_backward(const mlp *m, mlp *g, const float *x, float y)
{
	const int d = m->d;
	float h1[MLP_H1], h2[MLP_H2], d1[MLP_H1], d2[MLP_H2];
	float e = mlp_forward(m, x, h1, h2) - y;
	g->b3[0] += e;
	for (int j = 0; j < MLP_H2; j++) {
		g->w3[j] += e * h2[j];
		d2[j] = h2[j] > 0 ? e * m->w3[j] : 0;
		g->b2[j] += d2[j];
	}
	for (int k = 0; k < MLP_H1; k++) {
		d1[k] = 0;
		if (h1[k] <= 0)
			continue;
		float *gr = g->w2 + k * MLP_H2;
		const float *wr = m->w2 + k * MLP_H2;
		float s = 0;
		for (int j = 0; j < MLP_H2; j++) {
			gr[j] += h1[k] * d2[j];
			s += wr[j] * d2[j];
		}
		d1[k] = s;
		g->b1[k] += s;
	}
	for (int k = 0; k < d; k++) {
		float *gr = g->w1 + (size_t)k * MLP_H1;
		const float xk = x[k];
		for (int j = 0; j < MLP_H1; j++)
			gr[j] += d1[j] * xk;
	}
}

static double mlp_mse(const mlp *m, const pred_rows *r, const int *idx, int n)
{
	float h1[MLP_H1], h2[MLP_H2];
	double s = 0;
	for (int i = 0; i < n; i++) {
		int row = idx[i];
		double e = mlp_forward(m, r->x + (size_t)row * (size_t)r->d, h1, h2) - r->y[row];
		s += e * e;
	}
	return n ? s / n : 0;
}

static void mlp_init(mlp *m, rng *g)
{
	/* He initialisation for ReLU layers; the output starts near zero, the
	 * mean of a standardised target. */
	double a1 = sqrt(6.0 / m->d), a2 = sqrt(6.0 / MLP_H1), a3 = sqrt(1.0 / MLP_H2);
	for (size_t i = 0; i < (size_t)MLP_H1 * (size_t)m->d; i++)
		m->w1[i] = (float)((2 * rng_double(g) - 1) * a1);
	for (int i = 0; i < MLP_H2 * MLP_H1; i++)
		m->w2[i] = (float)((2 * rng_double(g) - 1) * a2);
	for (int i = 0; i < MLP_H2; i++)
		m->w3[i] = (float)((2 * rng_double(g) - 1) * a3 * 0.1);
}

static void mlp_shuffle(int *v, int n, rng *g)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)rng_below(g, (uint32_t)i + 1);
		int t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

static int mlp_fit(const pred_rows *r, uint64_t seed, void **out, char *err, size_t errlen)
{
	if (r->n < 2 || r->d < 1 || r->d > PRED_MAX_FEAT) {
		snprintf(err, errlen, "mlp: %d rows of %d features (need 2 rows, at most %d features)",
		         r->n, r->d, PRED_MAX_FEAT);
		return -1;
	}
	size_t np = mlp_nparams(r->d);
	mlp *m = mlp_alloc(r->d), *g = mlp_alloc(r->d), *best = mlp_alloc(r->d);
	float *am = calloc(np, sizeof *am), *av = calloc(np, sizeof *av);
	int *idx = malloc((size_t)r->n * sizeof *idx);
	if (!m || !g || !best || !am || !av || !idx) {
		mlp_free(m);
		mlp_free(g);
		mlp_free(best);
		free(am);
		free(av);
		free(idx);
		snprintf(err, errlen, "out of memory training the mlp");
		return -1;
	}
	rng gen;
	rng_seed(&gen, seed);
	mlp_init(m, &gen);
	for (int i = 0; i < r->n; i++)
		idx[i] = i;
	mlp_shuffle(idx, r->n, &gen);
	/* Too few rows to hold any back: train on all and keep the last. */
	int n_val = r->n >= 50 ? r->n / 10 : 0;
	int n_tr = r->n - n_val;
	int *tr = idx + n_val, *val = idx;

	int max_epochs = (int)(MLP_STEP_BUDGET / n_tr);
	if (max_epochs > MLP_MAX_EPOCHS)
		max_epochs = MLP_MAX_EPOCHS;
	if (max_epochs < MLP_MIN_EPOCHS)
		max_epochs = MLP_MIN_EPOCHS;
	const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
	float lr = 2e-3f, p1 = 1, p2 = 1;
	double best_err = INFINITY;
	int since = 0, halved = 0;
	memcpy(best->w, m->w, np * sizeof *m->w);
	for (int ep = 0; ep < max_epochs; ep++) {
		mlp_shuffle(tr, n_tr, &gen);
		for (int s = 0; s < n_tr; s += MLP_BATCH) {
			int nb = n_tr - s < MLP_BATCH ? n_tr - s : MLP_BATCH;
			memset(g->w, 0, np * sizeof *g->w);
			for (int i = 0; i < nb; i++) {
				int row = tr[s + i];
				mlp_backward(m, g, r->x + (size_t)row * (size_t)r->d, r->y[row]);
			}
			p1 *= b1;
			p2 *= b2;
			float step = lr * sqrtf(1 - p2) / (1 - p1), inv = 1.0f / (float)nb;
			for (size_t k = 0; k < np; k++) {
				float gk = g->w[k] * inv;
				am[k] = b1 * am[k] + (1 - b1) * gk;
				av[k] = b2 * av[k] + (1 - b2) * gk * gk;
				m->w[k] -= step * am[k] / (sqrtf(av[k]) + eps);
			}
		}
		if (!n_val)
			continue;
		double e = mlp_mse(m, r, val, n_val);
		if (e < best_err * (1 - 1e-4)) {
			best_err = e;
			since = 0;
			memcpy(best->w, m->w, np * sizeof *m->w);
		} else if (++since >= MLP_PATIENCE) {
			break;
		} else if (since == MLP_PATIENCE / 2 && halved < 4) {
			lr *= 0.5f;
			halved++;
		}
	}
	if (n_val)
		memcpy(m->w, best->w, np * sizeof *m->w);
	mlp_free(g);
	mlp_free(best);
	free(am);
	free(av);
	free(idx);
	*out = m;
	return 0;
}

static int mlp_encode(const void *p, pred_buf *b)
{
	const mlp *m = p;
	pred_put_u32(b, MLP_H1);
	pred_put_u32(b, MLP_H2);
	size_t np = mlp_nparams(m->d);
	for (size_t k = 0; k < np; k++)
		pred_put_f32(b, m->w[k]);
	return b->oom ? -1 : 0;
}

static int mlp_decode(pred_rd *r, int d, void **out, char *err, size_t errlen)
{
	uint32_t h1 = pred_get_u32(r), h2 = pred_get_u32(r);
	if (r->bad || h1 != MLP_H1 || h2 != MLP_H2 || d < 1 || d > PRED_MAX_FEAT) {
		snprintf(err, errlen,
		         "mlp blob has hidden layers %ux%u for %d features; this abacus runs %dx%d",
		         (unsigned)h1, (unsigned)h2, d, MLP_H1, MLP_H2);
		return -1;
	}
	mlp *m = mlp_alloc(d);
	if (!m) {
		snprintf(err, errlen, "out of memory loading the mlp");
		return -1;
	}
	size_t np = mlp_nparams(d);
	for (size_t k = 0; k < np; k++) {
		m->w[k] = pred_get_f32(r);
		if (!r->bad && !isfinite(m->w[k]))
			r->bad = 1;
	}
	if (r->bad) {
		mlp_free(m);
		snprintf(err, errlen, "mlp blob is truncated or holds a non-finite weight");
		return -1;
	}
	*out = m;
	return 0;
}

const pred_learner pred_mlp_learner = {
    .kind = "mlp",
    .what = "two hidden ReLU layers, the default",
    .fit = mlp_fit,
    .predict = mlp_predict,
    .encode = mlp_encode,
    .decode = mlp_decode,
    .free = mlp_free,
};
