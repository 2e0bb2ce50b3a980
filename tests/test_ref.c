/* test_ref.c: the CPU reference and the seeded weights.
 *
 * First every layer kind on tiny models built by hand, against values
 * worked out by hand; then every zoo model end to end at batch 1, checking
 * that activations stay finite and of order one, and that running ops
 * [0, k) then [k, n) gives the same bits as [0, n).
 *
 * ABACUS_REF_QUICK=1 skips the whole-model part beyond resnet50 and bert.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clk.h"
#include "ref.h"
#include "wts.h"
#include "zoo.h"

static int failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
			        #cond);                                              \
			failures++;                                                  \
		}                                                                    \
	} while (0)

#define CHECK_NEAR(got, want, tol)                                                        \
	do {                                                                              \
		double g_ = (got), w_ = (want);                                           \
		if (!(fabs(g_ - w_) <= (tol))) {                                          \
			fprintf(stderr, "%s:%d: %s = %.9g, want %.9g (tol %g)\n", __FILE__, \
			        __LINE__, #got, g_, w_, (double)(tol));                   \
			failures++;                                                       \
		}                                                                         \
	} while (0)

#define CHECK_OK(rc, err)                                                                    \
	do {                                                                                 \
		if ((rc) != 0) {                                                             \
			fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #rc, err); \
			failures++;                                                          \
		}                                                                            \
	} while (0)

/* A hand-built model: up to 8 layers in up to 3 ops. */
typedef struct tmodel {
	zoo_model m;
	zoo_layer layer[8];
	zoo_op op[3];
} tmodel;

static zoo_dims dims3(int a, int b, int c)
{
	zoo_dims d = {{a, b, c}};
	return d;
}

static void tm_init(tmodel *t, const char *name, zoo_dims input)
{
	memset(t, 0, sizeof *t);
	snprintf(t->m.name, sizeof t->m.name, "%s", name);
	t->m.layers = t->layer;
	t->m.ops = t->op;
	t->m.input = input;
	t->m.n_ops = 1;
}

/* Starts a new op at the next layer. */
static void tm_op(tmodel *t)
{
	t->op[t->m.n_ops].first = t->m.n_layers;
	t->m.n_ops++;
}

static zoo_layer *tm_layer(tmodel *t, zoo_kind kind, zoo_dims out, int in0, int in1)
{
	zoo_layer *L = &t->layer[t->m.n_layers];
	L->kind = kind;
	snprintf(L->name, sizeof L->name, "l%d", t->m.n_layers);
	L->out = out;
	L->in[0] = in0;
	L->in[1] = in1;
	L->n_in = in1 == -9 ? 1 : 2;
	L->groups = 1;
	t->m.n_layers++;
	t->op[t->m.n_ops - 1].count++;
	return L;
}
#define ONE (-9) /* tm_layer: no second input */

static zoo_layer *tm_conv(tmodel *t, zoo_dims out, int in, int cin, int k, int s, int p, int groups)
{
	zoo_layer *L = tm_layer(t, ZOO_CONV, out, in, ONE);
	L->cin = cin;
	L->cout = out.d[0];
	L->kh = L->kw = k;
	L->sh = L->sw = s;
	L->ph = L->pw = p;
	L->groups = groups;
	return L;
}

static void set(float *dst, const float *src, size_t n)
{
	memcpy(dst, src, n * sizeof(float));
}

static float x16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static float w9[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};

static void test_conv_plain(void)
{
	char err[256] = "";
	tmodel t;
	tm_init(&t, "conv", dims3(1, 4, 4));
	tm_conv(&t, dims3(1, 2, 2), ZOO_OP_INPUT, 1, 3, 1, 0, 1);
	wts *w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL);
	if (!w)
		return;
	CHECK(w->layer[0].n_w == 9 && w->layer[0].b == NULL && w->layer[0].bn_gamma == NULL);
	set(w->layer[0].w, w9, 9);
	float y[4];
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 0, x16, y, err, sizeof err), err);
	CHECK_NEAR(y[0], 348, 0);
	CHECK_NEAR(y[1], 393, 0);
	CHECK_NEAR(y[2], 528, 0);
	CHECK_NEAR(y[3], 573, 0);
	wts_free(w);

	/* stride 2, pad 1, with a bias, batch 2 (second sample negated) */
	tm_init(&t, "conv_s2p1", dims3(1, 4, 4));
	zoo_layer *L = tm_conv(&t, dims3(1, 2, 2), ZOO_OP_INPUT, 1, 3, 2, 1, 1);
	L->bias = 1;
	w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL && w->layer[0].n_b == 1);
	if (!w)
		return;
	set(w->layer[0].w, w9, 9);
	w->layer[0].b[0] = 0.5f;
	float x2[32];
	for (int i = 0; i < 16; i++) {
		x2[i] = x16[i];
		x2[16 + i] = -x16[i];
	}
	float y2[8];
	CHECK_OK(ref_run(&t.m, w, 0, 1, 2, 0, x2, y2, err, sizeof err), err);
	const float want[4] = {111, 217, 363, 573};
	for (int i = 0; i < 4; i++) {
		CHECK_NEAR(y2[i], want[i] + 0.5, 0);
		CHECK_NEAR(y2[4 + i], -want[i] + 0.5, 0);
	}
	wts_free(w);
}

static void test_conv_groups(void)
{
	char err[256] = "";
	tmodel t;
	/* depthwise 3x3 pad 1 over two 3x3 channels: channel 0 sums its
	 * neighbourhood, channel 1 doubles the centre */
	tm_init(&t, "dw", dims3(2, 3, 3));
	tm_conv(&t, dims3(2, 3, 3), ZOO_OP_INPUT, 2, 3, 1, 1, 2);
	wts *w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL && w->layer[0].n_w == 18);
	if (!w)
		return;
	for (int i = 0; i < 9; i++) {
		w->layer[0].w[i] = 1;
		w->layer[0].w[9 + i] = i == 4 ? 2 : 0;
	}
	float x[18], y[18];
	for (int i = 0; i < 18; i++)
		x[i] = (float)(i + 1);
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 0, x, y, err, sizeof err), err);
	/* channel 0 is 1..9 as a 3x3 grid */
	const float ch0[9] = {12, 21, 16, 27, 45, 33, 24, 39, 28};
	for (int i = 0; i < 9; i++) {
		CHECK_NEAR(y[i], ch0[i], 0);
		CHECK_NEAR(y[9 + i], 2 * x[9 + i], 0);
	}
	wts_free(w);

	/* groups 2, 4 -> 2 channels, 1x1: each output sees only its half */
	tm_init(&t, "g2", dims3(4, 1, 2));
	tm_conv(&t, dims3(2, 1, 2), ZOO_OP_INPUT, 4, 1, 1, 0, 2);
	w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL && w->layer[0].n_w == 4);
	if (!w)
		return;
	const float wg[4] = {1, 10, 100, 1000}; /* out0 = x0 + 10 x1, out1 = 100 x2 + 1000 x3 */
	set(w->layer[0].w, wg, 4);
	const float xg[8] = {1, 2, 3, 4, 5, 6, 7, 8}; /* channel c = {2c+1, 2c+2} */
	float yg[4];
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 0, xg, yg, err, sizeof err), err);
	CHECK_NEAR(yg[0], 1 + 10 * 3, 0);
	CHECK_NEAR(yg[1], 2 + 10 * 4, 0);
	CHECK_NEAR(yg[2], 100 * 5 + 1000 * 7, 0);
	CHECK_NEAR(yg[3], 100 * 6 + 1000 * 8, 0);
	wts_free(w);
}

static void test_conv_bn(void)
{
	char err[256] = "";
	tmodel t;
	tm_init(&t, "bn", dims3(2, 1, 2));
	zoo_layer *L = tm_conv(&t, dims3(2, 1, 2), ZOO_OP_INPUT, 2, 1, 1, 0, 1);
	L->bias = 1;
	L->bn = 1;
	L->eps = 1;
	L->act = ZOO_ACT_RELU;
	wts *w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL && w->layer[0].bn_var != NULL);
	if (!w)
		return;
	wts_layer *p = &w->layer[0];
	const float wi[4] = {1, 0, 0, 1}; /* identity */
	set(p->w, wi, 4);
	/* channel 0: 2 * (x + 0.5 - 0.5) / sqrt(3 + 1) + 1 = x + 1
	 * channel 1: 1 * (x + 0 - 1) / sqrt(0 + 1) - 2 = x - 3, then relu */
	p->b[0] = 0.5f, p->bn_gamma[0] = 2, p->bn_beta[0] = 1, p->bn_mean[0] = 0.5f, p->bn_var[0] = 3;
	p->b[1] = 0, p->bn_gamma[1] = 1, p->bn_beta[1] = -2, p->bn_mean[1] = 1, p->bn_var[1] = 0;
	const float x[4] = {-4, 2, 1, 7};
	float y[4];
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 0, x, y, err, sizeof err), err);
	CHECK_NEAR(y[0], 0, 0);  /* relu(-3) */
	CHECK_NEAR(y[1], 3, 0);
	CHECK_NEAR(y[2], 0, 0);  /* relu(-2) */
	CHECK_NEAR(y[3], 4, 0);
	wts_free(w);
}

static void test_pool(void)
{
	char err[256] = "";
	tmodel t;
	tm_init(&t, "pool", dims3(1, 4, 4));
	zoo_layer *L = tm_layer(&t, ZOO_POOL_MAX, dims3(1, 2, 2), ZOO_OP_INPUT, ONE);
	L->kh = L->kw = 3, L->sh = L->sw = 2, L->ph = L->pw = 1;
	wts *w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL);
	if (!w)
		return;
	float y[4];
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 0, x16, y, err, sizeof err), err);
	CHECK_NEAR(y[0], 6, 0);
	CHECK_NEAR(y[1], 8, 0);
	CHECK_NEAR(y[2], 14, 0);
	CHECK_NEAR(y[3], 16, 0);

	/* the padded zeros count in the divisor: 3x3 windows always divide by 9 */
	t.layer[0].kind = ZOO_POOL_AVG;
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 0, x16, y, err, sizeof err), err);
	CHECK_NEAR(y[0], (1 + 2 + 5 + 6) / 9.0, 1e-6);
	CHECK_NEAR(y[1], (2 + 3 + 4 + 6 + 7 + 8) / 9.0, 1e-6);
	CHECK_NEAR(y[2], (5 + 6 + 9 + 10 + 13 + 14) / 9.0, 1e-6);
	CHECK_NEAR(y[3], 11, 1e-6);

	/* global average pooling, k = H = W */
	t.layer[0].kh = t.layer[0].kw = 4, t.layer[0].sh = t.layer[0].sw = 1;
	t.layer[0].ph = t.layer[0].pw = 0;
	t.layer[0].out = dims3(1, 1, 1);
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 0, x16, y, err, sizeof err), err);
	CHECK_NEAR(y[0], 8.5, 1e-6);
	wts_free(w);
}

/* Layers of one op may read any earlier layer of the op and the op input. */
static void test_add_concat(void)
{
	char err[256] = "";
	tmodel t;
	tm_init(&t, "addcat", dims3(1, 1, 2));
	tm_conv(&t, dims3(1, 1, 2), ZOO_OP_INPUT, 1, 1, 1, 0, 1);  /* l0 = 2x */
	tm_conv(&t, dims3(1, 1, 2), ZOO_OP_INPUT, 1, 1, 1, 0, 1);  /* l1 = -3x */
	zoo_layer *A = tm_layer(&t, ZOO_ADD, dims3(1, 1, 2), 0, 1); /* l2 = relu(-x) */
	A->act = ZOO_ACT_RELU;
	zoo_layer *C = tm_layer(&t, ZOO_CONCAT, dims3(4, 1, 2), 1, ZOO_OP_INPUT);
	C->n_in = 4;
	C->in[2] = 0;
	C->in[3] = 2; /* l3 = [l1, x, l0, l2] */
	wts *w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL);
	if (!w)
		return;
	w->layer[0].w[0] = 2;
	w->layer[1].w[0] = -3;
	const float x[4] = {1, -2, 5, 0.5f}; /* batch 2 */
	float y[16];
	CHECK_OK(ref_run(&t.m, w, 0, 1, 2, 0, x, y, err, sizeof err), err);
	const float want[16] = {-3, 6, 1, -2, 2, -4, 0, 2, -15, -1.5f, 5, 0.5f, 10, 1, 0, 0};
	for (int i = 0; i < 16; i++)
		CHECK_NEAR(y[i], want[i], 0);

	/* ref_layer on the add alone, with its inputs given directly */
	const float a[2] = {1.5f, -7}, b[2] = {2, 3};
	const void *in[2] = {a, b};
	CHECK_OK(ref_layer(&t.m, w, 2, 1, 0, in, y, err, sizeof err), err);
	CHECK_NEAR(y[0], 3.5, 0);
	CHECK_NEAR(y[1], 0, 0);
	wts_free(w);
}

static void test_fc(void)
{
	char err[256] = "";
	tmodel t;
	/* CNN head: {2, 1, 2} flattened per sample into 4 features, batch 2 */
	tm_init(&t, "fc", dims3(2, 1, 2));
	zoo_layer *L = tm_layer(&t, ZOO_FC, dims3(3, 1, 1), ZOO_OP_INPUT, ONE);
	L->cin = 4, L->cout = 3;
	wts *w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL && w->layer[0].n_w == 12 && w->layer[0].n_b == 3);
	if (!w)
		return;
	const float wf[12] = {1, 0, 0, 0, 1, 1, 1, 1, 1, -1, 2, -2};
	const float bf[3] = {0.5f, 0, -1};
	set(w->layer[0].w, wf, 12);
	set(w->layer[0].b, bf, 3);
	const float x[8] = {1, 2, 3, 4, -1, 0, 2, 3};
	float y[6];
	CHECK_OK(ref_run(&t.m, w, 0, 1, 2, 0, x, y, err, sizeof err), err);
	const float want[6] = {1.5f, 10, -4, -0.5f, 4, -4};
	for (int i = 0; i < 6; i++)
		CHECK_NEAR(y[i], want[i], 0);
	wts_free(w);

	/* token rows: {S, F, 1} with S = 3, F = 2 -> {S, 1, 1}: rows = batch * S */
	tm_init(&t, "fc_tok", dims3(ZOO_SEQ, 2, 1));
	t.m.has_seq = 1;
	L = tm_layer(&t, ZOO_FC, dims3(ZOO_SEQ, 1, 1), ZOO_OP_INPUT, ONE);
	L->cin = 2, L->cout = 1;
	L->act = ZOO_ACT_RELU;
	w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL);
	if (!w)
		return;
	w->layer[0].w[0] = 1, w->layer[0].w[1] = -1, w->layer[0].b[0] = 0.25f;
	const float xt[12] = {3, 1, 1, 3, 0, 0, 5, 5, -1, 0, 2, -2}; /* batch 2 */
	float yt[6];
	CHECK_OK(ref_run(&t.m, w, 0, 1, 2, 3, xt, yt, err, sizeof err), err);
	const float wt[6] = {2.25f, 0, 0.25f, 0.25f, 0, 4.25f};
	for (int i = 0; i < 6; i++)
		CHECK_NEAR(yt[i], wt[i], 0);
	wts_free(w);
}

/* fc 1 -> 1 with weight 1 and bias 0 is the activation alone */
static void test_act(void)
{
	char err[256] = "";
	tmodel t;
	tm_init(&t, "act", dims3(ZOO_SEQ, 1, 1));
	t.m.has_seq = 1;
	zoo_layer *L = tm_layer(&t, ZOO_FC, dims3(ZOO_SEQ, 1, 1), ZOO_OP_INPUT, ONE);
	L->cin = 1, L->cout = 1;
	wts *w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL);
	if (!w)
		return;
	w->layer[0].w[0] = 1, w->layer[0].b[0] = 0;
	const float x[5] = {-1, 0, 0.5f, 2, 7};
	float y[5];

	L->act = ZOO_ACT_GELU;
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 5, x, y, err, sizeof err), err);
	CHECK_NEAR(y[0], -0.158655254, 1e-7);
	CHECK_NEAR(y[1], 0, 0);
	CHECK_NEAR(y[2], 0.345731231, 1e-7);
	CHECK_NEAR(y[3], 1.954499736, 1e-6);

	L->act = ZOO_ACT_RELU6;
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 5, x, y, err, sizeof err), err);
	CHECK_NEAR(y[0], 0, 0);
	CHECK_NEAR(y[2], 0.5, 0);
	CHECK_NEAR(y[3], 2, 0);
	CHECK_NEAR(y[4], 6, 0);

	L->act = ZOO_ACT_TANH;
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 5, x, y, err, sizeof err), err);
	CHECK_NEAR(y[0], -0.761594156, 1e-7);
	CHECK_NEAR(y[2], 0.462117157, 1e-7);
	CHECK_NEAR(y[4], 0.999998336, 1e-7);

	L->act = ZOO_ACT_RELU;
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 5, x, y, err, sizeof err), err);
	CHECK_NEAR(y[0], 0, 0);
	CHECK_NEAR(y[4], 7, 0);
	wts_free(w);
}

static void test_softmax_layernorm(void)
{
	char err[256] = "";
	tmodel t;
	tm_init(&t, "sm", dims3(2, 2, 3));
	tm_layer(&t, ZOO_SOFTMAX, dims3(2, 2, 3), ZOO_OP_INPUT, ONE);
	wts *w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL);
	if (!w)
		return;
	const float x[12] = {1, 2, 3, 0, 0, 0, -50, 50, 0, 1000, 1000, 999};
	float y[12];
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 0, x, y, err, sizeof err), err);
	const double e = exp(1.0), z = 1 + e + e * e;
	CHECK_NEAR(y[0], 1 / z, 1e-7);
	CHECK_NEAR(y[1], e / z, 1e-7);
	CHECK_NEAR(y[2], e * e / z, 1e-7);
	CHECK_NEAR(y[3], 1 / 3.0, 1e-7);
	CHECK_NEAR(y[7], 1, 1e-7);
	CHECK_NEAR(y[9], 1 / (2 + exp(-1.0)), 1e-7); /* large logits stay finite */
	for (int r = 0; r < 4; r++)
		CHECK_NEAR(y[3 * r] + y[3 * r + 1] + y[3 * r + 2], 1, 1e-6);
	wts_free(w);

	/* layer norm over F = 3 of {S, F, 1}; in two rows */
	tm_init(&t, "ln", dims3(ZOO_SEQ, 3, 1));
	t.m.has_seq = 1;
	zoo_layer *L = tm_layer(&t, ZOO_LAYERNORM, dims3(ZOO_SEQ, 3, 1), ZOO_OP_INPUT, ONE);
	L->cout = 3, L->eps = 1e-12f;
	w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL && w->layer[0].n_w == 3 && w->layer[0].n_b == 3);
	if (!w)
		return;
	for (int f = 0; f < 3; f++)
		w->layer[0].w[f] = 1, w->layer[0].b[f] = 0;
	const float xl[6] = {1, 2, 3, 10, -4, 30};
	float yl[6];
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 2, xl, yl, err, sizeof err), err);
	for (int r = 0; r < 2; r++) {
		double mean = (yl[3 * r] + yl[3 * r + 1] + yl[3 * r + 2]) / 3.0, var = 0;
		for (int f = 0; f < 3; f++)
			var += (yl[3 * r + f] - mean) * (yl[3 * r + f] - mean) / 3.0;
		CHECK_NEAR(mean, 0, 1e-7);
		CHECK_NEAR(var, 1, 1e-6);
	}
	CHECK_NEAR(yl[0], -sqrt(1.5), 1e-6);
	CHECK_NEAR(yl[1], 0, 1e-7);

	/* gamma and beta: 2 * normalised + 1 */
	for (int f = 0; f < 3; f++)
		w->layer[0].w[f] = 2, w->layer[0].b[f] = 1;
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 2, xl, yl, err, sizeof err), err);
	CHECK_NEAR(yl[0], 1 - 2 * sqrt(1.5), 1e-6);
	CHECK_NEAR(yl[1], 1, 1e-6);
	CHECK_NEAR(yl[2], 1 + 2 * sqrt(1.5), 1e-6);

	/* n_in == 2: the inputs are summed first, ln(a + b) */
	const float a[6] = {0.5f, 1, 1, 4, -4, 10}, b[6] = {0.5f, 1, 2, 6, 0, 20};
	const void *in[2] = {a, b};
	L->n_in = 2;
	L->in[1] = ZOO_OP_INPUT;
	float ys[6];
	CHECK_OK(ref_layer(&t.m, w, 0, 1, 2, in, ys, err, sizeof err), err);
	for (int i = 0; i < 6; i++)
		CHECK_NEAR(ys[i], yl[i], 1e-6);
	wts_free(w);
}

/* S = 2 tokens, F = 4, 2 heads of 2: worked out in full by hand. */
static void test_attention(void)
{
	char err[256] = "";
	tmodel t;
	tm_init(&t, "attn", dims3(ZOO_SEQ, 12, 1));
	t.m.has_seq = 1;
	zoo_layer *S = tm_layer(&t, ZOO_ATTN_SCORES, dims3(2, ZOO_SEQ, ZOO_SEQ), ZOO_OP_INPUT, ONE);
	S->heads = 2, S->cout = 4;
	tm_layer(&t, ZOO_SOFTMAX, dims3(2, ZOO_SEQ, ZOO_SEQ), 0, ONE);
	zoo_layer *C = tm_layer(&t, ZOO_ATTN_CONTEXT, dims3(ZOO_SEQ, 4, 1), 1, ZOO_OP_INPUT);
	C->heads = 2, C->cout = 4;
	wts *w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL);
	if (!w)
		return;
	/* per token: Q (4) | K (4) | V (4) */
	const float qkv[24] = {1,    0, 2,  -1, 1,  2,   0, 1, 1, 2, 3, 4,
	                       0.5f, 1, -1, 1,  -1, 0.5f, 2, 2, 5, 6, 7, 8};
	const double r2 = sqrt(0.5);
	/* head 0: Q0.K0 = 1, Q0.K1 = -1, Q1.K0 = 2.5, Q1.K1 = 0;
	 * head 1: Q0.K0 = -1, Q0.K1 = 2, Q1.K0 = 1, Q1.K1 = 0; all / sqrt(2) */
	const double sc[8] = {r2, -r2, 2.5 * r2, 0, -r2, 2 * r2, r2, 0};
	float y[8];
	const void *in0[1] = {qkv};
	CHECK_OK(ref_layer(&t.m, w, 0, 1, 2, in0, y, err, sizeof err), err);
	for (int i = 0; i < 8; i++)
		CHECK_NEAR(y[i], sc[i], 1e-6);

	double p[8];
	for (int r = 0; r < 4; r++) {
		double z = exp(sc[2 * r]) + exp(sc[2 * r + 1]);
		p[2 * r] = exp(sc[2 * r]) / z;
		p[2 * r + 1] = exp(sc[2 * r + 1]) / z;
	}
	/* out[s][h*2 + j] = sum_t P[h][s][t] V[t][h*2 + j] */
	double want[8];
	for (int s = 0; s < 2; s++)
		for (int h = 0; h < 2; h++)
			for (int j = 0; j < 2; j++)
				want[s * 4 + h * 2 + j] = p[(h * 2 + s) * 2] * qkv[8 + h * 2 + j] +
				                          p[(h * 2 + s) * 2 + 1] * qkv[12 + 8 + h * 2 + j];
	CHECK_NEAR(want[0], 1.78228127, 1e-7); /* the formula, evaluated by hand */
	CHECK_NEAR(want[7], 5.32095380, 1e-7);
	float ctx[8];
	CHECK_OK(ref_run(&t.m, w, 0, 1, 1, 2, qkv, ctx, err, sizeof err), err);
	for (int i = 0; i < 8; i++)
		CHECK_NEAR(ctx[i], want[i], 1e-6);
	wts_free(w);
}

/* Embedding in op 0, the first token in op 1. */
static void test_embed_take_first(void)
{
	char err[256] = "";
	tmodel t;
	tm_init(&t, "emb", dims3(ZOO_SEQ, 1, 1));
	t.m.has_seq = 1;
	zoo_layer *E = tm_layer(&t, ZOO_EMBED, dims3(ZOO_SEQ, 2, 1), ZOO_OP_INPUT, ONE);
	E->cout = 2, E->vocab = 5, E->max_pos = 4;
	tm_op(&t);
	tm_layer(&t, ZOO_TAKE_FIRST, dims3(1, 2, 1), ZOO_OP_INPUT, ONE);
	wts *w = wts_new(&t.m, 1, err, sizeof err);
	CHECK(w != NULL);
	if (!w)
		return;
	wts_layer *p = &w->layer[0];
	CHECK(p->n_w == 10 && p->n_w2 == 8 && p->n_w3 == 4);
	for (int i = 0; i < 10; i++)
		p->w[i] = (float)(100 * i); /* word id v: {200 v, 200 v + 100} */
	for (int i = 0; i < 8; i++)
		p->w2[i] = (float)i; /* position s: {2 s, 2 s + 1} */
	const float types[4] = {0.5f, 0.25f, 1000, 1000}; /* type 1 must be unused */
	set(p->w3, types, 4);
	const int32_t ids[6] = {3, 1, 4, 0, 2, 2}; /* batch 2, S = 3 */
	float y[12];
	CHECK_OK(ref_run(&t.m, w, 0, 1, 2, 3, ids, y, err, sizeof err), err);
	const float want[12] = {600.5f, 701.25f, 202.5f, 303.25f, 804.5f, 905.25f,
	                        0.5f,   101.25f, 402.5f, 503.25f, 404.5f, 505.25f};
	for (int i = 0; i < 12; i++)
		CHECK_NEAR(y[i], want[i], 0);
	float f[4];
	CHECK_OK(ref_run(&t.m, w, 0, 2, 2, 3, ids, f, err, sizeof err), err);
	CHECK_NEAR(f[0], 600.5, 0);
	CHECK_NEAR(f[1], 701.25, 0);
	CHECK_NEAR(f[2], 0.5, 0);
	CHECK_NEAR(f[3], 101.25, 0);

	/* bad ids and too long sequences are errors, not crashes */
	const int32_t bad[3] = {0, 5, 1};
	CHECK(ref_run(&t.m, w, 0, 1, 1, 3, bad, y, err, sizeof err) != 0);
	CHECK(strstr(err, "token id 5") != NULL);
	int32_t five[5] = {0};
	float y5[10];
	CHECK(ref_run(&t.m, w, 0, 1, 1, 5, five, y5, err, sizeof err) != 0);
	CHECK(ref_run(&t.m, w, 1, 1, 1, 3, ids, y, err, sizeof err) != 0); /* empty range */
	wts_free(w);
}

static void test_rel_err(void)
{
	const float b[2] = {3, 4}, a[2] = {3, 4.5f}, z[2] = {0, 0};
	CHECK_NEAR(ref_rel_err(b, b, 2), 0, 0);
	CHECK_NEAR(ref_rel_err(a, b, 2), 0.1, 1e-12);
	CHECK_NEAR(ref_rel_err(z, z, 2), 0, 0);
	CHECK(ref_rel_err(b, z, 2) > 1e300);
	const float n[2] = {1, NAN};
	CHECK(isnan(ref_rel_err(n, b, 2)));
}

static void test_wts_seeded(void)
{
	char err[256] = "";
	zoo_model *a = zoo_model_new("resnet18", err, sizeof err);
	zoo_model *b = zoo_model_new("resnet50", err, sizeof err);
	CHECK(a && b);
	if (!a || !b) {
		zoo_model_free(a);
		zoo_model_free(b);
		return;
	}
	wts *wa = wts_new(a, 7, err, sizeof err), *wa2 = wts_new(a, 7, err, sizeof err);
	wts *wa3 = wts_new(a, 8, err, sizeof err), *wb = wts_new(b, 7, err, sizeof err);
	CHECK(wa && wa2 && wa3 && wb);
	if (wa && wa2 && wa3 && wb) {
		/* same seed, same numbers; another seed, others */
		int same = 1, diff = 0;
		for (int l = 0; l < a->n_layers; l++) {
			const wts_layer *p = &wa->layer[l], *q = &wa2->layer[l], *r = &wa3->layer[l];
			if (p->n_w && memcmp(p->w, q->w, p->n_w * sizeof(float)))
				same = 0;
			if (p->n_w && memcmp(p->w, r->w, p->n_w * sizeof(float)))
				diff++;
		}
		CHECK(same);
		CHECK(diff > 0);
		/* layer 0 (the 7x7 stem) of both resnets: its stream depends only on
		 * the seed and the layer index, not on the rest of the model */
		CHECK(wa->layer[0].n_w == wb->layer[0].n_w && wa->layer[0].n_w == 64 * 3 * 49);
		CHECK(memcmp(wa->layer[0].w, wb->layer[0].w, wa->layer[0].n_w * sizeof(float)) == 0);
		CHECK(memcmp(wa->layer[0].bn_var, wb->layer[0].bn_var, 64 * sizeof(float)) == 0);
		/* the declared ranges */
		double sum2 = 0, bound = sqrt(6.0 / 147);
		for (size_t i = 0; i < wa->layer[0].n_w; i++) {
			CHECK(fabs(wa->layer[0].w[i]) <= bound);
			sum2 += (double)wa->layer[0].w[i] * wa->layer[0].w[i];
		}
		CHECK_NEAR(sum2 / (double)wa->layer[0].n_w, 2.0 / 147, 0.1 * 2.0 / 147);
		for (int c = 0; c < 64; c++) {
			CHECK(wa->layer[0].bn_var[c] >= 0.5f && wa->layer[0].bn_var[c] <= 1.5f);
			CHECK(wa->layer[0].bn_gamma[c] >= 0.75f && wa->layer[0].bn_gamma[c] <= 1.15f);
		}
	}
	/* resnet50's residual branches end in a small-gamma batch norm; the
	 * shortcut projection (it reads the block input) keeps the usual range */
	int n_end = 0, n_short = 0;
	for (int l = 0; wb && l < b->n_layers; l++) {
		const zoo_layer *L = &b->layers[l];
		if (L->kind != ZOO_ADD)
			continue;
		for (int i = 0; i < L->n_in; i++) {
			int c = L->in[i];
			if (c == ZOO_OP_INPUT || b->layers[c].kind != ZOO_CONV)
				continue;
			int shortcut = b->layers[c].in[0] == ZOO_OP_INPUT;
			float lo = shortcut ? 0.75f : 0.2f, hi = shortcut ? 1.15f : 0.4f;
			for (int k = 0; k < b->layers[c].cout; k++)
				CHECK(wb->layer[c].bn_gamma[k] >= lo && wb->layer[c].bn_gamma[k] <= hi);
			n_end += !shortcut;
			n_short += shortcut;
		}
	}
	CHECK(n_end == 16 && n_short == 4);

	float in1[64], in2[64];
	wts_input(a, 3, in1, 64);
	wts_input(a, 3, in2, 64);
	CHECK(memcmp(in1, in2, sizeof in1) == 0);
	for (int i = 0; i < 64; i++)
		CHECK(in1[i] >= -1 && in1[i] <= 1);
	wts_free(wa);
	wts_free(wa2);
	wts_free(wa3);
	wts_free(wb);
	zoo_model_free(a);
	zoo_model_free(b);
}

static double now_s(void)
{
	return (double)clk_ns() * 1e-9;
}

static size_t op_out_count(const zoo_model *m, int op, int batch, int seq)
{
	zoo_dims d = zoo_layer_dims(m, m->ops[op].first + m->ops[op].count - 1, seq);
	return (size_t)batch * (size_t)zoo_dims_count(&d, seq);
}

/* Whole model at batch 1: finite, order-one output; [0,k) + [k,n) == [0,n). */
static void test_model(const char *name, int seq)
{
	char err[256] = "";
	zoo_model *m = zoo_model_new(name, err, sizeof err);
	CHECK(m != NULL);
	if (!m) {
		fprintf(stderr, "%s: %s\n", name, err);
		return;
	}
	const int batch = 1, n = m->n_ops, k = n / 2;
	wts *w = wts_new(m, 1, err, sizeof err);
	CHECK(w != NULL);
	zoo_dims id = zoo_op_in_dims(m, 0, seq);
	size_t n_in = (size_t)batch * (size_t)zoo_dims_count(&id, seq);
	void *in = malloc(n_in * 4);
	size_t n_out = op_out_count(m, n - 1, batch, seq), n_mid = op_out_count(m, k - 1, batch, seq);
	float *out = malloc(n_out * sizeof(float)), *out2 = malloc(n_out * sizeof(float));
	float *mid = malloc(n_mid * sizeof(float));
	CHECK(in && out && out2 && mid);
	if (w && in && out && out2 && mid) {
		wts_input(m, 1, in, n_in);
		double t0 = now_s();
		int rc = ref_run(m, w, 0, n, batch, seq, in, out, err, sizeof err);
		double t1 = now_s();
		CHECK_OK(rc, err);
		double mn = INFINITY, mx = -INFINITY, ss = 0;
		int finite = 1;
		for (size_t i = 0; i < n_out; i++) {
			if (!isfinite(out[i]))
				finite = 0;
			mn = fmin(mn, out[i]);
			mx = fmax(mx, out[i]);
			ss += (double)out[i] * out[i];
		}
		double rms = sqrt(ss / (double)n_out);
		printf("%-13s seq %3d: %2d ops, %6zu outputs, min %9.4f max %9.4f rms %8.4f, %6.2f "
		       "s\n",
		       name, seq, n, n_out, mn, mx, rms, t1 - t0);
		CHECK(finite);
		CHECK(rms > 0.05 && rms < 20);
		CHECK(mx - mn > 1e-3); /* not collapsed to a constant */

		CHECK_OK(ref_run(m, w, 0, k, batch, seq, in, mid, err, sizeof err), err);
		CHECK_OK(ref_run(m, w, k, n, batch, seq, mid, out2, err, sizeof err), err);
		CHECK(memcmp(out, out2, n_out * sizeof(float)) == 0);
		CHECK_NEAR(ref_rel_err(out2, out, n_out), 0, 0);
	}
	free(in);
	free(out);
	free(out2);
	free(mid);
	wts_free(w);
	zoo_model_free(m);
}

/* The same bits whatever ABACUS_REF_THREADS says (ref.c spreads conv
 * planes and fc column blocks over threads): mobilenet_v2 at batch 3
 * (plain, grouped and 1x1 convs, its fc) and bert at seq 16, batch 2, on
 * 1 thread, 5 and whatever the environment says (the machine's cores
 * when unset); the times are printed, not checked. */
static void test_threads(const char *name, int batch, int seq)
{
	char err[256] = "";
	zoo_model *m = zoo_model_new(name, err, sizeof err);
	wts *w = m ? wts_new(m, 3, err, sizeof err) : NULL;
	CHECK(m && w);
	if (!m || !w) {
		wts_free(w);
		zoo_model_free(m);
		return;
	}
	const int n = m->n_ops;
	zoo_dims id = zoo_op_in_dims(m, 0, seq);
	size_t n_in = (size_t)batch * (size_t)zoo_dims_count(&id, seq);
	size_t n_out = op_out_count(m, n - 1, batch, seq);
	void *in = malloc(n_in * 4);
	float *out[3] = {malloc(n_out * sizeof(float)), malloc(n_out * sizeof(float)),
	                 malloc(n_out * sizeof(float))};
	CHECK(in && out[0] && out[1] && out[2]);
	static const char *const threads[] = {"1", "5", NULL};
	const char *was = getenv("ABACUS_REF_THREADS");
	char *saved = was ? strdup(was) : NULL; /* put back after */
	if (in && out[0] && out[1] && out[2]) {
		wts_input(m, 3, in, n_in);
		double t[3];
		for (int k = 0; k < 3; k++) {
			if (threads[k])
				setenv("ABACUS_REF_THREADS", threads[k], 1);
			else
				unsetenv("ABACUS_REF_THREADS");
			double t0 = now_s();
			CHECK_OK(ref_run(m, w, 0, n, batch, seq, in, out[k], err, sizeof err), err);
			t[k] = now_s() - t0;
		}
		printf(
		    "%-13s batch %d seq %2d: 1 thread %.2f s, 5 threads %.2f s, default %.2f s\n",
		    name, batch, seq, t[0], t[1], t[2]);
		CHECK(memcmp(out[0], out[1], n_out * sizeof(float)) == 0);
		CHECK(memcmp(out[0], out[2], n_out * sizeof(float)) == 0);
	}
	if (saved)
		setenv("ABACUS_REF_THREADS", saved, 1);
	else
		unsetenv("ABACUS_REF_THREADS");
	free(saved);
	free(in);
	for (int k = 0; k < 3; k++)
		free(out[k]);
	wts_free(w);
	zoo_model_free(m);
}

/* Every cut at once: ops run one at a time, each continuing from the last,
 * give the same bits as one run of [0, n), and every op boundary holds
 * order-one activations. */
static void test_model_chain(const char *name, int seq)
{
	char err[256] = "";
	zoo_model *m = zoo_model_new(name, err, sizeof err);
	CHECK(m != NULL);
	if (!m)
		return;
	wts *w = wts_new(m, 2, err, sizeof err);
	const int n = m->n_ops;
	zoo_dims id = zoo_op_in_dims(m, 0, seq);
	size_t n_in = (size_t)zoo_dims_count(&id, seq), n_out = op_out_count(m, n - 1, 1, seq);
	void *in = malloc(n_in * 4);
	float *whole = malloc(n_out * sizeof(float));
	CHECK(w && in && whole);
	if (w && in && whole) {
		wts_input(m, 2, in, n_in);
		CHECK_OK(ref_run(m, w, 0, n, 1, seq, in, whole, err, sizeof err), err);
		float *cur = NULL;
		for (int op = 0; op < n; op++) {
			size_t k = op_out_count(m, op, 1, seq);
			float *next = malloc(k * sizeof(float));
			CHECK(next != NULL);
			if (!next)
				break;
			CHECK_OK(ref_run(m, w, op, op + 1, 1, seq, op ? (const void *)cur : in, next, err,
			                 sizeof err),
			         err);
			double ss = 0;
			for (size_t i = 0; i < k; i++)
				ss += (double)next[i] * next[i];
			double rms = sqrt(ss / (double)k);
			if (!(rms > 0.05 && rms < 20))
				fprintf(stderr, "%s op %d (%s): rms %g\n", name, op, m->ops[op].name, rms);
			CHECK(rms > 0.05 && rms < 20);
			free(cur);
			cur = next;
		}
		CHECK(cur && memcmp(cur, whole, n_out * sizeof(float)) == 0);
		free(cur);
	}
	free(in);
	free(whole);
	wts_free(w);
	zoo_model_free(m);
}

int main(void)
{
	test_conv_plain();
	test_conv_groups();
	test_conv_bn();
	test_pool();
	test_add_concat();
	test_fc();
	test_act();
	test_softmax_layernorm();
	test_attention();
	test_embed_take_first();
	test_rel_err();
	test_wts_seeded();

	test_model_chain("mobilenet_v2", 0);
	test_model_chain("bert", 16);
	test_threads("mobilenet_v2", 3, 0);
	test_threads("bert", 2, 16);

	const char *quick = getenv("ABACUS_REF_QUICK");
	const int full = !(quick && quick[0] == '1');
	const char *const *names = zoo_names();
	for (int i = 0; names[i]; i++) {
		int is_bert = strcmp(names[i], "bert") == 0;
		if (!full && strcmp(names[i], "resnet50") && !is_bert)
			continue;
		test_model(names[i], is_bert ? 16 : 0);
		if (is_bert)
			test_model(names[i], 64);
	}

	if (failures) {
		fprintf(stderr, "test_ref: %d failure(s)\n", failures);
		return 1;
	}
	printf("test_ref: ok\n");
	return 0;
}
