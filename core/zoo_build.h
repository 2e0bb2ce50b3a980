/* zoo_build.h: internal to the zoo. The small builder the model files share.
 *
 * A model file describes its network as a sequence of calls: zoo_b_op()
 * opens an operator, then zoo_b_conv(), zoo_b_pool(), ... append layers to
 * it. Each layer call takes its input as a *model-wide* layer index (or
 * ZOO_OP_INPUT for the model input) and returns the new layer's index, so
 * the model code reads like the network's forward pass. The builder turns a
 * reference to the previous op's last layer into ZOO_OP_INPUT, rejects any
 * other reference that crosses an op boundary, and derives every output
 * shape with zoo_infer_out(), the same arithmetic zoo_model_check() uses to
 * verify a finished model.
 *
 * Errors are sticky: the first failure (out of memory, bad shape) is written
 * into the caller's buffer, later calls do nothing and return ZOO_B_FAIL, and
 * zoo_b_finish() frees the half-built model and returns NULL. Model code
 * therefore checks once, at the end.
 */
#ifndef ABACUS_ZOO_BUILD_H
#define ABACUS_ZOO_BUILD_H

#include <stddef.h>

#include "zoo.h"

#define ZOO_B_FAIL (-2) /* returned by layer calls after a failure */

typedef struct zoo_build {
	zoo_model *m;
	size_t cap_layers, cap_ops;
	char prefix[ZOO_NAME_MAX]; /* prepended to layer names ("layer2.0") */
	char *err;
	size_t errlen;
	int failed;
} zoo_build;

/* Starts a model; returns 0 or -1 (message in err). */
int zoo_b_begin(zoo_build *b, const char *name, zoo_dims input, char *err, size_t errlen);
/* Closes the model: NULL (and the model freed) if any call failed. */
zoo_model *zoo_b_finish(zoo_build *b);

/* Records a failure (printf-style message) unless one is recorded already. */
void zoo_b_fail(zoo_build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Opens a new op named `name`; layer names get `name.` as prefix. */
void zoo_b_op(zoo_build *b, const char *name);
/* Replaces the layer name prefix ("" for none) within the current op. */
void zoo_b_prefix(zoo_build *b, const char *prefix);

int zoo_b_conv(zoo_build *b, int x, const char *name, int cout, int kh, int kw, int sh, int sw,
               int ph, int pw, int groups, int bias, int bn, float eps, zoo_act act);
/* Square kernel shorthand. */
int zoo_b_convk(zoo_build *b, int x, const char *name, int cout, int k, int s, int p, int bn,
                zoo_act act);
int zoo_b_pool(zoo_build *b, int x, const char *name, zoo_kind kind, int k, int s, int p);
/* Average pool over the whole H x W plane (the input must be square). */
int zoo_b_gap(zoo_build *b, int x, const char *name);
int zoo_b_add(zoo_build *b, int x, int y, const char *name, zoo_act act);
int zoo_b_concat(zoo_build *b, const int *x, int n, const char *name);
int zoo_b_fc(zoo_build *b, int x, const char *name, int cout, zoo_act act);
int zoo_b_embed(zoo_build *b, int x, const char *name, int hidden, int vocab, int max_pos);
/* With y == ZOO_B_NONE a plain layer norm of x; else of x + y (residual). */
#define ZOO_B_NONE (-3)
int zoo_b_layernorm(zoo_build *b, int x, int y, const char *name, float eps);
int zoo_b_attn_scores(zoo_build *b, int qkv, const char *name, int heads);
int zoo_b_softmax(zoo_build *b, int x, const char *name);
int zoo_b_attn_context(zoo_build *b, int probs, int qkv, const char *name, int heads);
int zoo_b_take_first(zoo_build *b, int x, const char *name);

/* Output dims of layer L given the dims of its inputs (ZOO_SEQ kept
 * symbolic). 0 ok, else -1 with the reason in err. Shared by the builder and
 * zoo_model_check. */
int zoo_infer_out(const zoo_layer *L, const zoo_dims *in, zoo_dims *out, char *err, size_t errlen);

/* The model builders, one per network family (zoo_<family>.c). The registry
 * (zoo.c) has already called zoo_b_begin with the model's name and input;
 * failures are recorded in b. `variant` is the depth for resnet (18, 50,
 * 101, 152) and vgg (16, 19), unused by the others. */
void zoo_build_resnet(zoo_build *b, int variant);
void zoo_build_vgg(zoo_build *b, int variant);
void zoo_build_inception_v3(zoo_build *b, int variant);
void zoo_build_mobilenet_v2(zoo_build *b, int variant);
void zoo_build_bert(zoo_build *b, int variant);

#endif
