/* ref.h: the CPU reference, plain C, for checking the CUDA executors.
 *
 * Straightforward loops with double accumulation, written for clarity, not
 * speed: each layer kind as defined in zoo.h, batch norm applied explicitly
 * (not folded), so a GPU executor that folds it is checked against the
 * unfolded arithmetic.
 */
#ifndef ABACUS_REF_H
#define ABACUS_REF_H

#include <stddef.h>

#include "wts.h"
#include "zoo.h"

/* One layer for `batch` samples. in[i] points at input i (layer.in[i]'s
 * tensor, batch-major); out has room for batch * zoo_dims_count(out). For
 * ZOO_EMBED, in[0] is int32 ids. */
int ref_layer(const zoo_model *m, const wts *w, int layer, int batch, int seq,
              const void *const *in, float *out, char *err, size_t errlen);

/* Ops [start, end) for `batch` samples: input is the op `start` input
 * (int32 ids for bert op 0), output receives op end-1's output. */
int ref_run(const zoo_model *m, const wts *w, int start, int end, int batch, int seq,
            const void *input, float *output, char *err, size_t errlen);

/* ||a - b|| / ||b|| over n elements (0 when both are zero); NaN if any
 * element of a is NaN. */
double ref_rel_err(const float *a, const float *b, size_t n);

#endif
