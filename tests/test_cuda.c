/* test_cuda.c: the CUDA device against the CPU reference.
 *
 *  1. every layer kind (each distinct kind / activation / grouping / input
 *     count found in the zoo, taking the cheapest such layer) on random
 *     inputs, vs ref_layer: rel err <= 1e-4 with TF32 off, <= 1e-2 on and
 *     in fp16 (whose 11-bit significand is TF32's);
 *  2. whole models, resnet50 batch 1 and bert seq 64 at batch 1 and 4, vs
 *     ref_run: <= 1e-3 TF32 off, <= 2e-2 on and in fp16;
 *  3. segments: [0,k) then [k,n) gives the same bits as [0,n), eagerly and
 *     from CUDA graphs, and graphs agree with eager launches;
 *  4. the device interface: a two-service group, end times on the device
 *     clock, continuity checks, and refusal of services that do not fit;
 *  5. the fused attention kernel (cuda_k_attention) on random QKV against
 *     ref_layer's scores, softmax and context, fp32: rel err <= 1e-4; the
 *     register-tiled one (cuda_exec_cfg.attn_rt) too, and in fp16 and
 *     bf16 (<= 1e-2); bert whole with it at batch 4 seq 64 as in 2, and
 *     its segments as in 3; the tensor-core one (cuda_exec_cfg.attn_tc)
 *     in fp32 storage with TF32 products, fp16 and bf16 (<= 1e-2), at
 *     seqs not a multiple of its 16-row tiles and past 85, batch 1 to 32,
 *     dh 32 to 128, bert whole and its segments with it;
 *  6. merged batches of odd sizes (3, 5, 13): each query's outputs from the
 *     merged batch against the query run alone, <= 1e-3 TF32 off and
 *     <= 2e-2 on (the whole-model bounds: the two sizes may pick other
 *     kernels); and a device whose services ask for every batch size
 *     (dev_service.every_batch) runs merged batches of any size, whole
 *     and cut.
 *  7. the NHWC layout (cuda_exec_cfg.nhwc) and the residual add fused into
 *     the conv before it (fuse_add): every layer kind as in 1, whole
 *     models (resnet50, inception_v3, vgg16, mobilenet_v2) as in 2, and
 *     segments as in 3, in fp32, TF32, fp16 and bf16 (bf16 within the
 *     fp16 bounds: its 8-bit significand costs 8x fp16's rounding, which
 *     the bounds leave room for).
 *  8. the workspace any candidate fits (cuda_exec_cfg.ws_all): below the
 *     max batch no conv takes a lower-ranked algorithm for want of
 *     workspace, and the outputs agree with the default executor's
 *     (fp16 and bf16 NHWC + add at batches under a max of 32, within the
 *     fp16 bound).
 *  9. fully connected layers through cuBLASLt, bias (and ReLU) in the
 *     GEMM's epilogue (cuda_exec_cfg.fc_lt): every distinct fc shape and
 *     activation of the zoo as in 1 in fp32, TF32, fp16 and bf16; bert
 *     at seq 64, batch 1 and 4, and resnet50 at batch 1 (NCHW, and NHWC
 *     with the fused add) whole as in 2; segments as in 3; and what
 *     cuda_exec_describe says of them.
 *
 *10. our depthwise conv kernel (cuda_exec_cfg.dw, cuda_k_dwconv): every
 *     depthwise layer shape of the zoo through the executor with dw 2
 *     against ref_layer, NCHW and NHWC, fp32 (tol 1e-4: no TF32 in it),
 *     fp16 and bf16 (tol 1e-2); the kernel alone on windows, strides,
 *     activations and channel counts the zoo lacks (and unaligned
 *     pointers) against a host loop; mobilenet_v2 whole at batch 2 with
 *     dw 2 and the timed dw 1 within the whole-model bounds; its segments
 *     with dw 2 give the whole model's bits; nhwc 1 stores it NHWC only
 *     with dw.
 *11. the NHWC pooling kernel (cuda_k_pool) alone: max and average, edge
 *     windows, strides 1 to 3, the vector path (8 halves or 4 floats a
 *     thread) and the scalar one (odd channel counts, unaligned pointers),
 *     against a host loop: max exact, the average within its rounding.
 *
 *12. launch threads (threads): a group of resnet50 and bert without CUDA
 *     graphs launched from a host thread per service gives the outputs it
 *     gives from one thread, and a segment refused on its thread is
 *     reported with its model; both group times are printed.
 *13. the timeline (timeline): with ABACUS_TIMELINE set, two runs of six
 *     groups append twelve rows under one header, each naming its
 *     segments, its GPU span within its host time; a path that cannot be
 *     opened fails setup naming the variable.
 *
 * Arguments, if any, name the parts to run (layers, resnet, models,
 * segments, device, kept, threads, timeline, attention, merged, ws, lt,
 * dw, pool);
 * none: all.
 *
 * Exit 77 (skipped) without a GPU, or when built without CUDA.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#include "cuda_dev.h"
#include "cuda_exec.h"
#include "cuda_kernels.h"
#include "half.h"
#include "ref.h"
#include "rng.h"
#include "wts.h"
#include "zoo.h"

#define ERRLEN 1024

static const char *const models[] = {"resnet18",     "resnet50", "resnet101", "resnet152",
                                     "inception_v3", "vgg16",    "vgg19",     "mobilenet_v2",
                                     "bert",         NULL};

static double rel_err(const float *gpu, const float *ref, size_t n)
{
	return ref_rel_err(gpu, ref, n);
}

/* Precisions the executor runs in: fp32 with TF32 off, with TF32 on, and
 * fp16 or bf16 storage with float accumulation. */
enum { FP32, TF32, FP16, BF16 };

static const char *prec_name(int prec)
{
	return prec == BF16 ? "bf16" : prec == FP16 ? "fp16" : prec == TF32 ? "tf32" : "fp32";
}

/* Layouts: bits of the executor's nhwc and fuse_add (and ws_all, dw and
 * fc_lt, which are not layouts but travel with them: DW is dw 2, our
 * depthwise kernel always, DW1 dw 1, the timed choice; LT fc_lt; RT
 * attn_rt; TC attn_tc). */
enum {
	NCHW = 0,
	NHWC = 1,
	FUSE = 2,
	WS = 4,
	DW = 8,
	DW1 = 16,
	LT = 32,
	RT = 64,
	TC = 128,
	FIND = 256
};

static const char *layout_name(int layout)
{
	static const char *const names[] = {"nchw",     "nhwc",     "nchw+add",     "nhwc+add",
	                                    "nchw+dw",  "nhwc+dw",  "nchw+add+dw",  "nhwc+add+dw",
	                                    "nchw+dw1", "nhwc+dw1", "nchw+add+dw1", "nhwc+add+dw1"};
	static const char *const lt[] = {"nchw+lt", "nhwc+lt", "nchw+add+lt", "nhwc+add+lt"};
	static const char *const rt[] = {"nchw+rt", "nhwc+rt", "nchw+add+rt", "nhwc+add+rt"};
	static const char *const tc[] = {"nchw+tc", "nhwc+tc", "nchw+add+tc", "nhwc+add+tc"};
	static const char *const rt_tc[] = {"nchw+rt+tc", "nhwc+rt+tc", "nchw+add+rt+tc",
	                                    "nhwc+add+rt+tc"};
	if (layout & TC)
		return layout & RT ? rt_tc[layout & 3] : tc[layout & 3];
	if (layout & RT)
		return rt[layout & 3];
	if (layout & LT)
		return layout & FIND ? "nchw+lt+find" : lt[layout & 3];
	return names[(layout & 3) + (layout & DW ? 4 : layout & DW1 ? 8 : 0)];
}

/* find = 1 times the conv algorithms at load, so two executors of one model
 * may pick different ones; find = 0 (heuristics) makes them agree.
 * conv_gemm: cuda_exec_cfg's (1 timed choice, 2 every ungrouped conv). */
static cuda_exec *make_exec(const zoo_model *m, int max_batch, int max_seq, int prec, int graphs,
                            int find, int conv_gemm, uint64_t seed, int layout)
{
	char err[ERRLEN];
	cuda_exec_cfg cfg = {.model = m,
	                     .max_batch = max_batch,
	                     .max_seq = max_seq,
	                     .tf32 = prec == TF32,
	                     .graphs = graphs,
	                     .whole = 1,
	                     .find = find || (layout & FIND),
	                     .conv_gemm = conv_gemm,
	                     .seed = seed,
	                     .half = prec == BF16 ? 2 : prec == FP16,
	                     .nhwc = layout & NHWC ? 2 : 0, /* grouped convs too */
	                     .fuse_add = (layout & FUSE) != 0,
	                     .ws_all = (layout & WS) != 0,
	                     .dw = layout & DW    ? 2
	                           : layout & DW1 ? 1
	                                          : 0};
	cfg.fc_lt = (layout & LT) != 0;
	cfg.attn_rt = (layout & RT) != 0;
	cfg.attn_tc = (layout & TC) != 0;
	cuda_exec *x = NULL;
	if (cuda_exec_new(&cfg, &x, err, sizeof err) || cuda_exec_load(x, err, sizeof err)) {
		fprintf(stderr, "executor for %s: %s\n", m->name, err);
		check_failures++;
		cuda_exec_free(x);
		return NULL;
	}
	return x;
}

/* What makes two layers exercise different GPU code. */
static void signature(const zoo_layer *L, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/g%d/bn%d/b%d/in%d/k%dx%d/s%d", zoo_kind_name(L->kind),
	         zoo_act_name(L->act),
	         L->kind == ZOO_CONV && L->groups > 1 ? (L->groups == L->cin ? 2 : 1) : 0, L->bn,
	         L->bias, L->n_in, L->kind == ZOO_CONV ? L->kh : 0, L->kind == ZOO_CONV ? L->kw : 0,
	         L->kind == ZOO_CONV ? L->sh : 0);
}

typedef struct pick {
	char sig[128];
	int model, layer;
	double flops;
} pick;

static void fill_random(rng *r, const zoo_model *m, const zoo_layer *L, int input, void *buf,
                        size_t n)
{
	if (L->kind == ZOO_EMBED) {
		int32_t *ids = buf;
		for (size_t i = 0; i < n; i++)
			ids[i] = (int32_t)rng_below(r, (uint32_t)L->vocab);
		return;
	}
	(void)m;
	(void)input;
	float *x = buf;
	for (size_t i = 0; i < n; i++) {
		double v = 2.0 * rng_double(r) - 1.0;
		x[i] = (float)(v == 0.0 ? 0.5 : v);
	}
}

/* Each distinct layer once against ref_layer. With conv_gemm 2 or 3 only
 * the ungrouped convs, all of them through im2col + GEMM (3: the reduction
 * split where gemm_splits splits it). With layout LT only the fc layers,
 * through cuBLASLt, each distinct shape (in x out features) too. */
static void test_layers(zoo_model **zm, wts **zw, int prec, double tol, int conv_gemm, int layout)
{
	enum { MAXP = 128, BATCH = 2, SEQ = 16 };
	static pick picks[MAXP];
	int np = 0;
	for (int mi = 0; zm[mi]; mi++) {
		const zoo_model *m = zm[mi];
		for (int l = 0; l < m->n_layers; l++) {
			char sig[128];
			if (conv_gemm >= 2 &&
			    (m->layers[l].kind != ZOO_CONV || m->layers[l].groups != 1))
				continue;
			if ((layout & LT) && m->layers[l].kind != ZOO_FC)
				continue;
			signature(&m->layers[l], sig, sizeof sig);
			if (layout & LT) {
				size_t len = strlen(sig);
				snprintf(sig + len, sizeof sig - len, "/%dx%d", m->layers[l].cin,
				         m->layers[l].cout);
			}
			zoo_cost c;
			zoo_layer_cost(m, l, 1, SEQ, &c);
			int k = 0;
			while (k < np && strcmp(picks[k].sig, sig))
				k++;
			if (k == np) {
				if (np == MAXP)
					continue;
				np++;
				snprintf(picks[k].sig, sizeof picks[k].sig, "%s", sig);
				picks[k].flops = INFINITY;
			}
			if (c.flops < picks[k].flops) {
				picks[k].model = mi;
				picks[k].layer = l;
				picks[k].flops = c.flops;
			}
		}
	}
	/* One executor per model that has a picked layer. */
	cuda_exec *ex[16] = {0};
	rng r;
	rng_seed(&r, 1234 + (uint64_t)prec);
	int kinds_seen[ZOO_KIND_COUNT] = {0};
	for (int k = 0; k < np; k++) {
		int mi = picks[k].model, l = picks[k].layer;
		const zoo_model *m = zm[mi];
		const zoo_layer *L = &m->layers[l];
		if (!ex[mi])
			ex[mi] = make_exec(m, BATCH, m->has_seq ? SEQ : 0, prec, 0, 1, conv_gemm, 7,
			                   layout);
		if (!ex[mi])
			continue;
		void *in[ZOO_MAX_IN] = {0};
		for (int i = 0; i < L->n_in; i++) {
			zoo_dims d = zoo_input_dims(m, l, i, SEQ);
			size_t n = (size_t)BATCH * (size_t)zoo_dims_count(&d, SEQ);
			in[i] = malloc(n * 4);
			fill_random(&r, m, L, i, in[i], n);
		}
		zoo_dims od = zoo_layer_dims(m, l, SEQ);
		size_t n_out = (size_t)BATCH * (size_t)zoo_dims_count(&od, SEQ);
		float *gpu = malloc(n_out * 4), *ref = malloc(n_out * 4);
		/* poison: every output element must be written */
		for (size_t i = 0; i < n_out; i++)
			gpu[i] = NAN;
		char err[ERRLEN];
		int rc = cuda_exec_run_layer(ex[mi], l, BATCH, SEQ, (const void *const *)in, gpu,
		                             err, sizeof err);
		if (rc) {
			fprintf(stderr, "%s layer %d (%s): %s\n", m->name, l, L->name, err);
			check_failures++;
		} else if (ref_layer(m, zw[mi], l, BATCH, SEQ, (const void *const *)in, ref, err,
		                     sizeof err)) {
			fprintf(stderr, "ref_layer %s layer %d: %s\n", m->name, l, err);
			check_failures++;
		} else {
			double e = rel_err(gpu, ref, n_out);
			printf("  %s%s%s %-14s %-28s %-44s rel err %.2e\n", prec_name(prec),
			       layout & LT ? " lt"
			       : layout    ? " nhwc"
			                   : "",
			       conv_gemm == 2   ? " gemm"
			       : conv_gemm == 3 ? " split"
			                        : "",
			       m->name, L->name, picks[k].sig, e);
			CHECK(e <= tol);
			kinds_seen[L->kind] = 1;
		}
		for (int i = 0; i < L->n_in; i++)
			free(in[i]);
		free(gpu);
		free(ref);
	}
	for (int k = 0; k < ZOO_KIND_COUNT; k++)
		if (!kinds_seen[k] && (conv_gemm < 2 || k == ZOO_CONV) &&
		    (!(layout & LT) || k == ZOO_FC)) {
			fprintf(stderr, "layer kind %s not checked\n", zoo_kind_name((zoo_kind)k));
			check_failures++;
		}
	for (int mi = 0; mi < 16; mi++)
		cuda_exec_free(ex[mi]);
}

/* Whether layer L is a depthwise conv our kernel takes (cuda_exec's
 * dw_shape). */
static int is_dw(const zoo_layer *L)
{
	return L->kind == ZOO_CONV && L->groups > 1 && L->groups == L->cin && L->cout == L->cin &&
	       L->kh <= CUDA_K_DW_MAXK && L->kw <= CUDA_K_DW_MAXK;
}

static int count_dw(const zoo_model *m)
{
	int n = 0;
	for (int l = 0; l < m->n_layers; l++)
		n += is_dw(&m->layers[l]);
	return n;
}

/* Every distinct depthwise conv shape of the zoo (channels, input size,
 * window, stride, padding, activation, bias) through an executor with dw
 * 2 against ref_layer on random inputs; and every depthwise conv of each
 * model ran ours. */
static void test_dw_layers(zoo_model **zm, wts **zw, int prec, double tol, int layout)
{
	enum { BATCH = 2, MAXS = 64 };
	char seen[MAXS][96];
	int ns = 0, tested = 0;
	rng r;
	rng_seed(&r, 4321 + (uint64_t)prec);
	for (int mi = 0; zm[mi]; mi++) {
		const zoo_model *m = zm[mi];
		if (!count_dw(m))
			continue;
		cuda_exec *x = make_exec(m, BATCH, 0, prec, 0, 0, 1, 7, layout);
		if (!x)
			continue;
		CHECK(cuda_exec_nhwc(x) == ((layout & NHWC) != 0));
		for (int l = 0; l < m->n_layers; l++) {
			const zoo_layer *L = &m->layers[l];
			if (!is_dw(L))
				continue;
			zoo_dims d = zoo_input_dims(m, l, 0, 0);
			char sig[96];
			snprintf(sig, sizeof sig, "c%d %dx%d k%dx%d s%dx%d p%dx%d %s b%d bn%d",
			         L->cin, d.d[1], d.d[2], L->kh, L->kw, L->sh, L->sw, L->ph, L->pw,
			         zoo_act_name(L->act), L->bias, L->bn);
			int k = 0;
			while (k < ns && strcmp(seen[k], sig))
				k++;
			if (k < ns)
				continue;
			if (ns < MAXS)
				snprintf(seen[ns++], sizeof seen[0], "%s", sig);
			size_t n_in = (size_t)BATCH * (size_t)zoo_dims_count(&d, 0);
			zoo_dims od = zoo_layer_dims(m, l, 0);
			size_t n_out = (size_t)BATCH * (size_t)zoo_dims_count(&od, 0);
			float *in = malloc(n_in * 4), *gpu = malloc(n_out * 4),
			      *ref = malloc(n_out * 4);
			fill_random(&r, m, L, 0, in, n_in);
			for (size_t i = 0; i < n_out; i++)
				gpu[i] = NAN;
			const void *ins[1] = {in};
			char err[ERRLEN];
			if (cuda_exec_run_layer(x, l, BATCH, 0, ins, gpu, err, sizeof err)) {
				fprintf(stderr, "dw %s %s %s layer %d (%s, %s): %s\n",
				        prec_name(prec), layout_name(layout), m->name, l, L->name,
				        sig, err);
				check_failures++;
			} else if (ref_layer(m, zw[mi], l, BATCH, 0, ins, ref, err, sizeof err)) {
				fprintf(stderr, "ref_layer %s layer %d: %s\n", m->name, l, err);
				check_failures++;
			} else {
				double e = rel_err(gpu, ref, n_out);
				printf("  dw %s %-11s %s %-16s %-40s rel err %.2e (tol %.0e)\n",
				       prec_name(prec), layout_name(layout), m->name, L->name, sig,
				       e, tol);
				if (!(e <= tol))
					fprintf(
					    stderr,
					    "FAILED: depthwise %s layer %s (%s), %s %s: rel err "
					    "%.2e over %.0e\n",
					    m->name, L->name, sig, prec_name(prec),
					    layout_name(layout), e, tol);
				CHECK(e <= tol);
				tested++;
			}
			free(in);
			free(gpu);
			free(ref);
		}
		/* run_layer prepared batch BATCH: every depthwise conv runs ours */
		CHECK(cuda_exec_dw_convs(x, BATCH) == count_dw(m));
		cuda_exec_free(x);
	}
	CHECK(tested > 0);
}

/* act() of the zoo's activations, in double, for the host loop below. */
static double host_act(double v, zoo_act a)
{
	switch (a) {
	case ZOO_ACT_RELU:
		return v > 0 ? v : 0;
	case ZOO_ACT_RELU6:
		return v < 0 ? 0 : v > 6 ? 6 : v;
	case ZOO_ACT_GELU:
		return 0.5 * v * (1.0 + erf(v / sqrt(2.0)));
	case ZOO_ACT_TANH:
		return tanh(v);
	default:
		return v;
	}
}

/* n floats rounded to the storage of prec (and stored as such into dst,
 * 2 or 4 bytes a value); v keeps the rounded floats. */
static void to_storage(int prec, float *v, void *dst, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (prec == FP16) {
			uint16_t h = half_from_float(v[i]);
			((uint16_t *)dst)[i] = h;
			v[i] = half_to_float(h);
		} else if (prec == BF16) {
			uint16_t h = bf16_from_float(v[i]);
			((uint16_t *)dst)[i] = h;
			v[i] = bf16_to_float(h);
		} else {
			((float *)dst)[i] = v[i];
		}
	}
}

/* cuda_k_dwconv alone, on what the zoo's depthwise convs (3x3, 16-byte
 * aligned, channels a multiple of 8) do not cover: other windows up to
 * 7x7 (the run-time window path), strides 2 and 3, no padding, no bias,
 * every activation, channel counts that leave no 16-byte vector (the
 * one-channel NHWC path), unaligned tensors, outputs narrower than a
 * thread's strip; against a host loop in double over the same rounded
 * values. NCHW and NHWC, fp32 (tol 1e-5) and fp16 / bf16 (tol 1e-2). */
static void test_dw_kernel(void)
{
	static const struct {
		int c, h, w, k, s, p, bias, misalign;
		zoo_act act;
	} cases[] = {
	    {3, 9, 11, 5, 2, 2, 1, 0, ZOO_ACT_RELU},    {8, 7, 7, 7, 1, 3, 0, 0, ZOO_ACT_NONE},
	    {12, 10, 13, 3, 1, 0, 1, 0, ZOO_ACT_RELU6}, {16, 6, 5, 3, 2, 1, 1, 0, ZOO_ACT_TANH},
	    {24, 5, 9, 1, 1, 0, 1, 0, ZOO_ACT_GELU},    {8, 8, 8, 3, 3, 1, 1, 0, ZOO_ACT_RELU6},
	    {16, 9, 10, 3, 1, 1, 1, 1, ZOO_ACT_RELU6}};
	enum { B = 3 };
	rng r;
	rng_seed(&r, 77);
	for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
		int c = cases[ci].c, h = cases[ci].h, w = cases[ci].w, k = cases[ci].k;
		int s = cases[ci].s, p = cases[ci].p;
		int ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1;
		size_t nx = (size_t)B * c * h * w, ny = (size_t)B * c * ho * wo,
		       nw = (size_t)c * k * k;
		float *xv = malloc(nx * 4), *xt = malloc(nx * 4), *wv = malloc(nw * 4),
		      *bv = malloc((size_t)c * 4), *ref = malloc(ny * 4), *got = malloc(ny * 4),
		      *gt = malloc(ny * 4);
		unsigned char *hx = malloc(nx * 4), *hw = malloc(nw * 4),
		              *hb = malloc((size_t)c * 4), *hy = malloc(ny * 4);
		for (int prec = FP32; prec <= BF16; prec++) {
			if (prec == TF32)
				continue;
			int half = prec == BF16 ? 2 : prec == FP16;
			size_t esz = half ? 2 : 4, off = cases[ci].misalign ? esz : 0;
			for (size_t i = 0; i < nx; i++)
				xv[i] = (float)(2.0 * rng_double(&r) - 1.0);
			for (size_t i = 0; i < nw; i++)
				wv[i] = (float)(rng_double(&r) - 0.5);
			for (int i = 0; i < c; i++)
				bv[i] = cases[ci].bias ? (float)(rng_double(&r) - 0.5) : 0.0f;
			to_storage(prec, wv, hw, nw);
			to_storage(prec, bv, hb, (size_t)c);
			/* the rounded input, NCHW, in xv; the reference from it */
			for (size_t i = 0; i < nx; i++)
				xv[i] = half == 2 ? bf16_to_float(bf16_from_float(xv[i]))
				        : half    ? half_to_float(half_from_float(xv[i]))
				                  : xv[i];
			for (int n = 0; n < B; n++)
				for (int ch = 0; ch < c; ch++)
					for (int oy = 0; oy < ho; oy++)
						for (int ox = 0; ox < wo; ox++) {
							double acc = bv[ch];
							for (int ky = 0; ky < k; ky++)
								for (int kx = 0; kx < k; kx++) {
									int iy = oy * s - p + ky,
									    ix = ox * s - p + kx;
									if (iy < 0 || iy >= h ||
									    ix < 0 || ix >= w)
										continue;
									acc +=
									    (double)
									        wv[(ch * k + ky) *
									               k +
									           kx] *
									    xv[(((size_t)n * c +
									         ch) *
									            h +
									        iy) *
									           w +
									       ix];
								}
							ref[(((size_t)n * c + ch) * ho + oy) * wo +
							    ox] =
							    (float)host_act(acc, cases[ci].act);
						}
			for (int nhwc = 0; nhwc <= 1; nhwc++) {
				/* the input as stored: NHWC where asked */
				for (int n = 0; n < B; n++)
					for (int ch = 0; ch < c; ch++)
						for (int i = 0; i < h * w; i++)
							xt[nhwc
							       ? ((size_t)n * h * w + i) * c + ch
							       : ((size_t)n * c + ch) * h * w + i] =
							    xv[((size_t)n * c + ch) * h * w + i];
				to_storage(prec, xt, hx, nx);
				unsigned char *dx = NULL, *dwt = NULL, *db = NULL, *dy = NULL;
				int ok =
				    cudaMalloc((void **)&dx, nx * esz + 16) == cudaSuccess &&
				    cudaMalloc((void **)&dwt, nw * esz) == cudaSuccess &&
				    cudaMalloc((void **)&db, (size_t)c * esz) == cudaSuccess &&
				    cudaMalloc((void **)&dy, ny * esz + 16) == cudaSuccess &&
				    cudaMemcpy(dx + off, hx, nx * esz, cudaMemcpyHostToDevice) ==
				        cudaSuccess &&
				    cudaMemcpy(dwt, hw, nw * esz, cudaMemcpyHostToDevice) ==
				        cudaSuccess &&
				    cudaMemcpy(db, hb, (size_t)c * esz, cudaMemcpyHostToDevice) ==
				        cudaSuccess &&
				    cudaMemset(dy, 0xff, ny * esz + 16) == cudaSuccess; /* NaN */
				cudaError_t ke = ok ? cuda_k_dwconv(dy + off, dx + off, dwt,
				                                    cases[ci].bias ? db : NULL, B,
				                                    c, h, w, ho, wo, k, k, s, s, p,
				                                    p, cases[ci].act, nhwc, half, 0)
				                    : cudaErrorMemoryAllocation;
				ok = ok && ke == cudaSuccess &&
				     cudaDeviceSynchronize() == cudaSuccess &&
				     cudaMemcpy(hy, dy + off, ny * esz, cudaMemcpyDeviceToHost) ==
				         cudaSuccess;
				if (!ok) {
					fprintf(stderr,
					        "FAILED: cuda_k_dwconv c%d %dx%d k%d s%d p%d %s "
					        "%s: %s\n",
					        c, h, w, k, s, p, prec_name(prec),
					        nhwc ? "nhwc" : "nchw",
					        cudaGetErrorString(
					            ke != cudaSuccess ? ke : cudaGetLastError()));
					check_failures++;
				} else {
					for (size_t i = 0; i < ny; i++)
						gt[i] = half == 2
						            ? bf16_to_float(((uint16_t *)hy)[i])
						        : half ? half_to_float(((uint16_t *)hy)[i])
						               : ((float *)hy)[i];
					for (int n = 0; n < B; n++)
						for (int ch = 0; ch < c; ch++)
							for (int i = 0; i < ho * wo; i++)
								got[((size_t)n * c + ch) * ho * wo +
								    i] =
								    gt[nhwc ? ((size_t)n * ho * wo +
								               i) * c +
								                  ch
								            : ((size_t)n * c + ch) *
								                      ho * wo +
								                  i];
					double e = rel_err(got, ref, ny),
					       tol = prec == FP32 ? 1e-5 : 1e-2;
					printf("  cuda_k_dwconv c%d %dx%d k%d s%d p%d %s%s%s %s "
					       "%s: rel err "
					       "%.2e (tol %.0e)\n",
					       c, h, w, k, s, p, zoo_act_name(cases[ci].act),
					       cases[ci].bias ? "" : " no bias",
					       cases[ci].misalign ? " unaligned" : "",
					       prec_name(prec), nhwc ? "nhwc" : "nchw", e, tol);
					if (!(e <= tol))
						fprintf(stderr,
						        "FAILED: cuda_k_dwconv c%d %dx%d k%d s%d "
						        "p%d %s %s: "
						        "rel err %.2e over %.0e\n",
						        c, h, w, k, s, p, prec_name(prec),
						        nhwc ? "nhwc" : "nchw", e, tol);
					CHECK(e <= tol);
				}
				cudaFree(dx);
				cudaFree(dwt);
				cudaFree(db);
				cudaFree(dy);
			}
		}
		free(xv);
		free(xt);
		free(wv);
		free(bv);
		free(ref);
		free(got);
		free(gt);
		free(hx);
		free(hw);
		free(hb);
		free(hy);
	}
	/* a window past CUDA_K_DW_MAXK is refused, not run */
	CHECK(cuda_k_dwconv(NULL, NULL, NULL, NULL, 1, 8, 9, 9, 1, 1, CUDA_K_DW_MAXK + 1,
	                    CUDA_K_DW_MAXK + 1, 1, 1, 0, 0, ZOO_ACT_NONE, 0, 0,
	                    0) == cudaErrorInvalidValue);
	cudaGetLastError();
}

/* The reference for test_pool_kernel: NHWC k x k pooling at stride s and
 * padding p, summed in double. */
static void host_pool_nhwc(float *y, const float *x, int batch, int c, int h, int w, int k, int s,
                           int p, int is_max)
{
	int ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1;
	for (int n = 0; n < batch; n++)
		for (int oy = 0; oy < ho; oy++)
			for (int ox = 0; ox < wo; ox++)
				for (int ch = 0; ch < c; ch++) {
					double acc = is_max ? -INFINITY : 0.0;
					for (int iy = oy * s - p; iy < oy * s - p + k; iy++)
						for (int ix = ox * s - p; ix < ox * s - p + k;
						     ix++) {
							if (iy < 0 || iy >= h || ix < 0 || ix >= w)
								continue;
							double v =
							    x[(((size_t)n * h + iy) * w + ix) * c +
							      ch];
							acc =
							    is_max ? (v > acc ? v : acc) : acc + v;
						}
					y[(((size_t)n * ho + oy) * wo + ox) * c + ch] =
					    (float)(is_max ? acc : acc / (k * k));
				}
}

/* cuda_k_pool alone in NHWC (the layout it serves; NCHW fp32 and fp16
 * pool through cuDNN): max and average (padding in the divisor), windows
 * clipped at every edge, strides 1 to 3, inception_v3's shapes scaled down
 * and its 8x8 global pool, channel counts that take the 16-byte vector
 * path (8 halves or 4 floats a thread) and counts and offsets that do not;
 * against a host loop in double over the same rounded inputs. Max is a
 * pick, so it must match exactly; the average within its storage's
 * rounding (fp32 1e-6, fp16 and bf16 1e-2). */
static void test_pool_kernel(void)
{
	static const struct {
		int c, h, w, k, s, p, is_max, misalign;
	} cases[] = {{64, 15, 15, 3, 2, 0, 1, 0}, {24, 9, 9, 3, 1, 1, 0, 0},
	             {40, 8, 8, 8, 1, 0, 0, 0},   {13, 7, 9, 3, 2, 1, 1, 0},
	             {12, 6, 7, 3, 1, 1, 0, 0},   {16, 10, 11, 3, 1, 1, 0, 1},
	             {32, 11, 10, 5, 3, 2, 1, 0}, {8, 5, 5, 3, 1, 1, 1, 1}};
	enum { B = 3 };
	rng r;
	rng_seed(&r, 91);
	for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
		int c = cases[ci].c, h = cases[ci].h, w = cases[ci].w, k = cases[ci].k;
		int s = cases[ci].s, p = cases[ci].p, is_max = cases[ci].is_max;
		int ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1;
		size_t nx = (size_t)B * h * w * c, ny = (size_t)B * ho * wo * c;
		float *xv = malloc(nx * 4), *ref = malloc(ny * 4), *got = malloc(ny * 4);
		unsigned char *hx = malloc(nx * 4), *hy = malloc(ny * 4);
		for (int prec = FP32; prec <= BF16; prec++) {
			if (prec == TF32)
				continue;
			int half = prec == BF16 ? 2 : prec == FP16;
			size_t esz = half ? 2 : 4, off = cases[ci].misalign ? esz : 0;
			for (size_t i = 0; i < nx; i++)
				xv[i] = (float)(4.0 * rng_double(&r) - 2.0);
			to_storage(prec, xv, hx, nx); /* xv: the rounded values, NHWC */
			host_pool_nhwc(ref, xv, B, c, h, w, k, s, p, is_max);
			unsigned char *dx = NULL, *dy = NULL;
			int ok = cudaMalloc((void **)&dx, nx * esz + 16) == cudaSuccess &&
			         cudaMalloc((void **)&dy, ny * esz + 16) == cudaSuccess &&
			         cudaMemcpy(dx + off, hx, nx * esz, cudaMemcpyHostToDevice) ==
			             cudaSuccess &&
			         cudaMemset(dy, 0xff, ny * esz + 16) == cudaSuccess; /* NaN */
			cudaError_t ke = ok ? cuda_k_pool(dy + off, dx + off, B, c, h, w, ho, wo, k,
			                                  k, s, s, p, p, is_max, 1, half, 0)
			                    : cudaErrorMemoryAllocation;
			ok = ok && ke == cudaSuccess && cudaDeviceSynchronize() == cudaSuccess &&
			     cudaMemcpy(hy, dy + off, ny * esz, cudaMemcpyDeviceToHost) ==
			         cudaSuccess;
			const char *what = is_max ? "max" : "avg";
			if (!ok) {
				fprintf(stderr,
				        "FAILED: cuda_k_pool %s c%d %dx%d k%d s%d p%d %s: %s\n",
				        what, c, h, w, k, s, p, prec_name(prec),
				        cudaGetErrorString(ke != cudaSuccess ? ke
				                                             : cudaGetLastError()));
				check_failures++;
			} else {
				for (size_t i = 0; i < ny; i++)
					got[i] = half == 2 ? bf16_to_float(((uint16_t *)hy)[i])
					         : half    ? half_to_float(((uint16_t *)hy)[i])
					                   : ((float *)hy)[i];
				double e = rel_err(got, ref, ny), tol = is_max         ? 0.0
				                                        : prec == FP32 ? 1e-6
				                                                       : 1e-2;
				printf("  cuda_k_pool %s c%d %dx%d k%d s%d p%d%s %s nhwc: rel err "
				       "%.2e "
				       "(tol %.0e)\n",
				       what, c, h, w, k, s, p,
				       cases[ci].misalign ? " unaligned" : "", prec_name(prec), e,
				       tol);
				if (!(e <= tol))
					fprintf(
					    stderr,
					    "FAILED: cuda_k_pool %s c%d %dx%d k%d s%d p%d %s: rel "
					    "err %.2e over %.0e\n",
					    what, c, h, w, k, s, p, prec_name(prec), e, tol);
				CHECK(e <= tol);
			}
			cudaFree(dx);
			cudaFree(dy);
		}
		free(xv);
		free(ref);
		free(got);
		free(hx);
		free(hy);
	}
}

/* nhwc 1 keeps a model with grouped convs NCHW unless dw is on and every
 * grouped conv is depthwise (mobilenet_v2); models without grouped convs
 * go NHWC either way. */
static void test_dw_nhwc_rule(const zoo_model *mobilenet, const zoo_model *r50)
{
	const zoo_model *ms[2] = {mobilenet, r50};
	for (int mi = 0; mi < 2; mi++)
		for (int dw = 0; dw <= 2; dw++) {
			char err[ERRLEN];
			cuda_exec_cfg cfg = {
			    .model = ms[mi], .max_batch = 1, .seed = 1, .nhwc = 1, .dw = dw};
			cuda_exec *x = NULL;
			if (cuda_exec_new(&cfg, &x, err, sizeof err)) {
				fprintf(stderr, "%s nhwc 1 dw %d: %s\n", ms[mi]->name, dw, err);
				check_failures++;
				continue;
			}
			int want = mi == 1 || dw > 0;
			printf("  %s nhwc 1 dw %d: stored %s\n", ms[mi]->name, dw,
			       cuda_exec_nhwc(x) ? "NHWC" : "NCHW");
			CHECK(cuda_exec_nhwc(x) == want);
			cuda_exec_free(x);
		}
}

/* Whole model on the GPU vs ref_run on the same input, in each precision
 * and each layout of the list (-1 ends it). */
static void test_model(const zoo_model *m, const wts *w, int batch, int seq, int conv_gemm,
                       const int *layouts)
{
	char err[ERRLEN];
	zoo_dims id = m->input;
	size_t n_in = (size_t)batch * (size_t)zoo_dims_count(&id, seq);
	void *in = malloc(n_in * 4);
	wts_input(m, 99, in, n_in);
	int last = m->n_layers - 1;
	zoo_dims od = zoo_layer_dims(m, last, seq);
	size_t n_out = (size_t)batch * (size_t)zoo_dims_count(&od, seq);
	float *ref = malloc(n_out * 4), *gpu = malloc(n_out * 4);
	if (ref_run(m, w, 0, m->n_ops, batch, seq, in, ref, err, sizeof err)) {
		fprintf(stderr, "ref_run %s: %s\n", m->name, err);
		check_failures++;
		goto out;
	}
	for (int run = 0; layouts[run / 4] >= 0; run++) {
		int prec = run % 4, layout = layouts[run / 4];
		cuda_exec *x = make_exec(m, batch, seq, prec, 1, 0, conv_gemm, 7, layout);
		if (!x)
			continue;
		for (size_t i = 0; i < n_out; i++)
			gpu[i] = NAN;
		if (cuda_exec_set_input(x, in, batch, seq, err, sizeof err) ||
		    cuda_exec_run(x, 0, m->n_ops, batch, seq, err, sizeof err) ||
		    cuda_exec_get_output(x, gpu, batch, seq, err, sizeof err)) {
			fprintf(stderr, "%s: %s\n", m->name, err);
			check_failures++;
		} else {
			double e = rel_err(gpu, ref, n_out);
			double tol = prec == FP32 ? 1e-3 : 2e-2;
			printf("  %s batch %d seq %d %s %s conv_gemm %d: whole model rel err %.2e "
			       "(tol %.0e)",
			       m->name, batch, seq, prec_name(prec), layout_name(layout), conv_gemm,
			       e, tol);
			if (layout & (DW | DW1))
				printf(", %d depthwise convs as ours",
				       cuda_exec_dw_convs(x, batch));
			putchar('\n');
			CHECK(e <= tol);
			/* dw 2: every depthwise conv of the model runs ours */
			if (layout & DW)
				CHECK(cuda_exec_dw_convs(x, batch) == count_dw(m));
		}
		cuda_exec_free(x);
	}
out:
	free(in);
	free(ref);
	free(gpu);
}

/* One attention kernel set (mode 0, CUDA_K_ATTN_RT, CUDA_K_ATTN_TC) on the
 * cases' batch and seq, against ref_layer run through m's scores, softmax
 * and context layers l .. l + 2 on random QKV: mode 0 in fp32 (tol 1e-4),
 * RT also in fp16 and bf16 (tol 1e-2, on QKV rounded to that precision),
 * TC in fp32 storage with TF32 products (tol 1e-2, the TF32 bound of the
 * layers), fp16 and bf16 (1e-2). Sizes the kernel refuses must give
 * cudaErrorInvalidValue (TC: only where neither it nor mode 0 takes them;
 * where it does not, it falls back to those). */
static void attention_cases(const zoo_model *m, const wts *w, int l, const int (*cases)[2],
                            size_t n_cases, int first_mode)
{
	const int feat = m->layers[l].cout, heads = m->layers[l].heads, dh = feat / heads;
	for (size_t c = 0; c < n_cases; c++) {
		int batch = cases[c][0], seq = cases[c][1], have_old = 0;
		zoo_dims qd = zoo_input_dims(m, l, 0, seq), sd = zoo_layer_dims(m, l, seq),
		         od = zoo_layer_dims(m, l + 2, seq);
		size_t n_in = (size_t)batch * (size_t)zoo_dims_count(&qd, seq);
		size_t n_p = (size_t)batch * (size_t)zoo_dims_count(&sd, seq);
		size_t n_out = (size_t)batch * (size_t)zoo_dims_count(&od, seq);
		float *qkv = malloc(n_in * sizeof *qkv), *prob = malloc(n_p * sizeof *prob);
		float *ref = malloc(n_out * sizeof *ref), *gpu = malloc(n_out * sizeof *gpu);
		float *rnd = malloc(n_in * sizeof *rnd), *old = calloc(n_out, sizeof *old);
		uint16_t *h16 = malloc((n_in > n_out ? n_in : n_out) * sizeof *h16);
		rng r;
		rng_seed(&r, 11 + c + 100 * (uint64_t)heads);
		for (size_t i = 0; i < n_in; i++)
			qkv[i] = (float)(2.0 * rng_double(&r) - 1.0);
		float *d_in = NULL, *d_out = NULL;
		CHECK(cudaMalloc((void **)&d_in, n_in * sizeof *d_in) == cudaSuccess &&
		      cudaMalloc((void **)&d_out, n_out * sizeof *d_out) == cudaSuccess);
		for (int mi = first_mode; mi <= 2; mi++)
			for (int prec = mi == 2 ? TF32 : FP32; prec <= (mi ? BF16 : FP32); prec++) {
				if (prec == (mi == 2 ? FP32 : TF32))
					continue;
				int mode = mi == 2 ? CUDA_K_ATTN_TC : mi;
				int half = prec == BF16 ? 2 : prec == FP16;
				size_t esz = half ? 2 : 4;
				int tc = mode == CUDA_K_ATTN_TC &&
				         cuda_k_attention_tc_fits(seq, dh, half);
				if (!tc && !cuda_k_attention_fits(seq, dh)) {
					CHECK(cuda_k_attention(d_out, d_in, batch, seq, feat, heads,
					                       half, mode,
					                       0) == cudaErrorInvalidValue);
					cudaGetLastError();
					continue;
				}
				for (size_t i = 0; i < n_in; i++)
					rnd[i] = half == 2 ? bf16_to_float(bf16_from_float(qkv[i]))
					         : half    ? half_to_float(half_from_float(qkv[i]))
					                   : qkv[i];
				if (half == 2)
					bf16_from_floats(h16, rnd, n_in);
				else if (half)
					half_from_floats(h16, rnd, n_in);
				char err[ERRLEN];
				const void *in_s[1] = {rnd}, *in_p[1] = {prob},
				           *in_c[2] = {prob, rnd};
				int rc =
				    ref_layer(m, w, l, batch, seq, in_s, prob, err, sizeof err) ||
				    ref_layer(m, w, l + 1, batch, seq, in_p, prob, err,
				              sizeof err) ||
				    ref_layer(m, w, l + 2, batch, seq, in_c, ref, err, sizeof err);
				if (rc)
					fprintf(stderr, "ref_layer %s attention: %s\n", m->name,
					        err);
				CHECK(rc == 0);
				void *out_h = half ? (void *)h16 : (void *)gpu;
				int ok =
				    d_in && d_out &&
				    cudaMemcpy(d_in, half ? (void *)h16 : (void *)rnd, n_in * esz,
				               cudaMemcpyHostToDevice) == cudaSuccess &&
				    cuda_k_attention(d_out, d_in, batch, seq, feat, heads, half,
				                     mode, 0) == cudaSuccess &&
				    cudaMemcpy(out_h, d_out, n_out * esz, cudaMemcpyDeviceToHost) ==
				        cudaSuccess;
				CHECK(ok);
				if (ok && half == 2)
					bf16_to_floats(gpu, h16, n_out);
				else if (ok && half)
					half_to_floats(gpu, h16, n_out);
				if (ok && !rc) {
					double e = rel_err(gpu, ref, n_out),
					       tol = half || prec == TF32 ? 1e-2 : 1e-4;
					printf(
					    "  attention%s %s dh %d batch %d seq %d: rel err %.2e "
					    "(tol %.0e)",
					    mi == 2 ? (tc ? " tc" : " tc (fallback)")
					    : mi    ? " rt"
					            : "",
					    prec_name(prec), dh, batch, seq, e, tol);
					if (!mi)
						memcpy(old, gpu, n_out * sizeof *gpu), have_old = 1;
					else if (!half && have_old)
						printf(", against mode 0 %.2e",
						       rel_err(gpu, old, n_out));
					putchar('\n');
					CHECK(e <= tol);
				}
			}
		cudaFree(d_in);
		cudaFree(d_out);
		free(qkv);
		free(prob);
		free(ref);
		free(gpu);
		free(rnd);
		free(old);
		free(h16);
	}
}

/* The fused attention kernels (cuda_k_attention) on bert's first scores,
 * softmax and context layers (dh 64) at batch sizes and sequence lengths
 * around the kernels' limits: the one-row-per-warp kernel, the
 * register-tiled one (at seqs that are not a multiple of its 8 rows per
 * warp, and at batch 32: one block per head, over 48 KB of shared memory)
 * and the tensor-core one (seqs not a multiple of its 16-row tiles, past
 * the 85 the others take, batch 1 with its query rows split over blocks);
 * then the tensor-core kernel alone with bert's hidden size cut into other
 * head counts: dh 128, 48 and 32, and dh 192, which it refuses (the
 * fallback must still be right). */
static void test_attention(const zoo_model *bert, const wts *w)
{
	static const int cases[][2] = {{4, 64},  {5, 85},  {1, 8},    {6, 33},  {3, 37}, {2, 62},
	                               {32, 64}, {1, 1},   {1, 23},   {3, 23},  {1, 64}, {1, 128},
	                               {3, 86},  {3, 128}, {32, 128}, {2, 200}, {32, 8}};
	static const int other[][2] = {{1, 23}, {3, 64}, {2, 85}, {2, 128}};
	int l = 0;
	while (l < bert->n_layers && bert->layers[l].kind != ZOO_ATTN_SCORES)
		l++;
	CHECK(l + 2 < bert->n_layers && bert->layers[l + 1].kind == ZOO_SOFTMAX &&
	      bert->layers[l + 2].kind == ZOO_ATTN_CONTEXT);
	if (l + 2 >= bert->n_layers)
		return;
	const int feat = bert->layers[l].cout, heads = bert->layers[l].heads;
	CHECK(cuda_k_attention_fits(85, feat / heads));
	CHECK(!cuda_k_attention_fits(86, feat / heads));
	for (int half = 0; half <= 2; half++) /* within any GPU's 99 KB opt-in or more */
		CHECK(cuda_k_attention_tc_fits(128, 64, half) &&
		      cuda_k_attention_tc_fits(1, 128, half) &&
		      !cuda_k_attention_tc_fits(64, 192, half) &&
		      !cuda_k_attention_tc_fits(64, 56, half) &&
		      !cuda_k_attention_tc_fits(0, 64, half));
	attention_cases(bert, w, l, cases, sizeof cases / sizeof cases[0], 0);
	zoo_layer *ls = malloc((size_t)bert->n_layers * sizeof *ls);
	CHECK(ls != NULL);
	if (!ls)
		return;
	static const int hs[] = {6, 16, 24, 4}; /* dh 128, 48, 32, 192 */
	for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
		zoo_model mh = *bert;
		memcpy(ls, bert->layers, (size_t)bert->n_layers * sizeof *ls);
		ls[l].heads = ls[l + 2].heads = hs[i];
		/* the scores and their softmax are heads x seq x seq */
		ls[l].out.d[0] = ls[l + 1].out.d[0] = hs[i];
		mh.layers = ls;
		wts wh = *w; /* the same weights, owned by the copy (ref_layer checks) */
		wh.model = &mh;
		attention_cases(&mh, &wh, l, other, sizeof other / sizeof other[0], 2);
	}
	free(ls);
}

/* [0,k) + [k,n) must give the bits [0,n) gives, and graphs must give what
 * eager launches give: op by op, and the whole model as one graph (the
 * second [0,n) run replays the graph the first one captured). conv_gemm 0,
 * 2 or 3, not the timed choice (1), so both executors run the same
 * kernels. */
static void test_segments(const zoo_model *m, int batch, int seq, int conv_gemm, int prec,
                          int layout)
{
	char err[ERRLEN];
	int n = m->n_ops, k = n / 3;
	zoo_dims od = zoo_layer_dims(m, m->n_layers - 1, seq);
	size_t n_out = (size_t)batch * (size_t)zoo_dims_count(&od, seq);
	float *whole = malloc(n_out * 4), *split = malloc(n_out * 4), *eager = malloc(n_out * 4),
	      *again = malloc(n_out * 4);
	for (int graphs = 0; graphs <= 1; graphs++) {
		cuda_exec *x = make_exec(m, batch + 1, seq ? seq * 2 : 0, prec, graphs, 0,
		                         conv_gemm, 3, layout);
		if (!x)
			continue;
		int rc = cuda_exec_run(x, 0, n, batch, seq, err, sizeof err) ||
		         cuda_exec_get_output(x, whole, batch, seq, err, sizeof err) ||
		         cuda_exec_run(x, 0, k, batch, seq, err, sizeof err) ||
		         cuda_exec_run(x, k, k + 1, batch, seq, err, sizeof err) ||
		         cuda_exec_run(x, k + 1, n, batch, seq, err, sizeof err) ||
		         cuda_exec_get_output(x, split, batch, seq, err, sizeof err) ||
		         cuda_exec_run(x, 0, n, batch, seq, err, sizeof err) ||
		         cuda_exec_get_output(x, again, batch, seq, err, sizeof err);
		if (rc) {
			fprintf(stderr, "%s segments: %s\n", m->name, err);
			check_failures++;
		} else {
			CHECK(memcmp(whole, split, n_out * 4) == 0);
			CHECK(memcmp(whole, again, n_out * 4) == 0);
			if (graphs) {
				double e = rel_err(whole, eager, n_out);
				printf("  %s batch %d %s %s conv_gemm %d: graphs vs eager rel err "
				       "%.2e\n",
				       m->name, batch, prec_name(prec), layout_name(layout),
				       conv_gemm, e);
				CHECK(e == 0.0); /* same algorithms, same kernels */
				CHECK(cuda_exec_graphs(x) == n + 1); /* each op, and the whole */
			} else {
				memcpy(eager, whole, n_out * 4);
			}
		}
		/* A range that does not continue the last one is refused. */
		CHECK(cuda_exec_run(x, 0, k, batch, seq, err, sizeof err) == 0);
		CHECK(cuda_exec_run(x, k + 1, n, batch, seq, err, sizeof err) != 0);
		CHECK_STR_HAS(err, "do not continue");
		CHECK(cuda_exec_run(x, k, n, batch + 1, seq, err, sizeof err) != 0);
		CHECK(cuda_exec_run(x, 0, n, batch + 2, seq, err, sizeof err) != 0);
		CHECK_STR_HAS(err, "batch");
		CHECK(cuda_exec_sync(x, err, sizeof err) == 0);
		cuda_exec_free(x);
	}
	free(whole);
	free(split);
	free(eager);
	free(again);
}

/* resnet50 at batch 4 (executor up to r50_max) and bert at batch 2, seq
 * 32 (up to seq 64): the services of the device tests, whose warm-up
 * prepares those sizes. */
static void r50_bert_services(zoo_model *r50, zoo_model *bert, int r50_max, dev_service svc[2])
{
	static const int b_r50[] = {4}, b_bert[] = {2}, s_bert[] = {32};
	svc[0] = (dev_service){.model = r50, .max_batch = r50_max, .batches = b_r50, .n_batches = 1};
	svc[1] = (dev_service){.model = bert,
	                       .max_batch = 2,
	                       .max_seq = 64,
	                       .batches = b_bert,
	                       .n_batches = 1,
	                       .seqs = s_bert,
	                       .n_seqs = 1};
}

static void test_device(zoo_model *r50, zoo_model *bert, zoo_model *vgg)
{
	char err[ERRLEN];
	cuda_options o;
	cuda_options_default(&o);
	device d;
	if (cuda_device_open(&d, &o, err, sizeof err)) {
		fprintf(stderr, "cuda_device_open: %s\n", err);
		check_failures++;
		return;
	}
	dev_info info;
	device_info(&d, &info);
	printf("  device: %s, driver %s, CUDA %s, cuDNN %s\n", info.gpu, info.driver, info.cuda,
	       info.cudnn);
	CHECK(info.gpu[0] && info.cuda[0] && info.cudnn[0] && info.driver[0]);

	/* the batches and seqs the groups below use, so setup's warm-up
	 * captures their graphs (the whole model's too) before any is timed */
	dev_service svc[2];
	r50_bert_services(r50, bert, 4, svc);
	if (device_setup(&d, svc, 2)) {
		fprintf(stderr, "setup: %s\n", device_errmsg(&d));
		check_failures++;
		device_free(&d);
		return;
	}
	dev_segment seg[2] = {{0, 4, 0, 0, 5, 1}, {1, 2, 32, 0, bert->n_ops, 1}};
	dev_group g = {2, seg};
	int64_t end[2] = {0, 0};
	for (int rep = 0; rep < 3; rep++) {
		int64_t t0 = device_now(&d);
		seg[0].start = 0;
		seg[0].end = 5;
		CHECK(device_run_group(&d, &g, end) == 0);
		int64_t t1 = device_now(&d);
		CHECK(end[0] > t0 && end[1] > t0);
		CHECK(end[0] <= t1 && end[1] <= t1);
		int64_t latest = end[0] > end[1] ? end[0] : end[1];
		CHECK(t1 - latest < 2000000); /* the group's end is now(), within 2 ms */
		printf("  group %d: resnet50 [0,5) ends %.3f ms, bert ends %.3f ms after launch\n",
		       rep, (end[0] - t0) / 1e6, (end[1] - t0) / 1e6);
		/* continue resnet50 alone */
		dev_segment rest = {0, 4, 0, 5, r50->n_ops, 1};
		dev_group g1 = {1, &rest};
		CHECK(device_run_group(&d, &g1, end) == 0);
	}
	/* the solo profile's per-op times: every op timed, and together they
	 * make up the whole model's time (measured twice, for a rough bound) */
	{
		int64_t op_ns[64] = {0}, sum = 0;
		dev_segment all = {0, 4, 0, 0, r50->n_ops, 1};
		dev_group ga = {1, &all};
		int64_t t0 = device_now(&d);
		CHECK(device_run_group(&d, &ga, end) == 0);
		int64_t whole = end[0] - t0;
		CHECK(device_time_ops(&d, &all, op_ns) == 0);
		int positive = 1;
		for (int i = 0; i < r50->n_ops; i++) {
			positive &= op_ns[i] > 0;
			sum += op_ns[i];
		}
		CHECK(positive);
		CHECK(sum > whole / 2 && sum < whole * 3 / 2);
		printf("  time_ops: resnet50 batch 4, %d ops sum to %.3f ms, the whole run %.3f ms\n",
		       r50->n_ops, sum / 1e6, whole / 1e6);
		dev_segment none = {0, 4, 0, 3, 3, 1};
		CHECK(device_time_ops(&d, &none, op_ns) != 0);
		CHECK_STR_HAS(device_errmsg(&d), "resnet50");
	}
	/* not a continuation: refused with a message naming the model */
	dev_segment bad = {0, 4, 0, 7, 9, 1};
	dev_group gb = {1, &bad};
	CHECK(device_run_group(&d, &gb, end) != 0);
	CHECK_STR_HAS(device_errmsg(&d), "resnet50");
	/* a merged batch of a size setup did not prepare: refused, in words */
	dev_segment merged = {0, 3, 0, 0, r50->n_ops, 2};
	dev_group gm = {1, &merged};
	CHECK(device_run_group(&d, &gm, end) != 0);
	CHECK_STR_HAS(device_errmsg(&d), "batch 3, was not prepared at setup");
	/* a service twice in one group */
	dev_segment twice[2] = {{1, 1, 16, 0, 1, 1}, {1, 1, 16, 0, 1, 1}};
	dev_group gt = {2, twice};
	CHECK(device_run_group(&d, &gt, end) != 0);
	/* wait_until sleeps on the device clock */
	int64_t t = device_now(&d) + 2000000;
	CHECK(device_wait_until(&d, t) == 0);
	CHECK(device_now(&d) >= t);

	/* more than the GPU holds is refused before anything runs: sixteen
	 * vgg16 services at batch 512 ask for hundreds of GiB */
	dev_service huge[16];
	for (int i = 0; i < 16; i++)
		huge[i] = (dev_service){.model = vgg, .max_batch = 512};
	CHECK(device_setup(&d, huge, 16) != 0);
	CHECK_STR_HAS(device_errmsg(&d), "GiB of GPU memory");
	CHECK_STR_HAS(device_errmsg(&d), "GiB free");
	printf("  refused: %s\n", device_errmsg(&d));
	device_free(&d);
}

/* Executors kept between devices (ABACUS_EXEC_CACHE=1): a second device
 * with the same services, on models of its own as a second run has, takes
 * both kept executors and runs groups on them; a third whose resnet50 goes
 * to batch 8 takes the bert one only (the other kept one is freed before
 * its memory check) and makes a new resnet50. */
static int kept_round(const char *name, zoo_model *r50, zoo_model *bert, int r50_max,
                      double *ms)
{
	char err[ERRLEN];
	device d;
	if (cuda_device_open(&d, NULL, err, sizeof err)) {
		fprintf(stderr, "cuda_device_open: %s\n", err);
		return -1;
	}
	dev_service svc[2];
	r50_bert_services(r50, bert, r50_max, svc);
	int64_t t0 = device_now(&d);
	if (device_setup(&d, svc, 2)) {
		fprintf(stderr, "%s: setup: %s\n", name, device_errmsg(&d));
		device_free(&d);
		return -1;
	}
	int64_t t1 = device_now(&d), end[2] = {0, 0};
	dev_segment seg[2] = {{0, 4, 0, 0, r50->n_ops, 1}, {1, 2, 32, 0, bert->n_ops, 1}};
	dev_group g = {2, seg};
	int rc = 0;
	for (int rep = 0; rep < 5 && !rc; rep++) {
		int64_t t = device_now(&d);
		rc = device_run_group(&d, &g, end);
		*ms = (double)((end[0] > end[1] ? end[0] : end[1]) - t) / 1e6;
	}
	printf("  %s: setup %.2f s, resnet50 b4 with bert b2 seq 32: %.3f ms\n", name,
	       (double)(t1 - t0) / 1e9, *ms);
	device_free(&d);
	return rc;
}

static void test_kept(void)
{
	char err[ERRLEN];
	setenv("ABACUS_EXEC_CACHE", "1", 1);
	long before = cuda_dev_kept_taken();
	double ms[3] = {0, 0, 0};
	for (int round = 0; round < 3; round++) {
		/* each round's models are its own, freed after its device */
		zoo_model *r50 = zoo_model_new("resnet50", err, sizeof err);
		zoo_model *bert = zoo_model_new("bert", err, sizeof err);
		CHECK(r50 && bert);
		if (!r50 || !bert)
			break;
		static const char *names[] = {"first device", "second (kept executors)",
		                              "third (resnet50 to batch 8: bert kept)"};
		CHECK(kept_round(names[round], r50, bert, round == 2 ? 8 : 4, &ms[round]) == 0);
		long taken = cuda_dev_kept_taken() - before;
		CHECK(taken == (round == 0 ? 0 : round == 1 ? 2 : 3));
		zoo_model_free(r50);
		zoo_model_free(bert);
	}
	/* the kept executors run as fast as new ones (a loose bound: any
	 * state left wrong would show as a fault, not a few percent) */
	CHECK(ms[1] > 0 && ms[1] < 2 * ms[0] && ms[0] < 2 * ms[1]);
	unsetenv("ABACUS_EXEC_CACHE");
}

/* Sorts x[0..n) ascending (insertion sort: the few timings of a check). */
static void sort_doubles(double *x, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && x[j] < x[j - 1]; j--) {
			double v = x[j];
			x[j] = x[j - 1];
			x[j - 1] = v;
		}
}

/* One device without CUDA graphs, resnet50 batch 4 and bert batch 2 seq 32
 * as one group, launched from one thread or (threads) from a thread per
 * service: the median of 20 groups' times and both services' outputs. With
 * threads it also runs a group whose bert segment is refused (not a
 * continuation): the error names bert and the next group runs. */
static int threads_round(int threads, zoo_model *r50, zoo_model *bert, float *o_r50, float *o_bert,
                         double *ms)
{
	char err[ERRLEN];
	cuda_options o;
	cuda_options_default(&o);
	o.graphs = 0;
	o.launch_threads = threads;
	device d;
	if (cuda_device_open(&d, &o, err, sizeof err)) {
		fprintf(stderr, "cuda_device_open: %s\n", err);
		return -1;
	}
	dev_service svc[2];
	r50_bert_services(r50, bert, 4, svc);
	int rc = device_setup(&d, svc, 2);
	if (rc)
		fprintf(stderr, "threads %d: setup: %s\n", threads, device_errmsg(&d));
	dev_segment seg[2] = {{0, 4, 0, 0, r50->n_ops, 1}, {1, 2, 32, 0, bert->n_ops, 1}};
	dev_group g = {2, seg};
	double t[20];
	int64_t end[2] = {0, 0};
	for (int rep = 0; rep < 20 && !rc; rep++) {
		int64_t t0 = device_now(&d);
		rc = device_run_group(&d, &g, end);
		t[rep] = (double)((end[0] > end[1] ? end[0] : end[1]) - t0) / 1e6;
	}
	if (rc)
		fprintf(stderr, "threads %d: group: %s\n", threads, device_errmsg(&d));
	if (!rc) {
		sort_doubles(t, 20);
		*ms = (t[9] + t[10]) / 2;
		rc = cuda_exec_get_output(cuda_dev_exec(&d, 0), o_r50, 4, 0, err, sizeof err) ||
		     cuda_exec_get_output(cuda_dev_exec(&d, 1), o_bert, 2, 32, err, sizeof err);
		if (rc)
			fprintf(stderr, "threads %d: outputs: %s\n", threads, err);
	}
	if (!rc && threads) {
		dev_segment bad[2] = {{0, 4, 0, 0, r50->n_ops, 1}, {1, 2, 32, 7, 9, 1}};
		dev_group gb = {2, bad};
		CHECK(device_run_group(&d, &gb, end) != 0);
		CHECK_STR_HAS(device_errmsg(&d), "bert");
		printf("  a refused segment on its thread: %s\n", device_errmsg(&d));
		CHECK(device_run_group(&d, &g, end) == 0);
	}
	device_free(&d);
	return rc ? -1 : 0;
}

/* Launch threads (cuda_options.launch_threads): the outputs a group gives
 * launched from a thread per service are those it gives from one thread;
 * the group times of both are printed (a measure, not a check). */
static void test_threads(zoo_model *r50, zoo_model *bert)
{
	zoo_dims d50 = zoo_layer_dims(r50, r50->n_layers - 1, 0);
	zoo_dims db = zoo_layer_dims(bert, bert->n_layers - 1, 32);
	size_t n50 = 4 * (size_t)zoo_dims_count(&d50, 0), nb = 2 * (size_t)zoo_dims_count(&db, 32);
	float *a50 = malloc(n50 * 4), *b50 = malloc(n50 * 4), *ab = malloc(nb * 4),
	      *bb = malloc(nb * 4);
	double one = 0, each = 0;
	CHECK(a50 && b50 && ab && bb);
	if (a50 && b50 && ab && bb) {
		CHECK(threads_round(0, r50, bert, a50, ab, &one) == 0);
		CHECK(threads_round(1, r50, bert, b50, bb, &each) == 0);
		/* the two rounds build their executors apart, with TF32 on:
		 * cuDNN's kernels need not sum in the same order twice (6.3e-05
		 * for resnet50 on an H100), so the bound is the whole model's
		 * against its reference; a launch race would corrupt whole
		 * tensors, far past it */
		double e50 = rel_err(b50, a50, n50), eb = rel_err(bb, ab, nb);
		CHECK(e50 <= 1e-3 && eb <= 1e-3);
		printf("  outputs, a thread per service against one: resnet50 rel err %.2e, bert "
		       "%.2e (tol 1e-03)\n",
		       e50, eb);
		printf("  without graphs, resnet50 b4 with bert b2 seq 32: one thread %.3f ms, a "
		       "thread per service %.3f ms\n",
		       one, each);
	}
	free(a50);
	free(b50);
	free(ab);
	free(bb);
}

/* The timeline (ABACUS_TIMELINE, runtime/cuda_dev.c): a device writes a
 * row per group (header once), its segments named, the GPU span within
 * the host's time; a path it cannot open fails setup naming the variable. */
static void test_timeline(zoo_model *r50, zoo_model *bert)
{
	char err[ERRLEN], path[] = "/tmp/abacus-timeline-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	setenv("ABACUS_TIMELINE", path, 1);
	cuda_options o;
	cuda_options_default(&o);
	dev_service svc[2];
	r50_bert_services(r50, bert, 4, svc);
	dev_segment seg[2] = {{0, 4, 0, 0, r50->n_ops, 1}, {1, 2, 32, 0, bert->n_ops, 1}};
	dev_group both = {2, seg}, one = {1, seg};
	int64_t end[2];
	for (int round = 0; round < 2; round++) { /* a second run appends */
		device d;
		CHECK(cuda_device_open(&d, &o, err, sizeof err) == 0);
		int rc = device_setup(&d, svc, 2);
		if (rc)
			fprintf(stderr, "timeline: setup: %s\n", device_errmsg(&d));
		CHECK(rc == 0);
		for (int i = 0; i < 6 && !rc; i++) {
			rc = device_run_group(&d, i % 2 ? &both : &one, end);
			CHECK(rc == 0);
		}
		device_free(&d);
	}
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	int rows = 0, headers = 0, good = 0;
	double beyond[12];
	char line[1024];
	while (f && fgets(line, sizeof line, f)) {
		if (strncmp(line, "open_ns,", 8) == 0) {
			headers++;
			continue;
		}
		long long open_ns;
		long g;
		double t, launch, host, span;
		char gap[32] = "", segs[512] = "";
		/* gap_us is empty on a run's first group */
		int n = sscanf(line, "%lld,%ld,%lf,%31[^,],%lf,%lf,%lf,%511s", &open_ns, &g, &t,
		               gap, &launch, &host, &span, segs);
		if (n != 8)
			n = sscanf(line, "%lld,%ld,%lf,,%lf,%lf,%lf,%511s", &open_ns, &g, &t,
			           &launch, &host, &span, segs) +
			    1;
		int nseg = 1;
		for (const char *c = segs; *c; c++)
			nseg += *c == ';';
		int want = g % 2 ? 2 : 1;
		if (n == 8 && nseg == want && strstr(segs, "resnet50") &&
		    (want == 1 || strstr(segs, "bert")) && span > 0 && host + 2.0 >= span &&
		    launch >= 0 && launch <= host && rows < 12) {
			beyond[good] = host - span;
			good++;
		} else {
			fprintf(stderr, "timeline: unexpected row: %s", line);
		}
		rows++;
	}
	if (f)
		fclose(f);
	CHECK(headers == 1 && rows == 12 && good == 12);
	if (good == 12) {
		sort_doubles(beyond, good);
		printf("  12 rows, one header; host time beyond the GPU span: median %.1f us, "
		       "range %.1f to %.1f\n",
		       (beyond[5] + beyond[6]) / 2, beyond[0], beyond[11]);
	}
	unlink(path);
	setenv("ABACUS_TIMELINE", "/nonexistent-dir/timeline.csv", 1);
	device d;
	CHECK(cuda_device_open(&d, &o, err, sizeof err) == 0);
	CHECK(device_setup(&d, svc, 2) != 0);
	CHECK_STR_HAS(device_errmsg(&d), "ABACUS_TIMELINE");
	printf("  a path it cannot open: %s\n", device_errmsg(&d));
	device_free(&d);
	unsetenv("ABACUS_TIMELINE");
}

/* Queries of batches q[0..nq) merged into one batch of their sum, run as
 * a whole model, against each query run alone on its own slice of the
 * merged input: the merged batch's outputs, slice by slice. */
static void test_merged_outputs(const zoo_model *m, const int *q, int nq, int seq, int prec)
{
	char err[ERRLEN];
	int total = 0;
	for (int k = 0; k < nq; k++)
		total += q[k];
	zoo_dims id = m->input, od = zoo_layer_dims(m, m->n_layers - 1, seq);
	size_t per_in = (size_t)zoo_dims_count(&id, seq), per_out = (size_t)zoo_dims_count(&od, seq);
	unsigned char *in = malloc((size_t)total * per_in * 4);
	float *merged = malloc((size_t)total * per_out * 4), *alone = malloc((size_t)total * per_out * 4);
	cuda_exec *x = make_exec(m, total, seq, prec, 1, 0, 1, 5, NCHW);
	if (!in || !merged || !alone || !x) {
		check_failures++;
		goto out;
	}
	wts_input(m, 41, in, (size_t)total * per_in);
	if (cuda_exec_set_input(x, in, total, seq, err, sizeof err) ||
	    cuda_exec_run(x, 0, m->n_ops, total, seq, err, sizeof err) ||
	    cuda_exec_get_output(x, merged, total, seq, err, sizeof err)) {
		fprintf(stderr, "%s merged batch %d: %s\n", m->name, total, err);
		check_failures++;
		goto out;
	}
	double tol = prec == FP32 ? 1e-3 : 2e-2, worst = 0;
	for (int k = 0, off = 0; k < nq; off += q[k], k++) {
		if (cuda_exec_set_input(x, in + (size_t)off * per_in * 4, q[k], seq, err, sizeof err) ||
		    cuda_exec_run(x, 0, m->n_ops, q[k], seq, err, sizeof err) ||
		    cuda_exec_get_output(x, alone, q[k], seq, err, sizeof err)) {
			fprintf(stderr, "%s query of batch %d alone: %s\n", m->name, q[k], err);
			check_failures++;
			goto out;
		}
		double e = rel_err(merged + (size_t)off * per_out, alone, (size_t)q[k] * per_out);
		worst = e > worst ? e : worst;
		CHECK(e <= tol);
	}
	printf("  %s %s: %d queries merged into batch %d, seq %d: worst query rel err %.2e (tol "
	       "%.0e)\n",
	       m->name, prec_name(prec), nq, total, seq, worst, tol);
out:
	cuda_exec_free(x);
	free(in);
	free(merged);
	free(alone);
}

/* The same model, weights and input run at `batch` by an executor of max
 * batch `maxb` with the default workspace and one with ws_all: the second
 * has no conv below cuDNN's first choice for want of workspace (its
 * workspace grows where the max batch's candidates left it short), and
 * their outputs agree within the whole-model bound of the precision. */
static void test_ws_all(const zoo_model *m, int batch, int prec, int maxb)
{
	char err[ERRLEN];
	zoo_dims id = m->input, od = zoo_layer_dims(m, m->n_layers - 1, 0);
	size_t n_in = (size_t)batch * (size_t)zoo_dims_count(&id, 0);
	size_t n_out = (size_t)batch * (size_t)zoo_dims_count(&od, 0);
	unsigned char *in = malloc(n_in * 4);
	float *a = malloc(n_out * 4), *b = malloc(n_out * 4);
	cuda_exec *xa = make_exec(m, maxb, 0, prec, 1, 0, 1, 5, NHWC | FUSE);
	cuda_exec *xb = make_exec(m, maxb, 0, prec, 1, 0, 1, 5, NHWC | FUSE | WS);
	if (!in || !a || !b || !xa || !xb) {
		check_failures++;
		goto out;
	}
	wts_input(m, 43, in, n_in);
	cuda_exec *xs[2] = {xa, xb};
	float *outs[2] = {a, b};
	for (int i = 0; i < 2; i++)
		if (cuda_exec_set_input(xs[i], in, batch, 0, err, sizeof err) ||
		    cuda_exec_run(xs[i], 0, m->n_ops, batch, 0, err, sizeof err) ||
		    cuda_exec_get_output(xs[i], outs[i], batch, 0, err, sizeof err)) {
			fprintf(stderr, "%s batch %d (ws_all %d): %s\n", m->name, batch, i, err);
			check_failures++;
			goto out;
		}
	int short_a = cuda_exec_ws_short_convs(xa, batch), short_b = cuda_exec_ws_short_convs(xb, batch);
	double e = rel_err(a, b, n_out), tol = 2e-2;
	CHECK(short_b == 0);
	CHECK(e <= tol);
	printf("  %s %s nhwc+add batch %d of max %d: %d convs below the first choice for "
	       "workspace by default, %d with ws_all; outputs rel err %.2e (tol %.0e)\n",
	       m->name, prec_name(prec), batch, maxb, short_a, short_b, e, tol);
out:
	cuda_exec_free(xa);
	cuda_exec_free(xb);
	free(in);
	free(a);
	free(b);
}

/* A device whose services ask for every batch size prepares them all at
 * setup, and merged batches of sizes off the batch list run, whole and
 * cut, beside another service's. */
static void test_merged_device(zoo_model *r50, zoo_model *bert)
{
	char err[ERRLEN];
	device d;
	if (cuda_device_open(&d, NULL, err, sizeof err)) {
		fprintf(stderr, "cuda_device_open: %s\n", err);
		check_failures++;
		return;
	}
	static const int b_r50[] = {1, 2, 4, 8}, b_bert[] = {1, 2}, s_bert[] = {32, 64};
	dev_service svc[2] = {{.model = r50, .max_batch = 13, .batches = b_r50, .n_batches = 4,
	                       .every_batch = 1},
	                      {.model = bert,
	                       .max_batch = 6,
	                       .max_seq = 64,
	                       .batches = b_bert,
	                       .n_batches = 2,
	                       .seqs = s_bert,
	                       .n_seqs = 2,
	                       .every_batch = 1}};
	int64_t t0 = device_now(&d);
	if (device_setup(&d, svc, 2)) {
		fprintf(stderr, "setup: %s\n", device_errmsg(&d));
		check_failures++;
		device_free(&d);
		return;
	}
	printf("  setup with every batch size (resnet50 1..13, bert 1..6 x 2 seqs): %.1f s\n",
	       (device_now(&d) - t0) / 1e9);
	int n = r50->n_ops, k = n / 2;
	/* resnet50: 1 + 2, 1 + 4 and 1 + 4 + 8 queries merged; bert 1 + 4 at
	 * seq 64 beside the second */
	static const int sizes[][2] = {{3, 2}, {5, 2}, {13, 3}};
	int64_t end[2];
	for (int i = 0; i < 3; i++) {
		dev_segment seg[2] = {{0, sizes[i][0], 0, 0, n, sizes[i][1]},
		                      {1, 5, 64, 0, bert->n_ops, 2}};
		dev_group g = {i == 1 ? 2 : 1, seg};
		int64_t t = device_now(&d);
		int rc = device_run_group(&d, &g, end);
		if (rc)
			fprintf(stderr, "merged batch %d: %s\n", sizes[i][0], device_errmsg(&d));
		CHECK(rc == 0);
		printf("  merged resnet50 batch %d%s: %.3f ms\n", sizes[i][0],
		       i == 1 ? " beside bert batch 5" : "", (end[0] - t) / 1e6);
	}
	/* a merged batch of 13 cut at op k and continued */
	dev_segment cut = {0, 13, 0, 0, k, 3};
	dev_group gc = {1, &cut};
	CHECK(device_run_group(&d, &gc, end) == 0);
	cut.start = k;
	cut.end = n;
	CHECK(device_run_group(&d, &gc, end) == 0);
	/* past max_batch: refused */
	dev_segment big = {0, 14, 0, 0, n, 3};
	dev_group gbig = {1, &big};
	CHECK(device_run_group(&d, &gbig, end) != 0);
	CHECK_STR_HAS(device_errmsg(&d), "batch 14, is past the largest batch it was set up for, 13");
	device_free(&d);
}

/* What cuda_exec_describe says of the fc layers with fc_lt: one line per
 * fc layer naming its epilogue (want, e.g. "epilogue RELU_BIAS" for
 * vgg16's ReLU layers, "epilogue BIAS + our gelu" for bert's FFN), after
 * the batch ran; none without fc_lt. */
/* cuda_exec_describe of an executor of m (TF32, graphs, conv_gemm 1) after
 * one whole run at (batch, seq), in a temporary file rewound for reading;
 * NULL, the failure counted, when it cannot be had. */
static FILE *run_described(const zoo_model *m, int batch, int seq, int find, int layout)
{
	char err[ERRLEN];
	cuda_exec *x = make_exec(m, batch, seq, TF32, 1, find, 1, 5, layout);
	if (!x)
		return NULL;
	FILE *f = tmpfile();
	if (!f || cuda_exec_run(x, 0, m->n_ops, batch, seq, err, sizeof err) ||
	    cuda_exec_sync(x, err, sizeof err)) {
		fprintf(stderr, "%s describe (%s%s): %s\n", m->name, layout_name(layout),
		        find ? ", find" : "", f ? err : "tmpfile");
		check_failures++;
		if (f)
			fclose(f);
		f = NULL;
	} else {
		cuda_exec_describe(x, batch, f);
		rewind(f);
	}
	cuda_exec_free(x);
	return f;
}

/* With find, every fc line of cuda_exec_describe says its candidates were
 * timed, the time kept at most the first choice's. */
static void test_lt_find(const zoo_model *m, int batch, int seq)
{
	FILE *f = run_described(m, batch, seq, 1, LT);
	if (!f)
		return;
	char line[512];
	int fc_lines = 0, timed = 0, moved = 0;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "# fc ", 5))
			continue;
		fc_lines++;
		const char *t = strstr(line, "timed: ");
		double kept = 0, first = 0;
		if (t && sscanf(t, "timed: %lf us (first choice %lf)", &kept, &first) == 2) {
			timed++;
			CHECK(kept > 0 && kept <= first);
			moved += kept < first;
			if (fc_lines <= 4)
				printf("  %s", line);
		}
	}
	CHECK(fc_lines > 0 && timed == fc_lines);
	printf("  %s batch %d seq %d: %d of %d fc lines timed, %d off the first choice\n", m->name,
	       batch, seq, timed, fc_lines, moved);
	fclose(f);
}

static void test_lt_describe(const zoo_model *m, int batch, int seq, const char *want)
{
	for (int lt = 0; lt <= 1; lt++) {
		FILE *f = run_described(m, batch, seq, 0, lt ? LT : NCHW);
		if (!f)
			continue;
		char line[512];
		int fc_lines = 0, fc_layers = 0, found = 0;
		while (fgets(line, sizeof line, f))
			if (!strncmp(line, "# fc ", 5)) {
				fc_lines++;
				found |= strstr(line, want) != NULL;
				CHECK(strstr(line, "not yet run") == NULL);
			}
		for (int l = 0; l < m->n_layers; l++)
			fc_layers += m->layers[l].kind == ZOO_FC;
		CHECK(fc_lines == (lt ? fc_layers : 0));
		if (lt)
			CHECK(found);
		printf("  %s batch %d fc_lt %d: %d describe lines for %d fc layers%s%s\n", m->name,
		       batch, lt, fc_lines, fc_layers, lt ? ", one says " : "", lt ? want : "");
		fclose(f);
	}
}

/* Whether part `name` runs: every part without arguments, else those
 * named. */
static int part(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return argc < 2;
}

int main(int argc, char **argv)
{
	/* line by line into a file too: a run stopped at a time limit keeps
	 * what it printed (and its failures' order against stderr's) */
	setvbuf(stdout, NULL, _IOLBF, 0);
	char err[ERRLEN];
	device probe;
	if (cuda_device_open(&probe, NULL, err, sizeof err)) {
		if (strstr(err, "no CUDA GPU found")) {
			printf("SKIP: no CUDA GPU (%s)\n", err);
			return 77;
		}
		fprintf(stderr, "cuda_device_open: %s\n", err);
		return 1;
	}
	device_free(&probe);
	if (cuda_print_info(stdout, err, sizeof err)) {
		fprintf(stderr, "cuda_print_info: %s\n", err);
		check_failures++;
	}

	zoo_model *zm[16] = {0};
	wts *zw[16] = {0};
	int n = 0;
	for (int i = 0; models[i]; i++, n++) {
		zm[n] = zoo_model_new(models[i], err, sizeof err);
		if (!zm[n] || !(zw[n] = wts_new(zm[n], 7, err, sizeof err))) {
			fprintf(stderr, "%s: %s\n", models[i], err);
			return 1;
		}
	}
	zoo_model *r50 = zm[1], *vgg = zm[5], *bert = zm[8];

	{
		cuda_exec_cfg bad = {.model = r50, .max_batch = 1, .tf32 = 1, .graphs = 1,
		                     .conv_gemm = 7, .seed = 1};
		cuda_exec *x = NULL;
		CHECK(cuda_exec_new(&bad, &x, err, sizeof err) != 0 && x == NULL);
		CHECK_STR_HAS(err, "conv_gemm 7");
		bad.conv_gemm = 1;
		bad.half = 3;
		CHECK(cuda_exec_new(&bad, &x, err, sizeof err) != 0 && x == NULL);
		CHECK_STR_HAS(err, "half 3");
		bad.half = 0;
		bad.nhwc = 3;
		CHECK(cuda_exec_new(&bad, &x, err, sizeof err) != 0 && x == NULL);
		CHECK_STR_HAS(err, "nhwc 3");
		bad.nhwc = 0;
		bad.fc_lt = 2;
		CHECK(cuda_exec_new(&bad, &x, err, sizeof err) != 0 && x == NULL);
		CHECK_STR_HAS(err, "fc_lt 2");
		bad.fc_lt = 0;
		bad.dw = 3;
		CHECK(cuda_exec_new(&bad, &x, err, sizeof err) != 0 && x == NULL);
		CHECK_STR_HAS(err, "dw 3");
		bad.dw = 0;
		bad.attn_rt = 2;
		CHECK(cuda_exec_new(&bad, &x, err, sizeof err) != 0 && x == NULL);
		CHECK_STR_HAS(err, "attn_rt 2");
		bad.attn_rt = 0;
		bad.attn_tc = -1;
		CHECK(cuda_exec_new(&bad, &x, err, sizeof err) != 0 && x == NULL);
		CHECK_STR_HAS(err, "attn_tc -1");
	}

	if (part(argc, argv, "pool")) {
		printf("pooling kernel alone, NHWC, fp32 (avg tol 1e-6), fp16 and bf16 (avg tol "
		       "1e-2), max exact:\n");
		test_pool_kernel();
	}
	if (part(argc, argv, "layers")) {
		printf("layers, TF32 off (tol 1e-4):\n");
		test_layers(zm, zw, 0, 1e-4, 0, NCHW);
		printf("layers, TF32 on (tol 1e-2):\n");
		test_layers(zm, zw, 1, 1e-2, 0, NCHW);
		printf("conv layers as im2col + GEMM, TF32 off (tol 1e-4) and on (tol 1e-2):\n");
		test_layers(zm, zw, 0, 1e-4, 2, NCHW);
		test_layers(zm, zw, 1, 1e-2, 2, NCHW);
		printf("conv layers as im2col + split GEMM, TF32 off (tol 1e-4), on (tol 1e-2):\n");
		test_layers(zm, zw, 0, 1e-4, 3, NCHW);
		test_layers(zm, zw, 1, 1e-2, 3, NCHW);
		printf("layers in fp16 and bf16, cuDNN convs, unsplit, split GEMMs (tol 1e-2):\n");
		for (int prec = FP16; prec <= BF16; prec++)
			for (int cg = 0; cg <= 3; cg += cg ? 1 : 2)
				test_layers(zm, zw, prec, 1e-2, cg, NCHW);
		printf("layers in NHWC (residual adds fused as ops run), TF32 off (tol 1e-4), "
		       "on, fp16 and bf16 (tol 1e-2), cuDNN convs and 1x1 convs as GEMMs:\n");
		for (int prec = FP32; prec <= BF16; prec++)
			for (int cg = 0; cg <= 2; cg += 2)
				test_layers(zm, zw, prec, prec == FP32 ? 1e-4 : 1e-2, cg,
				            NHWC | FUSE);
	}

	static const int nchw[] = {NCHW, -1}, both[] = {NCHW, NHWC, -1},
	                 every[] = {NCHW, NHWC, NHWC | FUSE, FUSE, -1};
	printf("whole models:\n");
	if (part(argc, argv, "resnet")) {
		test_model(r50, zw[1], 1, 0, 1, every);
		test_model(r50, zw[1], 1, 0, 2, both);
		test_model(r50, zw[1], 1, 0, 3, nchw);
	}
	if (part(argc, argv, "models")) {
		test_model(bert, zw[8], 1, 64, 1, both); /* bert ignores nhwc */
		test_model(bert, zw[8], 4, 64, 1, nchw); /* the fused attention kernel's path */
		{
			static const int rt[] = {RT, -1}; /* the register-tiled attention kernel */
			test_model(bert, zw[8], 4, 64, 1, rt);
		}
		{
			/* the tensor-core attention kernel (fp32 without TF32: the
			 * kernels above). It takes fp16 and bf16 from batch 4 and
			 * TF32 from 8 (ATTN_TC_MIN_BATCH_*), at seq 24 to 192 and
			 * 48 to 96 (ATTN_TC_SEQ_*): batch 1 checks the way below, 4
			 * with rt (tc wins where it runs) half precision's tc and
			 * TF32's scalar kernel, 8 at seq 53 tc in all three (a
			 * length no tile divides), 4 at seq 128 a longer sequence */
			static const int tc[] = {TC, RT | TC, -1}, tc1[] = {TC, -1};
			test_model(bert, zw[8], 1, 64, 1, tc1);
			test_model(bert, zw[8], 4, 64, 1, tc);
			test_model(bert, zw[8], 8, 53, 1, tc1);
			test_model(bert, zw[8], 4, 128, 1, tc1);
		}
		{
			static const int nhwc[] = {NHWC, NHWC | FUSE, -1};
			/* inception_v3 and vgg16 at batch 1, mobilenet_v2 at 2 */
			static const int others[] = {4, 5, 7}, batch[] = {1, 1, 2};
			for (int i = 0; i < 3; i++)
				test_model(zm[others[i]], zw[others[i]], batch[i], 0, 1, nhwc);
		}
	}

	if (part(argc, argv, "segments")) {
		printf("segments:\n");
		test_segments(r50, 2, 0, 0, TF32, NCHW);
		test_segments(r50, 2, 0, 2, TF32, NCHW);
		test_segments(r50, 2, 0, 3, TF32, NCHW);
		test_segments(zm[4], 1, 0, 0, TF32, NCHW);
		test_segments(bert, 2, 32, 0, TF32, NCHW);
		test_segments(bert, 4, 64, 0, TF32, NCHW); /* the fused attention kernel's path */
		test_segments(r50, 2, 0, 3, FP16, NCHW);
		test_segments(bert, 4, 64, 0, FP16, NCHW);
		test_segments(bert, 4, 64, 0, TF32, RT); /* the register-tiled attention kernel */
		test_segments(bert, 4, 64, 0, FP16, RT);
		test_segments(bert, 4, 64, 0, BF16, RT);
		/* the tensor-core attention kernel, at batches where it runs */
		test_segments(bert, 8, 64, 0, TF32, TC);
		test_segments(bert, 4, 64, 0, FP16, TC);
		test_segments(bert, 4, 64, 0, BF16, TC);
		test_segments(bert, 5, 23, 0, FP16, TC);
		test_segments(r50, 2, 0, 0, TF32, FUSE);
		test_segments(r50, 2, 0, 0, TF32, NHWC | FUSE);
		test_segments(r50, 2, 0, 2, TF32, NHWC | FUSE);
		test_segments(r50, 2, 0, 0, FP16, NHWC | FUSE);
		test_segments(r50, 2, 0, 0, BF16, NHWC | FUSE);
		test_segments(zm[4], 1, 0, 0, FP16, NHWC);
		test_segments(zm[7], 2, 0, 0, BF16, NHWC | FUSE);
		test_segments(vgg, 1, 0, 0, FP16, NHWC);
	}

	if (part(argc, argv, "kept")) {
		printf("executors kept between devices:\n");
		test_kept();
	}
	if (part(argc, argv, "device")) {
		printf("device:\n");
		test_device(r50, bert, vgg);
	}
	if (part(argc, argv, "threads")) {
		printf("launch threads:\n");
		test_threads(r50, bert);
	}
	if (part(argc, argv, "timeline")) {
		printf("timeline:\n");
		test_timeline(r50, bert);
	}
	if (part(argc, argv, "attention")) {
		printf("attention kernel:\n");
		test_attention(bert, zw[8]);
	}

	if (part(argc, argv, "merged")) {
		static const int q3[] = {1, 2}, q5[] = {1, 4}, q13[] = {1, 4, 8};
		printf("merged batches:\n");
		test_merged_outputs(r50, q3, 2, 0, FP32);
		test_merged_outputs(r50, q5, 2, 0, FP32);
		test_merged_outputs(r50, q13, 3, 0, FP32);
		test_merged_outputs(r50, q13, 3, 0, TF32);
		test_merged_outputs(bert, q5, 2, 32, FP32);
		test_merged_outputs(bert, q3, 2, 64, TF32);
		test_merged_device(r50, bert);
	}
	if (part(argc, argv, "dw")) {
		zoo_model *mb = zm[7];
		printf("depthwise kernel (dw), every zoo shape against ref_layer: fp32 (tol 1e-4), "
		       "fp16 and bf16 (tol 1e-2), NCHW and NHWC:\n");
		for (int prec = FP32; prec <= BF16; prec++)
			for (int lay = 0; lay <= 1; lay++)
				if (prec != TF32)
					test_dw_layers(zm, zw, prec, prec == FP32 ? 1e-4 : 1e-2,
					               (lay ? NHWC : NCHW) | DW);
		printf("depthwise kernel alone, shapes the zoo lacks:\n");
		test_dw_kernel();
		printf("nhwc 1 with and without dw:\n");
		test_dw_nhwc_rule(mb, r50);
		printf("mobilenet_v2 whole with dw 2, and dw 1 (timed):\n");
		{
			static const int dw2[] = {DW, NHWC | FUSE | DW, -1},
			                 dw1[] = {NHWC | FUSE | DW1, -1};
			test_model(mb, zw[7], 2, 0, 1, dw2);
			test_model(mb, zw[7], 2, 0, 1, dw1);
		}
		printf("mobilenet_v2 segments with dw 2:\n");
		test_segments(mb, 2, 0, 0, FP32, DW);
		test_segments(mb, 2, 0, 0, FP16, NHWC | FUSE | DW);
		test_segments(mb, 2, 0, 0, BF16, NHWC | DW);
	}
	if (part(argc, argv, "ws")) {
		printf("workspace for any candidate (ws_all):\n");
		test_ws_all(vgg, 16, FP16, 32);
		test_ws_all(zm[6], 16, FP16, 32); /* vgg19 */
		test_ws_all(zm[4], 8, BF16, 32);  /* inception_v3 */
		test_ws_all(r50, 8, BF16, 32);
		/* merged batches' sizes under a max of 16 (TF32, data/h100's
		 * engine), where live runs found the max batch's workspace short */
		test_ws_all(vgg, 12, TF32, 16);
		test_ws_all(zm[6], 14, TF32, 16);
	}

	if (part(argc, argv, "lt")) {
		static const int lt[] = {LT, -1}, lt_r50[] = {LT, NHWC | FUSE | LT, -1};
		printf("fc layers through cuBLASLt (fc_lt), every distinct shape, TF32 off (tol "
		       "1e-4), on, fp16 and bf16 (tol 1e-2):\n");
		for (int prec = FP32; prec <= BF16; prec++)
			test_layers(zm, zw, prec, prec == FP32 ? 1e-4 : 1e-2, 0, LT);
		printf("whole models with fc_lt:\n");
		test_model(bert, zw[8], 1, 64, 1, lt);
		test_model(bert, zw[8], 4, 64, 1, lt); /* the fused attention kernel's path */
		test_model(r50, zw[1], 1, 0, 1, lt_r50);
		printf("segments with fc_lt:\n");
		test_segments(bert, 2, 32, 0, FP32, LT);
		test_segments(bert, 2, 32, 0, TF32, LT);
		test_segments(bert, 4, 64, 0, TF32, LT);
		test_segments(bert, 4, 64, 0, FP16, LT);
		test_segments(bert, 4, 64, 0, BF16, LT);
		test_segments(r50, 2, 0, 0, TF32, NHWC | FUSE | LT);
		printf("fc_lt with find (each fc's cuBLASLt candidates timed):\n");
		static const int lt_find[] = {LT | FIND, -1};
		test_model(bert, zw[8], 4, 64, 1, lt_find);
		test_model(bert, zw[8], 3, 23, 1, lt_find);
		test_lt_find(bert, 8, 64);
		printf("cuda_exec_describe with fc_lt:\n");
		test_lt_describe(vgg, 1, 0, "epilogue RELU_BIAS");
		test_lt_describe(bert, 2, 64, "epilogue BIAS + our gelu");
	}

	for (int i = 0; i < n; i++) {
		wts_free(zw[i]);
		zoo_model_free(zm[i]);
	}
	return check_report("test_cuda");
}
