/* rng.h: the seeded random generator every random choice goes through.
 *
 * xoshiro256** seeded by splitmix64: fast, good statistics, and the same
 * seed gives the same sequence on every machine, so a simulated run is
 * reproducible bit for bit. A generator is a plain value the caller owns;
 * there is no global one.
 */
#ifndef ABACUS_RNG_H
#define ABACUS_RNG_H

#include <stdint.h>

typedef struct rng {
	uint64_t s[4];
} rng;

void rng_seed(rng *r, uint64_t seed);
uint64_t rng_u64(rng *r);
/* Uniform in [0, 1), 53 bits. */
double rng_double(rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint32_t rng_below(rng *r, uint32_t n);
/* Exponential with the given rate (mean 1/rate), rate > 0. */
double rng_exp(rng *r, double rate);
/* Standard normal (Box-Muller, one value per call). */
double rng_normal(rng *r);
/* An independent stream derived from this one (for per-purpose streams
 * whose draws must not shift when another stream draws more). */
rng rng_split(rng *r);

#endif
