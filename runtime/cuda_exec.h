/* cuda_exec.h: one service's executor on the GPU (internal to the CUDA
 * device, its tests and its benchmark).
 *
 * An executor owns everything one (model, max batch, max seq) needs to run
 * any op range [start, end) for any batch <= max batch and seq <= max seq:
 * its CUDA stream, cuDNN and cuBLAS handles bound to that stream, the
 * weights (batch norm folded into conv weights and bias at load), the
 * activation buffers, the model input, and a convolution workspace.
 *
 * Activations live in a few slots planned once at creation: every layer's
 * output gets a slot that no tensor still to be read occupies, so a
 * segment may stop after any op and the next one continues from the slot
 * holding that op's output. Nothing is allocated while running.
 *
 * Lifecycle, two steps so a device can check the memory of all its
 * services before allocating any:
 *   cuda_exec_new()   handles, descriptors for every batch 1..max batch,
 *                     slot plan, each conv's heuristic algorithm per batch;
 *                     cuda_exec_need() then tells the bytes of GPU memory it
 *                     will take (the workspace is the most any batch needs)
 *   cuda_exec_load()  allocates, uploads weights and a seeded input, settles
 *                     each conv's algorithm per batch (cfg.find: timed)
 *   cuda_exec_run()   enqueues ops on the executor's stream (asynchronous)
 *   cuda_exec_free()
 * So every choice is made once per batch before the first query; running
 * chooses and allocates nothing.
 *
 * Errors: functions return 0 or -1 and write a message naming the call,
 * model, op and batch into the caller's buffer.
 */
#ifndef ABACUS_CUDA_EXEC_H
#define ABACUS_CUDA_EXEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cuda_runtime_api.h>

#include "zoo.h"

typedef struct cuda_exec cuda_exec;

/* Output pixels (batch x height x width) up to which a conv may run as a
 * GEMM: below this cuDNN's tiles leave most SMs idle (a 14x14 output at
 * batch 1 is 196 rows), while cuBLAS splits the long reduction. */
#define CUDA_EXEC_GEMM_PIX 3136

typedef struct cuda_exec_cfg {
	const zoo_model *model; /* borrowed; must outlive the executor */
	int max_batch;
	int max_seq;   /* ignored for models without has_seq */
	int tf32;      /* 1: TF32 tensor cores in cuDNN and cuBLAS */
	int graphs;    /* 1: replay op ranges from captured CUDA graphs */
	int whole;     /* with graphs: 1: the whole model, ops [0, n_ops), replays
	                  as one graph per batch and seq; 0: op by op like any
	                  other range */
	int find;      /* 1: time the best cuDNN heuristic candidates of each
	                  conv at every batch at load, as the layer really runs
	                  (fused bias + activation or not), and keep the
	                  fastest; with fc_lt also cuBLASLt's candidates of
	                  each fc layer at every row count it prepares (the
	                  first choice kept unless another is 2% faster);
	                  0: take the heuristics' first choice for each batch
	                  (cudnnGetConvolutionForwardAlgorithm_v7,
	                  cublasLtMatmulAlgoGetHeuristic) */
	int conv_gemm; /* 1: where a conv's output is small (batch x height x
	                  width <= CUDA_EXEC_GEMM_PIX) time it as im2col +
	                  cuBLAS GEMM against cuDNN at every batch and keep the
	                  faster (the GEMM unsplit or its reduction split,
	                  whichever timed faster); 2: every ungrouped conv as
	                  the unsplit GEMM, 3: as the split GEMM where it splits
	                  (tests: no cap on the unfolded input's workspace);
	                  0: cuDNN only */
	uint64_t seed; /* weights (wts_new) and the model input (wts_input) */
	int half;      /* 1: fp16 storage (weights, activations, input; bert's
	                  ids stay int32), float accumulation in cuDNN, cuBLAS
	                  and our kernels; 2: the same in bfloat16; tf32 has no
	                  effect then; 0: fp32 */
	int nhwc;      /* 1: a CNN without grouped convs (2: any CNN; with dw
	                  see there) has its
	                  activations, input and conv filters stored NHWC
	                  (KRSC), cuDNN's NHWC kernels; the GEMM forms
	                  (conv_gemm) only for 1x1 stride-1 convs, as plain
	                  GEMMs over the pixels. Callers still pass and get
	                  NCHW floats. Ignored by bert. 0: NCHW */
	int fuse_add;  /* 1: a conv followed in its op by the residual add that
	                  alone reads it does the add: act(conv + bias + other
	                  input) as one cuDNN call, or the conv then our add
	                  kernel, whichever timed faster at each batch where
	                  choices are timed (conv_gemm 1 or find; else the
	                  cuDNN call) (the add
	                  then does nothing while ops run; op ranges still give
	                  the whole model's bits) */
	int ws_all;    /* 1: size the workspace to the most any allowed heuristic
	                  candidate of a conv needs at the max batch (up to 256
	                  MiB), so that at a smaller batch cuDNN's first choice
	                  fits too, and grow it (up to that cap) the first time
	                  a batch's first choice still does not; 0: to what the
	                  max batch's first choices
	                  need (a smaller batch may then take a lower-ranked
	                  algorithm; cuda_exec_describe counts those). cfg.find
	                  sizes it as 1 does */
	int fc_lt;     /* 1: each fully connected layer is one cublasLtMatmul
	                  with its bias, and its ReLU, in the GEMM's epilogue
	                  (other activations, erf GELU included, as our pass
	                  after it); the algorithm chosen by cuBLASLt's
	                  heuristics once per layer and row count (batch x
	                  seq), at load for the max and the first time a
	                  smaller one runs; 0: cuBLAS GEMM + our bias/act pass */
	int dw;        /* depthwise convs (groups == cin == cout, windows up to
	                  CUDA_K_DW_MAXK) as our kernel, cuda_k_dwconv, with
	                  bias and activation (ReLU6 too) fused, in either
	                  layout: 1 at every batch the faster of it and cuDNN
	                  in graph-timed runs (ours also where cuDNN refuses
	                  the conv), 2 always ours (tests); 0: cuDNN only.
	                  With dw, nhwc 1 also stores NHWC a CNN whose grouped
	                  convs are all depthwise (mobilenet_v2): they run
	                  ours wherever it times faster than cuDNN's NHWC
	                  kernels (dw 1) or always (dw 2), so the slow NHWC
	                  depthwise kernels of cuDNN that keep nhwc 1 away
	                  from grouped convs are avoided */
	int attn_rt;   /* 1: the fused attention groups run the register-tiled
	                  kernel (cuda_k_attention with rt 1: each warp takes 8
	                  query rows at once); 0: the one-row-per-warp kernel */
	int attn_tc;   /* 1: the fused attention groups run the tensor-core
	                  kernel (cuda_k_attention with CUDA_K_ATTN_TC) where
	                  it takes the sequence and head size, in fp16 and
	                  bf16, and in fp32 only with tf32 (its products are
	                  TF32); from batch 4 in fp16 and bf16 and 8 in TF32,
	                  at seq 24 to 192 in fp16 and bf16 and 48 to 96 in
	                  TF32, where it measured faster (cuda_exec.c,
	                  ATTN_TC_MIN_BATCH_*, ATTN_TC_SEQ_*). Where it does
	                  not run, attn_rt picks as without it. 0: no
	                  tensor-core attention */
} cuda_exec_cfg;

int cuda_exec_new(const cuda_exec_cfg *cfg, cuda_exec **out, char *err, size_t errlen);
/* Bytes of GPU memory cuda_exec_load will allocate. */
size_t cuda_exec_need(const cuda_exec *x);
int cuda_exec_load(cuda_exec *x, char *err, size_t errlen);
void cuda_exec_free(cuda_exec *x);

/* Enqueues ops [start, end) for `batch` (and `seq`) on the executor's
 * stream. start must be 0 (fresh input) or the op the previous range ended
 * at, with the same batch and seq. Returns once enqueued, except the first
 * time a batch runs: its convs' choices are made then (prepare), timing
 * some on the GPU, which a device's warm-up does before any query. */
int cuda_exec_run(cuda_exec *x, int start, int end, int batch, int seq, char *err, size_t errlen);
/* Same without the continuity check: runs the range on whatever its input
 * slot holds. For timing single ops (the benchmark's solo op profile), not
 * for results. */
int cuda_exec_run_unchecked(cuda_exec *x, int start, int end, int batch, int seq, char *err,
                            size_t errlen);
cudaStream_t cuda_exec_stream(const cuda_exec *x);
/* Waits for the executor's stream; reports asynchronous faults. */
int cuda_exec_sync(cuda_exec *x, char *err, size_t errlen);

/* Replaces the model input for batch x seq samples (float32, or int32 ids
 * for bert), host memory, synchronously; in fp16 the floats are rounded to
 * binary16 on the way. */
int cuda_exec_set_input(cuda_exec *x, const void *in, int batch, int seq, char *err, size_t errlen);
/* Copies the activation the last range left (its last op's output) to host
 * memory: batch * per-sample count floats (widened from fp16 in that
 * mode). Synchronous. */
int cuda_exec_get_output(cuda_exec *x, float *out, int batch, int seq, char *err, size_t errlen);

/* Runs one layer alone on host inputs (in[i] as ref_layer takes them, as
 * floats whatever the mode) and copies its output back as floats: for
 * checking each layer kind against the CPU reference. Synchronous. */
int cuda_exec_run_layer(cuda_exec *x, int layer, int batch, int seq, const void *const *in,
                        float *out, char *err, size_t errlen);

/* The op the last range ended at (0 before any). */
int cuda_exec_pos(const cuda_exec *x);
const zoo_model *cuda_exec_model(const cuda_exec *x);
/* The settings it was made with (its model: the one it now borrows). */
const cuda_exec_cfg *cuda_exec_config(const cuda_exec *x);
/* Lends the executor another copy of its own model (same name, ops and
 * layers: zoo_model_new of the same name), so that it may outlive the
 * model it was made with; -1, nothing changed, for any other model. */
int cuda_exec_rebind(cuda_exec *x, const zoo_model *m);
/* Number of captured graphs held, for tests and the benchmark. */
int cuda_exec_graphs(const cuda_exec *x);
/* Number of conv layers that run as im2col + GEMM at `batch` (0 before
 * that batch first ran), for the benchmark. */
int cuda_exec_gemm_convs(const cuda_exec *x, int batch);
/* Number of cuDNN conv layers at `batch` that took a lower-ranked
 * algorithm because cuDNN's first choice needed more workspace than the
 * executor holds (sized at its max batch); 0 before that batch first ran.
 * For the benchmark. */
int cuda_exec_ws_short_convs(const cuda_exec *x, int batch);
/* Number of depthwise conv layers that run our kernel (cfg.dw) at
 * `batch`; 0 before that batch first ran. For tests and the benchmark. */
int cuda_exec_dw_convs(const cuda_exec *x, int batch);
/* 1 when the executor stores activations NHWC (cfg.nhwc and the model). */
int cuda_exec_nhwc(const cuda_exec *x);
/* One line per conv layer saying how it runs at `batch` (cuDNN algorithm
 * and whether bias + activation are fused into it, or the GEMM form and
 * its split, or our depthwise kernel), after that batch first ran; with
 * cfg.fc_lt one more per fc layer (its cuBLASLt epilogue, at the max
 * seq); for the benchmark. */
void cuda_exec_describe(const cuda_exec *x, int batch, FILE *f);

#endif
