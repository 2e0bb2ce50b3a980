/* wts.c: seeded parameters for a zoo model.
 *
 * Every layer draws from its own generator, seeded from (seed, layer index)
 * alone, so regenerating one layer, or a model whose earlier layers changed
 * shape, leaves the other layers' numbers as they were. Within a layer the
 * tensors are drawn in a fixed order: w, w2, w3, b, bn_gamma, bn_beta,
 * bn_mean, bn_var.
 *
 * Scales (all uniform, so the bounds are exact and nothing is ever huge):
 *  - conv / fc weights: variance gain / fan_in with gain 2 when the layer's
 *    activation is ReLU or ReLU6 (He: half the signal is cut) and 1
 *    otherwise, fan_in = (cin / groups) * kh * kw for conv, cin for fc;
 *  - biases in [-0.05, 0.05];
 *  - batch norm: beta and mean in [-0.05, 0.05], var in [0.5, 1.5], gamma in
 *    [0.75, 1.15] so that E[gamma^2 / var] is about 1 (a wider gamma lets the
 *    signal grow about 10% in variance per layer, 7x in rms over
 *    inception_v3), except on the last batch norm of a residual branch,
 *    where gamma is in [0.2, 0.4]. The statistics are fixed, so batch norm
 *    does not renormalise: without the small gamma every residual block
 *    would add a branch as large as its input and resnet152's activations
 *    would grow by orders of magnitude over its 50 blocks (with it, the rms
 *    stays between 0.5 and 2.5 at every op boundary of every CNN);
 *  - embeddings in [-0.1, 0.1] (a layer norm follows);
 *  - layer norm gamma in [0.9, 1.1], beta in [-0.05, 0.05].
 * A residual branch end is a conv with batch norm and no activation whose
 * output an ADD reads and whose own input is not the op's input (that one is
 * a shortcut projection, which carries the main signal).
 */
#include "wts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rng.h"

/* Odd constants (golden ratio and a Weyl increment) so that nearby seeds and
 * nearby layers give unrelated generator states once rng_seed mixes them. */
static uint64_t wts_layer_seed(uint64_t seed, int layer)
{
	return seed * 0x9e3779b97f4a7c15ULL + ((uint64_t)layer + 1) * 0xd1b54a32d192ed03ULL;
}

static void wts_fill(rng *r, float *p, size_t n, double lo, double hi)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (float)(lo + (hi - lo) * rng_double(r));
}

static int wts_is_branch_end(const zoo_model *m, int l)
{
	const zoo_layer *L = &m->layers[l];
	if (L->kind != ZOO_CONV || !L->bn || L->act != ZOO_ACT_NONE)
		return 0;
	for (int i = 0; i < L->n_in; i++)
		if (L->in[i] == ZOO_OP_INPUT)
			return 0;
	for (int k = l + 1; k < m->n_layers; k++) {
		const zoo_layer *K = &m->layers[k];
		if (K->kind != ZOO_ADD)
			continue;
		for (int i = 0; i < K->n_in; i++)
			if (K->in[i] == l)
				return 1;
	}
	return 0;
}

static void wts_layer_free(wts_layer *p)
{
	free(p->w);
	free(p->w2);
	free(p->w3);
	free(p->b);
	free(p->bn_gamma);
	free(p->bn_beta);
	free(p->bn_mean);
	free(p->bn_var);
}

/* Allocates n floats into *dst; n == 0 leaves NULL. */
static int wts_alloc(float **dst, size_t n)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	*dst = malloc(n * sizeof(float));
	return *dst ? 0 : -1;
}

static int wts_layer_make(const zoo_model *m, int l, uint64_t seed, wts_layer *p)
{
	const zoo_layer *L = &m->layers[l];
	size_t n_bn = 0;
	double w_bound = 0;

	switch (L->kind) {
	case ZOO_CONV: {
		size_t fan_in = (size_t)(L->cin / L->groups) * (size_t)L->kh * (size_t)L->kw;
		p->n_w = (size_t)L->cout * fan_in;
		p->n_b = L->bias ? (size_t)L->cout : 0;
		n_bn = L->bn ? (size_t)L->cout : 0;
		double gain = (L->act == ZOO_ACT_RELU || L->act == ZOO_ACT_RELU6) ? 2.0 : 1.0;
		w_bound = sqrt(3.0 * gain / (double)fan_in);
		break;
	}
	case ZOO_FC: {
		p->n_w = (size_t)L->cout * (size_t)L->cin;
		p->n_b = (size_t)L->cout;
		double gain = (L->act == ZOO_ACT_RELU || L->act == ZOO_ACT_RELU6) ? 2.0 : 1.0;
		w_bound = sqrt(3.0 * gain / (double)L->cin);
		break;
	}
	case ZOO_EMBED:
		p->n_w = (size_t)L->vocab * (size_t)L->cout;
		p->n_w2 = (size_t)L->max_pos * (size_t)L->cout;
		p->n_w3 = 2 * (size_t)L->cout;
		break;
	case ZOO_LAYERNORM:
		p->n_w = (size_t)L->cout;
		p->n_b = (size_t)L->cout;
		break;
	default:
		return 0;
	}

	if (wts_alloc(&p->w, p->n_w) || wts_alloc(&p->w2, p->n_w2) || wts_alloc(&p->w3, p->n_w3) ||
	    wts_alloc(&p->b, p->n_b) || wts_alloc(&p->bn_gamma, n_bn) ||
	    wts_alloc(&p->bn_beta, n_bn) || wts_alloc(&p->bn_mean, n_bn) ||
	    wts_alloc(&p->bn_var, n_bn))
		return -1;

	rng r;
	rng_seed(&r, wts_layer_seed(seed, l));
	switch (L->kind) {
	case ZOO_CONV:
	case ZOO_FC:
		wts_fill(&r, p->w, p->n_w, -w_bound, w_bound);
		wts_fill(&r, p->b, p->n_b, -0.05, 0.05);
		if (n_bn) {
			int end = wts_is_branch_end(m, l);
			wts_fill(&r, p->bn_gamma, n_bn, end ? 0.2 : 0.75, end ? 0.4 : 1.15);
			wts_fill(&r, p->bn_beta, n_bn, -0.05, 0.05);
			wts_fill(&r, p->bn_mean, n_bn, -0.05, 0.05);
			wts_fill(&r, p->bn_var, n_bn, 0.5, 1.5);
		}
		break;
	case ZOO_EMBED:
		wts_fill(&r, p->w, p->n_w, -0.1, 0.1);
		wts_fill(&r, p->w2, p->n_w2, -0.1, 0.1);
		wts_fill(&r, p->w3, p->n_w3, -0.1, 0.1);
		break;
	case ZOO_LAYERNORM:
		wts_fill(&r, p->w, p->n_w, 0.9, 1.1);
		wts_fill(&r, p->b, p->n_b, -0.05, 0.05);
		break;
	default:
		break;
	}
	return 0;
}

wts *wts_new(const zoo_model *m, uint64_t seed, char *err, size_t errlen)
{
	wts *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, errlen, "wts_new: out of memory for %s", m->name);
		return NULL;
	}
	w->model = m;
	w->n_layers = m->n_layers;
	w->layer = calloc((size_t)(m->n_layers > 0 ? m->n_layers : 1), sizeof *w->layer);
	if (!w->layer) {
		free(w);
		snprintf(err, errlen, "wts_new: out of memory for %s", m->name);
		return NULL;
	}
	for (int l = 0; l < m->n_layers; l++) {
		const zoo_layer *L = &m->layers[l];
		if (L->kind == ZOO_CONV && (L->groups < 1 || L->cin % L->groups)) {
			snprintf(err, errlen, "wts_new: %s layer %d (%s): cin %d not divisible by groups %d",
			         m->name, l, L->name, L->cin, L->groups);
			wts_free(w);
			return NULL;
		}
		if (wts_layer_make(m, l, seed, &w->layer[l])) {
			snprintf(err, errlen, "wts_new: out of memory for %s layer %d (%s)", m->name, l,
			         L->name);
			wts_free(w);
			return NULL;
		}
	}
	return w;
}

void wts_free(wts *w)
{
	if (!w)
		return;
	for (int l = 0; l < w->n_layers; l++)
		wts_layer_free(&w->layer[l]);
	free(w->layer);
	free(w);
}

/* The input stream is kept apart from every layer stream (layer indices map
 * to wts_layer_seed(seed, l), this one uses a different constant). */
void wts_input(const zoo_model *m, uint64_t seed, void *out, size_t n)
{
	rng r;
	rng_seed(&r, seed ^ 0x5851f42d4c957f2dULL);
	if (m->n_layers > 0 && m->layers[0].kind == ZOO_EMBED) {
		int32_t *ids = out;
		uint32_t vocab = (uint32_t)(m->layers[0].vocab > 0 ? m->layers[0].vocab : 1);
		for (size_t i = 0; i < n; i++)
			ids[i] = (int32_t)rng_below(&r, vocab);
		return;
	}
	float *x = out;
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(2.0 * rng_double(&r) - 1.0);
}
