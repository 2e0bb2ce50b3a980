/* half.h: IEEE 754 binary16 (fp16) from and to float on the host.
 *
 * The CUDA executor's fp16 mode stores weights, activations and inputs as
 * binary16; the host converts what it uploads (weights packed at load, a
 * model input) and what it reads back. Conversions round to nearest, ties
 * to even, as the GPU's __float2half_rn does; values beyond the largest
 * finite half (65504) become infinities, NaN stays NaN (quiet). Plain C,
 * so the core and its CPU tests build and check it without CUDA.
 */
#ifndef ABACUS_HALF_H
#define ABACUS_HALF_H

#include <stddef.h>
#include <stdint.h>

uint16_t half_from_float(float f);
float half_to_float(uint16_t h);

/* n values each way; dst and src do not overlap. */
void half_from_floats(uint16_t *dst, const float *src, size_t n);
void half_to_floats(float *dst, const uint16_t *src, size_t n);

/* bfloat16: float's upper 16 bits, rounded to nearest, ties to even (as
 * the GPU's __float2bfloat16_rn); NaN stays NaN (quiet), keeping its sign.
 * The executor's bf16 mode stores values this way. */
uint16_t bf16_from_float(float f);
float bf16_to_float(uint16_t h);
void bf16_from_floats(uint16_t *dst, const float *src, size_t n);
void bf16_to_floats(float *dst, const uint16_t *src, size_t n);

#endif
