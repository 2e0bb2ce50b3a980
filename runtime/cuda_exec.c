/* cuda_exec.c: one service's executor (see cuda_exec.h).
 *
 * Layer kinds map onto the libraries as follows:
 *   conv           cuDNN, bias and ReLU/identity fused into the convolution
 *                  (cudnnConvolutionBiasActivationForward) where cuDNN
 *                  allows it, else convolution + our bias/act epilogue;
 *                  small outputs may instead run as im2col + cuBLAS GEMM
 *                  + epilogue where that timed faster (choose_gemm);
 *                  depthwise convs may run as our kernel with bias and
 *                  activation fused (cfg.dw, cuda_k_dwconv, choose_dw)
 *   pool           cuDNN pooling (NHWC and bf16: cuda_k_pool)
 *   fc             cublasSgemm (fp16: cublasGemmEx) + bias/act epilogue;
 *                  cfg.fc_lt: one cublasLtMatmul with the bias (and ReLU)
 *                  in its epilogue (plan_fc_lt, run_fc_lt)
 *   attention      scores + softmax + context as one kernel of ours where
 *                  the sequence fits it (cuda_k_attention; cfg.attn_tc:
 *                  on tensor cores, from batch 4 in fp16 and bf16, 8 in
 *                  TF32), else
 *                  cublasGemmStridedBatchedEx, heads (or samples) batched
 *   concat, take-first   strided device copies, no kernel (NHWC concat:
 *                  cuda_k_concat_nhwc)
 *   add, layer norm, softmax, embedding, epilogues   cuda_kernels.cu
 *
 * fp16 (cfg.half 1) and bf16 (cfg.half 2): weights, activations and the
 * model input (bert's ids stay int32) are stored as binary16 or bfloat16,
 * every matrix product and convolution accumulates in float (cuDNN's
 * pseudo-half configuration, cuBLAS's 32F compute type) and our kernels
 * compute in float.
 *
 * NHWC (cfg.nhwc, CNNs only): every activation and the model input are
 * stored [n][h][w][c], conv filters [k][r][s][c] (repacked at load), so
 * cuDNN runs its NHWC kernels with no layout transposes around them. Our
 * kernels that care take the layout: channel concat (cuda_k_concat_nhwc),
 * pooling (cuda_k_pool), the bias epilogue (channels innermost),
 * depthwise convs (cfg.dw, cuda_k_dwconv: channel vectors per thread), and
 * 1x1 stride-1 convs as GEMMs over the pixels (conv_gemm, no unfolding);
 * adds are layout-free; a fully connected layer
 * reading a flattened C x H x W tensor has its weight columns permuted at
 * load, so its result equals the NCHW model's. The host side keeps
 * speaking NCHW: set_input, get_output and run_layer transpose on the way.
 *
 * Fused residual add (cfg.fuse_add): where a conv without activation is
 * followed, in the same op, by the add that is the only reader of its
 * output, the conv does the add: act(conv(x) + bias + z) in one
 * cudnnConvolutionBiasActivationForward call (z the add's other input,
 * alpha2 = 1), writing the slot the add's output has (the add takes over
 * the conv's slot), and the add does nothing when ops run. Both stay
 * inside one op, so any op range gives the bits the whole model gives.
 *
 * Why the plan is static: the scheduler may stop a query after any op and
 * resume it later, possibly with other services' segments running in
 * between on other streams. Giving each tensor a slot once, for the whole
 * model, makes "continue from op k" mean "read op k's input slot", with no
 * copies and no allocation on the query path.
 */
#include "cuda_exec.h"
#include "text.h"

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cudnn.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_kernels.h"
#include "half.h"
#include "wts.h"

#define ALIGN 256                 /* bytes; cuDNN and float4 kernels like it */
#define WS_CAP (256u << 20)       /* most workspace a conv may take */
#define CUBLAS_WS (32u << 20)     /* cuBLAS workspace per handle (Hopper) */
#define LIB_MARGIN (96u << 20)    /* handles, library kernels, graphs */
#define GEMM_PART_CAP (32u << 20) /* split-K partial sums of one conv */
/* Below this batch attention keeps the cuBLAS path: at batch 1 the fused
 * kernel has one block per (head, 32 queries), 24 blocks for bert at seq
 * 64 on 132 SMs, and bert's graph ran 0.89 ms against 0.73 ms with cuBLAS;
 * from batch 4 it ran 8-30% faster (H200, bench/gpu/NOTES.md). */
#define ATTN_MIN_BATCH 4
/* The smallest batch at which cfg.attn_tc's tensor-core kernel takes the
 * group: fp16 and bf16 from 4, TF32 from 8. Below, the group runs as
 * without it (cuBLAS at batch 1, the scalar fused kernel at TF32's 4). On
 * the H200 bert seq 64 ran with it against without (graph medians, ms,
 * bench/results/h200/compile/c13ae6d/bert-tc): b1 fp32 0.863 / 0.609,
 * fp16 0.617 / 0.472, bf16 0.627 / 0.472; b4 fp32 0.966 / 0.887, fp16
 * 0.648 / 0.708, bf16 0.659 / 0.710; from b8 faster in all three (b32
 * fp32 2.043 / 2.441, fp16 1.108 / 1.673). */
#define ATTN_TC_MIN_BATCH_HALF 4
#define ATTN_TC_MIN_BATCH_TF32 8
/* ... and only at the sequence lengths where it measured faster. On the
 * H100, bert's whole graph with it against without (fc_lt on; profile
 * --engine with and without attn_tc, batch 1 to 32, seq 8 to 256;
 * bench/results/h100/fast-engine/attn-tc-seq.txt): at seq 8 and 16 it
 * ran 5-22% slower than the scalar fused kernel at every batch from the
 * rule's, and at seq 256 21-74% slower than cuBLAS; in fp16 it ran faster
 * at seq 32 (0.90-0.98), 64 (0.66-0.92) and 128 (0.80-0.99); in TF32 only
 * at seq 64 (0.82-0.98 from batch 10, 1.007 at 8), while at 32 it ran
 * 4-10% slower below batch 24 and at 128 up to 24% slower. Between the
 * measured lengths the bounds sit halfway: fp16 and bf16 take it at seq
 * 24 to 192, TF32 at 48 to 96. (At seq 64 the H200 had measured the same:
 * TF32 b32 0.84, fp16 b4 0.92; the H100 gave 0.84 and 0.92.) */
#define ATTN_TC_SEQ_HALF_MIN 24
#define ATTN_TC_SEQ_HALF_MAX 192
#define ATTN_TC_SEQ_TF32_MIN 48
#define ATTN_TC_SEQ_TF32_MAX 96

/* Per (conv or pool layer, batch): made the first time the batch runs
 * (the max batch's at creation and load). The algorithm is chosen for this
 * batch, since cuDNN's heuristics rank differently at batch 1 than at 16;
 * fused says whether the bias + activation call takes it. */
typedef struct bdesc {
	cudnnTensorDescriptor_t x, y;
	cudnnConvolutionFwdAlgo_t algo;
	size_t ws;
	size_t ws_first; /* > 0: the workspace cuDNN's first-ranked choice at
	                    this batch needed, more than the executor's, so a
	                    lower-ranked one was taken; 0: the first was */
	int fused;
	int gemm;   /* > 0: im2col + cuBLAS GEMM instead of cuDNN, the reduction
	               split this many ways (run_conv_gemm); 0: cuDNN */
	int add_in; /* a conv that does the residual add (cfg.fuse_add): 1 as
	               cuDNN's fused call's z input, 0 as our add kernel after
	               the conv, whichever timed faster at this batch */
	int dw;     /* 1: a depthwise conv as our kernel (cfg.dw, choose_dw) */
} bdesc;

typedef struct lplan {
	int slot;            /* output slot */
	int op;              /* op the layer belongs to */
	size_t w, w2, w3, b; /* byte offsets into the weight buffer; SIZE_MAX: none */
	int has_bias;        /* conv: a non-zero bias exists (bias or bn) */
	/* conv */
	cudnnFilterDescriptor_t wdesc;
	cudnnConvolutionDescriptor_t conv;
	cudnnTensorDescriptor_t bdesc1; /* bias {1, C, 1, 1} */
	/* pool */
	cudnnPoolingDescriptor_t pool;
	bdesc *bd; /* [max_batch + 1], conv and pool only */
	/* attention scores: 1 when this layer, the softmax after it and the
	 * context after that run as one kernel (see attn_group) */
	int attn_fused;
	/* cfg.fuse_add: on a conv, 1 when it also does the add that follows it
	 * (mark_fused_adds); on that add, 1 */
	int add_fused;
	/* cfg.fc_lt, fc only: the matmul (transposes, compute type, epilogue,
	 * bias pointer once loaded), the weight's layout, and per row count
	 * (batch x rows per sample) up to lt_max_rows the input and output
	 * layouts and the algorithm, NULL until that count first runs */
	cublasLtMatmulDesc_t lt_op;
	cublasLtMatrixLayout_t lt_w;
	cublasLtEpilogue_t lt_epi;
	struct ltrows **lt_at;
	int lt_max_rows;
} lplan;

/* One fc layer's cuBLASLt plan at one row count (cfg.fc_lt). */
typedef struct ltrows {
	cublasLtMatrixLayout_t xl, yl;
	cublasLtMatmulAlgo_t algo;
	size_t ws;
	int timed;               /* cfg.find: candidates timed, of them: */
	float first_us, kept_us; /* the heuristics' first choice, the one kept */
} ltrows;

struct cuda_exec {
	cuda_exec_cfg cfg;
	const zoo_model *m;
	int esz;                 /* bytes per stored value: 4, or 2 with cfg.half */
	cudnnDataType_t dt;      /* CUDNN_DATA_FLOAT, _HALF or _BFLOAT16 */
	cudaDataType_t bt;       /* CUDA_R_32F, _16F or _16BF, for cuBLAS */
	int nhwc;                /* cfg.nhwc for a CNN; 0 for bert */
	cudnnTensorFormat_t fmt; /* CUDNN_TENSOR_NHWC with nhwc, else _NCHW */
	int max_seq;             /* 0 for models without a sequence length */
	cudaStream_t stream;
	cudnnHandle_t dnn;
	cublasHandle_t blas;
	cublasLtHandle_t lt;                /* cfg.fc_lt */
	cublasLtMatmulPreference_t lt_pref; /* workspace limit: CUBLAS_WS */
	cudnnActivationDescriptor_t relu, ident;
	lplan *lp;
	unsigned char *bready; /* [max_batch + 1]: descriptors made */

	int n_slots;
	size_t *slot_bytes, *slot_off;
	size_t act_bytes, in_bytes, w_bytes, ws_bytes;
	unsigned char *d_act; /* slots, then the model input */
	unsigned char *d_w;
	void *d_ws, *d_blas_ws;
	/* workspaces d_ws outgrew (grow_ws): graphs captured before hold them,
	 * so they live as long as the executor */
	void **old_ws;
	int n_old_ws;
	int loaded;

	int pos, pos_batch, pos_seq;
	/* [op][batch][seq]: captured op graphs, NULL until first run */
	cudaGraphExec_t *graphs;
	/* [batch][seq]: ops [0, n_ops) as one graph (cfg.whole) */
	cudaGraphExec_t *whole;
	int n_graphs;
	int sms;              /* the GPU's multiprocessors (gemm_splits) */
	cudaEvent_t ev0, ev1; /* timing choices at load (cfg.find, conv_gemm 1) */
};

/* What a failure message names. op < 0: at creation or load. */
typedef struct ectx {
	const cuda_exec *x;
	int op, layer, batch, seq;
	char *err;
	size_t errlen;
} ectx;

static int efail(const ectx *c, const char *call, const char *why)
{
	const zoo_model *m = c->x->m;
	char seq[32] = "";
	if (m->has_seq && c->seq > 0)
		snprintf(seq, sizeof seq, ", seq %d", c->seq);
	if (c->op >= 0 && c->layer >= 0)
		snprintf(c->err, c->errlen, "%s failed for %s op %d (%s), batch %d%s: %s", call,
		         m->name, c->op, m->layers[c->layer].name, c->batch, seq, why);
	else if (c->op >= 0)
		snprintf(c->err, c->errlen, "%s failed for %s op %d, batch %d%s: %s", call, m->name,
		         c->op, c->batch, seq, why);
	else if (c->layer >= 0)
		snprintf(c->err, c->errlen, "%s failed for %s layer %d (%s), batch %d%s: %s", call,
		         m->name, c->layer, m->layers[c->layer].name, c->batch, seq, why);
	else
		snprintf(c->err, c->errlen, "%s failed for %s, batch %d%s: %s", call, m->name,
		         c->batch, seq, why);
	return -1;
}

static const char *cuda_why(cudaError_t e, char *buf, size_t len)
{
	snprintf(buf, len, "%s (%s)", cudaGetErrorName(e), cudaGetErrorString(e));
	return buf;
}

/* Each macro runs a call and returns efail() naming it when it fails. */
#define CU(c, fn, args)                                                                            \
	do {                                                                                       \
		cudaError_t e_ = fn args;                                                          \
		if (e_ != cudaSuccess) {                                                           \
			char b_[160];                                                              \
			return efail(c, #fn, cuda_why(e_, b_, sizeof b_));                         \
		}                                                                                  \
	} while (0)
#define DNN(c, fn, args)                                                                           \
	do {                                                                                       \
		cudnnStatus_t s_ = fn args;                                                        \
		if (s_ != CUDNN_STATUS_SUCCESS)                                                    \
			return efail(c, #fn, cudnnGetErrorString(s_));                             \
	} while (0)
#define BLAS(c, fn, args)                                                                          \
	do {                                                                                       \
		cublasStatus_t s_ = fn args;                                                       \
		if (s_ != CUBLAS_STATUS_SUCCESS)                                                   \
			return efail(c, #fn, cublasGetStatusName(s_));                             \
	} while (0)

static size_t align_up(size_t n)
{
	return (n + ALIGN - 1) / ALIGN * ALIGN;
}

static int seq_of(const cuda_exec *x, int seq)
{
	return x->m->has_seq ? seq : 0;
}

/* Elements per sample of layer l's output. */
static int64_t out_count(const cuda_exec *x, int l, int seq)
{
	zoo_dims d = zoo_layer_dims(x->m, l, seq_of(x, seq));
	return zoo_dims_count(&d, seq_of(x, seq));
}

static int64_t in_count(const cuda_exec *x, int l, int i, int seq)
{
	zoo_dims d = zoo_input_dims(x->m, l, i, seq_of(x, seq));
	return zoo_dims_count(&d, seq_of(x, seq));
}

/* bert's model input is int32 token ids in both modes (zoo.h); every
 * other model input is stored like the activations. */
static size_t input_esz(const cuda_exec *x)
{
	return x->m->has_seq ? 4u : (size_t)x->esz;
}

/* p advanced by i stored values. */
static void *el(const cuda_exec *x, const void *p, int64_t i)
{
	return (unsigned char *)p + i * x->esz;
}

/* The graph tables hold one graph per (batch, seq) key: graph_keys of
 * them per op in x->graphs, and as many in x->whole. */
static size_t graph_keys(const cuda_exec *x)
{
	return (size_t)(x->cfg.max_batch + 1) * (size_t)(x->max_seq + 1);
}

static size_t graph_key(const cuda_exec *x, int b, int S)
{
	return (size_t)b * (size_t)(x->max_seq + 1) + (size_t)S;
}

/* Device address of layer l's input i. */
static void *in_ptr(const cuda_exec *x, int l, int i)
{
	int src = x->m->layers[l].in[i];
	if (src == ZOO_OP_INPUT) {
		int op = x->lp[l].op;
		if (op == 0)
			return x->d_act + x->act_bytes - x->in_bytes;
		const zoo_op *prev = &x->m->ops[op - 1];
		src = prev->first + prev->count - 1;
	}
	return x->d_act + x->slot_off[x->lp[src].slot];
}

static void *out_ptr(const cuda_exec *x, int l)
{
	return x->d_act + x->slot_off[x->lp[l].slot];
}

static const void *wp(const cuda_exec *x, size_t off)
{
	return off == SIZE_MAX ? NULL : x->d_w + off;
}

/* --- slot plan ----------------------------------------------------------- */

/* Index of the last layer that reads layer t's output; n_layers for the
 * model's output, which must survive the run. */
static int last_use(const zoo_model *m, const int *op_of, int t)
{
	int last = t;
	int op = op_of[t];
	const zoo_op *o = &m->ops[op];
	int op_last = o->first + o->count - 1;
	for (int l = t + 1; l <= op_last; l++)
		for (int i = 0; i < m->layers[l].n_in; i++)
			if (m->layers[l].in[i] == t)
				last = l;
	if (t == op_last) {
		if (op + 1 == m->n_ops)
			return m->n_layers;
		const zoo_op *n = &m->ops[op + 1];
		for (int l = n->first; l < n->first + n->count; l++)
			for (int i = 0; i < m->layers[l].n_in; i++)
				if (m->layers[l].in[i] == ZOO_OP_INPUT)
					last = l;
	}
	return last;
}

/* Greedy interval assignment: a layer's output takes a slot whose tensor is
 * no longer read (last use before this layer), the smallest that fits, else
 * the largest free one grown to fit, else a new slot. */
static int plan_slots(cuda_exec *x, char *err, size_t errlen)
{
	const zoo_model *m = x->m;
	int n = m->n_layers;
	int *op_of = malloc(sizeof(int) * (size_t)n);
	int *until = malloc(sizeof(int) * (size_t)n); /* slot busy until this layer */
	x->slot_bytes = calloc((size_t)n, sizeof(size_t));
	x->slot_off = calloc((size_t)n, sizeof(size_t));
	if (!op_of || !until || !x->slot_bytes || !x->slot_off) {
		free(op_of);
		free(until);
		return text_fail(err, errlen, "out of memory planning %s", m->name);
	}
	for (int o = 0; o < m->n_ops; o++)
		for (int l = m->ops[o].first; l < m->ops[o].first + m->ops[o].count; l++)
			op_of[l] = o;
	x->n_slots = 0;
	for (int l = 0; l < n; l++) {
		x->lp[l].op = op_of[l];
		size_t need = align_up((size_t)x->cfg.max_batch *
		                       (size_t)out_count(x, l, x->max_seq) * (size_t)x->esz);
		if (m->layers[l].kind == ZOO_ADD && x->lp[l].add_fused) {
			/* the conv before it writes the sum: its slot, no longer
			 * read by anything but this add, holds the add's output */
			int s = x->lp[l - 1].slot;
			if (x->slot_bytes[s] < need)
				x->slot_bytes[s] = need;
			until[s] = last_use(m, op_of, l);
			x->lp[l].slot = s;
			continue;
		}
		int best = -1, largest = -1;
		for (int s = 0; s < x->n_slots; s++) {
			if (until[s] >= l)
				continue;
			if (x->slot_bytes[s] >= need &&
			    (best < 0 || x->slot_bytes[s] < x->slot_bytes[best]))
				best = s;
			if (largest < 0 || x->slot_bytes[s] > x->slot_bytes[largest])
				largest = s;
		}
		if (best < 0)
			best = largest >= 0 ? largest : x->n_slots++;
		if (x->slot_bytes[best] < need)
			x->slot_bytes[best] = need;
		until[best] = last_use(m, op_of, l);
		x->lp[l].slot = best;
	}
	size_t off = 0;
	for (int s = 0; s < x->n_slots; s++) {
		x->slot_off[s] = off;
		off += x->slot_bytes[s];
	}
	zoo_dims in = m->input;
	x->in_bytes = align_up((size_t)x->cfg.max_batch *
	                       (size_t)zoo_dims_count(&in, seq_of(x, x->max_seq)) * input_esz(x));
	x->act_bytes = off + x->in_bytes;
	free(op_of);
	free(until);
	return 0;
}

/* --- weights --------------------------------------------------------------- */

/* Floats each parameter array of layer l takes on the GPU. */
static void param_counts(const zoo_layer *L, size_t *nw, size_t *nw2, size_t *nw3, size_t *nb)
{
	*nw = *nw2 = *nw3 = *nb = 0;
	switch (L->kind) {
	case ZOO_CONV:
		*nw =
		    (size_t)L->cout * (size_t)(L->cin / L->groups) * (size_t)L->kh * (size_t)L->kw;
		*nb = (size_t)L->cout; /* always: zeros when the layer has none */
		break;
	case ZOO_FC:
		*nw = (size_t)L->cout * (size_t)L->cin;
		*nb = (size_t)L->cout;
		break;
	case ZOO_EMBED:
		*nw = (size_t)L->vocab * (size_t)L->cout;
		*nw2 = (size_t)L->max_pos * (size_t)L->cout;
		*nw3 = 2 * (size_t)L->cout;
		break;
	case ZOO_LAYERNORM:
		*nw = (size_t)L->cout;
		*nb = (size_t)L->cout;
		break;
	default:
		break;
	}
}

static void plan_weights(cuda_exec *x)
{
	size_t off = 0;
	for (int l = 0; l < x->m->n_layers; l++) {
		size_t n[4];
		param_counts(&x->m->layers[l], &n[0], &n[1], &n[2], &n[3]);
		size_t *dst[4] = {&x->lp[l].w, &x->lp[l].w2, &x->lp[l].w3, &x->lp[l].b};
		for (int k = 0; k < 4; k++) {
			*dst[k] = n[k] ? off : SIZE_MAX;
			off += align_up(n[k] * (size_t)x->esz);
		}
	}
	x->w_bytes = off;
}

static int check_count(const cuda_exec *x, int l, const char *what, size_t got, size_t want,
                       char *err, size_t errlen)
{
	if (got == want)
		return 0;
	return text_fail(err, errlen,
	                 "weights of %s layer %d (%s): %s has %zu values, expected %zu", x->m->name,
	                 l, x->m->layers[l].name, what, got, want);
}

/* Value i of the array at byte offset off of the staging memory. */
static void put(const cuda_exec *x, unsigned char *host, size_t off, size_t i, float v)
{
	if (x->cfg.half == 2)
		((uint16_t *)(host + off))[i] = bf16_from_float(v);
	else if (x->esz == 2)
		((uint16_t *)(host + off))[i] = half_from_float(v);
	else
		((float *)(host + off))[i] = v;
}

/* n floats to stored 16-bit values (fp16 or bf16 as the mode says). */
static void to16(const cuda_exec *x, uint16_t *dst, const float *src, size_t n)
{
	if (x->cfg.half == 2)
		bf16_from_floats(dst, src, n);
	else
		half_from_floats(dst, src, n);
}

static void from16(const cuda_exec *x, float *dst, const uint16_t *src, size_t n)
{
	if (x->cfg.half == 2)
		bf16_to_floats(dst, src, n);
	else
		half_to_floats(dst, src, n);
}

/* Whether a per-sample tensor of dims d is an image the NHWC layout
 * reorders (more than one pixel; never bert's token tensors). */
static int is_image(const cuda_exec *x, zoo_dims d)
{
	return x->nhwc && d.d[1] * d.d[2] > 1;
}

/* batch C x H x W images between NCHW and NHWC (to_nhwc 0: back), host
 * floats (4-byte values: bert's ids never pass here). */
static void permute_nhwc(float *dst, const float *src, int batch, zoo_dims d, int to_nhwc)
{
	int64_t C = d.d[0], P = (int64_t)d.d[1] * d.d[2];
	for (int64_t n = 0; n < batch; n++)
		for (int64_t c = 0; c < C; c++)
			for (int64_t p = 0; p < P; p++) {
				int64_t a = (n * C + c) * P + p, b = (n * P + p) * C + c;
				if (to_nhwc)
					dst[b] = src[a];
				else
					dst[a] = src[b];
			}
}

/* Packs the layer parameters as the GPU wants them into host (staging)
 * memory: batch norm is folded into conv weights and bias here, in double,
 * so the GPU runs one fused convolution per conv layer; in fp16 each value
 * is rounded once, after folding. */
static int pack_weights(const cuda_exec *x, const wts *w, unsigned char *host, char *err,
                        size_t errlen)
{
	for (int l = 0; l < x->m->n_layers; l++) {
		const zoo_layer *L = &x->m->layers[l];
		const wts_layer *W = &w->layer[l];
		const lplan *p = &x->lp[l];
		size_t nw, nw2, nw3, nb;
		param_counts(L, &nw, &nw2, &nw3, &nb);
		if (L->kind == ZOO_CONV) {
			if (check_count(x, l, "w", W->n_w, nw, err, errlen) ||
			    (L->bias && check_count(x, l, "b", W->n_b, nb, err, errlen)))
				return -1;
			if (L->bn && (!W->bn_gamma || !W->bn_beta || !W->bn_mean || !W->bn_var))
				return text_fail(err, errlen,
				                 "weights of %s layer %d (%s): batch norm missing",
				                 x->m->name, l, L->name);
			size_t per = nw / (size_t)L->cout;
			size_t cig = (size_t)(L->cin / L->groups), rs = (size_t)L->kh * L->kw;
			for (int c = 0; c < L->cout; c++) {
				double scale = 1.0, shift = L->bias ? W->b[c] : 0.0;
				if (L->bn) {
					scale =
					    W->bn_gamma[c] / sqrt((double)W->bn_var[c] + L->eps);
					shift = (shift - W->bn_mean[c]) * scale + W->bn_beta[c];
				}
				/* NCHW filters [k][c][r][s]; NHWC [k][r][s][c] */
				for (size_t k = 0; k < per; k++)
					put(x, host, p->w,
					    (size_t)c * per + (x->nhwc ? k % rs * cig + k / rs : k),
					    (float)(W->w[(size_t)c * per + k] * scale));
				put(x, host, p->b, (size_t)c, (float)shift);
			}
			continue;
		}
		const float *src[4] = {W->w, W->w2, W->w3, W->b};
		float *perm = NULL;
		zoo_dims fin = L->kind == ZOO_FC ? zoo_input_dims(x->m, l, 0, 0) : (zoo_dims){{0}};
		if (L->kind == ZOO_FC && is_image(x, fin) && W->w && W->n_w == nw &&
		    (int64_t)fin.d[0] * fin.d[1] * fin.d[2] == L->cin) {
			/* the flattened input is [h][w][c]: permute each row's
			 * columns from [c][h][w] to match */
			perm = malloc(nw * sizeof *perm);
			if (!perm)
				return text_fail(err, errlen, "out of memory packing %s",
				                 x->m->name);
			permute_nhwc(perm, W->w, L->cout, fin, 1);
			src[0] = perm;
		}
		size_t got[4] = {W->n_w, W->n_w2, W->n_w3, W->n_b};
		size_t want[4] = {nw, nw2, nw3, nb};
		size_t off[4] = {p->w, p->w2, p->w3, p->b};
		static const char *const names[4] = {"w", "w2", "w3", "b"};
		for (int k = 0; k < 4; k++) {
			if (!want[k])
				continue;
			if (check_count(x, l, names[k], got[k], want[k], err, errlen)) {
				free(perm);
				return -1;
			}
			if (!src[k]) {
				free(perm);
				return text_fail(err, errlen,
				                 "weights of %s layer %d (%s): %s missing",
				                 x->m->name, l, L->name, names[k]);
			}
			if (x->esz == 2)
				to16(x, (uint16_t *)(host + off[k]), src[k], want[k]);
			else
				memcpy(host + off[k], src[k], want[k] * sizeof(float));
		}
		free(perm);
	}
	return 0;
}

/* --- cuDNN descriptors ------------------------------------------------------ */

static int set4d(const ectx *c, cudnnTensorDescriptor_t *d, int n, zoo_dims dims)
{
	if (!*d)
		DNN(c, cudnnCreateTensorDescriptor, (d));
	DNN(c, cudnnSetTensor4dDescriptor,
	    (*d, c->x->fmt, c->x->dt, n, dims.d[0], dims.d[1], dims.d[2]));
	return 0;
}

/* Whether an algorithm's math type suits the precision: with TF32 off in
 * fp32, FMA or the default math only (no tensor-core down-conversion). */
static int math_allowed(const cuda_exec *x, cudnnMathType_t math)
{
	return x->cfg.half || x->cfg.tf32 || math == CUDNN_FMA_MATH || math == CUDNN_DEFAULT_MATH;
}

/* Ranked heuristic choice that fits `ws_limit` and honours TF32 off;
 * *ws_first (if given): what the first-ranked allowed choice needed when
 * it did not fit, else 0. */
static int heuristic_algo(cuda_exec *x, const ectx *c, int l, const bdesc *bd, size_t ws_limit,
                          cudnnConvolutionFwdAlgo_t *algo, size_t *ws, size_t *ws_max_any,
                          size_t *ws_first)
{
	lplan *p = &x->lp[l];
	cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
	int got = 0;
	DNN(c, cudnnGetConvolutionForwardAlgorithm_v7,
	    (x->dnn, bd->x, p->wdesc, p->conv, bd->y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got,
	     perf));
	int chosen = -1, top = -1;
	if (ws_max_any)
		*ws_max_any = 0;
	for (int i = 0; i < got; i++) {
		if (perf[i].status != CUDNN_STATUS_SUCCESS)
			continue;
		if (!math_allowed(x, perf[i].mathType))
			continue;
		if (top < 0)
			top = i;
		if (ws_max_any && perf[i].memory <= WS_CAP && perf[i].memory > *ws_max_any)
			*ws_max_any = perf[i].memory;
		if (chosen < 0 && perf[i].memory <= ws_limit)
			chosen = i;
	}
	if (chosen < 0)
		return efail(c, "cudnnGetConvolutionForwardAlgorithm_v7",
		             "no algorithm fits the workspace");
	*algo = perf[chosen].algo;
	*ws = perf[chosen].memory;
	if (ws_first)
		*ws_first = top != chosen ? perf[top].memory : 0;
	return 0;
}

/* The activation conv layer l ends with when it runs within its op: the
 * add's when it does the add after it (cfg.fuse_add), else its own. */
static zoo_act conv_act(const cuda_exec *x, int l)
{
	return x->lp[l].add_fused ? x->m->layers[l + 1].act : x->m->layers[l].act;
}

/* Whether conv layer l can take the fused bias + activation call with
 * `algo`: cuDNN fuses ReLU with any algorithm, identity only with
 * IMPLICIT_PRECOMP_GEMM, and has no ReLU6. */
static int fusable(const cuda_exec *x, int l, cudnnConvolutionFwdAlgo_t algo)
{
	zoo_act act = conv_act(x, l);
	return act == ZOO_ACT_RELU ||
	       (act == ZOO_ACT_NONE && algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM);
}

/* --- convolutions as im2col + GEMM ------------------------------------------ */

/* Whether conv layer l reads its input as the GEMM's matrix directly: a
 * 1x1 kernel at stride 1 without padding, whose NCHW input already is
 * [cin][h*w] per sample. */
static int gemm_direct(const zoo_layer *L)
{
	return L->kh == 1 && L->kw == 1 && L->sh == 1 && L->sw == 1 && L->ph == 0 && L->pw == 0;
}

/* The largest batch at which conv layer l may run as a GEMM (0: never):
 * ungrouped convs, with conv_gemm 1 while batch x output pixels stay within
 * CUDA_EXEC_GEMM_PIX, with conv_gemm 2 or 3 at any batch. */
static int gemm_max_batch(const cuda_exec *x, int l)
{
	const zoo_layer *L = &x->m->layers[l];
	if (!x->cfg.conv_gemm || L->kind != ZOO_CONV || L->groups != 1)
		return 0;
	/* NHWC: a 1x1 stride-1 conv is a plain GEMM over the pixels, no
	 * unfolding; other convs stay with cuDNN */
	if (x->nhwc && !gemm_direct(L))
		return 0;
	if (x->cfg.conv_gemm >= 2)
		return x->cfg.max_batch;
	zoo_dims o = zoo_layer_dims(x->m, l, 0);
	int64_t per = (int64_t)o.d[1] * o.d[2];
	int64_t b = per > 0 ? CUDA_EXEC_GEMM_PIX / per : 0;
	return b < x->cfg.max_batch ? (int)b : x->cfg.max_batch;
}

/* Ways to split the reduction of conv layer l's GEMM at batch b: the most
 * that keeps the output tiles (about 128 x 128 each) times the splits
 * within two waves of the GPU's multiprocessors, each split at least 256
 * deep and the partial sums within GEMM_PART_CAP; 1 when none does. A
 * 14x14 output at batch 1 has two tiles of rows: unsplit, a 512-channel
 * conv keeps 8 of 132 SMs busy. */
static size_t gemm_part_bytes(const cuda_exec *x, int l, int b, int splits)
{
	zoo_dims o = zoo_layer_dims(x->m, l, 0);
	return (size_t)splits * (size_t)o.d[0] * (size_t)b * (size_t)o.d[1] * (size_t)o.d[2] * 4u;
}

static int gemm_splits(const cuda_exec *x, int l, int b)
{
	static const int cand[] = {16, 12, 8, 6, 4, 3, 2};
	const zoo_layer *L = &x->m->layers[l];
	if (x->nhwc)
		return 1; /* the pixels of every sample are the GEMM's rows */
	zoo_dims o = zoo_layer_dims(x->m, l, 0);
	int64_t P = (int64_t)o.d[1] * o.d[2], K = (int64_t)L->cin * L->kh * L->kw;
	int64_t co = o.d[0], tiles = ((b * P + 127) / 128) * ((co + 127) / 128);
	for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
		int sp = cand[i];
		if (K % sp == 0 && K / sp >= 256 && tiles * sp <= 2 * (int64_t)x->sms &&
		    gemm_part_bytes(x, l, b, sp) <= GEMM_PART_CAP)
			return sp;
	}
	return 1;
}

/* Bytes of workspace in front of the partial sums: the unfolded input of
 * conv layer l at batch b, none where the GEMM reads the input itself (a
 * 1x1 stride-1 conv unsplit, or split at batch 1 where folding changes
 * nothing). */
static size_t gemm_col_bytes(const cuda_exec *x, int l, int b, int splits)
{
	const zoo_layer *L = &x->m->layers[l];
	if (x->nhwc || (gemm_direct(L) && (splits == 1 || b == 1)))
		return 0;
	zoo_dims o = zoo_layer_dims(x->m, l, 0);
	return align_up((size_t)b * (size_t)L->cin * (size_t)L->kh * (size_t)L->kw *
	                (size_t)o.d[1] * (size_t)o.d[2] * (size_t)x->esz);
}

/* All the workspace the GEMM path of conv layer l may take at any batch. */
static size_t gemm_ws_bytes(const cuda_exec *x, int l)
{
	size_t need = 0;
	for (int b = 1; b <= gemm_max_batch(x, l); b++) {
		int sp = gemm_splits(x, l, b);
		size_t one = gemm_col_bytes(x, l, b, 1);
		size_t split =
		    sp > 1 ? gemm_col_bytes(x, l, b, sp) + gemm_part_bytes(x, l, b, sp) : 0;
		if (one > need)
			need = one;
		if (split > need)
			need = split;
	}
	return need;
}

/* Batch-independent descriptors, shape checks against the zoo, and the
 * workspace: what the max batch's heuristic choice needs (with cfg.find
 * or cfg.ws_all, what any candidate needs, up to WS_CAP). Smaller
 * batches choose within it (prepare_batch): a heuristic call per conv and
 * batch costs milliseconds of host time, too much to make for every batch
 * up to a max of hundreds at creation. */
static int make_layer_descs(cuda_exec *x, char *err, size_t errlen)
{
	const zoo_model *m = x->m;
	int B = x->cfg.max_batch;
	ectx c = {x, -1, -1, B, 0, err, errlen};
	x->ws_bytes = 0;
	for (int l = 0; l < m->n_layers; l++) {
		const zoo_layer *L = &m->layers[l];
		lplan *p = &x->lp[l];
		c.layer = l;
		if (L->kind != ZOO_CONV && L->kind != ZOO_POOL_MAX && L->kind != ZOO_POOL_AVG)
			continue;
		p->bd = calloc((size_t)B + 1, sizeof(bdesc));
		if (!p->bd)
			return text_fail(err, errlen, "out of memory");
		zoo_dims in = zoo_input_dims(m, l, 0, 0), out = zoo_layer_dims(m, l, 0);
		int n, co, h, w;
		if (L->kind == ZOO_CONV) {
			if (L->groups < 1 || in.d[0] != L->cin || L->cin % L->groups)
				return text_fail(
				    err, errlen,
				    "%s layer %d (%s): conv input has %d channels, layer "
				    "says %d in %d groups",
				    m->name, l, L->name, in.d[0], L->cin, L->groups);
			DNN(&c, cudnnCreateFilterDescriptor, (&p->wdesc));
			DNN(&c, cudnnSetFilter4dDescriptor,
			    (p->wdesc, x->dt, x->fmt, L->cout, L->cin / L->groups, L->kh, L->kw));
			DNN(&c, cudnnCreateConvolutionDescriptor, (&p->conv));
			DNN(&c, cudnnSetConvolution2dDescriptor,
			    (p->conv, L->ph, L->pw, L->sh, L->sw, 1, 1, CUDNN_CROSS_CORRELATION,
			     CUDNN_DATA_FLOAT));
			DNN(&c, cudnnSetConvolutionGroupCount, (p->conv, L->groups));
			/* TF32 off: FMA only. On: the default math, which on Ampere and
			 * later lets fp32 convolutions use TF32 tensor cores (what
			 * PyTorch does with cudnn.allow_tf32); ALLOW_CONVERSION would
			 * also permit fp16 down-conversion, which we do not want.
			 * fp16: tensor cores, accumulating in float (the compute type
			 * above stays FLOAT: cuDNN's pseudo-half configuration). */
			DNN(&c, cudnnSetConvolutionMathType,
			    (p->conv, x->cfg.half   ? CUDNN_TENSOR_OP_MATH
			              : x->cfg.tf32 ? CUDNN_DEFAULT_MATH
			                            : CUDNN_FMA_MATH));
			DNN(&c, cudnnCreateTensorDescriptor, (&p->bdesc1));
			DNN(&c, cudnnSetTensor4dDescriptor,
			    (p->bdesc1, x->fmt, x->dt, 1, L->cout, 1, 1));
			if (set4d(&c, &p->bd[B].x, B, in))
				return -1;
			DNN(&c, cudnnGetConvolution2dForwardOutputDim,
			    (p->conv, p->bd[B].x, p->wdesc, &n, &co, &h, &w));
		} else {
			DNN(&c, cudnnCreatePoolingDescriptor, (&p->pool));
			DNN(&c, cudnnSetPooling2dDescriptor,
			    (p->pool,
			     L->kind == ZOO_POOL_MAX ? CUDNN_POOLING_MAX
			                             : CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING,
			     CUDNN_PROPAGATE_NAN, L->kh, L->kw, L->ph, L->pw, L->sh, L->sw));
			if (set4d(&c, &p->bd[B].x, B, in))
				return -1;
			DNN(&c, cudnnGetPooling2dForwardOutputDim,
			    (p->pool, p->bd[B].x, &n, &co, &h, &w));
		}
		if (co != out.d[0] || h != out.d[1] || w != out.d[2])
			return text_fail(
			    err, errlen,
			    "%s layer %d (%s): cuDNN computes output %dx%dx%d, the zoo "
			    "says %dx%dx%d",
			    m->name, l, L->name, co, h, w, out.d[0], out.d[1], out.d[2]);
		if (set4d(&c, &p->bd[B].y, B, out))
			return -1;
		if (L->kind != ZOO_CONV)
			continue;
		p->has_bias = L->bias || L->bn;
		bdesc *bd = &p->bd[B];
		size_t ws_any = 0;
		if (heuristic_algo(x, &c, l, bd, (size_t)-1, &bd->algo, &bd->ws, &ws_any, NULL))
			return -1;
		bd->fused = fusable(x, l, bd->algo);
		size_t want = (x->cfg.find || x->cfg.ws_all) && ws_any > bd->ws ? ws_any : bd->ws;
		if (want > x->ws_bytes)
			x->ws_bytes = want;
		size_t gemm_ws = gemm_ws_bytes(x, l);
		if (gemm_ws > x->ws_bytes)
			x->ws_bytes = gemm_ws;
	}
	x->ws_bytes = align_up(x->ws_bytes);
	return 0;
}

/* --- cuBLASLt fully connected layers (cfg.fc_lt) ---------------------------- */

/* Rows of fc layer l's product at batch b and seq S: the samples times the
 * rows of cin features each holds (bert's tokens; 1 for a classifier). */
static int fc_rows(const cuda_exec *x, int l, int b, int S)
{
	return (int)((int64_t)b * (in_count(x, l, 0, S) / x->m->layers[l].cin));
}

static const char *lt_epi_name(cublasLtEpilogue_t e)
{
	return e == CUBLASLT_EPILOGUE_RELU_BIAS ? "RELU_BIAS" : "BIAS";
}

/* A failed cuBLASLt call on fc layer l: the status, the precision and the
 * epilogue, with the layer, batch and seq efail names. */
static int lt_fail(const cuda_exec *x, const ectx *c, const char *call, cublasStatus_t s, int l)
{
	char why[160];
	snprintf(why, sizeof why, "%s (%s, epilogue %s)", cublasLtGetStatusName(s),
	         x->cfg.half == 2 ? "bf16"
	         : x->cfg.half    ? "fp16"
	         : x->cfg.tf32    ? "fp32 with TF32"
	                          : "fp32",
	         lt_epi_name(x->lp[l].lt_epi));
	return efail(c, call, why);
}

#define LT(c, l, fn, args)                                                                         \
	do {                                                                                       \
		cublasStatus_t s_ = fn args;                                                       \
		if (s_ != CUBLAS_STATUS_SUCCESS)                                                   \
			return lt_fail(x, c, #fn, s_, l);                                          \
	} while (0)

static void ltrows_free(ltrows *r)
{
	if (!r)
		return;
	if (r->xl)
		cublasLtMatrixLayoutDestroy(r->xl);
	if (r->yl)
		cublasLtMatrixLayoutDestroy(r->yl);
	free(r);
}

/* Each fc layer's matmul descriptor and weight layout, at creation. The
 * product is the cuBLAS path's cublasSgemm(OP_T, OP_N, m = cout, n = rows,
 * k = cin, W lda cin, X ldb cin, Y ldc cout), in cuBLAS's column-major
 * terms:
 *   A = W, stored [cout][cin] row-major: column-major cin x cout, ld cin;
 *          TRANSA = OP_T makes op(A) cout x cin
 *   B = X, stored [rows][cin] row-major: column-major cin x rows, ld cin;
 *          TRANSB = OP_N
 *   C = D = Y, stored [rows][cout] row-major: column-major cout x rows,
 *          ld cout; beta is 0, so C is never read
 *   D (cout x rows) = op(A) (cout x cin) x B (cin x rows)
 * The bias epilogue adds a vector of D's row count (m = cout) to every
 * column, bias[j] to out feature j of every row: the fc bias, packed, in
 * the storage type (cuBLASLt takes the bias in D's type outside int8 and
 * fp8 kernels, cublasLt.h). Compute in float: TF32 tensor cores with
 * cfg.tf32 in fp32 (as the cuBLAS path's math mode), float accumulation
 * in fp16 and bf16; alpha and beta are floats. ReLU goes into the
 * epilogue (RELU_BIAS); cuBLASLt's GELU is the tanh approximation while
 * the zoo's is the erf form, so GELU (and tanh, relu6) keep the BIAS
 * epilogue and our activation pass after it (run_fc_lt). */
static int plan_fc_lt(cuda_exec *x, char *err, size_t errlen)
{
	const zoo_model *m = x->m;
	ectx c = {x, -1, -1, x->cfg.max_batch, x->max_seq, err, errlen};
	cublasComputeType_t ct =
	    !x->cfg.half && x->cfg.tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
	int32_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N, bias_t = (int32_t)x->bt;
	for (int l = 0; l < m->n_layers; l++) {
		const zoo_layer *L = &m->layers[l];
		lplan *p = &x->lp[l];
		if (L->kind != ZOO_FC)
			continue;
		c.layer = l;
		if (L->cin <= 0 || L->cout <= 0 || in_count(x, l, 0, x->max_seq) % L->cin)
			return efail(&c, "fc",
			             "input size is not a multiple of the layer's in features");
		p->lt_epi =
		    L->act == ZOO_ACT_RELU ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
		uint32_t epi = (uint32_t)p->lt_epi;
		p->lt_max_rows = fc_rows(x, l, x->cfg.max_batch, x->max_seq);
		p->lt_at = calloc((size_t)p->lt_max_rows + 1, sizeof *p->lt_at);
		if (!p->lt_at)
			return text_fail(err, errlen, "out of memory planning %s", m->name);
		LT(&c, l, cublasLtMatmulDescCreate, (&p->lt_op, ct, CUDA_R_32F));
		LT(&c, l, cublasLtMatmulDescSetAttribute,
		   (p->lt_op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
		LT(&c, l, cublasLtMatmulDescSetAttribute,
		   (p->lt_op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
		LT(&c, l, cublasLtMatmulDescSetAttribute,
		   (p->lt_op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof epi));
		LT(&c, l, cublasLtMatmulDescSetAttribute,
		   (p->lt_op, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &bias_t, sizeof bias_t));
		LT(&c, l, cublasLtMatrixLayoutCreate,
		   (&p->lt_w, x->bt, (uint64_t)L->cin, (uint64_t)L->cout, L->cin));
	}
	return 0;
}

/* The bias pointers, once the weights have a device address (load). */
static int bind_fc_lt(cuda_exec *x, char *err, size_t errlen)
{
	ectx c = {x, -1, -1, x->cfg.max_batch, x->max_seq, err, errlen};
	for (int l = 0; l < x->m->n_layers && x->cfg.fc_lt; l++) {
		if (x->m->layers[l].kind != ZOO_FC)
			continue;
		c.layer = l;
		const void *bias = wp(x, x->lp[l].b);
		LT(&c, l, cublasLtMatmulDescSetAttribute,
		   (x->lp[l].lt_op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias));
	}
	return 0;
}

static double replay_ms(cuda_exec *x, int (*enqueue)(cuda_exec *, void *), void *arg,
                        cudaEvent_t e0, cudaEvent_t e1, int reps);

/* One cublasLtMatmul of fc layer l over r's layouts with algorithm a, its
 * output in y (replay_ms's enqueue; nonzero when it fails). */
struct fc_run {
	int l;
	const ltrows *r;
	const cublasLtMatmulAlgo_t *a;
	void *y;
};
static int enqueue_fc(cuda_exec *x, void *arg)
{
	const struct fc_run *f = arg;
	const lplan *p = &x->lp[f->l];
	const float one = 1.0f, zero = 0.0f;
	return cublasLtMatmul(x->lt, p->lt_op, &one, wp(x, p->w), p->lt_w, in_ptr(x, f->l, 0),
	                      f->r->xl, &zero, f->y, f->r->yl, f->y, f->r->yl, f->a, x->d_blas_ws,
	                      CUBLAS_WS, x->stream) != CUBLAS_STATUS_SUCCESS;
}

/* GPU time in microseconds of fc layer l with algorithm a, negative when
 * it fails */
static double time_fc(cuda_exec *x, int l, const ltrows *r, const cublasLtMatmulAlgo_t *a, void *y,
                      int reps)
{
	struct fc_run f = {l, r, a, y};
	return 1000.0 * replay_ms(x, enqueue_fc, &f, x->ev0, x->ev1, reps);
}

/* With cfg.find, settles r's algorithm among the n heuristic results of fc
 * layer l (res, first the heuristics' choice at index k) by timing each
 * that fits the workspace, and keeps the fastest unless the first choice
 * is within 2% of it. The output goes to a scratch buffer of the stream's
 * own allocator: the layer's slot may hold what the next range reads.
 * Where that buffer cannot be had, the first choice stays, untimed. */
static void search_fc(cuda_exec *x, int l, int rows, ltrows *r,
                      const cublasLtMatmulHeuristicResult_t *res, int n, int k)
{
	enum { REPS = 10 };
	void *y = NULL;
	size_t bytes = (size_t)rows * (size_t)x->m->layers[l].cout * (size_t)x->esz;
	if (cudaMallocAsync(&y, bytes, x->stream) != cudaSuccess) {
		(void)cudaGetLastError();
		return;
	}
	double first = time_fc(x, l, r, &res[k].algo, y, REPS), best = first;
	int pick = k;
	for (int i = k + 1; i < n; i++) {
		if (res[i].state != CUBLAS_STATUS_SUCCESS || res[i].workspaceSize > CUBLAS_WS)
			continue;
		double t = time_fc(x, l, r, &res[i].algo, y, REPS);
		if (t > 0 && (best <= 0 || t < best)) {
			best = t;
			pick = i;
		}
	}
	(void)cudaGetLastError(); /* a candidate that failed leaves nothing behind */
	if (cudaFreeAsync(y, x->stream) != cudaSuccess)
		(void)cudaGetLastError();
	if (first > 0 && first <= 1.02 * best)
		pick = k;
	r->algo = res[pick].algo;
	r->ws = res[pick].workspaceSize;
	r->timed = first > 0 || best > 0;
	r->first_us = (float)first;
	r->kept_us = (float)(pick == k ? first : best);
}

/* Input and output layouts and the algorithm of every fc layer at the row
 * count batch b and seq S give it, where that count has none yet: the
 * first of cuBLASLt's heuristic results (ranked by estimated time) that
 * succeeds within the workspace, which is the cuBLAS handle's (CUBLAS_WS;
 * both libraries run on the executor's stream, one call after another),
 * or with cfg.find the fastest of them in graph-timed runs (search_fc).
 * Called after load, before a range or a layer of (b, S) runs or is
 * captured, so running chooses nothing. */
static int prepare_fc(cuda_exec *x, int b, int S, char *err, size_t errlen)
{
	if (!x->cfg.fc_lt)
		return 0;
	ectx c = {x, -1, -1, b, S, err, errlen};
	for (int l = 0; l < x->m->n_layers; l++) {
		const zoo_layer *L = &x->m->layers[l];
		lplan *p = &x->lp[l];
		if (L->kind != ZOO_FC)
			continue;
		c.layer = l;
		int rows = fc_rows(x, l, b, S);
		if (rows < 1 || rows > p->lt_max_rows)
			return efail(&c, "cuBLASLt plan", "row count outside the planned range");
		if (p->lt_at[rows])
			continue;
		ltrows *r = calloc(1, sizeof *r);
		if (!r)
			return text_fail(err, errlen, "out of memory planning %s", x->m->name);
		cublasLtMatmulHeuristicResult_t res[8];
		int n = 0;
		cublasStatus_t s;
		const char *call = "cublasLtMatrixLayoutCreate";
		if ((s = cublasLtMatrixLayoutCreate(&r->xl, x->bt, (uint64_t)L->cin, (uint64_t)rows,
		                                    L->cin)) == CUBLAS_STATUS_SUCCESS &&
		    (s = cublasLtMatrixLayoutCreate(&r->yl, x->bt, (uint64_t)L->cout,
		                                    (uint64_t)rows, L->cout)) ==
		        CUBLAS_STATUS_SUCCESS) {
			call = "cublasLtMatmulAlgoGetHeuristic";
			s = cublasLtMatmulAlgoGetHeuristic(x->lt, p->lt_op, p->lt_w, r->xl, r->yl,
			                                   r->yl, x->lt_pref, 8, res, &n);
		}
		int k = 0;
		while (s == CUBLAS_STATUS_SUCCESS && k < n &&
		       (res[k].state != CUBLAS_STATUS_SUCCESS || res[k].workspaceSize > CUBLAS_WS))
			k++;
		if (s == CUBLAS_STATUS_SUCCESS && k == n)
			s = CUBLAS_STATUS_NOT_SUPPORTED; /* no algorithm within the workspace */
		if (s != CUBLAS_STATUS_SUCCESS) {
			ltrows_free(r);
			return lt_fail(x, &c, call, s, l);
		}
		r->algo = res[k].algo;
		r->ws = res[k].workspaceSize;
		if (x->cfg.find)
			search_fc(x, l, rows, r, res, n, k);
		p->lt_at[rows] = r;
	}
	return 0;
}

/* Marks attention groups that may run as one kernel: scores l, a softmax
 * of them at l + 1 and the context of those probabilities and the same QKV
 * at l + 2, all in one op (a segment never ends between them), no
 * activations, and nothing else reading the scores or the probabilities.
 * Only the context output is written then; cuda_exec_run_layer still runs
 * each layer alone. */
static void mark_attn_groups(cuda_exec *x)
{
	const zoo_model *m = x->m;
	for (int l = 0; l + 2 < m->n_layers; l++) {
		const zoo_layer *S = &m->layers[l], *P = &m->layers[l + 1], *C = &m->layers[l + 2];
		if (S->kind != ZOO_ATTN_SCORES || P->kind != ZOO_SOFTMAX ||
		    C->kind != ZOO_ATTN_CONTEXT)
			continue;
		if (P->in[0] != l || C->in[0] != l + 1 || C->in[1] != S->in[0] ||
		    S->in[0] == ZOO_OP_INPUT || x->lp[l].op != x->lp[l + 2].op)
			continue;
		if (S->act != ZOO_ACT_NONE || P->act != ZOO_ACT_NONE || C->act != ZOO_ACT_NONE ||
		    S->heads != C->heads || S->cout != C->cout || S->heads < 1 ||
		    S->cout % S->heads)
			continue;
		int other = 0;
		for (int k = 0; k < m->n_layers && !other; k++)
			for (int i = 0; i < m->layers[k].n_in; i++) {
				int src = m->layers[k].in[i];
				if ((src == l && k != l + 1) || (src == l + 1 && k != l + 2))
					other = 1;
			}
		x->lp[l].attn_fused = !other;
	}
}

/* With cfg.fuse_add, marks each conv that does the add after it: the add
 * (two inputs) directly follows the conv in the same op, reads the conv's
 * output once and something computed before the conv (or the op's input)
 * as its other input, the conv has no activation of its own, and nothing
 * else reads the conv's output. Called before the slot plan, which gives
 * such an add the conv's slot. */
static void mark_fused_adds(cuda_exec *x)
{
	const zoo_model *m = x->m;
	if (!x->cfg.fuse_add)
		return;
	for (int o = 0; o < m->n_ops; o++) {
		const zoo_op *op = &m->ops[o];
		for (int a = op->first + 1; a < op->first + op->count; a++) {
			const zoo_layer *A = &m->layers[a], *C = &m->layers[a - 1];
			int c = a - 1;
			if (A->kind != ZOO_ADD || A->n_in != 2 || C->kind != ZOO_CONV ||
			    C->act != ZOO_ACT_NONE)
				continue;
			int other = A->in[0] == c ? A->in[1] : A->in[1] == c ? A->in[0] : c;
			if (other == c)
				continue;
			int readers = 0;
			for (int k = 0; k < m->n_layers; k++)
				for (int i = 0; i < m->layers[k].n_in; i++)
					readers += m->layers[k].in[i] == c;
			if (readers != 1)
				continue;
			x->lp[c].add_fused = 1;
			x->lp[a].add_fused = 1;
		}
	}
}

/* Whether conv layer L is depthwise as our kernel takes it: one group per
 * channel, as many out as in, a window up to CUDA_K_DW_MAXK a side. */
static int dw_shape(const zoo_layer *L)
{
	return L->kind == ZOO_CONV && L->groups > 1 && L->groups == L->cin && L->cout == L->cin &&
	       L->kh <= CUDA_K_DW_MAXK && L->kw <= CUDA_K_DW_MAXK;
}

/* Whether conv layer l may run as our depthwise kernel (cfg.dw). */
static int dw_able(const cuda_exec *x, int l)
{
	return x->cfg.dw && dw_shape(&x->m->layers[l]);
}

/* Whether the model has grouped (depthwise) convolutions that nhwc 1 keeps
 * NCHW: cuDNN's NHWC kernels ran mobilenet_v2 1.4x to 2.4x slower than its
 * NCHW ones (H100, fp32). With dw, a depthwise conv runs our kernel
 * wherever cuDNN's is slower, so only grouped convs that are not
 * depthwise count. */
static int grouped_convs(const zoo_model *m, int dw)
{
	for (int l = 0; l < m->n_layers; l++)
		if (m->layers[l].kind == ZOO_CONV && m->layers[l].groups > 1 &&
		    !(dw && dw_shape(&m->layers[l])))
			return 1;
	return 0;
}

/* --- creation and load ------------------------------------------------------ */

int cuda_exec_new(const cuda_exec_cfg *cfg, cuda_exec **out, char *err, size_t errlen)
{
	*out = NULL;
	const zoo_model *m = cfg->model;
	if (!m || cfg->max_batch < 1)
		return text_fail(err, errlen, "executor needs a model and a max batch >= 1");
	if (m->has_seq && (cfg->max_seq < 1 || cfg->max_seq > m->seq_max))
		return text_fail(err, errlen, "%s: max seq %d outside [1, %d]", m->name,
		                 cfg->max_seq, m->seq_max);
	if (cfg->conv_gemm < 0 || cfg->conv_gemm > 3)
		return text_fail(err, errlen, "conv_gemm %d outside [0, 3]", cfg->conv_gemm);
	if (cfg->half < 0 || cfg->half > 2)
		return text_fail(err, errlen, "half %d is none of 0 (fp32), 1 (fp16), 2 (bf16)",
		                 cfg->half);
	if (cfg->nhwc < 0 || cfg->nhwc > 2 || cfg->fuse_add < 0 || cfg->fuse_add > 1)
		return text_fail(err, errlen, "nhwc %d outside [0, 2] or fuse_add %d not 0 or 1",
		                 cfg->nhwc, cfg->fuse_add);
	if (cfg->fc_lt < 0 || cfg->fc_lt > 1)
		return text_fail(err, errlen, "fc_lt %d not 0 or 1", cfg->fc_lt);
	if (cfg->dw < 0 || cfg->dw > 2)
		return text_fail(err, errlen, "dw %d outside [0, 2]", cfg->dw);
	if (cfg->attn_rt < 0 || cfg->attn_rt > 1)
		return text_fail(err, errlen, "attn_rt %d not 0 or 1", cfg->attn_rt);
	if (cfg->attn_tc < 0 || cfg->attn_tc > 1)
		return text_fail(err, errlen, "attn_tc %d not 0 or 1", cfg->attn_tc);
	cuda_exec *x = calloc(1, sizeof *x);
	if (!x)
		return text_fail(err, errlen, "out of memory");
	x->cfg = *cfg;
	x->m = m;
	x->esz = cfg->half ? 2 : 4;
	x->dt = cfg->half == 2 ? CUDNN_DATA_BFLOAT16
	        : cfg->half    ? CUDNN_DATA_HALF
	                       : CUDNN_DATA_FLOAT;
	x->bt = cfg->half == 2 ? CUDA_R_16BF : cfg->half ? CUDA_R_16F : CUDA_R_32F;
	x->nhwc = !m->has_seq && (cfg->nhwc == 2 || (cfg->nhwc == 1 && !grouped_convs(m, cfg->dw)));
	x->fmt = x->nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
	x->max_seq = m->has_seq ? cfg->max_seq : 0;
	x->lp = calloc((size_t)m->n_layers, sizeof(lplan));
	x->bready = calloc((size_t)cfg->max_batch + 1, 1);
	x->graphs = calloc((size_t)m->n_ops * graph_keys(x), sizeof(cudaGraphExec_t));
	x->whole = calloc(graph_keys(x), sizeof(cudaGraphExec_t));
	if (!x->lp || !x->bready || !x->graphs || !x->whole) {
		cuda_exec_free(x);
		return text_fail(err, errlen, "out of memory");
	}
	ectx c = {x, -1, -1, cfg->max_batch, x->max_seq, err, errlen};
	int rc = -1;
	do {
		cudaError_t e = cudaStreamCreateWithFlags(&x->stream, cudaStreamNonBlocking);
		if (e != cudaSuccess) {
			char b[160];
			efail(&c, "cudaStreamCreateWithFlags", cuda_why(e, b, sizeof b));
			break;
		}
		cudnnStatus_t s = cudnnCreate(&x->dnn);
		if (s != CUDNN_STATUS_SUCCESS) {
			efail(&c, "cudnnCreate", cudnnGetErrorString(s));
			break;
		}
		if ((s = cudnnSetStream(x->dnn, x->stream)) != CUDNN_STATUS_SUCCESS) {
			efail(&c, "cudnnSetStream", cudnnGetErrorString(s));
			break;
		}
		cublasStatus_t bs = cublasCreate(&x->blas);
		if (bs != CUBLAS_STATUS_SUCCESS) {
			efail(&c, "cublasCreate", cublasGetStatusName(bs));
			break;
		}
		if ((bs = cublasSetStream(x->blas, x->stream)) != CUBLAS_STATUS_SUCCESS ||
		    (bs = cublasSetMathMode(x->blas, cfg->tf32 ? CUBLAS_TF32_TENSOR_OP_MATH
		                                               : CUBLAS_DEFAULT_MATH)) !=
		        CUBLAS_STATUS_SUCCESS) {
			efail(&c, "cublasSetStream/cublasSetMathMode", cublasGetStatusName(bs));
			break;
		}
		uint64_t lt_ws = CUBLAS_WS;
		if (cfg->fc_lt &&
		    ((bs = cublasLtCreate(&x->lt)) != CUBLAS_STATUS_SUCCESS ||
		     (bs = cublasLtMatmulPreferenceCreate(&x->lt_pref)) != CUBLAS_STATUS_SUCCESS ||
		     (bs = cublasLtMatmulPreferenceSetAttribute(
		          x->lt_pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &lt_ws,
		          sizeof lt_ws)) != CUBLAS_STATUS_SUCCESS)) {
			efail(&c, "cublasLtCreate/cublasLtMatmulPreference",
			      cublasLtGetStatusName(bs));
			break;
		}
		if ((s = cudnnCreateActivationDescriptor(&x->relu)) != CUDNN_STATUS_SUCCESS ||
		    (s = cudnnSetActivationDescriptor(x->relu, CUDNN_ACTIVATION_RELU,
		                                      CUDNN_PROPAGATE_NAN, 0.0)) !=
		        CUDNN_STATUS_SUCCESS ||
		    (s = cudnnCreateActivationDescriptor(&x->ident)) != CUDNN_STATUS_SUCCESS ||
		    (s = cudnnSetActivationDescriptor(x->ident, CUDNN_ACTIVATION_IDENTITY,
		                                      CUDNN_PROPAGATE_NAN, 0.0)) !=
		        CUDNN_STATUS_SUCCESS) {
			efail(&c, "cudnnSetActivationDescriptor", cudnnGetErrorString(s));
			break;
		}
		int dev = 0;
		if ((e = cudaGetDevice(&dev)) != cudaSuccess ||
		    (e = cudaDeviceGetAttribute(&x->sms, cudaDevAttrMultiProcessorCount, dev)) !=
		        cudaSuccess ||
		    ((cfg->find || cfg->conv_gemm == 1 || cfg->fuse_add || cfg->dw == 1) &&
		     ((e = cudaEventCreate(&x->ev0)) != cudaSuccess ||
		      (e = cudaEventCreate(&x->ev1)) != cudaSuccess))) {
			char b[160];
			efail(&c, "cudaDeviceGetAttribute/cudaEventCreate",
			      cuda_why(e, b, sizeof b));
			break;
		}
		mark_fused_adds(x);
		if (plan_slots(x, err, errlen))
			break;
		plan_weights(x);
		if (make_layer_descs(x, err, errlen))
			break;
		if (cfg->fc_lt && plan_fc_lt(x, err, errlen))
			break;
		mark_attn_groups(x);
		rc = 0;
	} while (0);
	if (rc) {
		cuda_exec_free(x);
		return -1;
	}
	*out = x;
	return 0;
}

size_t cuda_exec_need(const cuda_exec *x)
{
	return x->w_bytes + x->act_bytes + x->ws_bytes + CUBLAS_WS + LIB_MARGIN;
}

static int run_conv(cuda_exec *x, const ectx *c, int l, int b, int with_add);

/* The mean GPU time in ms of one run of enqueue(x, arg) (nonzero when it
 * fails), or a negative value when it fails: one run first (module
 * loading, and whether it runs at all), then `reps` runs captured into a
 * graph, replayed once to warm up and once between e0 and e1. Launched one
 * by one, a library's host cost per call (tens of microseconds for cuDNN)
 * would hide the differences between the algorithms timed. */
static double replay_ms(cuda_exec *x, int (*enqueue)(cuda_exec *, void *), void *arg,
                        cudaEvent_t e0, cudaEvent_t e1, int reps)
{
	if (enqueue(x, arg))
		return -1.0;
	cudaGraph_t graph = NULL;
	cudaGraphExec_t exec = NULL;
	double t = -1.0;
	if (cudaStreamBeginCapture(x->stream, cudaStreamCaptureModeThreadLocal) != cudaSuccess)
		return -1.0;
	int rc = 0;
	for (int r = 0; r < reps && !rc; r++)
		rc = enqueue(x, arg);
	float ms = 0.0f;
	if (cudaStreamEndCapture(x->stream, &graph) == cudaSuccess && !rc &&
	    cudaGraphInstantiate(&exec, graph, 0) == cudaSuccess &&
	    cudaGraphLaunch(exec, x->stream) == cudaSuccess &&
	    cudaEventRecord(e0, x->stream) == cudaSuccess &&
	    cudaGraphLaunch(exec, x->stream) == cudaSuccess &&
	    cudaEventRecord(e1, x->stream) == cudaSuccess &&
	    cudaEventSynchronize(e1) == cudaSuccess &&
	    cudaEventElapsedTime(&ms, e0, e1) == cudaSuccess)
		t = ms / reps;
	if (exec)
		cudaGraphExecDestroy(exec);
	if (graph)
		cudaGraphDestroy(graph);
	return t;
}

/* One run of conv layer l at batch b as bd sets it up, the add with it
 * (replay_ms's enqueue) */
struct conv_run {
	ectx c;
	int l, b;
};
static int enqueue_conv(cuda_exec *x, void *arg)
{
	struct conv_run *r = arg;
	return run_conv(x, &r->c, r->l, r->b, 1);
}

/* GPU time in ms of one run of conv layer l at batch b as bd sets it up
 * (the fused fallback, if any, taken by the first run), or a negative
 * value when that setup fails for this layer. */
static double time_conv(cuda_exec *x, int l, int b, cudaEvent_t e0, cudaEvent_t e1, int reps)
{
	char msg[256];
	struct conv_run r = {{x, x->lp[l].op, l, b, 0, msg, sizeof msg}, l, b};
	return replay_ms(x, enqueue_conv, &r, e0, e1, reps);
}

/* With cfg.find, times the best few heuristic candidates of conv layer l at
 * batch b on the call the layer really makes (fused bias + activation where
 * allowed, else convolution + epilogue kernel), on the executor's own
 * buffers, which hold noise, not zeros, and keeps the fastest unless the
 * heuristic choice is within 5% of it. This replaces
 * cudnnFindConvolutionForwardAlgorithmEx, which times the bare convolution:
 * on the H100 its picks ran whole models up to 1.4x slower than the
 * heuristics' first choice, because an algorithm without a fused form pays
 * for separate bias and activation passes that Find does not see. */
static int search_algo(cuda_exec *x, int l, int b, cudaEvent_t e0, cudaEvent_t e1, char *err,
                       size_t errlen)
{
	enum { MAX_CAND = 6, REPS = 5 };
	lplan *p = &x->lp[l];
	bdesc *bd = &p->bd[b];
	ectx c = {x, -1, l, b, 0, err, errlen};
	cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
	int got = 0;
	DNN(&c, cudnnGetConvolutionForwardAlgorithm_v7,
	    (x->dnn, bd->x, p->wdesc, p->conv, bd->y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got,
	     perf));
	const bdesc first_choice = *bd;
	bdesc best = first_choice;
	double first = -1.0, best_t = -1.0;
	for (int i = 0, n = 0; i < got && n < MAX_CAND; i++) {
		if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > x->ws_bytes)
			continue;
		if (!math_allowed(x, perf[i].mathType))
			continue;
		n++;
		bd->algo = perf[i].algo;
		bd->ws = perf[i].memory;
		bd->fused = fusable(x, l, perf[i].algo);
		double t = time_conv(x, l, b, e0, e1, REPS);
		if (t < 0)
			continue;
		if (perf[i].algo == first_choice.algo)
			first = t;
		if (best_t < 0 || t < best_t) {
			best_t = t;
			best = *bd;
		}
	}
	*bd = best_t >= 0 && !(first >= 0 && first <= 1.05 * best_t) ? best : first_choice;
	return 0;
}

/* Settles whether conv layer l runs as a GEMM at batch b, once its cuDNN
 * algorithm is settled: with conv_gemm 1, where gemm_max_batch allows, the
 * fastest of cuDNN, the GEMM unsplit and split gemm_splits ways in
 * graph-timed runs (a GEMM only when at least 3% faster than cuDNN, so near
 * ties stay with cuDNN); with conv_gemm 2 the GEMM unsplit and with 3
 * split, wherever gemm_max_batch allows. */
static void choose_gemm(cuda_exec *x, int l, int b)
{
	enum { REPS = 10 };
	bdesc *bd = &x->lp[l].bd[b];
	bd->gemm = 0;
	if (b > gemm_max_batch(x, l))
		return;
	int sp = gemm_splits(x, l, b);
	if (x->cfg.conv_gemm >= 2) {
		bd->gemm = x->cfg.conv_gemm == 2 ? 1 : sp;
		return;
	}
	double t_dnn = time_conv(x, l, b, x->ev0, x->ev1, REPS), t_best = -1.0;
	int cand[2] = {1, sp}, best = 0;
	for (int i = 0; i < (sp > 1 ? 2 : 1); i++) {
		bd->gemm = cand[i];
		double t = time_conv(x, l, b, x->ev0, x->ev1, REPS);
		if (t > 0 && (t_best < 0 || t < t_best)) {
			t_best = t;
			best = cand[i];
		}
	}
	bd->gemm = best && (t_dnn < 0 || t_best < 0.97 * t_dnn) ? best : 0;
}

/* Settles how conv layer l runs at batch b once its cuDNN algorithm is
 * set: one run settles whether the fused call takes it (run_conv drops to
 * the unfused path if not), so no capture meets that; then the GEMM choice,
 * and one run of the GEMM form when chosen, before any capture. */
/* With cfg.fuse_add, whether conv layer l hands the residual add to
 * cuDNN's fused call at batch b or runs it as our kernel after the conv:
 * the faster in graph-timed runs where choices are timed, else cuDNN's
 * call. Its z input may take another, slower kernel: on the H100 in fp32
 * NHWC the fused add cost resnet50 up to 6% at batch 1 to 8 and saved
 * 16-17% at 16 and 32. */
static void choose_add(cuda_exec *x, int l, int b)
{
	enum { REPS = 10 };
	bdesc *bd = &x->lp[l].bd[b];
	/* only where the executor times its choices (conv_gemm 1 or find):
	 * otherwise two executors of one model must run the same kernels */
	if (!x->lp[l].add_fused || (x->cfg.conv_gemm != 1 && !x->cfg.find))
		return;
	bd->add_in = 1;
	double t_in = time_conv(x, l, b, x->ev0, x->ev1, REPS);
	bd->add_in = 0;
	double t_after = time_conv(x, l, b, x->ev0, x->ev1, REPS);
	bd->add_in = t_in >= 0 && (t_after < 0 || t_in <= t_after);
}

/* After the chosen algorithm failed to run conv layer l at batch b, the
 * next of cuDNN's ranked candidates that runs (within the workspace);
 * -1 with the first failure's message when none does. cuDNN 9.19 refused
 * its own first choice for some fp16 NHWC depthwise convs (mobilenet_v2 at
 * batch 32) with CUDNN_STATUS_BAD_PARAM. */
static int retry_algo(cuda_exec *x, int l, int b, char *err, size_t errlen)
{
	lplan *p = &x->lp[l];
	bdesc *bd = &p->bd[b];
	ectx c = {x, p->op, l, b, 0, err, errlen};
	cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
	int got = 0;
	char first[512];
	snprintf(first, sizeof first, "%s", err);
	cudnnConvolutionFwdAlgo_t failed = bd->algo;
	if (cudnnGetConvolutionForwardAlgorithm_v7(x->dnn, bd->x, p->wdesc, p->conv, bd->y,
	                                           CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got,
	                                           perf) != CUDNN_STATUS_SUCCESS)
		got = 0;
	for (int i = 0; i < got; i++) {
		if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].algo == failed ||
		    perf[i].memory > x->ws_bytes || !math_allowed(x, perf[i].mathType))
			continue;
		bd->algo = perf[i].algo;
		bd->ws = perf[i].memory;
		bd->fused = fusable(x, l, bd->algo);
		if (run_conv(x, &c, l, b, 1) == 0)
			return 0;
	}
	snprintf(err, errlen, "%s", first);
	return -1;
}

/* With cfg.dw 1, whether depthwise conv layer l runs as our kernel at
 * batch b: where it timed faster than cuDNN as the layer runs (cuDNN's
 * call with its epilogue and, where fused, the add) in graph-timed runs. */
static void choose_dw(cuda_exec *x, int l, int b)
{
	enum { REPS = 10 };
	bdesc *bd = &x->lp[l].bd[b];
	bd->dw = 0;
	if (!dw_able(x, l) || x->cfg.dw != 1)
		return;
	double t_dnn = time_conv(x, l, b, x->ev0, x->ev1, REPS);
	bd->dw = 1;
	double t_dw = time_conv(x, l, b, x->ev0, x->ev1, REPS);
	bd->dw = t_dw >= 0 && (t_dnn < 0 || t_dw < t_dnn);
}

static int settle_conv(cuda_exec *x, int l, int b, char *err, size_t errlen)
{
	ectx c = {x, x->lp[l].op, l, b, 0, err, errlen};
	bdesc *bd = &x->lp[l].bd[b];
	bd->add_in = x->lp[l].add_fused;
	bd->dw = 0;
	if (dw_able(x, l) && x->cfg.dw == 2) { /* ours, cuDNN not asked */
		bd->dw = 1;
		return run_conv(x, &c, l, b, 1);
	}
	if (run_conv(x, &c, l, b, 1) && retry_algo(x, l, b, err, errlen)) {
		if (!dw_able(x, l))
			return -1;
		bd->dw = 1; /* cuDNN refused every algorithm: ours */
		return run_conv(x, &c, l, b, 1);
	}
	choose_add(x, l, b);
	choose_gemm(x, l, b);
	choose_dw(x, l, b);
	return bd->gemm || bd->dw ? run_conv(x, &c, l, b, 1) : 0;
}

/* Settles each conv's algorithm at the max batch: the heuristic choice made
 * at creation, or with cfg.find the graph-timed search's (off by default,
 * cuda_options: the heuristics alone measured as fast, bench/gpu/NOTES.md),
 * then settle_conv. */
static int choose_algos(cuda_exec *x, char *err, size_t errlen)
{
	int B = x->cfg.max_batch;
	int rc = 0;
	for (int l = 0; l < x->m->n_layers && !rc; l++) {
		if (x->m->layers[l].kind != ZOO_CONV)
			continue;
		x->lp[l].bd[B].add_in = x->lp[l].add_fused;
		if (x->cfg.find && search_algo(x, l, B, x->ev0, x->ev1, err, errlen)) {
			rc = -1;
			break;
		}
		rc = settle_conv(x, l, B, err, errlen);
	}
	if (rc)
		return -1;
	x->bready[B] = 1;
	return 0;
}

/* A conv workspace of `need` bytes in place of d_ws (cfg.ws_all): the
 * graphs captured so far keep the old one, which is kept until the
 * executor is freed; what runs from now on takes the new. */
static int grow_ws(cuda_exec *x, const ectx *c, size_t need)
{
	need = align_up(need);
	void **old = realloc(x->old_ws, (size_t)(x->n_old_ws + 1) * sizeof *old);
	if (!old)
		return efail(c, "grow_ws", "out of memory");
	x->old_ws = old;
	void *ws = NULL;
	CU(c, cudaMalloc, (&ws, need));
	x->old_ws[x->n_old_ws++] = x->d_ws;
	x->d_ws = ws;
	x->ws_bytes = need;
	return 0;
}

/* Descriptors and algorithms of every conv and pool layer at batch b, the
 * first time b runs, before any graph of it is captured: the heuristics'
 * first choice for b within the workspace, then settle_conv. With
 * cfg.ws_all the workspace grows to the first choice's (up to WS_CAP)
 * where the max batch's candidates sized it too small for b's: on an
 * H100, vgg16 and vgg19 at batch 12 and 14 of an executor of max batch 16
 * ran 2.5x to 4.9x their own executor's time on a lower-ranked choice. The layers'
 * slots hold nothing a new batch could need: a batch not yet run has no
 * query in flight. */
static int prepare_batch(cuda_exec *x, int b, char *err, size_t errlen)
{
	if (x->bready[b])
		return 0;
	ectx c = {x, -1, -1, b, 0, err, errlen};
	for (int l = 0; l < x->m->n_layers; l++) {
		const zoo_layer *L = &x->m->layers[l];
		lplan *p = &x->lp[l];
		if (L->kind != ZOO_CONV && L->kind != ZOO_POOL_MAX && L->kind != ZOO_POOL_AVG)
			continue;
		c.layer = l;
		bdesc *bd = &p->bd[b];
		if (set4d(&c, &bd->x, b, zoo_input_dims(x->m, l, 0, 0)) ||
		    set4d(&c, &bd->y, b, zoo_layer_dims(x->m, l, 0)))
			return -1;
		if (L->kind != ZOO_CONV)
			continue;
		if (heuristic_algo(x, &c, l, bd, x->ws_bytes, &bd->algo, &bd->ws, NULL,
		                   &bd->ws_first))
			return -1;
		if (x->cfg.ws_all && bd->ws_first > x->ws_bytes && bd->ws_first <= WS_CAP &&
		    (grow_ws(x, &c, bd->ws_first) ||
		     heuristic_algo(x, &c, l, bd, x->ws_bytes, &bd->algo, &bd->ws, NULL,
		                    &bd->ws_first)))
			return -1;
		bd->fused = fusable(x, l, bd->algo);
		bd->add_in = p->add_fused;
		if (x->cfg.find && search_algo(x, l, b, x->ev0, x->ev1, err, errlen))
			return -1;
		if (settle_conv(x, l, b, err, errlen))
			return -1;
	}
	x->bready[b] = 1;
	return 0;
}

/* Copies n values from the host to dst, synchronously: floats (or int32
 * ids) as they are, or converted to the 16-bit storage type when to_half. */
static int upload(cuda_exec *x, const ectx *c, void *dst, const void *src, size_t n, int to_half)
{
	if (!to_half) {
		CU(c, cudaMemcpyAsync, (dst, src, n * 4, cudaMemcpyHostToDevice, x->stream));
		CU(c, cudaStreamSynchronize, (x->stream));
		return 0;
	}
	uint16_t *h = malloc(n * sizeof *h + 1);
	if (!h)
		return efail(c, "upload", "out of memory");
	to16(x, h, src, n);
	cudaError_t e = cudaMemcpyAsync(dst, h, n * sizeof *h, cudaMemcpyHostToDevice, x->stream);
	if (e == cudaSuccess)
		e = cudaStreamSynchronize(x->stream);
	free(h);
	if (e != cudaSuccess) {
		char b[160];
		return efail(c, "cudaMemcpyAsync (upload)", cuda_why(e, b, sizeof b));
	}
	return 0;
}

/* upload() of batch tensors of per-sample dims d given in NCHW: stored
 * NHWC where the layout says so. */
static int upload_t(cuda_exec *x, const ectx *c, void *dst, const void *src, int batch, zoo_dims d,
                    int seq, int to_half)
{
	size_t n = (size_t)batch * (size_t)zoo_dims_count(&d, seq);
	if (!is_image(x, d))
		return upload(x, c, dst, src, n, to_half);
	float *t = malloc(n * sizeof *t + 1);
	if (!t)
		return efail(c, "upload", "out of memory");
	permute_nhwc(t, src, batch, d, 1);
	int rc = upload(x, c, dst, t, n, to_half);
	free(t);
	return rc;
}

static int download(cuda_exec *x, const ectx *c, float *dst, const void *src, size_t n);

/* download() of batch tensors of per-sample dims d into NCHW floats. */
static int download_t(cuda_exec *x, const ectx *c, float *dst, const void *src, int batch,
                      zoo_dims d, int seq)
{
	size_t n = (size_t)batch * (size_t)zoo_dims_count(&d, seq);
	if (!is_image(x, d))
		return download(x, c, dst, src, n);
	float *t = malloc(n * sizeof *t + 1);
	if (!t)
		return efail(c, "download", "out of memory");
	int rc = download(x, c, t, src, n);
	if (rc == 0)
		permute_nhwc(dst, t, batch, d, 0);
	free(t);
	return rc;
}

/* Copies n stored values of src to host floats, after the stream. */
static int download(cuda_exec *x, const ectx *c, float *dst, const void *src, size_t n)
{
	CU(c, cudaStreamSynchronize, (x->stream));
	if (x->esz == 4) {
		CU(c, cudaMemcpy, (dst, src, n * 4, cudaMemcpyDeviceToHost));
		return 0;
	}
	uint16_t *h = malloc(n * sizeof *h + 1);
	if (!h)
		return efail(c, "download", "out of memory");
	cudaError_t e = cudaMemcpy(h, src, n * sizeof *h, cudaMemcpyDeviceToHost);
	if (e == cudaSuccess)
		from16(x, dst, h, n);
	free(h);
	if (e != cudaSuccess) {
		char b[160];
		return efail(c, "cudaMemcpy (download)", cuda_why(e, b, sizeof b));
	}
	return 0;
}

int cuda_exec_load(cuda_exec *x, char *err, size_t errlen)
{
	const zoo_model *m = x->m;
	ectx c = {x, -1, -1, x->cfg.max_batch, x->max_seq, err, errlen};
	if (x->loaded)
		return 0;
	CU(&c, cudaMalloc, ((void **)&x->d_w, x->w_bytes ? x->w_bytes : ALIGN));
	CU(&c, cudaMalloc, ((void **)&x->d_act, x->act_bytes));
	CU(&c, cudaMalloc, (&x->d_ws, x->ws_bytes ? x->ws_bytes : ALIGN));
	CU(&c, cudaMalloc, (&x->d_blas_ws, CUBLAS_WS));
	BLAS(&c, cublasSetWorkspace, (x->blas, x->d_blas_ws, CUBLAS_WS));

	unsigned char *host = calloc(1, x->w_bytes ? x->w_bytes : 1);
	if (!host)
		return text_fail(err, errlen, "out of memory staging %s weights", m->name);
	wts *w = wts_new(m, x->cfg.seed, err, errlen);
	if (!w) {
		free(host);
		return -1;
	}
	int rc = pack_weights(x, w, host, err, errlen);
	wts_free(w);
	if (rc == 0) {
		cudaError_t e = cudaMemcpy(x->d_w, host, x->w_bytes, cudaMemcpyHostToDevice);
		if (e != cudaSuccess) {
			char b[160];
			rc = efail(&c, "cudaMemcpy (weights)", cuda_why(e, b, sizeof b));
		}
	}
	free(host);
	if (rc)
		return -1;

	/* Noise in every slot, then the seeded input for the max batch. */
	cudaError_t e =
	    cuda_k_fill(x->d_act, (int64_t)((x->act_bytes - x->in_bytes) / (size_t)x->esz),
	                x->cfg.seed ^ 0x5eedu, x->cfg.half, x->stream);
	if (e != cudaSuccess) {
		char b[160];
		return efail(&c, "cuda_k_fill", cuda_why(e, b, sizeof b));
	}
	zoo_dims d = m->input;
	size_t used = (size_t)x->cfg.max_batch * (size_t)zoo_dims_count(&d, seq_of(x, x->max_seq));
	void *vals = malloc(used * 4 + 4);
	if (!vals)
		return text_fail(err, errlen, "out of memory");
	wts_input(m, x->cfg.seed, vals, used); /* floats, or bert's int32 ids */
	rc = upload_t(x, &c, x->d_act + x->act_bytes - x->in_bytes, vals, x->cfg.max_batch, d,
	              x->max_seq, input_esz(x) == 2);
	free(vals); /* upload waited for the stream, the fill included */
	if (rc)
		return -1;
	if (choose_algos(x, err, errlen) || bind_fc_lt(x, err, errlen) ||
	    prepare_fc(x, x->cfg.max_batch, x->max_seq, err, errlen))
		return -1;
	CU(&c, cudaStreamSynchronize, (x->stream));
	x->loaded = 1;
	return 0;
}

static void free_descs(lplan *p, int max_batch)
{
	if (p->bd)
		for (int b = 0; b <= max_batch; b++) {
			if (p->bd[b].x)
				cudnnDestroyTensorDescriptor(p->bd[b].x);
			if (p->bd[b].y)
				cudnnDestroyTensorDescriptor(p->bd[b].y);
		}
	free(p->bd);
	if (p->wdesc)
		cudnnDestroyFilterDescriptor(p->wdesc);
	if (p->conv)
		cudnnDestroyConvolutionDescriptor(p->conv);
	if (p->bdesc1)
		cudnnDestroyTensorDescriptor(p->bdesc1);
	if (p->pool)
		cudnnDestroyPoolingDescriptor(p->pool);
	for (int r = 0; p->lt_at && r <= p->lt_max_rows; r++)
		ltrows_free(p->lt_at[r]);
	free(p->lt_at);
	if (p->lt_w)
		cublasLtMatrixLayoutDestroy(p->lt_w);
	if (p->lt_op)
		cublasLtMatmulDescDestroy(p->lt_op);
}

/* Destroys the captured graphs of a table of n slots (NULL: none). */
static void destroy_graphs(cudaGraphExec_t *g, size_t n)
{
	for (size_t i = 0; g && i < n; i++)
		if (g[i])
			cudaGraphExecDestroy(g[i]);
}

void cuda_exec_free(cuda_exec *x)
{
	if (!x)
		return;
	/* Teardown: failures here cannot be acted on, the memory goes with the
	 * context anyway; the stream is drained first so nothing is freed under
	 * running work. */
	if (x->stream)
		cudaStreamSynchronize(x->stream);
	destroy_graphs(x->graphs, (size_t)x->m->n_ops * graph_keys(x));
	destroy_graphs(x->whole, graph_keys(x));
	if (x->lp)
		for (int l = 0; l < x->m->n_layers; l++)
			free_descs(&x->lp[l], x->cfg.max_batch);
	if (x->ev0)
		cudaEventDestroy(x->ev0);
	if (x->ev1)
		cudaEventDestroy(x->ev1);
	if (x->relu)
		cudnnDestroyActivationDescriptor(x->relu);
	if (x->ident)
		cudnnDestroyActivationDescriptor(x->ident);
	if (x->blas)
		cublasDestroy(x->blas);
	if (x->lt_pref)
		cublasLtMatmulPreferenceDestroy(x->lt_pref);
	if (x->lt)
		cublasLtDestroy(x->lt);
	if (x->dnn)
		cudnnDestroy(x->dnn);
	cudaFree(x->d_w);
	cudaFree(x->d_act);
	cudaFree(x->d_ws);
	for (int i = 0; i < x->n_old_ws; i++)
		cudaFree(x->old_ws[i]);
	free(x->old_ws);
	cudaFree(x->d_blas_ws);
	if (x->stream)
		cudaStreamDestroy(x->stream);
	free(x->lp);
	free(x->bready);
	free(x->slot_bytes);
	free(x->slot_off);
	free(x->graphs);
	free(x->whole);
	free(x);
}

/* --- running ------------------------------------------------------------- */

static int launch(const ectx *c, const char *name, cudaError_t e)
{
	if (e != cudaSuccess) {
		char b[160];
		return efail(c, name, cuda_why(e, b, sizeof b));
	}
	return 0;
}

static int act_only(cuda_exec *x, const ectx *c, const zoo_layer *L, void *y, int64_t n)
{
	if (L->act == ZOO_ACT_NONE)
		return 0;
	return launch(c, "cuda_k_bias_act",
	              cuda_k_bias_act(y, NULL, n, 1, 1, L->act, x->cfg.half, x->stream));
}

/* Conv layer l at batch b as a GEMM: weights [cout][cin*kh*kw] times the
 * unfolded input. Unsplit (bd->gemm 1), one product per sample, batched by
 * stride, gives the NCHW output; then bias and activation. Split k ways,
 * the samples are folded into the rows, k products of 1/k of the reduction
 * each write partial sums behind the unfolded input, and one pass adds them
 * up with bias and activation into NCHW. */
/* The residual add a conv does after its epilogue (fused add on a path
 * without cuDNN's fused call): y = act(y + z). */
static int add_after(cuda_exec *x, const ectx *c, int l, int b, const void *z)
{
	zoo_dims o = zoo_layer_dims(x->m, l, 0);
	return launch(c, "cuda_k_add_act",
	              cuda_k_add_act(out_ptr(x, l), out_ptr(x, l), z,
	                             (int64_t)b * o.d[0] * o.d[1] * o.d[2], conv_act(x, l),
	                             x->cfg.half, x->stream));
}

/* A 1x1 stride-1 conv in NHWC: the pixels of the batch are the rows of
 * one GEMM, out [b*P][cout] = in [b*P][cin] x W^T, like a fully connected
 * layer; then bias and activation (and the add, z, where it does it). */
static int run_conv_gemm_nhwc(cuda_exec *x, const ectx *c, int l, int b, const void *z)
{
	const zoo_layer *L = &x->m->layers[l];
	const lplan *p = &x->lp[l];
	zoo_dims o = zoo_layer_dims(x->m, l, 0);
	int rows = b * o.d[1] * o.d[2];
	const float one = 1.0f, zero = 0.0f;
	void *y = out_ptr(x, l);
	if (x->cfg.half)
		BLAS(c, cublasGemmEx,
		     (x->blas, CUBLAS_OP_T, CUBLAS_OP_N, L->cout, rows, L->cin, &one, wp(x, p->w),
		      x->bt, L->cin, in_ptr(x, l, 0), x->bt, L->cin, &zero, y, x->bt, L->cout,
		      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
	else
		BLAS(c, cublasSgemm,
		     (x->blas, CUBLAS_OP_T, CUBLAS_OP_N, L->cout, rows, L->cin, &one, wp(x, p->w),
		      L->cin, in_ptr(x, l, 0), L->cin, &zero, y, L->cout));
	if (launch(c, "cuda_k_bias_act",
	           cuda_k_bias_act(y, p->has_bias ? wp(x, p->b) : NULL, (int64_t)rows * L->cout, 1,
	                           L->cout, z ? ZOO_ACT_NONE : L->act, x->cfg.half, x->stream)))
		return -1;
	return z ? add_after(x, c, l, b, z) : 0;
}

static int run_conv_gemm(cuda_exec *x, const ectx *c, int l, int b, const void *z)
{
	const zoo_layer *L = &x->m->layers[l];
	const lplan *p = &x->lp[l];
	if (x->nhwc)
		return run_conv_gemm_nhwc(x, c, l, b, z);
	int sp = p->bd[b].gemm;
	zoo_dims in = zoo_input_dims(x->m, l, 0, 0), o = zoo_layer_dims(x->m, l, 0);
	int P = o.d[1] * o.d[2], K = L->cin * L->kh * L->kw, co = o.d[0];
	const void *a = in_ptr(x, l, 0), *w = wp(x, p->w);
	const void *bias = p->has_bias ? wp(x, p->b) : NULL;
	void *y = out_ptr(x, l);
	const float one = 1.0f, zero = 0.0f;
	int half = x->cfg.half;
	zoo_act act = z ? ZOO_ACT_NONE : L->act;
	size_t col_bytes = gemm_col_bytes(x, l, b, sp);
	if (col_bytes > 0) {
		if (launch(c, "cuda_k_im2col",
		           cuda_k_im2col(x->d_ws, a, b, L->cin, in.d[1], in.d[2], L->kh, L->kw,
		                         L->sh, L->sw, L->ph, L->pw, o.d[1], o.d[2], sp > 1, half,
		                         x->stream)))
			return -1;
		a = x->d_ws;
	}
	long long a_stride =
	    a == x->d_ws ? (long long)K * P : (long long)in.d[0] * in.d[1] * in.d[2];
	if (sp > 1) {
		/* partial sums in float in both modes */
		int M = b * P, ks = K / sp;
		float *part = (float *)((unsigned char *)x->d_ws + col_bytes);
		if (half)
			BLAS(c, cublasGemmStridedBatchedEx,
			     (x->blas, CUBLAS_OP_N, CUBLAS_OP_N, M, co, ks, &one, a, x->bt, M,
			      (long long)ks * M, w, x->bt, K, ks, &zero, part, CUDA_R_32F, M,
			      (long long)co * M, sp, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
		else
			BLAS(c, cublasSgemmStridedBatched,
			     (x->blas, CUBLAS_OP_N, CUBLAS_OP_N, M, co, ks, &one, a, M,
			      (long long)ks * M, w, K, ks, &zero, part, M, (long long)co * M, sp));
		if (launch(c, "cuda_k_splitk_sum",
		           cuda_k_splitk_sum(y, part, sp, b, co, P, bias, act, half, x->stream)))
			return -1;
		return z ? add_after(x, c, l, b, z) : 0;
	}
	if (half)
		BLAS(c, cublasGemmStridedBatchedEx,
		     (x->blas, CUBLAS_OP_N, CUBLAS_OP_N, P, co, K, &one, a, x->bt, P, a_stride, w,
		      x->bt, K, 0, &zero, y, x->bt, P, (long long)co * P, b, CUBLAS_COMPUTE_32F,
		      CUBLAS_GEMM_DEFAULT));
	else if (b == 1)
		BLAS(c, cublasSgemm,
		     (x->blas, CUBLAS_OP_N, CUBLAS_OP_N, P, co, K, &one, a, P, w, K, &zero, y, P));
	else
		BLAS(c, cublasSgemmStridedBatched,
		     (x->blas, CUBLAS_OP_N, CUBLAS_OP_N, P, co, K, &one, a, P, a_stride, w, K, 0,
		      &zero, y, P, (long long)co * P, b));
	if ((bias || act != ZOO_ACT_NONE) &&
	    launch(c, "cuda_k_bias_act",
	           cuda_k_bias_act(y, bias, (int64_t)b * co * P, P, co, act, half, x->stream)))
		return -1;
	return z ? add_after(x, c, l, b, z) : 0;
}

/* The residual input conv layer l adds when it runs within its op (the
 * add's other input), or NULL where it does no add. */
static const void *conv_z(const cuda_exec *x, int l)
{
	if (!x->lp[l].add_fused)
		return NULL;
	const zoo_layer *A = &x->m->layers[l + 1];
	return in_ptr(x, l + 1, A->in[0] == l ? 1 : 0);
}

/* Depthwise conv layer l at batch b as our kernel, bias and activation in
 * it (none where it does the add, z: the add's activation comes after). */
static int run_conv_dw(cuda_exec *x, const ectx *c, int l, int b, const void *z)
{
	const zoo_layer *L = &x->m->layers[l];
	const lplan *p = &x->lp[l];
	zoo_dims in = zoo_input_dims(x->m, l, 0, 0), o = zoo_layer_dims(x->m, l, 0);
	if (launch(c, "cuda_k_dwconv",
	           cuda_k_dwconv(out_ptr(x, l), in_ptr(x, l, 0), wp(x, p->w),
	                         p->has_bias ? wp(x, p->b) : NULL, b, L->cin, in.d[1], in.d[2],
	                         o.d[1], o.d[2], L->kh, L->kw, L->sh, L->sw, L->ph, L->pw,
	                         z ? ZOO_ACT_NONE : L->act, x->nhwc, x->cfg.half, x->stream)))
		return -1;
	return z ? add_after(x, c, l, b, z) : 0;
}

/* Conv layer l at batch b; with_add: also the residual add after it where
 * cfg.fuse_add marked it (as ops run), else the conv alone (run_layer). */
static int run_conv(cuda_exec *x, const ectx *c, int l, int b, int with_add)
{
	const zoo_layer *L = &x->m->layers[l];
	lplan *p = &x->lp[l];
	bdesc *bd = &p->bd[b];
	const void *z = with_add ? conv_z(x, l) : NULL;
	if (bd->gemm)
		return run_conv_gemm(x, c, l, b, z);
	if (bd->dw)
		return run_conv_dw(x, c, l, b, z);
	if (z && !bd->add_in) { /* the conv alone, then our add kernel */
		if (run_conv(x, c, l, b, 0))
			return -1;
		return add_after(x, c, l, b, z);
	}
	const float one = 1.0f, zero = 0.0f;
	const void *xin = in_ptr(x, l, 0);
	void *y = out_ptr(x, l);
	const void *w = x->d_w + p->w;
	const void *bias = wp(x, p->b);
	zoo_act act = z ? conv_act(x, l) : L->act;
	/* bd->fused is for the conv as ops run it; a conv that does the add,
	 * run alone (run_layer), has no activation, whose fused form needs
	 * IMPLICIT_PRECOMP_GEMM */
	int as_ops = z || !p->add_fused;
	int fused =
	    as_ops ? bd->fused : bd->algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
	if (fused) {
		const float alpha2 = z ? 1.0f : 0.0f;
		cudnnStatus_t s = cudnnConvolutionBiasActivationForward(
		    x->dnn, &one, bd->x, xin, p->wdesc, w, p->conv, bd->algo, x->d_ws, x->ws_bytes,
		    &alpha2, bd->y, z ? z : y, p->bdesc1, bias,
		    act == ZOO_ACT_RELU ? x->relu : x->ident, bd->y, y);
		if (s == CUDNN_STATUS_SUCCESS)
			return 0;
		/* fp16, bf16, NHWC or with the residual input: a configuration the
		 * fused call refuses as a bad parameter runs unfused as well */
		if (s != CUDNN_STATUS_NOT_SUPPORTED &&
		    !((x->cfg.half || x->nhwc || z) && s == CUDNN_STATUS_BAD_PARAM))
			return efail(c, "cudnnConvolutionBiasActivationForward",
			             cudnnGetErrorString(s));
		/* This batch's algorithm has no fused form: unfused from now on. */
		if (as_ops)
			bd->fused = 0;
	}
	DNN(c, cudnnConvolutionForward,
	    (x->dnn, &one, bd->x, xin, p->wdesc, w, p->conv, bd->algo, x->d_ws, x->ws_bytes, &zero,
	     bd->y, y));
	zoo_dims o = zoo_layer_dims(x->m, l, 0);
	int64_t hw = (int64_t)o.d[1] * o.d[2];
	zoo_act eact = z ? ZOO_ACT_NONE : L->act;
	if ((p->has_bias || eact != ZOO_ACT_NONE) &&
	    launch(c, "cuda_k_bias_act",
	           cuda_k_bias_act(y, p->has_bias ? bias : NULL, (int64_t)b * o.d[0] * hw,
	                           x->nhwc ? 1 : hw, o.d[0], eact, x->cfg.half, x->stream)))
		return -1;
	return z ? add_after(x, c, l, b, z) : 0;
}

/* Q K^T / sqrt(dh) and P V per head, batched over heads (one call per
 * sample) or over samples (one call per head), whichever makes fewer calls:
 * the fused QKV rows interleave heads, so no single stride covers both. */
static int run_attn(cuda_exec *x, const ectx *c, int l, int b, int S)
{
	const zoo_layer *L = &x->m->layers[l];
	int F = L->cout, H = L->heads;
	if (H < 1 || F % H)
		return efail(c, "attention", "hidden size not divisible by heads");
	int dh = F / H;
	long long row = 3LL * F; /* fused QKV row */
	long long qkv_s = (long long)S * row, p_s = (long long)H * S * S, o_s = (long long)S * F;
	cublasComputeType_t ct =
	    x->cfg.tf32 && !x->cfg.half ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
	cudaDataType_t t = x->bt;
	void *out = out_ptr(x, l);
	const float zero = 0.0f;
	int per_sample = b <= H;
	int calls = per_sample ? b : H;
	if (L->kind == ZOO_ATTN_SCORES) {
		const void *qkv = in_ptr(x, l, 0);
		const float alpha = 1.0f / sqrtf((float)dh);
		for (int k = 0; k < calls; k++) {
			const void *q = el(x, qkv, per_sample ? k * qkv_s : (long long)k * dh);
			void *o = el(x, out, per_sample ? k * p_s : (long long)k * S * S);
			BLAS(c, cublasGemmStridedBatchedEx,
			     (x->blas, CUBLAS_OP_T, CUBLAS_OP_N, S, S, dh, &alpha, el(x, q, F), t,
			      (int)row, per_sample ? dh : qkv_s, q, t, (int)row,
			      per_sample ? dh : qkv_s, &zero, o, t, S,
			      per_sample ? (long long)S * S : p_s, per_sample ? H : b, ct,
			      CUBLAS_GEMM_DEFAULT));
		}
	} else {
		const void *prob = in_ptr(x, l, 0), *qkv = in_ptr(x, l, 1);
		const float one = 1.0f;
		for (int k = 0; k < calls; k++) {
			const void *v =
			    el(x, qkv, per_sample ? k * qkv_s + 2 * F : 2 * F + (long long)k * dh);
			const void *pp = el(x, prob, per_sample ? k * p_s : (long long)k * S * S);
			void *o = el(x, out, per_sample ? k * o_s : (long long)k * dh);
			BLAS(c, cublasGemmStridedBatchedEx,
			     (x->blas, CUBLAS_OP_N, CUBLAS_OP_N, dh, S, S, &one, v, t, (int)row,
			      per_sample ? dh : qkv_s, pp, t, S,
			      per_sample ? (long long)S * S : p_s, &zero, o, t, F,
			      per_sample ? dh : o_s, per_sample ? H : b, ct, CUBLAS_GEMM_DEFAULT));
		}
	}
	return act_only(x, c, L, out, (int64_t)b * out_count(x, l, S));
}

/* Fully connected layer l over `rows` rows as one cublasLtMatmul with the
 * bias (and ReLU) in its epilogue, then our activation pass for any other
 * activation (plan_fc_lt says why), in place. */
static int run_fc_lt(cuda_exec *x, const ectx *c, int l, int rows)
{
	const zoo_layer *L = &x->m->layers[l];
	const lplan *p = &x->lp[l];
	const ltrows *r = rows >= 1 && rows <= p->lt_max_rows ? p->lt_at[rows] : NULL;
	if (!r)
		return efail(c, "cublasLtMatmul",
		             "no cuBLASLt plan for this row count (not prepared)");
	const float one = 1.0f, zero = 0.0f;
	void *y = out_ptr(x, l);
	LT(c, l, cublasLtMatmul,
	   (x->lt, p->lt_op, &one, wp(x, p->w), p->lt_w, in_ptr(x, l, 0), r->xl, &zero, y, r->yl, y,
	    r->yl, &r->algo, x->d_blas_ws, CUBLAS_WS, x->stream));
	if (p->lt_epi == CUBLASLT_EPILOGUE_RELU_BIAS)
		return 0;
	return act_only(x, c, L, y, (int64_t)rows * L->cout);
}

/* Pooling: cuDNN's in NCHW fp32 and fp16; ours (cuda_k_pool) in NHWC and
 * in bf16. */
static int own_pool(const cuda_exec *x)
{
	return x->nhwc || x->cfg.half == 2;
}

/* Runs layer l; alone: by itself (cuda_exec_run_layer), so a conv that
 * does the add after it as ops run does only the conv. */
static int run_layer(cuda_exec *x, ectx *c, int l, int b, int S, int alone)
{
	const zoo_layer *L = &x->m->layers[l];
	lplan *p = &x->lp[l];
	c->layer = l;
	void *y = out_ptr(x, l);
	int64_t n_out = (int64_t)b * out_count(x, l, S);
	int half = x->cfg.half;
	size_t esz = (size_t)x->esz;
	switch (L->kind) {
	case ZOO_CONV:
		return run_conv(x, c, l, b, !alone);
	case ZOO_POOL_MAX:
	case ZOO_POOL_AVG: {
		const float one = 1.0f, zero = 0.0f;
		if (own_pool(x)) {
			zoo_dims in = zoo_input_dims(x->m, l, 0, 0), o = zoo_layer_dims(x->m, l, 0);
			if (launch(c, "cuda_k_pool",
			           cuda_k_pool(y, in_ptr(x, l, 0), b, in.d[0], in.d[1], in.d[2],
			                       o.d[1], o.d[2], L->kh, L->kw, L->sh, L->sw, L->ph,
			                       L->pw, L->kind == ZOO_POOL_MAX, x->nhwc, half,
			                       x->stream)))
				return -1;
			return act_only(x, c, L, y, n_out);
		}
		DNN(c, cudnnPoolingForward,
		    (x->dnn, p->pool, &one, p->bd[b].x, in_ptr(x, l, 0), &zero, p->bd[b].y, y));
		return act_only(x, c, L, y, n_out);
	}
	case ZOO_ADD:
		if (p->add_fused && !alone)
			return 0; /* the conv before it did the add */
		return launch(c, "cuda_k_add_act",
		              cuda_k_add_act(y, in_ptr(x, l, 0), in_ptr(x, l, 1), n_out, L->act,
		                             half, x->stream));
	case ZOO_CONCAT: {
		zoo_dims o = zoo_layer_dims(x->m, l, S);
		if (is_image(x, o)) {
			/* NHWC: per pixel, one kernel for all inputs */
			const void *src[ZOO_MAX_IN];
			int width[ZOO_MAX_IN];
			for (int i = 0; i < L->n_in; i++) {
				src[i] = in_ptr(x, l, i);
				width[i] = zoo_input_dims(x->m, l, i, S).d[0];
			}
			if (launch(c, "cuda_k_concat_nhwc",
			           cuda_k_concat_nhwc(y, src, width, L->n_in,
			                              (int64_t)b * o.d[1] * o.d[2], x->esz,
			                              x->stream)))
				return -1;
			return act_only(x, c, L, y, n_out);
		}
		/* Per sample the inputs' channel blocks lie side by side: one
		 * strided copy per input covers the whole batch. */
		size_t dst_row = (size_t)out_count(x, l, S) * esz, off = 0;
		for (int i = 0; i < L->n_in; i++) {
			size_t w = (size_t)in_count(x, l, i, S) * esz;
			CU(c, cudaMemcpy2DAsync,
			   ((unsigned char *)y + off, dst_row, in_ptr(x, l, i), w, w, (size_t)b,
			    cudaMemcpyDeviceToDevice, x->stream));
			off += w;
		}
		return act_only(x, c, L, y, n_out);
	}
	case ZOO_FC: {
		int64_t cnt = in_count(x, l, 0, S);
		if (L->cin <= 0 || cnt % L->cin)
			return efail(c, "fc",
			             "input size is not a multiple of the layer's in features");
		int rows = (int)((int64_t)b * (cnt / L->cin));
		if (x->cfg.fc_lt)
			return run_fc_lt(x, c, l, rows);
		const float one = 1.0f, zero = 0.0f;
		if (half)
			BLAS(c, cublasGemmEx,
			     (x->blas, CUBLAS_OP_T, CUBLAS_OP_N, L->cout, rows, L->cin, &one,
			      wp(x, p->w), x->bt, L->cin, in_ptr(x, l, 0), x->bt, L->cin, &zero, y,
			      x->bt, L->cout, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
		else
			BLAS(c, cublasSgemm,
			     (x->blas, CUBLAS_OP_T, CUBLAS_OP_N, L->cout, rows, L->cin, &one,
			      wp(x, p->w), L->cin, in_ptr(x, l, 0), L->cin, &zero, y, L->cout));
		return launch(c, "cuda_k_bias_act",
		              cuda_k_bias_act(y, wp(x, p->b), (int64_t)rows * L->cout, 1, L->cout,
		                              L->act, half, x->stream));
	}
	case ZOO_EMBED:
		if (launch(c, "cuda_k_embed",
		           cuda_k_embed(y, in_ptr(x, l, 0), wp(x, p->w), wp(x, p->w2), wp(x, p->w3),
		                        b * S, S, L->cout, L->vocab, half, x->stream)))
			return -1;
		return act_only(x, c, L, y, n_out);
	case ZOO_LAYERNORM: {
		int rows = (int)(n_out / L->cout);
		if (launch(c, "cuda_k_layernorm",
		           cuda_k_layernorm(y, in_ptr(x, l, 0),
		                            L->n_in > 1 ? in_ptr(x, l, 1) : NULL, wp(x, p->w),
		                            wp(x, p->b), rows, L->cout, L->eps, half, x->stream)))
			return -1;
		return act_only(x, c, L, y, n_out);
	}
	case ZOO_ATTN_SCORES:
	case ZOO_ATTN_CONTEXT:
		return run_attn(x, c, l, b, S);
	case ZOO_SOFTMAX: {
		zoo_dims o = zoo_layer_dims(x->m, l, S);
		int len = zoo_dim(o.d[2], S);
		if (launch(c, "cuda_k_softmax",
		           cuda_k_softmax(y, in_ptr(x, l, 0), n_out / len, len, half, x->stream)))
			return -1;
		return act_only(x, c, L, y, n_out);
	}
	case ZOO_TAKE_FIRST: {
		size_t w = (size_t)out_count(x, l, S) * esz;
		CU(c, cudaMemcpy2DAsync,
		   (y, w, in_ptr(x, l, 0), (size_t)in_count(x, l, 0, S) * esz, w, (size_t)b,
		    cudaMemcpyDeviceToDevice, x->stream));
		return act_only(x, c, L, y, n_out);
	}
	default:
		return efail(c, "run", "layer kind not supported on the GPU");
	}
}

/* Runs the attention group starting at scores layer l (scores, softmax,
 * context) as one kernel when the batch is at least ATTN_MIN_BATCH and
 * the sequence fits the kernel, or where cfg.attn_tc's tensor-core kernel
 * takes it (from ATTN_TC_MIN_BATCH_HALF or _TF32; it splits the query rows
 * of a head over blocks, so a small batch does not leave the GPU nearly
 * empty, but below those batches it measured slower): the scores and
 * probabilities never reach device memory, and one launch replaces the
 * per-head or per-sample matrix products and the softmax pass. Returns the
 * number of layers done: 3, or 0 when the group must run layer by layer. */
static int attn_group(cuda_exec *x, ectx *c, int l, int b, int S)
{
	const zoo_layer *L = &x->m->layers[l];
	if (!x->lp[l].attn_fused) /* any other layer: its heads may be 0 */
		return 0;
	int dh = L->cout / L->heads;
	int tc_min = x->cfg.half ? ATTN_TC_MIN_BATCH_HALF : ATTN_TC_MIN_BATCH_TF32;
	int seq_ok = x->cfg.half ? S >= ATTN_TC_SEQ_HALF_MIN && S <= ATTN_TC_SEQ_HALF_MAX
	                         : S >= ATTN_TC_SEQ_TF32_MIN && S <= ATTN_TC_SEQ_TF32_MAX;
	int tc = x->cfg.attn_tc && (x->cfg.half || x->cfg.tf32) && b >= tc_min && seq_ok &&
	         cuda_k_attention_tc_fits(S, dh, x->cfg.half);
	if (!tc && (b < ATTN_MIN_BATCH || !cuda_k_attention_fits(S, dh)))
		return 0;
	int mode = (x->cfg.attn_rt ? CUDA_K_ATTN_RT : 0) | (tc ? CUDA_K_ATTN_TC : 0);
	c->layer = l + 2;
	if (launch(c, "cuda_k_attention",
	           cuda_k_attention(out_ptr(x, l + 2), in_ptr(x, l, 0), b, S, L->cout, L->heads,
	                            x->cfg.half, mode, x->stream)))
		return -1;
	return 3;
}

static int enqueue(cuda_exec *x, int start, int end, int b, int S, char *err, size_t errlen)
{
	ectx c = {x, start, -1, b, S, err, errlen};
	for (int op = start; op < end; op++) {
		c.op = op;
		const zoo_op *o = &x->m->ops[op];
		for (int l = o->first; l < o->first + o->count;) {
			int done = attn_group(x, &c, l, b, S);
			if (done < 0)
				return -1;
			if (done) {
				l += done;
				continue;
			}
			if (run_layer(x, &c, l, b, S, 0))
				return -1;
			l++;
		}
	}
	return 0;
}

static int check_args(const cuda_exec *x, int start, int end, int batch, int seq, char *err,
                      size_t errlen)
{
	const zoo_model *m = x->m;
	if (!x->loaded)
		return text_fail(err, errlen, "%s executor used before load", m->name);
	if (start < 0 || end > m->n_ops || start >= end)
		return text_fail(err, errlen, "%s: op range [%d, %d) outside [0, %d)", m->name,
		                 start, end, m->n_ops);
	if (batch < 1 || batch > x->cfg.max_batch)
		return text_fail(err, errlen, "%s: batch %d outside [1, %d]", m->name, batch,
		                 x->cfg.max_batch);
	if (m->has_seq && (seq < 1 || seq > x->max_seq))
		return text_fail(err, errlen, "%s: seq %d outside [1, %d]", m->name, seq,
		                 x->max_seq);
	return 0;
}

static cudaGraphExec_t *graph_slot(cuda_exec *x, int op, int b, int S)
{
	return &x->graphs[(size_t)op * graph_keys(x) + graph_key(x, b, S)];
}

/* Captures ops [start, end) at (b, S) into *g without running them. */
static int capture(cuda_exec *x, ectx *c, int start, int end, int b, int S, cudaGraphExec_t *g)
{
	cudaGraph_t graph = NULL;
	CU(c, cudaStreamBeginCapture, (x->stream, cudaStreamCaptureModeThreadLocal));
	int rc = enqueue(x, start, end, b, S, c->err, c->errlen);
	cudaError_t e = cudaStreamEndCapture(x->stream, &graph);
	if (rc) {
		if (graph)
			cudaGraphDestroy(graph);
		return -1;
	}
	char bb[160];
	if (e != cudaSuccess)
		return efail(c, "cudaStreamEndCapture", cuda_why(e, bb, sizeof bb));
	cudaGraphExec_t exec = NULL;
	e = cudaGraphInstantiate(&exec, graph, 0);
	cudaGraphDestroy(graph);
	if (e != cudaSuccess)
		return efail(c, "cudaGraphInstantiate", cuda_why(e, bb, sizeof bb));
	*g = exec;
	x->n_graphs++;
	/* a graph's first launch also uploads it; do that now, so the whole
	 * model's graph, captured at the end of a warm-up run and not run
	 * then, costs its first query nothing extra */
	CU(c, cudaGraphUpload, (exec, x->stream));
	return 0;
}

/* Replays each op of the range from a graph captured the first time that
 * (op, batch, seq) ran: one launch per op instead of one per kernel, so
 * short ops stop paying launch gaps. Per op rather than per range because
 * the scheduler cuts queries at many different points: per-op graphs are
 * few (ops x batches x seqs) and reach a steady state quickly, where one
 * graph per range would keep capturing new ranges. The one range every
 * uncut query runs, the whole model, is the exception (cfg.whole): it
 * replays as one graph, captured the first time it runs, after that run
 * has gone through the per-op graphs, so a device's warm-up (which runs
 * the whole model at every batch) leaves both captured. */
static int run_graphs(cuda_exec *x, int start, int end, int b, int S, char *err, size_t errlen)
{
	ectx c = {x, start, -1, b, S, err, errlen};
	cudaGraphExec_t *whole = NULL;
	if (x->cfg.whole && start == 0 && end == x->m->n_ops) {
		whole = &x->whole[graph_key(x, b, S)];
		if (*whole) {
			CU(&c, cudaGraphLaunch, (*whole, x->stream));
			return 0;
		}
	}
	for (int op = start; op < end; op++) {
		c.op = op;
		cudaGraphExec_t *g = graph_slot(x, op, b, S);
		if (!*g && capture(x, &c, op, op + 1, b, S, g))
			return -1;
		CU(&c, cudaGraphLaunch, (*g, x->stream));
	}
	c.op = -1;
	return whole ? capture(x, &c, start, end, b, S, whole) : 0;
}

static int run_range(cuda_exec *x, int start, int end, int batch, int seq, char *err, size_t errlen)
{
	int S = seq_of(x, seq);
	if (prepare_batch(x, batch, err, errlen) || prepare_fc(x, batch, S, err, errlen))
		return -1;
	int rc = x->cfg.graphs ? run_graphs(x, start, end, batch, S, err, errlen)
	                       : enqueue(x, start, end, batch, S, err, errlen);
	if (rc)
		return -1;
	x->pos = end == x->m->n_ops ? 0 : end;
	x->pos_batch = batch;
	x->pos_seq = S;
	return 0;
}

int cuda_exec_run(cuda_exec *x, int start, int end, int batch, int seq, char *err, size_t errlen)
{
	if (check_args(x, start, end, batch, seq, err, errlen))
		return -1;
	int S = seq_of(x, seq);
	if (start != 0 && (start != x->pos || batch != x->pos_batch || S != x->pos_seq))
		return text_fail(
		    err, errlen,
		    "%s: ops [%d, %d) at batch %d do not continue the last range (it ended "
		    "at op %d, batch %d)",
		    x->m->name, start, end, batch, x->pos, x->pos_batch);
	return run_range(x, start, end, batch, seq, err, errlen);
}

int cuda_exec_run_unchecked(cuda_exec *x, int start, int end, int batch, int seq, char *err,
                            size_t errlen)
{
	if (check_args(x, start, end, batch, seq, err, errlen))
		return -1;
	return run_range(x, start, end, batch, seq, err, errlen);
}

cudaStream_t cuda_exec_stream(const cuda_exec *x)
{
	return x->stream;
}

int cuda_exec_sync(cuda_exec *x, char *err, size_t errlen)
{
	ectx c = {x, -1, -1, x->pos_batch, x->pos_seq, err, errlen};
	CU(&c, cudaStreamSynchronize, (x->stream));
	return 0;
}

int cuda_exec_set_input(cuda_exec *x, const void *in, int batch, int seq, char *err, size_t errlen)
{
	if (check_args(x, 0, 1, batch, seq, err, errlen))
		return -1;
	ectx c = {x, -1, -1, batch, seq, err, errlen};
	return upload_t(x, &c, x->d_act + x->act_bytes - x->in_bytes, in, batch, x->m->input,
	                seq_of(x, seq), input_esz(x) == 2);
}

int cuda_exec_get_output(cuda_exec *x, float *out, int batch, int seq, char *err, size_t errlen)
{
	const zoo_model *m = x->m;
	int op_end = x->pos == 0 ? m->n_ops : x->pos;
	int last = m->ops[op_end - 1].first + m->ops[op_end - 1].count - 1;
	ectx c = {x, op_end - 1, last, batch, seq, err, errlen};
	return download_t(x, &c, out, out_ptr(x, last), batch,
	                  zoo_layer_dims(m, last, seq_of(x, seq)), seq_of(x, seq));
}

int cuda_exec_run_layer(cuda_exec *x, int layer, int batch, int seq, const void *const *in,
                        float *out, char *err, size_t errlen)
{
	if (check_args(x, 0, 1, batch, seq, err, errlen))
		return -1;
	if (layer < 0 || layer >= x->m->n_layers)
		return text_fail(err, errlen, "%s: no layer %d", x->m->name, layer);
	int S = seq_of(x, seq);
	ectx c = {x, x->lp[layer].op, layer, batch, S, err, errlen};
	if (prepare_batch(x, batch, err, errlen) || prepare_fc(x, batch, S, err, errlen))
		return -1;
	const zoo_layer *L = &x->m->layers[layer];
	for (int i = 0; i < L->n_in; i++) /* the embedding reads int32 ids */
		if (upload_t(x, &c, in_ptr(x, layer, i), in[i], batch,
		             zoo_input_dims(x->m, layer, i, S), S,
		             x->cfg.half && L->kind != ZOO_EMBED))
			return -1;
	if (run_layer(x, &c, layer, batch, S, 1))
		return -1;
	return download_t(x, &c, out, out_ptr(x, layer), batch, zoo_layer_dims(x->m, layer, S), S);
}

int cuda_exec_pos(const cuda_exec *x)
{
	return x->pos;
}

const zoo_model *cuda_exec_model(const cuda_exec *x)
{
	return x->m;
}

const cuda_exec_cfg *cuda_exec_config(const cuda_exec *x)
{
	return &x->cfg;
}

int cuda_exec_rebind(cuda_exec *x, const zoo_model *m)
{
	if (!m || strcmp(m->name, x->m->name) != 0 || m->n_ops != x->m->n_ops ||
	    m->n_layers != x->m->n_layers)
		return -1;
	x->m = m;
	x->cfg.model = m;
	return 0;
}

int cuda_exec_graphs(const cuda_exec *x)
{
	return x->n_graphs;
}

/* What count_convs counts at a batch: convs as a GEMM, as our depthwise
 * kernel, or on cuDNN below its first choice for want of workspace. */
enum { COUNT_GEMM, COUNT_DW, COUNT_WS_SHORT };

static int count_convs(const cuda_exec *x, int batch, int what)
{
	if (batch < 1 || batch > x->cfg.max_batch || !x->bready[batch])
		return 0;
	int n = 0;
	for (int l = 0; l < x->m->n_layers; l++) {
		if (x->m->layers[l].kind != ZOO_CONV)
			continue;
		const bdesc *bd = &x->lp[l].bd[batch];
		n += what == COUNT_GEMM ? bd->gemm != 0
		     : what == COUNT_DW ? bd->dw != 0
		                        : !bd->gemm && !bd->dw && bd->ws_first > 0;
	}
	return n;
}

int cuda_exec_gemm_convs(const cuda_exec *x, int batch)
{
	return count_convs(x, batch, COUNT_GEMM);
}

int cuda_exec_dw_convs(const cuda_exec *x, int batch)
{
	return count_convs(x, batch, COUNT_DW);
}

int cuda_exec_nhwc(const cuda_exec *x)
{
	return x->nhwc;
}

int cuda_exec_ws_short_convs(const cuda_exec *x, int batch)
{
	return count_convs(x, batch, COUNT_WS_SHORT);
}

void cuda_exec_describe(const cuda_exec *x, int batch, FILE *f)
{
	static const char *const algos[] = {
	    "IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT", "FFT", "FFT_TILING",
	    "WINOGRAD",      "WINOGRAD_NONFUSED"};
	if (batch < 1 || batch > x->cfg.max_batch || !x->bready[batch])
		return;
	for (int l = 0; l < x->m->n_layers; l++) {
		const zoo_layer *L = &x->m->layers[l];
		if (L->kind != ZOO_CONV)
			continue;
		const bdesc *bd = &x->lp[l].bd[batch];
		zoo_dims o = zoo_layer_dims(x->m, l, 0);
		fprintf(f, "# conv %s b%d %dx%dx%d k%dx%d/%d g%d: ", L->name, batch, o.d[0], o.d[1],
		        o.d[2], L->kh, L->kw, L->sh, L->groups);
		const char *add = x->lp[l].add_fused ? " (and the residual add)" : "";
		if (bd->dw) {
			fprintf(f, "ours: depthwise kernel %s, bias + %s fused%s\n",
			        x->nhwc ? "NHWC" : "NCHW", zoo_act_name(L->act), add);
			continue;
		}
		if (bd->gemm) {
			if (x->nhwc)
				fprintf(f, "NHWC GEMM%s\n", add);
			else
				fprintf(f, "im2col + GEMM, split %d%s\n", bd->gemm, add);
			continue;
		}
		fprintf(f, "cuDNN %s%s%s, workspace %zu",
		        (unsigned)bd->algo < sizeof algos / sizeof algos[0] ? algos[bd->algo] : "?",
		        bd->fused ? " fused" : " + epilogue", add, bd->ws);
		if (bd->ws_first)
			fprintf(f, " (cuDNN's first choice needs %zu, over the executor's %zu)",
			        bd->ws_first, x->ws_bytes);
		fputc('\n', f);
	}
	for (int l = 0; l < x->m->n_layers && x->cfg.fc_lt; l++) {
		const zoo_layer *L = &x->m->layers[l];
		if (L->kind != ZOO_FC)
			continue;
		const lplan *p = &x->lp[l];
		int rows = fc_rows(x, l, batch, x->max_seq);
		const ltrows *r = rows >= 1 && rows <= p->lt_max_rows ? p->lt_at[rows] : NULL;
		int own = p->lt_epi == CUBLASLT_EPILOGUE_BIAS && L->act != ZOO_ACT_NONE;
		fprintf(f, "# fc %s b%d %d rows %dx%d: cuBLASLt epilogue %s%s%s", L->name, batch,
		        rows, L->cin, L->cout, lt_epi_name(p->lt_epi), own ? " + our " : "",
		        own ? zoo_act_name(L->act) : "");
		if (r && r->timed)
			fprintf(f, ", workspace %zu, timed: %.1f us (first choice %.1f)\n", r->ws,
			        r->kept_us, r->first_us);
		else if (r)
			fprintf(f, ", workspace %zu\n", r->ws);
		else
			fprintf(f, ", not yet run at this row count\n");
	}
}
