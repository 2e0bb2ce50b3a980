/* test_zoo.c: the model zoo against published figures and its own rules.
 *
 * Expected MAC counts are the exact sums of the conv and fc layers of each
 * network at batch 1 (224x224, inception 299x299), worked out per layer
 * from the torchvision definitions; the published rounded figures (GMACs,
 * millions of parameters) are checked with the stated tolerances as well.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zoo.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,        \
			        __LINE__, #a, #b, a_, b_);                                         \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* |a - b| <= rel * |b| */
#define CHECK_NEAR(a, b, rel)                                                                      \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (rel)*fabs(b_))) {                                          \
			fprintf(stderr, "%s:%d: %s ~ %s failed: %.6g vs %.6g (rel %.3g)\n",        \
			        __FILE__, __LINE__, #a, #b, a_, b_, (double)(rel));                \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_DIMS(dims, a, b, c)                                                                  \
	do {                                                                                       \
		zoo_dims d_ = (dims);                                                              \
		if (d_.d[0] != (a) || d_.d[1] != (b) || d_.d[2] != (c)) {                          \
			fprintf(stderr, "%s:%d: %s is %dx%dx%d, expected %dx%dx%d\n", __FILE__,    \
			        __LINE__, #dims, d_.d[0], d_.d[1], d_.d[2], (a), (b), (c));        \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

typedef struct expect {
	const char *name;
	int n_ops;
	long long params;   /* exact */
	long long macs;     /* exact conv + fc multiply-adds at batch 1 */
	double pub_gmacs;   /* published, rounded */
	double pub_mparams; /* published, rounded */
	zoo_dims out;       /* final output per sample */
} expect;

static const expect expects[] = {
    {"resnet18", 10, 11689512, 1814073344LL, 1.82, 11.69, {{1000, 1, 1}}},
    {"resnet50", 18, 25557032, 4089184256LL, 4.09, 25.56, {{1000, 1, 1}}},
    {"resnet101", 35, 44549160, 7801405440LL, 7.80, 44.55, {{1000, 1, 1}}},
    {"resnet152", 52, 60192808, 11513626624LL, 11.53, 60.19, {{1000, 1, 1}}},
    {"vgg16", 19, 138357544, 15470264320LL, 15.47, 138.36, {{1000, 1, 1}}},
    {"vgg19", 22, 143667240, 19632062464LL, 19.63, 143.67, {{1000, 1, 1}}},
    /* torchvision's 27,161,264 less the aux head's 3,326,696 */
    {"inception_v3", 14, 23834568, 5713216096LL, 5.71, 23.83, {{1000, 1, 1}}},
    {"mobilenet_v2", 19, 3504872, 300774272LL, 0.30, 3.50, {{1000, 1, 1}}},
    /* 12 x 7,087,872 + embeddings 23,837,184 + pooler 590,592 */
    {"bert", 12, 109482240, -1, -1, 109.48, {{1, 768, 1}}},
};

static zoo_model *load(const char *name)
{
	char err[256];
	zoo_model *m = zoo_model_new(name, err, sizeof(err));
	if (!m)
		fprintf(stderr, "zoo_model_new(%s): %s\n", name, err);
	return m;
}

/* Re-derives each layer's output from its inputs with the textbook rules,
 * independently of the zoo's own shape code. */
static void check_shapes(const zoo_model *m, int seq)
{
	for (int o = 0; o < m->n_ops; o++) {
		const zoo_op *op = &m->ops[o];
		zoo_dims op_in = zoo_op_in_dims(m, o, seq);
		if (o > 0) {
			zoo_dims prev = zoo_layer_dims(m, op->first - 1, seq);
			CHECK(memcmp(&prev, &op_in, sizeof(prev)) == 0);
		}
		for (int l = op->first; l < op->first + op->count; l++) {
			const zoo_layer *L = &m->layers[l];
			zoo_dims in[ZOO_MAX_IN];
			zoo_dims out = zoo_layer_dims(m, l, seq);
			for (int i = 0; i < L->n_in; i++) {
				in[i] = zoo_input_dims(m, l, i, seq);
				if (L->in[i] == ZOO_OP_INPUT)
					CHECK(memcmp(&in[i], &op_in, sizeof(op_in)) == 0);
				else
					CHECK(L->in[i] >= op->first && L->in[i] < l);
			}
			switch (L->kind) {
			case ZOO_CONV:
				CHECK_EQ(in[0].d[0], L->cin);
				CHECK_DIMS(out, L->cout,
				           (in[0].d[1] + 2 * L->ph - L->kh) / L->sh + 1,
				           (in[0].d[2] + 2 * L->pw - L->kw) / L->sw + 1);
				break;
			case ZOO_POOL_MAX:
			case ZOO_POOL_AVG:
				CHECK_DIMS(out, in[0].d[0],
				           (in[0].d[1] + 2 * L->ph - L->kh) / L->sh + 1,
				           (in[0].d[2] + 2 * L->pw - L->kw) / L->sw + 1);
				break;
			case ZOO_ADD:
				CHECK(memcmp(&in[0], &in[1], sizeof(in[0])) == 0);
				CHECK(memcmp(&in[0], &out, sizeof(out)) == 0);
				break;
			case ZOO_CONCAT: {
				int c = 0;
				for (int i = 0; i < L->n_in; i++) {
					CHECK_EQ(in[i].d[1], out.d[1]);
					CHECK_EQ(in[i].d[2], out.d[2]);
					c += in[i].d[0];
				}
				CHECK_EQ(c, out.d[0]);
				break;
			}
			case ZOO_FC:
				if (m->has_seq)
					CHECK_DIMS(out, in[0].d[0], L->cout, 1);
				else
					CHECK_DIMS(out, L->cout, 1, 1);
				CHECK_EQ(zoo_dims_count(&in[0], seq) /
				             (m->has_seq ? in[0].d[0] : 1),
				         L->cin);
				break;
			case ZOO_EMBED:
				CHECK_DIMS(in[0], seq, 1, 1);
				CHECK_DIMS(out, seq, L->cout, 1);
				break;
			case ZOO_LAYERNORM:
				for (int i = 0; i < L->n_in; i++)
					CHECK_DIMS(in[i], seq, L->cout, 1);
				CHECK_DIMS(out, seq, L->cout, 1);
				break;
			case ZOO_ATTN_SCORES:
				CHECK_DIMS(in[0], seq, 3 * L->cout, 1);
				CHECK_DIMS(out, L->heads, seq, seq);
				break;
			case ZOO_SOFTMAX:
				CHECK(memcmp(&in[0], &out, sizeof(out)) == 0);
				break;
			case ZOO_ATTN_CONTEXT:
				CHECK_DIMS(in[0], L->heads, seq, seq);
				CHECK_DIMS(in[1], seq, 3 * L->cout, 1);
				CHECK_DIMS(out, seq, L->cout, 1);
				break;
			case ZOO_TAKE_FIRST:
				CHECK_DIMS(out, 1, in[0].d[1], 1);
				break;
			case ZOO_KIND_COUNT:
				CHECK(0);
				break;
			}
		}
	}
}

static void check_model(const expect *e)
{
	char err[256];
	zoo_model *m = load(e->name);
	CHECK(m != NULL);
	if (!m)
		return;
	int seq = m->has_seq ? 128 : 0;
	CHECK(strcmp(m->name, e->name) == 0);
	CHECK_EQ(zoo_model_check(m, err, sizeof(err)), 0);
	CHECK_EQ(m->n_ops, e->n_ops);
	CHECK_EQ(m->ops[m->n_ops - 1].first + m->ops[m->n_ops - 1].count, m->n_layers);
	zoo_dims out = zoo_layer_dims(m, m->n_layers - 1, seq);
	CHECK_DIMS(out, e->out.d[0], e->out.d[1], e->out.d[2]);
	check_shapes(m, seq);

	zoo_cost total, c1, c4, sum;
	zoo_model_cost(m, 1, seq, &total);
	CHECK_EQ(llround(total.params), e->params);
	CHECK_NEAR(total.params / 1e6, e->pub_mparams, 0.005);

	/* ops sum to the model; batch 4 is four times batch 1 */
	memset(&sum, 0, sizeof(sum));
	double linear_macs = 0;
	for (int o = 0; o < m->n_ops; o++) {
		zoo_op_cost(m, o, 1, seq, &c1);
		zoo_op_cost(m, o, 4, seq, &c4);
		sum.flops += c1.flops;
		sum.bytes += c1.bytes;
		sum.params += c1.params;
		sum.weight_bytes += c1.weight_bytes;
		CHECK(c1.flops > 0 || m->ops[o].count == 1);
		CHECK_NEAR(c4.flops, 4 * c1.flops, 1e-12);
		CHECK_EQ(llround(c4.params), llround(c1.params));
		CHECK_NEAR(c4.out_bytes, 4 * c1.out_bytes, 1e-12);
		CHECK(c4.bytes > c1.bytes);
	}
	CHECK_NEAR(sum.flops, total.flops, 1e-12);
	CHECK_NEAR(sum.bytes, total.bytes, 1e-12);
	CHECK_NEAR(sum.params, total.params, 1e-12);
	CHECK_NEAR(sum.weight_bytes, total.weight_bytes, 1e-12);
	zoo_model_cost(m, 4, seq, &c4);
	CHECK_NEAR(c4.flops, 4 * total.flops, 1e-12);

	for (int l = 0; l < m->n_layers; l++) {
		const zoo_layer *L = &m->layers[l];
		zoo_cost c;
		zoo_layer_cost(m, l, 1, seq, &c);
		if (L->kind == ZOO_CONV ||
		    (L->kind == ZOO_FC && L->act != ZOO_ACT_GELU && L->act != ZOO_ACT_TANH))
			linear_macs += c.flops / 2;
		CHECK(c.bytes >= c.out_bytes + c.weight_bytes ||
		      L->kind == ZOO_EMBED); /* embed reads only the rows it needs */
		CHECK(strlen(L->name) > 0);
	}
	if (e->macs > 0) {
		CHECK_EQ(llround(linear_macs), e->macs);
		CHECK_NEAR(total.flops / 2e9, e->pub_gmacs, 0.02);
	}
	zoo_model_free(m);
}

static int has_layer(const zoo_model *m, const char *name)
{
	for (int l = 0; l < m->n_layers; l++)
		if (strcmp(m->layers[l].name, name) == 0)
			return 1;
	return 0;
}

static int find_layer(const zoo_model *m, const char *name)
{
	for (int l = 0; l < m->n_layers; l++)
		if (strcmp(m->layers[l].name, name) == 0)
			return l;
	return -1;
}

static void check_resnet50(void)
{
	zoo_model *m = load("resnet50");
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(strcmp(m->ops[0].name, "stem") == 0);
	CHECK(strcmp(m->ops[5].name, "layer2.1") == 0);
	CHECK(strcmp(m->ops[17].name, "head") == 0);
	CHECK(has_layer(m, "layer2.0.conv1"));
	CHECK(has_layer(m, "layer3.0.downsample"));
	CHECK(!has_layer(m, "layer3.1.downsample"));
	CHECK_DIMS(zoo_op_in_dims(m, 1, 0), 64, 56, 56);
	CHECK_DIMS(zoo_op_in_dims(m, 4, 0), 256, 56, 56);
	CHECK_DIMS(zoo_op_in_dims(m, 8, 0), 512, 28, 28);
	CHECK_DIMS(zoo_op_in_dims(m, 14, 0), 1024, 14, 14);
	CHECK_DIMS(zoo_op_in_dims(m, 17, 0), 2048, 7, 7);

	/* v1.5: the stride sits on the 3x3 conv */
	int c1 = find_layer(m, "layer2.0.conv1"), c2 = find_layer(m, "layer2.0.conv2");
	CHECK(c1 >= 0 && c2 >= 0);
	if (c1 >= 0 && c2 >= 0) {
		CHECK_EQ(m->layers[c1].sh, 1);
		CHECK_EQ(m->layers[c2].sh, 2);
		CHECK_DIMS(zoo_layer_dims(m, c1, 0), 128, 28 * 2, 28 * 2);
		CHECK_DIMS(zoo_layer_dims(m, c2, 0), 128, 28, 28);
	}

	/* the stem conv: 2 * 112*112*64*3*7*7 FLOPs, 64*147 weights + 2*64 bn */
	zoo_cost c;
	zoo_layer_cost(m, 0, 1, 0, &c);
	CHECK(m->layers[0].kind == ZOO_CONV && m->layers[0].bn && !m->layers[0].bias);
	CHECK_EQ(llround(c.flops), 236027904LL);
	CHECK_EQ(llround(c.params), 9536);
	CHECK_EQ(llround(c.weight_bytes), 4 * (9408 + 64));
	CHECK_EQ(llround(c.out_bytes), 4LL * 64 * 112 * 112);
	CHECK_EQ(llround(c.bytes), 4LL * (3 * 224 * 224 + 9408 + 64 + 64 * 112 * 112));
	zoo_layer_cost(m, 0, 8, 0, &c);
	CHECK_EQ(llround(c.flops), 8 * 236027904LL);

	/* every residual sum applies the relu, and the largest tensor is conv1's */
	for (int l = 0; l < m->n_layers; l++)
		if (m->layers[l].kind == ZOO_ADD)
			CHECK(m->layers[l].act == ZOO_ACT_RELU);
	CHECK_EQ(zoo_max_activation(m, 0), 64 * 112 * 112);

	/* the head: 2048 -> 1000 fc over a global pool */
	int fc = m->n_layers - 1;
	zoo_layer_cost(m, fc, 2, 0, &c);
	CHECK_EQ(llround(c.flops), 2LL * 2 * 2048 * 1000);
	CHECK_EQ(llround(c.params), 2048 * 1000 + 1000);
	CHECK_EQ(m->layers[fc - 1].kind, ZOO_POOL_AVG);
	CHECK_EQ(m->layers[fc - 1].kh, 7);
	zoo_model_free(m);
}

static void check_bert(void)
{
	zoo_model *m = load("bert");
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(m->has_seq);
	CHECK_EQ(m->seq_min, 8);
	CHECK_EQ(m->seq_max, 512);
	CHECK_DIMS(m->input, ZOO_SEQ, 1, 1);
	CHECK_DIMS(zoo_op_in_dims(m, 0, 64), 64, 1, 1);
	CHECK_DIMS(zoo_op_in_dims(m, 5, 64), 64, 768, 1);
	CHECK_DIMS(zoo_layer_dims(m, m->n_layers - 1, 64), 1, 768, 1);
	CHECK(strcmp(m->ops[3].name, "encoder.3") == 0);
	CHECK(has_layer(m, "encoder.3.attn.qkv"));
	CHECK(has_layer(m, "pooler.dense"));
	CHECK_EQ(m->layers[0].kind, ZOO_EMBED);
	CHECK_EQ(m->layers[1].kind, ZOO_LAYERNORM);
	CHECK_EQ(m->layers[1].n_in, 1);
	CHECK_EQ(m->layers[m->n_layers - 2].kind, ZOO_TAKE_FIRST);
	CHECK_EQ(m->layers[m->n_layers - 1].act, ZOO_ACT_TANH);
	CHECK_EQ(m->n_layers, 2 + 12 * 9 + 2);
	check_shapes(m, 8);
	check_shapes(m, 512);

	/* published per-part parameters */
	zoo_cost c;
	for (int o = 1; o < 11; o++) {
		zoo_op_cost(m, o, 1, 128, &c);
		CHECK_EQ(llround(c.params), 7087872);
	}
	zoo_op_cost(m, 0, 1, 128, &c);
	CHECK_EQ(llround(c.params), 7087872 + 23837184);
	zoo_op_cost(m, 11, 1, 128, &c);
	CHECK_EQ(llround(c.params), 7087872 + 590592);

	/* attention grows with S^2, the fcs with S */
	int qkv = find_layer(m, "encoder.3.attn.qkv");
	int sc = find_layer(m, "encoder.3.attn.scores");
	int cx = find_layer(m, "encoder.3.attn.context");
	int sm = find_layer(m, "encoder.3.attn.softmax");
	CHECK(qkv >= 0 && sc == qkv + 1 && sm == sc + 1 && cx == sm + 1);
	if (sc >= 0 && cx >= 0) {
		zoo_cost a, b;
		zoo_layer_cost(m, sc, 2, 128, &a);
		zoo_layer_cost(m, sc, 2, 256, &b);
		CHECK_EQ(llround(a.flops), 2LL * 2 * 12 * 128 * 128 * 64);
		CHECK_NEAR(b.flops, 4 * a.flops, 1e-12);
		zoo_layer_cost(m, cx, 2, 128, &b);
		CHECK_EQ(llround(b.flops), llround(a.flops));
		CHECK_DIMS(zoo_layer_dims(m, sc, 100), 12, 100, 100);
		zoo_layer_cost(m, sm, 1, 128, &a);
		CHECK_EQ(llround(a.out_bytes), 4LL * 12 * 128 * 128);
		zoo_layer_cost(m, qkv, 3, 128, &a);
		zoo_layer_cost(m, qkv, 3, 256, &b);
		CHECK_EQ(llround(a.flops), 2LL * 3 * 128 * 768 * 2304);
		CHECK_NEAR(b.flops, 2 * a.flops, 1e-12);
		CHECK_EQ(llround(a.params), 768 * 2304 + 2304);
	}
	zoo_cost s64, s128;
	zoo_model_cost(m, 1, 64, &s64);
	zoo_model_cost(m, 1, 128, &s128);
	CHECK(s128.flops > 2 * s64.flops); /* superlinear in S */
	CHECK(s128.flops < 2.2 * s64.flops);

	/* the embedding reads only the rows it looks up */
	zoo_layer_cost(m, 0, 2, 16, &c);
	CHECK_EQ(llround(c.params), (30522LL + 512 + 2) * 768);
	CHECK_EQ(llround(c.bytes), 4LL * (2 * 16 + (2 * 16 + 16 + 1) * 768 + 2 * 16 * 768));

	/* ffn.up holds the largest tensor below S = 256; above it the scores do */
	CHECK_EQ(zoo_max_activation(m, 128), 128 * 3072);
	CHECK_EQ(zoo_max_activation(m, 512), 12 * 512 * 512);
	zoo_model_free(m);
}

static void check_inception(void)
{
	zoo_model *m = load("inception_v3");
	CHECK(m != NULL);
	if (!m)
		return;
	static const char *const names[14] = {
	    "stem1",    "stem2",    "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b",
	    "Mixed_6c", "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c", "head"};
	for (int o = 0; o < 14 && o < m->n_ops; o++)
		CHECK(strcmp(m->ops[o].name, names[o]) == 0);
	CHECK_DIMS(zoo_op_in_dims(m, 1, 0), 64, 73, 73);
	CHECK_DIMS(zoo_op_in_dims(m, 2, 0), 192, 35, 35);
	CHECK_DIMS(zoo_op_in_dims(m, 3, 0), 256, 35, 35);
	CHECK_DIMS(zoo_op_in_dims(m, 5, 0), 288, 35, 35);
	CHECK_DIMS(zoo_op_in_dims(m, 6, 0), 768, 17, 17);
	CHECK_DIMS(zoo_op_in_dims(m, 11, 0), 1280, 8, 8);
	CHECK_DIMS(zoo_op_in_dims(m, 13, 0), 2048, 8, 8);
	int l = find_layer(m, "Mixed_6b.branch7x7_2");
	CHECK(l >= 0);
	if (l >= 0) {
		CHECK_EQ(m->layers[l].kh, 1);
		CHECK_EQ(m->layers[l].kw, 7);
		CHECK_EQ(m->layers[l].pw, 3);
		CHECK(fabsf(m->layers[l].eps - 1e-3f) < 1e-9f);
	}
	/* InceptionE: 320 | 384 + 384 | 384 + 384 | 192, in torchvision's order */
	int cat = find_layer(m, "Mixed_7b.concat");
	CHECK(cat >= 0);
	if (cat >= 0) {
		static const int want[4] = {320, 768, 768, 192};
		CHECK_EQ(m->layers[cat].n_in, 4);
		for (int i = 0; i < 4; i++)
			CHECK_EQ(zoo_input_dims(m, cat, i, 0).d[0], want[i]);
		CHECK(m->layers[m->layers[cat].in[1]].kind == ZOO_CONCAT);
	}
	zoo_model_free(m);
}

static void check_small_models(void)
{
	zoo_model *m = load("mobilenet_v2");
	CHECK(m != NULL);
	if (m) {
		int dw = find_layer(m, "features.2.dw");
		CHECK(dw >= 0);
		if (dw >= 0) {
			CHECK_EQ(m->layers[dw].groups, 96);
			CHECK_EQ(m->layers[dw].cin, 96);
			CHECK_DIMS(zoo_layer_dims(m, dw, 0), 96, 56, 56);
		}
		CHECK(!has_layer(m, "features.1.expand"));
		CHECK(!has_layer(m, "features.2.add"));
		CHECK(has_layer(m, "features.3.add"));
		int adds = 0;
		for (int l = 0; l < m->n_layers; l++)
			adds += m->layers[l].kind == ZOO_ADD;
		CHECK_EQ(adds, 10);
		CHECK_DIMS(zoo_op_in_dims(m, 18, 0), 320, 7, 7);
		zoo_model_free(m);
	}
	m = load("vgg16");
	CHECK(m != NULL);
	if (m) {
		int pools = 0;
		for (int o = 0; o < m->n_ops; o++)
			pools += m->layers[m->ops[o].first].kind == ZOO_POOL_MAX;
		CHECK_EQ(pools, 5);
		CHECK_EQ(m->ops[18].count, 3);
		CHECK(strcmp(m->ops[2].name, "features.4") == 0);
		CHECK_DIMS(zoo_op_in_dims(m, 18, 0), 512, 7, 7);
		CHECK_EQ(m->layers[m->ops[18].first].cin, 25088);
		CHECK(m->layers[0].bias && !m->layers[0].bn);
		zoo_model_free(m);
	}
}

/* zoo_model_check notices broken invariants. */
static void check_faults(void)
{
	char err[256];
	zoo_model *m = load("resnet18");
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_EQ(zoo_model_check(m, err, sizeof(err)), 0);

	m->ops[3].count--; /* a gap between ops 3 and 4 */
	err[0] = '\0';
	CHECK(zoo_model_check(m, err, sizeof(err)) != 0);
	CHECK(strstr(err, "op 4") != NULL);
	m->ops[3].count++;

	/* a layer reading across an op boundary */
	int l = m->ops[5].first + 1;
	int saved = m->layers[l].in[0];
	m->layers[l].in[0] = m->ops[4].first;
	err[0] = '\0';
	CHECK(zoo_model_check(m, err, sizeof(err)) != 0);
	CHECK(strstr(err, "outside op") != NULL);
	m->layers[l].in[0] = saved;

	/* a shape that does not follow from its input */
	m->layers[l].out.d[1]++;
	err[0] = '\0';
	CHECK(zoo_model_check(m, err, sizeof(err)) != 0);
	CHECK(strstr(err, m->layers[l].name) != NULL);
	m->layers[l].out.d[1]--;
	CHECK_EQ(zoo_model_check(m, err, sizeof(err)), 0);
	zoo_model_free(m);

	zoo_model_free(NULL);
	err[0] = '\0';
	CHECK(zoo_model_new("nope", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "nope") != NULL);
	for (const char *const *n = zoo_names(); *n; n++)
		CHECK(strstr(err, *n) != NULL);
	CHECK(zoo_model_new(NULL, err, sizeof(err)) == NULL);
}

static void check_misc(void)
{
	zoo_dims d = {{ZOO_SEQ, 768, 1}};
	CHECK_EQ(zoo_dim(ZOO_SEQ, 77), 77);
	CHECK_EQ(zoo_dim(5, 77), 5);
	CHECK_EQ(zoo_dims_count(&d, 10), 7680);
	int n = 0;
	for (const char *const *p = zoo_names(); *p; p++)
		n++;
	CHECK_EQ(n, (int)(sizeof(expects) / sizeof(expects[0])));
	char buf[256];
	zoo_names_join(buf, sizeof(buf));
	CHECK(strncmp(buf, "resnet18, resnet50, ", 20) == 0);
	CHECK(strcmp(zoo_kind_name(ZOO_ATTN_SCORES), "attn_scores") == 0);
	CHECK(strcmp(zoo_act_name(ZOO_ACT_GELU), "gelu") == 0);

	/* the printed tables name every op and the totals */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CHECK(f != NULL);
	if (!f)
		return;
	zoo_model *m = load("resnet50");
	if (m) {
		zoo_print(f, m, 1, 0, 1);
		zoo_model_free(m);
	}
	zoo_print_summary(f, 1, 128);
	CHECK(fclose(f) == 0);
	CHECK(text && strstr(text, "layer4.2") && strstr(text, "layer4.2.conv3"));
	CHECK(text && strstr(text, "total") && strstr(text, "8.18"));
	CHECK(text && strstr(text, "inception_v3") && strstr(text, "109.482"));
	free(text);
}

/* zoo_set builds each model once and names an unknown one */
static void check_set(void)
{
	zoo_set s = {{NULL}, 0};
	char err[256] = "";
	const zoo_model *a = zoo_set_get(&s, "resnet50", err, sizeof err);
	const zoo_model *b = zoo_set_get(&s, "bert", err, sizeof err);
	CHECK(a && b && strcmp(a->name, "resnet50") == 0 && a->n_ops == 18);
	CHECK(zoo_set_get(&s, "resnet50", err, sizeof err) == a);
	CHECK_EQ(s.n, 2);
	CHECK(zoo_set_get(&s, "alexnet", err, sizeof err) == NULL);
	CHECK(strstr(err, "alexnet") != NULL && strstr(err, "resnet50") != NULL);
	CHECK_EQ(s.n, 2);
	zoo_set_free(&s);
	CHECK_EQ(s.n, 0);
}

int main(void)
{
	check_set();
	for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++)
		check_model(&expects[i]);
	check_resnet50();
	check_bert();
	check_inception();
	check_small_models();
	check_faults();
	check_misc();
	if (failures) {
		fprintf(stderr, "test_zoo: %d checks failed\n", failures);
		return 1;
	}
	printf("test_zoo: all checks passed\n");
	return 0;
}
