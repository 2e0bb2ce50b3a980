/* zoo.h: the model zoo as plain data.
 *
 * A model is an ordered list of layers, grouped into operators (ops): the
 * units the scheduler may cut a query at. Everything here is shapes and
 * arithmetic, no CUDA: the simulator, the predictor, the CPU reference and
 * the CUDA executors all read the same description, so they agree on what
 * "resnet50 op 7 at batch 4" is.
 *
 * Invariants (checked by zoo_model_check and the tests):
 *  - ops cover the layers in order, without gaps: ops[i].first ==
 *    ops[i-1].first + ops[i-1].count, and the last op ends at n_layers.
 *  - an op takes exactly one tensor in (the model input for op 0, else the
 *    output of the previous op's last layer) and gives one tensor out (its
 *    last layer's output). So a segment [start, end) continues from where the
 *    previous one stopped with a single activation tensor.
 *  - a layer's inputs are layers of the same op that come before it, or
 *    ZOO_OP_INPUT (the op's input tensor).
 *  - tensors are float32, row-major per sample, dims {d0, d1, d2}; the batch
 *    is the outermost dimension. CNN tensors are {C, H, W} (NCHW); BERT
 *    token tensors are {S, F, 1}; attention scores are {heads, S, S}. A dim
 *    equal to ZOO_SEQ stands for the query's sequence length.
 *  - bert's model input is int32 token ids {S, 1, 1}; every other input is
 *    float32.
 *
 * Ownership: zoo_model_new returns a model the caller frees with
 * zoo_model_free. Layer and op names point into the model.
 */
#ifndef ABACUS_ZOO_H
#define ABACUS_ZOO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ZOO_SEQ (-1)      /* a dim that equals the sequence length */
#define ZOO_OP_INPUT (-1) /* a layer input that is the op's input tensor */
#define ZOO_MAX_IN 4      /* most inputs of one layer (inception concat) */
#define ZOO_NAME_MAX 48

typedef enum zoo_kind {
	ZOO_CONV,      /* 2-D convolution (groups allowed), optional bias or
	                  batch norm (folded into the weights at load), act */
	ZOO_POOL_MAX,  /* max pooling k x k, stride, pad */
	ZOO_POOL_AVG,  /* average pooling, padding counted in the divisor
	                  (count_include_pad); global pooling is k = H = W */
	ZOO_ADD,       /* sum of two inputs of one shape, then act */
	ZOO_CONCAT,    /* concatenation of n_in inputs along d0 (channels) */
	ZOO_FC,        /* y = x W^T + b over rows, then act. rows = batch with
	                  x flattened (CNN head) or batch*S (bert tokens) */
	ZOO_EMBED,     /* bert: word + position + token-type(0) embeddings of
	                  int32 ids; vocab and max_pos give the table sizes */
	ZOO_LAYERNORM, /* over the last feature dim (d1 of {S,F,1}), gamma and
	                  beta; with n_in == 2 the two inputs are summed first
	                  (residual) */
	ZOO_ATTN_SCORES,  /* in: fused QKV {S, 3F, 1}; out {heads, S, S} =
	                     Q K^T / sqrt(F/heads) per head */
	ZOO_SOFTMAX,      /* softmax over d2 of each row */
	ZOO_ATTN_CONTEXT, /* in[0]: probabilities {heads,S,S}, in[1]: fused QKV;
	                     out {S, F, 1} = P V per head, heads side by side */
	ZOO_TAKE_FIRST,   /* bert pooler input: the first token, {1, F, 1} */
	ZOO_KIND_COUNT
} zoo_kind;

typedef enum zoo_act {
	ZOO_ACT_NONE,
	ZOO_ACT_RELU,
	ZOO_ACT_RELU6,
	ZOO_ACT_GELU, /* erf form, as BERT */
	ZOO_ACT_TANH
} zoo_act;

typedef struct zoo_dims {
	int d[3]; /* per sample; ZOO_SEQ allowed */
} zoo_dims;

typedef struct zoo_layer {
	zoo_kind kind;
	char name[ZOO_NAME_MAX]; /* e.g. "layer1.0.conv2" */
	int n_in;
	int in[ZOO_MAX_IN]; /* layer indices (model-wide) or ZOO_OP_INPUT */
	zoo_dims out;       /* per-sample output dims */
	zoo_act act;
	/* ZOO_CONV: cin, cout, kernel, stride, pad, groups, bias / bn.
	 * ZOO_POOL_*: k (kh, kw), stride, pad.
	 * ZOO_FC: cin = in features, cout = out features, bias always.
	 * ZOO_EMBED: cout = hidden, vocab, max_pos.
	 * ZOO_LAYERNORM: cout = features, eps.
	 * ZOO_ATTN_*: heads, cout = hidden. */
	int cin, cout;
	int kh, kw, sh, sw, ph, pw;
	int groups;
	int bias; /* has a bias vector */
	int bn;   /* followed by batch norm (gamma, beta, mean, var) */
	float eps; /* batch norm or layer norm epsilon */
	int heads;
	int vocab, max_pos;
} zoo_layer;

typedef struct zoo_op {
	char name[ZOO_NAME_MAX]; /* e.g. "layer2.1" or "encoder.3" */
	int first, count;        /* layers [first, first + count) */
} zoo_op;

typedef struct zoo_model {
	char name[ZOO_NAME_MAX];
	int n_layers, n_ops;
	zoo_layer *layers;
	zoo_op *ops;
	zoo_dims input; /* per-sample input dims */
	int has_seq;    /* 1 for bert: dims may hold ZOO_SEQ */
	int seq_min, seq_max;
} zoo_model;

/* Work of a layer, an op or a model for one batch (and sequence length).
 * flops counts a multiply-add as 2. bytes is the fewest bytes a GPU must
 * move: every input read once, weights read once, output written once
 * (float32). params counts learnable parameters as published (a batch norm
 * counts gamma and beta). */
typedef struct zoo_cost {
	double flops;
	double bytes;
	double params;
	double weight_bytes; /* float32 bytes of weights as stored on the GPU */
	double out_bytes;    /* bytes of the output tensor */
} zoo_cost;

/* NULL-terminated list of model names, in the order `abacus zoo` shows. */
const char *const *zoo_names(void);

/* Writes "resnet50, resnet101, ..." into buf. */
void zoo_names_join(char *buf, size_t len);

/* Builds a model by name. On failure returns NULL and writes a message
 * naming the valid models into err. */
zoo_model *zoo_model_new(const char *name, char *err, size_t errlen);
void zoo_model_free(zoo_model *m);

/* Models looked up by name and built once each, for readers that check
 * every row of a file against its model. Zero-initialise; zoo_set_free
 * frees what it built. */
typedef struct zoo_set {
	zoo_model *m[32];
	int n;
} zoo_set;
/* The model called name, built on first use; NULL with the zoo's message
 * (or "more than 32 models") in err. Borrowed: the set owns it. */
const zoo_model *zoo_set_get(zoo_set *s, const char *name, char *err, size_t errlen);
void zoo_set_free(zoo_set *s);

/* Checks the invariants above; 0 if they hold, else writes why into err. */
int zoo_model_check(const zoo_model *m, char *err, size_t errlen);

/* Resolves ZOO_SEQ. seq is ignored by models without has_seq. */
int zoo_dim(int d, int seq);
int64_t zoo_dims_count(const zoo_dims *dims, int seq);

/* Per-sample dims of a layer's output, ZOO_SEQ resolved. */
zoo_dims zoo_layer_dims(const zoo_model *m, int layer, int seq);
/* Per-sample dims of the tensor a layer input refers to, within op `op`. */
zoo_dims zoo_input_dims(const zoo_model *m, int layer, int input, int seq);
/* Per-sample dims of op `op`'s input tensor. */
zoo_dims zoo_op_in_dims(const zoo_model *m, int op, int seq);

void zoo_layer_cost(const zoo_model *m, int layer, int batch, int seq, zoo_cost *out);
void zoo_op_cost(const zoo_model *m, int op, int batch, int seq, zoo_cost *out);
void zoo_model_cost(const zoo_model *m, int batch, int seq, zoo_cost *out);

/* Largest activation (elements per sample) any op of the model reads or
 * writes at once, for sizing buffers. */
int64_t zoo_max_activation(const zoo_model *m, int seq);

const char *zoo_kind_name(zoo_kind k);
const char *zoo_act_name(zoo_act a);

/* Prints the model's ops (and with verbose its layers) as a table: op,
 * name, layers, output shape, GFLOPs, MB moved, parameters. */
void zoo_print(FILE *f, const zoo_model *m, int batch, int seq, int verbose);
/* Prints one line per model: name, ops, layers, GMACs, params. */
void zoo_print_summary(FILE *f, int batch, int seq);

#endif
