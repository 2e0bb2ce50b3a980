/* wts.h: a model's parameters, generated from a seed.
 *
 * abacus never downloads weights: every parameter is drawn from a seeded
 * generator (rng.h), layer by layer, so the CPU reference and the CUDA
 * executors of the same (model, seed) hold the same numbers. Scales are
 * chosen so activations stay of order one through the deepest model
 * (fan-in scaled weights, batch-norm statistics near identity), which keeps
 * relative-error checks meaningful. Each layer draws from its own stream,
 * seeded from (seed, layer index) only; wts.c lists the exact ranges.
 *
 * Layouts (float32, host memory, owned by the wts):
 *   ZOO_CONV       w [cout][cin/groups][kh][kw]; b [cout] if bias;
 *                  bn_gamma/bn_beta/bn_mean/bn_var [cout] if bn
 *   ZOO_FC         w [cout][cin]; b [cout]
 *   ZOO_EMBED      w = word [vocab][F]; w2 = position [max_pos][F];
 *                  w3 = token type [2][F] (type 0 is used)
 *   ZOO_LAYERNORM  w = gamma [F]; b = beta [F]
 *   other kinds    no parameters (all NULL)
 */
#ifndef ABACUS_WTS_H
#define ABACUS_WTS_H

#include <stddef.h>
#include <stdint.h>

#include "zoo.h"

typedef struct wts_layer {
	float *w, *w2, *w3, *b;
	float *bn_gamma, *bn_beta, *bn_mean, *bn_var;
	size_t n_w, n_w2, n_w3, n_b; /* element counts */
} wts_layer;

typedef struct wts {
	const zoo_model *model; /* borrowed */
	int n_layers;
	wts_layer *layer;
} wts;

/* NULL on failure (out of memory) with the message in err. */
wts *wts_new(const zoo_model *m, uint64_t seed, char *err, size_t errlen);
void wts_free(wts *w);

/* Fills n floats with a seeded input for the model (uniform in [-1, 1]),
 * or for bert n int32 token ids in [0, vocab). */
void wts_input(const zoo_model *m, uint64_t seed, void *out, size_t n);

#endif
